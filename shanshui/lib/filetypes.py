"""Decide what an uploaded evidence file really is — by its content, not its name.

Rectification-ledger evidence is photos, PDFs, Office documents and videos.  Browsers
report whatever MIME type the file name suggests, so nothing the client says is trusted:
:func:`sniff` looks at the bytes, :func:`check_upload` applies size/type/name policy and
:func:`safe_filename` turns the user's original name into something safe to display and
to put in a ``Content-Disposition`` header.

Pure standard library, no Django: the caller passes the first few KiB of the upload
(``head``) and, for container formats, the seekable file object (``stream``).
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import BinaryIO

__all__ = [
    "ALLOWED_CODES",
    "KINDS",
    "FileKind",
    "FileRejected",
    "check_upload",
    "is_zip",
    "safe_filename",
    "sniff",
]


@dataclass(frozen=True)
class FileKind:
    """A file type recognised from content."""

    code: str  # "jpeg", "png", "pdf", "docx", "mp4", …
    mime: str  # the MIME type to serve it with
    extension: str  # canonical extension, without the dot
    category: str  # "image" | "document" | "video"


_OOXML = "application/vnd.openxmlformats-officedocument."

KINDS: Mapping[str, FileKind] = MappingProxyType(
    {
        kind.code: kind
        for kind in (
            FileKind("jpeg", "image/jpeg", "jpg", "image"),
            FileKind("png", "image/png", "png", "image"),
            FileKind("gif", "image/gif", "gif", "image"),
            FileKind("webp", "image/webp", "webp", "image"),
            FileKind("pdf", "application/pdf", "pdf", "document"),
            FileKind("docx", _OOXML + "wordprocessingml.document", "docx", "document"),
            FileKind("xlsx", _OOXML + "spreadsheetml.sheet", "xlsx", "document"),
            FileKind("pptx", _OOXML + "presentationml.presentation", "pptx", "document"),
            FileKind("doc", "application/msword", "doc", "document"),
            FileKind("xls", "application/vnd.ms-excel", "xls", "document"),
            FileKind("ppt", "application/vnd.ms-powerpoint", "ppt", "document"),
            FileKind("mp4", "video/mp4", "mp4", "video"),
            FileKind("mov", "video/quicktime", "mov", "video"),
            FileKind("avi", "video/x-msvideo", "avi", "video"),
        )
    }
)

ALLOWED_CODES: frozenset[str] = frozenset(KINDS)

# Which content codes a (lower-cased) file-name extension may carry.  MP4 and QuickTime are
# the same ISO-BMFF container and phones/messengers relabel one as the other all the time,
# so the video extensions form one family; everything else must match exactly.
_VIDEO_BMFF = frozenset({"mp4", "mov"})
_EXTENSION_CODES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "jpg": frozenset({"jpeg"}),
        "jpeg": frozenset({"jpeg"}),
        "jpe": frozenset({"jpeg"}),
        "jfif": frozenset({"jpeg"}),
        "png": frozenset({"png"}),
        "gif": frozenset({"gif"}),
        "webp": frozenset({"webp"}),
        "pdf": frozenset({"pdf"}),
        "docx": frozenset({"docx"}),
        "xlsx": frozenset({"xlsx"}),
        "pptx": frozenset({"pptx"}),
        "doc": frozenset({"doc"}),
        "xls": frozenset({"xls"}),
        "ppt": frozenset({"ppt"}),
        "mp4": _VIDEO_BMFF,
        "m4v": _VIDEO_BMFF,
        "mov": _VIDEO_BMFF,
        "qt": _VIDEO_BMFF,
        "3gp": _VIDEO_BMFF,
        "3g2": _VIDEO_BMFF,
        "avi": frozenset({"avi"}),
    }
)

_KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "jpeg": "JPEG 图片",
        "png": "PNG 图片",
        "gif": "GIF 图片",
        "webp": "WebP 图片",
        "pdf": "PDF 文档",
        "docx": "Word 文档（.docx）",
        "xlsx": "Excel 表格（.xlsx）",
        "pptx": "PowerPoint 演示文稿（.pptx）",
        "doc": "Word 文档（.doc）",
        "xls": "Excel 表格（.xls）",
        "ppt": "PowerPoint 演示文稿（.ppt）",
        "mp4": "MP4 视频",
        "mov": "QuickTime 视频",
        "avi": "AVI 视频",
    }
)


class FileRejected(ValueError):
    """An upload that must not be stored.  ``code`` is machine-readable, ``message`` is
    a short Simplified-Chinese sentence for the UI."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --------------------------------------------------------------------------- sniffing

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_LOCAL_HEADER = b"PK\x03\x04"

