"""Content sniffing, upload policy and file-name sanitising for ledger evidence.

Every fixture is a real (minimal) file built here, byte for byte, so the tests document
exactly which signatures are recognised.
"""

from __future__ import annotations

import io
import math
import random
import struct
import zipfile
import zlib

import pytest

from shanshui.lib.filetypes import (
    ALLOWED_CODES,
    KINDS,
    FileKind,
    FileRejected,
    check_upload,
    safe_filename,
    sniff,
)

MB = 1024 * 1024

# ----------------------------------------------------------------------------- builders


def make_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def make_jpeg() -> bytes:
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def make_gif() -> bytes:
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
        b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def make_webp() -> bytes:
    payload = b"WEBPVP8 " + struct.pack("<I", 10) + b"\x00" * 10
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def make_pdf() -> bytes:
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R /Size 4 >>\n%%EOF\n"
    )


def make_ftyp(brand: bytes) -> bytes:
    ftyp = b"ftyp" + brand + b"\x00\x00\x02\x00" + brand + b"isommp41"
    mdat = b"mdat" + b"\x00" * 16
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", len(mdat) + 4) + mdat


def make_avi() -> bytes:
    payload = b"AVI LIST" + struct.pack("<I", 4) + b"hdrl"
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


_OOXML = "application/vnd.openxmlformats-officedocument."
_MAIN_PARTS = {
    "docx": ("word/document.xml", _OOXML + "wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", _OOXML + "spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", _OOXML + "presentationml.presentation.main+xml"),
}


def make_zip(entries: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_ooxml(code: str, *, main_type: str | None = None, extra: dict | None = None) -> bytes:
    part, content_type = _MAIN_PARTS[code]
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{main_type or content_type}"/>'
        "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/officeDocument" Target="{part}"/></Relationships>'
    )
    entries: dict[str, bytes | str] = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": rels,
        # incompressible padding pushes the central directory past the 4 KiB head
        "docProps/thumbnail.jpeg": random.Random(7).randbytes(6000),
        part: "<root/>",
    }
    entries.update(extra or {})
    return make_zip(entries)


def make_odt() -> bytes:
    return make_zip(
        {
            "mimetype": "application/vnd.oasis.opendocument.text",
            "content.xml": "<office:document-content/>",
            "META-INF/manifest.xml": "<manifest:manifest/>",
        }
    )


FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


def ole_entry(name: str, kind: int, left=NOSTREAM, right=NOSTREAM, child=NOSTREAM) -> bytes:
    encoded = name.encode("utf-16-le")
    name_field = encoded.ljust(64, b"\x00")
    name_length = len(encoded) + 2 if name else 0
    return (
        name_field
        + struct.pack("<HBB", name_length, kind, 1)
        + struct.pack("<III", left, right, child)
        + b"\x00" * 16  # CLSID
        + b"\x00" * 4  # state bits
        + b"\x00" * 16  # timestamps
        + struct.pack("<I", 0 if kind == 1 else ENDOFCHAIN)  # start sector: nothing stored
        + b"\x00" * 8  # size
    )


def make_ole(
    entries: list[tuple[str, int, int, int, int]],
    *,
    padding_sectors: int = 0,
    loop_directory: bool = False,
) -> bytes:
    """A minimal version-3 compound file (512-byte sectors): FAT sector(s), optional
    padding, then the directory.  ``entries[0]`` must be the root (type 5)."""
    directory = b"".join(ole_entry(*entry) for entry in entries)
    directory_sectors = math.ceil(len(directory) / 512)
    directory = directory.ljust(directory_sectors * 512, b"\x00")
    directory = b"".join(  # unused slots are empty entries
        directory[i : i + 128] if any(directory[i : i + 128]) else ole_entry("", 0)
        for i in range(0, len(directory), 128)
    )
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + padding_sectors + directory_sectors:
        fat_sectors += 1
    first_directory = fat_sectors + padding_sectors
    fat = [FATSECT] * fat_sectors + [FREESECT] * padding_sectors
    for i in range(directory_sectors):
        is_last = i == directory_sectors - 1
        fat.append(ENDOFCHAIN if is_last else first_directory + i + 1)
    if loop_directory:
        fat[first_directory + directory_sectors - 1] = first_directory
    fat += [FREESECT] * (fat_sectors * 128 - len(fat))
    difat = list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIII", 0, fat_sectors, first_directory, 0, 4096, ENDOFCHAIN, 0)
        + struct.pack("<II", ENDOFCHAIN, 0)
        + struct.pack("<109I", *difat)
    )
    assert len(header) == 512
    return header + struct.pack(f"<{len(fat)}I", *fat) + b"\xaa" * 512 * padding_sectors + directory


