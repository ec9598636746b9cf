"""Evidence on S3-compatible object storage (moto's server on loopback): stored in the bucket,
served only through the scoped views, and a store that cannot be reached loses nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shanshui.ledger import services
from shanshui.ledger.models import Event, Evidence, ProgressReport, Status
from shanshui.ledger.scenarios import pdf_bytes, png_bytes
from shanshui.lib import mediastore
from shanshui.testing.objectstore import free_port, media_storage

pytestmark = pytest.mark.django_db

UNAVAILABLE = "文件存储暂时无法访问"


def upload(client, task, files):
    return client.post(
        reverse("ledger:action", args=[task.pk, "add_evidence"]),
        {"files": files, "comment": "补充"},
    )


def test_it_stores_evidence_in_the_bucket_and_serves_it_only_in_scope(
    personas, task_in, client_as, s3_media, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # nothing may land on this machine's disk
    task = task_in(Status.IN_PROGRESS)
    content = png_bytes()
    response = upload(
        client_as(personas.district_a),
        task,
        [SimpleUploadedFile("现场.png", content, content_type="image/png")],
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(task=task)
    assert s3_media.keys() == [evidence.file.name]
    assert s3_media.read(evidence.file.name) == content
    assert not any(tmp_path.iterdir())

    url = reverse("ledger:evidence", args=[evidence.pk])
    response = client_as(personas.district_a_staff).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Cache-Control"] == "private, no-store"
    api = client_as(personas.department).get(f"/api/v1/evidence/{evidence.pk}")
    assert api.status_code == 200 and b"".join(api.streaming_content) == content
    for outsider in (personas.district_b, personas.citizen):
        assert client_as(outsider).get(url).status_code == 404
        assert client_as(outsider).get(f"/api/v1/evidence/{evidence.pk}").status_code == 404


def test_the_same_content_is_stored_once(personas, task_in, s3_media):
    task = task_in(Status.IN_PROGRESS)
    for name in ("a.pdf", "b.pdf"):
        services.evidence_add(
            actor=personas.district_a,
            task=task,
            files=[SimpleUploadedFile(name, pdf_bytes("同一份材料"))],
        )
    assert Evidence.objects.filter(task=task).count() == 2
    assert len(s3_media.keys()) == 1


@pytest.fixture
def unreachable_store(settings):
    """A store whose endpoint nobody listens on (a port just freed on loopback)."""
    endpoint = f"http://127.0.0.1:{free_port()}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage(endpoint, "gone", timeout_s=1),
    }


def test_an_unreachable_store_gives_a_clear_message_and_keeps_no_record(
    personas, task_in, client_as, unreachable_store
):
    task = task_in(Status.IN_PROGRESS)
    events = Event.objects.filter(task=task).count()
    response = upload(
        client_as(personas.district_a),
        task,
        [SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png")],
    )
    assert response.status_code == 400
    assert UNAVAILABLE in response.content.decode()
    assert not Evidence.objects.filter(task=task).exists()
    assert Event.objects.filter(task=task).count() == events


def test_an_unreachable_store_rolls_back_the_whole_report(personas, task_in, unreachable_store):
    task = task_in(Status.IN_PROGRESS)
    with pytest.raises(Exception) as caught:
        services.task_report(
            actor=personas.district_a,
            task=task,
            expected_version=None,
            text="现场已整治",
            percent=30,
            files=[SimpleUploadedFile("a.pdf", pdf_bytes())],
        )
    assert UNAVAILABLE in str(caught.value.messages)
    assert not ProgressReport.objects.filter(task=task).exists()
    assert not Evidence.objects.filter(task=task).exists()
    task.refresh_from_db()
    assert task.progress != 30


def test_a_download_while_the_store_is_unreachable_is_a_clear_503(
    personas, task_in, client_as, s3_media, settings
):
    task = task_in(Status.IN_PROGRESS)
    (evidence,) = services.evidence_add(
        actor=personas.district_a, task=task, files=[SimpleUploadedFile("a.pdf", pdf_bytes())]
    )
    endpoint = f"http://127.0.0.1:{free_port()}"  # the store goes away
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage(endpoint, s3_media.name, timeout_s=1),
    }
    response = client_as(personas.district_a).get(reverse("ledger:evidence", args=[evidence.pk]))
    assert response.status_code == 503
    assert "文件存储暂时无法访问" in response.content.decode()
    assert response["Retry-After"] == "60"
    # Outside the scope it is still 404: the check comes before the store is asked.
    outsider = client_as(personas.district_b).get(reverse("ledger:evidence", args=[evidence.pk]))
    assert outsider.status_code == 404


def test_ping_tells_whether_the_store_answers(s3_media, settings):
    assert mediastore.ping()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage(f"http://127.0.0.1:{free_port()}", "gone", timeout_s=1),
    }
    assert not mediastore.ping()
