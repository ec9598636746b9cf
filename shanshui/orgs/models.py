"""Units (组织), memberships (谁在哪个单位担任什么角色), API tokens, login lockout, audit."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanshui.orgs.names import normalize

PATH_STEP = 7  # digits per level in Unit.path; ids below 10 million


class UnitKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("Party committee")  # 党委
    GOVERNMENT = "government", _("Government")  # 人民政府
    OFFICE = "office", _("Coordinating office")  # 督察整改办 and other 议事协调机构办公室
    DEPARTMENT = "department", _("Department")  # 部门 (属事责任)
    DISTRICT = "district", _("District")  # 区
    COUNTY = "county", _("County")  # 县
    AUTONOMOUS_COUNTY = "autonomous_county", _("Autonomous county")  # 自治县
    ZONE = "zone", _("Development zone")  # 功能区 (高新区, 经开区)
    TOWN = "town", _("Town or street")  # 乡镇(街道)
    ENTERPRISE = "enterprise", _("Enterprise")  # 市场主体 (主体责任)
    ASSOCIATION = "association", _("Association")
    INSPECTION_TEAM = "inspection_team", _("Inspection team")  # 督察组


# Kinds that carry territorial duty (属地责任) and that inspection rules treat as "区县".
TERRITORIAL_KINDS = (
    UnitKind.DISTRICT,
    UnitKind.COUNTY,
    UnitKind.AUTONOMOUS_COUNTY,
    UnitKind.ZONE,
)


class UnitQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> UnitQuerySet:
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gt=day),
        )

    def current(self) -> UnitQuerySet:
        return self.valid_on(timezone.localdate())

    def territorial(self) -> UnitQuerySet:
        return self.filter(kind__in=TERRITORIAL_KINDS)

    def descendants_of(self, unit: Unit, *, include_self: bool = True) -> UnitQuerySet:
        qs = self.filter(path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)


class Unit(models.Model):
    """An organisation that holds responsibility: party committee, government, department,
    district or county, zone, town, enterprise, inspection team."""

    name = models.CharField(_("full name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of zero-padded ids ("0000001/0000012/"), so "this unit and everything
    # below it" is one indexed prefix query. Maintained in save(); never edited by hand.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    admin_code = models.CharField(
        _("administrative code"),
        max_length=12,
        blank=True,
        help_text=_("GB/T 2260 code for administrative divisions, where one exists."),
    )
    key = models.SlugField(
        _("reference key"),
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Stable identifier of units shipped with Shanshui; empty for local units."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("First day on which the unit no longer exists (e.g. merged away)."),
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    note = models.TextField(_("note"), blank=True)
    # Fingerprint of the shipped entry last applied (loader.py); local edits made after it are
    # kept until the shipped data itself changes.
    reference_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["admin_code"],
                condition=~Q(admin_code=""),
                name="orgs_unit_admin_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="orgs_unit_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["kind", "sort_order"])]

    def __str__(self) -> str:
        return self.display_name

    @transaction.atomic
    def save(self, *args, **kwargs) -> None:
        # The path is structural data, not a business rule: it must follow the parent on every
        # save, and descendants must follow a move, or scope queries would go wrong. Insert and
        # path update share one transaction, so no unit is ever seen with an empty path.
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs.pop("force_insert", None)
            kwargs["force_update"] = False
        old_path = self.path
        self._compute_path()
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            self._move_descendants(old_path)

    def clean(self) -> None:
        below_itself = self.parent_id == self.pk or (
            self.path
            and Unit.objects.filter(pk=self.parent_id, path__startswith=self.path).exists()
        )
        if self.parent_id and self.pk and below_itself:
            raise ValidationError(
                {"parent": _("A unit cannot be placed below itself or one of its own units.")},
                code="cycle",
            )
        if self.successor_id and self.successor_id == self.pk:
            raise ValidationError({"successor": _("A unit cannot succeed itself.")}, code="cycle")

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )

    @property
    def is_current(self) -> bool:
        return self.is_valid_on(timezone.localdate())

    @property
    def is_territorial(self) -> bool:
        return self.kind in TERRITORIAL_KINDS

    def current_successor(self) -> Unit:
        """Follow the successor chain to the unit that carries this one's duties today."""
        unit, seen = self, {self.pk}
        while unit.successor_id and unit.successor_id not in seen:
            seen.add(unit.successor_id)
            unit = unit.successor
        return unit

    def ancestors(self) -> UnitQuerySet:
        ids = [int(part) for part in self.path.split("/") if part]
        return Unit.objects.filter(pk__in=ids[:-1]).order_by("depth")

    def _compute_path(self) -> None:
        own = f"{self.pk:0{PATH_STEP}d}/"
        if self.parent_id:
            parent = Unit.objects.only("path", "depth").get(pk=self.parent_id)
            if self.path and parent.path.startswith(self.path):
                raise ValidationError(
                    _("A unit cannot be placed below itself or one of its own units."), code="cycle"
                )
            self.path = parent.path + own
            self.depth = parent.depth + 1
        else:
            self.path = own
            self.depth = 0

    def _move_descendants(self, old_path: str) -> None:
        for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
            child.path = self.path + child.path[len(old_path) :]
            child.depth = child.path.count("/") - 1
            Unit.objects.filter(pk=child.pk).update(path=child.path, depth=child.depth)


class UnitAlias(models.Model):
    """A normalised name by which a unit is known: its names, official aliases, abbreviations.

    Rows are derived from the unit's names plus the aliases in ``alias``; see names.py for the
    normalisation. Lookups go through selectors.resolve_unit.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(_("alias"), max_length=120, help_text=_("As written."))
    key = models.CharField(max_length=120, db_index=True, editable=False)
    is_derived = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("unit alias")
        verbose_name_plural = _("unit aliases")
        constraints = [
            models.UniqueConstraint(fields=["unit", "key"], name="orgs_unitalias_unit_key_unique")
        ]

    def __str__(self) -> str:
        return self.alias

    def save(self, *args, **kwargs) -> None:
        # The key is the normalised form of what was written; keep them together.
        if not self.is_derived:
            self.key = normalize(self.alias)
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    OFFICE = "office", _("Rectification office")  # 督察整改办: city oversight, sees everything
    UNIT_ADMIN = "unit_admin", _("Unit administrator")  # 联络员: assigns within the unit, submits
    STAFF = "staff", _("Staff")  # 经办人: drafts and reports
    LEADER = "leader", _("Leader")  # 领导: approves and signs (党政同责, 一岗双责)
    REVIEWER = "reviewer", _("Reviewer")  # 验收人员
    VIEWER = "viewer", _("Viewer")  # read only (人大/政协 supervision)


class Membership(models.Model):
    """A user's role in a unit. A role on a unit also applies to everything below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    post = models.CharField(
        _("post"), max_length=60, blank=True, help_text=_("e.g. 区长, 副局长, 科长")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["unit__path", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="orgs_membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal access token for /api/v1/. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, editable=False, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )


class LoginFailure(models.Model):
    """One failed login, kept to lock an account after repeated failures (see backends.py)."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"


class AuditEntry(models.Model):
    """Append-only record of security-relevant changes outside the workflow apps' own timelines:
    logins and lockouts, memberships, tokens, admin edits."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.summary}"
