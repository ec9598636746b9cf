"""Photo metadata by allow-list (issue 14): only what draws the picture reaches the public copy.

A deny-list misses whatever it does not know: a private PNG chunk holding "29.563012,106.551556"
went through. These tests check the allow-list two ways: hypothesis generates containers with
arbitrary chunks and arbitrary bytes (only :class:`ImageMetaError` may escape, the result is
idempotent and holds no chunk outside the lists), and Pillow, a reader independent of our parser
and installed for the tests only, opens the public copies and finds no metadata in them while
the pixels are unchanged.
"""

from __future__ import annotations

import io
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from shanshui.lib.imagemeta import (
    KINDS,
    PNG_KEEP,
    WEBP_KEEP,
    ImageMetaError,
    has_location,
    read_gps,
    read_taken_at,
    strip_metadata,
)
from shanshui.lib.tests.test_imagemeta import (
    IDAT1,
    IDAT2,
    IEND,
    IHDR,
    PNG_SIG,
    SAMPLES,
    VP8_CHUNK,
    chunk,
    png_walk,
    riff,
    riff_chunk,
    vp8x,
    webp_walk,
)

SECRET = b"lat=29.563012;lon=106.551556"  # what a private chunk may hold, as plain text
SECRET_TEXT = "29.563012,106.551556 张三 13987654321"
GPS_IFD = 0x8825
VP8X_EXIF, VP8X_XMP = 0x08, 0x04
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- an independent reader (Pillow) ----------------------------------------------------------


def _pixels(data: bytes) -> list[bytes]:
    """Every frame's pixels as Pillow decodes them."""
    with Image.open(io.BytesIO(data)) as im:
        frames = []
        for index in range(getattr(im, "n_frames", 1)):
            im.seek(index)
            frames.append(im.convert("RGBA").tobytes())
        return frames


def assert_no_metadata(data: bytes) -> None:
    """What Pillow finds in ``data``: no EXIF (no GPS), no XMP, no text, no comment, no time."""
    assert SECRET not in data and SECRET_TEXT.encode() not in data
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        exif = im.getexif()
        assert GPS_IFD not in exif and not exif.get_ifd(GPS_IFD)
        assert set(exif) <= {0x0112}, dict(exif)  # at most the orientation (JPEG keeps it)
        info_keys = set(im.info) - {
            *("dpi", "gamma", "srgb", "icc_profile", "transparency", "aspect", "background"),
            *("duration", "loop", "disposal", "blend", "default_image", "jfif", "jfif_version"),
            *("jfif_unit", "jfif_density", "progressive", "progression", "adobe"),
            *("adobe_transform", "version", "extension", "timestamp", "bbox"),
            "exif",  # checked above: holds nothing but the orientation
        }
        assert not info_keys, {k: im.info[k] for k in info_keys}
        assert not getattr(im, "text", {})


def _gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "ShanshuiPhone"
    exif[0x0131] = SECRET_TEXT
    exif[GPS_IFD] = {1: "N", 2: (29.0, 33.0, 46.8), 3: "E", 4: (106.0, 33.0, 5.6)}
    return exif


def _picture(mode: str = "RGB", size: tuple[int, int] = (8, 6), shade: int = 0) -> Image.Image:
    im = Image.new(mode, size)
    im.putdata(
        [
            tuple((x * 31 + y * 17 + shade + c * 50) % 256 for c in range(len(mode)))
            for y in range(size[1])
            for x in range(size[0])
        ]
    )
    return im


def _insert_png_chunks(data: bytes, *chunks: bytes) -> bytes:
    """``chunks`` placed right after IHDR (first chunk: 8 + 25 bytes)."""
    return data[:33] + b"".join(chunks) + data[33:]


def pillow_png(**params) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET_TEXT)
    info.add_text("Location", SECRET_TEXT, zip=True)
    info.add_itxt("Description", SECRET_TEXT, lang="zh", tkey="说明")
    out = io.BytesIO()
    _picture().save(out, "PNG", pnginfo=info, exif=_gps_exif(), **params)
    return _insert_png_chunks(
        out.getvalue(),
        chunk(b"prVt", SECRET),  # private, ancillary: readers skip it, the bytes stay
        chunk(b"tIME", struct.pack(">HBBBBB", 2026, 12, 1, 9, 30, 5)),
    )


def _insert_webp_chunk(data: bytes, extra: bytes) -> bytes:
    body = data[12:] + extra
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


# --- the reported hole -----------------------------------------------------------------------


def test_private_png_chunk_with_a_position_is_dropped() -> None:
    data = b"".join((PNG_SIG, IHDR, chunk(b"prVt", SECRET), IDAT1, IDAT2, IEND))
    out = strip_metadata(data, "png")
    assert SECRET not in out
    assert out == b"".join((PNG_SIG, IHDR, IDAT1, IDAT2, IEND))


