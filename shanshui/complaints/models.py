"""Public supervision (信访举报): citizens' reports and the cases inspectors transfer (交办件).

A ``Complaint`` is one case, whatever its channel. Its state changes only in services.py, each
together with a ``ComplaintEvent``. Nothing is deleted: moderation hides text or photos with an
event and keeps the original.

Privacy: the reporter's identity lives in ``ComplaintContact`` (one row per case), which no public
page, public API or Open311 response reads. Only roles that handle the case see it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanshui.complaints.textmask import mask_personal_data
from shanshui.ledger.models import Campaign, Task
from shanshui.lib.bitsets import union_bits
from shanshui.orgs.models import Unit


class Category(models.TextChoices):
    """举报类型, as the 12369 platform and the transfer lists classify them."""

    WATER = "water", _("Water")  # 水
    AIR = "air", _("Air")  # 大气
    NOISE = "noise", _("Noise")  # 噪声
    ECOLOGY = "ecology", _("Ecology")  # 生态
    SOIL = "soil", _("Soil")  # 土壤
    RADIATION = "radiation", _("Radiation")  # 辐射
    SOLID_WASTE = "solid_waste", _("Solid waste")  # 固废
    OTHER = "other", _("Other")  # 其他


# Each type's bit in Complaint.category_bits (fixed: a new type takes the next free bit).
CATEGORY_BITS = {
    Category.WATER: 1,
    Category.AIR: 2,
    Category.NOISE: 4,
    Category.ECOLOGY: 8,
    Category.SOIL: 16,
    Category.RADIATION: 32,
    Category.SOLID_WASTE: 64,
    Category.OTHER: 128,
}


def category_bits(categories) -> int:
    """The bits of ``categories`` (unknown ones have none)."""
    return union_bits(categories, CATEGORY_BITS)


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    OPEN311 = "open311", _("Open311 client")
    HOTLINE = "hotline", _("12369 hotline")
    LETTER = "letter", _("Letter or visit")  # 来信来访
    TRANSFER = "transfer", _("Inspection transfer")  # 督察组交办


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")  # 已受理
    TRANSFERRED = "transferred", _("Transferred")  # 已转办
    INVESTIGATING = "investigating", _("Investigating")  # 调查核实中
    HANDLED = "handled", _("Handled")  # 已处理（待办结）
    STAGE_CLOSED = "stage_closed", _("Stage-closed")  # 阶段性办结
    CLOSED = "closed", _("Closed")  # 已办结
    PUBLISHED = "published", _("Published")  # 已公开
    REJECTED = "rejected", _("Not accepted")  # 不予受理


OPEN_STATUSES = (Status.RECEIVED, Status.TRANSFERRED, Status.INVESTIGATING, Status.HANDLED)
# Open311 "closed": the handling is finished, whether or not it has been published yet.
CLOSED_STATUSES = (Status.STAGE_CLOSED, Status.CLOSED, Status.PUBLISHED, Status.REJECTED)


class Finding(models.TextChoices):  # 是否属实
    TRUE = "true", _("Substantiated")  # 属实
    PARTLY = "partly", _("Partly substantiated")  # 部分属实
    FALSE = "false", _("Not substantiated")  # 不属实


class Closure(models.TextChoices):
    CLOSED = "closed", _("Closed")  # 已办结
    STAGE_CLOSED = "stage_closed", _("Stage-closed")  # 阶段性办结


class RejectReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate of another case")
    OUT_OF_SCOPE = "out_of_scope", _("Not an ecological-environment matter")
    INSUFFICIENT = "insufficient", _("Too little information to investigate")
    ABUSIVE = "abusive", _("Abusive or meaningless")


class Satisfaction(models.TextChoices):  # 满意度, the reporter's say on the reply
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    BASIC = "basic", _("Basically satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", _("Dissatisfied")  # 不满意


class UnitRole(models.TextChoices):
    HANDLING = "handling", _("Handling unit")  # 承办单位 (district or department)
    TOWN = "town", _("Town or street")  # 乡镇（街道）, transferred on by the district


_LABELS = {choices: dict(choices.choices) for choices in (Status, Channel, Finding, Category)}


def _display(choices: type[models.TextChoices], value):
    """What get_FOO_display() gives: the label, or the value when it is not a choice. Django's
    own hashes every lazy label of the field (a translation each) on every call; a list of 50
    cases calls it some 300 times."""
    label = _LABELS[choices].get(value)
    return str(label) if label is not None else value


class TransferBatch(models.Model):
    """One day's list of cases an inspection team transfers (第N批交办件)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="batches")
    number = models.PositiveIntegerField(_("batch number"))
    date = models.DateField(_("transfer date"))
    is_key = models.BooleanField(_("key cases (重点)"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("transfer batch")
        verbose_name_plural = _("transfer batches")
        ordering = ["campaign_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"], name="complaints_batch_number_unique"
            )
        ]

    def __str__(self) -> str:
        return _("%(campaign)s, batch %(n)d") % {"campaign": self.campaign, "n": self.number}


