"""Carbon markets (碳市场, issue 16 point 6): enterprises in the national market and Chongqing's
pilot, their compliance years, the inclusion check, the import and export, and the ledger task a
missed surrender raises.

Reads are scoped like the inventory (selectors.districts_for): the office and the municipal
departments see every enterprise, a district its own (another district's enterprise: 404). Only
the office writes: imports, compliance figures, the sweep. Every change writes a
``MarketEvent``.

The surrender status (market.surrender_status) and the inclusion check (market.inclusion) are
derived, never stored: :func:`annotated` computes both in SQL for lists, counts and the
dashboard, with the same rules as the pure functions (tests/test_markets.py compares them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanshui.carbon import importing, inventory, market, services
from shanshui.carbon.factors import grid_factor_for
from shanshui.carbon.models import (
    ComplianceYear,
    EnterpriseActivity,
    EnterpriseInventory,
    Market,
    MarketEnterprise,
    MarketEvent,
    MarketEventKind,
    MarketIndustry,
)
from shanshui.carbon.projects import default_campaign
from shanshui.carbon.selectors import districts_for, factors_in_use, sees_city
from shanshui.carbon.services import ImportResult
from shanshui.lib.sheets import RowError

TASK_DAYS = 30  # a missed surrender's task: 30 days to settle (限期清缴)
# Who raised a task when no one did: the daily check (scheduled_sweep), in the ledger's record.
SYSTEM_CHECK = "系统定时检查（碳市场配额清缴）"

STATUS_LABELS = {
    market.PENDING: gettext_lazy("Not yet due"),  # 未到期
    market.SETTLED: gettext_lazy("Surrendered in full"),  # 已足额清缴
    market.PARTIAL: gettext_lazy("Partly surrendered"),  # 部分清缴
    market.OVERDUE: gettext_lazy("Overdue, not surrendered"),  # 逾期未清缴
}
STATUS_TEXT = {  # the ledger's language
    market.PARTIAL: "逾期仅部分清缴",
    market.OVERDUE: "逾期未清缴",
}
REASON_LABELS = {
    market.NATIONAL_INDUSTRY: gettext_lazy(
        "%(industry)s at or above %(threshold)s t CO2e a year: the national market"
    ),
    market.PILOT_THRESHOLD: gettext_lazy(
        "At or above %(threshold)s t CO2e a year and not covered nationally: the Chongqing pilot"
    ),
    market.BEFORE_NATIONAL: gettext_lazy(
        "%(industry)s joins the national market in %(start)s; until then, at or above "
        "%(threshold)s t CO2e: the Chongqing pilot"
    ),
    market.BELOW_THRESHOLDS: gettext_lazy("Below %(threshold)s t CO2e a year: not required"),
    market.NO_EMISSIONS: gettext_lazy("No verified emissions for the year: not checked"),
}


def current_rules() -> market.Rules:
    """The inclusion rules in use (read at call time: tests and deployments may change them)."""
    return market.Rules.from_mapping(getattr(settings, "CARBON_MARKET_RULES", None))


# --- scoped reads -------------------------------------------------------------------------------


def visible_enterprises(user) -> QuerySet[MarketEnterprise]:
    qs = MarketEnterprise.objects.select_related("district")
    if sees_city(user):
        return qs
    return qs.filter(district__in=districts_for(user))


def enterprise_for(user, pk: int) -> MarketEnterprise:
    try:
        return visible_enterprises(user).get(pk=pk)
    except MarketEnterprise.DoesNotExist as exc:
        raise Http404 from exc


def compliance_years(user) -> list[int]:
    qs = ComplianceYear.objects.filter(enterprise__in=visible_enterprises(user))
    return list(qs.order_by("-year").values_list("year", flat=True).distinct())


def status_case(prefix: str, today: dt.date) -> Case:
    """market.surrender_status in SQL over a compliance year (``prefix`` = the path to it)."""
    verified = F(f"{prefix}verified_co2_t")
    deadline = f"{prefix}deadline"
    return Case(
        When(
            Q(**{f"{prefix}verified_co2_t__isnull": False})
            & Q(**{f"{prefix}surrendered_t__gte": verified}),
            then=Value(market.SETTLED),
        ),
        When(
            Q(**{f"{prefix}verified_co2_t__isnull": True})
            | Q(**{f"{deadline}__isnull": True})
            | Q(**{f"{deadline}__gte": today}),
            then=Value(market.PENDING),
        ),
        When(Q(**{f"{prefix}surrendered_t__gt": 0}), then=Value(market.PARTIAL)),
        default=Value(market.OVERDUE),
        output_field=CharField(),
    )


def expected_case(year: int, rules: market.Rules) -> Case:
    """market.inclusion's market in SQL (the year's verified emissions, ``cy__``)."""
    national = [i for i, start in rules.national_from.items() if year >= start]
    return Case(
        When(cy__verified_co2_t__isnull=True, then=Value(None)),
        When(
            Q(industry__in=national) & Q(cy__verified_co2_t__gte=rules.national_threshold_t),
            then=Value(market.NATIONAL),
        ),
        When(cy__verified_co2_t__gte=rules.pilot_threshold_t, then=Value(market.CQ_PILOT)),
        default=Value(market.NONE),
        output_field=CharField(),
    )


def annotated(qs: QuerySet[MarketEnterprise], year: int | None, today: dt.date):
    """Enterprises with the figures of ``year`` (``cy_…``), the derived ``status`` ("" without
    a row that year), the ``expected`` market and whether it ``mismatch``-es the recorded one."""
    year = year or 0
    qs = qs.annotate(cy=FilteredRelation("years", condition=Q(years__year=year))).annotate(
        cy_id=F("cy__id"),
        cy_verified=F("cy__verified_co2_t"),
        cy_allowances=F("cy__allowances_t"),
        cy_surrendered=F("cy__surrendered_t"),
        cy_deadline=F("cy__deadline"),
        cy_task=F("cy__task_id"),
        status=Case(
            When(cy__id__isnull=True, then=Value("")),
            default=status_case("cy__", today),
            output_field=CharField(),
        ),
        expected=expected_case(year, current_rules()),
    )
    return qs.annotate(
        mismatch=Case(
            When(expected__isnull=True, then=Value(False)),
            When(expected=F("market"), then=Value(False)),
            default=Value(True),
        )
    )


def filtered(qs, params):
    """The list's filters (page, export and API alike): district, market (``none`` = in no
    market), industry, status, mismatch, a search in name and credit code."""
    if (district := str(params.get("district") or "")).isdigit():
        qs = qs.filter(district_id=int(district))
    if (m := params.get("market")) in Market.values:
        qs = qs.filter(market=m)
    elif m == "none":
        qs = qs.filter(market="")
    if (industry := params.get("industry")) in MarketIndustry.values:
        qs = qs.filter(industry=industry)
    if (status := params.get("status")) in STATUS_LABELS:
        qs = qs.filter(status=status)
    elif status == "missed":
        qs = qs.filter(status__in=market.MISSED)
    if str(params.get("mismatch") or "").lower() in ("1", "true", "yes"):
        qs = qs.filter(mismatch=True)
    if q := str(params.get("q") or "").strip()[:100]:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q.upper()))
    return qs


@dataclass
class Check:
    inclusion: market.Inclusion
    label: str
    agrees: bool | None  # None: not checked (no verified emissions)


def inclusion_check(e: MarketEnterprise, cy: ComplianceYear | None) -> Check:
    """The inclusion check of one compliance year, worded for the enterprise's page."""
    rules = current_rules()
    result = market.inclusion(
        industry=e.industry,
        year=cy.year if cy else timezone.localdate().year,
        emissions_t=cy.verified_co2_t if cy else None,
        rules=rules,
    )
    label = REASON_LABELS[result.reason] % {
        "industry": e.get_industry_display(),
        "threshold": f"{result.threshold_t:,.0f}" if result.threshold_t is not None else "",
        "start": result.national_from or "",
    }
    agrees = None if result.reason == market.NO_EMISSIONS else result.market == e.market
    return Check(result, label, agrees)