def test_png_keeps_exactly_the_drawing_chunks() -> None:
    assert {
        *(b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP"),
        *(b"sBIT", b"pHYs", b"bKGD", b"acTL", b"fcTL", b"fdAT"),
    } == PNG_KEEP
    assert {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"} == WEBP_KEEP


def test_private_webp_chunk_is_dropped_and_flags_claim_only_what_is_kept() -> None:
    data = riff(
        vp8x(0xFF),  # every flag, reserved bits too
        riff_chunk(b"ICCP", b"icc"),
        VP8_CHUNK,
        riff_chunk(b"GPS ", SECRET),
        riff_chunk(b"EXIF", b"Exif\x00\x00MM"),
    )
    out = strip_metadata(data, "webp")
    chunks = webp_walk(out)
    assert [c for c, _ in chunks] == [b"VP8X", b"ICCP", b"VP8 "]
    assert chunks[0][1][0] == 0x20 | 0x10 | 0x02  # ICC, alpha, animation
    assert SECRET not in out


def test_webp_icc_flag_is_cleared_without_its_chunk() -> None:
    out = strip_metadata(riff(vp8x(0x20 | VP8X_EXIF), VP8_CHUNK), "webp")
    assert webp_walk(out)[0][1][0] == 0


# --- Pillow reads the public copies ----------------------------------------------------------


def test_png_from_pillow_with_text_exif_time_and_private_chunk() -> None:
    data = pillow_png(dpi=(300, 300))
    with Image.open(io.BytesIO(data)) as im:  # the reader does see it all before
        assert im.text["Comment"] == SECRET_TEXT and im.getexif().get_ifd(GPS_IFD)
    assert SECRET in data
    out = strip_metadata(data, "png")
    assert_no_metadata(out)
    assert _pixels(out) == _pixels(data)
    with Image.open(io.BytesIO(out)) as im:
        assert im.info["dpi"] == pytest.approx((300, 300), abs=0.1)  # pHYs kept


@pytest.mark.parametrize("mode", ["P", "RGBA", "LA", "L", "1"])
def test_png_modes_still_draw_the_same(mode: str) -> None:
    source = _picture("RGB").convert(mode)
    info = PngImagePlugin.PngInfo()
    info.add_text("GPS", SECRET_TEXT)
    buf = io.BytesIO()
    params = {"transparency": 3} if mode == "P" else {}
    source.save(buf, "PNG", pnginfo=info, **params)
    data = _insert_png_chunks(buf.getvalue(), chunk(b"prVt", SECRET))
    out = strip_metadata(data, "png")
    assert_no_metadata(out)
    assert _pixels(out) == _pixels(data)


def test_apng_keeps_its_frames() -> None:
    frames = [_picture(shade=0), _picture(shade=90), _picture(shade=180)]
    buf = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET_TEXT)
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:], duration=100, pnginfo=info)
    data = _insert_png_chunks(buf.getvalue(), chunk(b"prVt", SECRET))
    out = strip_metadata(data, "png")
    assert_no_metadata(out)
    assert len(_pixels(out)) == 3
    assert _pixels(out) == _pixels(data)
    assert {t for t, _, _ in png_walk(out)} >= {b"acTL", b"fcTL", b"fdAT"}


@pytest.mark.parametrize("lossless", [True, False])
def test_webp_from_pillow_with_exif_xmp_and_private_chunk(lossless: bool) -> None:
    buf = io.BytesIO()
    xmp = f"<x:xmpmeta><rdf:Description>{SECRET_TEXT}</rdf:Description></x:xmpmeta>".encode()
    _picture("RGBA").save(buf, "WEBP", lossless=lossless, exif=_gps_exif(), xmp=xmp)
    data = _insert_webp_chunk(buf.getvalue(), riff_chunk(b"GPS ", SECRET))
    with Image.open(io.BytesIO(data)) as im:
        assert im.getexif().get_ifd(GPS_IFD) and "xmp" in im.info
    out = strip_metadata(data, "webp")
    assert_no_metadata(out)
    assert webp_walk(out)[0][1][0] & (VP8X_EXIF | VP8X_XMP) == 0
    assert _pixels(out) == _pixels(data)


def test_animated_webp_keeps_its_frames() -> None:
    frames = [_picture("RGBA", shade=0), _picture("RGBA", shade=120)]
    buf = io.BytesIO()
    frames[0].save(
        buf, "WEBP", save_all=True, append_images=frames[1:], lossless=True, exif=_gps_exif()
    )
    out = strip_metadata(buf.getvalue(), "webp")
    assert_no_metadata(out)
    assert _pixels(out) == _pixels(buf.getvalue())
    assert len(_pixels(out)) == 2


def test_jpeg_from_pillow_loses_gps_keeps_orientation() -> None:
    exif = _gps_exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    _picture().save(buf, "JPEG", exif=exif, comment=SECRET_TEXT.encode(), quality=90)
    out = strip_metadata(buf.getvalue(), "jpeg")
    assert_no_metadata(out)
    with Image.open(io.BytesIO(out)) as im:
        assert dict(im.getexif()) == {0x0112: 6}
    assert _pixels(out) == _pixels(buf.getvalue())


