"""Tests for shanshui.lib.imagemeta.

Every sample file is assembled here, byte by byte, so that the tests need no fixtures and no
imaging library:

* the JPEGs are baseline greyscale / three-component images with hand-made one- and two-code
  Huffman tables; their entropy-coded data was worked out bit by bit (see ``_jpeg``), including
  a stuffed ``FF 00`` byte and a restart marker;
* the PNG is a 3x2 RGB image whose IDAT is ``zlib.compress`` of filter bytes and pixels;
* the WebP images are the well-known 1x1 lossy bitstream (used by feature-detection snippets)
  wrapped in a ``VP8X`` extended container;
* the GIF is the classic 43-byte 1x1 image with extra extension blocks.

All of them were checked once to decode with Pillow while the tests were written; Pillow is
not a dependency of the project, so the tests verify structure instead (segment / chunk walks,
CRCs, zlib-decompressing IDAT).
"""

from __future__ import annotations

import base64
import random
import struct
import zlib
from collections.abc import Callable

import pytest

from shanshui.lib.imagemeta import (
    KINDS,
    MSG_CORRUPT,
    MSG_UNSUPPORTED,
    ImageMetaError,
    has_location,
    read_gps,
    strip_metadata,
)

# ------------------------------------------------------------------------------------------
# TIFF / EXIF builder
# ------------------------------------------------------------------------------------------

# (tag, type, count, value bytes already in the TIFF byte order)
Entry = tuple[int, int, int, bytes]

BYTE, ASCII, SHORT, LONG, RATIONAL = 1, 2, 3, 4, 5


def _pack(bo: str, fmt: str, *values: int) -> bytes:
    return struct.pack(bo + fmt, *values)


def e_ascii(tag: int, text: str) -> Entry:
    raw = text.encode("ascii") + b"\x00"
    return tag, ASCII, len(raw), raw


def e_short(bo: str, tag: int, value: int) -> Entry:
    return tag, SHORT, 1, _pack(bo, "H", value)


def e_rational(bo: str, tag: int, *pairs: tuple[int, int]) -> Entry:
    raw = b"".join(_pack(bo, "II", num, den) for num, den in pairs)
    return tag, RATIONAL, len(pairs), raw


def _ifd(bo: str, entries: list[Entry], offset: int) -> bytes:
    """Serialise one IFD located at ``offset``; values longer than 4 bytes follow the IFD."""
    entries = sorted(entries)
    data_offset = offset + 2 + 12 * len(entries) + 4
    head = [_pack(bo, "H", len(entries))]
    data = b""
    for tag, typ, count, raw in entries:
        if len(raw) <= 4:
            field = raw.ljust(4, b"\x00")
        else:
            field = _pack(bo, "I", data_offset + len(data))
            data += raw + b"\x00" * (len(raw) & 1)
        head.append(_pack(bo, "HHI", tag, typ, count) + field)
    head.append(_pack(bo, "I", 0))
    return b"".join(head) + data


def build_tiff(bo: str, ifd0: list[Entry], gps: list[Entry] | None = None) -> bytes:
    """A TIFF structure (as stored in EXIF) with IFD0 and, optionally, a GPS IFD."""
    header = (b"II" if bo == "<" else b"MM") + _pack(bo, "HI", 42, 8)
    if gps is None:
        return header + _ifd(bo, ifd0, 8)
    provisional = _ifd(bo, [*ifd0, (0x8825, LONG, 1, _pack(bo, "I", 0))], 8)
    gps_offset = 8 + len(provisional)
    ifd0_bytes = _ifd(bo, [*ifd0, (0x8825, LONG, 1, _pack(bo, "I", gps_offset))], 8)
    assert len(ifd0_bytes) == len(provisional)
    return header + ifd0_bytes + _ifd(bo, gps, gps_offset)


def camera_tiff(
    bo: str = ">",
    *,
    orientation: int | None = 6,
    lat_ref: str = "N",
    lon_ref: str = "E",
    with_gps: bool = True,
) -> bytes:
    """EXIF as a phone writes it: make/model, orientation and the Chongqing GPS position."""
    ifd0 = [e_ascii(0x010F, "ShanshuiPhone"), e_ascii(0x0110, "Model SN-12345")]
    if orientation is not None:
        ifd0.append(e_short(bo, 0x0112, orientation))
    gps = None
    if with_gps:
        gps = [
            (0x0000, BYTE, 4, b"\x02\x03\x00\x00"),
            e_ascii(0x0001, lat_ref),
            e_rational(bo, 0x0002, (29, 1), (33, 1), (1234, 100)),
            e_ascii(0x0003, lon_ref),
            e_rational(bo, 0x0004, (106, 1), (33, 1), (0, 1)),
        ]
    return build_tiff(bo, ifd0, gps)


EXPECTED_LAT = 29 + 33 / 60 + 12.34 / 3600  # 29.553427...
EXPECTED_LON = 106.55

# The exact minimal EXIF block strip_metadata writes back for Orientation = 6.
MINIMAL_EXIF_ORIENTATION_6 = (
    b"Exif\x00\x00"
    + b"MM\x00\x2a\x00\x00\x00\x08"  # big-endian TIFF header, IFD0 at offset 8
    + b"\x00\x01"  # one entry
    + b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00"  # Orientation, SHORT, 1, value 6
    + b"\x00\x00\x00\x00"  # no next IFD
)

# ------------------------------------------------------------------------------------------
# JPEG builder
# ------------------------------------------------------------------------------------------


