"""Carbon markets: the credit code's check character, the inclusion thresholds at their
boundaries, the surrender status (pure and in SQL alike), the ledger task a missed surrender
raises (once, again after withdrawal; also for two-high projects), the import (all or nothing,
idempotent, the export imports back unchanged), scope through every page and API, the
dashboard's numbers against a hand-computed fixture, the enterprise-level inventory."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from shanshui.carbon import dashboard, market, markets, projects, services
from shanshui.carbon.models import (
    ComplianceYear,
    EnergyType,
    EnterpriseActivity,
    EnterpriseInventory,
    MarketEnterprise,
    MarketEvent,
)
from shanshui.carbon.tests.helpers import csv_bytes, named, xlsx_bytes
from shanshui.ledger import services as ledger_services
from shanshui.ledger.models import CampaignKind, Category, Task, UnitRole
from shanshui.ledger.scenarios import make_campaign
from shanshui.orgs.services import api_token_create
from shanshui.testing.http import ClientApi

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)  # the tests' ordinary day
GOOD = "91350100M000100Y43"  # GB 32100-2015's example


def code(n: int) -> str:
    first = f"91500000{n:09d}"
    return first + market.credit_check_char(first)


# --- pure: the credit code -----------------------------------------------------------------------


def test_credit_codes():
    assert market.credit_code_problem(GOOD) is None
    assert market.credit_code_problem("91110000600037341L") is None
    assert market.credit_code_problem(GOOD[:-1] + "4") == market.CODE_CHECK
    assert market.credit_code_problem(GOOD[:-1]) == market.CODE_LENGTH
    assert market.credit_code_problem("91350100I000100Y43") == market.CODE_CHARACTER
    assert market.normalize_credit_code(" ９１350100m000100y43 ") == GOOD


# --- pure: inclusion at the thresholds ---------------------------------------------------------


@pytest.mark.parametrize(
    "industry, year, t, expected, reason",
    [
        ("power", 2024, "25999", market.CQ_PILOT, market.PILOT_THRESHOLD),
        ("power", 2024, "26000", market.NATIONAL, market.NATIONAL_INDUSTRY),
        ("chemical", 2025, "12999", market.NONE, market.BELOW_THRESHOLDS),
        ("chemical", 2025, "13000", market.CQ_PILOT, market.PILOT_THRESHOLD),
        ("chemical", 2025, "900000", market.CQ_PILOT, market.PILOT_THRESHOLD),
        ("steel", 2024, "30000", market.CQ_PILOT, market.BEFORE_NATIONAL),
        ("steel", 2025, "30000", market.NATIONAL, market.NATIONAL_INDUSTRY),
        ("cement", 2025, "26000", market.NATIONAL, market.NATIONAL_INDUSTRY),
        ("aluminium", 2025, "25999.99", market.CQ_PILOT, market.PILOT_THRESHOLD),
        ("steel", 2025, "12999", market.NONE, market.BELOW_THRESHOLDS),
    ],
)
def test_inclusion_at_the_thresholds(industry, year, t, expected, reason):
    got = market.inclusion(industry=industry, year=year, emissions_t=D(t))
    assert (got.market, got.reason) == (expected, reason)


def test_inclusion_without_emissions_and_rules_from_settings():
    assert market.inclusion(industry="power", year=2025, emissions_t=None).reason == (
        market.NO_EMISSIONS
    )
    rules = market.Rules.from_mapping(
        {"pilot_threshold_t": 20000, "national_from": {"steel": 2024}}
    )
    assert (
        market.inclusion(industry="chemical", year=2025, emissions_t=D(13000), rules=rules).market
        == ""
    )
    assert (
        market.inclusion(industry="steel", year=2024, emissions_t=D(26000), rules=rules).market
        == "national"
    )
    with pytest.raises(ValueError):
        market.Rules.from_mapping({"pilot_treshold_t": 1})


# --- pure: the surrender status ----------------------------------------------------------------

DEADLINE = dt.date(2025, 12, 31)
STATUS_CASES = [
    # verified, surrendered, deadline, today, status
    (D(100), D(100), DEADLINE, dt.date(2026, 1, 1), market.SETTLED),
    (D(100), D(120), DEADLINE, dt.date(2025, 6, 1), market.SETTLED),
    (D(100), D(0), DEADLINE, DEADLINE, market.PENDING),  # the deadline day itself
    (D(100), D("99.99"), DEADLINE, dt.date(2026, 1, 1), market.PARTIAL),
    (D(100), D(0), DEADLINE, dt.date(2026, 1, 1), market.OVERDUE),
    (None, D(0), DEADLINE, dt.date(2026, 1, 1), market.PENDING),  # not verified yet
    (D(100), D(0), None, dt.date(2026, 1, 1), market.PENDING),  # no deadline set
]


@pytest.mark.parametrize("verified, surrendered, deadline, today, status", STATUS_CASES)
def test_surrender_status(verified, surrendered, deadline, today, status):
    assert (
        market.surrender_status(
            verified_t=verified, surrendered_t=surrendered, deadline=deadline, today=today
        )
        == status
    )


# --- fixtures ----------------------------------------------------------------------------------


def enterprise(personas, n=1, district=None, **fields):
    values = dict(
        name=f"重庆测试企业{n}有限公司",
        district=district or personas.unit_a,
        industry="chemical",
        market="cq_pilot",
        since_year=2014,
    )
    values.update(fields)
    e, _ = markets.enterprise_save(actor=personas.office, credit_code=code(n), **values)
    return e


@pytest.fixture
def campaign(personas):
    return make_campaign(personas.office, code="special-cm", kind=CampaignKind.SPECIAL)


def test_status_in_sql_matches_the_pure_function(personas):
    for i, (verified, surrendered, deadline, today, status) in enumerate(STATUS_CASES):
        e = enterprise(personas, 100 + i)
        ComplianceYear.objects.create(
            enterprise=e,
            year=2025,
            verified_co2_t=verified,
            surrendered_t=surrendered,
            deadline=deadline,
        )
        got = markets.annotated(MarketEnterprise.objects.filter(pk=e.pk), 2025, today).get()
        assert got.status == status, (i, got.status, status)


def test_enterprise_fields_are_checked(personas):
    with pytest.raises(ValidationError) as exc:
        markets.enterprise_save(
            actor=personas.office,
            credit_code=GOOD[:-1] + "4",
            name="某公司",
            district=personas.unit_a,
            industry="chemical",
            market="cq_pilot",
        )
    assert "校验码" in str(exc.value.message_dict["credit_code"])
    enterprise(personas, 1)
    with pytest.raises(ValidationError) as exc:
        enterprise(personas, 1, name="另一家")
    assert "credit_code" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        markets.enterprise_save(
            actor=personas.district_a,
            credit_code=code(2),
            name="x",
            district=personas.unit_a,
            industry="chemical",
        )
    assert MarketEnterprise.objects.count() == 1


# --- the ledger task ---------------------------------------------------------------------------


def test_a_missed_surrender_raises_one_task_and_again_after_withdrawal(personas, campaign):
    e = enterprise(personas, 1)
    before = dict(verified_co2_t=D(50000), surrendered_t=D(20000), deadline=dt.date(2025, 12, 31))
    cy, _ = markets.compliance_save(
        actor=personas.office, enterprise=e, year=2024, today=dt.date(2025, 12, 31), **before
    )
    assert cy.task_id is None  # due today, not missed yet
    assert markets.surrender_sweep(actor=personas.office, today=dt.date(2025, 12, 31)) == []
    [task] = markets.surrender_sweep(actor=personas.office, today=dt.date(2026, 1, 1))
    assert task.code == f"QJ2024-{code(1)}" and task.campaign == campaign
    assert "尚有30,000吨未清缴，逾期仅部分清缴" in task.problem
    assert list(task.category_rows.values_list("category", flat=True)) == [Category.CARBON]
    roles = {(tu.unit.key, tu.role) for tu in task.task_units.select_related("unit")}
    assert (personas.unit_a.key, UnitRole.IMPLEMENTING) in roles
    assert ("cq-ecology-environment", UnitRole.LEAD) in roles
    assert markets.surrender_sweep(actor=personas.office, today=dt.date(2026, 1, 2)) == []
    assert MarketEvent.objects.filter(enterprise=e, kind="task_raised").count() == 1
    ledger_services.task_withdraw(
        actor=personas.office, task=task, expected_version=None, reason="重复录入"
    )
    [again] = markets.surrender_sweep(actor=personas.office, today=dt.date(2026, 1, 2))
    assert again.code == f"QJ2024-{code(1)}-2"
    cy.refresh_from_db()
    assert cy.task == again
    assert markets.surrender_sweep(actor=personas.office, today=dt.date(2026, 1, 3)) == []


def test_saving_figures_after_the_deadline_raises_the_task_and_settling_raises_none(
    personas, campaign
):
    e = enterprise(personas, 1)
    cy, _ = markets.compliance_save(
        actor=personas.office,
        enterprise=e,
        year=2024,
        today=TODAY,
        verified_co2_t=D(40000),
        surrendered_t=D(0),
        deadline=dt.date(2025, 12, 31),
    )
    assert cy.task is not None and "逾期未清缴" in cy.task.problem
    e2 = enterprise(personas, 2)
    cy2, _ = markets.compliance_save(
        actor=personas.office,
        enterprise=e2,
        year=2024,
        today=TODAY,
        verified_co2_t=D(40000),
        surrendered_t=D(40000),
        deadline=dt.date(2025, 12, 31),
    )
    assert cy2.task is None
    assert Task.objects.count() == 1


def test_the_sweep_command(personas, campaign):
    e = enterprise(personas, 1)
    ComplianceYear.objects.create(
        enterprise=e, year=2024, verified_co2_t=D(100), deadline=dt.date(2025, 12, 31)
    )
    out = io.StringIO()
    call_command("carbon_market_sweep", "--user", "p_office", "--dry-run", stdout=out)
    assert "1 missed" in out.getvalue() and not Task.objects.exists()
    call_command("carbon_market_sweep", "--user", "p_office", stdout=io.StringIO())
    call_command("carbon_market_sweep", stdout=io.StringIO())
    assert Task.objects.count() == 1


def test_a_two_high_project_raises_again_after_its_task_was_withdrawn(personas, campaign):
    p = projects.project_propose(
        actor=personas.office,
        name="项目",
        enterprise="企业",
        district=personas.unit_a,
        industry="chemical",
        capacity="年产1万吨",
        energy_tce=D("60000"),
        co2_t=D("1"),
    )
    deadline = TODAY + dt.timedelta(days=400)
    kw = dict(actor=personas.office, expected_version=None, campaign=campaign, deadline=deadline)
    task = projects.project_raise_task(project=p, **kw)
    p.refresh_from_db()
    assert "raise_task" not in projects.allowed_actions(personas.office, p)
    ledger_services.task_withdraw(
        actor=personas.office, task=task, expected_version=None, reason="x"
    )
    p.refresh_from_db()
    assert "raise_task" in projects.allowed_actions(personas.office, p)
    again = projects.project_raise_task(project=p, **kw)
    assert again.code == f"{p.code}-2"


# --- import and export -------------------------------------------------------------------------

HEADER = [
    "企业名称",
    "统一社会信用代码",
    "区县",
    "行业",
    "子行业",
    "碳市场",
    "纳入年度",
    "履约年度",
    "核查排放量（吨二氧化碳当量）",
    "配额（吨）",
    "清缴量（吨）",
    "清缴截止日",
]


def rows():
    return [
        [
            "重庆甲发电有限公司",
            code(1),
            "万州区",
            "发电",
            "",
            "全国",
            2021,
            2024,
            30000,
            28000,
            30000,
            "2025-12-31",
        ],
        [
            "重庆甲发电有限公司",
            code(1),
            "万州",
            "发电",
            "",
            "全国",
            2021,
            2025,
            31000,
            29000,
            0,
            "2026-12-31",
        ],
        [
            "渝中乙化工有限公司",
            code(2),
            "渝中区",
            "化工",
            "精细化工",
            "重庆试点",
            2014,
            2024,
            15000,
            14000,
            5000,
            "2025/12/31",
        ],
        ["万州丙建材有限公司", code(3), "万州区", "建材", "", "", "", "", "", "", "", ""],
    ]


def test_import_is_all_or_nothing_and_idempotent(personas, campaign):
    bad = [
        *rows(),
        ["坏企业", GOOD[:-1] + "4", "万州区", "化工", "", "重庆", "", 2024, "-5", "", "", "明年"],
        ["重庆甲发电有限公司", code(1), "万州区", "钢铁", "", "全国", 2021, 2023, 1, "", "", ""],
    ]
    result = markets.market_import(
        actor=personas.office, fileobj=named(csv_bytes(bad, header=HEADER), "m.csv"), today=TODAY
    )
    assert not result.ok and not result.written
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "校验码" in messages[(6, "统一社会信用代码")]
    assert "核查排放量" in messages[(6, "核查排放量（吨二氧化碳当量）")] or any(
        "零" in m for m in messages.values()
    )
    assert (6, "清缴截止日") in messages
    assert "第2行" in messages[(7, "统一社会信用代码")] or "2" in messages[(7, "统一社会信用代码")]
    assert not MarketEnterprise.objects.exists() and not MarketEvent.objects.exists()

    dry = markets.market_import(
        actor=personas.office,
        fileobj=named(xlsx_bytes(rows(), header=HEADER), "m.xlsx"),
        dry_run=True,
        today=TODAY,
    )
    assert dry.ok and dry.inserted == 4 and not dry.written
    assert not MarketEnterprise.objects.exists()

    first = markets.market_import(
        actor=personas.office,
        fileobj=named(xlsx_bytes(rows(), header=HEADER), "m.xlsx"),
        today=TODAY,
    )
    assert first.written and first.inserted == 4 and first.updated == 0
    assert MarketEnterprise.objects.count() == 3 and ComplianceYear.objects.count() == 3
    b = MarketEnterprise.objects.get(credit_code=code(2))
    assert b.district == personas.unit_b and b.subsector == "精细化工"
    # 2024 of 渝中乙: 5,000 of 15,000 surrendered, deadline passed → one task
    assert Task.objects.count() == 1
    events = MarketEvent.objects.count()

    second = markets.market_import(
        actor=personas.office,
        fileobj=named(xlsx_bytes(rows(), header=HEADER), "m.xlsx"),
        today=TODAY,
    )
    assert second.written and (second.inserted, second.updated, second.unchanged) == (0, 0, 4)
    assert MarketEvent.objects.count() == events and Task.objects.count() == 1

    changed = rows()
    changed[2][10] = 15000  # now settled
    third = markets.market_import(
        actor=personas.office,
        fileobj=named(csv_bytes(changed, header=HEADER), "m.csv"),
        today=TODAY,
    )
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 3)
    assert ComplianceYear.objects.get(enterprise=b, year=2024).surrendered_t == D(15000)


def test_the_export_imports_back_unchanged(client, personas, campaign):
    markets.market_import(
        actor=personas.office, fileobj=named(csv_bytes(rows(), header=HEADER), "m.csv"), today=TODAY
    )
    client.force_login(personas.office)
    response = client.get(reverse("carbon:market_export"))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.max_row == 5
    again = markets.market_import(
        actor=personas.office, fileobj=named(data, "export.xlsx"), today=TODAY
    )
    assert again.ok and (again.inserted, again.updated, again.unchanged) == (0, 0, 4)


def test_the_import_page_and_api_are_the_offices(client, personas):
    data = csv_bytes(rows(), header=HEADER)
    client.force_login(personas.district_a)
    page = client.post(reverse("carbon:import"), {"kind": "market", "file": named(data, "m.csv")})
    assert page.status_code == 403
    client.force_login(personas.office)
    page = client.post(
        reverse("carbon:import"), {"kind": "market", "file": named(data, "m.csv"), "dry_run": "on"}
    )
    assert page.status_code == 200 and not MarketEnterprise.objects.exists()
    page = client.post(reverse("carbon:import"), {"kind": "market", "file": named(data, "m.csv")})
    assert page.status_code == 302 and MarketEnterprise.objects.count() == 3


# --- scope through every page and API ----------------------------------------------------------


@pytest.fixture
def two(personas, campaign):
    a = enterprise(personas, 1, district=personas.unit_a)
    b = enterprise(personas, 2, district=personas.unit_b, name="渝中企业")
    for e in (a, b):
        markets.compliance_save(
            actor=personas.office,
            enterprise=e,
            year=2024,
            today=TODAY,
            verified_co2_t=D(20000),
            surrendered_t=D(20000),
            deadline=dt.date(2025, 12, 31),
        )
    return personas, a, b


def test_scope_through_pages(client, two):
    personas, a, b = two
    client.force_login(personas.district_a)
    page = client.get(reverse("carbon:market"))
    assert page.status_code == 200 and [e.pk for e in page.context["enterprises"]] == [a.pk]
    assert client.get(reverse("carbon:market_enterprise", args=[b.pk])).status_code == 404
    assert (
        client.post(reverse("carbon:market_enterprise", args=[b.pk]), {"year": 2025}).status_code
        == 404
    )
    assert (
        client.post(reverse("carbon:market_enterprise", args=[a.pk]), {"year": 2025}).status_code
        == 403
    )
    export = client.get(reverse("carbon:market_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == [a.credit_code]
    overview = client.get(reverse("carbon:overview"))
    assert [m["enterprises"] for m in overview.context["dash"]["market"]["markets"]] == [1]
    for who in (personas.office, personas.department):
        client.force_login(who)
        page = client.get(reverse("carbon:market"))
        assert {e.pk for e in page.context["enterprises"]} == {a.pk, b.pk}
        assert client.get(reverse("carbon:market_enterprise", args=[b.pk])).status_code == 200
    client.force_login(personas.citizen)
    assert client.get(reverse("carbon:market")).status_code == 403


@pytest.fixture
def api(personas):
    names = ["office", "district_a", "department", "citizen"]
    return ClientApi({n: api_token_create(user=getattr(personas, n), name="t")[1] for n in names})


def test_scope_through_the_api(two, api):
    _personas, a, b = two
    status, body = api.get("district_a", "/carbon/market/enterprises")
    assert status == 200 and [e["id"] for e in body] == [a.pk]
    assert api.get("district_a", f"/carbon/market/enterprises/{b.pk}")[0] == 404
    assert (
        api.post("district_a", f"/carbon/market/enterprises/{b.pk}/compliance", year=2025)[0] == 404
    )
    assert (
        api.post("district_a", f"/carbon/market/enterprises/{a.pk}/compliance", year=2025)[0] == 403
    )
    assert api.get("citizen", "/carbon/market/enterprises")[0] == 403
    status, body = api.get("district_a", "/carbon/dashboard")
    assert status == 200 and body["market"]["markets"][0]["enterprises"] == 1
    status, body = api.get("department", "/carbon/market/enterprises?status=settled")
    assert status == 200 and len(body) == 2
    status, body = api.post(
        "office",
        f"/carbon/market/enterprises/{b.pk}/compliance",
        year=2025,
        verified_co2_t="14000",
        surrendered_t="0",
        deadline="2026-02-28",
    )
    assert status == 200
    year = next(y for y in body["years"] if y["year"] == 2025)
    assert year["status"] == "overdue" and year["task_id"] is not None
    assert body["expected_market"] == "cq_pilot" and body["agrees"] is True


# --- the dashboard against a hand-computed fixture ---------------------------------------------


def test_dashboard_numbers(personas, campaign):
    deadline = dt.date(2025, 12, 31)
    fixture = [
        # n, market, industry, verified, surrendered
        (1, "national", "power", 30000, 30000),  # settled
        (2, "national", "power", 25000, 0),  # overdue; under 26,000: mismatch (pilot)
        (3, "cq_pilot", "chemical", 20000, 10000),  # partial
        (4, "cq_pilot", "chemical", 12000, 12000),  # settled; under 13,000: mismatch (none)
        (5, "cq_pilot", "steel", 40000, None),  # no 2024 figures
        (6, "", "other", 14000, 0),  # in no market; overdue; mismatch (pilot)
    ]
    for n, m, industry, verified, surrendered in fixture:
        e = enterprise(personas, n, market=m, industry=industry)
        if surrendered is not None:
            ComplianceYear.objects.create(
                enterprise=e,
                year=2024,
                verified_co2_t=D(verified),
                surrendered_t=D(surrendered),
                deadline=deadline,
            )
    enterprise(personas, 7, district=personas.unit_b, market="cq_pilot")  # another district
    ComplianceYear.objects.create(
        enterprise_id=MarketEnterprise.objects.get(credit_code=code(5)).pk,
        year=2023,
        verified_co2_t=D(1),
        surrendered_t=D(1),
    )
    data = dashboard.market_summary(personas.office, 2024, TODAY)["markets"]
    by = {m["market"]: m for m in data}
    assert by["national"] | {} and (
        by["national"]["enterprises"],
        by["national"]["settled"],
        by["national"]["overdue"],
        by["national"]["missed"],
        by["national"]["mismatched"],
    ) == (2, 1, 1, 1, 1)
    assert by["national"]["verified_co2_t"] == 55000 and by["national"]["surrendered_t"] == 30000
    assert (
        by["cq_pilot"]["enterprises"],
        by["cq_pilot"]["settled"],
        by["cq_pilot"]["partial"],
        by["cq_pilot"]["pending"],
        by["cq_pilot"]["mismatched"],
    ) == (4, 1, 1, 0, 1)
    assert by["none"]["overdue"] == 1 and by["none"]["mismatched"] == 1
    district = {
        m["market"]: m["enterprises"]
        for m in dashboard.market_summary(personas.district_a, 2024, TODAY)["markets"]
    }
    assert district == {"national": 2, "cq_pilot": 3, "none": 1}
    # the drill-down: the link's rows are the counted ones
    assert by["national"]["links"]["missed"] == (
        reverse("carbon:market") + "?market=national&year=2024&status=missed"
    )
    qs = markets.filtered(
        markets.annotated(markets.visible_enterprises(personas.office), 2024, TODAY),
        {"market": "national", "status": "missed"},
    )
    assert [e.credit_code for e in qs] == [code(2)]
    mismatched = markets.filtered(
        markets.annotated(markets.visible_enterprises(personas.office), 2024, TODAY),
        {"mismatch": "1"},
    )
    assert sorted(e.credit_code for e in mismatched) == [code(2), code(4), code(6)]


def test_pipeline_counts_link_to_their_rows(personas):
    for tce in ("5000", "60000"):
        projects.project_propose(
            actor=personas.office,
            name="项目",
            enterprise="企业",
            district=personas.unit_a,
            industry="chemical",
            capacity="x",
            energy_tce=D(tce),
            co2_t=D("1"),
        )
    p = dashboard.pipeline(personas.office)
    proposed = next(s for s in p["states"] if s["status"] == "proposed")
    assert proposed["count"] == 2 and proposed["href"].endswith("?status=proposed")
    assert p["flagged"] == 1 and p["flagged_href"].endswith("?flagged=1")
    assert dashboard.pipeline(personas.district_b)["flagged"] == 0


# --- pages -------------------------------------------------------------------------------------


def test_pages_render_with_the_inclusion_check(client, personas, campaign):
    e = enterprise(personas, 1, market="cq_pilot", industry="steel")
    markets.compliance_save(
        actor=personas.office,
        enterprise=e,
        year=2025,
        today=TODAY,
        verified_co2_t=D(30000),
        surrendered_t=D(0),
        deadline=dt.date(2026, 12, 31),
    )
    client.force_login(personas.office)
    page = client.get(reverse("carbon:market_enterprise", args=[e.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'id="inclusion-mismatch"' in html
    assert page.context["check"].inclusion.market == "national"
    page = client.get(reverse("carbon:market") + "?mismatch=1")
    assert [x.pk for x in page.context["enterprises"]] == [e.pk]
    page = client.post(
        reverse("carbon:market_enterprise", args=[e.pk]),
        {"year": "2025", "verified_co2_t": "-1"},
    )
    assert page.status_code == 400
    page = client.post(
        reverse("carbon:market_enterprise", args=[e.pk]),
        {
            "year": "2025",
            "verified_co2_t": "30000",
            "surrendered_t": "30000",
            "deadline": "2026-12-31",
        },
    )
    assert page.status_code == 302
    assert ComplianceYear.objects.get(enterprise=e, year=2025).surrendered_t == D(30000)
    overview = client.get(reverse("carbon:overview"))
    assert overview.status_code == 200 and 'id="dash-market"' in overview.content.decode()
    export = client.get(reverse("carbon:export"))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    assert book.sheetnames[0] == "活动水平数据" and "碳市场履约" in book.sheetnames


# --- the enterprise-level inventory ------------------------------------------------------------


def test_enterprise_inventory_from_monthly_rows(personas):
    e = enterprise(personas, 1)
    coal, power = EnergyType.objects.get(name="原煤"), EnergyType.objects.get(name="电力")
    EnterpriseActivity.objects.bulk_create(
        [
            EnterpriseActivity(enterprise=e, year=2023, month=m, energy_type=coal, quantity=D(100))
            for m in range(1, 11)
        ]
        + [EnterpriseActivity(enterprise=e, year=2023, month=1, energy_type=power, quantity=D(100))]
    )
    assert services.enterprise_recompute() == 1
    cell = EnterpriseInventory.objects.get(enterprise=e, year=2023)
    assert cell.direct_co2_t == pytest.approx(1000 * 1.9003, rel=1e-4)  # 1,000 t of raw coal
    assert cell.indirect_co2_t == pytest.approx(100 * 10 * 0.5306)  # 100 万kWh at 2023's factor
    assert cell.rows == 11


def test_demo_markets(personas, campaign):
    from django.contrib.auth import get_user_model

    from shanshui.carbon import demo
    from shanshui.orgs.models import Membership, Role

    office = get_user_model().objects.create_user(username="office")
    Membership.objects.create(user=office, unit=personas.unit_office, role=Role.OFFICE)
    assert demo.load_markets()
    assert demo.load_markets() == []
    assert MarketEnterprise.objects.count() == len(demo.DEMO_ENTERPRISES)
    assert Task.objects.filter(code__startswith="QJ").count() == 2  # 2023 overdue, 2024 partial


@override_settings(CARBON_MARKET_RULES={"pilot_threshold_t": 20000})
def test_the_rules_come_from_settings(personas):
    e = enterprise(personas, 1)
    ComplianceYear.objects.create(enterprise=e, year=2024, verified_co2_t=D(15000))
    got = markets.annotated(MarketEnterprise.objects.all(), 2024, TODAY).get()
    assert got.expected == "" and got.mismatch
    assert markets.inclusion_check(e, e.years.get()).inclusion.market == ""


def test_the_scheduled_check_raises_the_task_as_the_system(client, personas, campaign):
    """No login is configured: the task's creation event names the scheduled check, the
    enterprise's record the same; a second run raises nothing."""
    from shanshui.ledger.models import Event, EventKind

    e = enterprise(personas, 1)
    ComplianceYear.objects.create(
        enterprise=e, year=2024, verified_co2_t=D(100), deadline=dt.date(2025, 12, 31)
    )
    assert "1" in markets.scheduled_sweep(day=TODAY)
    markets.scheduled_sweep(day=TODAY)
    task = Task.objects.get()
    created = Event.objects.get(task=task, kind=EventKind.CREATED)
    assert created.actor is None
    assert created.comment == markets.SYSTEM_CHECK == created.data["system"]
    raised = MarketEvent.objects.get(enterprise=e, kind="task_raised")
    assert raised.actor is None and raised.data["system"] == markets.SYSTEM_CHECK
    client.force_login(personas.office)
    page = client.get(reverse("ledger:task", args=[task.pk])).content.decode()
    assert markets.SYSTEM_CHECK in page and "系统" in page
    assert (
        markets.SYSTEM_CHECK
        in client.get(reverse("carbon:market_enterprise", args=[e.pk])).content.decode()
    )


def test_the_ledger_refuses_a_system_task_from_a_person_and_a_task_from_no_one(personas, campaign):
    e = enterprise(personas, 1)
    fields = dict(
        campaign=campaign,
        code="X1",
        district=e.district,
        title="t",
        problem="p",
        target="",
        measures=[],
        deadline=TODAY,
        note={},
    )
    with pytest.raises(PermissionDenied):
        services.ledger_task_raise(actor=None, **fields)
    with pytest.raises(ValueError):
        services.ledger_task_raise(actor=personas.office, system="系统定时检查", **fields)
    assert not Task.objects.exists()
