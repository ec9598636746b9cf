"""Tasks' sites (整改点位), evidence photos' capture time and place, and 整改一张图.

Photos are real JPEGs built in the tests with the EXIF a phone writes (shanshui.lib.tests.photos).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shanshui.ledger import photos, selectors, services, views_map
from shanshui.ledger.models import Event, EventKind, Evidence, Status, Task
from shanshui.ledger.scenarios import make_campaign, make_task, pdf_bytes, png_bytes
from shanshui.lib import geo
from shanshui.lib.tests.photos import photo_jpeg
from shanshui.orgs.services import api_token_create
from shanshui.reports import ledger_export, ledger_import
from shanshui.testing.http import ClientApi

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ordinary_day")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 万州区: the task's site, a photo a few metres away, one some 5 km away.
SITE = (30.8079, 108.3891)
NEAR = (30.8081, 108.3893)
FAR = (30.8530, 108.3891)


def jpeg(name: str = "现场.jpg", **exif) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, photo_jpeg(**exif), content_type="image/jpeg")


def add_evidence(client, task, *files):
    return client.post(
        reverse("ledger:action", args=[task.pk, "add_evidence"]), {"files": list(files)}
    )


def set_site(personas, task, address="万州区高笋塘街道滨江路 8 号", point=SITE) -> Task:
    return services.task_edit(
        actor=personas.office,
        task=task,
        expected_version=None,
        site_address=address,
        site_lat=point[0] if point else None,
        site_lon=point[1] if point else None,
    )


# --- photo facts: the pure rules ---------------------------------------------------------------

ASSIGNED = dt.datetime(2026, 3, 11, 10, 0, tzinfo=SHANGHAI)


def facts(**kwargs) -> photos.PhotoFacts:
    base = dict(
        taken_at=ASSIGNED + dt.timedelta(days=1),
        taken_lat=NEAR[0],
        taken_lon=NEAR[1],
        assigned_at=ASSIGNED,
        site_lat=SITE[0],
        site_lon=SITE[1],
    )
    base.update(kwargs)
    return photos.photo_facts(**base)


def test_a_photo_after_assignment_near_the_site_is_not_flagged():
    f = facts()
    assert not f.flagged and f.has_time and f.has_place
    assert f.distance_m == pytest.approx(geo.haversine_m(*NEAR, *SITE)) and f.distance_m < 50


def test_a_photo_taken_before_assignment_is_flagged():
    f = facts(taken_at=ASSIGNED - dt.timedelta(minutes=1))
    assert f.before_assignment and f.flagged and not f.far_from_site
    assert not facts(taken_at=ASSIGNED).before_assignment  # at the moment itself: fine


def test_a_photo_far_from_the_site_is_flagged_beyond_the_threshold():
    f = facts(taken_lat=FAR[0], taken_lon=FAR[1])
    assert f.far_from_site and f.distance_m > photos.FAR_FROM_SITE_M
    assert f.distance_m == pytest.approx(5000, rel=0.02)
    assert not facts(taken_lat=FAR[0], taken_lon=FAR[1], far_m=10_000).far_from_site


def test_no_facts_no_flags():
    no_site = facts(taken_lat=FAR[0], taken_lon=FAR[1], site_lat=None, site_lon=None)
    assert no_site.distance_m is None and not no_site.far_from_site
    no_place = facts(taken_lat=None, taken_lon=None)
    assert not no_place.has_place and no_place.distance_m is None and not no_place.flagged
    no_time = facts(taken_at=None)
    assert not no_time.has_time and not no_time.before_assignment
    draft = facts(taken_at=ASSIGNED - dt.timedelta(days=30), assigned_at=None)
    assert not draft.before_assignment


# --- upload: capture time and place stored with the original -----------------------------------


def test_capture_time_and_place_are_stored_on_upload(personas, task_in, client_as):
    task = task_in(Status.IN_PROGRESS)
    response = add_evidence(
        client_as(personas.district_a),
        task,
        jpeg(taken="2026:03:11 09:15:30", lat=NEAR[0], lon=NEAR[1]),
        jpeg("带时区.jpg", taken="2026:03:11 09:15:30", offset="+00:00"),
        SimpleUploadedFile("报告.pdf", pdf_bytes(), content_type="application/pdf"),
        SimpleUploadedFile("截图.png", png_bytes(), content_type="image/png"),
    )
    assert response.status_code == 302
    by_name = {e.original_name: e for e in Evidence.objects.filter(task=task)}
    photo = by_name["现场.jpg"]
    assert photo.taken_at == dt.datetime(2026, 3, 11, 1, 15, 30, tzinfo=dt.UTC)
    assert photo.taken_lat == pytest.approx(NEAR[0], abs=1e-6)
    assert photo.taken_lon == pytest.approx(NEAR[1], abs=1e-6)
    assert by_name["带时区.jpg"].taken_at == dt.datetime(2026, 3, 11, 9, 15, 30, tzinfo=dt.UTC)
    assert by_name["带时区.jpg"].taken_lat is None
    for name in ("报告.pdf", "截图.png"):
        assert (by_name[name].taken_at, by_name[name].taken_lat) == (None, None)
    # The original is kept whole (internal, scope-checked): its metadata is the proof.
    stored = photo.file.open("rb").read()
    assert stored == photo_jpeg(taken="2026:03:11 09:15:30", lat=NEAR[0], lon=NEAR[1])


def test_the_task_page_shows_time_place_and_flags(personas, task_in, client_as):
    task = set_site(personas, task_in(Status.IN_PROGRESS))
    client = client_as(personas.district_a)
    add_evidence(
        client,
        task,
        jpeg("整改前.jpg", taken="2026:03:01 08:00:00", lat=NEAR[0], lon=NEAR[1]),
        jpeg("别处.jpg", taken="2026:03:11 10:30:00", lat=FAR[0], lon=FAR[1]),
        jpeg("现场.jpg", taken="2026:03:11 10:40:00", lat=NEAR[0], lon=NEAR[1]),
        SimpleUploadedFile("无信息.png", png_bytes(), content_type="image/png"),
    )
    page = client.get(reverse("ledger:task", args=[task.pk])).content.decode()
    evidence = page[page.index('id="evidence"') :]
    items = {
        name: evidence[
            evidence.index(name) : evidence.index("list-group-item", evidence.index(name))
        ]
        for name in ("整改前.jpg", "别处.jpg", "现场.jpg")
    }
    assert "2026-03-01 08:00" in items["整改前.jpg"]
    assert 'data-photo-flag="before_assignment"' in items["整改前.jpg"]
    assert "拍摄早于交办" in items["整改前.jpg"]
    assert 'data-photo-flag="far_from_site"' in items["别处.jpg"]
    assert "5.0 公里" in items["别处.jpg"] and "超过 1 公里" in items["别处.jpg"]
    assert "data-photo-flag" not in items["现场.jpg"]
    assert "30.80810, 108.38930" in items["现场.jpg"]
    tail = evidence[evidence.index("无信息.png") :]
    assert "文件中没有拍摄时间" in tail and "文件中没有位置信息" in tail


def test_without_a_site_a_distant_photo_is_not_flagged(personas, task_in, client_as):
    task = task_in(Status.IN_PROGRESS)
    client = client_as(personas.district_a)
    add_evidence(client, task, jpeg(taken="2026:03:11 10:30:00", lat=FAR[0], lon=FAR[1]))
    page = client.get(reverse("ledger:task", args=[task.pk])).content.decode()
    assert "data-photo-flag" not in page and "公里" not in page


# --- the site in the forms ---------------------------------------------------------------------


def new_task_data(personas, campaign, **extra) -> dict:
    return {
        "campaign": campaign.pk,
        "code": "S-1",
        "title": "滨江路排口整治",
        "problem": "排口直排",
        "categories": ["water"],
        "deadline_kind": "dated",
        "deadline": "2027-06-30",
        "lead": personas.unit_department.pk,
        "implementing": [personas.unit_a.pk],
        **extra,
    }


def test_the_new_task_form_takes_a_site(personas, client_as):
    campaign = make_campaign(personas.office)
    client = client_as(personas.office)
    page = client.get(reverse("ledger:new")).content.decode()
    assert "data-map-picker" in page and 'data-lat="site_lat"' in page and "js/maps.js" in page
    response = client.post(
        reverse("ledger:new"),
        new_task_data(
            personas,
            campaign,
            site_address=" 万州区  滨江路 8 号 ",
            site_lat="30.8079",
            site_lon="108.3891",
            site_coord_system="wgs84",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    task = Task.objects.get(code="S-1")
    assert (task.site_address, task.site_lat, task.site_lon) == ("万州区 滨江路 8 号", *SITE)


def test_a_point_picked_on_gcj02_tiles_is_stored_as_wgs84(personas, client_as):
    campaign = make_campaign(personas.office)
    gcj = geo.wgs84_to_gcj02(*SITE)
    response = client_as(personas.office).post(
        reverse("ledger:new"),
        new_task_data(
            personas,
            campaign,
            site_lat=f"{gcj[0]:.7f}",
            site_lon=f"{gcj[1]:.7f}",
            site_coord_system="gcj02",
        ),
    )
    assert response.status_code == 302
    task = Task.objects.get(code="S-1")
    assert geo.haversine_m(task.site_lat, task.site_lon, *SITE) < 0.1


@pytest.mark.parametrize(
    ("lat", "lon", "field", "message"),
    [
        ("30.8079", "", "site_lon", "请同时填写点位的纬度和经度"),
        ("", "108.3891", "site_lat", "请同时填写点位的纬度和经度"),
        ("北纬30度", "108.3891", "site_lat", "纬度必须是数字"),
        ("95", "108.3891", "site_lat", "纬度必须在 -90 到 90 之间"),
        ("39.9087", "116.3975", "site_lat", "点位不在重庆市范围内"),
    ],
)
def test_a_bad_site_is_refused_field_by_field(personas, client_as, lat, lon, field, message):
    campaign = make_campaign(personas.office)
    response = client_as(personas.office).post(
        reverse("ledger:new"), new_task_data(personas, campaign, site_lat=lat, site_lon=lon)
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    assert not Task.objects.filter(code="S-1").exists()


def test_the_edit_form_changes_the_site_and_the_timeline_says_so(personas, task_in, client_as):
    task = task_in(Status.IN_PROGRESS)
    client = client_as(personas.office)
    form = client.get(reverse("ledger:action_form", args=[task.pk, "edit"])).content.decode()
    assert "data-map-picker" in form and 'name="site_address"' in form
    data = {
        "version": task.version,
        "title": task.title,
        "problem": task.problem,
        "target": task.target,
        "is_public": "on",
        "measures": "\n".join(task.measures.values_list("text", flat=True)),
        "lead": personas.unit_department.pk,
        "implementing": [personas.unit_a.pk],
        "accepting": personas.unit_office.pk,
        "site_address": "滨江路 8 号",
        "site_lat": "30.8079",
        "site_lon": "108.3891",
    }
    response = client.post(reverse("ledger:action", args=[task.pk, "edit"]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    task.refresh_from_db()
    assert (task.site_address, task.site_lat, task.site_lon) == ("滨江路 8 号", *SITE)
    edit = task.events.filter(kind=EventKind.EDITED).order_by("-pk").first()
    lines = selectors.with_changes([edit])[0].changes
    assert ("整改点位", "—", "滨江路 8 号") in lines
    assert ("点位纬度", "—", "30.8079") in lines
    page = client.get(reverse("ledger:task", args=[task.pk])).content.decode()
    assert "滨江路 8 号" in page and "30.80790, 108.38910" in page
    # The edit form shows the stored point again, and saving it unchanged changes nothing.
    form = client.get(reverse("ledger:action_form", args=[task.pk, "edit"])).content.decode()
    assert 'value="30.8079"' in form and 'value="108.3891"' in form
    events = task.events.count()
    data["version"] = task.version
    client.post(reverse("ledger:action", args=[task.pk, "edit"]), data)
    assert task.events.count() == events


def test_the_service_refuses_half_a_point_whatever_the_path(personas, task_in):
    task = task_in(Status.DRAFT)
    with pytest.raises(services.ValidationError) as exc:
        services.task_edit(actor=personas.office, task=task, expected_version=None, site_lat=30.8)
    assert "site_lat" in exc.value.message_dict


# --- the API -------------------------------------------------------------------------------


@pytest.fixture
def api(personas):
    names = ("office", "district_a", "district_b")
    return ClientApi({n: api_token_create(user=getattr(personas, n), name="t")[1] for n in names})


def test_the_api_creates_edits_and_shows_the_site(personas, api):
    campaign = make_campaign(personas.office)
    status, body = api.post(
        "office", "/tasks", campaign_id=campaign.pk, code="A-S", title="接口点位", problem="描述",
        deadline="2027-06-30", site_address="滨江路", site_lat=SITE[0], site_lon=SITE[1],
        units=[{"unit_id": personas.unit_a.pk, "role": "implementing"}],
    )  # fmt: skip
    assert status == 201, body
    assert (body["site_address"], body["site_lat"], body["site_lon"]) == ("滨江路", *SITE)
    status, body = api.post("office", f"/tasks/{body['id']}/edit", site_lat=30.9, site_lon=108.4)
    assert status == 200, body
    task = Task.objects.get(code="A-S")
    assert (task.site_lat, task.site_lon) == (30.9, 108.4)
    status, body = api.post("office", f"/tasks/{task.pk}/edit", site_lat=39.9, site_lon=116.4)
    assert status == 400 and "重庆" in json.dumps(body, ensure_ascii=False), body
    status, body = api.post("office", f"/tasks/{task.pk}/edit", site_lat=None, site_lon=None)
    assert status == 200
    task.refresh_from_db()
    assert (task.site_lat, task.site_lon) == (None, None)
    status, body = api.get("district_b", f"/tasks/{task.pk}")
    assert status == 404


def test_the_api_gives_a_photos_capture_time_and_place(personas, api, task_in):
    task = task_in(Status.IN_PROGRESS)
    data = photo_jpeg(taken="2026:03:11 09:15:30", lat=NEAR[0], lon=NEAR[1])
    status, body = api.upload(
        "district_a", f"/tasks/{task.pk}/evidence", {}, [("files", "现场.jpg", data, "image/jpeg")]
    )
    assert status == 201, body
    (item,) = body
    assert dt.datetime.fromisoformat(item["taken_at"]) == dt.datetime(
        2026, 3, 11, 1, 15, 30, tzinfo=dt.UTC
    )
    assert item["taken_lat"] == pytest.approx(NEAR[0]) and item["taken_lon"] == pytest.approx(
        NEAR[1]
    )


def test_the_api_refuses_half_a_point(personas, api):
    campaign = make_campaign(personas.office)
    status, body = api.post(
        "office", "/tasks", campaign_id=campaign.pk, code="A-H", title="半个点位", problem="描述",
        deadline="2027-06-30", site_lat=SITE[0],
        units=[{"unit_id": personas.unit_a.pk, "role": "implementing"}],
    )  # fmt: skip
    assert status == 400 and "纬度和经度" in json.dumps(body, ensure_ascii=False), body
    assert not Task.objects.filter(code="A-H").exists()


# --- import and export ---------------------------------------------------------------------


def sheet(header: list[str], rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["整改台账"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(personas, campaign, data: bytes, dry_run: bool = False):
    return ledger_import.run_import(
        actor=personas.office, campaign=campaign, fileobj=io.BytesIO(data), dry_run=dry_run
    )


BASE = ["序号", "反馈问题", "整改措施", "牵头单位", "整改实施主体", "整改时限"]


def row(n: int, *site) -> list:
    return [n, f"问题{n}", "1.查明来源", "市生态环境局", "万州区", "2027年6月底前", *site]


def test_import_reads_longitude_and_latitude_columns(personas):
    campaign = make_campaign(personas.office)
    data = sheet([*BASE, "整改点位", "经度", "纬度"], [row(1, "滨江路 8 号", 108.3891, 30.8079)])
    result = run(personas, campaign, data)
    assert result.ok, result.errors
    task = Task.objects.get(campaign=campaign, code="1")
    assert (task.site_address, task.site_lat, task.site_lon) == ("滨江路 8 号", *SITE)


@pytest.mark.parametrize("cell", ["108.3891,30.8079", "108.3891，30.8079", "30.8079, 108.3891"])
def test_import_reads_one_coordinates_column(personas, cell):
    campaign = make_campaign(personas.office)
    result = run(personas, campaign, sheet([*BASE, "地址", "经纬度"], [row(1, "滨江路", cell)]))
    assert result.ok, result.errors
    task = Task.objects.get(campaign=campaign, code="1")
    assert (task.site_address, task.site_lat, task.site_lon) == ("滨江路", *SITE)


@pytest.mark.parametrize(
    ("header", "cells", "column", "message"),
    [
        (["经度", "纬度"], [108.3891, None], "纬度", "纬度和经度"),
        (["经纬度"], ["东经108度"], "经纬度", "两个数字"),
        (["经纬度"], ["116.3975,39.9087"], "经纬度", "重庆"),
    ],
)
def test_import_reports_a_bad_site_in_its_row(personas, header, cells, column, message):
    campaign = make_campaign(personas.office)
    result = run(personas, campaign, sheet([*BASE, *header], [row(1, *cells)]))
    assert not result.ok
    (error,) = result.errors
    assert (error.row, error.column) == (3, column) and message in error.message
    assert not Task.objects.filter(campaign=campaign).exists()


def test_a_sheet_without_site_columns_keeps_the_sites(personas):
    campaign = make_campaign(personas.office)
    assert run(personas, campaign, sheet([*BASE, "经纬度"], [row(1, "108.3891,30.8079")])).ok
    result = run(personas, campaign, sheet(BASE, [row(1)]))
    assert result.ok and result.unchanged == 1, (result.errors, result.changed)
    task = Task.objects.get(campaign=campaign, code="1")
    assert (task.site_lat, task.site_lon) == SITE
    # A changed point in a sheet is an edit, named in the dry run.
    moved = run(personas, campaign, sheet([*BASE, "经纬度"], [row(1, "108.39,30.81")]), True)
    assert moved.ok and moved.changed == [{"row": 3, "code": "1", "what": ["纬度", "经度"]}]


def test_sites_survive_export_and_import_from_every_way_in(personas, client_as, api):
    campaign = make_campaign(personas.office)
    # The form, a point picked on GCJ-02 tiles (converted, full of decimals).
    gcj = geo.wgs84_to_gcj02(30.80812345, 108.38912345)
    response = client_as(personas.office).post(
        reverse("ledger:new"),
        new_task_data(
            personas, campaign, code="F-1", site_address="表单点位",
            site_lat=f"{gcj[0]:.6f}", site_lon=f"{gcj[1]:.6f}", site_coord_system="gcj02",
        ),
    )  # fmt: skip
    assert response.status_code == 302
    # The API, full float precision.
    status, body = api.post(
        "office", "/tasks", campaign_id=campaign.pk, code="A-1", title="接口", problem="描述",
        deadline="2027-06-30", site_address="接口点位", site_lat=30.123456789012,
        site_lon=107.98765432101, units=[{"unit_id": personas.unit_a.pk, "role": "implementing"}],
    )  # fmt: skip
    assert status == 201, body
    # An import, and a task with an address only, and one without any site.
    data = sheet(
        [*BASE, "整改点位", "经纬度"],
        [row(7, "导入点位", "106.5516,29.5630"), row(8, "只有地址", "")],
    )
    assert run(personas, campaign, data).ok
    make_task(personas.office, campaign, code="N-1", implementing=personas.unit_a)

    tasks = Task.objects.filter(campaign=campaign).order_by("code")
    before = {t.code: (t.version, t.site_address, t.site_lat, t.site_lon) for t in tasks}
    assert before["8"][1:] == ("只有地址", None, None) and before["N-1"][1:] == ("", None, None)
    events = Event.objects.count()
    exported = ledger_export.write_ledger(tasks, heading="整改台账").read()
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(exported)).active[2]]
    assert {"整改点位", "经度", "纬度"} <= set(header)
    result = run(personas, campaign, exported)
    assert result.ok, result.errors
    assert (len(result.created), len(result.changed), result.unchanged) == (0, 0, len(before))
    after = {t.code: (t.version, t.site_address, t.site_lat, t.site_lon) for t in tasks}
    assert after == before
    assert Event.objects.count() == events


# --- 整改一张图 --------------------------------------------------------------------------------


def points(client, **query) -> dict:
    response = client.get(reverse("ledger:map_points"), query)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return response.json()


@pytest.fixture
def mapped(personas):
    """Tasks of 万州区 (two with a site, one without) and one of 渝中区 with a site."""
    campaign = make_campaign(personas.office)
    a1 = make_task(personas.office, campaign, code="WZ-1", implementing=personas.unit_a)
    a2 = make_task(personas.office, campaign, code="WZ-2", implementing=personas.unit_a)
    make_task(personas.office, campaign, code="WZ-3", implementing=personas.unit_a)
    b1 = make_task(personas.office, campaign, code="YZ-1", implementing=personas.unit_b)
    for task, point in ((a1, SITE), (a2, NEAR), (b1, (29.5576, 106.5770))):
        set_site(personas, task, point=point)
        services.task_assign(actor=personas.office, task=task, expected_version=None)
    services.task_assign(
        actor=personas.office, task=Task.objects.get(code="WZ-3"), expected_version=None
    )
    Task.objects.filter(code="WZ-1").update(warning="red")
    return campaign


def test_the_map_shows_only_the_users_tasks_with_their_colours(personas, client_as, mapped):
    office = points(client_as(personas.office))
    assert sorted(p[1] for p in office["points"]) == ["WZ-1", "WZ-2", "YZ-1"]
    assert (office["with_site"], office["without_site"]) == (3, 1)
    first = office["points"][0]  # worst first
    assert first[1] == "WZ-1" and first[4] == "red" and first[6:] == list(SITE)
    assert office["statuses"]["assigned"] and office["warnings"]["red"]

    wanzhou = points(client_as(personas.district_a))
    assert sorted(p[1] for p in wanzhou["points"]) == ["WZ-1", "WZ-2"]
    assert wanzhou["without_site"] == 1
    yuzhong = points(client_as(personas.district_b))
    assert [p[1] for p in yuzhong["points"]] == ["YZ-1"]
    assert yuzhong["without_site"] == 0
    # A filter naming another district's unit finds nothing of it.
    assert points(client_as(personas.district_b), unit=personas.unit_a.pk)["points"] == []


def test_the_map_takes_the_ledger_filters(personas, client_as, mapped):
    client = client_as(personas.office)
    red = points(client, warning="red")
    assert [p[1] for p in red["points"]] == ["WZ-1"] and red["without_site"] == 0
    search = points(client, q="yz-1")
    assert [p[1] for p in search["points"]] == ["YZ-1"]
    # A filter that does not validate filters nothing, as on the list.
    assert len(points(client, campaign=mapped.pk + 1000)["points"]) == 3


def test_the_map_is_capped_with_the_most_urgent_first(personas, client_as, mapped, monkeypatch):
    monkeypatch.setattr(views_map, "MAP_POINT_CAP", 1)
    data = points(client_as(personas.office))
    assert [p[1] for p in data["points"]] == ["WZ-1"]
    assert (data["with_site"], data["cap"]) == (3, 1)


def test_the_map_needs_a_login_and_escapes_nothing_into_html(personas, client, mapped):
    response = client.get(reverse("ledger:map_points"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(reverse("ledger:map")).status_code == 302


def test_the_map_page_and_the_link_from_the_list(personas, client_as, mapped):
    client = client_as(personas.district_a)
    listing = client.get(reverse("ledger:list"), {"warning": "red"}).content.decode()
    assert f"{reverse('ledger:map')}?warning=red" in listing
    page = client.get(reverse("ledger:map"), {"warning": "red"}).content.decode()
    assert f'data-points="{reverse("ledger:map_points")}?warning=red"' in page
    assert "js/ledger-map.js" in page and 'id="ledger-filter"' in page
    # The tiles come from the one configuration every map uses.
    from shanshui.lib import maps

    assert f'data-tiles="{maps.tile_settings()["tiles"]}"' in page.replace("&amp;", "&")


def test_map_points_reads_plain_values_in_a_few_queries(
    personas, mapped, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        rows, with_site, without = selectors.map_points(personas.office, cap=100)
    assert (len(rows), with_site, without) == (3, 3, 1)