def seg(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes((marker,)) + struct.pack(">H", len(payload) + 2) + payload


SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
JFIF = seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
# JFIF with a 1x1 RGB thumbnail (which must go).
JFIF_THUMB = seg(0xE0, b"JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x01\x01" + b"\x12\x34\x56")
JFXX = seg(0xE0, b"JFXX\x00\x13" + b"\xff\xd8\xff\xd9")
DQT = seg(0xDB, b"\x00" + b"\x01" * 64)
# Huffman tables: DC class 0 codes '0' -> category 0 and '10' -> category 8; AC class 1 code
# '0' -> EOB. Those are the only symbols the scans below use.
DHT_DC = seg(0xC4, b"\x00" + bytes([1, 1] + [0] * 14) + b"\x00\x08")
DHT_AC = seg(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")
DHT = DHT_DC + DHT_AC
ICC = seg(0xE2, b"ICC_PROFILE\x00\x01\x01" + b"fake profile bytes")
MPF = seg(0xE2, b"MPF\x00" + b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x00")
ADOBE = seg(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01")
XMP = seg(
    0xE1,
    b"http://ns.adobe.com/xap/1.0/\x00"
    + b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>29,33.2N</exif:GPSLatitude>'
    + b"</x:xmpmeta>",
)
COM = seg(0xFE, b"taken at my home address")
APP13 = seg(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x05caption")
DUCKY = seg(0xEC, b"Ducky\x00\x01\x00\x04\x00\x00\x00\x50\x00\x00")


def exif_seg(tiff: bytes) -> bytes:
    return seg(0xE1, b"Exif\x00\x00" + tiff)


# 40x8 greyscale, five 8x8 blocks, restart interval 4. Bits of the first interval:
# 0 0 | 0 0 | 0 0 | 10 11111111 0 (DC +255) -> 00000010 11111111 0 + pad 1111111
#  = 02 FF(00 stuffed) 7F; then RST0; then 10 00000000 0 (DC -255) + pad = 80 1F.
GREY_SOF = seg(0xC0, b"\x08\x00\x08\x00\x28\x01\x01\x11\x00")
GREY_DRI = seg(0xDD, b"\x00\x04")
GREY_SOS = seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
GREY_SCAN = b"\x02\xff\x00\x7f\xff\xd0\x80\x1f"


def grey_jpeg(*header: bytes, trailer: bytes = b"") -> bytes:
    """Baseline greyscale JPEG with the given extra segments between SOI and the tables."""
    return b"".join((SOI, *header, DQT, GREY_SOF, DHT, GREY_DRI, GREY_SOS, GREY_SCAN, EOI, trailer))


def phone_jpeg(tiff: bytes | None = None) -> bytes:
    """A phone-like JPEG: EXIF (orientation 6 + GPS), JFIF, XMP, ICC, MPF, APP13, COM ..."""
    exif = exif_seg(camera_tiff() if tiff is None else tiff)
    return grey_jpeg(exif, JFIF_THUMB, XMP, ICC, MPF, ADOBE, APP13, DUCKY, COM)


# 8x8, three components, non-interleaved: one scan per component, with segments in between.
# Each scan codes one block: DC '0' (diff 0), AC '0' (EOB), padded -> 0x3F.
def _colour_sos(component: int) -> bytes:
    return seg(0xDA, bytes((1, component, 0x00, 0, 63, 0)))


COLOUR_SOF = seg(0xC0, b"\x08\x00\x08\x00\x08\x03\x01\x11\x00\x02\x11\x00\x03\x11\x00")


def colour_jpeg() -> bytes:
    return b"".join(
        (
            SOI,
            JFIF,
            exif_seg(camera_tiff()),
            DQT,
            COLOUR_SOF,
            DHT,
            _colour_sos(1),
            b"\x3f",
            COM,  # comments and APPn segments are legal between scans
            XMP,
            DHT,
            _colour_sos(2),
            b"\x3f",
            b"\xff\xff\xff",  # fill bytes before a marker
            _colour_sos(3),
            b"\x3f",
            EOI,
        )
    )


def jpeg_walk(data: bytes) -> list[tuple[int, bytes]]:
    """Independent walker for well-formed test files: (marker, payload) of header segments."""
    assert data[:2] == SOI
    pos = 2
    out: list[tuple[int, bytes]] = []
    while True:
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        if marker == 0xD9:
            return out
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        out.append((marker, data[pos + 4 : pos + 2 + length]))
        pos += 2 + length
        if marker == 0xDA:  # skip entropy-coded data
            while not (data[pos] == 0xFF and data[pos + 1] not in (0x00, *range(0xD0, 0xD8))):
                pos += 1


# ------------------------------------------------------------------------------------------
# PNG builder
# ------------------------------------------------------------------------------------------

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def chunk(ctype: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(ctype + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", crc)


PNG_W, PNG_H = 3, 2
PNG_PIXELS = bytes(range(PNG_W * 3)), bytes(range(100, 100 + PNG_W * 3))
PNG_RAW = b"".join(b"\x00" + row for row in PNG_PIXELS)  # filter type 0 per row
IHDR = chunk(b"IHDR", struct.pack(">IIBBBBB", PNG_W, PNG_H, 8, 2, 0, 0, 0))
_IDAT_STREAM = zlib.compress(PNG_RAW)
IDAT1 = chunk(b"IDAT", _IDAT_STREAM[:5])
IDAT2 = chunk(b"IDAT", _IDAT_STREAM[5:])
ICCP = chunk(b"iCCP", b"sRGB-ish\x00\x00" + zlib.compress(b"fake icc profile"))
GAMA = chunk(b"gAMA", struct.pack(">I", 45455))
PHYS = chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1))
IEND = chunk(b"IEND", b"")
PNG_META = [
    chunk(b"tEXt", b"Author\x00Zhang San"),
    chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"near the river mouth")),
    chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta/>"),
    chunk(b"tIME", struct.pack(">HBBBBB", 2024, 5, 1, 8, 30, 0)),
    chunk(b"eXIf", camera_tiff("<")),
]


def phone_png() -> bytes:
    m = PNG_META
    return b"".join(
        (PNG_SIG, IHDR, m[0], ICCP, m[4], GAMA, m[3], PHYS, IDAT1, IDAT2, m[1], m[2], IEND)
    )


def png_walk(data: bytes) -> list[tuple[bytes, bytes, int]]:
    """(type, data, stored CRC) of every chunk of a well-formed PNG."""
    assert data[:8] == PNG_SIG
    pos, out = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        out.append((ctype, body, crc))
        pos += 12 + length
    return out


# ------------------------------------------------------------------------------------------
# WebP builder
# ------------------------------------------------------------------------------------------

# The 1x1 lossy WebP used by browser feature detection (RIFF + one "VP8 " chunk).
SIMPLE_WEBP = base64.b64decode("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA")
VP8_CHUNK = SIMPLE_WEBP[12:]


def riff_chunk(fourcc: bytes, payload: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)


def riff(*chunks: bytes) -> bytes:
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def vp8x(flags: int) -> bytes:
    return riff_chunk(b"VP8X", bytes((flags, 0, 0, 0)) + b"\x00\x00\x00" + b"\x00\x00\x00")


WEBP_XMP = riff_chunk(b"XMP ", b"<x:xmpmeta>odd length</x:xmpmeta>")  # 33 bytes: padded


def phone_webp() -> bytes:
    exif = riff_chunk(b"EXIF", camera_tiff(">"))
    return riff(vp8x(0x08 | 0x04), VP8_CHUNK, exif, WEBP_XMP)


def webp_walk(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    pos, out = 12, []
    while pos < len(data):
        size = struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        out.append((data[pos : pos + 4], data[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    assert pos == len(data)
    return out


# ------------------------------------------------------------------------------------------
# GIF builder
# ------------------------------------------------------------------------------------------

# The classic 43-byte 1x1 GIF: header, screen with a 2-colour table, GCE, image, trailer.
GIF_HEAD = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
GIF_GCE = b"\x21\xf9\x04\x01\x00\x00\x00\x00"
GIF_IMAGE = b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00"
# Same image with a 2-colour local colour table.
GIF_IMAGE_LCT = (
    b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x80\x00\x00\x00\xff\x00\x00\x02\x02\x44\x01\x00"
)


def sub_blocks(data: bytes) -> bytes:
    parts = [bytes((len(data[i : i + 255]),)) + data[i : i + 255] for i in range(0, len(data), 255)]
    return b"".join(parts) + b"\x00"


def app_ext(ident: bytes, data: bytes) -> bytes:
    return b"\x21\xff" + bytes((len(ident),)) + ident + sub_blocks(data)


NETSCAPE = app_ext(b"NETSCAPE2.0", b"\x01\x00\x00")
ANIMEXTS = app_ext(b"ANIMEXTS1.0", b"\x01\x00\x00")
GIF_COMMENT = b"\x21\xfe" + sub_blocks(b"shot from my balcony " * 20)  # two sub-blocks
GIF_XMP = app_ext(
    b"XMP DataXMP",
    b"<x:xmpmeta>GPS</x:xmpmeta>" + bytes([1]) + bytes(range(255, -1, -1)) + b"\x00",
)
GIF_PLAIN_TEXT = b"\x21\x01\x0c" + b"\x00" * 12 + sub_blocks(b"hi")


def phone_gif() -> bytes:
    return b"".join(
        (GIF_HEAD, NETSCAPE, GIF_COMMENT, GIF_XMP, GIF_GCE, GIF_IMAGE, GIF_PLAIN_TEXT, b";")
    )


def gif_clean() -> bytes:
    return GIF_HEAD + NETSCAPE + GIF_GCE + GIF_IMAGE + GIF_PLAIN_TEXT + b";"


SAMPLES: dict[str, Callable[[], bytes]] = {
    "jpeg": phone_jpeg,
    "png": phone_png,
    "webp": phone_webp,
    "gif": phone_gif,
}

FUNCTIONS = [strip_metadata, has_location, read_gps]


def assert_corrupt(data: bytes, kind: str) -> None:
    for fn in FUNCTIONS:
        with pytest.raises(ImageMetaError) as info:
            fn(data, kind)
        assert str(info.value) == MSG_CORRUPT


# ==========================================================================================
# JPEG
# ==========================================================================================


class TestJpeg:
    def test_sample_reads_gps_before_stripping(self) -> None:
        data = phone_jpeg()
        assert has_location(data, "jpeg") is True
        lat, lon = read_gps(data, "jpeg") or (0.0, 0.0)
        assert lat == pytest.approx(29.5534278, abs=1e-6)
        assert lat == pytest.approx(EXPECTED_LAT, abs=1e-12)
        assert lon == pytest.approx(EXPECTED_LON, abs=1e-12)

    def test_strip_removes_gps_xmp_comments_and_iptc(self) -> None:
        data = phone_jpeg()
        out = strip_metadata(data, "jpeg")
        assert has_location(out, "jpeg") is False
        assert read_gps(out, "jpeg") is None
        for needle in (
            b"ShanshuiPhone",
            b"SN-12345",
            b"\x88\x25",  # GPSInfo tag
            b"http://ns.adobe.com/xap",
            b"xmpmeta",
            b"home address",
            b"Photoshop 3.0",
            b"8BIM",
            b"Ducky",
            b"MPF\x00",
        ):
            assert needle not in out, needle
        markers = [m for m, _ in jpeg_walk(out)]
        assert 0xFE not in markers
        assert 0xED not in markers
        assert 0xEC not in markers

    def test_orientation_is_written_back_minimally(self) -> None:
        out = strip_metadata(phone_jpeg(), "jpeg")
        app1 = [payload for m, payload in jpeg_walk(out) if m == 0xE1]
        assert app1 == [MINIMAL_EXIF_ORIENTATION_6]
        # The segment sits where the original EXIF was: right after SOI.
        assert out.startswith(SOI + seg(0xE1, MINIMAL_EXIF_ORIENTATION_6))

    def test_kept_segments_in_order(self) -> None:
        out = strip_metadata(phone_jpeg(), "jpeg")
        jfif_no_thumb = b"JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x00\x00"
        expected = [
            (0xE1, MINIMAL_EXIF_ORIENTATION_6),
            (0xE0, jfif_no_thumb),  # density kept, thumbnail dropped
            (0xE2, ICC[4:]),  # ICC profile kept
            (0xEE, ADOBE[4:]),  # Adobe APP14 kept
            (0xDB, DQT[4:]),
            (0xC0, GREY_SOF[4:]),
            (0xC4, DHT_DC[4:]),
            (0xC4, DHT_AC[4:]),
            (0xDD, GREY_DRI[4:]),
            (0xDA, GREY_SOS[4:]),
        ]
        assert jpeg_walk(out) == expected

    def test_image_data_from_sos_is_byte_identical(self) -> None:
        data = phone_jpeg()
        out = strip_metadata(data, "jpeg")
        assert out[out.index(GREY_SOS) :] == data[data.index(GREY_SOS) :]
        assert out.endswith(GREY_SOS + GREY_SCAN + EOI)

    def test_idempotent(self) -> None:
        once = strip_metadata(phone_jpeg(), "jpeg")
        assert strip_metadata(once, "jpeg") == once

    def test_clean_file_is_unchanged(self) -> None:
        clean = grey_jpeg(JFIF, ICC, ADOBE)
        assert strip_metadata(clean, "jpeg") == clean

    @pytest.mark.parametrize("orientation", [None, 1, 0, 9, 0xFFFF])
    def test_default_or_invalid_orientation_drops_exif_entirely(
        self, orientation: int | None
    ) -> None:
        data = grey_jpeg(exif_seg(camera_tiff(orientation=orientation)), JFIF)
        out = strip_metadata(data, "jpeg")
        assert b"Exif" not in out
        assert out == grey_jpeg(JFIF)

    @pytest.mark.parametrize("orientation", range(2, 9))
    def test_every_rotation_value_survives(self, orientation: int) -> None:
        out = strip_metadata(grey_jpeg(exif_seg(camera_tiff(orientation=orientation))), "jpeg")
        expected = bytearray(MINIMAL_EXIF_ORIENTATION_6)
        expected[25] = orientation
        assert [p for m, p in jpeg_walk(out) if m == 0xE1] == [bytes(expected)]

    def test_little_endian_exif_with_south_west_refs(self) -> None:
        tiff = camera_tiff("<", orientation=8, lat_ref="S", lon_ref="W")
        data = grey_jpeg(exif_seg(tiff))
        assert has_location(data, "jpeg")
        assert read_gps(data, "jpeg") == pytest.approx((-EXPECTED_LAT, -EXPECTED_LON))
        out = strip_metadata(data, "jpeg")
        app1 = [p for m, p in jpeg_walk(out) if m == 0xE1]
        assert len(app1) == 1 and app1[0][6:8] == b"MM" and app1[0][25] == 8
        assert not has_location(out, "jpeg")

    def test_exif_without_gps(self) -> None:
        data = grey_jpeg(exif_seg(camera_tiff(with_gps=False)))
        assert has_location(data, "jpeg") is False
        assert read_gps(data, "jpeg") is None

    def test_no_exif_at_all(self) -> None:
        data = grey_jpeg(JFIF, XMP)
        assert has_location(data, "jpeg") is False
        assert read_gps(data, "jpeg") is None
        assert strip_metadata(data, "jpeg") == grey_jpeg(JFIF)

    def test_only_first_exif_segment_counts(self) -> None:
        first = exif_seg(camera_tiff(orientation=3, with_gps=False))
        second = exif_seg(camera_tiff(orientation=6))
        data = grey_jpeg(first, second)
        assert has_location(data, "jpeg") is False
        out = strip_metadata(data, "jpeg")
        app1 = [p for m, p in jpeg_walk(out) if m == 0xE1]
        assert len(app1) == 1 and app1[0][25] == 3

    def test_gps_degrees_only_and_decimal_minutes(self) -> None:
        gps = [
            e_ascii(1, "N"),
            e_rational(">", 2, (295534, 10000)),
            e_ascii(3, "E"),
            e_rational(">", 4, (106, 1), (3330, 100)),
        ]
        data = grey_jpeg(exif_seg(build_tiff(">", [], gps)))
        lat, lon = read_gps(data, "jpeg") or (0.0, 0.0)
        assert lat == pytest.approx(29.5534)
        assert lon == pytest.approx(106.555)

    def test_gps_without_refs_reads_as_north_east(self) -> None:
        gps = [e_rational(">", 2, (29, 1), (30, 1)), e_rational(">", 4, (106, 1), (30, 1))]
        data = grey_jpeg(exif_seg(build_tiff(">", [], gps)))
        assert read_gps(data, "jpeg") == pytest.approx((29.5, 106.5))

    @pytest.mark.parametrize(
        "gps",
        [
            pytest.param([], id="empty-gps-ifd"),
            pytest.param([e_ascii(1, "N"), e_rational(">", 2, (29, 1))], id="no-longitude"),
            pytest.param(
                [e_rational(">", 2, (29, 0)), e_rational(">", 4, (106, 1))], id="zero-denominator"
            ),
            pytest.param(
                [e_ascii(1, "X"), e_rational(">", 2, (29, 1)), e_rational(">", 4, (106, 1))],
                id="bad-ref",
            ),
            pytest.param(
                [e_rational(">", 2, (91, 1)), e_rational(">", 4, (106, 1))], id="latitude-91"
            ),
            pytest.param(
                [(2, SHORT, 1, b"\x00\x1d\x00\x00"), e_rational(">", 4, (106, 1))],
                id="wrong-type",
            ),
            pytest.param(
                [
                    e_rational(">", 2, (1, 1), (2, 1), (3, 1), (4, 1)),
                    e_rational(">", 4, (106, 1)),
                ],
                id="four-components",
            ),
        ],
    )
    def test_unusable_gps_reads_as_none_but_is_still_stripped(self, gps: list[Entry]) -> None:
        data = grey_jpeg(exif_seg(build_tiff(">", [e_short(">", 0x0112, 6)], gps)))
        assert has_location(data, "jpeg") is True  # the GPSInfo pointer is there
        assert read_gps(data, "jpeg") is None
        out = strip_metadata(data, "jpeg")
        assert [p for m, p in jpeg_walk(out) if m == 0xE1] == [MINIMAL_EXIF_ORIENTATION_6]

    @pytest.mark.parametrize(
        "payload",
        [
            pytest.param(b"Exif\x00\x00", id="empty"),
            pytest.param(b"Exif\x00\x00XX\x00\x2a\x00\x00\x00\x08", id="bad-byte-order"),
            pytest.param(b"Exif\x00\x00MM\x00\x2b\x00\x00\x00\x08", id="bad-magic"),
            pytest.param(b"Exif\x00\x00MM\x00\x2a\x00\x00\xff\xff", id="ifd0-out-of-range"),
            pytest.param(b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x05", id="ifd0-truncated"),
            pytest.param(
                b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01"
                + b"\x88\x25\x00\x04\x00\x00\x00\x01\x00\x00\xff\xff\x00\x00\x00\x00",
                id="gps-pointer-out-of-range",
            ),
            pytest.param(
                b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01"
                + b"\x01\x0f\x00\x02\x00\x00\x01\x00\x00\x00\x00\x1a\x00\x00\x00\x00",
                id="value-out-of-range",
            ),
        ],
    )
    def test_malformed_exif_is_dropped_without_error(self, payload: bytes) -> None:
        data = grey_jpeg(seg(0xE1, payload), JFIF)
        assert read_gps(data, "jpeg") is None
        assert strip_metadata(data, "jpeg") == grey_jpeg(JFIF)

    def test_malformed_gps_pointer_counts_as_location(self) -> None:
        payload = (
            b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01"
            + b"\x88\x25\x00\x04\x00\x00\x00\x01\x00\x00\xff\xff\x00\x00\x00\x00"
        )
        assert has_location(grey_jpeg(seg(0xE1, payload)), "jpeg") is True

    def test_unknown_tiff_field_types_are_skipped(self) -> None:
        ifd0 = [(0x9999, 99, 1000, b"\x00\x00\x00\x00"), e_short(">", 0x0112, 6)]
        data = grey_jpeg(exif_seg(build_tiff(">", ifd0)))
        out = strip_metadata(data, "jpeg")
        assert [p for m, p in jpeg_walk(out) if m == 0xE1] == [MINIMAL_EXIF_ORIENTATION_6]

    def test_exif_with_gps_in_trailing_images_is_dropped(self) -> None:
        # Multi-picture files (MPF) and "motion photos" append further images or videos
        # after EOI, each with its own EXIF: nothing after EOI may survive.
        secondary = grey_jpeg(exif_seg(camera_tiff()))
        data = grey_jpeg(MPF, exif_seg(camera_tiff()), trailer=secondary + b"ftypmp42 video")
        out = strip_metadata(data, "jpeg")
        assert out.endswith(GREY_SCAN + EOI)
        assert out.count(SOI) == 1
        assert b"\x88\x25" not in out and b"video" not in out

    def test_segments_between_scans(self) -> None:
        data = colour_jpeg()
        assert read_gps(data, "jpeg") == pytest.approx((EXPECTED_LAT, EXPECTED_LON))
        out = strip_metadata(data, "jpeg")
        assert b"home address" not in out and b"xmpmeta" not in out
        assert out == b"".join(
            (
                SOI,
                JFIF,
                seg(0xE1, MINIMAL_EXIF_ORIENTATION_6),
                DQT,
                COLOUR_SOF,
                DHT,
                _colour_sos(1),
                b"\x3f",
                DHT,
                _colour_sos(2),
                b"\x3f",
                _colour_sos(3),
                b"\x3f",
                EOI,
            )
        )
        assert strip_metadata(out, "jpeg") == out

    def test_fill_bytes_and_standalone_markers(self) -> None:
        data = (
            SOI
            + b"\xff\xff"
            + JFIF
            + b"\xff\x01"  # TEM
            + b"\xff\xff\xff"
            + COM
            + grey_jpeg()[2:]
        )
        out = strip_metadata(data, "jpeg")
        assert out == SOI + JFIF + b"\xff\x01" + grey_jpeg()[2:]
        assert strip_metadata(out, "jpeg") == out

    def test_stuffed_bytes_and_restart_markers_are_not_markers(self) -> None:
        # GREY_SCAN contains FF 00 and FF D0; followed by fill bytes before EOI.
        data = grey_jpeg()[:-2] + b"\xff\xff" + EOI
        assert strip_metadata(data, "jpeg") == grey_jpeg()

    def test_accepts_bytearray_and_memoryview(self) -> None:
        data = phone_jpeg()
        expected = strip_metadata(data, "jpeg")
        assert strip_metadata(bytearray(data), "jpeg") == expected
        assert strip_metadata(memoryview(data), "jpeg") == expected
        assert read_gps(bytearray(data), "jpeg") is not None

    @pytest.mark.parametrize(
        "data",
        [
            pytest.param(b"", id="empty"),
            pytest.param(b"\xff", id="one-byte"),
            pytest.param(b"\xff\xd8", id="soi-only"),
            pytest.param(b"\x89PNG\r\n\x1a\n", id="png-signature"),
            pytest.param(SOI + b"\x00" + grey_jpeg()[2:], id="garbage-before-marker"),
            pytest.param(SOI + b"\xff\x00" + grey_jpeg()[2:], id="ff00-as-marker"),
            pytest.param(SOI + SOI + grey_jpeg()[2:], id="nested-soi"),
            pytest.param(SOI + b"\xff\xe1\x00\x01" + grey_jpeg()[2:], id="length-below-2"),
            pytest.param(SOI + b"\xff\xe1\xff\xff" + grey_jpeg()[2:], id="length-past-end"),
            pytest.param(SOI + JFIF + EOI, id="no-scan"),
            pytest.param(SOI + DQT + DHT + GREY_SOS + GREY_SCAN + EOI, id="scan-without-frame"),
            pytest.param(grey_jpeg()[:-2], id="missing-eoi"),
            pytest.param(grey_jpeg()[:-2] + b"\xff", id="ends-in-fill"),
            pytest.param(grey_jpeg()[:-2] + b"\xff\xff\xff", id="ends-in-fill-bytes"),
            pytest.param(grey_jpeg()[:-4], id="ends-in-entropy-data"),
            pytest.param(SOI + b"\xff\xe1\x00", id="ends-in-length"),
            pytest.param(SOI + b"\xff\xff\xff", id="ends-in-marker-fill"),
        ],
    )
    def test_corrupt(self, data: bytes) -> None:
        assert_corrupt(data, "jpeg")


# ==========================================================================================
# PNG
# ==========================================================================================


class TestPng:
    def test_sample_reads_gps_before_stripping(self) -> None:
        data = phone_png()
        assert has_location(data, "png")
        assert read_gps(data, "png") == pytest.approx((EXPECTED_LAT, EXPECTED_LON))

    def test_strip_drops_text_time_and_exif_chunks(self) -> None:
        out = strip_metadata(phone_png(), "png")
        assert not has_location(out, "png")
        assert read_gps(out, "png") is None
        types = [t for t, _, _ in png_walk(out)]
        assert types == [b"IHDR", b"iCCP", b"gAMA", b"pHYs", b"IDAT", b"IDAT", b"IEND"]
        for needle in (b"Zhang San", b"xmpmeta", b"ShanshuiPhone", b"tIME", b"eXIf"):
            assert needle not in out

    def test_kept_chunks_are_byte_identical(self) -> None:
        out = strip_metadata(phone_png(), "png")
        assert out == b"".join((PNG_SIG, IHDR, ICCP, GAMA, PHYS, IDAT1, IDAT2, IEND))
        for ctype, body, crc in png_walk(out):
            assert zlib.crc32(ctype + body) & 0xFFFFFFFF == crc

    def test_result_still_decodes(self) -> None:
        chunks = png_walk(strip_metadata(phone_png(), "png"))
        width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[0][1])
        assert (width, height, depth, colour) == (PNG_W, PNG_H, 8, 2)
        raw = zlib.decompress(b"".join(body for t, body, _ in chunks if t == b"IDAT"))
        assert len(raw) == height * (1 + width * 3)
        assert raw == PNG_RAW

    def test_idempotent_and_clean_file_unchanged(self) -> None:
        once = strip_metadata(phone_png(), "png")
        assert strip_metadata(once, "png") == once

    def test_data_after_iend_is_dropped(self) -> None:
        data = phone_png() + chunk(b"tEXt", b"GPS\x0029.55,106.55")
        out = strip_metadata(data, "png")
        assert out.endswith(IEND) and b"GPS" not in out

    def test_exif_chunk_with_exif_prefix(self) -> None:
        data = b"".join(
            (PNG_SIG, IHDR, chunk(b"eXIf", b"Exif\x00\x00" + camera_tiff(">")), IDAT1, IDAT2, IEND)
        )
        assert read_gps(data, "png") == pytest.approx((EXPECTED_LAT, EXPECTED_LON))

    def test_without_exif(self) -> None:
        data = b"".join((PNG_SIG, IHDR, IDAT1, IDAT2, IEND))
        assert has_location(data, "png") is False
        assert read_gps(data, "png") is None
        assert strip_metadata(data, "png") == data

    @pytest.mark.parametrize(
        "data",
        [
            pytest.param(b"", id="empty"),
            pytest.param(PNG_SIG, id="signature-only"),
            pytest.param(b"\x89PNG\r\n\x1a\x0b" + IHDR + IEND, id="bad-signature"),
            pytest.param(PNG_SIG + GAMA + IHDR + IDAT1 + IEND, id="ihdr-not-first"),
            pytest.param(PNG_SIG + chunk(b"IHDR", b"\x00" * 12) + IEND, id="short-ihdr"),
            pytest.param(PNG_SIG + IHDR + chunk(b"te1t", b"x") + IEND, id="bad-chunk-type"),
            pytest.param(
                PNG_SIG + IHDR + b"\x80\x00\x00\x00IDAT" + b"\x00" * 16 + IEND,
                id="length-above-2-31",
            ),
            pytest.param(PNG_SIG + IHDR + b"\x00\x00\x10\x00IDAT" + IEND, id="length-past-end"),
            pytest.param(PNG_SIG + IHDR + IDAT1 + IDAT2, id="missing-iend"),
            pytest.param(PNG_SIG + IHDR + IDAT1 + IEND[:-1], id="truncated-iend"),
        ],
    )
    def test_corrupt(self, data: bytes) -> None:
        assert_corrupt(data, "png")


# ==========================================================================================
# WebP
# ==========================================================================================


class TestWebp:
    def test_sample_reads_gps_before_stripping(self) -> None:
        data = phone_webp()
        assert has_location(data, "webp")
        assert read_gps(data, "webp") == pytest.approx((EXPECTED_LAT, EXPECTED_LON))

    def test_strip_drops_chunks_clears_flags_and_fixes_size(self) -> None:
        out = strip_metadata(phone_webp(), "webp")
        chunks = webp_walk(out)  # also checks the RIFF size
        assert [c for c, _ in chunks] == [b"VP8X", b"VP8 "]
        assert chunks[0][1][0] == 0
        assert chunks[1][1] == VP8_CHUNK[8:]
        assert out == riff(vp8x(0), VP8_CHUNK)
        assert not has_location(out, "webp")
        assert read_gps(out, "webp") is None
        assert b"xmpmeta" not in out and b"ShanshuiPhone" not in out

    def test_drawing_flags_and_chunks_are_kept_unknown_ones_dropped(self) -> None:
        iccp = riff_chunk(b"ICCP", b"icc")  # odd size: padded
        unknown = riff_chunk(b"ZZZZ", b"future")  # allow-list: an unknown chunk may hold anything
        data = riff(vp8x(0x20 | 0x08 | 0x04 | 0x10), iccp, VP8_CHUNK, unknown, WEBP_XMP)
        out = strip_metadata(data, "webp")
        assert out == riff(vp8x(0x20 | 0x10), iccp, VP8_CHUNK)
        webp_walk(out)

    def test_simple_format_unchanged(self) -> None:
        assert strip_metadata(SIMPLE_WEBP, "webp") == SIMPLE_WEBP
        assert has_location(SIMPLE_WEBP, "webp") is False
        assert read_gps(SIMPLE_WEBP, "webp") is None

    def test_idempotent(self) -> None:
        once = strip_metadata(phone_webp(), "webp")
        assert strip_metadata(once, "webp") == once

    def test_data_after_riff_is_dropped(self) -> None:
        out = strip_metadata(phone_webp() + b"EXIF trailer", "webp")
        assert out == riff(vp8x(0), VP8_CHUNK)

    def test_missing_final_pad_byte_is_tolerated(self) -> None:
        body = b"WEBP" + vp8x(0x04) + VP8_CHUNK + WEBP_XMP[:-1]  # last chunk: odd, unpadded
        data = b"RIFF" + struct.pack("<I", len(body)) + body
        assert strip_metadata(data, "webp") == riff(vp8x(0), VP8_CHUNK)

    def test_exif_chunk_with_exif_prefix(self) -> None:
        exif = riff_chunk(b"EXIF", b"Exif\x00\x00" + camera_tiff("<"))
        data = riff(vp8x(0x08), VP8_CHUNK, exif)
        assert read_gps(data, "webp") == pytest.approx((EXPECTED_LAT, EXPECTED_LON))

    @pytest.mark.parametrize(
        "data",
        [
            pytest.param(b"", id="empty"),
            pytest.param(b"RIFF\x04\x00\x00\x00WEBP", id="no-chunks"),
            pytest.param(b"RIFX" + SIMPLE_WEBP[4:], id="bad-riff"),
            pytest.param(SIMPLE_WEBP[:8] + b"WAVE" + SIMPLE_WEBP[12:], id="not-webp"),
            pytest.param(b"RIFF\x02\x00\x00\x00WEBP", id="riff-size-too-small"),
            pytest.param(b"RIFF\xff\x00\x00\x00" + SIMPLE_WEBP[8:], id="riff-size-past-end"),
            pytest.param(riff(riff_chunk(b"EXIF", b"x"), VP8_CHUNK), id="no-image-first"),
            pytest.param(riff(riff_chunk(b"VP8X", b"\x00" * 9), VP8_CHUNK), id="short-vp8x"),
            pytest.param(riff(VP8_CHUNK, b"XMP \xff\x00\x00\x00"), id="chunk-past-riff"),
            pytest.param(riff(VP8_CHUNK, b"XMP "), id="truncated-chunk-header"),
        ],
    )
    def test_corrupt(self, data: bytes) -> None:
        assert_corrupt(data, "webp")


# ==========================================================================================
# GIF
# ==========================================================================================


class TestGif:
    def test_strip_drops_comment_and_xmp_keeps_animation_loop(self) -> None:
        data = phone_gif()
        out = strip_metadata(data, "gif")
        assert out == gif_clean()
        assert b"balcony" not in out and b"XMP DataXMP" not in out
        assert NETSCAPE in out

    def test_never_has_location(self) -> None:
        assert has_location(phone_gif(), "gif") is False
        assert read_gps(phone_gif(), "gif") is None

    def test_idempotent_and_clean_file_unchanged(self) -> None:
        clean = gif_clean()
        assert strip_metadata(clean, "gif") == clean
        once = strip_metadata(phone_gif(), "gif")
        assert strip_metadata(once, "gif") == once

    def test_local_colour_table_animexts_and_gif87a(self) -> None:
        head87 = b"GIF87a" + GIF_HEAD[6:]
        data = head87 + ANIMEXTS + GIF_COMMENT + GIF_IMAGE_LCT + GIF_COMMENT + GIF_IMAGE + b";"
        assert strip_metadata(data, "gif") == head87 + ANIMEXTS + GIF_IMAGE_LCT + GIF_IMAGE + b";"

    def test_without_global_colour_table(self) -> None:
        head = b"GIF89a\x01\x00\x01\x00\x00\x00\x00"
        data = head + GIF_COMMENT + GIF_IMAGE_LCT + b";"
        assert strip_metadata(data, "gif") == head + GIF_IMAGE_LCT + b";"

    def test_application_extension_with_odd_identifier_size_is_dropped(self) -> None:
        odd = b"\x21\xff\x0aNETSCAPE2." + sub_blocks(b"\x01\x00\x00")
        data = GIF_HEAD + odd + GIF_IMAGE + b";"
        assert strip_metadata(data, "gif") == GIF_HEAD + GIF_IMAGE + b";"

    def test_data_after_trailer_is_dropped(self) -> None:
        assert strip_metadata(phone_gif() + b"<xmp>secret</xmp>", "gif") == gif_clean()

    @pytest.mark.parametrize(
        "data",
        [
            pytest.param(b"", id="empty"),
            pytest.param(b"GIF90a" + GIF_HEAD[6:] + GIF_IMAGE + b";", id="bad-version"),
            pytest.param(GIF_HEAD[:12], id="short-screen-descriptor"),
            pytest.param(GIF_HEAD[:10] + b"\x87\x00\x00" + b"\x00" * 30, id="gct-past-end"),
            pytest.param(GIF_HEAD + b"\x00" + GIF_IMAGE + b";", id="unknown-block"),
            pytest.param(GIF_HEAD + GIF_IMAGE, id="missing-trailer"),
            pytest.param(GIF_HEAD + b"\x21", id="truncated-extension-label"),
            pytest.param(GIF_HEAD + b"\x2c\x00\x00\x00\x00\x01\x00", id="truncated-descriptor"),
            pytest.param(GIF_HEAD + GIF_IMAGE[:10], id="missing-lzw-code-size"),
            pytest.param(GIF_HEAD + GIF_IMAGE[:-3] + b";", id="sub-block-past-end"),
        ],
    )
    def test_corrupt(self, data: bytes) -> None:
        assert_corrupt(data, "gif")


# ==========================================================================================
# Properties across formats and the public contract
# ==========================================================================================


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_truncation_is_rejected(kind: str) -> None:
    data = SAMPLES[kind]()
    for cut in range(len(data)):
        assert_corrupt(data[:cut], kind)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_random_corruption_raises_only_image_meta_error(kind: str) -> None:
    rng = random.Random(f"imagemeta-{kind}")
    original = SAMPLES[kind]()
    for _ in range(600):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(data))
            choice = rng.random()
            if choice < 0.6:
                data[pos] = rng.choice((0x00, 0xFF, rng.randrange(256)))
            elif choice < 0.8:
                del data[pos : pos + rng.randint(1, 8)]
            else:
                data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        try:
            out = strip_metadata(bytes(data), kind)
        except ImageMetaError:
            continue
        assert strip_metadata(out, kind) == out  # idempotent on whatever it accepts
        for fn in (has_location, read_gps):
            try:
                fn(bytes(data), kind)
            except ImageMetaError:
                pytest.fail(f"{fn.__name__} rejected a file that strip_metadata accepted")


@pytest.mark.parametrize("kind", ["bmp", "jpg", "JPEG", "", "heic", None, 1])
def test_unknown_kind(kind: object) -> None:
    for fn in FUNCTIONS:
        with pytest.raises(ImageMetaError) as info:
            fn(phone_jpeg(), kind)  # type: ignore[arg-type]
        assert str(info.value) == MSG_UNSUPPORTED


# Sorted: a set's order differs between processes, and pytest-xdist's workers must collect alike.
@pytest.mark.parametrize(
    ("kind", "other"), [(k, o) for k in sorted(KINDS) for o in sorted(KINDS) if k != o]
)
def test_wrong_kind_is_corrupt(kind: str, other: str) -> None:
    assert_corrupt(SAMPLES[other](), kind)


def test_error_is_a_value_error_with_chinese_message_and_detail() -> None:
    with pytest.raises(ValueError, match="图片文件已损坏") as info:
        strip_metadata(b"\xff\xd8\xff", "jpeg")
    assert isinstance(info.value, ImageMetaError)
    assert info.value.detail  # an English reason for logs
    assert MSG_UNSUPPORTED.startswith("不支持")


def test_non_bytes_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        strip_metadata("not bytes", "jpeg")  # type: ignore[arg-type]


def test_kinds_constant() -> None:
    assert frozenset({"jpeg", "png", "gif", "webp"}) == KINDS
