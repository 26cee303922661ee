"""One import file as a bound table: the header row found (a title row or two above it is
skipped), the file's shape checked, then data rows streamed.

``open_table(kind, path, encoding)`` refuses the file (``ImportFileError``) when it has no
header or no data, merged cells in data rows, more columns than the cap; while its rows are
read it refuses a ragged CSV row, a cell longer than the cap, or more rows than the cap —
always naming the line. Call it again to read the same file a second time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core.i18n import t
from . import limits
from .errors import ImportFileError
from .readers import Rows, Value, as_text, col_letter, open_rows
from .schemas import Binding, bind, shown

TITLE_ROWS = 3  # title rows tolerated above the header


@dataclass
class Table:
    binding: Binding
    header_line: int
    rows: Rows  # data rows after the header, checked as they stream


def open_table(kind: str, path: str | Path, encoding: str | None = None) -> Table:
    sheet = open_rows(path, encoding)
    p = sheet.path
    head: list[tuple[int, list[Value]]] = []
    for item in sheet.rows:
        head.append(item)
        if len(head) > TITLE_ROWS:
            break
    if not head:
        raise ImportFileError(t("imp.err.empty", path=p))
    first_error: ImportFileError | None = None
    for i, (line, values) in enumerate(head):
        headers = as_text(values)
        try:
            b = bind(kind, headers, p)
        except ImportFileError as e:
            first_error = first_error or e
            continue
        _check_columns(p, line, headers)
        _check_merged(p, line, sheet.merged)
        rest = head[i + 1 :]
        rows = _checked(p, headers, sheet.fixed_width, _chain(rest, sheet.rows))
        try:
            first = next(rows)
        except StopIteration:
            raise ImportFileError(t("imp.err.header_only", path=p, line=line)) from None
        return Table(b, line, _chain([first], rows))
    assert first_error is not None
    raise first_error


def _chain(first: list, rest: Rows) -> Rows:
    yield from first
    yield from rest


def _check_columns(p: Path, line: int, headers: list[str]) -> None:
    width = len(headers)
    while width and not headers[width - 1].strip():
        width -= 1
    if width > limits.MAX_COLUMNS:
        raise ImportFileError(t("imp.err.too_many_columns", path=p, line=line, count=width, max=limits.MAX_COLUMNS))


def _check_merged(p: Path, header_line: int, merged: list[tuple[str, int, int]]) -> None:
    bad = [ref for ref, _first, last in merged if last > header_line]
    if bad:
        shown_refs = "、".join(bad[:5]) + ("…" if len(bad) > 5 else "")
        raise ImportFileError(t("imp.err.merged", path=p, ranges=shown_refs, count=len(bad)))


def _checked(p: Path, headers: list[str], fixed_width: bool, rows: Rows) -> Iterator[tuple[int, list[Value]]]:
    width = len(headers)
    while width and not headers[width - 1].strip():
        width -= 1
    count = 0
    for line, values in rows:
        count += 1
        if count > limits.MAX_ROWS:
            raise ImportFileError(t("imp.err.too_many_rows", path=p, max=f"{limits.MAX_ROWS:,}"))
        n = len(values)
        while n > width and (values[n - 1] == "" if isinstance(values[n - 1], str) else False):
            n -= 1
        if n > limits.MAX_COLUMNS:
            raise ImportFileError(t("imp.err.too_many_columns", path=p, line=line, count=n, max=limits.MAX_COLUMNS))
        if fixed_width and n != width:
            raise ImportFileError(t("imp.err.ragged", path=p, line=line, count=n, width=width))
        for i, v in enumerate(values[:n]):
            if isinstance(v, str) and len(v) > limits.MAX_CELL_CHARS:
                name = shown(headers[i], 30) if i < len(headers) and headers[i].strip() else col_letter(i)
                raise ImportFileError(t("imp.err.cell_too_long", path=p, line=line, column=name, length=len(v),
                                        max=limits.MAX_CELL_CHARS))
        yield line, values[:n] if n < len(values) else values