def dashboard(user, year: int | None, today: dt.date | None = None) -> dict:
    """Market compliance for the dashboard: per market (and in none), enterprises, each status,
    the mismatches, verified emissions, allowances and surrendered amounts."""
    today = today or timezone.localdate()
    qs = annotated(visible_enterprises(user), year, today).order_by()
    rows = qs.values("market").annotate(
        enterprises=Count("pk"),
        mismatched=Count("pk", filter=Q(mismatch=True)),
        **{s: Count("pk", filter=Q(status=s)) for s in STATUS_LABELS},
    )
    sums = {
        r["market"]: r
        for r in qs.filter(cy_id__isnull=False)
        .values("market")
        .annotate(
            verified=Sum("cy__verified_co2_t"),
            allowances=Sum("cy__allowances_t"),
            surrendered=Sum("cy__surrendered_t"),
        )
    }
    labels = dict(Market.choices)
    out = []
    for r in sorted(rows, key=lambda r: (r["market"] == "", r["market"])):
        s = sums.get(r["market"], {})
        out.append(
            {
                "market": r["market"] or "none",
                "label": labels.get(r["market"], _("In no market")),
                "enterprises": r["enterprises"],
                "mismatched": r["mismatched"],
                **{k: r[k] for k in STATUS_LABELS},
                "missed": r[market.PARTIAL] + r[market.OVERDUE],
                "verified_co2_t": float(s.get("verified") or 0),
                "allowances_t": float(s.get("allowances") or 0),
                "surrendered_t": float(s.get("surrendered") or 0),
            }
        )
    return {"year": year, "markets": out}


