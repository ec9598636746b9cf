"""Strip privacy-relevant metadata from uploaded photos, working on the container bytes.

Citizens report pollution with photos taken on their phones. Such files routinely carry the
exact place they were taken (EXIF GPS), the device, its serial number, editing history (XMP),
captions (IPTC / Photoshop APP13), comments and embedded thumbnails, which may still show what
the citizen cropped away. None of it may reach a public page, so every photo is passed through
:func:`strip_metadata` before it is published.

The module deliberately does not decode or re-encode pixels (no Pillow): it parses the container
format, drops the metadata blocks and copies the compressed image data verbatim, so the result
is lossless, fast and independent of any imaging library.

Metadata is removed by allow-list wherever the container allows it (PNG, WebP, GIF): only
what is needed to draw the picture is kept, so an unknown or private block cannot carry data
through. What is removed, per format:

* **JPEG** -- APP1 (EXIF, XMP, extended XMP), APP3..APP13 and APP15 (IPTC / Photoshop, Ducky,
  ...), APP2 blocks other than ``ICC_PROFILE`` (e.g. MPF, FlashPix), APP0 blocks other than JFIF
  (e.g. the JFXX thumbnail), the thumbnail inside the JFIF block itself, COM comments, and
  anything after the EOI marker (multi-picture secondary images, "motion photo" videos and
  vendor trailers, which carry their own EXIF). The ICC profile (colours) and the ``Adobe``
  APP14 block (needed to decode CMYK / YCCK) are kept. Phones store the camera rotation only in
  EXIF ``Orientation``; when it is not the default, a freshly built minimal EXIF block holding
  nothing but that one tag is written back in place of the original, so the photo is still shown
  upright.
* **PNG** -- every chunk except those needed to draw the picture, and anything after ``IEND``.
  Kept, in order: ``IHDR``, ``PLTE``, ``IDAT``, ``IEND``, ``tRNS``, ``gAMA``, ``cHRM``, ``sRGB``,
  ``iCCP``, ``sBIT``, ``pHYs``, ``bKGD`` and the APNG chunks ``acTL``, ``fcTL``, ``fdAT``. So
  ``eXIf``, text chunks, ``tIME`` and any private chunk (which may hold a position as plain text)
  are dropped.
* **WebP** -- every chunk except ``VP8 ``, ``VP8L``, ``VP8X``, ``ALPH``, ``ANIM``, ``ANMF`` and
  ``ICCP``; the ``VP8X`` flags are rewritten to claim only what is kept (ICC profile, alpha,
  animation), and the RIFF size is recomputed. Data after the RIFF container is dropped.
* **GIF** -- comment extensions and application extensions other than the animation loop
  blocks ``NETSCAPE2.0`` / ``ANIMEXTS1.0`` (e.g. XMP ``XMP DataXMP``). Data after the trailer is
  dropped.

Any file that cannot be parsed, including a truncated one, raises :class:`ImageMetaError` (a
``ValueError`` whose message is shown to the user); no other exception type escapes for bad
input. :func:`strip_metadata` is idempotent.

:func:`has_location` and :func:`read_gps` read the EXIF GPS block before stripping, e.g. to
tell the reporting form "your photo contained a location" or to suggest that location;
:func:`read_taken_at` reads when the photo was taken (EXIF ``DateTimeOriginal``), which the
ledger keeps, with the place, as the proof a watermark camera gives. They validate the
container the same way, but a damaged EXIF block is simply treated as absent.

Pure module: standard library only, no Django imports.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import struct
from collections.abc import Callable, Iterator
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

__all__ = [
    "KINDS",
    "MSG_CORRUPT",
    "MSG_UNSUPPORTED",
    "PNG_KEEP",
    "WEBP_KEEP",
    "BytesLike",
    "ImageMetaError",
    "has_location",
    "read_gps",
    "read_taken_at",
    "strip_metadata",
]

#: The container kinds understood by this module.
KINDS: Final[frozenset[str]] = frozenset({"jpeg", "png", "gif", "webp"})

#: What the public functions accept as file contents.
BytesLike = bytes | bytearray | memoryview

MSG_CORRUPT: Final = "图片文件已损坏，无法处理。"
MSG_UNSUPPORTED: Final = "不支持的图片格式，请上传 JPEG、PNG、GIF 或 WebP 图片。"


class ImageMetaError(ValueError):
    """The image cannot be processed; ``str(exc)`` is a message for the end user.

    ``detail`` carries an English technical reason for logs.
    """

    def __init__(self, message: str = MSG_CORRUPT, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


def _corrupt(detail: str) -> ImageMetaError:
    return ImageMetaError(MSG_CORRUPT, detail=detail)


# --------------------------------------------------------------------------------------------
# EXIF (TIFF structure) reading
# --------------------------------------------------------------------------------------------

TAG_ORIENTATION: Final = 0x0112
TAG_GPS_IFD: Final = 0x8825
_GPS_LAT_REF: Final = 1
_GPS_LAT: Final = 2
_GPS_LON_REF: Final = 3
_GPS_LON: Final = 4

# TIFF field type -> size in bytes of one value (13 = IFD, an offset like LONG).
_TIFF_TYPE_SIZES: Final[dict[int, int]] = {
    1: 1,
    2: 1,
    3: 2,
    4: 4,
    5: 8,
    6: 1,
    7: 1,
    8: 2,
    9: 4,
    10: 8,
    11: 4,
    12: 8,
    13: 4,
}
_SHORT: Final = 3
_LONG: Final = 4
_RATIONAL: Final = 5
_SRATIONAL: Final = 10
_IFD: Final = 13


class _BadExif(Exception):
    """Internal: the EXIF payload is malformed (never escapes this module)."""


class _Tiff:
    """Minimal reader for the TIFF structure inside an EXIF block."""

    def __init__(self, tiff: bytes) -> None:
        if len(tiff) < 8:
            raise _BadExif("TIFF header too short")
        order = tiff[:2]
        if order == b"II":
            self._bo = "<"
        elif order == b"MM":
            self._bo = ">"
        else:
            raise _BadExif("bad TIFF byte order")
        if self._unpack("H", tiff, 2)[0] != 42:
            raise _BadExif("bad TIFF magic")
        self._data = tiff
        self.ifd0_offset: int = self._unpack("I", tiff, 4)[0]

    def _unpack(self, fmt: str, buf: bytes, offset: int) -> tuple[int, ...]:
        st = struct.Struct(self._bo + fmt)
        if offset < 0 or offset + st.size > len(buf):
            raise _BadExif("read past end of EXIF")
        return st.unpack_from(buf, offset)

    def ifd(self, offset: int) -> dict[int, tuple[int, int, bytes]]:
        """Entries of the IFD at ``offset``: tag -> (type, count, raw value bytes)."""
        data = self._data
        (count,) = self._unpack("H", data, offset)
        if offset + 2 + 12 * count > len(data):
            raise _BadExif("IFD runs past end of EXIF")
        entries: dict[int, tuple[int, int, bytes]] = {}
        for i in range(count):
            pos = offset + 2 + 12 * i
            tag, typ, n = self._unpack("HHI", data, pos)
            size = _TIFF_TYPE_SIZES.get(typ)
            if size is None:
                continue  # unknown field type: skip, as TIFF readers must
            total = size * n
            if total <= 4:
                raw = data[pos + 8 : pos + 8 + total]
            else:
                (value_offset,) = self._unpack("I", data, pos + 8)
                if value_offset + total > len(data):
                    raise _BadExif("IFD value runs past end of EXIF")
                raw = data[value_offset : value_offset + total]
            entries.setdefault(tag, (typ, n, raw))
        return entries

    def integers(self, entry: tuple[int, int, bytes]) -> list[int]:
        typ, n, raw = entry
        if typ == _SHORT:
            return list(self._unpack(f"{n}H", raw, 0))
        if typ in (_LONG, _IFD):
            return list(self._unpack(f"{n}I", raw, 0))
        raise _BadExif("not an integer field")

    def rationals(self, entry: tuple[int, int, bytes]) -> list[float]:
        typ, n, raw = entry
        if typ not in (_RATIONAL, _SRATIONAL):
            raise _BadExif("not a rational field")
        values = self._unpack(f"{2 * n}{'I' if typ == _RATIONAL else 'i'}", raw, 0)
        result: list[float] = []
        for num, den in zip(values[0::2], values[1::2], strict=True):
            if den == 0:
                raise _BadExif("zero denominator")
            result.append(num / den)
        return result


def _exif_tiff(payload: bytes) -> bytes:
    """TIFF data of an EXIF block, with or without the ``Exif\\0\\0`` prefix."""
    if payload.startswith(b"Exif\x00"):
        return payload[6:]
    return payload


def _orientation(tiff: bytes) -> int | None:
    """EXIF Orientation of IFD0 when it is a valid non-default value (2..8), else None."""
    try:
        reader = _Tiff(tiff)
        entry = reader.ifd(reader.ifd0_offset).get(TAG_ORIENTATION)
        if entry is None:
            return None
        values = reader.integers(entry)
    except _BadExif:
        return None
    if values and 2 <= values[0] <= 8:
        return values[0]
    return None


def _tiff_has_gps(tiff: bytes) -> bool:
    try:
        reader = _Tiff(tiff)
        return TAG_GPS_IFD in reader.ifd(reader.ifd0_offset)
    except _BadExif:
        return False


def _gps_component(reader: _Tiff, gps: dict[int, tuple[int, int, bytes]], tag: int) -> float:
    values = reader.rationals(gps[tag])
    if not values or len(values) > 3:
        raise _BadExif("bad GPS coordinate count")
    degrees = 0.0
    for value, scale in zip(values, (1.0, 60.0, 3600.0), strict=False):
        degrees += value / scale
    return degrees


def _gps_sign(reader: _Tiff, gps: dict[int, tuple[int, int, bytes]], tag: int, neg: bytes) -> int:
    entry = gps.get(tag)
    if entry is None:
        return 1  # no reference written: the usual reading is north / east
    ref = entry[2].rstrip(b"\x00 ").upper()
    if ref == neg:
        return -1
    if ref in (b"N", b"E"):
        return 1
    raise _BadExif("bad GPS reference")


def _tiff_gps(tiff: bytes) -> tuple[float, float] | None:
    try:
        reader = _Tiff(tiff)
        pointer = reader.ifd(reader.ifd0_offset).get(TAG_GPS_IFD)
        if pointer is None:
            return None
        gps = reader.ifd(reader.integers(pointer)[0])
        if _GPS_LAT not in gps or _GPS_LON not in gps:
            return None
        lat = _gps_component(reader, gps, _GPS_LAT)
        lon = _gps_component(reader, gps, _GPS_LON)
        lat *= _gps_sign(reader, gps, _GPS_LAT_REF, b"S")
        lon *= _gps_sign(reader, gps, _GPS_LON_REF, b"W")
    except (_BadExif, IndexError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return None
    return lat, lon


TAG_EXIF_IFD: Final = 0x8769
TAG_DATETIME_ORIGINAL: Final = 0x9003
TAG_OFFSET_TIME_ORIGINAL: Final = 0x9011
_ASCII_TYPES: Final = frozenset({1, 2, 7})  # ASCII as written, and BYTE / UNDEFINED by sloppy tools

#: Where a camera that writes no UTC offset is assumed to be (phones used in Chongqing).
DEFAULT_PHOTO_ZONE: Final = ZoneInfo("Asia/Shanghai")

# "2026:12:01 09:30:05" (EXIF), also with "-" or "/" between date parts or a "T" before the time,
# as some editors write it; anything after the seconds (sub-seconds, a zone) is ignored.
_EXIF_DATETIME: Final = re.compile(
    rb"\s*(\d{4})[:\-/](\d{2})[:\-/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})"
)
_EXIF_OFFSET: Final = re.compile(rb"\s*([+-])(\d{2}):(\d{2})\s*$")


def _exif_text(entry: tuple[int, int, bytes]) -> bytes:
    typ, _n, raw = entry
    if typ not in _ASCII_TYPES:
        raise _BadExif("not a text field")
    return raw.split(b"\x00", 1)[0]


def _exif_offset(entry: tuple[int, int, bytes] | None) -> dt.tzinfo | None:
    """OffsetTimeOriginal ("+08:00") as a fixed zone, or None when absent or unusable."""
    if entry is None:
        return None
    try:
        match = _EXIF_OFFSET.match(_exif_text(entry))
    except _BadExif:
        return None
    if match is None:
        return None
    hours, minutes = int(match[2]), int(match[3])
    if hours > 14 or minutes > 59:
        return None
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if match[1] == b"-" else delta)


def _tiff_taken_at(tiff: bytes) -> dt.datetime | None:
    try:
        reader = _Tiff(tiff)
        pointer = reader.ifd(reader.ifd0_offset).get(TAG_EXIF_IFD)
        if pointer is None:
            return None
        exif = reader.ifd(reader.integers(pointer)[0])
        entry = exif.get(TAG_DATETIME_ORIGINAL)
        if entry is None:
            return None
        match = _EXIF_DATETIME.match(_exif_text(entry))
        zone = _exif_offset(exif.get(TAG_OFFSET_TIME_ORIGINAL))
    except (_BadExif, IndexError):
        return None
    if match is None:  # e.g. "    :  :     :  :  ", the standard's "unknown"
        return None
    if not 1900 <= int(match[1]) <= 9998:  # no photos then; and the UTC conversion stays in range
        return None
    try:
        return dt.datetime(
            *(int(part) for part in match.groups()),  # type: ignore[misc]
            tzinfo=zone or DEFAULT_PHOTO_ZONE,
        )
    except ValueError:  # 0000:00:00, month 13, hour 24 ...
        return None


def _orientation_exif_payload(orientation: int) -> bytes:
    """A minimal EXIF block: big-endian TIFF, IFD0 with the single Orientation entry."""
    ifd0 = struct.pack(">H", 1) + struct.pack(">HHIHH", TAG_ORIENTATION, _SHORT, 1, orientation, 0)
    return b"Exif\x00\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd0 + struct.pack(">I", 0)


# --------------------------------------------------------------------------------------------
# JPEG
# --------------------------------------------------------------------------------------------

_SOI: Final = 0xD8
_EOI: Final = 0xD9
_SOS: Final = 0xDA
_TEM: Final = 0x01
_APP0: Final = 0xE0
_APP1: Final = 0xE1
_APP2: Final = 0xE2
_APP14: Final = 0xEE
_APP15: Final = 0xEF
_COM: Final = 0xFE
_STANDALONE: Final = frozenset({_TEM, *range(0xD0, 0xD8)})  # TEM, RST0..RST7: no length field
_SOF_MARKERS: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}

# One parsed piece of a JPEG stream: (marker, segment payload, entropy-coded data after SOS).
_JpegPart = tuple[int, bytes, bytes]


def _jpeg_entropy_end(data: bytes, pos: int) -> int:
    """Index of the first marker after the entropy-coded data starting at ``pos``.

    Inside entropy-coded data a 0xFF byte is followed by a stuffed 0x00 or by a restart marker
    RST0..RST7; anything else (possibly after 0xFF fill bytes) is the next marker.
    """
    n = len(data)
    while True:
        i = data.find(b"\xff", pos)
        if i < 0:
            raise _corrupt("JPEG ends inside entropy-coded data")
        j = i + 1
        while j < n and data[j] == 0xFF:
            j += 1
        if j >= n:
            raise _corrupt("JPEG ends inside entropy-coded data")
        if data[j] == 0x00 or 0xD0 <= data[j] <= 0xD7:
            pos = j + 1
            continue
        return i


def _jpeg_parts(data: bytes) -> Iterator[_JpegPart]:
    """Walk a JPEG from SOI to EOI, validating the marker structure.

    Yields ``(marker, payload, entropy)`` for every marker after SOI, EOI included. Standalone
    markers have an empty payload; ``entropy`` is only non-empty for SOS.
    """
    if not data.startswith(b"\xff\xd8"):
        raise _corrupt("missing JPEG SOI marker")
    n = len(data)
    pos = 2
    seen_sof = seen_sos = False
    while True:
        if pos >= n:
            raise _corrupt("JPEG ends before EOI")
        if data[pos] != 0xFF:
            raise _corrupt(f"expected a JPEG marker at offset {pos}")
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            raise _corrupt("JPEG ends before EOI")
        marker = data[pos]
        pos += 1
        if marker in (0x00, _SOI):
            raise _corrupt(f"invalid JPEG marker 0x{marker:02X} at offset {pos - 1}")
        if marker == _EOI:
            if not seen_sos:
                raise _corrupt("JPEG has no image data")
            yield marker, b"", b""
            return
        if marker in _STANDALONE:
            yield marker, b"", b""
            continue
        if pos + 2 > n:
            raise _corrupt("JPEG ends inside a segment header")
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > n:
            raise _corrupt(f"bad JPEG segment length for marker 0x{marker:02X}")
        payload = data[pos + 2 : pos + length]
        pos += length
        if marker in _SOF_MARKERS:
            seen_sof = True
        if marker == _SOS:
            if not seen_sof:
                raise _corrupt("JPEG scan before frame header")
            seen_sos = True
            end = _jpeg_entropy_end(data, pos)
            yield marker, payload, data[pos:end]
            pos = end
        else:
            yield marker, payload, b""


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes((marker,)) + struct.pack(">H", len(payload) + 2) + payload


def _jpeg_keep(marker: int, payload: bytes) -> bytes | None:
    """The payload to write for a non-EXIF segment, or None to drop the segment."""
    if marker == _APP0:
        # JFIF: identifier, version, units, densities, then an optional RGB thumbnail that is
        # dropped by setting its size to 0x0. Other APP0 blocks (JFXX thumbnails, AVI1) go.
        if payload.startswith(b"JFIF\x00") and len(payload) >= 14:
            return payload[:12] + b"\x00\x00"
        return None
    if marker == _APP2:
        return payload if payload.startswith(b"ICC_PROFILE\x00") else None
    if marker == _APP14:
        return payload if payload.startswith(b"Adobe") else None
    if _APP1 <= marker <= _APP15 or marker == _COM:
        return None
    return payload


def _jpeg_strip(data: bytes) -> bytes:
    parts = list(_jpeg_parts(data))
    out = [b"\xff\xd8"]
    exif_seen = False
    for marker, payload, entropy in parts:
        if marker == _EOI or marker in _STANDALONE:
            out.append(b"\xff" + bytes((marker,)))
            continue
        if marker == _APP1:
            if not exif_seen and payload.startswith(b"Exif\x00"):
                exif_seen = True
                orientation = _orientation(_exif_tiff(payload))
                if orientation is not None:
                    out.append(_jpeg_segment(_APP1, _orientation_exif_payload(orientation)))
            continue
        kept = _jpeg_keep(marker, payload)
        if kept is not None:
            out.append(_jpeg_segment(marker, kept))
        out.append(entropy)
    return b"".join(out)


def _jpeg_exif(data: bytes) -> bytes | None:
    exif: bytes | None = None
    for marker, payload, _ in _jpeg_parts(data):
        if exif is None and marker == _APP1 and payload.startswith(b"Exif\x00"):
            exif = _exif_tiff(payload)
    return exif


# --------------------------------------------------------------------------------------------
# PNG
# --------------------------------------------------------------------------------------------

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
# What a PNG needs to be drawn as its author meant (colour, transparency, pixel size, APNG
# animation). Everything else, known or private, is dropped.
PNG_KEEP: Final[frozenset[bytes]] = frozenset(
    {
        *(b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP"),
        *(b"sBIT", b"pHYs", b"bKGD", b"acTL", b"fcTL", b"fdAT"),
    }
)
_PNG_MAX_LENGTH: Final = 0x7FFFFFFF


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """Yield ``(type, start, end)`` of every chunk from IHDR to IEND (``end`` past the CRC)."""
    if not data.startswith(_PNG_SIGNATURE):
        raise _corrupt("missing PNG signature")
    n = len(data)
    pos = len(_PNG_SIGNATURE)
    first = True
    while True:
        if pos + 8 > n:
            raise _corrupt("PNG ends before IEND")
        length = int.from_bytes(data[pos : pos + 4], "big")
        ctype = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if length > _PNG_MAX_LENGTH or end > n:
            raise _corrupt(f"bad PNG chunk length at offset {pos}")
        if not ctype.isalpha():
            raise _corrupt(f"bad PNG chunk type at offset {pos}")
        if first and (ctype != b"IHDR" or length != 13):
            raise _corrupt("PNG does not start with IHDR")
        first = False
        yield ctype, pos, end
        if ctype == b"IEND":
            return
        pos = end


def _png_strip(data: bytes) -> bytes:
    out = [_PNG_SIGNATURE]
    out.extend(data[s:e] for ctype, s, e in _png_chunks(data) if ctype in PNG_KEEP)
    return b"".join(out)


def _png_exif(data: bytes) -> bytes | None:
    exif: bytes | None = None
    for ctype, start, end in _png_chunks(data):
        if exif is None and ctype == b"eXIf":
            exif = _exif_tiff(data[start + 8 : end - 4])
    return exif


# --------------------------------------------------------------------------------------------
# WebP (RIFF)
# --------------------------------------------------------------------------------------------

#: The WebP chunks that draw the picture; everything else (EXIF, XMP, private chunks) is dropped.
WEBP_KEEP: Final[frozenset[bytes]] = frozenset(
    {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
)
_WEBP_IMAGE_FIRST: Final = frozenset({b"VP8 ", b"VP8L", b"VP8X"})
# VP8X flags (byte 0): reserved bits, then ICC, alpha, EXIF, XMP, animation, reserved.
_VP8X_FLAG_ICC: Final = 0x20
_VP8X_FLAG_ALPHA: Final = 0x10
_VP8X_FLAG_ANIMATION: Final = 0x02


def _webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """``(fourcc, payload)`` of every chunk inside the RIFF container."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise _corrupt("missing RIFF/WEBP header")
    riff_size = int.from_bytes(data[4:8], "little")
    end = 8 + riff_size
    if riff_size < 4 or end > len(data):
        raise _corrupt("bad RIFF size")
    chunks: list[tuple[bytes, bytes]] = []
    pos = 12
    while pos < end:
        if pos + 8 > end:
            raise _corrupt(f"WebP ends inside a chunk header at offset {pos}")
        fourcc = data[pos : pos + 4]
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        payload_end = pos + 8 + size
        if payload_end > end:
            raise _corrupt(f"bad WebP chunk size at offset {pos}")
        chunks.append((fourcc, data[pos + 8 : payload_end]))
        # Chunks are padded to an even size; tolerate a missing pad byte after the last one.
        pos = min(payload_end + (size & 1), end)
    if not chunks or chunks[0][0] not in _WEBP_IMAGE_FIRST:
        raise _corrupt("WebP does not start with an image chunk")
    if chunks[0][0] == b"VP8X" and len(chunks[0][1]) < 10:
        raise _corrupt("VP8X chunk too short")
    return chunks


