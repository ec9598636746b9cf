"""Dual carbon (双碳): emission factors as versioned data, activity data by district, year,
sector and energy type, the district economy (GDP, deflator, population), and the inventory
computed from them.

Factors are never constants in code: a ``FactorSet`` (the provincial guideline with GB/T 2589,
IPCC 2006 …) holds one ``EmissionFactor`` per energy type, a ``GridFactorSet`` (national average,
a regional or provincial set) one ``GridFactor`` per year; one set of each kind is in use. Every
edit by the office is kept as a ``FactorChange`` (who, when, old → new); a target's history is
its own (``TargetEvent``).

``InventoryCell`` is a copy computed by ``services.inventory_recompute`` from the activity rows
and the factors in use, refreshed by every import and, in the background (``RecomputeRun``), after
every factor change; the drill-down recomputes
one cell's rows with their factors (inventory.row_figures) to explain it.

Later parts of issue 16 fit beside these: targets per district or city and plan period
(``district`` null = city), the two-high project register (its own workflow on
lib/workflow.py), and enterprises in the carbon markets (``MarketEnterprise``, one
``ComplianceYear`` per year, monthly ``EnterpriseActivity`` and its computed
``EnterpriseInventory``), each raising ledger tasks.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanshui.carbon import factors as calc
from shanshui.carbon import market as calc_market
from shanshui.jobs.models import RunStatus
from shanshui.ledger.models import Task
from shanshui.orgs.models import Unit


class EnergyKind(models.TextChoices):
    FUEL = "fuel", _("Fuel (combustion)")
    ELECTRICITY = "electricity", _("Grid electricity")
    NON_FOSSIL = "non_fossil", _("Non-fossil energy")


class EnergyType(models.Model):
    """An energy type of the activity data (能源品种), measured in one canonical unit."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30, unique=True)  # 原煤, 天然气 …
    unit = models.CharField(_("unit"), max_length=10)  # 吨, 万立方米, 万千瓦时
    kind = models.CharField(_("kind"), max_length=12, choices=EnergyKind.choices)
    aliases = models.CharField(
        _("other names"), max_length=200, blank=True, help_text=_("Separated by 、 or commas.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("energy type")
        verbose_name_plural = _("energy types")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class FactorSet(models.Model):
    """A set of per-fuel factors from one source and edition; exactly one is in use."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    source = models.TextField(_("source"))
    edition = models.CharField(_("edition"), max_length=60)
    in_use = models.BooleanField(_("in use"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("emission factor set")
        verbose_name_plural = _("emission factor sets")
        ordering = ["-in_use", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["in_use"], condition=models.Q(in_use=True), name="carbon_one_factor_set"
            )
        ]

    def __str__(self) -> str:
        return self.name


class EmissionFactor(models.Model):
    """One energy type's factors in a set: NCV (GJ per unit), carbon content (tC/TJ), oxidation
    rate and standard coal (tce per unit). Fuels have all four; electricity and non-fossil
    sources only the tce."""

    factor_set = models.ForeignKey(FactorSet, on_delete=models.CASCADE, related_name="factors")
    energy_type = models.ForeignKey(EnergyType, on_delete=models.PROTECT, related_name="+")
    ncv_gj = models.DecimalField(
        _("net calorific value (GJ per unit)"), max_digits=12, decimal_places=4, null=True
    )
    carbon_tc_per_tj = models.DecimalField(
        _("carbon content (tC/TJ)"), max_digits=8, decimal_places=3, null=True
    )
    oxidation = models.DecimalField(_("oxidation rate"), max_digits=5, decimal_places=3, null=True)
    tce_per_unit = models.DecimalField(_("tce per unit"), max_digits=10, decimal_places=4)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("emission factor")
        verbose_name_plural = _("emission factors")
        ordering = ["factor_set", "energy_type__order"]
        constraints = [
            models.UniqueConstraint(fields=["factor_set", "energy_type"], name="carbon_factor_key")
        ]

    def __str__(self) -> str:
        return f"{self.factor_set.name} · {self.energy_type.name}"

    @property
    def co2_per_unit(self) -> Decimal:
        return calc.co2_per_unit(self.ncv_gj, self.carbon_tc_per_tj, self.oxidation)


class GridFactorSet(models.Model):
    """Grid electricity factors of one region and source (national average, a regional grid,
    a province); exactly one is in use."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    region = models.CharField(_("region"), max_length=40)
    source = models.TextField(_("source"))
    in_use = models.BooleanField(_("in use"), default=False)

    class Meta:
        verbose_name = _("grid factor set")
        verbose_name_plural = _("grid factor sets")
        ordering = ["-in_use", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["in_use"], condition=models.Q(in_use=True), name="carbon_one_grid_set"
            )
        ]

    def __str__(self) -> str:
        return self.name


class GridFactor(models.Model):
    grid_set = models.ForeignKey(GridFactorSet, on_delete=models.CASCADE, related_name="factors")
    year = models.PositiveSmallIntegerField(_("year"))
    tco2_per_mwh = models.DecimalField(_("tCO2/MWh"), max_digits=8, decimal_places=4)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("grid factor")
        verbose_name_plural = _("grid factors")
        ordering = ["grid_set", "year"]
        constraints = [
            models.UniqueConstraint(fields=["grid_set", "year"], name="carbon_grid_factor_key")
        ]

    def __str__(self) -> str:
        return f"{self.grid_set.name} {self.year}"


class FactorChange(models.Model):
    """One change by the office: a factor's field (old → new), a grid factor added or changed,
    a set taken into use. Append-only."""

    subject = models.CharField(_("subject"), max_length=160)  # "省级指南 · 原煤", "全国 · 2024"
    field = models.CharField(_("field"), max_length=40)
    old = models.CharField(_("old value"), max_length=60, blank=True)
    new = models.CharField(_("new value"), max_length=60, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    emission_factor = models.ForeignKey(
        EmissionFactor, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    grid_factor = models.ForeignKey(
        GridFactor, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("factor change")
        verbose_name_plural = _("factor changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject} {self.field}: {self.old} → {self.new}"


class Sector(models.TextChoices):
    """The sectors of the activity data; industry by sub-sector (工业/钢铁)."""

    ENERGY = "energy", _("Energy production")  # 能源生产
    INDUSTRY = "industry", _("Industry")  # 工业
    BUILDINGS = "buildings", _("Buildings")  # 建筑
    TRANSPORT = "transport", _("Transport")  # 交通运输
    AGRICULTURE = "agriculture", _("Agriculture")  # 农业
    SERVICES = "services", _("Services")  # 服务业
    HOUSEHOLDS = "households", _("Households")  # 居民生活


# The names of the import layout (Chinese whatever the page's language).
SECTOR_NAMES: dict[str, str] = {
    Sector.ENERGY: "能源生产",
    Sector.INDUSTRY: "工业",
    Sector.BUILDINGS: "建筑",
    Sector.TRANSPORT: "交通运输",
    Sector.AGRICULTURE: "农业",
    Sector.SERVICES: "服务业",
    Sector.HOUSEHOLDS: "居民生活",
}


def sector_label(sector: str, subsector: str = "") -> str:
    name = SECTOR_NAMES.get(sector, sector)
    return f"{name}/{subsector}" if subsector else name


class ImportBatch(models.Model):
    """One import of activity or economy data (what the rows' ``batch`` points to)."""

    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("Activity data")
        ECONOMY = "economy", _("GDP and population")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    file_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    rows = models.PositiveIntegerField(default=0)
    inserted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"


class ActivityRecord(models.Model):
    """Energy consumed in a district, year (month 0 = the whole year), sector and energy type.

    ``quantity`` is in the energy type's unit; what the file said is kept beside it
    (``entered_quantity``, ``entered_unit``), so that the drill-down shows the conversion and an
    export gives back what came in."""

    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), default=0)
    sector = models.CharField(_("sector"), max_length=12, choices=Sector.choices)
    subsector = models.CharField(_("sub-sector"), max_length=40, blank=True)
    energy_type = models.ForeignKey(EnergyType, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=6)
    entered_quantity = models.DecimalField(max_digits=20, decimal_places=6)
    entered_unit = models.CharField(max_length=12)
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("activity record")
        verbose_name_plural = _("activity records")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "month", "sector", "subsector", "energy_type"],
                name="carbon_activity_key",
            )
        ]
        indexes = [models.Index(fields=["year", "district"])]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year} {sector_label(self.sector, self.subsector)}"