# --- writes (the office) ------------------------------------------------------------------------


ENTERPRISE_FIELDS = ("name", "district", "industry", "subsector", "market", "since_year")
YEAR_FIELDS = ("verified_co2_t", "allowances_t", "surrendered_t", "deadline")


def _record(e, *, actor, kind, year=None, comment="", data=None) -> MarketEvent:
    return MarketEvent.objects.create(
        enterprise=e,
        year=year,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        comment=comment,
        data=data or {},
    )


def _check_enterprise(e: MarketEnterprise) -> None:
    errors: dict[str, list[str]] = {}
    e.credit_code = market.normalize_credit_code(e.credit_code or "")
    if problem := market.credit_code_problem(e.credit_code):
        errors["credit_code"] = [importing.credit_code_message(problem, e.credit_code)]
    try:
        e.full_clean(exclude=["credit_code", "created_at"], validate_unique=False)
    except ValidationError as exc:
        for k, v in exc.message_dict.items():
            errors.setdefault(k, []).extend(v)
    if "credit_code" not in errors:
        dup = MarketEnterprise.objects.filter(credit_code=e.credit_code).exclude(pk=e.pk)
        if dup.exists():
            errors["credit_code"] = [_("Another enterprise has this credit code.")]
    if e.district_id and not e.district.is_territorial:
        errors["district"] = [_("Choose a district or county.")]
    if errors:
        raise ValidationError(errors)


def _current(obj, name: str):
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:  # a new enterprise's district
        return None


def _changes(obj, values: dict, names) -> dict[str, list[str]]:
    """Set ``values`` on ``obj``; the changed fields with [old, new] as text."""
    changed = {}
    for name in names:
        if name in values and _current(obj, name) != values[name]:
            show = {
                "industry": importing_name,
                "market": lambda v: importing.MARKET_NAMES.get(v or "", v),
            }.get(name, services.as_text)
            changed[name] = [show(_current(obj, name)) or "", show(values[name]) or ""]
            setattr(obj, name, values[name])
    return changed


@transaction.atomic
def enterprise_save(
    *, actor, enterprise: MarketEnterprise | None = None, credit_code: str = "", **values
) -> tuple[MarketEnterprise, bool]:
    """Register an enterprise or change one (a ``MarketEvent`` with old → new per field);
    returns (enterprise, changed)."""
    services._office(actor)
    unknown = set(values) - set(ENTERPRISE_FIELDS) - {"note"}
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    is_new = enterprise is None
    e = (
        MarketEnterprise(credit_code=credit_code)
        if is_new
        else MarketEnterprise.objects.select_for_update().get(pk=enterprise.pk)
    )
    changed = _changes(e, values, [*ENTERPRISE_FIELDS, "note"])
    if not is_new and not changed:
        return e, False
    _check_enterprise(e)
    e.save()
    _record(
        e,
        actor=actor,
        kind=MarketEventKind.REGISTERED if is_new else MarketEventKind.CHANGED,
        data={"fields": changed},
    )
    return e, True