def make_ole_with_top_stream(name: str) -> bytes:
    return make_ole([("Root Entry", 5, NOSTREAM, NOSTREAM, 1), (name, 2, *[NOSTREAM] * 3)])


def sniff_bytes(data: bytes, *, with_stream: bool = True) -> FileKind | None:
    return sniff(data[:4096], stream=io.BytesIO(data) if with_stream else None)


def upload(name: str, data: bytes, **kwargs) -> FileKind:
    kwargs.setdefault("max_bytes", 20 * MB)
    return check_upload(name, len(data), data[:4096], stream=io.BytesIO(data), **kwargs)


# ------------------------------------------------------------------------------- sniff


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (make_jpeg(), "jpeg"),
        (make_png(), "png"),
        (make_gif(), "gif"),
        (b"GIF87a\x01\x00\x01\x00\x00\x00\x00;", "gif"),
        (make_webp(), "webp"),
        (make_pdf(), "pdf"),
        (make_ftyp(b"isom"), "mp4"),
        (make_ftyp(b"mp42"), "mp4"),
        (make_ftyp(b"M4V "), "mp4"),
        (make_ftyp(b"3gp5"), "mp4"),
        (make_ftyp(b"qt  "), "mov"),
        (make_avi(), "avi"),
    ],
)
def test_it_sniffs_media_and_pdf_by_magic_bytes(data, code):
    kind = sniff(data)
    assert kind is KINDS[code]
    assert sniff_bytes(data) is KINDS[code]


def test_it_describes_each_kind_with_mime_extension_and_category():
    expected = [
        "jpeg",
        "png",
        "gif",
        "webp",
        "pdf",
        "docx",
        "xlsx",
        "pptx",
        "doc",
        "xls",
        "ppt",
        "mp4",
        "mov",
        "avi",
    ]
    assert frozenset(expected) == ALLOWED_CODES
    assert KINDS["jpeg"] == FileKind("jpeg", "image/jpeg", "jpg", "image")
    assert KINDS["mov"].mime == "video/quicktime"
    assert KINDS["avi"].mime == "video/x-msvideo"
    assert KINDS["docx"].mime == _OOXML + "wordprocessingml.document"
    assert KINDS["xls"].mime == "application/vnd.ms-excel"
    assert {kind.category for kind in KINDS.values()} == {"image", "document", "video"}
    with pytest.raises(AttributeError):
        KINDS["pdf"].code = "exe"  # type: ignore[misc]


@pytest.mark.parametrize("code", ["docx", "xlsx", "pptx"])
def test_it_sniffs_ooxml_through_the_zip_central_directory(code):
    data = make_ooxml(code)
    assert len(data) > 4096  # the central directory is not in the head
    assert sniff_bytes(data) is KINDS[code]


def test_it_sniffs_real_documents_written_by_python_docx_and_openpyxl():
    import docx
    import openpyxl

    document = docx.Document()
    document.add_paragraph("整改完成情况说明")
    docx_buffer = io.BytesIO()
    document.save(docx_buffer)

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "问题清单"
    xlsx_buffer = io.BytesIO()
    workbook.save(xlsx_buffer)

    assert sniff_bytes(docx_buffer.getvalue()) is KINDS["docx"]
    assert sniff_bytes(xlsx_buffer.getvalue()) is KINDS["xlsx"]


def test_it_restores_the_stream_position_after_looking_inside():
    data = make_ooxml("docx")
    stream = io.BytesIO(data)
    stream.seek(123)
    assert sniff(data[:4096], stream=stream) is KINDS["docx"]
    assert stream.tell() == 123


