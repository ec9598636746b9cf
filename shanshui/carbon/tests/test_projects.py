"""Two-high projects: the screening workflow (transitions, one event per decision, the block on
efficiency below the baseline), the rules at their thresholds through the services, scope (a
district its own projects, another district's 404 through pages and API), the ledger task a
flagged project raises, the register's export and the new-project form's errors."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from shanshui.carbon import projects
from shanshui.carbon.models import ProjectEvent, ProjectStatus, TwoHighProject
from shanshui.ledger.models import CampaignKind, Category, Task, UnitRole
from shanshui.ledger.scenarios import make_campaign
from shanshui.lib.workflow import Conflict, InvalidTransition
from shanshui.orgs.services import api_token_create
from shanshui.testing.http import ClientApi

pytestmark = pytest.mark.django_db

S = ProjectStatus


def propose(actor, district, **fields):
    values = dict(
        name="年产100万吨熟料水泥生产线",
        enterprise="重庆某某水泥有限公司",
        district=district,
        industry="building_materials",
        capacity="年产100万吨熟料",
        energy_tce=D("12000"),
        co2_t=D("850000"),
        efficiency_unit="kgce/t",
        unit_energy=D("110"),
        benchmark=D("100"),
        baseline=D("117"),
    )
    values.update(fields)
    return projects.project_propose(actor=actor, **values)


def kinds(p):
    return list(p.events.order_by("pk").values_list("kind", flat=True))


def to_review(office, p):
    p = projects.project_screen(actor=office, project=p, expected_version=p.version)
    return projects.project_send_for_review(actor=office, project=p, expected_version=p.version)


# --- the rules at their thresholds, through the services ---------------------------------------


@pytest.mark.parametrize(
    "tce, flags",
    [
        ("9999", []),
        ("10000", ["provincial_review"]),
        ("49999", ["provincial_review"]),
        ("50000", ["provincial_review", "national_attention"]),
    ],
)
def test_flags_at_the_thresholds(personas, tce, flags):
    p = propose(personas.district_a, personas.unit_a, energy_tce=D(tce))
    assert p.flags == flags and p.flagged == bool(flags)
    assert p.events.get().data["flags"] == flags


@override_settings(CARBON_TWO_HIGH_RULES={"provincial_review_tce": 5000})
def test_thresholds_come_from_settings(personas):
    p = propose(personas.district_a, personas.unit_a, energy_tce=D("5000"))
    assert p.flags == ["provincial_review"]


# --- the workflow ------------------------------------------------------------------------------


def test_proposed_screened_reviewed_approved_each_an_event(personas):
    office = personas.office
    p = propose(personas.district_a, personas.unit_a)
    assert p.status == S.PROPOSED and p.code.startswith("LG")
    p = to_review(office, p)
    assert p.status == S.UNDER_REVIEW
    p = projects.project_approve(
        actor=office, project=p, expected_version=p.version, opinion="符合节能审查要求"
    )
    p.refresh_from_db()
    assert p.status == S.APPROVED and p.decided_at is not None
    assert kinds(p) == ["proposed", "screened", "sent_for_review", "approved"]
    last = p.events.order_by("pk").last()
    assert (last.from_status, last.to_status, last.comment) == (
        S.UNDER_REVIEW,
        S.APPROVED,
        "符合节能审查要求",
    )
    assert last.actor == office
    screened = p.events.get(kind="screened")
    assert screened.data["provincial_review_tce"] == "10000"


def test_reject_and_halt_need_reasons_and_write_events(personas):
    office = personas.office
    p = propose(personas.district_a, personas.unit_a)
    p = projects.project_screen(actor=office, project=p, expected_version=None)
    with pytest.raises(ValidationError) as exc:
        projects.project_reject(actor=office, project=p, expected_version=p.version, opinion=" ")
    assert "opinion" in exc.value.message_dict
    p.refresh_from_db()
    assert p.status == S.SCREENED
    projects.project_reject(actor=office, project=p, expected_version=p.version, opinion="产能过剩")
    p.refresh_from_db()
    assert p.status == S.REJECTED
    with pytest.raises(InvalidTransition):
        projects.project_halt(actor=office, project=p, expected_version=None, opinion="x")

    q = to_review(office, propose(personas.district_a, personas.unit_a))
    q = projects.project_approve(actor=office, project=q, expected_version=None, opinion="同意")
    projects.project_halt(actor=office, project=q, expected_version=None, opinion="违规开工")
    q.refresh_from_db()
    assert q.status == S.HALTED
    assert kinds(q)[-2:] == ["approved", "halted"]


def test_efficiency_at_the_baseline_approves_below_blocks(personas):
    office = personas.office
    at = to_review(office, propose(personas.district_a, personas.unit_a, unit_energy=D("117")))
    projects.project_approve(actor=office, project=at, expected_version=None, opinion="同意")
    below = to_review(
        office, propose(personas.district_a, personas.unit_a, unit_energy=D("117.01"))
    )
    assert projects.approval_blocked(below) and "below_baseline" in below.flags
    assert "approve" not in projects.allowed_actions(office, below)
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as exc:
        projects.project_approve(actor=office, project=below, expected_version=None, opinion="同意")
    assert exc.value.message == "该项目能效低于国家基准水平，不予准入。"
    below.refresh_from_db()
    assert below.status == S.UNDER_REVIEW and kinds(below)[-1] == "sent_for_review"


def test_approval_follows_the_rules_in_use_not_those_at_screening(personas, settings):
    """Whether efficiency below the baseline blocks approval is decided when the office
    approves, from the rules then in use: a project screened under lenient rules is refused
    once they tighten, and one screened under strict rules may pass once they are relaxed."""
    office = personas.office
    settings.CARBON_TWO_HIGH_RULES = {"below_baseline_blocks": False}
    lenient = to_review(
        office, propose(personas.district_a, personas.unit_a, unit_energy=D("117.01"))
    )
    assert "approve" in projects.allowed_actions(office, lenient)
    settings.CARBON_TWO_HIGH_RULES = {"below_baseline_blocks": True}
    assert "approve" not in projects.allowed_actions(office, lenient)
    with pytest.raises(InvalidTransition):
        projects.project_approve(
            actor=office, project=lenient, expected_version=None, opinion="同意"
        )
    lenient.refresh_from_db()
    assert lenient.status == S.UNDER_REVIEW

    strict = to_review(
        office, propose(personas.district_a, personas.unit_a, unit_energy=D("117.01"))
    )
    settings.CARBON_TWO_HIGH_RULES = {"below_baseline_blocks": False}
    projects.project_approve(actor=office, project=strict, expected_version=None, opinion="同意")
    strict.refresh_from_db()
    assert strict.status == S.APPROVED


def test_wrong_state_stale_page_and_wrong_role(personas):
    p = propose(personas.district_a, personas.unit_a)
    with pytest.raises(InvalidTransition):
        projects.project_approve(
            actor=personas.office, project=p, expected_version=None, opinion="x"
        )
    with pytest.raises(Conflict):
        projects.project_screen(actor=personas.office, project=p, expected_version=p.version + 1)
    with pytest.raises(PermissionDenied):
        projects.project_screen(actor=personas.district_a, project=p, expected_version=None)
    p.refresh_from_db()
    assert p.status == S.PROPOSED and kinds(p) == ["proposed"]


def test_a_district_proposes_only_for_itself(personas):
    with pytest.raises(ValidationError) as exc:
        propose(personas.district_a, personas.unit_b)
    assert "district" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        propose(personas.citizen, personas.unit_a)
    assert not TwoHighProject.objects.exists()


def test_field_errors_save_nothing(personas):
    with pytest.raises(ValidationError) as exc:
        propose(
            personas.district_a,
            personas.unit_a,
            name="",
            industry="textiles",
            energy_tce=D("0"),
            benchmark=D("120"),
            efficiency_unit="",
        )
    errors = exc.value.message_dict
    assert {"name", "industry", "energy_tce", "benchmark", "efficiency_unit"} <= set(errors)
    assert not TwoHighProject.objects.exists() and not ProjectEvent.objects.exists()


# --- the ledger task ---------------------------------------------------------------------------


def test_a_flagged_project_raises_a_ledger_task(personas, ordinary_day):
    campaign = make_campaign(personas.office, code="special-lg", kind=CampaignKind.SPECIAL)
    p = propose(personas.district_a, personas.unit_a, energy_tce=D("60000"), unit_energy=D("120"))
    deadline = ordinary_day.date() + dt.timedelta(days=60)
    task = projects.project_raise_task(
        actor=personas.office,
        project=p,
        expected_version=p.version,
        campaign=campaign,
        deadline=deadline,
    )
    assert isinstance(task, Task) and task.campaign == campaign and task.code == p.code
    assert "省级节能审查" in task.problem and "国家重点关注" in task.problem
    assert "高于国家能效基准水平117" in task.problem
    assert list(task.category_rows.values_list("category", flat=True)) == [Category.CARBON]
    roles = {(tu.unit_id, tu.role) for tu in task.task_units.all()}
    assert (personas.unit_a.pk, UnitRole.IMPLEMENTING) in roles
    p.refresh_from_db()
    assert p.task == task and kinds(p)[-1] == "task_raised"
    assert p.events.order_by("pk").last().data["task"] == task.pk
    with pytest.raises(InvalidTransition):  # once only
        projects.project_raise_task(
            actor=personas.office,
            project=p,
            expected_version=None,
            campaign=campaign,
            deadline=deadline,
        )


def test_an_unflagged_project_raises_no_task(personas):
    campaign = make_campaign(personas.office)
    p = propose(personas.district_a, personas.unit_a, energy_tce=D("9999"))
    with pytest.raises(InvalidTransition):
        projects.project_raise_task(
            actor=personas.office,
            project=p,
            expected_version=None,
            campaign=campaign,
            deadline=projects.default_deadline(),
        )
    assert not Task.objects.exists()


# --- pages -------------------------------------------------------------------------------------


@pytest.fixture
def two(personas):
    a = propose(personas.district_a, personas.unit_a, energy_tce=D("60000"))
    b = propose(personas.district_b, personas.unit_b, name="渝中项目", energy_tce=D("500"))
    return personas, a, b


def test_register_scope_through_pages(client, two):
    personas, a, b = two
    client.force_login(personas.district_a)
    page = client.get(reverse("carbon:projects"))
    assert page.status_code == 200
    assert [r["p"].pk for r in page.context["projects"]] == [a.pk]
    assert [n for _label, n in page.context["pipeline"]] == [1, 0, 0, 0, 0, 0]
    assert client.get(reverse("carbon:project", args=[a.pk])).status_code == 200
    assert client.get(reverse("carbon:project", args=[b.pk])).status_code == 404
    post = client.post(reverse("carbon:project_action", args=[b.pk, "screen"]), {})
    assert post.status_code == 404
    # the district sees no action cards on its own project and cannot screen it
    assert client.get(reverse("carbon:project", args=[a.pk])).context["action_forms"] == {}
    post = client.post(reverse("carbon:project_action", args=[a.pk, "screen"]), {})
    assert post.status_code == 403
    client.force_login(personas.office)
    page = client.get(reverse("carbon:projects") + "?flagged=1")
    assert [r["p"].pk for r in page.context["projects"]] == [a.pk]
    page = client.get(reverse("carbon:projects") + f"?district={personas.unit_b.pk}")
    assert [r["p"].pk for r in page.context["projects"]] == [b.pk]


def test_office_acts_through_the_page(client, two):
    personas, a, _b = two
    client.force_login(personas.office)
    url = reverse("carbon:project_action", args=[a.pk, "screen"])
    response = client.post(url, {"version": a.version, "comment": "已筛查"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == S.SCREENED
    stale = client.post(url, {"version": 1})
    assert stale.status_code == 409
    url = reverse("carbon:project_action", args=[a.pk, "reject"])
    again = client.post(url, {"version": a.version, "opinion": ""})
    assert again.status_code == 400 and "opinion" in again.context["action_forms"]["reject"].errors
    page = client.get(reverse("carbon:project", args=[a.pk]))
    assert "raise_task" in page.context["action_forms"]
    assert "已筛查" in page.content.decode()


def test_raise_task_through_the_page(client, two):
    personas, a, _b = two
    campaign = make_campaign(personas.office, code="special-1", kind=CampaignKind.SPECIAL)
    client.force_login(personas.office)
    url = reverse("carbon:project_action", args=[a.pk, "raise_task"])
    past = client.post(
        url, {"version": a.version, "campaign": campaign.pk, "deadline": "2000-01-01"}
    )
    assert past.status_code == 400 and not Task.objects.exists()
    deadline = projects.default_deadline().isoformat()
    done = client.post(url, {"version": a.version, "campaign": campaign.pk, "deadline": deadline})
    assert done.status_code == 302
    a.refresh_from_db()
    assert a.task is not None and a.task.campaign == campaign


def test_new_project_form_errors_in_chinese(client, personas):
    client.force_login(personas.district_a)
    url = reverse("carbon:project_new")
    page = client.get(url)
    assert list(page.context["form"].fields["district"].queryset) == [personas.unit_a]
    bad = client.post(url, {"district": personas.unit_a.pk, "energy_tce": "很多"})
    assert bad.status_code == 400
    errors = bad.context["form"].errors
    assert "请填写此项。" in errors["name"]
    assert "请输入数字。" in errors["energy_tce"]
    other = client.post(url, {"district": personas.unit_b.pk})
    assert "district" in other.context["form"].errors
    good = client.post(
        url,
        {
            "name": "煤电项目",
            "enterprise": "某电厂",
            "district": personas.unit_a.pk,
            "industry": "coal_power",
            "capacity": "2×660MW",
            "energy_tce": "10000",
            "co2_t": "2000000",
        },
    )
    assert good.status_code == 302
    p = TwoHighProject.objects.get()
    assert p.district == personas.unit_a and p.flags == ["provincial_review"]
    client.force_login(personas.department)
    assert client.get(url).status_code == 403


def test_export_is_a_workbook_of_the_register(client, two):
    personas, _a, b = two
    client.force_login(personas.district_b)
    response = client.get(reverse("carbon:projects_export"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.values)
    assert rows[0][0] == "项目编号" and len(rows) == 2
    assert rows[1][0] == b.code and rows[1][6] == 500


# --- API ---------------------------------------------------------------------------------------


@pytest.fixture
def api(two):
    personas = two[0]
    names = ("office", "district_a", "district_b", "citizen")
    return ClientApi({n: api_token_create(user=getattr(personas, n), name="t")[1] for n in names})


def test_api_scope_and_decisions(api, two):
    _personas, a, b = two
    status, body = api.get("district_a", "/carbon/projects")
    assert status == 200 and [r["id"] for r in body] == [a.pk]
    assert api.get("district_a", f"/carbon/projects/{b.pk}")[0] == 404
    assert api.post("district_a", f"/carbon/projects/{b.pk}/screen")[0] == 404
    assert api.post("district_a", f"/carbon/projects/{a.pk}/screen")[0] == 403
    status, body = api.get("office", "/carbon/projects?flagged=true")
    assert status == 200 and [r["id"] for r in body] == [a.pk]
    status, body = api.post("office", f"/carbon/projects/{a.pk}/screen", version=a.version)
    assert status == 200 and body["status"] == "screened"
    status, body = api.post("office", f"/carbon/projects/{a.pk}/screen", version=1)
    assert status == 409
    status, body = api.get("office", f"/carbon/projects/{a.pk}")
    assert [e["kind"] for e in body["events"]] == ["proposed", "screened"]
    assert "send_for_review" in body["actions"]


def test_api_propose_scoped_with_field_errors(api, two):
    personas = two[0]
    payload = dict(
        name="钢铁项目",
        enterprise="某钢厂",
        industry="steel",
        capacity="年产200万吨",
        energy_tce="50000",
        co2_t="3000000",
    )
    status, body = api.post(
        "district_a", "/carbon/projects", district_id=personas.unit_a.pk, **payload
    )
    assert status == 201 and body["flags"] == ["provincial_review", "national_attention"]
    status, body = api.post(
        "district_a", "/carbon/projects", district_id=personas.unit_b.pk, **payload
    )
    assert status == 400 and "district" in body["fields"]
    status, body = api.post(
        "district_a", "/carbon/projects", district_id=personas.unit_a.pk, **{**payload, "name": ""}
    )
    assert status == 400 and "name" in body["fields"]
    assert TwoHighProject.objects.count() == 3
