"""Reports: ledger imports (run in the background when large), bulletin templates and the
bulletins (通报) issued from them.

Nothing here changes the ledger by itself: an import job calls the ledger's services, and a
bulletin is a file generated from the ledger's figures, kept as issued.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanshui.ledger.models import Campaign


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One upload of a ledger sheet: checked (dry run), then perhaps imported.

    The file is kept (under MEDIA_ROOT, never served publicly) so that the user can correct
    the column mapping and check again, and so that the import is on record.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="imports/", max_length=200)
    original_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    # Column index (as a string, JSON keys) → field name, "" for "ignore"; empty = detected.
    mapping = models.JSONField(default=dict, blank=True)
    dry_run = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    # Progress: rows done of rows in all; the page polls these while the job runs.
    done_rows = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The outcome: columns found, planned changes and every error by row and column.
    result = models.JSONField(default=dict, blank=True)
    # The background task running a large job (its id in the task backend); "" when the job
    # ran in the request.
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.done_rows * 100 // self.total_rows)


class BulletinTemplate(models.Model):
    """What the office can adjust in a bulletin (通报) without touching code: the issuing body,
    the document number's prefix, the title, the opening and closing paragraphs, and the
    addressees. Texts may use the placeholders listed in docs/reports.md ({campaign},
    {period_start}, {period_end}, {total} …)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    issuer = models.CharField(
        _("issuing body"),
        max_length=120,
        default="重庆市生态环境保护督察整改工作领导小组办公室",
    )
    number_prefix = models.CharField(_("document number prefix"), max_length=40, default="渝督改办")
    title = models.CharField(
        _("title"),
        max_length=200,
        default="关于{campaign}整改工作进展情况的通报",
    )
    addressees = models.TextField(
        _("addressees"),
        blank=True,
        default="各区县（自治县）党委和政府，两江新区、重庆高新区、万盛经开区党工委和管委会，"
        "市级有关部门：",
    )
    opening = models.TextField(_("opening paragraph"), blank=True)
    closing = models.TextField(_("closing paragraphs"), blank=True)
    copy_to = models.CharField(_("copied to"), max_length=300, blank=True)
    is_default = models.BooleanField(_("default template"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bulletin template")
        verbose_name_plural = _("bulletin templates")
        ordering = ["-is_default", "name"]
        constraints = [
            # One default at a time; services.bulletin_template_make_default moves it.
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="reports_bulletintemplate_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Bulletin(models.Model):
    """A bulletin as issued: its number, what it covered, and the files generated."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="bulletins")
    template = models.ForeignKey(
        BulletinTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    serial = models.PositiveIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    docx = models.FileField(upload_to="bulletins/", max_length=200)
    xlsx = models.FileField(upload_to="bulletins/", max_length=200)
    figures = models.JSONField(default=dict, blank=True)  # the numbers printed, for the record
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "serial"], name="reports_bulletin_number")
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        prefix = self.template.number_prefix if self.template else "渝督改办"
        return f"{prefix}〔{self.year}〕{self.serial}号"


class BulletinRequest(models.Model):
    """An order to issue a bulletin, carried out by a background task (the figures, the Word
    document and its annex take a while on a large ledger). The office waits on its page, which
    moves on to the bulletin once issued, or says why it was not."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(
        BulletinTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    language = models.CharField(max_length=10)  # of the request: the task words the files in it
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    task_id = models.CharField(max_length=64, blank=True)
    bulletin = models.ForeignKey(
        Bulletin, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    errors = models.JSONField(default=list, blank=True)  # why it was not issued
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bulletin request")
        verbose_name_plural = _("bulletin requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.period_start}–{self.period_end} ({self.status})"