def test_it_needs_the_stream_for_a_zip_larger_than_the_head():
    data = make_ooxml("xlsx")
    assert sniff_bytes(data, with_stream=False) is None
    small = make_zip({"[Content_Types].xml": _MAIN_PARTS["pptx"][1], "ppt/presentation.xml": ""})
    assert len(small) < 4096
    assert sniff_bytes(small, with_stream=False) is KINDS["pptx"]


def test_it_ignores_a_stream_that_cannot_seek():
    class Pipe(io.RawIOBase):
        def readable(self):
            return True

    data = make_ooxml("docx")
    assert sniff(data[:4096], stream=Pipe()) is None


@pytest.mark.parametrize(
    ("stream_name", "code"),
    [
        ("WordDocument", "doc"),
        ("Workbook", "xls"),
        ("Book", "xls"),
        ("PowerPoint Document", "ppt"),
    ],
)
def test_it_sniffs_legacy_office_by_ole2_stream_names(stream_name, code):
    data = make_ole_with_top_stream(stream_name)
    assert sniff_bytes(data) is KINDS[code]
    assert sniff_bytes(data, with_stream=False) is KINDS[code]


def test_it_decides_ole2_by_top_level_streams_not_embedded_objects():
    # A Word file with an embedded Excel chart: "Workbook" lives inside ObjectPool.
    doc = make_ole(
        [
            ("Root Entry", 5, NOSTREAM, NOSTREAM, 1),
            ("WordDocument", 2, NOSTREAM, 2, NOSTREAM),
            ("ObjectPool", 1, NOSTREAM, NOSTREAM, 3),
            ("Workbook", 2, NOSTREAM, NOSTREAM, NOSTREAM),
        ]
    )
    # An Excel file with an embedded Word document in a sub-storage.
    xls = make_ole(
        [
            ("Root Entry", 5, NOSTREAM, NOSTREAM, 2),
            ("Workbook", 2, NOSTREAM, NOSTREAM, NOSTREAM),
            ("MBD0001A2B3", 1, 1, 4, 3),
            ("WordDocument", 2, NOSTREAM, NOSTREAM, NOSTREAM),
            ("\x05SummaryInformation", 2, NOSTREAM, NOSTREAM, NOSTREAM),
        ]
    )
    assert sniff_bytes(doc) is KINDS["doc"]
    assert sniff_bytes(xls) is KINDS["xls"]


def test_it_follows_the_ole2_directory_beyond_the_first_64_kib():
    data = make_ole(
        [
            ("Root Entry", 5, NOSTREAM, NOSTREAM, 1),
            ("PowerPoint Document", 2, NOSTREAM, NOSTREAM, NOSTREAM),
        ],
        padding_sectors=200,
    )
    assert len(data) > 100 * 1024
    assert sniff_bytes(data) is KINDS["ppt"]
    assert sniff_bytes(data, with_stream=False) is None  # directory not in the head


