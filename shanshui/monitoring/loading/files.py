"""The file as a whole: what it is, how large, in which encoding and with which delimiter — and
the preamble both imports share (:func:`load_checked`).

A workbook, PDF or other binary file is refused with a message saying what it is. The encoding
(UTF-8 with or without BOM, UTF-16 with BOM, or GB18030 — a superset of GBK/GB2312, what Excel
saves in China) is decided by decoding the whole file in 1 MiB chunks before anything else: a
fraction of a second for 200 MB, and no row is read in the wrong encoding.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from shanshui.lib import filetypes, textcodec
from shanshui.monitoring.loading.headers import HEADER_SEARCH_ROWS
from shanshui.monitoring.loading.results import ImportResult

DEFAULT_MAX_BYTES = 200 * 1024 * 1024


def default_max_bytes() -> int:
    return int(getattr(settings, "SHANSHUI_MONITORING_CSV_MAX_BYTES", DEFAULT_MAX_BYTES))


class FileProblem(Exception):
    """The file as a whole cannot be read; ``message`` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def load_checked(
    fileobj,
    result: ImportResult,
    *,
    max_bytes: int | None,
    load: Callable[[io.BufferedIOBase], None],
) -> ImportResult:
    """Open ``fileobj``, check its size and type and find its encoding, then ``load(stream)``.

    A problem with the file as a whole becomes the result's one error (row 0) and nothing is
    loaded. A file this function opened (bytes, a path) is closed again; an upload is left open
    for its owner. Times the checks (``check_s``) and the whole (``total_s``)."""
    max_bytes = default_max_bytes() if max_bytes is None else max_bytes
    t0 = time.perf_counter()
    try:
        stream, result.file_name, opened = _open(fileobj)
    except FileProblem as exc:
        result.add_error(0, "", exc.message)
        return result
    try:
        try:
            _check_file(stream, result.file_name, max_bytes)
            result.encoding = _detect_encoding(stream)
        except FileProblem as exc:
            result.add_error(0, "", exc.message)
            return result
        result.timings["check_s"] = time.perf_counter() - t0
        load(stream)
    finally:
        if opened:
            stream.close()
    result.timings["total_s"] = time.perf_counter() - t0
    return result


def _open(fileobj) -> tuple[io.BufferedIOBase, str, bool]:
    """(seekable binary stream, original name, whether we opened it)."""
    if isinstance(fileobj, bytes | bytearray):
        return io.BytesIO(bytes(fileobj)), "", True
    if isinstance(fileobj, str | Path):
        path = Path(fileobj)
        return path.open("rb"), path.name, True
    name = str(getattr(fileobj, "name", "") or "")
    try:
        seekable = bool(fileobj.seekable())
    except (AttributeError, OSError, ValueError):
        seekable = False
    if not seekable:
        raise FileProblem(_("The upload could not be read."))
    fileobj.seek(0)
    return fileobj, Path(name).name, False


def _check_file(stream, name: str, max_bytes: int) -> None:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise FileProblem(_("The file is empty."))
    if size > max_bytes:
        raise FileProblem(
            _("The file is larger than %(mb)d MB. Split it into several files.")
            % {"mb": max_bytes // 2**20}
        )
    head = stream.read(8192)
    stream.seek(0)
    kind = filetypes.sniff(head, stream=stream)
    if kind is not None:
        if kind.code in ("xlsx", "xls"):
            raise FileProblem(
                _(
                    "This is an Excel workbook, not a CSV file. Open it in Excel or WPS and "
                    "save it as “CSV (comma delimited)”."
                )
            )
        raise FileProblem(
            _("The file is not a CSV text file (it is a %(kind)s file).")
            % {"kind": kind.extension.upper()}
        )
    if filetypes.is_zip(head) or (b"\x00" in head and textcodec.bom_encoding(head) != "utf-16"):
        raise FileProblem(_("The file is not a CSV text file."))
    suffix = Path(name).suffix.lower()
    if name and suffix not in (".csv", ".txt", ".tsv", ""):
        raise FileProblem(
            _("The file's name must end in .csv (or .txt), not “%(suffix)s”.") % {"suffix": suffix}
        )


def _detect_encoding(stream) -> str:
    try:
        return textcodec.detect_stream(stream)
    except textcodec.UndecodableText:
        raise FileProblem(
            _(
                "The file's text encoding is not recognised. Save it as “CSV UTF-8” (or the "
                "Chinese default GBK) and upload it again."
            )
        ) from None


class CsvReader:
    """CSV records of a binary stream, as a context manager (the text wrapper is detached at
    the end, so the caller's stream stays open). The delimiter — comma, tab or semicolon — is
    the one the first non-blank lines have most of."""

    def __init__(self, stream, encoding: str) -> None:
        self.stream, self.encoding = stream, encoding
        self.text: io.TextIOWrapper | None = None

    def __enter__(self) -> Iterator[list[str]]:
        probe = io.TextIOWrapper(self.stream, encoding=self.encoding, newline="")
        counts = dict.fromkeys((",", "\t", ";"), 0)
        try:
            lines = 0
            for line in probe:
                if line.strip():
                    for d in counts:
                        counts[d] += line.count(d)
                    lines += 1
                    if lines >= HEADER_SEARCH_ROWS:
                        break
        finally:
            probe.detach()
        delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
        self.stream.seek(0)
        self.text = io.TextIOWrapper(self.stream, encoding=self.encoding, newline="")
        return csv.reader(self.text, delimiter=delimiter)

    def __exit__(self, *exc) -> None:
        if self.text is not None:
            self.text.detach()
            self.text = None


def is_blank(row: list[str]) -> bool:
    return not any(c.strip() for c in row)