# ISO-BMFF major brands we accept as MP4 video ("qt  " is QuickTime).  Image brands
# (heic, mif1, avif …) and audio brands (M4A ) are deliberately absent.
_MP4_BRANDS = frozenset(
    {
        b"isom",
        b"iso2",
        b"iso3",
        b"iso4",
        b"iso5",
        b"iso6",
        b"mp41",
        b"mp42",
        b"mp71",
        b"avc1",
        b"M4V ",
        b"M4VH",
        b"M4VP",
        b"dash",
        b"mmp4",
        b"MSNV",
        b"XAVC",
        b"3gp4",
        b"3gp5",
        b"3gp6",
        b"3gp7",
        b"3g2a",
        b"3g2b",
        b"3g2c",
    }
)
_MOV_BRANDS = frozenset({b"qt  "})

_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
    struct.error,
)
_MAX_ZIP_ENTRIES = 20_000
_MAX_CONTENT_TYPES_BYTES = 256 * 1024

# code: (main part name, main part content type, directory prefix)
_OOXML_PARTS: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "docx": (
            "word/document.xml",
            _OOXML + "wordprocessingml.document.main+xml",
            "word/",
        ),
        "xlsx": ("xl/workbook.xml", _OOXML + "spreadsheetml.sheet.main+xml", "xl/"),
        "pptx": (
            "ppt/presentation.xml",
            _OOXML + "presentationml.presentation.main+xml",
            "ppt/",
        ),
    }
)
_MACRO_MAIN_TYPE = re.compile(r"macroEnabled[\w.]*\.main\+xml", re.IGNORECASE)


def sniff(head: bytes, *, stream: BinaryIO | None = None) -> FileKind | None:
    """Return the :class:`FileKind` the content really is, or ``None`` if it is not an
    allowed evidence type.

    ``head`` is the start of the file (4 KiB or more; the whole file if smaller).
    ``stream`` — a seekable file object over the whole upload — is needed to recognise
    ZIP-based Office files whose central directory lies beyond ``head`` and OLE2 files
    whose directory does; its position is restored afterwards.
    """
    head = bytes(head)
    if head.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if head.startswith(_PNG_SIGNATURE):
        return KINDS["png"]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return KINDS["gif"]
    if head.startswith(b"%PDF-"):
        return KINDS["pdf"]
    if head.startswith(b"RIFF") and len(head) >= 12:
        form = head[8:12]
        if form == b"WEBP" and head[12:16] in (b"VP8 ", b"VP8L", b"VP8X"):
            return KINDS["webp"]
        if form == b"AVI ":
            return KINDS["avi"]
        return None
    if len(head) >= 16 and head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    if head.startswith(_OLE_SIGNATURE):
        return _with_restored_position(stream, lambda s: _sniff_ole(head, s))
    if head.startswith(_ZIP_LOCAL_HEADER):
        return _with_restored_position(stream, lambda s: _sniff_ooxml(head, s))
    return None


def is_zip(head: bytes) -> bool:
    """Whether the file is a ZIP archive — an Office document or any other (:func:`sniff` says
    which Office document, if any)."""
    return bytes(head[:4]) == _ZIP_LOCAL_HEADER


def _sniff_ftyp(head: bytes) -> FileKind | None:
    box_size = int.from_bytes(head[:4], "big")
    if box_size < 16:  # size, type, major brand, minor version at the very least
        return None
    brand = head[8:12]
    if brand in _MOV_BRANDS:
        return KINDS["mov"]
    if brand in _MP4_BRANDS:
        return KINDS["mp4"]
    return None


def _seekable(stream: BinaryIO | None) -> bool:
    if stream is None:
        return False
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _with_restored_position(
    stream: BinaryIO | None, probe: Callable[[BinaryIO | None], FileKind | None]
) -> FileKind | None:
    if stream is None or not _seekable(stream):
        return probe(None)
    position = stream.tell()
    try:
        return probe(stream)
    finally:
        stream.seek(position)


# ----------------------------------------------------------------- OOXML (zip based)


