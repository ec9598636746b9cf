"""Large imports and bulletins on the database queue: run by the worker, and failed visibly
(never waiting for ever) when the worker dies in the middle."""

from __future__ import annotations

import datetime as dt
import signal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shanshui.jobs import services as jobs
from shanshui.jobs.models import WorkerHeartbeat
from shanshui.ledger import services as ledger
from shanshui.ledger.models import Task
from shanshui.ledger.scenarios import make_campaign, make_task
from shanshui.orgs.models import AuditEntry
from shanshui.reports import services
from shanshui.reports.figures import Period
from shanshui.reports.models import Bulletin, BulletinRequest, ImportJob, JobStatus
from shanshui.reports.tests import sheets

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def queued(settings):
    """The database queue, and every sheet large enough to go to it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SHANSHUI_IMPORT_BACKGROUND_BYTES = 0
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield settings
    for sig, handler in saved.items():  # the worker installs its own
        signal.signal(sig, handler)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A request as the server makes it: what its transaction left for after the commit runs
    when it ends (a test's own transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _post(client, campaign, committed):
    data = SimpleUploadedFile("整改方案.xlsx", sheets.central_plan(), content_type=XLSX)
    with committed():
        response = client.post(reverse("reports:import"), {"campaign": campaign.pk, "file": data})
    assert response.status_code == 302
    return ImportJob.objects.latest("pk")


@pytest.mark.django_db(transaction=True)
def test_a_large_import_waits_for_the_worker_and_the_worker_runs_it(
    personas, client_as, queued, committed
):
    campaign = make_campaign(personas.office)
    client = client_as(personas.office)
    job = _post(client, campaign, committed)
    assert job.status == JobStatus.PENDING and job.task_id
    page = client.get(reverse("reports:import_job", args=[job.pk])).content.decode()
    assert "已交给后台进程处理" in page
    assert client.get(reverse("reports:import_progress", args=[job.pk])).status_code == 200

    call_command("run_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result["ok"]
    assert DBTaskResult.objects.get(pk=job.task_id).status == TaskResultStatus.SUCCESSFUL
    done = client.get(reverse("reports:import_progress", args=[job.pk]))
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_an_import_whose_worker_was_killed_shows_failed_and_stops_polling(
    personas, client_as, queued, committed
):
    campaign = make_campaign(personas.office)
    client = client_as(personas.office)
    checked = _post(client, campaign, committed)
    # A worker took the check and was killed in the middle: its rows say running, its
    # heartbeat stopped five minutes ago.
    started = timezone.now() - dt.timedelta(minutes=6)
    WorkerHeartbeat.objects.create(
        worker_id="killed", host="app1", pid=1, started_at=started, last_seen=started
    )
    DBTaskResult.objects.filter(pk=checked.task_id).update(
        status=TaskResultStatus.RUNNING, worker_ids=["killed"], started_at=started
    )
    ImportJob.objects.filter(pk=checked.pk).update(status=JobStatus.RUNNING, started_at=started)
    progress = reverse("reports:import_progress", args=[checked.pk])
    assert client.get(progress).status_code == 200  # still running, as far as anyone knows

    assert jobs.reap_lost_tasks() == 1  # the next worker, or the schedule, notices
    stopped = client.get(progress)
    assert stopped.status_code == 204 and stopped["HX-Refresh"] == "true"
    checked.refresh_from_db()
    assert checked.status == JobStatus.FAILED and checked.finished_at is not None
    page = client.get(reverse("reports:import_job", args=[checked.pk])).content.decode()
    assert "后台进程在运行中停止" in page and "未写入任何数据" in page
    assert not Task.objects.filter(campaign=campaign).exists()


# --- bulletins -------------------------------------------------------------------------------


def _order(client, personas, campaign, committed):
    task = make_task(personas.office, campaign, code="A-1", implementing=personas.unit_a)
    ledger.task_assign(actor=personas.office, task=task, expected_version=None)
    today = timezone.localdate()
    query = {
        "campaign": campaign.pk,
        "period_start": (today - dt.timedelta(days=7)).isoformat(),
        "period_end": today.isoformat(),
    }
    with committed():
        response = client.post(reverse("reports:bulletin_new"), query)
    order = BulletinRequest.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:bulletin_request", args=[order.pk])
    return order


@pytest.mark.django_db(transaction=True)
def test_a_bulletin_is_issued_by_the_worker_and_the_page_moves_on(
    personas, client_as, queued, committed
):
    campaign = make_campaign(personas.office)
    client = client_as(personas.office)
    order = _order(client, personas, campaign, committed)
    url = reverse("reports:bulletin_request", args=[order.pk])
    page = client.get(url).content.decode()
    assert "正在印发通报" in page and "已交给后台进程处理" in page
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    assert not Bulletin.objects.exists()
    # Other users do not see the request.
    assert client_as(personas.district_a).get(url).status_code == 404

    call_command("run_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    bulletin = Bulletin.objects.get()
    polled = client.get(url, headers={"HX-Request": "true"})
    detail = reverse("reports:bulletin_detail", args=[bulletin.pk])
    assert polled.status_code == 204 and polled["HX-Redirect"] == detail
    assert client.get(url)["Location"] == detail
    order.refresh_from_db()
    assert order.status == JobStatus.DONE and order.bulletin == bulletin


@pytest.mark.django_db
def test_a_bulletin_whose_worker_was_killed_shows_failed(personas, client_as, queued, committed):
    campaign = make_campaign(personas.office)
    client = client_as(personas.office)
    order = _order(client, personas, campaign, committed)
    started = timezone.now() - dt.timedelta(minutes=6)
    WorkerHeartbeat.objects.create(
        worker_id="killed", host="app2", pid=2, started_at=started, last_seen=started
    )
    DBTaskResult.objects.filter(pk=order.task_id).update(
        status=TaskResultStatus.RUNNING, worker_ids=["killed"], started_at=started
    )
    BulletinRequest.objects.filter(pk=order.pk).update(status=JobStatus.RUNNING)
    url = reverse("reports:bulletin_request", args=[order.pk])
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 200

    assert jobs.reap_lost_tasks() == 1
    polled = client.get(url, headers={"HX-Request": "true"})
    assert polled.status_code == 204 and polled["HX-Refresh"] == "true"
    page = client.get(url).content.decode()
    assert "通报未印发" in page and "后台进程在生成过程中停止" in page
    assert "返回预览" in page
    assert not Bulletin.objects.exists()


# --- queued after the commit -----------------------------------------------------------------


def _period():
    today = timezone.localdate()
    return Period(today - dt.timedelta(days=7), today)


@pytest.mark.django_db
def test_a_rolled_back_request_queues_nothing(personas, queued, django_capture_on_commit_callbacks):
    campaign = make_campaign(personas.office)
    upload = SimpleUploadedFile("整改方案.xlsx", sheets.central_plan(), content_type=XLSX)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.import_job_create(actor=personas.office, campaign=campaign, upload=upload)
        services.bulletin_request(actor=personas.office, campaign=campaign, period=_period())
        raise RuntimeError("the request failed later")
    assert callbacks == []
    assert not DBTaskResult.objects.exists()
    assert not ImportJob.objects.exists() and not BulletinRequest.objects.exists()


@pytest.mark.django_db
def test_the_task_is_queued_only_once_the_rows_are_committed(
    personas, queued, django_capture_on_commit_callbacks
):
    campaign = make_campaign(personas.office)
    upload = SimpleUploadedFile("整改方案.xlsx", sheets.central_plan(), content_type=XLSX)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.import_job_create(actor=personas.office, campaign=campaign, upload=upload)
        order = services.bulletin_request(
            actor=personas.office, campaign=campaign, period=_period()
        )
    # Not committed yet: no task a worker could pick up before the rows exist for it.
    assert len(callbacks) == 2 and not DBTaskResult.objects.exists()
    assert job.task_id == "" and order.task_id == ""
    for callback in callbacks:  # the commit
        callback()
    job.refresh_from_db()
    order.refresh_from_db()
    assert DBTaskResult.objects.get(pk=job.task_id).args_kwargs["kwargs"] == {"job_id": job.pk}
    assert DBTaskResult.objects.get(pk=order.task_id).args_kwargs["kwargs"] == {
        "request_id": order.pk
    }


@pytest.mark.django_db
def test_only_the_office_orders_a_bulletin_and_the_order_is_audited(
    personas, django_capture_on_commit_callbacks
):
    campaign = make_campaign(personas.office)
    for user in (personas.district_a, personas.department, personas.citizen):
        with pytest.raises(PermissionDenied, match="只有督察整改办可以印发通报"):
            services.bulletin_request(actor=user, campaign=campaign, period=_period())
    assert not BulletinRequest.objects.exists()
    assert not AuditEntry.objects.filter(action="bulletin.request").exists()

    with django_capture_on_commit_callbacks(execute=True):
        order = services.bulletin_request(
            actor=personas.office, campaign=campaign, period=_period()
        )
    entry = AuditEntry.objects.get(action="bulletin.request")
    assert entry.actor == personas.office and entry.object_id == str(order.pk)
    assert entry.data["campaign"] == campaign.pk
    order.refresh_from_db()
    assert order.status == JobStatus.DONE  # the immediate backend issued it at the commit
    assert AuditEntry.objects.filter(action="bulletin.issue").count() == 1


@pytest.mark.django_db
def test_an_order_never_queued_is_failed_after_a_while(personas, client_as):
    """The queue failed after the commit (logged): the request is not left waiting for ever."""
    campaign = make_campaign(personas.office)
    today = timezone.localdate()
    order = BulletinRequest.objects.create(
        campaign=campaign,
        period_start=today,
        period_end=today,
        language="zh-hans",
        created_by=personas.office,
    )
    url = reverse("reports:bulletin_request", args=[order.pk])
    client = client_as(personas.office)
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 200  # just made
    BulletinRequest.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - jobs.UNQUEUED_AFTER - dt.timedelta(minutes=1)
    )
    polled = client.get(url, headers={"HX-Request": "true"})
    assert polled.status_code == 204 and polled["HX-Refresh"] == "true"
    order.refresh_from_db()
    assert order.status == JobStatus.FAILED and order.finished_at is not None
    assert "内部错误" in order.errors[0]
