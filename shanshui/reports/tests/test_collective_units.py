"""Units named as a class in real plans ("各区县政府", "市级有关部门",
"两江新区、重庆高新区、万盛经开区管委会"): a definite class gives the city task one share per
district, county or zone; an indefinite one is chosen once for the whole sheet; and the
new-task form and the API agree."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from shanshui.ledger.models import Event, Task, UnitRole
from shanshui.ledger.scenarios import make_campaign
from shanshui.orgs.models import Unit
from shanshui.orgs.names import read_units
from shanshui.orgs.services import api_token_create
from shanshui.reports import ledger_export, ledger_import
from shanshui.reports.models import ImportJob
from shanshui.testing.http import ClientApi

pytestmark = pytest.mark.usefixtures("ordinary_day")

DEFINITE = ["各区县政府", "各区县（自治县）党委和政府", "各区县"]
ZONES = "两江新区、重庆高新区、万盛经开区管委会"
INDEFINITE = ["市级有关部门", "各有关区县", "沿江区县"]


def plan(rows: list[tuple[str, str, str]]) -> bytes:
    """A plan sheet: title row, header, one row per (number, 牵头单位, 责任单位)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "整改方案"
    ws.append(["重庆市督察反馈问题整改方案"])
    ws.merge_cells("A1:F1")
    ws.append(["序号", "反馈问题", "整改措施", "牵头单位", "责任单位", "整改时限"])
    for code, lead, responsible in rows:
        ws.append(
            [
                code,
                f"问题{code}：部分区县污水收集率偏低。",
                "1.排查管网；\n2.限期整改。",
                lead,
                responsible,
                "2027年6月底前",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(personas, campaign, data: bytes, *, dry_run=False, units=None):
    return ledger_import.run_import(
        actor=personas.office,
        campaign=campaign,
        fileobj=io.BytesIO(data),
        dry_run=dry_run,
        units=units,
    )


def territorial_now() -> set[int]:
    return set(Unit.objects.current().territorial().values_list("pk", flat=True))


def share_units(task: Task) -> set[int]:
    return set(
        Task.objects.filter(parent=task)
        .filter(task_units__role=UnitRole.IMPLEMENTING)
        .values_list("task_units__unit_id", flat=True)
    )


def test_it_reads_classes_of_units_without_a_database():
    for name in DEFINITE:
        [found] = read_units(name)
        assert found.definite and not found.members, name
    [zones] = read_units(ZONES)
    assert zones.definite and zones.members == ("两江新区", "重庆高新区", "万盛经开区")
    for name in [*INDEFINITE, "有关区县"]:
        [found] = read_units(name)
        assert not found.definite, name
    assert read_units("市生态环境局、万州区") == ["市生态环境局", "万州区"]
    # A body written apart belongs to the class before it.
    assert [getattr(x, "definite", x) for x in read_units("市水利局、各区县党委、政府")] == [
        "市水利局",
        True,
    ]


def test_it_splits_a_definite_class_into_one_share_per_current_district(personas):
    campaign = make_campaign(personas.office)
    rows = [(str(i), "市生态环境局", name) for i, name in enumerate(DEFINITE, 1)]
    rows.append(("4", "市生态环境局", ZONES))
    rows.append(("5", "", "各区县（自治县）党委和政府"))  # no lead: the shares carry it
    result = run(personas, campaign, plan(rows))
    assert result.ok, result.errors
    everyone = territorial_now()
    assert len(everyone) == 39  # 37 districts and counties with 两江新区, and the two zones
    merged_away = set(Unit.objects.filter(key__in=["cq-jiangbei", "cq-yubei"]).values_list("pk"))
    assert not merged_away & everyone
    for code in ("1", "2", "3", "5"):
        city = Task.objects.get(campaign=campaign, code=code)
        assert share_units(city) == everyone
        # The districts are in the shares, not on the city task itself.
        assert not city.task_units.filter(role=UnitRole.RESPONSIBLE).exists()
    city = Task.objects.get(campaign=campaign, code="1")
    assert list(city.task_units.values_list("unit_id", "role")) == [
        (personas.unit_department.pk, UnitRole.LEAD)
    ]
    share = Task.objects.get(parent=city, task_units__unit=personas.unit_a)
    assert set(share.task_units.values_list("unit_id", "role")) == {
        (personas.unit_department.pk, UnitRole.LEAD),
        (personas.unit_a.pk, UnitRole.IMPLEMENTING),
    }
    zones = Task.objects.get(campaign=campaign, code="4")
    assert share_units(zones) == set(
        Unit.objects.filter(
            key__in=["cq-liangjiang", "cq-hitech-zone", "cq-wansheng-zone"]
        ).values_list("pk", flat=True)
    )
    assert {c["name"]: len(c["units"]) for c in result.collectives}[DEFINITE[0]] == 39

    # The same sheet again changes nothing; so does the ledger's own export of it.
    events = Event.objects.count()
    again = run(personas, campaign, plan(rows))
    assert again.ok and (len(again.created), len(again.changed)) == (0, 0), again.errors
    exported = ledger_export.write_ledger(
        Task.objects.filter(campaign=campaign).order_by("code"), heading="整改台账"
    ).read()
    back = run(personas, campaign, exported)
    assert back.ok, back.errors
    assert (len(back.created), len(back.changed)) == (0, 0)
    assert back.unchanged == Task.objects.filter(campaign=campaign).count()
    assert Event.objects.count() == events


def test_an_indefinite_class_is_chosen_once_for_the_whole_sheet(personas):
    campaign = make_campaign(personas.office)
    rows = [
        ("1", "市生态环境局", "各有关区县"),
        ("2", "市水利局", "各有关区县"),
        ("3", "市生态环境局", "沿江区县"),
        ("4", "市发展改革委", "市级有关部门"),
    ]
    data = plan(rows)
    result = run(personas, campaign, data)
    assert not result.ok
    assert Task.objects.filter(campaign=campaign).count() == 0  # nothing written
    # Every row naming a class is a problem of its own, with the class named.
    problems = {(e.row, e.message.split("”")[0].lstrip("“")) for e in result.errors}
    assert problems == {(3, "各有关区县"), (4, "各有关区县"), (5, "沿江区县"), (6, "市级有关部门")}
    classes = {c["name"]: c for c in result.collectives}
    assert classes["各有关区县"]["rows"] == [3, 4] and not classes["各有关区县"]["definite"]
    assert classes["市级有关部门"]["group"] == "departments"

    wanzhou, yuzhong = personas.unit_a, personas.unit_b
    water = Unit.objects.get(key="cq-water")
    chosen = {"各有关区县": [wanzhou.pk, yuzhong.pk], "沿江区县": [wanzhou.pk]}
    # Half a choice is still refused, and still writes nothing.
    assert not run(personas, campaign, data, units=chosen).ok
    assert Task.objects.filter(campaign=campaign).count() == 0
    # A district is not a department.
    refused = run(personas, campaign, data, units={**chosen, "市级有关部门": [wanzhou.pk]})
    assert not refused.ok and "市级有关部门" in refused.errors[0].message

    result = run(personas, campaign, data, units={**chosen, "市级有关部门": [water.pk]})
    assert result.ok, result.errors
    for code in ("1", "2"):
        assert share_units(Task.objects.get(campaign=campaign, code=code)) == {
            wanzhou.pk,
            yuzhong.pk,
        }
    assert share_units(Task.objects.get(campaign=campaign, code="3")) == {wanzhou.pk}
    # Departments are units of the task itself, in the column's role.
    four = Task.objects.get(campaign=campaign, code="4")
    assert set(four.task_units.values_list("unit_id", "role")) == {
        (Unit.objects.get(key="cq-ndrc").pk, UnitRole.LEAD),
        (water.pk, UnitRole.RESPONSIBLE),
    }
    assert not four.shares.exists()


def test_the_import_page_asks_once_per_class_and_keeps_the_choice(personas, client_as):
    campaign = make_campaign(personas.office)
    data = plan([("1", "市生态环境局", "各有关区县"), ("2", "市水利局", "有关区县、各区县")])
    client = client_as(personas.office)
    upload = io.BytesIO(data)
    upload.name = "方案.xlsx"
    response = client.post(reverse("reports:import"), {"campaign": campaign.pk, "file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.latest("pk")
    page = client.get(reverse("reports:import_job", args=[job.pk])).content.decode()
    assert "按类别写的单位" in page and page.count('name="class_units_') >= 2 * 39
    assert "各区县" in page and "39" in page  # the definite class, shown with its units

    # Importing before choosing is refused.
    response = client.post(
        reverse("reports:import_again", args=[job.pk]), {"do": "import", "mapping": "{}"}
    )
    assert response.status_code == 400
    assert not Task.objects.filter(campaign=campaign).exists()

    names = {"class_1": "各有关区县", "class_2": "有关区县"}
    response = client.post(
        reverse("reports:import_again", args=[job.pk]),
        {**names, "class_units_1": [personas.unit_a.pk], "class_units_2": [personas.unit_b.pk]},
    )
    checked = ImportJob.objects.latest("pk")
    assert checked.result["ok"], checked.result["errors"]
    assert checked.mapping["units"] == {
        "各有关区县": [personas.unit_a.pk],
        "有关区县": [personas.unit_b.pk],
    }
    # Correcting a column keeps the choice.
    response = client.post(reverse("reports:import_again", args=[checked.pk]), {"col_0": "seq"})
    rechecked = ImportJob.objects.latest("pk")
    assert rechecked.result["ok"] and rechecked.mapping["units"] == checked.mapping["units"]
    page = client.get(reverse("reports:import_job", args=[rechecked.pk])).content.decode()
    import_form = page.split('id="import-button"')[0]
    response = client.post(
        reverse("reports:import_again", args=[rechecked.pk]),
        {"do": "import", "mapping": import_form.rsplit('name="mapping" value="', 1)[1]
         .split('"')[0].replace("&quot;", '"')},
    )  # fmt: skip
    done = ImportJob.objects.latest("pk")
    assert not done.dry_run and done.result["ok"], done.result
    two = Task.objects.get(campaign=campaign, code="2")
    assert share_units(two) == territorial_now()  # 有关区县 ⊂ 各区县
    assert share_units(Task.objects.get(campaign=campaign, code="1")) == {personas.unit_a.pk}


def test_the_form_and_the_api_resolve_classes_the_same_way(personas, client_as):
    campaign = make_campaign(personas.office)
    everyone = territorial_now()
    form = {
        "campaign": campaign.pk,
        "title": "全市污水管网",
        "problem": "描述",
        "categories": ["water"],
        "deadline_kind": "dated",
        "deadline": "2027-06-30",
        "lead": personas.unit_department.pk,
    }
    client = client_as(personas.office)
    page = client.get(reverse("ledger:new")).content.decode()
    assert "39" in page  # the form says how many shares "every district" makes
    response = client.post(reverse("ledger:new"), {**form, "code": "F-1", "share_all": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert share_units(Task.objects.get(code="F-1")) == everyone

    api = ClientApi({"office": api_token_create(user=personas.office, name="t")[1]})
    payload = dict(campaign_id=campaign.pk, problem="描述", deadline="2027-06-30")
    status, body = api.post(
        "office", "/tasks", code="A-1", title="接口", **payload,
        units=[{"unit_id": personas.unit_department.pk, "role": "lead"},
               {"unit": "各区县（自治县）党委和政府", "role": "responsible"}],
    )  # fmt: skip
    assert status == 201, body
    city = Task.objects.get(code="A-1")
    assert share_units(city) == everyone and len(body["shares"]) == 39
    status, body = api.post(
        "office", "/tasks", code="A-2", title="接口", **payload,
        units=[{"unit": "市生态环境局", "role": "lead"},
               {"unit": "各有关区县", "role": "responsible"}],
    )  # fmt: skip
    assert status == 422, body
    assert "各有关区县" in body["message"] and not Task.objects.filter(code="A-2").exists()
    status, body = api.post(
        "office", "/tasks", code="A-3", title="接口", **payload,
        units=[{"unit": "万州", "role": "lead"}],
    )  # fmt: skip
    assert status == 201 and body["units"][0]["unit_id"] == personas.unit_a.pk, body


def test_a_district_cannot_create_shares_or_choose_a_sheets_units(personas, client_as):
    campaign = make_campaign(personas.office)
    token = api_token_create(user=personas.district_a, name="t")[1]
    status, body = ClientApi({"a": token}).post(
        "a", "/tasks", campaign_id=campaign.pk, code="X-1", title="t", problem="p",
        deadline="2027-06-30", units=[{"unit": "各区县", "role": "responsible"}],
    )  # fmt: skip
    assert status == 403, body
    assert not Task.objects.exists()
    job = ImportJob.objects.create(
        campaign=campaign, created_by=personas.office, original_name="a.xlsx", sha256="0" * 64
    )
    client = client_as(personas.district_a)
    assert client.get(reverse("reports:import_job", args=[job.pk])).status_code == 403
    response = client.post(
        reverse("reports:import_again", args=[job.pk]),
        {"class_1": "各有关区县", "class_units_1": [personas.unit_a.pk]},
    )
    assert response.status_code == 403 and ImportJob.objects.count() == 1
