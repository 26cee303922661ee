"""Read a customer's spreadsheet, streamed: ``.csv`` (UTF-8 ± BOM, GB18030) or ``.xlsx``.

``open_rows(path, encoding)`` returns a ``Sheet`` whose ``rows`` iterator yields
``(line, values)`` where ``line`` is the row number a spreadsheet user sees (the header is
line 1) and ``values`` are text, except Excel date cells which stay ``date``/``datetime``.
Fully blank rows are skipped. Nothing is read whole into memory: CSV is decoded as a
stream, ``.xlsx`` goes through openpyxl's read-only mode after its zip directory has been
checked for absurd sizes; merged cells are read from the sheet XML's ``mergeCells``.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

from ..core.i18n import t
from . import encoding as enc
from . import limits
from .errors import ImportFileError

Value = str | date | datetime
Rows = Iterator[tuple[int, list[Value]]]

__all__ = ["ImportFileError", "Sheet", "Value", "Rows", "open_rows", "read_table", "as_text", "col_letter"]


@dataclass
class Sheet:
    path: Path
    rows: Rows
    fixed_width: bool  # CSV: a row with a different number of fields is an error
    merged: list[tuple[str, int, int]] = field(default_factory=list)  # (A1:B2, first row, last row)
    encoding: str = ""


def open_rows(path: str | Path, encoding: str | None = None) -> Sheet:
    """Opened through ``safe_files`` (a person's file: no symlink, nothing of the shared store's)
    and refused before anything else is said about it; then its extension and size."""
    p = Path(path)
    with _open(p) as f:
        ext = p.suffix.lower()
        if ext not in (".csv", ".txt", ".xlsx", ".xlsm"):
            raise ImportFileError(t("imp.err.extension", path=p, ext=ext or "-"))
        size = os.fstat(f.fileno()).st_size
        if size > limits.MAX_FILE_BYTES:
            raise ImportFileError(t("imp.err.too_big", path=p, size=_mb(size), max=_mb(limits.MAX_FILE_BYTES)))
        if ext in (".csv", ".txt"):
            head = f.read(limits.SNIFF_BYTES)
            codec = enc.choose(p, head, complete=size <= len(head), override=encoding)
            return Sheet(p, _non_blank(_csv_rows(p, codec, head)), True, encoding=codec)
        merged = check_zip(p, f)
    return Sheet(p, _non_blank(_xlsx_rows(p)), False, merged)


def _open(p: Path) -> BinaryIO:
    from ..core import checked_files

    try:
        return checked_files.open_read(p)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise ImportFileError(t("imp.err.not_found", path=p)) from None
    except OSError as e:
        raise ImportFileError(t("safe.unreadable", path=p, error=e.strerror or e)) from None


def read_table(path: str | Path, encoding: str | None = None) -> tuple[list[str], Rows]:
    """The first non-blank row as header texts, and the rows after it."""
    sheet = open_rows(path, encoding)
    for _line, values in sheet.rows:
        return [_text(v) for v in values], sheet.rows
    raise ImportFileError(t("imp.err.empty", path=sheet.path))


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n} B"


# -- CSV --------------------------------------------------------------------------------
def _csv_rows(p: Path, codec: str, head: bytes) -> Rows:
    first = head.split(b"\n", 1)[0]
    delim = "\t" if first.count(b"\t") > first.count(b",") else ","
    csv.field_size_limit(max(csv.field_size_limit(), limits.MAX_CELL_CHARS * 4 + 1))
    with _open(p) as raw, io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="") as f:
        reader = csv.reader(f, delimiter=delim, strict=True)
        record, physical = 0, 0
        while True:
            start = physical + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise ImportFileError(t("imp.err.mixed_encoding", path=p, line=_bad_line(p, codec),
                                        encoding=_codec_name(codec))) from None
            except csv.Error as e:
                if "end of data" in str(e):
                    raise ImportFileError(t("imp.err.unclosed_quote", path=p, line=start)) from None
                if "field larger" in str(e):
                    raise ImportFileError(t("imp.err.cell_too_long_at", path=p, line=start,
                                            max=limits.MAX_CELL_CHARS)) from None
                raise ImportFileError(t("imp.err.quote", path=p, line=start)) from None
            physical = reader.line_num
            record += 1
            yield record, row


def _bad_line(p: Path, codec: str) -> int:
    """The text line holding the first byte that is not ``codec`` (streamed)."""
    sig = codecs.lookup(codec).name == "utf-8-sig"  # its decoder's offsets skip the BOM: use utf-8
    dec = codecs.getincrementaldecoder("utf-8" if sig else codec)("strict")
    lines = 1
    with _open(p) as f:
        while chunk := f.read(1024 * 1024):
            if sig and f.tell() == len(chunk) and chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[3:]
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as e:
                return lines + chunk[: max(e.start, 0)].count(b"\n")
            lines += chunk.count(b"\n")
    return lines


def _codec_name(codec: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GB18030"}.get(codecs.lookup(codec).name,
                                                                              codec.upper())


# -- XLSX -------------------------------------------------------------------------------
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]{1,3}\d+)(?::([A-Za-z]{1,3}\d+))?\"")
_ROW = re.compile(r"\d+")


def check_zip(p: Path, f: BinaryIO) -> list[tuple[str, int, int]]:
    """Refuse a workbook whose declared sizes are absurd (before expanding anything), then
    return the first sheet's merged ranges as ``(ref, first row, last row)``."""
    try:
        with zipfile.ZipFile(f) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            worst = max(((i.file_size / max(i.compress_size, 1)) for i in infos if i.file_size > 1024 * 1024),
                        default=0)
            if (len(infos) > limits.MAX_XLSX_ENTRIES or total > limits.MAX_XLSX_UNCOMPRESSED
                    or worst > limits.MAX_XLSX_RATIO):
                raise ImportFileError(t("imp.err.zip_bomb", path=p, size=_mb(total)))
            sheet = _first_sheet(z)
            return _merged_ranges(z, sheet) if sheet else []
    except (zipfile.BadZipFile, OSError, KeyError, ElementTree.ParseError) as e:
        raise ImportFileError(t("imp.err.xlsx", path=p, error=type(e).__name__)) from None