@transaction.atomic
def compliance_save(
    *, actor, enterprise: MarketEnterprise, year: int, today: dt.date | None = None, **values
) -> tuple[ComplianceYear, bool]:
    """Record a compliance year's figures (event with old → new); a missed surrender then
    raises its ledger task (:func:`surrender_task_raise`). Returns (year, changed)."""
    services._office(actor)
    unknown = set(values) - set(YEAR_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    if values.get("surrendered_t") is None and "surrendered_t" in values:
        values["surrendered_t"] = Decimal(0)
    cy = ComplianceYear.objects.select_for_update().filter(enterprise=enterprise, year=year).first()
    is_new = cy is None
    if is_new:
        cy = ComplianceYear(enterprise=enterprise, year=year)
    changed = _changes(cy, values, YEAR_FIELDS)
    if not is_new and not changed:
        return cy, False
    errors = {}
    for name in ("verified_co2_t", "allowances_t", "surrendered_t"):
        v = getattr(cy, name)
        if v is not None and v < 0:
            errors[name] = [_("Cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    cy.full_clean(exclude=["task", "enterprise"], validate_unique=False)
    cy.save()
    _record(
        enterprise,
        actor=actor,
        kind=MarketEventKind.COMPLIANCE,
        year=year,
        data={"fields": changed},
    )
    task = surrender_task_raise(actor=actor, compliance=cy, today=today)
    if task is not None:
        cy.task = task
    return cy, True


def task_text(cy: ComplianceYear, status: str) -> tuple[str, str, list[str]]:
    """Problem, target and measures of a missed surrender (Chinese, the ledger's language)."""
    e = cy.enterprise
    short = market.shortfall_t(cy.verified_co2_t, cy.surrendered_t)
    market_name = {"national": "全国碳排放权交易市场", "cq_pilot": "重庆碳排放权交易试点"}.get(
        e.market, "碳排放权交易"
    )
    problem = (
        f"{e.district.display_name}{e.name}（统一社会信用代码{e.credit_code}）为{market_name}"
        f"重点排放单位，{cy.year}年度核查排放量{cy.verified_co2_t:,.0f}吨二氧化碳当量，"
        f"截至清缴截止日{cy.deadline:%Y年%-m月%-d日}清缴配额{cy.surrendered_t:,.0f}吨，"
        f"尚有{short:,.0f}吨未清缴，{STATUS_TEXT[status]}。"
    )
    target = f"足额清缴{cy.year}年度碳排放配额，依法依规处理未按时足额清缴行为。"
    measures = [
        "督促企业通过购买配额或按规定使用核证自愿减排量足额清缴",
        "对未按时足额清缴行为依法依规予以处理",
        "在下一年度配额分配中按规定核减",
    ]
    return problem, target, measures


def surrender_task_raise(
    *, actor, compliance: ComplianceYear, today: dt.date | None = None, campaign=None
):
    """A missed surrender (deadline passed, less than the verified emissions surrendered)
    onto the ledger as a draft task: the district implementing, 市生态环境局 leading. Once per
    compliance year, again only after that task was withdrawn. None when nothing is due (or
    no campaign exists to hold the task)."""
    today = today or timezone.localdate()
    cy = (
        ComplianceYear.objects.select_for_update(of=("self",))
        .select_related("enterprise__district", "task")
        .get(pk=compliance.pk)
    )
    status = cy.status(today)
    if status not in market.MISSED or services.task_is_open(cy.task):
        return None
    campaign = campaign or default_campaign()
    if campaign is None:
        return None
    problem, target, measures = task_text(cy, status)
    e = cy.enterprise
    task = services.ledger_task_raise(
        actor=actor,
        campaign=campaign,
        code=f"QJ{cy.year}-{e.credit_code}",
        district=e.district,
        title=f"{e.name}{cy.year}年度碳排放配额{STATUS_TEXT[status]}整改",
        problem=problem,
        target=target,
        measures=measures,
        deadline=max(today, timezone.localdate()) + dt.timedelta(days=TASK_DAYS),
        note={"enterprise": e.credit_code, "year": cy.year},
        lead_key=services.MARKET_LEAD_UNIT_KEY,
        system="" if getattr(actor, "pk", None) else SYSTEM_CHECK,
    )
    cy.task = task
    cy.save(update_fields=["task", "updated_at"])
    _record(
        e,
        actor=actor,
        kind=MarketEventKind.TASK_RAISED,
        year=cy.year,
        comment=f"{task.code} {task.title}",
        data={
            "task": task.pk,
            "campaign": campaign.pk,
            "status": status,
            **({} if getattr(actor, "pk", None) else {"system": SYSTEM_CHECK}),
        },
    )
    return task


def missed(today: dt.date) -> QuerySet[ComplianceYear]:
    """Compliance years whose surrender was missed and that hold no standing task."""
    return (
        ComplianceYear.objects.filter(
            deadline__lt=today,
            verified_co2_t__isnull=False,
            surrendered_t__lt=F("verified_co2_t"),
        )
        .filter(Q(task__isnull=True) | Q(task__status="withdrawn"))
        .select_related("enterprise")
        .order_by("enterprise__credit_code", "year")
    )


def surrender_sweep(*, actor, today: dt.date | None = None, dry_run: bool = False) -> list:
    """The daily check (manage.py carbon_market_sweep): every missed surrender without a
    standing task raises one. Idempotent. Returns the compliance years (dry run) or the tasks."""
    services._office(actor)
    today = today or timezone.localdate()
    due = list(missed(today))
    if dry_run:
        return due
    out = []
    for cy in due:
        with transaction.atomic():
            task = surrender_task_raise(actor=actor, compliance=cy, today=today)
        if task is not None:
            out.append(task)
    return out


# --- import and export --------------------------------------------------------------------------


def _import_row(r, actor, existing, years, done, known, touched) -> tuple[bool, bool]:
    """Write one checked row; (changed, new)."""
    changed = False
    if r.code not in done:
        done.add(r.code)
        e, changed = enterprise_save(
            actor=actor,
            enterprise=existing.get(r.code),
            credit_code=r.code,
            name=r.name,
            district=r.district,
            industry=r.industry,
            subsector=r.subsector,
            market=r.market,
            since_year=r.since_year,
        )
        existing[r.code] = e
    if not r.year:
        return changed, r.code not in known
    cy, year_changed = compliance_save(
        actor=actor,
        enterprise=existing[r.code],
        year=r.year,
        today=dt.date.min,  # tasks after the whole file is in
        verified_co2_t=r.verified_co2_t,
        allowances_t=r.allowances_t,
        surrendered_t=r.surrendered_t,
        deadline=r.deadline,
    )
    touched.append(cy)
    return changed or year_changed, (r.code, r.year) not in years


def market_import(
    *,
    actor,
    fileobj,
    dry_run: bool = False,
    max_bytes: int = services.PAGE_MAX_BYTES,
    today: dt.date | None = None,
) -> ImportResult:
    """Enterprises and compliance years from a workbook or CSV (layout: importing.MARKET_HEADER).
    All or nothing; an enterprise is found by its credit code and a year by code and year, so
    the same file twice changes nothing, and the export imports back unchanged. Missed
    surrenders among the imported years raise their tasks."""
    services._office(actor)
    result = ImportResult(kind="market", dry_run=dry_run)
    table = services._read(fileobj, importing.MARKET_SPEC, result, max_bytes)
    if table is None:
        return result
    checked = importing.check_market(table, importing.Lookups())
    result.total_rows, result.errors = checked.total_rows, checked.errors
    rows = checked.rows
    if not rows and not result.errors:
        result.errors.append(RowError(0, "", _("The file has no data rows.")))
    if result.errors:
        return result
    result.districts = len({r.district.pk for r in rows})
    result.years = sorted({r.year for r in rows if r.year})
    with transaction.atomic():
        codes = {r.code for r in rows}
        existing = {
            e.credit_code: e
            for e in MarketEnterprise.objects.select_for_update().filter(credit_code__in=codes)
        }
        years = {
            (cy.enterprise.credit_code, cy.year): cy
            for cy in ComplianceYear.objects.select_related("enterprise").filter(
                enterprise__credit_code__in=codes
            )
        }
        done: set[str] = set()
        known = set(existing)
        touched: list[ComplianceYear] = []
        sid = transaction.savepoint()
        for r in rows:
            try:
                changed, new = _import_row(r, actor, existing, years, done, known, touched)
            except ValidationError as exc:
                text = "；".join(m for ms in exc.message_dict.values() for m in ms)
                result.errors.append(RowError(r.number, "", text))
                continue
            if not changed:
                result.unchanged += 1
            elif new:
                result.inserted += 1
            else:
                result.updated += 1
        if result.errors:
            transaction.savepoint_rollback(sid)
            result.inserted = result.updated = result.unchanged = 0
            return result
        if dry_run:
            transaction.savepoint_rollback(sid)
            return result
        transaction.savepoint_commit(sid)
        for cy in touched:
            surrender_task_raise(actor=actor, compliance=cy, today=today)
        result.written = True
    return result


def export_rows(qs: QuerySet[MarketEnterprise]):
    """Rows in the import layout: one per compliance year, an enterprise without any alone."""
    years: dict[int, list[ComplianceYear]] = {}
    for cy in ComplianceYear.objects.filter(enterprise__in=qs).order_by("year"):
        years.setdefault(cy.enterprise_id, []).append(cy)
    for e in qs.order_by("credit_code").iterator(chunk_size=2000):
        base = [
            e.name,
            e.credit_code,
            e.district.name,
            importing_name(e.industry),
            e.subsector,
            importing.MARKET_NAMES.get(e.market, ""),
            e.since_year,
        ]
        for cy in years.get(e.pk) or [None]:
            if cy is None:
                yield [*base, None, None, None, None, None]
            else:
                yield [
                    *base,
                    cy.year,
                    cy.verified_co2_t,
                    cy.allowances_t,
                    cy.surrendered_t,
                    cy.deadline.isoformat() if cy.deadline else None,
                ]


def importing_name(industry: str | None) -> str:
    """The industry as the import layout names it (发电, 钢铁 …)."""
    return {v: k for k, v in importing.INDUSTRY_NAMES.items()}.get(industry or "", industry or "")


def scheduled_sweep(*, day: dt.date) -> str:
    """The daily surrender check as a scheduled job (SHANSHUI_SCHEDULE). It acts as the system,
    not as a login: the tasks' creation events and the enterprises' records name
    ``SYSTEM_CHECK``. A summary for the office."""
    tasks = surrender_sweep(actor=None, today=day)
    return _("%(n)d missed surrenders put on the ledger.") % {"n": len(tasks)}


# --- monthly energy use of an enterprise ------------------------------------------------------

ENERGY_KIND = "enterprise_energy"
SIX_PLACES = Decimal("0.000001")  # EnterpriseActivity.quantity's places


def energy_import(
    *, actor, fileobj, dry_run: bool = False, max_bytes: int = services.PAGE_MAX_BYTES
) -> ImportResult:
    """Monthly energy use of registered enterprises from a workbook or CSV (layout:
    importing.ENERGY_HEADER). All or nothing; a row of the same enterprise, month and energy
    type replaces the stored quantity, so the same file twice changes nothing and the export
    imports back unchanged. The computed inventory of the (enterprise, year) pairs the file
    changed is refreshed; each pair writes a ``MarketEvent``."""
    services._office(actor)
    result = ImportResult(kind=ENERGY_KIND, dry_run=dry_run)
    table = services._read(fileobj, importing.ENERGY_SPEC, result, max_bytes)
    if table is None:
        return result
    codes = {
        market.normalize_credit_code(table.header.cell(values, importing.CODE))
        for _n, values in table.rows
    }
    enterprises = {
        e.credit_code: e
        for e in MarketEnterprise.objects.select_related("district").filter(credit_code__in=codes)
    }
    checked = importing.check_energy(table, importing.Lookups(), enterprises)
    result.total_rows, result.errors = checked.total_rows, checked.errors
    if not checked.rows and not result.errors:
        result.errors.append(RowError(0, "", _("The file has no data rows.")))
    if result.errors:
        return result
    _energy_write(
        actor=actor, rows=checked.rows, result=result, dry_run=dry_run, source=result.file_name
    )
    return result


def energy_rows_save(
    *, actor, enterprise: MarketEnterprise, rows: list[dict], replace_year: int | None = None
) -> ImportResult:
    """Monthly rows given as data (the API): each a dict of year, month, energy (name or other
    name), quantity and unit, checked exactly as the import's rows. With ``replace_year`` the
    rows are that whole year: stored months of it not given are removed. ValidationError with
    one message per row and column when any is wrong."""
    services._office(actor)
    header = importing.ENERGY_SPEC.find_header([tuple(importing.ENERGY_HEADER)])
    table = importing.Table(
        header,
        [
            (
                i,
                (
                    enterprise.credit_code,
                    "",
                    str(r.get("year", "")),
                    str(r.get("month", "")),
                    str(r.get("energy", "")),
                    str(r.get("quantity", "")),
                    str(r.get("unit", "")),
                ),
            )
            for i, r in enumerate(rows, 1)
        ],
    )
    checked = importing.check_energy(
        table, importing.Lookups(), {enterprise.credit_code: enterprise}
    )
    errors: dict[str, list[str]] = {}
    for err in checked.errors:
        where = f"rows[{err.row - 1}]" + (f".{err.column}" if err.column else "")
        errors.setdefault(where, []).append(err.message)
    if replace_year is not None:
        for r in checked.rows:
            if r.year != replace_year:
                errors.setdefault(f"rows[{r.number - 1}].年份", []).append(
                    _("Only rows of %(year)d belong here.") % {"year": replace_year}
                )
    if errors:
        raise ValidationError(errors)
    result = ImportResult(kind=ENERGY_KIND, dry_run=False, total_rows=len(rows))
    _energy_write(
        actor=actor,
        rows=checked.rows,
        result=result,
        dry_run=False,
        source="API",
        replace=(enterprise, replace_year) if replace_year is not None else None,
    )
    return result


def _energy_write(*, actor, rows, result: ImportResult, dry_run: bool, source: str, replace=None):
    """Write checked EnergyRows (the import's and the API's one path): insert, replace changed
    quantities, with ``replace`` = (enterprise, year) remove that year's months not given;
    then recompute the touched (enterprise, year) pairs and record one event per pair."""
    result.districts = len({r.enterprise.district_id for r in rows})
    result.years = sorted({r.year for r in rows} | ({replace[1]} if replace else set()))
    with transaction.atomic():
        ids = {r.enterprise.pk for r in rows} | ({replace[0].pk} if replace else set())
        existing = {
            (a.enterprise_id, a.year, a.month, a.energy_type_id): a
            for a in EnterpriseActivity.objects.select_for_update()
            .select_related("energy_type")
            .filter(enterprise_id__in=ids, year__in=result.years)
        }
        new, changed, removed = [], [], []
        changes: dict[tuple[int, int], list] = {}  # (enterprise, year) → [month, energy, old, new]
        given = set()
        for r in rows:
            quantity = r.quantity.quantize(SIX_PLACES)
            given.add(r.key)
            a = existing.get(r.key)
            if a is None:
                new.append(
                    EnterpriseActivity(
                        enterprise=r.enterprise,
                        year=r.year,
                        month=r.month,
                        energy_type=r.energy,
                        quantity=quantity,
                    )
                )
                old = None
            elif a.quantity != quantity:
                old, a.quantity = a.quantity, quantity
                changed.append(a)
            else:
                result.unchanged += 1
                continue
            changes.setdefault((r.enterprise.pk, r.year), []).append(
                [r.month, r.energy.name, _plain(old), _plain(quantity)]
            )
        if replace:
            e, year = replace
            for key, a in existing.items():
                if key[:2] == (e.pk, year) and key not in given:
                    removed.append(a)
                    changes.setdefault(key[:2], []).append(
                        [a.month, a.energy_type.name, _plain(a.quantity), None]
                    )
        result.inserted, result.updated = len(new), len(changed) + len(removed)
        if dry_run:
            return
        EnterpriseActivity.objects.bulk_create(new, batch_size=2000)
        EnterpriseActivity.objects.bulk_update(changed, ["quantity"], batch_size=2000)
        EnterpriseActivity.objects.filter(pk__in=[a.pk for a in removed]).delete()
        energy_recompute(set(changes))
        enterprises = {r.enterprise.pk: r.enterprise for r in rows}
        if replace:
            enterprises[replace[0].pk] = replace[0]
        for (eid, year), items in sorted(changes.items()):
            _record(
                enterprises[eid],
                actor=actor,
                kind=MarketEventKind.ENERGY,
                year=year,
                comment=_("%(source)s: %(n)d monthly rows changed.")
                % {"source": source or _("Import"), "n": len(items)},
                data={"source": source, "changes": sorted(items, key=lambda x: x[:2])[:200]},
            )
        result.written = True


def _plain(value: Decimal | None) -> str | None:
    """A quantity as text without trailing zeros (100.500000 → 100.5)."""
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def energy_recompute(pairs: set[tuple[int, int]]) -> None:
    """Recompute the computed inventory of these (enterprise, year) pairs only: enterprises
    with the same years are recomputed together."""
    years_of: dict[int, set[int]] = {}
    for eid, year in pairs:
        years_of.setdefault(eid, set()).add(year)
    groups: dict[frozenset[int], list[int]] = {}
    for eid, years in years_of.items():
        groups.setdefault(frozenset(years), []).append(eid)
    for years, eids in groups.items():
        services.enterprise_recompute(enterprises=eids, years=sorted(years))


def energy_export_rows(enterprises: QuerySet[MarketEnterprise], year: int | None = None):
    """Monthly rows in the import layout (importing.ENERGY_HEADER), in the energy type's unit:
    the file imports back unchanged."""
    rows = EnterpriseActivity.objects.filter(enterprise__in=enterprises)
    if year:
        rows = rows.filter(year=year)
    rows = rows.select_related("enterprise", "energy_type").order_by(
        "enterprise__credit_code", "year", "month", "energy_type__order", "energy_type__code"
    )
    for a in rows.iterator(chunk_size=2000):
        yield [
            a.enterprise.credit_code,
            a.enterprise.name,
            a.year,
            a.month,
            a.energy_type.name,
            a.quantity,
            a.energy_type.unit,
        ]


def energy_years(e: MarketEnterprise) -> list[int]:
    """The years with monthly rows, latest first."""
    return list(e.activity.order_by("-year").values_list("year", flat=True).distinct())


def quantity_text(value: Decimal | None) -> str:
    """A quantity for a page: thousands grouped, no trailing zeros (1,158,000; 150.25)."""
    if value is None:
        return ""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def energy_breakdown(e: MarketEnterprise, year: int) -> dict:
    """Why the year's computed emissions are what they are: the months per energy type, each
    type's sum with its factors and its share of the figure (the district drill-down's
    arithmetic, inventory.row_figures), and the stored figure beside it."""
    factors = factors_in_use()
    grid = grid_factor_for(year, factors.grid)
    by_energy: dict[int, dict] = {}
    count = 0
    for a in e.activity.filter(year=year).select_related("energy_type"):
        count += 1
        line = by_energy.setdefault(
            a.energy_type_id,
            {"energy": a.energy_type, "months": [None] * 12, "quantity": Decimal(0)},
        )
        line["months"][a.month - 1] = a.quantity
        line["quantity"] += a.quantity
    totals = {"direct_co2_t": 0.0, "indirect_co2_t": 0.0, "energy_tce": 0.0}
    lines = []
    for line in sorted(by_energy.values(), key=lambda x: (x["energy"].order, x["energy"].code)):
        line["shown"] = [quantity_text(q) for q in line["months"]]
        line["quantity_shown"] = quantity_text(line["quantity"])
        f = factors.by_energy[line["energy"].pk]
        direct, indirect, tce = inventory.row_figures(
            f, float(line["quantity"]), grid[0] if grid else None
        )
        totals["direct_co2_t"] += direct
        totals["indirect_co2_t"] += indirect
        totals["energy_tce"] += tce
        lines.append(
            {
                **line,
                "factor": factors.rows.get(line["energy"].pk),
                "kind": f.kind,
                "co2_per_unit": f.co2_per_unit,
                "direct_co2_t": direct,
                "indirect_co2_t": indirect,
                "energy_tce": tce,
            }
        )
    totals["total_co2_t"] = totals["direct_co2_t"] + totals["indirect_co2_t"]
    return {
        "year": year,
        "lines": lines,
        "rows": count,
        "totals": totals,
        "stored": EnterpriseInventory.objects.filter(enterprise=e, year=year).first(),
        "factor_set": factors.factor_set,
        "grid_set": factors.grid_set,
        "grid": grid,  # (tCO2/MWh, year used, exact) or None
    }