def _webp_strip(data: bytes) -> bytes:
    body: list[bytes] = [b"WEBP"]
    chunks = [(fourcc, payload) for fourcc, payload in _webp_chunks(data) if fourcc in WEBP_KEEP]
    kept = {fourcc for fourcc, _ in chunks}
    for fourcc, payload in chunks:
        if fourcc == b"VP8X":
            # Claim only what is kept: no EXIF or XMP, no reserved bits; ICC only with its chunk.
            flags = payload[0] & (_VP8X_FLAG_ICC | _VP8X_FLAG_ALPHA | _VP8X_FLAG_ANIMATION)
            if b"ICCP" not in kept:
                flags &= ~_VP8X_FLAG_ICC
            payload = bytes((flags,)) + payload[1:]
        body.append(fourcc + struct.pack("<I", len(payload)) + payload)
        if len(payload) & 1:
            body.append(b"\x00")
    content = b"".join(body)
    return b"RIFF" + struct.pack("<I", len(content)) + content


def _webp_exif(data: bytes) -> bytes | None:
    for fourcc, payload in _webp_chunks(data):
        if fourcc == b"EXIF":
            return _exif_tiff(payload)
    return None


# --------------------------------------------------------------------------------------------
# GIF
# --------------------------------------------------------------------------------------------

