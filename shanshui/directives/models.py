"""Meetings, their documents and the directives found in them (会议部署 → 台账任务)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanshui.ledger.models import Campaign, Category, DeadlineKind, Task
from shanshui.orgs.models import Unit


class MeetingKind(models.TextChoices):
    INSPECTION = "inspection", _("Inspection rectification meeting")  # 督察整改推进会
    WORK = "work", _("Work conference")  # 工作会议
    STANDING = "standing", _("Standing committee or executive meeting")  # 常委会、常务会
    SPECIAL = "special", _("Special-topic meeting")  # 专题会议
    NOTICE = "notice", _("Notice or document")  # 通知、文件
    OTHER = "other", _("Other")


class Meeting(models.Model):
    name = models.CharField(_("meeting"), max_length=200)
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    # The ledger campaign (kind "meeting") its directives' tasks are filed under, once committed.
    campaign = models.OneToOneField(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="meeting"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class NormalizeMode(models.TextChoices):
    STRIP = "strip", _("Remove pinyin annotations only")
    T2S = "t2s", _("Also convert Traditional to Simplified")
    FULL = "full", _("Also restore full-width punctuation")


class Document(models.Model):
    """A speech, report or notice as it arrived (``raw_text`` unchanged) and as cleaned."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    original_name = models.CharField(_("file"), max_length=200, blank=True)
    source_kind = models.CharField(max_length=8)  # "paste", "txt", "docx", "html"
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    raw_text = models.TextField(_("text as received"))
    mode = models.CharField(
        _("cleaning"), max_length=8, choices=NormalizeMode.choices, default=NormalizeMode.FULL
    )
    text = models.TextField(_("cleaned text"))
    # {"pinyin": n, "t2s": n, "punct": n}: what the cleaning changed (the diff is recomputed).
    change_counts = models.JSONField(default=dict, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Directive(models.Model):
    """One directive sentence (部署事项) as found, then reviewed, then turned into a task."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="directives")
    number = models.PositiveIntegerField(_("number"))  # order in the document, from 1
    speaker = models.CharField(_("speaker"), max_length=40, blank=True)
    sentence = models.TextField(_("sentence"))  # as found (the reviewer may edit ``text``)
    text = models.TextField(_("directive"))
    clauses = models.JSONField(default=list, blank=True)
    paragraph = models.PositiveIntegerField(default=0)
    start = models.PositiveIntegerField(default=0)  # offsets in the document's cleaned text
    end = models.PositiveIntegerField(default=0)
    explicit = models.BooleanField(default=True)
    continues = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggested_units = models.JSONField(default=list, blank=True)  # names, as suggested
    dropped = models.BooleanField(_("dropped"), default=False)
    lead = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lead unit"),
    )
    responsible = models.ManyToManyField(
        Unit, blank=True, related_name="+", verbose_name=_("responsible units")
    )
    categories = models.JSONField(default=list, blank=True)  # ledger Category values
    deadline_kind = models.CharField(
        _("deadline kind"), max_length=12, choices=DeadlineKind.choices, default=DeadlineKind.DATED
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    task = models.OneToOneField(
        Task, null=True, blank=True, on_delete=models.PROTECT, related_name="directive"
    )

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        ordering = ["document_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="directives_directive_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:40]}"

    def category_labels(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels.get(c, c)) for c in self.categories]
