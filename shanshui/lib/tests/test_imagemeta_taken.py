"""Capture time from EXIF (imagemeta.read_taken_at) and one-cell points (geo.parse_point).

The photos are built byte by byte (:mod:`shanshui.lib.tests.photos`), real JPEG / PNG / WebP
containers with an Exif IFD and a GPS IFD, as phones write them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import struct
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from shanshui.lib import geo
from shanshui.lib.imagemeta import (
    MSG_CORRUPT,
    ImageMetaError,
    read_gps,
    read_taken_at,
    strip_metadata,
)
from shanshui.lib.tests.photos import (
    DATETIME_ORIGINAL,
    exif_tiff,
    photo_jpeg,
    photo_png,
    photo_webp,
)
from shanshui.lib.tests.test_imagemeta import (
    LONG,
    SHORT,
    build_tiff,
    exif_seg,
    grey_jpeg,
    jpeg_walk,
)

if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "shanshui-hypothesis")

SHANGHAI = ZoneInfo("Asia/Shanghai")


# ------------------------------------------------------------------------------------------
# read_taken_at
# ------------------------------------------------------------------------------------------


def test_capture_time_without_offset_is_read_as_shanghai_time() -> None:
    taken = read_taken_at(photo_jpeg(taken="2026:12:01 10:30:05"), "jpeg")
    assert taken == dt.datetime(2026, 12, 1, 10, 30, 5, tzinfo=SHANGHAI)
    assert taken.utcoffset() == dt.timedelta(hours=8)
    assert taken.astimezone(dt.UTC) == dt.datetime(2026, 12, 1, 2, 30, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("offset", "in_utc"),
    [
        ("+08:00", dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC)),
        ("+00:00", dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.UTC)),
        ("-05:00", dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC)),
        ("+05:30", dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)),
    ],
)
def test_offset_time_original_says_which_zone(offset: str, in_utc: dt.datetime) -> None:
    taken = read_taken_at(photo_jpeg(taken="2026:12:01 10:30:00", offset=offset), "jpeg")
    assert taken is not None and taken.astimezone(dt.UTC) == in_utc


@pytest.mark.parametrize("offset", ["08:00", "+8:00", "+15:00", "+08:75", "   :  ", ""])
def test_unusable_offset_falls_back_to_shanghai(offset: str) -> None:
    taken = read_taken_at(photo_jpeg(taken="2026:12:01 10:30:00", offset=offset), "jpeg")
    assert taken == dt.datetime(2026, 12, 1, 10, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize("bo", [">", "<"])
def test_both_byte_orders_and_gps_alongside(bo: str) -> None:
    data = photo_jpeg(taken="2027:01:31 23:59:59", lat=29.5630, lon=106.5516, bo=bo)
    assert read_taken_at(data, "jpeg") == dt.datetime(2027, 1, 31, 23, 59, 59, tzinfo=SHANGHAI)
    lat, lon = read_gps(data, "jpeg")
    assert lat == pytest.approx(29.5630, abs=1e-6) and lon == pytest.approx(106.5516, abs=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-01 10:30:00",
        "2026/12/01 10:30:00",
        "2026:12:01T10:30:00",
        "2026:12:01 10:30:00.123",
    ],
)
def test_variants_written_by_editors(text: str) -> None:
    taken = read_taken_at(photo_jpeg(taken=text), "jpeg")
    assert taken == dt.datetime(2026, 12, 1, 10, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "text",
    [
        "    :  :     :  :  ",  # the standard's "unknown"
        "0000:00:00 00:00:00",
        "2026:13:01 10:30:00",
        "2026:02:30 10:30:00",
        "2026:12:01 24:00:00",
        "0001:01:01 00:00:00",  # would leave the range of datetime in UTC
        "9999:12:31 23:59:59",
        "yesterday",
        "",
    ],
)
def test_unusable_capture_time_reads_as_none(text: str) -> None:
    assert read_taken_at(photo_jpeg(taken=text), "jpeg") is None


def test_other_containers() -> None:
    expected = dt.datetime(2026, 12, 1, 10, 30, tzinfo=SHANGHAI)
    assert read_taken_at(photo_png(taken="2026:12:01 10:30:00"), "png") == expected
    assert read_taken_at(photo_webp(taken="2026:12:01 10:30:00"), "webp") == expected
    gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x00;"
    assert read_taken_at(gif, "gif") is None


def test_no_exif_ifd_or_no_capture_tag() -> None:
    assert read_taken_at(grey_jpeg(), "jpeg") is None
    assert read_taken_at(photo_jpeg(taken=None, lat=29.5, lon=106.5), "jpeg") is None
    ifd0_only = build_tiff(">", [(0x0112, SHORT, 1, b"\x00\x06\x00\x00")])
    assert read_taken_at(grey_jpeg(exif_seg(ifd0_only)), "jpeg") is None


def test_wrong_field_type_and_bad_pointer_read_as_none() -> None:
    as_short = exif_tiff(taken=None, exif_entries=[(DATETIME_ORIGINAL, SHORT, 1, b"\x07\xea\0\0")])
    assert read_taken_at(grey_jpeg(exif_seg(as_short)), "jpeg") is None
    pointer_out = build_tiff(">", [(0x8769, LONG, 1, struct.pack(">I", 0xFFFF))])
    assert read_taken_at(grey_jpeg(exif_seg(pointer_out)), "jpeg") is None


def test_corrupt_container_raises_the_users_message() -> None:
    with pytest.raises(ImageMetaError) as exc:
        read_taken_at(photo_jpeg()[:-2], "jpeg")
    assert str(exc.value) == MSG_CORRUPT


def test_public_copy_has_no_capture_time_or_place() -> None:
    data = photo_jpeg(taken="2026:12:01 10:30:00", lat=29.56, lon=106.55)
    clean = strip_metadata(data, "jpeg")
    assert read_taken_at(clean, "jpeg") is None and read_gps(clean, "jpeg") is None
    assert not [p for m, p in jpeg_walk(clean) if m == 0xE1]


# Fuzzing: whatever the bytes, the answer is a datetime in range or None (or the user's
# message for a broken container), never another exception.


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=200))
def test_fuzz_arbitrary_exif_payload(payload: bytes) -> None:
    data = grey_jpeg(exif_seg(payload))
    taken = read_taken_at(data, "jpeg")
    assert taken is None or (taken.tzinfo is not None and 1900 <= taken.year <= 9998)


@settings(max_examples=300, deadline=None, database=None)
@given(st.data())
def test_fuzz_mutated_real_exif(data: st.DataObject) -> None:
    tiff = bytearray(exif_tiff(taken="2026:12:01 10:30:00", offset="+08:00", lat=29.5, lon=106.5))
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(tiff) - 1))
        tiff[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(tiff)))
    photo = grey_jpeg(exif_seg(bytes(tiff[:cut] if data.draw(st.booleans()) else tiff)))
    taken = read_taken_at(photo, "jpeg")
    assert taken is None or taken.utcoffset() is not None
    if taken is not None:
        taken.astimezone(dt.UTC)  # storable: within datetime's range in UTC


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=30), st.text(max_size=10))
def test_fuzz_capture_text(text: str, offset: str) -> None:
    try:
        raw_taken = text.encode("ascii")
        raw_offset = offset.encode("ascii")
    except UnicodeEncodeError:
        return
    if b"\x00" in raw_taken or b"\x00" in raw_offset:
        return
    photo = photo_jpeg(taken=raw_taken.decode(), offset=raw_offset.decode())
    taken = read_taken_at(photo, "jpeg")
    assert taken is None or taken.tzinfo is not None


@settings(max_examples=200, deadline=None, database=None)
@given(st.binary(max_size=120))
def test_fuzz_whole_file_never_raises_other_errors(blob: bytes) -> None:
    for kind in ("jpeg", "png", "webp", "gif"):
        with contextlib.suppress(ImageMetaError):
            read_taken_at(blob, kind)


# ------------------------------------------------------------------------------------------
# geo.parse_point
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("106.5516,29.5630", (29.5630, 106.5516)),
        ("106.5516, 29.5630", (29.5630, 106.5516)),
        ("106.5516，29.5630", (29.5630, 106.5516)),
        ("106.5516 29.5630", (29.5630, 106.5516)),
        ("29.5630,106.5516", (29.5630, 106.5516)),  # latitude first: the second is a longitude
        ("  106.5516 ; 29.5630 ", (29.5630, 106.5516)),
        ("30,40", (40.0, 30.0)),  # both orders possible: longitude first, as 经纬度 says
    ],
)
def test_parse_point(text: str, expected: tuple[float, float]) -> None:
    assert geo.parse_point(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("106.5516", "两个数字"),
        ("1,2,3", "两个数字"),
        ("东经106度,北纬29度", "数字"),
        ("200,100", "纬度必须在"),
        ("nan,29", "有限"),
        ("", "两个数字"),
    ],
)
def test_parse_point_refuses_in_chinese(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        geo.parse_point(text)