_GIF_EXTENSION: Final = 0x21
_GIF_IMAGE: Final = 0x2C
_GIF_TRAILER: Final = 0x3B
_GIF_COMMENT: Final = 0xFE
_GIF_APPLICATION: Final = 0xFF
_GIF_KEEP_APPS: Final = frozenset({b"NETSCAPE2.0", b"ANIMEXTS1.0"})


def _gif_skip_sub_blocks(data: bytes, pos: int) -> int:
    """Position just past the sub-block sequence (and its terminator) starting at ``pos``."""
    n = len(data)
    while True:
        if pos >= n:
            raise _corrupt("GIF ends inside a data sub-block")
        size = data[pos]
        pos += 1
        if size == 0:
            return pos
        pos += size


def _gif_colour_table_size(packed: int) -> int:
    return 3 << ((packed & 0x07) + 1) if packed & 0x80 else 0


def _gif_strip(data: bytes) -> bytes:
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise _corrupt("missing GIF header")
    n = len(data)
    pos = 13 + _gif_colour_table_size(data[10])
    if pos > n:
        raise _corrupt("GIF ends inside the global colour table")
    out = [data[:pos]]
    while True:
        if pos >= n:
            raise _corrupt("GIF ends before the trailer")
        introducer = data[pos]
        if introducer == _GIF_TRAILER:
            out.append(b";")
            return b"".join(out)
        if introducer == _GIF_IMAGE:
            if pos + 10 > n:
                raise _corrupt("GIF ends inside an image descriptor")
            data_start = pos + 10 + _gif_colour_table_size(data[pos + 9])
            if data_start >= n:  # the LZW minimum code size byte must follow
                raise _corrupt("GIF ends inside an image")
            end = _gif_skip_sub_blocks(data, data_start + 1)
            out.append(data[pos:end])
        elif introducer == _GIF_EXTENSION:
            if pos + 2 > n:
                raise _corrupt("GIF ends inside an extension")
            label = data[pos + 1]
            end = _gif_skip_sub_blocks(data, pos + 2)
            keep = True
            if label == _GIF_COMMENT:
                keep = False
            elif label == _GIF_APPLICATION:
                # The first sub-block is the 8-byte identifier plus 3-byte authentication code.
                keep = data[pos + 2] == 11 and data[pos + 3 : pos + 14] in _GIF_KEEP_APPS
            if keep:
                out.append(data[pos:end])
        else:
            raise _corrupt(f"unknown GIF block 0x{introducer:02X} at offset {pos}")
        pos = end


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------