def _sniff_ooxml(head: bytes, stream: BinaryIO | None) -> FileKind | None:
    # Without a stream we can only succeed when ``head`` is the whole (small) file.
    source: BinaryIO = stream if stream is not None else io.BytesIO(head)
    try:
        with zipfile.ZipFile(source) as archive:
            code = _ooxml_code(archive)
    except _ZIP_ERRORS:
        return None
    return KINDS[code] if code else None


def _ooxml_code(archive: zipfile.ZipFile) -> str | None:
    infos = archive.infolist()
    if len(infos) > _MAX_ZIP_ENTRIES:
        return None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names:
        return None  # plain zip, jar, ODF (mimetype + META-INF/manifest.xml) …
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None  # macro-enabled document wearing an OOXML name
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > _MAX_CONTENT_TYPES_BYTES:
        return None
    with archive.open(info) as handle:
        raw = handle.read(_MAX_CONTENT_TYPES_BYTES + 1)
    if len(raw) > _MAX_CONTENT_TYPES_BYTES:
        return None
    content_types = _decode_xml(raw)
    if _MACRO_MAIN_TYPE.search(content_types):
        return None
    found = {
        code
        for code, (part, content_type, prefix) in _OOXML_PARTS.items()
        if (content_type in content_types or part in names)
        and any(name.startswith(prefix) for name in names)
    }
    return found.pop() if len(found) == 1 else None


