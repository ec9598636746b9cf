"""The import pages (upload → check → correct the mapping → import), background jobs, the Excel
downloads with their data scope, and the import API."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shanshui.ledger import services as ledger
from shanshui.ledger.models import Event, Task
from shanshui.ledger.scenarios import make_campaign, make_task
from shanshui.orgs.services import api_token_create
from shanshui.reports import services
from shanshui.reports.models import ImportJob, JobStatus
from shanshui.reports.tests import sheets
from shanshui.testing.http import ClientApi

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def campaign(personas):
    return make_campaign(personas.office)


def upload(data: bytes, name: str = "整改方案.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def test_upload_check_and_import_through_the_pages(personas, campaign, client_as):
    client = client_as(personas.office)
    assert client.get(reverse("reports:import")).status_code == 200
    response = client.post(
        reverse("reports:import"), {"campaign": campaign.pk, "file": upload(sheets.central_plan())}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{job.pk}/")
    assert job.dry_run and job.status == JobStatus.DONE and job.result["ok"]
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-checked"' in page and 'id="mapping-card"' in page
    assert Task.objects.count() == 0
    response = client.post(
        reverse("reports:import_again", args=[job.pk]), {"do": "import", "mapping": "{}"}
    )
    assert response.status_code == 302
    done = ImportJob.objects.latest("pk")
    assert not done.dry_run and done.result["ok"]
    assert Task.objects.filter(campaign=campaign).count() == 3
    assert 'id="import-done"' in client.get(response["Location"]).content.decode()


def test_import_needs_a_clean_check_with_the_same_mapping(personas, campaign, client_as):
    client = client_as(personas.office)
    client.post(
        reverse("reports:import"), {"campaign": campaign.pk, "file": upload(sheets.bad_sheet())}
    )
    job = ImportJob.objects.get()
    assert not job.result["ok"]
    page = client.get(reverse("reports:import_job", args=[job.pk])).content.decode()
    assert "火星区生态局" in page and 'id="import-errors"' in page
    response = client.post(reverse("reports:import_again", args=[job.pk]), {"do": "import"})
    assert response.status_code == 400
    assert Task.objects.count() == 0


def test_correcting_the_mapping_on_the_page(personas, campaign, client_as):
    client = client_as(personas.office)
    client.post(
        reverse("reports:import"), {"campaign": campaign.pk, "file": upload(sheets.odd_headers())}
    )
    job = ImportJob.objects.get()
    columns = {c["label"]: c["index"] for c in job.result["columns"]}
    form = {f"col_{c['index']}": c["field"] for c in job.result["columns"]}
    form[f"col_{columns['具体工作']}"] = "measures"
    form[f"col_{columns['单位']}"] = "lead"
    response = client.post(reverse("reports:import_again", args=[job.pk]), form)
    checked = ImportJob.objects.latest("pk")
    assert checked.dry_run and checked.result["ok"]
    assert checked.mapping[str(columns["具体工作"])] == "measures"
    response = client.post(
        reverse("reports:import_again", args=[checked.pk]),
        {"do": "import", "mapping": json.dumps(checked.mapping)},
    )
    assert response.status_code == 302
    task = Task.objects.get(campaign=campaign, code="1")
    assert task.measures.count() == 2


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"", "a.xlsx"), (b"%PDF-1.4 not a sheet", "a.xlsx"), (sheets.central_plan(), "plan.pdf")],
)
def test_bad_uploads_get_a_field_error(personas, campaign, client_as, data, name):
    client = client_as(personas.office)
    response = client.post(
        reverse("reports:import"), {"campaign": campaign.pk, "file": upload(data, name)}
    )
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_district_users_cannot_import(personas, campaign, client_as):
    services.import_job_create(
        actor=personas.office, campaign=campaign, upload=upload(sheets.central_plan())
    )
    job = ImportJob.objects.get()
    client = client_as(personas.district_a)
    assert client.get(reverse("reports:import")).status_code == 403
    assert client.get(reverse("reports:import_job", args=[job.pk])).status_code == 403
    assert (
        client.post(reverse("reports:import_again", args=[job.pk]), {"do": "import"}).status_code
        == 403
    )
    assert client.get(reverse("reports:import_progress", args=[job.pk])).status_code == 403
    assert Client().get(reverse("reports:import")).status_code == 302


def test_large_sheets_are_queued_as_a_background_task(
    personas, campaign, settings, client_as, django_capture_on_commit_callbacks
):
    settings.SHANSHUI_IMPORT_BACKGROUND_BYTES = 0  # everything in the background
    client = client_as(personas.office)
    with django_capture_on_commit_callbacks(execute=True):  # queued once the request commits
        response = client.post(
            reverse("reports:import"),
            {"campaign": campaign.pk, "file": upload(sheets.central_plan())},
        )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    # Tests run tasks at once (the immediate backend); the job records its task.
    assert job.task_id and job.status == JobStatus.DONE and job.result["ok"]
    done = client.get(reverse("reports:import_progress", args=[job.pk]))
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    # A job is claimed once: running it again does nothing.
    assert services.import_job_run(job.pk) is None


def _rows(response) -> list[tuple]:
    data = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return list(ws.iter_rows(min_row=3, values_only=True))


def test_exports_follow_the_ledger_filter_and_the_scope(personas, campaign, client_as):
    mine = make_task(personas.office, campaign, code="A-1", implementing=personas.unit_a)
    theirs = make_task(personas.office, campaign, code="B-1", implementing=personas.unit_b)
    for task in (mine, theirs):
        ledger.task_assign(actor=personas.office, task=task, expected_version=None)
    office = client_as(personas.office)
    response = office.get(reverse("reports:export_ledger"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert {r[1] for r in _rows(response)} == {"A-1", "B-1"}
    filtered = office.get(reverse("reports:export_ledger"), {"unit": personas.unit_b.pk})
    assert {r[1] for r in _rows(filtered)} == {"B-1"}
    district = client_as(personas.district_a)
    assert {r[1] for r in _rows(district.get(reverse("reports:export_ledger")))} == {"A-1"}
    shares = district.get(reverse("reports:export_shares"))
    assert {r[1] for r in _rows(shares)} == {"A-1"}
    assert (
        district.get(reverse("reports:export_shares"), {"unit": personas.unit_b.pk}).status_code
        == 404
    )
    notice = district.get(reverse("reports:export_notice"))
    assert _rows(notice) == []


def test_export_layout_frozen_header_dates_and_colours(personas, campaign, client_as):
    task = make_task(personas.office, campaign, code="A-1", implementing=personas.unit_a)
    ledger.task_assign(actor=personas.office, task=task, expected_version=None)
    response = client_as(personas.office).get(reverse("reports:export_ledger"))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.active
    assert ws.freeze_panes == "A3"
    headers = [c.value for c in ws[2]]
    assert headers[:4] == ["序号", "任务编号", "任务名称", "反馈问题"]
    deadline = ws.cell(row=3, column=headers.index("整改时限") + 1)
    assert deadline.is_date and deadline.value.date() == task.deadline
    assert ws.column_dimensions["D"].width == 48
    assert ws.cell(row=3, column=4).alignment.wrap_text


def test_the_import_api(personas, campaign):
    tokens = {
        n: api_token_create(user=getattr(personas, n), name="t")[1]
        for n in ("office", "district_a")
    }
    api = ClientApi(tokens)
    path = f"/campaigns/{campaign.pk}/ledger-import"
    files = [("file", "plan.xlsx", sheets.central_plan(), XLSX)]
    status, body = api.upload("office", path, {"dry_run": "true"}, files)
    assert status == 200 and body["ok"] and len(body["created"]) == 3
    assert Task.objects.count() == 0
    status, body = api.upload("district_a", path, {"dry_run": "false"}, files)
    assert status == 403
    status, body = api.upload("office", path, {"dry_run": "false"}, files)
    assert status == 200 and Task.objects.count() == 3
    events = Event.objects.count()
    status, body = api.upload("office", path, {"dry_run": "false"}, files)
    assert status == 200 and body["unchanged"] == 3 and Event.objects.count() == events
    bad = [("file", "bad.xlsx", sheets.bad_sheet(), XLSX)]
    status, body = api.upload("office", path, {"dry_run": "false"}, bad)
    assert status == 400 and {e["row"] for e in body["errors"]} >= {3, 4, 5, 7}
    status, body = api.upload("office", path, {"mapping": "[1,2]"}, files)
    assert status in (400, 422)
    assert Task.objects.count() == 3
