"""Evidence files: checked by content, stored by hash, served only through the scoped chain."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from shanshui.ledger import services
from shanshui.ledger.models import Evidence, Status
from shanshui.ledger.scenarios import pdf_bytes, photo, png_bytes

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client, task, files):
    return client.post(
        reverse("ledger:action", args=[task.pk, "add_evidence"]),
        {"files": files, "comment": "补充"},
    )


def test_it_stores_by_content_hash_and_keeps_the_name_for_display(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    name = "../../etc/passwd 现场照片.png"
    response = upload(
        client_for(personas.district_a),
        task,
        [SimpleUploadedFile(name, png_bytes(), content_type="image/png")],
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(task=task, report=None)
    assert evidence.original_name == "passwd 现场照片.png"
    assert evidence.file.name == f"evidence/{evidence.sha256[:2]}/{evidence.sha256}.png"
    assert ".." not in evidence.file.name and evidence.content_type == "image/png"
    assert evidence.size == len(png_bytes())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "不是允许的文件类型"),
        ("report.pdf", png_bytes(), "扩展名与实际内容不符"),
        ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, "不是允许的文件类型"),
        ("empty.pdf", b"", "上传的文件是空的"),
    ],
)
def test_it_refuses_files_whose_content_is_not_what_they_claim(
    personas, task_in, name, content, message
):
    task = task_in(Status.IN_PROGRESS)
    before = Evidence.objects.count()
    response = upload(
        client_for(personas.district_a),
        task,
        [SimpleUploadedFile(name, content, content_type="application/pdf")],
    )
    assert response.status_code == 400
    if message:
        assert message in response.content.decode()
    assert Evidence.objects.count() == before
    task.refresh_from_db()
    assert not task.events.filter(kind="evidence_added").exists()


@override_settings(SHANSHUI_EVIDENCE_MAX_BYTES=1024)
def test_it_refuses_oversized_files(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    big = pdf_bytes("x" * 5000)
    response = upload(
        client_for(personas.district_a),
        task,
        [SimpleUploadedFile("big.pdf", big, content_type="application/pdf")],
    )
    assert response.status_code == 400
    assert "超过单个文件上限" in response.content.decode()
    assert not Evidence.objects.filter(task=task).exists()


def test_one_bad_file_in_a_report_stores_nothing(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    reports = task.reports.count()
    response = client_for(personas.district_a).post(
        reverse("ledger:action", args=[task.pk, "report"]),
        {
            "text": "进展",
            "percent": "50",
            "version": task.version,
            "files": [photo(), SimpleUploadedFile("x.pdf", b"#!/bin/sh\nrm -rf /")],
        },
    )
    assert response.status_code == 400
    assert task.reports.count() == reports
    assert (
        not Evidence.objects.filter(task=task, report__isnull=False)
        .exclude(report__in=task.reports.all())
        .exists()
    )


def reported(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    services.task_report(
        actor=personas.district_a,
        task=task,
        expected_version=None,
        text="现场已整治",
        percent=30,
        files=[photo()],
    )
    return task


def test_downloads_check_the_whole_chain(personas, task_in):
    task = reported(personas, task_in)
    evidence = Evidence.objects.filter(task=task).first()  # the report's photo
    assert evidence is not None and evidence.report_id is not None
    url = reverse("ledger:evidence", args=[evidence.pk])
    response = client_for(personas.district_a_staff).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert client_for(personas.department).get(url).status_code == 200  # the lead unit
    # Another district, a street of the same district, or anyone guessing ids: 404.
    assert client_for(personas.district_b).get(url).status_code == 404
    assert client_for(personas.citizen).get(url).status_code == 404
    assert (
        client_for(personas.district_b)
        .get(reverse("ledger:evidence", args=[evidence.pk + 1000]))
        .status_code
        == 404
    )
    assert Client().get(url).status_code == 302  # login first


def test_files_are_never_served_from_a_public_media_url(personas, task_in, client):
    task = reported(personas, task_in)
    evidence = Evidence.objects.filter(task=task).first()
    assert client.get("/media/" + evidence.file.name).status_code == 404


def test_withdrawn_files_are_hidden_from_units(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    (evidence,) = services.evidence_add(
        actor=personas.district_a, task=task, files=[SimpleUploadedFile("a.pdf", pdf_bytes())]
    )
    services.evidence_withdraw(actor=personas.district_a, evidence=evidence, reason="传错")
    url = reverse("ledger:evidence", args=[evidence.pk])
    assert client_for(personas.district_a).get(url).status_code == 404
    assert client_for(personas.office).get(url).status_code == 200


def test_a_bad_file_in_a_batch_leaves_no_file_on_disk(personas, task_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    task = task_in(Status.IN_PROGRESS)
    response = upload(
        client_for(personas.district_a),
        task,
        [
            SimpleUploadedFile("good.png", png_bytes(colour=(1, 2, 3))),
            SimpleUploadedFile("fake.pdf", b"<html></html>"),
        ],
    )
    assert response.status_code == 400
    assert not list(tmp_path.rglob("*.png"))


def test_the_uploader_withdraws_a_file_from_the_page_and_the_api(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    first, second = services.evidence_add(
        actor=personas.district_a,
        task=task,
        files=[
            SimpleUploadedFile("a.pdf", pdf_bytes("a")),
            SimpleUploadedFile("b.pdf", pdf_bytes("b")),
        ],
    )
    owner = client_for(personas.district_a)
    page = owner.get(reverse("ledger:task", args=[task.pk])).content.decode()
    assert "withdraw_evidence" in page
    # Someone else in the unit cannot withdraw it; another district cannot even find it.
    staff = client_for(personas.district_a_staff)
    assert (
        staff.post(
            reverse("ledger:action", args=[task.pk, "withdraw_evidence"]),
            {"evidence": first.pk, "reason": "x"},
        ).status_code
        == 403
    )
    assert (
        client_for(personas.district_b)
        .post(
            reverse("ledger:action", args=[task.pk, "withdraw_evidence"]),
            {"evidence": first.pk, "reason": "x"},
        )
        .status_code
        == 404
    )
    response = owner.post(
        reverse("ledger:action", args=[task.pk, "withdraw_evidence"]),
        {"evidence": first.pk, "reason": "传错文件"},
    )
    assert response.status_code == 302
    response = owner.post(
        f"/api/v1/evidence/{second.pk}/withdraw",
        data='{"reason": "重复"}',
        content_type="application/json",
    )
    assert response.status_code == 200
    assert Evidence.objects.filter(task=task, withdrawn_at__isnull=False).count() == 2
    assert task.events.filter(kind="evidence_withdrawn").count() == 2