def test_it_falls_back_to_scanning_when_the_ole2_directory_is_corrupt():
    data = make_ole(
        [
            ("Root Entry", 5, NOSTREAM, NOSTREAM, 1),
            ("WordDocument", 2, NOSTREAM, NOSTREAM, NOSTREAM),
        ],
        loop_directory=True,
    )
    assert sniff_bytes(data) is KINDS["doc"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("\x05SummaryInformation", 2),  # an MSI- or Outlook-like compound file
        ("EncryptedPackage", 2),  # password-protected OOXML cannot be inspected
        ("WordDocument", 1),  # a storage, not a stream
    ],
)
def test_it_rejects_ole2_files_without_office_streams(name, kind):
    data = make_ole([("Root Entry", 5, NOSTREAM, NOSTREAM, 1), (name, kind, *[NOSTREAM] * 3)])
    assert sniff_bytes(data) is None


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"<!DOCTYPE html><html><script>alert(1)</script></html>", id="html"),
        pytest.param(b"<script>fetch('/api/').then(r=>r.text())</script>", id="script"),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            id="svg",
        ),
        pytest.param(
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, id="exe"
        ),
        pytest.param(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, id="elf"),
        pytest.param(b"#!/bin/sh\nrm -rf /\n", id="shell"),
        pytest.param(b"  %PDF-1.4\n", id="pdf-after-junk"),
        pytest.param(b"II*\x00\x08\x00\x00\x00", id="tiff"),
        pytest.param(b"RIFF\x24\x00\x00\x00WAVEfmt ", id="wav"),
        pytest.param(b"RIFF\x24\x00\x00\x00WEBPjunk", id="webp-without-vp8"),
        pytest.param(make_ftyp(b"heic"), id="heic"),
        pytest.param(make_ftyp(b"M4A "), id="m4a"),
        pytest.param(b"\x00\x00\x00\x08ftypisom", id="ftyp-box-too-small"),
        pytest.param(make_zip({"a.txt": "hello"}), id="plain-zip"),
        pytest.param(
            make_zip({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n", "A.class": b"\xca\xfe"}),
            id="jar",
        ),
        pytest.param(make_odt(), id="odt"),
        pytest.param(
            make_zip({"[Content_Types].xml": "<Types/>", "readme.txt": "no office parts"}),
            id="content-types-only",
        ),
        pytest.param(
            make_ooxml(
                "docx",
                main_type="application/vnd.ms-word.document.macroEnabled.main+xml",
                extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"},
            ),
            id="docm",
        ),
        pytest.param(make_ooxml("xlsx")[:-30], id="truncated-zip"),
        pytest.param(b"PK\x05\x06" + b"\x00" * 18, id="empty-zip"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, id="ole-header-only"),
    ],
)
def test_it_rejects_content_that_is_not_evidence(data):
    assert sniff_bytes(data) is None


# ------------------------------------------------------------------------ check_upload


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("现场照片.jpg", make_jpeg(), "jpeg"),
        ("IMG_0001.JPEG", make_jpeg(), "jpeg"),
        ("scan.jpe", make_jpeg(), "jpeg"),
        ("截图.PNG", make_png(), "png"),
        ("整改报告.pdf", make_pdf(), "pdf"),
        ("整改报告", make_pdf(), "pdf"),  # no extension is fine
        ("报告 v1.2", make_pdf(), "pdf"),  # "2" is not an extension
        ("情况说明.docx", make_ooxml("docx"), "docx"),
        ("台账.xlsx", make_ooxml("xlsx"), "xlsx"),
        ("汇报.pptx", make_ooxml("pptx"), "pptx"),
        ("旧文件.doc", make_ole_with_top_stream("WordDocument"), "doc"),
        ("旧表格.XLS", make_ole_with_top_stream("Workbook"), "xls"),
        ("旧汇报.ppt", make_ole_with_top_stream("PowerPoint Document"), "ppt"),
        ("巡查.mp4", make_ftyp(b"isom"), "mp4"),
        ("IMG_1234.MOV", make_ftyp(b"qt  "), "mov"),
        ("微信视频.mp4", make_ftyp(b"qt  "), "mov"),  # same container family
        ("录像.avi", make_avi(), "avi"),
        ("C:\\fakepath\\证据 照片.jpg", make_jpeg(), "jpeg"),
    ],
)
def test_it_accepts_evidence_whose_name_agrees_with_its_content(name, data, code):
    assert upload(name, data) is KINDS[code]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", make_png()),
        ("photo.exe", make_jpeg()),
        ("photo.jpg.exe", make_jpeg()),
        ("page.html", make_pdf()),
        ("page.htm.", make_pdf()),  # trailing dot stripped as Windows would
        ("scan.tif", make_png()),
        ("新版.doc", make_ooxml("docx")),
        ("旧版.docx", make_ole_with_top_stream("WordDocument")),
        ("表格.xlsx", make_ole_with_top_stream("Workbook")),
        ("video.avi", make_ftyp(b"isom")),
        ("动图.png", make_gif()),
    ],
)
def test_it_rejects_a_name_that_claims_another_type(name, data):
    with pytest.raises(FileRejected) as caught:
        upload(name, data)
    assert caught.value.code == "extension_mismatch"
    assert "不符" in caught.value.message


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", b"<html><body><script>document.location='//evil'</script></body></html>"),
        ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("材料.docx", make_zip({"a.txt": "x" * 5000, "b.txt": "y"})),
        ("材料.docx", make_odt()),
        ("run.sh", b"#!/bin/bash\necho pwned\n"),
    ],
)
def test_it_rejects_disguised_content_as_unknown_type(name, data):
    with pytest.raises(FileRejected) as caught:
        upload(name, data)
    assert caught.value.code == "unknown_type"
    assert caught.value.message == "文件内容不是允许的类型（图片、PDF、Office 文档或视频）。"


