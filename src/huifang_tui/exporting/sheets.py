"""The month's 客户回访汇总记录表 as .xlsx (openpyxl, streaming) and .csv (UTF-8 with BOM).

Sheet 1 is laid out as the paper form: title, company and month, a bold frozen header row,
one row per record, totals, and the signature lines 服务人员 / 访问人员 / 部经理 (000 §4.9).
Sheet 2 holds the SPEC §7 KPIs per login and overall.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from ..domain.kpi import AVG_KEYS, RATE_KEYS
from ..core.i18n import t
from . import COLUMNS, cell_values, column_widths, defuse, headers, kpi_table
from ..core.checked_files import rendered

TITLE_ROW, INFO_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = 4
SHEET_RECORDS, SHEET_KPI = "回访汇总记录表", "KPI"


def _num(v: Any) -> Any:
    return float(v) if isinstance(v, Decimal) else v


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def percent(v: Any) -> str:
    return "—" if v is None else f"{float(v) * 100:.2f}%"


def average(v: Any) -> str:
    return "—" if v is None else f"{float(v):.2f}"


def totals_line(overall: dict) -> str:
    """The one-line summary under the records (also the month view's footer)."""
    return t("report.totals", due=overall["due"], completed=overall["completed"],
             completion=percent(overall["completion_rate"]), on_time=overall["on_time"],
             on_time_rate=percent(overall["on_time_rate"]), satisfied=percent(overall["satisfied_rate"]),
             avg_res=average(overall["avg_resolution"]), avg_att=average(overall["avg_attitude"]),
             issues=overall["issues_raised"], unreachable=overall["unreachable"]) + t(
        "report.totals_late", late=_count(overall.get("late_entries")),
        issue_late=_count(overall.get("issue_late_entries")))


def _count(v: object) -> str:
    """A count; one an approved version did not keep yet reads "—"."""
    return "—" if v is None else str(v)


def write_xlsx(path: Path, report: Any) -> None:
    """*report* is a ``services.report.MonthReport`` (plain data). The workbook is built in
    memory and handed to ``core.checked_files``: the person's file appears whole, with their own rights,
    or not at all (in the shared install, written by the person's own process)."""
    from ..core import checked_files

    checked_files.write_bytes(path, _xlsx_bytes(report))


def _xlsx_bytes(report: Any) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.cell_range import CellRange
    from openpyxl.worksheet.page import PageMargins

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_RECORDS)
    ncol = len(COLUMNS)
    last = _letter(ncol)
    head = headers()
    # empty cells are not written at all (a third of a typical row)
    rows = [[defuse(v) if v != "" else None for v in cell_values(r, report.agent_names)] for r in report.records]
    for i, w in enumerate(column_widths(rows, head), 1):
        ws.column_dimensions[_letter(i)].width = w
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)

    def cell(value: Any, *, font: Font | None = None, align: Alignment | None = None,
             fill: PatternFill | None = None, border: Border | None = None, fmt: str | None = None):
        c = WriteOnlyCell(ws, value=value)
        if font:
            c.font = font
        if align:
            c.alignment = align
        if fill:
            c.fill = fill
        if border:
            c.border = border
        if fmt:
            c.number_format = fmt
        return c

    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.3, right=0.3, top=0.5, bottom=0.5)

    ws.append([cell(t("report.title"), font=Font(bold=True, size=16), align=Alignment(horizontal="center"))])
    ws.merged_cells.add(CellRange(f"A{TITLE_ROW}:{last}{TITLE_ROW}"))
    state = report.state_text()  # open / approved vN · who when / amending (issue 22 §1)
    info = t("report.info", company=report.company or "—", month=str(report.month), state=state)
    ws.append([cell(info)])
    ws.merged_cells.add(CellRange(f"A{INFO_ROW}:{last}{INFO_ROW}"))
    grey = PatternFill("solid", fgColor="D9D9D9")
    center_wrap = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.append([cell(h, font=bold, fill=grey, border=box, align=center_wrap) for h in head])
    center = Alignment(horizontal="center")
    # The records are written by _fill_rows after saving (openpyxl spends ~80 µs a cell, 40 s
    # on a month of 30,000 records); here only their empty rows hold the places.
    for _ in rows:
        ws.append([])
    n = len(rows)
    totals_row = FIRST_DATA_ROW + n
    o = report.overall
    tot: list[Any] = [cell(t("report.total"), font=bold, border=box),
                      cell(t("report.count", n=n), font=bold, border=box)]
    for i in range(2, ncol):
        attr = COLUMNS[i][0]
        if attr == "score_resolution":
            tot.append(cell(_num(o["avg_resolution"]), font=bold, border=box, fmt="0.00", align=center))
        elif attr == "score_attitude":
            tot.append(cell(_num(o["avg_attitude"]), font=bold, border=box, fmt="0.00", align=center))
        else:
            tot.append(cell(None, border=box))
    ws.append(tot)
    ws.append([cell(totals_line(o))])
    ws.merged_cells.add(CellRange(f"A{totals_row + 1}:{last}{totals_row + 1}"))
    ws.append([])
    third = max(1, ncol // 3)
    sign = [None] * ncol
    sign[0] = t("report.sign.service")
    sign[third] = t("report.sign.visitor")
    sign[2 * third] = t("report.sign.manager")
    ws.append([cell(v, font=bold) if v else None for v in sign])
    ws.append([])
    date_line = [None] * ncol
    date_line[2 * third] = t("report.sign.date")
    ws.append([cell(v) if v else None for v in date_line])

    ks = wb.create_sheet(SHEET_KPI)
    names = report.agent_names

    def label(login: str) -> str:
        if login == "_pool":
            return t("report.pool")
        name = names.get(login)
        return f"{name} ({login})" if name and name != login else login

    header, krows = kpi_table(report.overall, report.agents, label)
    widths = [26, 24, 12] + [max(12, min(30, len(h) * 2)) for h in header[3:]]
    for i, w in enumerate(widths, 1):
        ks.column_dimensions[_letter(i)].width = w
    ks.freeze_panes = "C3"
    ks.page_setup.orientation = "landscape"
    ks.page_setup.paperSize = "9"
    ks.page_setup.fitToWidth, ks.page_setup.fitToHeight = 1, 0
    ks.sheet_properties.pageSetUpPr.fitToPage = True
    ks.print_title_cols = "A:B"
    ks.append([WriteOnlyCell(ks, value=t("report.kpi.title", month=str(report.month)))])
    hdr = []
    for h in header:
        c = WriteOnlyCell(ks, value=h)
        c.font, c.fill, c.border = bold, grey, box
        hdr.append(c)
    ks.append(hdr)
    for r in krows:
        key = r[1]
        fmt = "0.00%" if key in RATE_KEYS else "0.00" if key in AVG_KEYS else None
        out = []
        for i, v in enumerate(r):
            c = WriteOnlyCell(ks, value=_num(v))
            c.border = box
            if i >= 2 and fmt:
                c.number_format = fmt
            out.append(c)
        ks.append(out)
    # an approved version gives the same bytes every time: the file is dated when it was approved
    stamp = getattr(report, "generated_at", None)
    wb.properties.created = stamp
    return _fill_rows(rendered(wb), rows, FIRST_DATA_ROW, stamp)


_ROW = re.compile(r'<row r="(\d+)"(?:\s*/>|\s*></row>)')
_CORE_TIME = re.compile(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _inline(v: Any) -> str:
    """The part of a cell after its reference: ``" t=…>…</c>``."""
    if isinstance(v, bool):
        return f'" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, (int, float, Decimal)):
        return f'" t="n"><v>{v}</v></c>'
    text = xml_escape(_ILLEGAL.sub("", str(v)))
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _fill_rows(book: bytes, rows: list[list[Any]], first: int, stamp: datetime | None = None) -> bytes:
    """Put the records into their placeholder rows of sheet 1 (inline strings, as openpyxl's
    own streaming writer does) and return the rewritten workbook, every part dated *stamp*
    when given."""
    import zipfile

    letters = [_letter(i + 1) for i in range(len(COLUMNS))]
    last = first + len(rows)

    memo: dict[Any, str] = {}  # kinds, channels, names, states repeat on every page

    def row_xml(m: re.Match) -> str:
        r = int(m.group(1))
        if not first <= r < last:
            return m.group(0)
        parts = [f'<row r="{r}">']
        for col, v in zip(letters, rows[r - first]):
            if v is None:
                continue
            tail = memo.get(v)
            if tail is None:
                tail = memo[v] = _inline(v)
            parts.append(f'<c r="{col}{r}{tail}')
        parts.append("</row>")
        return "".join(parts)

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = _ROW.sub(row_xml, data.decode("utf-8")).encode("utf-8")
            if stamp is not None:
                info.date_time = stamp.timetuple()[:6]
                if info.filename == "docProps/core.xml":
                    at = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
                    data = _CORE_TIME.sub(rf"\g<1>{at}\g<2>", data.decode("utf-8")).encode("utf-8")
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return out.getvalue()


def write_csv(path: Path, report: Any) -> None:
    """UTF-8 with BOM (Excel in China opens it right); formula-like cells defused."""
    from ..core import checked_files

    with checked_files.open_write(path, text=True, encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(headers())
        for r in report.records:
            w.writerow([defuse(v) for v in cell_values(r, report.agent_names)])


YEARLY_KEYS = ("due", "completed", "completion_rate", "on_time", "on_time_rate", "scored",
               "avg_resolution", "avg_attitude", "satisfied_rate", "low_scores", "issues_raised",
               "issue_resolution_rate", "complaints", "complaint_rate")


def write_yearly_xlsx(path: Path, year: int, months: dict[str, dict]) -> None:
    """000 §4.13 yearly analysis: one row per month, the main KPIs across."""
    from ..core import checked_files

    checked_files.write_bytes(path, _yearly_bytes(year, months))


def _yearly_bytes(year: int, months: dict[str, dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = str(year)
    ws.append([t("report.yearly_title", year=year)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([t("report.kpi.name"), *(t(f"kpi.{k}") for k in YEARLY_KEYS)])
    for c in ws[2]:
        c.font = Font(bold=True)
    for m, figs in months.items():
        ws.append([m, *(_num(figs[k]) for k in YEARLY_KEYS)])
        for i, k in enumerate(YEARLY_KEYS, 2):
            if k in RATE_KEYS:
                ws.cell(ws.max_row, i).number_format = "0.00%"
            elif k in AVG_KEYS:
                ws.cell(ws.max_row, i).number_format = "0.00"
    ws.freeze_panes = "B3"
    ws.column_dimensions["A"].width = 10
    for i in range(2, len(YEARLY_KEYS) + 2):
        ws.column_dimensions[_letter(i)].width = 14
    return rendered(wb)
