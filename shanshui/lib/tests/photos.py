"""Photos as phones write them, built byte by byte for tests: a JPEG (or PNG / WebP) whose EXIF
holds a capture time (DateTimeOriginal, optionally OffsetTimeOriginal) and a GPS position.

Uses the TIFF and container builders of :mod:`shanshui.lib.tests.test_imagemeta`.
"""

from __future__ import annotations

from shanshui.lib.tests.test_imagemeta import (
    BYTE,
    IDAT1,
    IDAT2,
    IEND,
    IHDR,
    LONG,
    PNG_SIG,
    VP8_CHUNK,
    Entry,
    _ifd,
    _pack,
    chunk,
    e_ascii,
    e_rational,
    exif_seg,
    grey_jpeg,
    riff,
    riff_chunk,
    vp8x,
)

TAG_EXIF_IFD = 0x8769
TAG_GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011


def _dms(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 10000)
    return (degrees, 1), (minutes, 1), (seconds, 10000)


def gps_entries(bo: str, lat: float, lon: float) -> list[Entry]:
    return [
        (0x0000, BYTE, 4, b"\x02\x03\x00\x00"),
        e_ascii(0x0001, "N" if lat >= 0 else "S"),
        e_rational(bo, 0x0002, *_dms(lat)),
        e_ascii(0x0003, "E" if lon >= 0 else "W"),
        e_rational(bo, 0x0004, *_dms(lon)),
    ]


def exif_tiff(
    *,
    taken: str | None = "2026:12:01 10:30:00",
    offset: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    bo: str = ">",
    exif_entries: list[Entry] | None = None,
) -> bytes:
    """TIFF (as stored in EXIF): IFD0 with make/model and pointers to an Exif IFD holding the
    capture time and, when ``lat``/``lon`` are given, a GPS IFD."""
    exif: list[Entry] = list(exif_entries or [])
    if taken is not None:
        exif.append(e_ascii(DATETIME_ORIGINAL, taken))
    if offset is not None:
        exif.append(e_ascii(OFFSET_TIME_ORIGINAL, offset))
    gps = gps_entries(bo, lat, lon) if lat is not None and lon is not None else None
    base = [e_ascii(0x010F, "ShanshuiPhone"), e_ascii(0x0110, "Model SN-12345")]

    def ifd0(exif_at: int, gps_at: int) -> bytes:
        entries = [*base, (TAG_EXIF_IFD, LONG, 1, _pack(bo, "I", exif_at))]
        if gps is not None:
            entries.append((TAG_GPS_IFD, LONG, 1, _pack(bo, "I", gps_at)))
        return _ifd(bo, entries, 8)

    exif_at = 8 + len(ifd0(0, 0))
    exif_bytes = _ifd(bo, exif, exif_at)
    gps_at = exif_at + len(exif_bytes)
    header = (b"II" if bo == "<" else b"MM") + _pack(bo, "HI", 42, 8)
    out = header + ifd0(exif_at, gps_at) + exif_bytes
    if gps is not None:
        out += _ifd(bo, gps, gps_at)
    return out


def photo_jpeg(**kwargs) -> bytes:
    """A decodable greyscale JPEG with the EXIF of :func:`exif_tiff`."""
    return grey_jpeg(exif_seg(exif_tiff(**kwargs)))


def photo_png(**kwargs) -> bytes:
    """The 3x2 PNG of test_imagemeta with an ``eXIf`` chunk of :func:`exif_tiff`."""
    return b"".join((PNG_SIG, IHDR, chunk(b"eXIf", exif_tiff(**kwargs)), IDAT1, IDAT2, IEND))


def photo_webp(**kwargs) -> bytes:
    """The 1x1 WebP of test_imagemeta in a VP8X container with an ``EXIF`` chunk."""
    return riff(vp8x(0x08), VP8_CHUNK, riff_chunk(b"EXIF", exif_tiff(**kwargs)))