def test_gif_from_pillow_loses_its_comment() -> None:
    buf = io.BytesIO()
    _picture().convert("P").save(buf, "GIF", comment=SECRET_TEXT.encode())
    out = strip_metadata(buf.getvalue(), "gif")
    assert_no_metadata(out)
    assert _pixels(out) == _pixels(buf.getvalue())


# --- fuzzing the parser ----------------------------------------------------------------------

ALPHA = st.sampled_from(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
PNG_TYPES = st.one_of(
    st.sampled_from(sorted(PNG_KEEP - {b"IHDR", b"IEND"})),
    st.sampled_from([b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME", b"prVt", b"caBX"]),
    st.lists(ALPHA, min_size=4, max_size=4).map(bytes),
)
WEBP_TYPES = st.one_of(
    st.sampled_from(sorted(WEBP_KEEP - {b"VP8X"})),
    st.sampled_from([b"EXIF", b"XMP ", b"GPS ", b"ZZZZ"]),
    st.binary(min_size=4, max_size=4),
)
PAYLOAD = st.binary(max_size=40)


def _strip_or_reject(data: bytes, kind: str) -> bytes | None:
    """The stripped file, or None when it was rejected (only ImageMetaError may say so)."""
    try:
        out = strip_metadata(data, kind)
    except ImageMetaError:
        return None
    for reader in (has_location, read_gps, read_taken_at):
        reader(data, kind)  # accepted by one, accepted by all
    return out


def _check_allowed(out: bytes, kind: str) -> None:
    assert strip_metadata(out, kind) == out  # idempotent
    if kind == "png":
        assert {t for t, _, _ in png_walk(out)} <= PNG_KEEP
    elif kind == "webp":
        chunks = webp_walk(out)
        assert {c for c, _ in chunks} <= WEBP_KEEP
        if chunks[0][0] == b"VP8X":
            assert chunks[0][1][0] & (VP8X_EXIF | VP8X_XMP | 0xC1) == 0


@FUZZ
@given(data=st.binary(max_size=600), kind=st.sampled_from(sorted(KINDS)))
def test_fuzz_any_bytes(data: bytes, kind: str) -> None:
    out = _strip_or_reject(data, kind)
    if out is not None:
        _check_allowed(out, kind)


@FUZZ
@given(
    kind=st.sampled_from(sorted(KINDS)),
    edits=st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from(["set", "cut", "add"]), PAYLOAD),
        min_size=1,
        max_size=4,
    ),
)
def test_fuzz_mutated_samples(kind: str, edits: list[tuple[int, str, bytes]]) -> None:
    data = bytearray(SAMPLES[kind]())
    for pos, how, payload in edits:
        at = pos % (len(data) + 1)
        if how == "set" and payload:
            data[at : at + len(payload)] = payload
        elif how == "cut":
            del data[at : at + 1 + len(payload) % 8]
        else:
            data[at:at] = payload
    out = _strip_or_reject(bytes(data), kind)
    if out is not None:
        _check_allowed(out, kind)


@FUZZ
@given(extra=st.lists(st.tuples(PNG_TYPES, PAYLOAD), max_size=8), split=st.integers(0, 8))
def test_fuzz_png_chunks(extra: list[tuple[bytes, bytes]], split: int) -> None:
    chunks = [(t, chunk(t, p)) for t, p in extra]
    chunks.insert(min(split, len(chunks)), (b"IDAT", IDAT1 + IDAT2))
    data = b"".join((PNG_SIG, IHDR, *(c for _t, c in chunks), IEND, SECRET))
    out = strip_metadata(data, "png")  # well-formed: always accepted
    _check_allowed(out, "png")
    kept = [c for t, c in chunks if t in PNG_KEEP]  # the allowed ones, byte for byte, in order
    assert out == b"".join((PNG_SIG, IHDR, *kept, IEND))


@FUZZ
@given(
    flags=st.integers(0, 255),
    extra=st.lists(st.tuples(WEBP_TYPES, PAYLOAD), max_size=8),
    trailer=st.binary(max_size=16),
)
def test_fuzz_webp_chunks(flags: int, extra: list[tuple[bytes, bytes]], trailer: bytes) -> None:
    data = riff(vp8x(flags), VP8_CHUNK, *(riff_chunk(t, p) for t, p in extra)) + trailer
    out = strip_metadata(data, "webp")
    _check_allowed(out, "webp")
    names = [c for c, _ in webp_walk(out)]
    assert names == [b"VP8X", b"VP8 ", *(t for t, _p in extra if t in WEBP_KEEP)]


def test_pillow_is_not_used_by_the_app() -> None:
    """Pillow is a test-only dependency: the stripping is the module's own parser."""
    import shanshui.lib.imagemeta as module

    with open(module.__file__, encoding="utf-8") as fh:
        source = fh.read()
    assert "import PIL" not in source and "from PIL" not in source
