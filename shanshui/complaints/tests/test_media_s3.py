"""Case photos on S3-compatible object storage (moto's server on loopback): the public copy in
the bucket carries no metadata either, and a store that cannot be reached keeps no case."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shanshui.complaints.models import Complaint, Photo
from shanshui.complaints.scenarios import make_report
from shanshui.complaints.tests.moderation import approve
from shanshui.lib.imagemeta import read_gps
from shanshui.lib.tests.test_imagemeta import phone_jpeg
from shanshui.testing.objectstore import free_port, media_storage

pytestmark = pytest.mark.django_db


def test_the_public_copy_in_the_bucket_has_no_metadata(personas, client_as, s3_media):
    data = phone_jpeg()
    assert read_gps(data, "jpeg") is not None
    c = make_report(photos=[SimpleUploadedFile("现场.jpg", data, content_type="image/jpeg")])
    photo = Photo.objects.get(complaint=c)
    assert s3_media.keys() == sorted([photo.file.name, photo.public_file.name])
    assert s3_media.read(photo.file.name) == data  # the original, for handlers only
    clean = s3_media.read(photo.public_file.name)
    assert read_gps(clean, "jpeg") is None
    assert b"ShanshuiPhone" not in clean

    original = reverse("complaints:photo_original", args=[photo.pk])
    response = client_as(personas.office).get(original)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    for outsider in (personas.district_b, personas.citizen):
        assert client_as(outsider).get(original).status_code == 404

    shown = reverse("complaints_public:photo", args=[photo.pk])
    assert Client().get(shown).status_code == 404  # 先审后发: not before the review
    approve(c)
    response = Client().get(shown)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == clean


def test_an_unreachable_store_keeps_no_case(personas, settings):
    endpoint = f"http://127.0.0.1:{free_port()}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage(endpoint, "gone", timeout_s=1),
    }
    photo = SimpleUploadedFile("a.jpg", phone_jpeg(), content_type="image/jpeg")
    with pytest.raises(ValidationError) as caught:
        make_report(photos=[photo])
    assert "文件存储暂时无法访问" in caught.value.message_dict["photos"][0]
    assert Complaint.objects.count() == 0
    assert Photo.objects.count() == 0