_STRIPPERS: Final[dict[str, Callable[[bytes], bytes]]] = {
    "jpeg": _jpeg_strip,
    "png": _png_strip,
    "gif": _gif_strip,
    "webp": _webp_strip,
}


def _no_exif(data: bytes) -> bytes | None:
    _gif_strip(data)  # validate the container; GIF has no EXIF
    return None


_T = TypeVar("_T")

_EXIF_READERS: Final[dict[str, Callable[[bytes], bytes | None]]] = {
    "jpeg": _jpeg_exif,
    "png": _png_exif,
    "gif": _no_exif,
    "webp": _webp_exif,
}


def _run(table: dict[str, Callable[[bytes], _T]], data: BytesLike, kind: str) -> _T:
    if not isinstance(kind, str) or kind not in table:
        raise ImageMetaError(MSG_UNSUPPORTED, detail=f"unknown image kind {kind!r}")
    if not isinstance(data, BytesLike):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    try:
        return table[kind](bytes(data))
    except (IndexError, struct.error, OverflowError) as exc:  # safety net: never expected
        raise _corrupt(f"{kind} parser failed: {exc!r}") from exc


def strip_metadata(data: BytesLike, kind: str) -> bytes:
    """Return ``data`` without privacy-relevant metadata; ``kind`` is one of :data:`KINDS`.

    The compressed image data is copied unchanged. Raises :class:`ImageMetaError` for an
    unknown ``kind`` or a file that cannot be parsed.
    """
    return _run(_STRIPPERS, data, kind)