class HandlingPolicy(models.Model):
    """Deadlines for a campaign's transferred cases, in working days (Chinese calendar)."""

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="complaint_policy"
    )
    handle_workdays = models.PositiveSmallIntegerField(
        _("handling time (working days)"),
        default=15,
        help_text=_("From the transfer to the handling result."),
    )
    key_handle_workdays = models.PositiveSmallIntegerField(
        _("handling time for key cases (working days)"), default=10
    )

    class Meta:
        verbose_name = _("handling deadlines")
        verbose_name_plural = _("handling deadlines")

    def __str__(self) -> str:
        return str(self.campaign)


class Complaint(models.Model):
    """One case (举报件 / 交办件)."""

    # Public number (also the Open311 service_request_id). Assigned by the services.
    code = models.CharField(_("case number"), max_length=24, unique=True)
    # The reporter's secret follow-up code (also the Open311 token).
    tracking_code = models.CharField(max_length=16, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    batch = models.ForeignKey(
        TransferBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("transfer batch"),
    )
    receipt_no = models.CharField(_("acceptance number"), max_length=40, blank=True)  # 受理编号
    seq = models.PositiveIntegerField(_("number in batch"), null=True, blank=True)  # 序号
    is_key = models.BooleanField(_("key case (重点)"), default=False)
    description = models.TextField(_("description"))
    district = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("district"),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    lat = models.FloatField(_("latitude (WGS84)"), null=True, blank=True)
    lon = models.FloatField(_("longitude (WGS84)"), null=True, blank=True)
    enterprise = models.CharField(_("enterprise"), max_length=200, blank=True)
    enterprise_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    # The first of the case's types in Category order (its Open311 service_code), set at intake.
    category = models.CharField(
        _("main type"), max_length=12, choices=Category.choices, default=Category.OTHER
    )
    # Every type of the case (its ComplaintCategory rows) as CATEGORY_BITS, set with the rows
    # at intake: the case lists filter by type on the case itself, inside its indexes.
    category_bits = models.PositiveSmallIntegerField(default=0, editable=False)
    service_attributes = models.JSONField(default=dict, blank=True)  # Open311 attribute[...]
    media_url = models.URLField(_("photo address"), max_length=500, blank=True)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    received_at = models.DateTimeField(_("received"))
    deadline = models.DateField(_("handling deadline"), null=True, blank=True)
    # Investigation and handling (调查核实情况 / 处理和整改情况 / 责任追究情况).
    finding = models.CharField(
        _("finding"), max_length=8, choices=Finding.choices, blank=True, default=""
    )
    investigation = models.TextField(_("investigation"), blank=True)
    handling = models.TextField(_("handling and rectification"), blank=True)
    accountability = models.TextField(_("accountability"), blank=True)
    ordered_rectify = models.BooleanField(_("ordered to rectify"), default=False)  # 责令整改
    cases_filed = models.PositiveIntegerField(_("cases filed"), default=0)  # 立案处罚
    fine_yuan = models.DecimalField(_("fines (yuan)"), max_digits=14, decimal_places=2, default=0)
    police_referrals = models.PositiveIntegerField(_("referred to police"), default=0)  # 移送公安
    detentions = models.PositiveIntegerField(_("detentions"), default=0)  # 拘留
    interviews = models.PositiveIntegerField(_("interviews"), default=0)  # 约谈
    people_held_accountable = models.PositiveIntegerField(_("people held accountable"), default=0)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)  # second review (复核)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closure = models.CharField(
        _("closure"), max_length=12, choices=Closure.choices, blank=True, default=""
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(
        _("reason not accepted"), max_length=16, choices=RejectReason.choices, blank=True
    )
    status_note = models.CharField(_("public status note"), max_length=500, blank=True)
    # The reply (答复) to a reporter who asked for one, written by the handling unit at the
    # latest when it closes the case; the reporter reads it on the tracking page and says
    # whether they are satisfied (once). 不满意 flags the case for the office (its list filter).
    reply = models.TextField(_("reply to the reporter"), blank=True, default="")
    replied_at = models.DateTimeField(null=True, blank=True)
    satisfaction = models.CharField(
        _("reporter's satisfaction"),
        max_length=12,
        choices=Satisfaction.choices,
        blank=True,
        default="",
    )
    # The reporter's words: for the handling units and the office only, never published.
    satisfaction_comment = models.TextField(blank=True, default="")
    rated_at = models.DateTimeField(null=True, blank=True)
    task = models.ForeignKey(
        Task,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("ledger task"),
    )
    # Moderation (office), 先审后发: a citizen's report is public only once the office has
    # checked it (``moderated_at``): approved, perhaps with its text edited for publication
    # (``public_description``; the original ``description`` stays for the handling units), or
    # with its text hidden (replaced on every public surface by a notice).
    description_hidden = models.BooleanField(default=False)
    public_description = models.TextField(_("public text"), blank=True, default="")
    moderated_at = models.DateTimeField(null=True, blank=True)
    search_text = models.TextField(blank=True, editable=False, default="")
    version = models.PositiveIntegerField(default=1)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "receipt_no"],
                condition=~models.Q(receipt_no=""),
                name="complaints_receipt_unique_in_batch",
            )
        ]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="complaints_recent"),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["deadline", "id"], name="complaints_deadline"),
            models.Index(fields=["district", "status"]),
            models.Index(fields=["batch", "seq"]),
            models.Index(fields=["batch", "-received_at"], name="complaints_batch_recent"),
            models.Index(fields=["district", "-received_at"], name="complaints_district_recent"),
            models.Index(fields=["-updated_at"]),
            models.Index(fields=["lat", "lon"]),
            models.Index(fields=["receipt_no"]),
            models.Index(fields=["category", "-received_at"], name="complaints_category_recent"),
            # The filtered lists' pages and capped counts: one index range per common filter.
            models.Index(
                fields=["batch", "status", "-received_at", "-id", "category_bits"],
                name="complaints_batch_status",
            ),
            # Newest first with the columns Open311's lists filter on (public, service_code,
            # open/closed): a page's ids come from the index alone, the rest is left unread.
            models.Index(
                fields=[
                    "-received_at",
                    "-id",
                    "category",
                    "status",
                    "channel",
                    "reject_reason",
                    "moderated_at",
                ],
                name="complaints_recent_open311",
            ),
            # The office's list of rated cases (不满意 first of all), newest first.
            models.Index(
                fields=["satisfaction", "-received_at", "-id"],
                condition=~models.Q(satisfaction=""),
                name="complaints_rated",
            ),
            # Open work, newest first, with its deadline: the overdue list skips the cases not
            # yet due inside the index.
            models.Index(
                fields=["-received_at", "-id", "deadline"],
                condition=models.Q(status__in=["transferred", "investigating", "handled"]),
                name="complaints_open_recent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.summary}"

    # The displays every list row shows (see _display).
    def get_status_display(self):
        return _display(Status, self.status)

    def get_channel_display(self):
        return _display(Channel, self.channel)

    def get_finding_display(self):
        return _display(Finding, self.finding)

    @property
    def summary(self) -> str:
        """The first 40 characters, with phone and ID numbers masked (lists and titles)."""
        text = " ".join(mask_personal_data(self.description).split())
        return text if len(text) <= 40 else text[:39] + "…"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def needs_review(self) -> bool:
        """A 不属实 finding or a key case needs a second review before it closes."""
        return self.finding == Finding.FALSE or self.is_key

    def compute_search_text(self) -> str:
        return " ".join(
            [
                self.code,
                self.receipt_no,
                self.description,
                self.public_description,
                self.address,
                self.enterprise,
            ]
        ).lower()


class ComplaintCategory(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="category_rows")
    category = models.CharField(max_length=12, choices=Category.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "category"], name="complaints_category_unique"
            )
        ]
        indexes = [models.Index(fields=["category", "complaint"])]

    def __str__(self) -> str:
        return self.get_category_display()

    def get_category_display(self):
        return _display(Category, self.category)


