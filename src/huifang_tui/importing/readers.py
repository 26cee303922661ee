"""Read a customer's spreadsheet: ``.csv`` (UTF-8, UTF-8 with BOM, GB18030, UTF-16) or ``.xlsx``.

``read_table(path)`` returns the header texts and an iterator of ``(line, values)`` where
``line`` is the row number a spreadsheet user sees (the header is line 1) and ``values``
are text, except Excel date cells which stay ``date``/``datetime`` objects. Fully blank
rows are skipped (their line numbers are simply not used).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

from ..errors import ServiceError
from ..i18n import t

Value = str | date | datetime
Rows = Iterator[tuple[int, list[Value]]]


class ImportFileError(ServiceError):
    """The file as a whole cannot be imported (unreadable, wrong type, missing columns)."""


def read_table(path: str | Path) -> tuple[list[str], Rows]:
    """The file is read once, through ``safe_files`` (a person's file: no symlink, nothing of the
    shared store's)."""
    p = Path(path)
    ext = p.suffix.lower()
    data = _read(p, (".csv", ".txt", ".xlsx", ".xlsm"))
    if ext == ".csv" or ext == ".txt":
        rows = _csv_rows(p, data)
    else:
        rows = _xlsx_rows(p, data)
    rows = _non_blank(rows)
    for _line, values in rows:
        headers = [_text(v) for v in values]
        return headers, rows
    raise ImportFileError(t("imp.err.empty", path=p))


def _read(p: Path, extensions: tuple[str, ...] | None = None) -> bytes:
    """Opened (and refused) before anything else is said about the file; then its extension."""
    from .. import safe_files

    try:
        with safe_files.open_read(p) as f:
            if extensions is not None and p.suffix.lower() not in extensions:
                raise ImportFileError(t("imp.err.extension", path=p, ext=p.suffix.lower() or "-"))
            return f.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise ImportFileError(t("imp.err.not_found", path=p)) from None
    except OSError as e:
        raise ImportFileError(t("safe.unreadable", path=p, error=e.strerror or e)) from None


def decode(p: Path, data: bytes | None = None) -> str:
    """The file's text: UTF-16 (BOM), UTF-8 (with or without BOM), else GB18030."""
    if data is None:
        data = _read(p)
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(t("imp.err.zip_as_csv", path=p))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        for enc in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                continue
    raise ImportFileError(t("imp.err.encoding", path=p))


def _csv_rows(p: Path, data: bytes) -> Rows:
    text = decode(p, data)
    first = text.split("\n", 1)[0]
    delim = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as e:  # e.g. an unterminated quote
        raise ImportFileError(t("imp.err.csv", path=p, line=reader.line_num, error=e)) from e


def _xlsx_rows(p: Path, data: bytes) -> Rows:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001  (zip errors, bad XML, …: one clear message)
        raise ImportFileError(t("imp.err.xlsx", path=p, error=e)) from e
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # some exporters write a wrong <dimension>; read what is there
        for line, row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
            yield line, [_cell(v) for v in row]
    finally:
        wb.close()


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