def test_it_rejects_an_empty_file():
    with pytest.raises(FileRejected) as caught:
        check_upload("空.jpg", 0, b"", max_bytes=MB)
    assert caught.value.code == "empty"
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == caught.value.message


def test_it_rejects_a_file_over_the_limit_and_names_the_limit_in_mb():
    data = make_jpeg()
    assert check_upload("a.jpg", 20 * MB, data, max_bytes=20 * MB) is KINDS["jpeg"]
    with pytest.raises(FileRejected) as caught:
        check_upload("a.jpg", 20 * MB + 1, data, max_bytes=20 * MB)
    assert caught.value.code == "too_large"
    assert "20 MB" in caught.value.message
    with pytest.raises(FileRejected) as caught:
        check_upload("a.jpg", 3 * MB, data, max_bytes=MB * 5 // 2)
    assert "2.5 MB" in caught.value.message


def test_it_restricts_to_the_allowed_codes():
    photos_only = frozenset({"jpeg", "png"})
    assert upload("a.png", make_png(), allowed=photos_only) is KINDS["png"]
    with pytest.raises(FileRejected) as caught:
        upload("a.pdf", make_pdf(), allowed=photos_only)
    assert caught.value.code == "unknown_type"
    assert "PDF" in caught.value.message


def test_it_rejects_a_name_with_a_nul_byte():
    with pytest.raises(FileRejected) as caught:
        upload("shell.php\x00.jpg", make_jpeg())
    assert caught.value.code == "bad_name"
    assert caught.value.message


# ----------------------------------------------------------------------- safe_filename


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("证据照片.jpg", "证据照片.jpg"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\x.jpg", "x.jpg"),
        ("C:\\fakepath\\证据 照片.jpg", "证据 照片.jpg"),
        ("/var/www/../uploads/a.png", "a.png"),
        ("..", "file"),
        ("../..", "file"),
        ("", "file"),
        ("   ", "file"),
        ("folder/", "file"),
        (".htaccess", "htaccess"),
        ("...hidden.pdf", "hidden.pdf"),
        ("a..b...jpg", "a.b.jpg"),
        ("report.pdf. . ", "report.pdf"),
        ("a\x00b.jpg", "ab.jpg"),
        ("整改\r\n报告\t.pdf", "整改 报告 .pdf"),
        ("a\x1b[31mred.jpg", "a[31mred.jpg"),
        ("photo\u202egpj.exe", "photogpj.exe"),  # right-to-left override removed
        ("  多个   空格\u3000名称.docx ", "多个 空格 名称.docx"),
        ('a<b>c:"d"|e?f*.pdf', "a_b_c__d__e_f_.pdf"),
        ("CON.txt", "_CON.txt"),
        ("nul", "_nul"),
    ],
)
def test_it_makes_file_names_safe(raw, expected):
    assert safe_filename(raw) == expected


def test_it_truncates_long_names_and_keeps_the_extension():
    name = "很" * 300 + ".xlsx"
    safe = safe_filename(name)
    assert len(safe) == 120
    assert safe.endswith("很.xlsx")
    assert safe_filename("b" * 300 + ".pdf", max_length=40) == "b" * 36 + ".pdf"
    assert safe_filename("c" * 300) == "c" * 120
    assert len(safe_filename("x." + "y" * 300)) == 120  # absurd "extension" is not kept


def test_it_keeps_the_extension_visible_to_check_upload_after_truncation():
    with pytest.raises(FileRejected) as caught:
        upload("../" + "长" * 400 + ".pdf", make_png())
    assert caught.value.code == "extension_mismatch"
