"""The rectification ledger (整改台账): campaigns, tasks and shares, and everything done to them.

State changes happen only in services.py, each together with an Event row. Nothing is deleted:
tasks, reports and evidence are withdrawn with an event instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shanshui.lib import geo
from shanshui.lib.bitsets import union_bits
from shanshui.orgs.models import Unit


class CampaignKind(models.TextChoices):
    CENTRAL = "central", _("Central inspection")  # 中央生态环境保护督察
    LOOKBACK = "lookback", _("Central inspection look-back")  # 回头看
    CITY = "city", _("City inspection")  # 市级督察
    SPECIAL = "special", _("Special inspection")  # 专项督察
    SECRET_VISIT = "secret_visit", _("Secret visit")  # 暗访 (警示片)
    MEETING = "meeting", _("Meeting directive")  # 会议部署
    SELF_FOUND = "self_found", _("Self-found")  # 自查自纠


class ReportCycle(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    HALF_MONTHLY = "half_monthly", _("Half-monthly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class Campaign(models.Model):
    """A source of tasks: an inspection round, a secret visit, a meeting, self-inspection."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=CampaignKind.choices)
    team = models.CharField(_("inspection team"), max_length=120, blank=True)
    stay_start = models.DateField(_("stay from"), null=True, blank=True)
    stay_end = models.DateField(_("stay until"), null=True, blank=True)
    feedback_date = models.DateField(_("feedback date"), null=True, blank=True)
    plan_due = models.DateField(
        _("rectification plan due"),
        null=True,
        blank=True,
        help_text=_("Feedback date + 30 working days, computed on the Chinese calendar."),
    )
    plan_published = models.DateField(_("plan published"), null=True, blank=True)
    report_cycle = models.CharField(
        _("progress report cycle"),
        max_length=16,
        choices=ReportCycle.choices,
        default=ReportCycle.MONTHLY,
    )
    notice_days = models.PositiveSmallIntegerField(
        _("public notice (days)"), default=15, help_text=_("Length of the acceptance notice.")
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-feedback_date", "-pk"]

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    WATER = "water", _("Water")  # 水
    AIR = "air", _("Air")  # 大气
    SOIL = "soil", _("Soil")  # 土壤
    SOLID_WASTE = "solid_waste", _("Solid waste")  # 固废
    NOISE = "noise", _("Noise")  # 噪声
    ECOLOGY = "ecology", _("Ecology")  # 生态
    RADIATION = "radiation", _("Radiation")  # 辐射
    CARBON = "carbon", _("Dual carbon")  # 双碳
    OTHER = "other", _("Other")  # 其他


# Each category's bit in Task.category_bits (fixed: a new category takes the next free bit).
CATEGORY_BITS = {
    Category.WATER: 1,
    Category.AIR: 2,
    Category.SOIL: 4,
    Category.SOLID_WASTE: 8,
    Category.NOISE: 16,
    Category.ECOLOGY: 32,
    Category.RADIATION: 64,
    Category.CARBON: 128,
    Category.OTHER: 256,
}


def category_bits(categories) -> int:
    """The bits of ``categories`` (unknown ones have none)."""
    return union_bits(categories, CATEGORY_BITS)


class DeadlineKind(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate")  # 立行立改
    DATED = "dated", _("By a deadline")  # 限期
    ONGOING = "ongoing", _("Ongoing")  # 长期坚持


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ASSIGNED = "assigned", _("Assigned")  # 已交办
    IN_PROGRESS = "in_progress", _("In progress")  # 整改中
    ACCEPTANCE_APPLIED = "acceptance_applied", _("Acceptance applied")  # 申请验收
    RECHECKED = "rechecked", _("Rechecked")  # 牵头单位复查
    ACCEPTED = "accepted", _("Accepted")  # 已验收
    IN_PUBLIC_NOTICE = "in_public_notice", _("In public notice")  # 公示中
    SIGNED_OFF = "signed_off", _("Signed off")  # 已销号
    REOPENED = "reopened", _("Reopened")  # 反弹重启
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 撤回


OPEN_STATUSES = (
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.REOPENED,
)
CLOSED_STATUSES = (Status.SIGNED_OFF, Status.WITHDRAWN)


class WarningLevel(models.TextChoices):  # 预警
    NONE = "none", _("No warning")
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")
    OVERDUE = "overdue", _("Overdue")


class Task(models.Model):
    """One rectification task (整改任务), or one unit's share of a city task (parent set)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="tasks")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="shares"
    )
    code = models.CharField(_("task number"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem as fed back"))
    target = models.TextField(_("rectification target"), blank=True)
    deadline_kind = models.CharField(
        _("deadline kind"), max_length=12, choices=DeadlineKind.choices, default=DeadlineKind.DATED
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    original_deadline = models.DateField(_("original deadline"), null=True, blank=True)
    # Indexed by ledger_task_status_cov below.
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    is_public = models.BooleanField(_("publish"), default=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # Derived by warnings.py from deadline, pace and reports; refreshed by every action and by the
    # daily sweep (manage.py ledger_sweep). Never set by hand.
    warning = models.CharField(
        _("warning"),
        max_length=8,
        choices=WarningLevel.choices,
        default=WarningLevel.NONE,
    )
    warning_reason = models.CharField(max_length=200, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    last_report_at = models.DateTimeField(null=True, blank=True)
    accepted_by_name = models.CharField(_("accepted by"), max_length=60, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    notice_start = models.DateField(_("notice from"), null=True, blank=True)
    notice_end = models.DateField(_("notice until"), null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    # The rectification site (整改点位), optional: WGS84 like complaints; shown on 整改一张图 and
    # used to flag evidence photos taken far from it.
    site_address = models.CharField(_("site address"), max_length=200, blank=True)
    site_lat = models.FloatField(_("site latitude (WGS84)"), null=True, blank=True)
    site_lon = models.FloatField(_("site longitude (WGS84)"), null=True, blank=True)
    # The task's categories (TaskCategory rows) as CATEGORY_BITS, kept by the services, so that
    # the dashboard's "by category" figures need no join.
    category_bits = models.PositiveIntegerField(default=0, editable=False)
    # Optimistic concurrency: every action states the version it saw; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["campaign_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="ledger_task_code_unique")
        ]
        indexes = [
            models.Index(fields=["campaign", "status"]),
            models.Index(fields=["-updated_at"]),
            # Covering index for deep pages of the default order (index-only scans on PostgreSQL).
            models.Index(fields=["campaign", "code"], include=["id"], name="ledger_task_order_cov"),
            # The status index, covering every column the dashboard's figures read (reports.
            # figures): on PostgreSQL they are index-only scans of a narrow index instead of
            # reads of the whole table, whose rows carry the problem texts.
            models.Index(
                fields=["status"],
                include=[
                    "id",
                    "campaign",
                    "warning",
                    "deadline",
                    "accepted_at",
                    "signed_off_at",
                    "created_at",
                    "assigned_at",
                    "category_bits",
                ],
                name="ledger_task_status_cov",
            ),
            # The overdue and red tasks in the order the bulletin lists them (reports.figures).
            models.Index(
                fields=["warning", "deadline", "campaign", "code"],
                condition=Q(warning__in=["overdue", "red"]),
                name="ledger_task_overdue_red",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self) -> None:
        # The site is a whole point or none, in Chongqing (WGS84), whichever way it came in.
        if self.site_lat is None and self.site_lon is None:
            return
        if self.site_lat is None or self.site_lon is None:
            raise ValidationError(
                {"site_lat": _("Give both latitude and longitude of the site, or neither.")}
            )
        try:
            lat, lon = geo.validate_wgs84(self.site_lat, self.site_lon)
        except ValueError as exc:  # the geo module words its messages in Chinese
            raise ValidationError({"site_lat": str(exc)}) from None
        if not geo.in_chongqing(lat, lon):
            raise ValidationError(
                {"site_lat": _("The site is outside Chongqing. Check the latitude and longitude.")}
            )

    def compute_search_text(self) -> str:
        return f"{self.code} {self.title} {self.problem}".lower()

    @property
    def is_split(self) -> bool:
        return self.shares.exists()

    @property
    def public_units(self) -> list:
        """整改实施主体 as the public notice names them: implementing or responsible units,
        else the lead unit. Uses prefetched task_units when present."""
        rows = list(self.task_units.all())
        units = [tu.unit for tu in rows if tu.role in ("implementing", "responsible")]
        return units or [tu.unit for tu in rows if tu.role == "lead"]

    @property
    def was_extended(self) -> bool:
        return bool(self.original_deadline and self.deadline != self.original_deadline)


class TaskSearch(models.Model):
    """A task's search text — number, title and problem, lower-cased — kept by the services for
    the ledger's search (trigram-indexed on PostgreSQL, so infix search stays fast at 100k
    tasks). In a table of its own: an update of a task that changes an indexed column (the
    daily sweep's warning colours, above all) rewrites every index entry of its row, and the
    trigram index's entries are the costliest by far."""

    task = models.OneToOneField(
        Task, primary_key=True, on_delete=models.CASCADE, related_name="search"
    )
    text = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return self.text[:40]


class TaskCategory(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="category_rows")
    category = models.CharField(max_length=16, choices=Category.choices, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "category"], name="ledger_taskcategory_unique")
        ]

    def __str__(self) -> str:
        return self.get_category_display()


class UnitRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")  # 牵头单位
    RESPONSIBLE = "responsible", _("Responsible unit")  # 责任单位
    SUPPORTING = "supporting", _("Supporting unit")  # 配合单位
    IMPLEMENTING = "implementing", _("Implementing unit")  # 整改实施主体
    ACCEPTING = "accepting", _("Accepting unit")  # 验收单位


# The roles that make a task "a unit's item" in the figures (a lead, responsible or implementing
# unit), in order of preference for the one row that counts it (TaskUnit.item_row).
ITEM_ROLES = (UnitRole.LEAD, UnitRole.RESPONSIBLE, UnitRole.IMPLEMENTING)


class TaskUnit(models.Model):
    """A unit's role on a task, with its responsible leader (责任领导)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="task_units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="task_roles")
    role = models.CharField(_("role"), max_length=16, choices=UnitRole.choices)
    leader_name = models.CharField(_("responsible leader"), max_length=60, blank=True)
    leader_post = models.CharField(_("leader's post"), max_length=60, blank=True)
    # True on exactly one row per task and unit holding an item role: the first of ITEM_ROLES
    # it holds (set by mark_item_rows whenever the services write a task's units). A unit's
    # items are counted by these rows, once each, without DISTINCT over every role.
    item_row = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("task unit")
        verbose_name_plural = _("task units")
        constraints = [
            models.UniqueConstraint(fields=["task", "unit", "role"], name="ledger_taskunit_unique")
        ]
        indexes = [
            models.Index(fields=["unit", "role"]),
            # "Tasks my units hold a role on" is answered from this index alone.
            models.Index(fields=["unit", "task"], name="ledger_taskunit_unit_task"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_role_display()}"


def mark_item_rows(rows: Iterable[TaskUnit]) -> None:
    """Set ``item_row`` on ``rows``, all the unit rows of their tasks (before they are saved)."""
    best: dict[tuple, TaskUnit] = {}
    for row in rows:
        row.item_row = False
        if row.role not in ITEM_ROLES:
            continue
        key = (row.task_id or id(row.task), row.unit_id)
        held = best.get(key)
        if held is None or ITEM_ROLES.index(row.role) < ITEM_ROLES.index(held.role):
            best[key] = row
    for row in best.values():
        row.item_row = True


class MeasureStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Measure(models.Model):
    """One numbered rectification measure (整改措施) of a task."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="measures")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("measure"))
    status = models.CharField(
        _("status"), max_length=12, choices=MeasureStatus.choices, default=MeasureStatus.NOT_STARTED
    )

    class Meta:
        ordering = ["task", "number"]
        constraints = [
            models.UniqueConstraint(fields=["task", "number"], name="ledger_measure_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:40]}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    SPLIT = "split", _("Split into shares")
    ASSIGNED = "assigned", _("Assigned")
    ASSIGNMENT_ACCEPTED = "assignment_accepted", _("Assignment accepted")
    REPORTED = "reported", _("Progress reported")
    REPORT_WITHDRAWN = "report_withdrawn", _("Report withdrawn")
    EVIDENCE_ADDED = "evidence_added", _("Evidence added")
    EVIDENCE_WITHDRAWN = "evidence_withdrawn", _("Evidence withdrawn")
    URGED = "urged", _("Urge notice issued")
    URGE_ANSWERED = "urge_answered", _("Urge notice answered")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_REJECTED = "extension_rejected", _("Extension rejected")
    ACCEPTANCE_APPLIED = "acceptance_applied", _("Acceptance applied")
    RECHECKED = "rechecked", _("Rechecked by the lead unit")
    ACCEPTED = "accepted", _("Accepted")
    NOTICE_STARTED = "notice_started", _("Public notice started")
    OBJECTION = "objection", _("Objection received")
    OBJECTION_HANDLED = "objection_handled", _("Objection handled")
    SIGNED_OFF = "signed_off", _("Signed off")
    RETURNED = "returned", _("Returned")
    REOPENED = "reopened", _("Reopened")
    ACCOUNTABILITY = "accountability", _("Accountability recorded")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    WARNING_CHANGED = "warning_changed", _("Warning changed")


class Event(models.Model):
    """Append-only timeline row. Every action on a task writes one, in the same transaction."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    # The task's campaign, copied when the event is written (a task never changes campaign), so
    # that the dashboard's series by campaign read the status changes alone.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="+", editable=False
    )
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["task", "at", "pk"]
        indexes = [
            models.Index(fields=["task", "at"]),
            models.Index(fields=["kind", "at"]),
            # The status changes by time, with what the dashboard's series read of them
            # (reports.figures): a few percent of the timeline, read without the table.
            models.Index(
                fields=["kind", "at"],
                include=["task", "campaign", "from_status", "to_status"],
                condition=~models.Q(to_status=""),
                name="ledger_event_status_changes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.campaign_id is None and self.task_id is not None:
            self.campaign_id = self.task.campaign_id
        super().save(*args, **kwargs)


class ProgressReport(models.Model):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("progress"))
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    # {"<measure number>": "done" | "in_progress" | "not_started"}
    measure_status = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["task", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.task_id} {self.percent}% {self.submitted_at:%Y-%m-%d}"


class ChecklistItem(models.TextChoices):
    """The closing checklist (销号标准): each item ticked with evidence."""

    MEASURES_DONE = "measures_done", _("All measures done")  # 整改措施全部完成
    VIOLATIONS_PUNISHED = "violations_punished", _("Violations punished")  # 违法行为依法查处
    STANDARDS_MET = "standards_met", _("Results meet the standards")  # 整改结果达标
    LESSONS_APPLIED = "lessons_applied", _("Lessons applied elsewhere (举一反三)")
    MECHANISM = "mechanism", _("Long-term mechanism in place")  # 长效机制建立
    FILES_COMPLETE = "files_complete", _("Files complete")  # 资料齐全


class AcceptanceApplication(models.Model):
    """An application for acceptance with its closing checklist (申请验收)."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="applications")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(auto_now_add=True)
    summary = models.TextField(_("rectification summary"))
    # {"measures_done": "statement", ...} — every ChecklistItem must be present.
    checklist = models.JSONField(default=dict)
    outcome = models.CharField(max_length=12, blank=True)  # "", "accepted", "returned"
    # Why one file backs several checklist items (refused without a reason).
    reuse_reason = models.TextField(_("why one file backs several items"), blank=True)
    # The lead unit's recheck (复查): pass or fail, always with an opinion.
    recheck_passed = models.BooleanField(null=True, blank=True)
    recheck_opinion = models.TextField(_("recheck opinion"), blank=True)
    rechecked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rechecked_at = models.DateTimeField(null=True, blank=True)
    # Acceptance (验收): the opinion and the name of who accepted, both required.
    acceptance_opinion = models.TextField(_("acceptance opinion"), blank=True)
    acceptor_name = models.CharField(_("accepted by"), max_length=60, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-applied_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.applied_at:%Y-%m-%d}"


class Evidence(models.Model):
    """A file backing a report, a checklist item, an urge reply or the task itself."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="evidence")
    report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    application = models.ForeignKey(
        AcceptanceApplication,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    checklist_item = models.CharField(max_length=24, blank=True, choices=ChecklistItem.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    # Stored under MEDIA_ROOT by content hash; never served from a public URL.
    file = models.FileField(upload_to="evidence/", max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # A photo's capture time and place from its own metadata (EXIF), read at upload and kept
    # internally (public copies are stripped): the proof a watermark camera gives.
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    taken_lat = models.FloatField(null=True, blank=True)
    taken_lon = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class UrgeNotice(models.Model):
    """A supervision notice (督办单) with a response deadline, and the unit's reply."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="urges")
    number = models.CharField(_("notice number"), max_length=40)
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="urges_received")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(_("what must be done"))
    response_due = models.DateField(_("response due"))
    response = models.TextField(_("reply"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["response_due", "responded_at"])]

    def __str__(self) -> str:
        return self.number


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ExtensionRequest(models.Model):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="extensions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    current_deadline = models.DateField()
    requested_deadline = models.DateField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(status="pending"),
                name="ledger_one_pending_extension",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.requested_deadline}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")  # 异议成立 → the task goes back to rectification
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    """An objection raised by anyone during the public notice (公示异议)."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="objections")
    # The objector's receipt code (回执码), shown once on submission, to follow the objection
    # on the public page; null (not "", which would collide) for objections from before them.
    receipt_code = models.CharField(  # noqa: DJ001
        max_length=16, null=True, unique=True, editable=False
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(_("objection"))
    # Private: visible only to the office and the task's units, never on public pages.
    name = models.CharField(_("name"), max_length=60, blank=True)
    contact = models.CharField(_("contact"), max_length=120, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(_("result"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.status}"


class AccountabilityMeasure(models.TextChoices):
    """Sanctions as listed in the 2025 inspection regulation (问责方式)."""

    CRITICISM = "criticism", _("Criticism and education")  # 批评教育
    SELF_EXAMINATION = "self_examination", _("Ordered self-examination")  # 责令检查
    ADMONITION = "admonition", _("Admonition")  # 诫勉
    INTERVIEW = "interview", _("Summoned for talks")  # 约谈
    ORGANISATIONAL = "organisational", _("Organisational measures")  # 组织处理
    DISCIPLINARY = "disciplinary", _("Party or administrative sanction")  # 党纪政务处分
    CRIMINAL = "criminal", _("Referred for criminal liability")  # 移送司法


class Accountability(models.Model):
    """Who was held accountable for a task, how and why (责任追究)."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="accountability")
    person_name = models.CharField(_("person"), max_length=60)
    post = models.CharField(_("post"), max_length=80)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(_("measure"), max_length=20, choices=AccountabilityMeasure.choices)
    reason = models.TextField(_("reason"))
    decided_on = models.DateField(_("decided on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name_plural = _("accountability records")

    def __str__(self) -> str:
        return f"{self.person_name} {self.get_measure_display()}"


class CalendarOverride(models.Model):
    """Corrections to the working-day calendar (years not yet in the package, local changes)."""

    day = models.DateField(_("day"), unique=True)
    is_workday = models.BooleanField(_("working day"), help_text=_("Unticked: a holiday."))
    note = models.CharField(_("note"), max_length=80, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("working-day calendar overrides")

    def __str__(self) -> str:
        return f"{self.day} {'workday' if self.is_workday else 'holiday'}"


class Notification(models.Model):
    """An in-app notification; ``key`` makes each notice unique per user (sent once)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=120)
    kind = models.CharField(max_length=24)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # Where the notice leads when it is about something other than a task (a complaint case):
    # a path inside the site, written by the system.
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="ledger_notification_once")
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title