def _decode_xml(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", "replace")
    return raw.decode("utf-8", "replace")


# ------------------------------------------------------------- OLE2 (legacy Office)

_ENDOFCHAIN = 0xFFFFFFFE
_NOSTREAM = 0xFFFFFFFF
_MAXREGSECT = 0xFFFFFFFA
_MAX_DIRECTORY_SECTORS = 4096
_MAX_DIFAT_SECTORS = 4096
_MAX_DIRECTORY_ENTRIES = 20_000
_OLE_SCAN_BYTES = 64 * 1024

# top-level stream name -> code, in priority order
_OLE_STREAMS: tuple[tuple[str, str], ...] = (
    ("WordDocument", "doc"),
    ("PowerPoint Document", "ppt"),
    ("Workbook", "xls"),
    ("Book", "xls"),  # Excel 5.0/95
)


class _Malformed(Exception):
    pass


class _Reader:
    def __init__(self, head: bytes, stream: BinaryIO | None) -> None:
        self._head = head
        self._stream = stream

    def read_at(self, offset: int, size: int) -> bytes:
        if self._stream is None:
            return self._head[offset : offset + size]
        self._stream.seek(offset)
        return self._stream.read(size) or b""


def _sniff_ole(head: bytes, stream: BinaryIO | None) -> FileKind | None:
    reader = _Reader(head, stream)
    try:
        names = _ole_top_level_streams(reader)
    except (_Malformed, struct.error, OSError, ValueError):
        return _scan_ole_directory(reader.read_at(0, _OLE_SCAN_BYTES) or head)
    for stream_name, code in _OLE_STREAMS:
        if stream_name.lower() in names:
            return KINDS[code]
    return None


def _ole_top_level_streams(reader: _Reader) -> set[str]:
    """Parse the compound-file directory and return the lower-cased names of the streams
    directly under the root storage (embedded objects live in sub-storages and must not
    decide the type: a Word file with an embedded Excel chart is still a Word file)."""
    return _CompoundFile(reader).top_level_streams()


class _CompoundFile:
    """Just enough of the compound file binary format ([MS-CFB]) to walk its directory: the
    header, the sector allocation table reached through the DIFAT, the directory's chain of
    sectors, and its entries. Every count and chain is bounded: the input is untrusted."""

    def __init__(self, reader: _Reader) -> None:
        header = reader.read_at(0, 512)
        if len(header) < 512:
            raise _Malformed("short header")
        (major,) = struct.unpack_from("<H", header, 26)
        (byte_order,) = struct.unpack_from("<H", header, 28)
        (shift,) = struct.unpack_from("<H", header, 30)
        if byte_order != 0xFFFE or (major, shift) not in ((3, 9), (4, 12)):
            raise _Malformed("bad header")
        self.reader = reader
        self.sector_size = 1 << shift
        self.per_sector = self.sector_size // 4
        (self.first_directory,) = struct.unpack_from("<I", header, 48)
        self.next_difat, difat_count = struct.unpack_from("<II", header, 68)
        self.difat_limit = min(difat_count, _MAX_DIFAT_SECTORS)
        self.difat_read = 0
        self.difat = list(struct.unpack_from("<109I", header, 76))
        self.fat_cache: dict[int, tuple[int, ...]] = {}
        self.chain: list[int] = []

    def offset_of(self, sector: int) -> int:
        return (sector + 1) * self.sector_size

    def read_sector(self, sector: int) -> bytes:
        if sector > _MAXREGSECT:
            raise _Malformed("bad sector")
        data = self.reader.read_at(self.offset_of(sector), self.sector_size)
        if len(data) < self.sector_size:
            raise _Malformed("truncated")
        return data

    def fat_sector_number(self, index: int) -> int:
        """The index-th sector of the allocation table, reading DIFAT sectors as needed."""
        while index >= len(self.difat):
            if self.next_difat > _MAXREGSECT or self.difat_read >= self.difat_limit:
                raise _Malformed("DIFAT exhausted")
            entries = struct.unpack(f"<{self.per_sector}I", self.read_sector(self.next_difat))
            self.difat.extend(entries[:-1])
            self.next_difat = entries[-1]
            self.difat_read += 1
        return self.difat[index]

    def next_sector(self, sector: int) -> int:
        index, slot = divmod(sector, self.per_sector)
        if index not in self.fat_cache:
            data = self.read_sector(self.fat_sector_number(index))
            self.fat_cache[index] = struct.unpack(f"<{self.per_sector}I", data)
        return self.fat_cache[index][slot]

    def read_directory_chain(self) -> None:
        seen: set[int] = set()
        sector = self.first_directory
        while sector != _ENDOFCHAIN:
            if sector > _MAXREGSECT or sector in seen or len(self.chain) >= _MAX_DIRECTORY_SECTORS:
                raise _Malformed("bad directory chain")
            seen.add(sector)
            self.chain.append(sector)
            sector = self.next_sector(sector)

    def entry(self, number: int) -> tuple[str, int, int, int, int]:
        """Directory entry ``number``: name, type, left sibling, right sibling, child."""
        index, slot = divmod(number, self.sector_size // 128)
        if index >= len(self.chain):
            raise _Malformed("entry outside directory")
        data = self.reader.read_at(self.offset_of(self.chain[index]) + slot * 128, 128)
        if len(data) < 128:
            raise _Malformed("truncated entry")
        (name_length,) = struct.unpack_from("<H", data, 64)
        if name_length > 64 or name_length % 2:
            raise _Malformed("bad name length")
        name = data[: max(name_length - 2, 0)].decode("utf-16-le", "replace")
        left, right, child = struct.unpack_from("<III", data, 68)
        return name, data[66], left, right, child

    def top_level_streams(self) -> set[str]:
        """The root storage's children form a red-black tree of siblings: walk it (not the
        children's own children) and keep the streams."""
        self.read_directory_chain()
        _root_name, root_type, _left, _right, root_child = self.entry(0)
        if root_type != 5:
            raise _Malformed("no root entry")
        names: set[str] = set()
        visited: set[int] = set()
        pending = [root_child]
        while pending:
            number = pending.pop()
            if number == _NOSTREAM:
                continue
            if number in visited or len(visited) >= _MAX_DIRECTORY_ENTRIES:
                raise _Malformed("directory tree loop")
            visited.add(number)
            name, entry_type, left, right, _child = self.entry(number)
            if entry_type == 2:  # stream object
                names.add(name.lower())
            pending.extend((left, right))
        return names


def _scan_ole_directory(data: bytes) -> FileKind | None:
    """Fallback for a truncated/odd compound file: look for a directory-entry-aligned
    UTF-16LE stream name in the first 64 KiB."""
    for stream_name, code in _OLE_STREAMS:
        needle = stream_name.encode("utf-16-le") + b"\x00\x00"
        start = data.find(needle)
        while start != -1:
            if start % 128 == 0:
                return KINDS[code]
            start = data.find(needle, start + 1)
    return None


# -------------------------------------------------------------------------- names

_WINDOWS_FORBIDDEN = str.maketrans(dict.fromkeys('<>:"|?*', "_"))
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_MAX_KEPT_EXTENSION = 16
_FALLBACK_NAME = "file"


def safe_filename(name: str, *, max_length: int = 120) -> str:
    """The user's original file name, made safe to display and to send back in
    ``Content-Disposition``: no directory part, no control/format characters (NUL, bidi
    overrides …), no leading dots or ``..``, no Windows-forbidden characters, whitespace
    collapsed, at most ``max_length`` characters with the extension preserved.  Chinese
    and other letters are kept.  Never empty (falls back to ``"file"``)."""
    if max_length < 8:
        raise ValueError("max_length must be at least 8")
    text = unicodedata.normalize("NFC", str(name))
    kept: list[str] = []
    for char in text:
        if char == "\\":
            kept.append("/")
        elif char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in _REMOVED_CATEGORIES:
            kept.append(char)
    base = "".join(kept).rsplit("/", 1)[-1]
    base = base.translate(_WINDOWS_FORBIDDEN)
    base = " ".join(base.split())
    base = re.sub(r"\.{2,}", ".", base)
    base = base.strip(" .")
    if base.split(".", 1)[0].strip().upper() in _WINDOWS_RESERVED:
        base = "_" + base
    base = _truncate(base, max_length).strip(" .")
    return base or _FALLBACK_NAME


def _truncate(name: str, max_length: int) -> str:
    if len(name) <= max_length:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= _MAX_KEPT_EXTENSION:
        stem = stem[: max_length - len(extension) - 1].rstrip(" .")
        if stem:
            return f"{stem}.{extension}"
    return name[:max_length]


def _extension(safe_name: str) -> str:
    """Lower-cased extension of an already safe name, or "" if it has none (a trailing
    part such as "2" in "报告 v1.2" or a non-ASCII suffix is not an extension)."""
    stem, dot, extension = safe_name.rpartition(".")
    extension = extension.lower().strip()
    if not dot or not stem:
        return ""
    if re.fullmatch(r"[a-z0-9]{1,10}", extension) and re.search(r"[a-z]", extension):
        return extension
    return ""


# ------------------------------------------------------------------------- policy


def _describe_limit(max_bytes: int) -> str:
    megabytes = max_bytes / (1024 * 1024)
    if megabytes >= 1:
        return f"{round(megabytes, 1):g} MB"
    return f"{round(megabytes, 2):g} MB" if megabytes >= 0.01 else f"{max_bytes} 字节"


def check_upload(
    name: str,
    size: int,
    head: bytes,
    *,
    stream: BinaryIO | None = None,
    max_bytes: int,
    allowed: frozenset[str] | None = None,
) -> FileKind:
    """Apply the upload policy and return the content's :class:`FileKind`.

    Raises :class:`FileRejected` with code ``empty``, ``too_large``, ``bad_name`` (a NUL
    in the name — the classic ``photo.php\\x00.jpg`` truncation trick), ``unknown_type``
    (content not recognised, or not in ``allowed``) or ``extension_mismatch`` (the name
    claims another type than the content is; a name without extension is fine).
    """
    if size <= 0:
        raise FileRejected("empty", "文件是空的，请重新选择。")
    if size > max_bytes:
        raise FileRejected(
            "too_large", f"文件太大，单个文件不能超过 {_describe_limit(max_bytes)}。"
        )
    if "\x00" in name:
        raise FileRejected("bad_name", "文件名包含非法字符，请重命名后再上传。")
    kind = sniff(head, stream=stream)
    if kind is None:
        raise FileRejected(
            "unknown_type", "文件内容不是允许的类型（图片、PDF、Office 文档或视频）。"
        )
    if kind.code not in (ALLOWED_CODES if allowed is None else allowed):
        raise FileRejected("unknown_type", f"此处不接受{_KIND_LABELS[kind.code]}。")
    extension = _extension(safe_filename(name))
    if extension and kind.code not in _EXTENSION_CODES.get(extension, frozenset()):
        raise FileRejected(
            "extension_mismatch",
            f"文件扩展名 .{extension} 与实际内容（{_KIND_LABELS[kind.code]}）不符，"
            "请检查后重新上传。",
        )
    return kind


def check_uploaded_file(
    upload, *, max_bytes: int, allowed: frozenset[str] | None = None
) -> FileKind:
    """:func:`check_upload` on an uploaded file (Django's ``UploadedFile``, or any seekable
    stream with ``name`` and ``size``), left at its start; a refusal carries the file's name
    in ``filename`` for the caller's message."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    try:
        return check_upload(
            upload.name or "",
            upload.size or 0,
            head,
            stream=upload,
            max_bytes=max_bytes,
            allowed=allowed,
        )
    except FileRejected as exc:
        exc.filename = upload.name or ""
        raise