def _first_sheet(z: zipfile.ZipFile) -> str | None:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    wb = ElementTree.fromstring(z.read("xl/workbook.xml"))
    first = wb.find("m:sheets/m:sheet", ns)
    if first is None:
        return None
    rid = first.get(f"{{{ns['r']}}}id")
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    for rel in rels:
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _merged_ranges(z: zipfile.ZipFile, name: str) -> list[tuple[str, int, int]]:
    """Scan the sheet XML as a stream for ``<mergeCell ref=…>`` (read-only openpyxl hides them)."""
    out: list[tuple[str, int, int]] = []
    tail = b""
    with z.open(name) as f:
        while chunk := f.read(1024 * 1024):
            buf = tail + chunk
            last = 0
            for m in _MERGE.finditer(buf):
                a, b = m.group(1).decode(), (m.group(2) or m.group(1)).decode()
                r1, r2 = int(_ROW.search(a).group()), int(_ROW.search(b).group())
                out.append((f"{a}:{b}" if m.group(2) else a, min(r1, r2), max(r1, r2)))
                last = m.end()
            tail = buf[max(last, len(buf) - 512):]
    return out


def _xlsx_rows(p: Path) -> Rows:
    from openpyxl import load_workbook

    f = _open(p)
    try:
        wb = load_workbook(f, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001  (zip errors, bad XML, …: one clear message)
        f.close()
        raise ImportFileError(t("imp.err.xlsx", path=p, error=type(e).__name__)) from None
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # some exporters write a wrong <dimension>; read what is there
        for line, row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
            values = [_cell(v) for v in row]
            while values and values[-1] == "":
                values.pop()
            yield line, values
    finally:
        wb.close()
        f.close()


def col_letter(i: int) -> str:
    """0 -> A, 26 -> AA."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _cell(v: object) -> Value:
    if v is None:
        return ""
    if isinstance(v, (datetime, date)):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, time):
        return v.strftime("%H:%M:%S" if v.second else "%H:%M")
    return str(v)


def _text(v: Value) -> str:
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M") if (v.hour, v.minute, v.second) != (0, 0, 0) else v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


def as_text(values: list[Value]) -> list[str]:
    """A row as plain text (for the reject file)."""
    return [_text(v) for v in values]


def _non_blank(rows: Rows) -> Rows:
    for line, values in rows:
        if any(isinstance(v, date) or (v and v.strip()) for v in values):
            yield line, values