def has_location(data: BytesLike, kind: str) -> bool:
    """Whether the file's EXIF IFD0 has a GPSInfo pointer (tag 0x8825).

    Raises :class:`ImageMetaError` like :func:`strip_metadata`; an unreadable EXIF block counts
    as no location.
    """
    tiff = _run(_EXIF_READERS, data, kind)
    return tiff is not None and _tiff_has_gps(tiff)


def read_gps(data: BytesLike, kind: str) -> tuple[float, float] | None:
    """``(latitude, longitude)`` in decimal degrees from EXIF GPS, or None.

    None when there is no EXIF GPS block or it cannot be parsed. The coordinates are as the
    device wrote them (normally WGS84). Raises :class:`ImageMetaError` like
    :func:`strip_metadata`.
    """
    tiff = _run(_EXIF_READERS, data, kind)
    return None if tiff is None else _tiff_gps(tiff)


def read_taken_at(data: BytesLike, kind: str) -> dt.datetime | None:
    """When the photo was taken (EXIF ``DateTimeOriginal``), as an aware datetime, or None.

    The camera writes its local clock time; ``OffsetTimeOriginal`` ("+08:00"), when present,
    says which zone that is, otherwise :data:`DEFAULT_PHOTO_ZONE` is assumed. None when the file
    has no such tag or it cannot be read. Like the GPS position, it is only as honest as the
    device's clock. Raises :class:`ImageMetaError` like :func:`strip_metadata`.
    """
    tiff = _run(_EXIF_READERS, data, kind)
    return None if tiff is None else _tiff_taken_at(tiff)