class DistrictEconomy(models.Model):
    """A district's GDP (亿元, current prices), its GDP deflator (base year = 100) and resident
    population (万人) in a year: the denominators of the intensities."""

    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    gdp_100m_yuan = models.DecimalField(
        _("GDP (100 million yuan)"), max_digits=14, decimal_places=4, null=True
    )
    deflator = models.DecimalField(
        _("GDP deflator (base year = 100)"), max_digits=8, decimal_places=3, null=True
    )
    price_base_year = models.PositiveSmallIntegerField(_("price base year"), null=True)
    population_10k = models.DecimalField(
        _("population (10,000)"), max_digits=10, decimal_places=4, null=True
    )
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("district economy")
        verbose_name_plural = _("district economy")
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="carbon_economy_key")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year}"


class InventoryCell(models.Model):
    """The computed inventory of one district, year and sector (a copy the services refresh)."""

    district = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    sector = models.CharField(max_length=12, choices=Sector.choices)
    subsector = models.CharField(max_length=40, blank=True)
    direct_co2_t = models.FloatField()
    indirect_co2_t = models.FloatField()
    energy_tce = models.FloatField()
    non_fossil_tce = models.FloatField()
    rows = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "sector", "subsector"], name="carbon_cell_key"
            )
        ]
        indexes = [models.Index(fields=["year", "district"])]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year} {sector_label(self.sector, self.subsector)}"