class ComplaintAddition(models.Model):
    """Information the reporter added to an open case with the tracking code (补充材料).

    Never published: the handling units and the office read it on the case page; the reporter
    sees it, masked, on the tracking page."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="additions")
    text = models.TextField(_("added information"))
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        indexes = [models.Index(fields=["complaint", "added_at"])]

    def __str__(self) -> str:
        return f"{self.complaint_id} +{self.pk}"


class ComplaintUnit(models.Model):
    """A unit that handles the case: one or more districts/departments, and towns below them."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="complaint_roles")
    role = models.CharField(max_length=12, choices=UnitRole.choices, default=UnitRole.HANDLING)
    assigned_at = models.DateTimeField(auto_now_add=True)
    # The case's status, copied by the services on every transition, so "what waits for this
    # unit" is one index range (unit, status) instead of a scan of every open case. The other
    # fields of UNIT_COPIES likewise: what waits is listed and counted from these rows alone.
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TRANSFERRED)
    deadline = models.DateField(null=True, blank=True)
    closure = models.CharField(max_length=12, choices=Closure.choices, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    follow_up_due = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["complaint", "unit"], name="complaints_unit_unique")
        ]
        indexes = [
            models.Index(fields=["unit", "complaint"], name="complaints_unit_case"),
            models.Index(fields=["unit", "status", "complaint"], name="complaints_unit_status"),
            models.Index(
                fields=["unit", "status", "deadline", "complaint"], name="complaints_unit_due"
            ),
            # What waits to be published (by closing time) and to be followed up (by due date).
            models.Index(
                fields=["unit", "status", "closed_at", "complaint"],
                condition=models.Q(role="handling"),
                name="complaints_unit_closed",
            ),
            models.Index(
                fields=["unit", "status", "follow_up_due", "complaint"],
                condition=models.Q(role="handling", closure="stage_closed"),
                name="complaints_unit_follow_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_role_display()})"


# The case's fields each of its ComplaintUnit rows carries a copy of (services keep them equal).
UNIT_COPIES = ("status", "deadline", "closure", "closed_at", "follow_up_due")


class ComplaintContact(models.Model):
    """The reporter (private). Never read by a public page or API."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(_("name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    wants_reply = models.BooleanField(_("wants a reply"), default=False)

    def __str__(self) -> str:
        return self.name or "—"

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.phone or self.email)


class Photo(models.Model):
    """A photo of the case. ``file`` is the upload as received (handlers only); ``public_file``
    the same image with its metadata (EXIF, GPS, XMP, comments) removed."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(max_length=200)
    public_file = models.FileField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    had_location = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["complaint_id", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id}/{self.pk}"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    REGISTERED = "registered", _("Registered")
    IMPORTED = "imported", _("Imported from a transfer list")
    TRANSFERRED = "transferred", _("Transferred")
    TRANSFERRED_DOWN = "transferred_down", _("Transferred to a town")
    SENT_BACK = "sent_back", _("Sent back to the office")
    STARTED = "started", _("Investigation started")
    HANDLED = "handled", _("Handling result recorded")
    REVIEWED = "reviewed", _("Second review passed")
    REVIEW_RETURNED = "review_returned", _("Returned by the second review")
    CLOSED = "closed", _("Closed")
    STAGE_CLOSED = "stage_closed", _("Stage-closed")
    FOLLOW_UP_DONE = "follow_up_done", _("Follow-up completed")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Not accepted")
    LINKED = "linked", _("Linked to an earlier case")
    PROMOTED = "promoted", _("Put on the ledger")
    TASK_REOPENED = "task_reopened", _("Ledger task reopened")
    HIDDEN = "hidden", _("Hidden by moderation")
    UNHIDDEN = "unhidden", _("Shown again")
    MODERATED = "moderated", _("Checked by moderation")
    TEXT_EDITED = "text_edited", _("Public text edited by moderation")
    URGED = "urged", _("Urged")
    REPLIED = "replied", _("Reply sent to the reporter")  # 已答复
    INFO_ADDED = "info_added", _("Information added by the reporter")  # 补充材料
    RATED = "rated", _("Satisfaction given by the reporter")  # 满意度评价


# Events whose fact (not comment) is shown to the public and in the Open311 updates feed.
PUBLIC_EVENT_KINDS = (
    EventKind.SUBMITTED,
    EventKind.REGISTERED,
    EventKind.IMPORTED,
    EventKind.TRANSFERRED,
    EventKind.STARTED,
    EventKind.HANDLED,
    EventKind.CLOSED,
    EventKind.STAGE_CLOSED,
    EventKind.FOLLOW_UP_DONE,
    EventKind.PUBLISHED,
    EventKind.REJECTED,
    EventKind.REPLIED,
)


class ComplaintEvent(models.Model):
    """Append-only timeline row for every action on a case."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    is_public = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["complaint", "at"]),
            models.Index(fields=["is_public", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


class LinkKind(models.TextChoices):
    REPEAT = "repeat", _("Repeat report (重复举报)")
    SAME_SITE = "same_site", _("Same site")
    DUPLICATE = "duplicate", _("Duplicate")


class ComplaintLink(models.Model):
    """A case linked to an earlier one; shown on both."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="links_out")
    earlier = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=12, choices=LinkKind.choices, default=LinkKind.REPEAT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["complaint", "earlier"], name="complaints_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(complaint=models.F("earlier")), name="complaints_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} → {self.earlier_id}"


class ApiClient(models.Model):
    """An Open311 client allowed to post requests. The key is shown once and stored hashed."""

    name = models.CharField(_("client"), max_length=120)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    key_prefix = models.CharField(max_length=12, editable=False, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    requests_per_hour = models.PositiveIntegerField(
        _("requests per hour"),
        null=True,
        blank=True,
        help_text=_("Empty: the site-wide limit."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StatFacet(models.TextChoices):
    """What a row of the statistics summary counts the public cases by."""

    STATUS = "status", _("Status")
    CHANNEL = "channel", _("Channel")
    FINDING = "finding", _("Finding")  # published cases only
    CATEGORY = "category", _("Type")  # a case counts once under each of its types


class ComplaintStat(models.Model):
    """The public statistics' summary (举报统计汇总): how many public cases received in
    ``month`` (Asia/Shanghai) in ``district`` have ``value`` as their ``facet`` — a status, a
    channel, a finding (published cases) or one of their types.

    Written only by ``stats.follow`` (the services' event hook, in the action's transaction,
    with ``n = n ± 1``) and ``stats.rebuild``; the statistics page reads these rows, never the
    cases. ``key`` is the row's identity in one non-null column (a district may be empty), so a
    missing row is created with ``INSERT … ON CONFLICT DO NOTHING`` on every database.
    """

    key = models.CharField(max_length=64, unique=True)
    month = models.DateField()
    district = models.ForeignKey(Unit, null=True, on_delete=models.CASCADE, related_name="+")
    facet = models.CharField(max_length=8, choices=StatFacet.choices)
    value = models.CharField(max_length=16)
    n = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["facet", "month"], name="complaints_stat_facet_month"),
            models.Index(fields=["district", "facet", "month"], name="complaints_stat_district"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.n}"