# --- two-high projects (两高项目) ---------------------------------------------------------------


class Industry(models.TextChoices):
    """The two-high industries of the register."""

    COAL_POWER = "coal_power", _("Coal power")  # 煤电
    PETROCHEMICAL = "petrochemical", _("Petrochemical")  # 石化
    CHEMICAL = "chemical", _("Chemical")  # 化工
    STEEL = "steel", _("Steel")  # 钢铁
    NON_FERROUS = "non_ferrous", _("Non-ferrous smelting")  # 有色金属冶炼
    BUILDING_MATERIALS = "building_materials", _("Building materials")  # 建材


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")  # 拟建（区县申报）
    SCREENED = "screened", _("Screened")  # 已筛查
    UNDER_REVIEW = "under_review", _("Under review")  # 审查中
    APPROVED = "approved", _("Approved to build")  # 准予建设
    REJECTED = "rejected", _("Refused admission")  # 不予准入
    HALTED = "halted", _("Halted")  # 停建


class TwoHighProject(models.Model):
    """A high-energy, high-emission project in the register (两高项目清单).

    ``unit_energy`` (单位产品能耗) is compared with the national benchmark (标杆) and baseline
    (基准) levels given beside it, in the same unit (lower is better). The screening flags are a
    copy computed by the services from the rules in use (screening.py) and refreshed with
    every change; status changes only through the services, each with a ``ProjectEvent``.
    """

    code = models.CharField(_("number"), max_length=20, unique=True)
    name = models.CharField(_("project"), max_length=200)
    enterprise = models.CharField(_("enterprise"), max_length=200)
    district = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    capacity = models.CharField(_("capacity"), max_length=120)  # 2×660MW, 年产100万吨熟料
    energy_tce = models.DecimalField(
        _("annual comprehensive energy use (tce)"), max_digits=14, decimal_places=2
    )
    co2_t = models.DecimalField(_("expected CO2 (t per year)"), max_digits=14, decimal_places=2)
    efficiency_unit = models.CharField(_("unit of energy consumption"), max_length=30, blank=True)
    unit_energy = models.DecimalField(
        _("unit energy consumption"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    benchmark = models.DecimalField(
        _("benchmark level"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    baseline = models.DecimalField(
        _("baseline level"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=ProjectStatus.choices, default=ProjectStatus.PROPOSED
    )
    version = models.PositiveIntegerField(default=1)
    # Copies of the screening under the rules in use (services.screen_copy)
    flags = models.JSONField(default=list, blank=True)
    efficiency = models.CharField(max_length=16, blank=True)
    flagged = models.BooleanField(default=False)
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("two-high project")
        verbose_name_plural = _("two-high projects")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["district", "status"]),
            models.Index(fields=["status", "flagged"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectEventKind(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    SCREENED = "screened", _("Screened")
    SENT_FOR_REVIEW = "sent_for_review", _("Sent for review")
    APPROVED = "approved", _("Approved to build")
    REJECTED = "rejected", _("Refused admission")
    HALTED = "halted", _("Halted")
    TASK_RAISED = "task_raised", _("Ledger task raised")


class ProjectEvent(models.Model):
    """Append-only timeline row of a two-high project: every decision writes one."""

    project = models.ForeignKey(TwoHighProject, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ProjectEventKind.choices)
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["project", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


# --- targets (双碳目标) -------------------------------------------------------------------------


class TargetKind(models.TextChoices):
    CARBON_INTENSITY = "carbon_intensity", _("Carbon intensity reduction (%)")
    ENERGY_INTENSITY = "energy_intensity", _("Energy intensity reduction (%)")
    ENERGY_CAP = "energy_cap", _("Total energy cap (tce)")
    PEAK_YEAR = "peak_year", _("Carbon peak year")


class CarbonTarget(models.Model):
    """One target of the city (``district`` null) or a district for a plan period (e.g.
    2021–2025, base year 2020): an intensity reduction in %, a total-energy cap in tce for the
    period's last year, or the year CO2 is to peak. Set by the office; every change is kept as
    a ``TargetEvent`` (targets.py). ``task`` is the ledger task raised when the district fell
    behind."""

    district = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.PositiveSmallIntegerField(_("plan period from"))
    period_end = models.PositiveSmallIntegerField(_("plan period to"))
    base_year = models.PositiveSmallIntegerField(_("base year"))
    kind = models.CharField(_("kind"), max_length=20, choices=TargetKind.choices)
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("carbon target")
        verbose_name_plural = _("carbon targets")
        ordering = ["period_start", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "period_start", "kind"], name="carbon_target_key"
            ),
            models.UniqueConstraint(
                fields=["period_start", "kind"],
                condition=models.Q(district__isnull=True),
                name="carbon_city_target_key",
            ),
        ]

    def __str__(self) -> str:
        scope = self.district.display_name if self.district_id else "全市"
        return f"{scope} {self.period_start}–{self.period_end} {self.get_kind_display()}"


class TargetEventKind(models.TextChoices):
    CREATED = "created", _("Target set")
    EDITED = "edited", _("Target changed")
    TASK_RAISED = "task_raised", _("Ledger task raised")
    TASK_WITHDRAWN = "task_withdrawn", _("Ledger task withdrawn")


class TargetEvent(models.Model):
    """Append-only history of a target: set, changed (each field old → new in ``data``), a
    ledger task raised for it or withdrawn. Read with the target, in its district's scope."""

    target = models.ForeignKey(CarbonTarget, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=TargetEventKind.choices)
    # The workflow core writes every event with both states; a target has none, so they stay
    # empty.
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["target", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.target_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


# --- the inventory's recompute after a factor change ------------------------------------------


class RecomputeRun(models.Model):
    """One recompute of the inventories after the office changed the factors, run by the
    background worker (recompute.py); the factors page shows the latest one's status."""

    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    reason = models.CharField(max_length=160, blank=True)  # what changed ("省级指南 · 原煤")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cells = models.PositiveIntegerField(null=True, blank=True)  # inventory cells written
    message = models.TextField(blank=True)  # why it failed

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.reason} ({self.status})"


# --- carbon markets (碳市场) --------------------------------------------------------------------


class Market(models.TextChoices):
    NATIONAL = "national", _("National carbon market")  # 全国碳排放权交易市场
    CQ_PILOT = "cq_pilot", _("Chongqing pilot market")  # 重庆碳排放权交易试点


class MarketIndustry(models.TextChoices):
    """The industries of market enterprises; the first four are (or become) national."""

    POWER = "power", _("Power generation")  # 发电
    STEEL = "steel", _("Steel")  # 钢铁
    CEMENT = "cement", _("Cement")  # 水泥
    ALUMINIUM = "aluminium", _("Aluminium smelting")  # 电解铝
    CHEMICAL = "chemical", _("Chemical")  # 化工
    NON_FERROUS = "non_ferrous", _("Other non-ferrous metals")  # 有色（电解铝除外）
    BUILDING_MATERIALS = "building_materials", _("Other building materials")  # 建材（水泥除外）
    PAPER = "paper", _("Paper")  # 造纸
    OTHER = "other", _("Other industry")  # 其他


class MarketEnterprise(models.Model):
    """An enterprise controlled in a carbon market (重点排放单位), or one the inclusion check
    should look at (``market`` empty). Identified by its unified social credit code."""

    name = models.CharField(_("enterprise"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    district = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    industry = models.CharField(_("industry"), max_length=20, choices=MarketIndustry.choices)
    subsector = models.CharField(_("sub-sector"), max_length=60, blank=True)
    market = models.CharField(_("market"), max_length=10, choices=Market.choices, blank=True)
    since_year = models.PositiveSmallIntegerField(_("in the market since"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("market enterprise")
        verbose_name_plural = _("market enterprises")
        ordering = ["district__sort_order", "name", "pk"]
        indexes = [models.Index(fields=["district", "market"])]

    def __str__(self) -> str:
        return self.name


class ComplianceYear(models.Model):
    """One compliance year (履约年度) of an enterprise: verified emissions (核查排放量, the
    surrender obligation), allocated allowances (配额), the amount surrendered (清缴量) and the
    deadline (清缴截止日). The status (market.surrender_status) is derived, never stored;
    ``task`` is the ledger task a missed surrender raised."""

    enterprise = models.ForeignKey(MarketEnterprise, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("compliance year"))
    verified_co2_t = models.DecimalField(
        _("verified emissions (t CO2e)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    allowances_t = models.DecimalField(
        _("allocated allowances (t)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    surrendered_t = models.DecimalField(
        _("surrendered (t)"), max_digits=14, decimal_places=2, default=0
    )
    deadline = models.DateField(_("surrender deadline"), null=True, blank=True)
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("compliance year")
        verbose_name_plural = _("compliance years")
        ordering = ["enterprise", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="carbon_compliance_key")
        ]
        indexes = [models.Index(fields=["deadline"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}"

    def status(self, today) -> str:
        return calc_market.surrender_status(
            verified_t=self.verified_co2_t,
            surrendered_t=self.surrendered_t,
            deadline=self.deadline,
            today=today,
        )


class MarketEventKind(models.TextChoices):
    REGISTERED = "registered", _("Enterprise registered")
    CHANGED = "changed", _("Changed")
    COMPLIANCE = "compliance", _("Compliance data recorded")
    TASK_RAISED = "task_raised", _("Ledger task raised")
    ENERGY = "energy", _("Monthly energy data recorded")


class MarketEvent(models.Model):
    """Append-only record of a market enterprise: every change by the office or an import, and
    every ledger task a missed surrender raised."""

    enterprise = models.ForeignKey(
        MarketEnterprise, on_delete=models.CASCADE, related_name="events"
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=MarketEventKind.choices)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["enterprise", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class EnterpriseActivity(models.Model):
    """An enterprise's energy use in a month (1–12), in the energy type's unit: the
    enterprise-level inventory (``EnterpriseInventory``) is computed from these rows."""

    enterprise = models.ForeignKey(
        MarketEnterprise, on_delete=models.CASCADE, related_name="activity"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    energy_type = models.ForeignKey(EnergyType, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year", "month", "energy_type"],
                name="carbon_enterprise_activity_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}-{self.month:02d}"


class EnterpriseInventory(models.Model):
    """An enterprise's computed emissions in a year (a copy services.enterprise_recompute
    refreshes from the monthly rows and the factors in use)."""

    enterprise = models.ForeignKey(
        MarketEnterprise, on_delete=models.CASCADE, related_name="inventory"
    )
    year = models.PositiveSmallIntegerField()
    direct_co2_t = models.FloatField()
    indirect_co2_t = models.FloatField()
    energy_tce = models.FloatField()
    rows = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="carbon_enterprise_cell")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}"
