"""The month's 客户回访汇总记录表 as .xlsx (openpyxl, streaming) and .csv (UTF-8 with BOM).

Sheet 1 is laid out as the paper form: title, company and month, a bold frozen header row,
one row per record, totals (the averages labelled), a footnote on 本月计入, and the signature
lines 服务人员 / 访问人员 / 部经理 (000 §4.9). It prints on A4 landscape one page wide at 9 pt or
more: the paper form's columns only, long text wrapped in its cell, scores centred, the header
row repeated, and every page headed with the month and who approved it, when, which version.
Sheet 2 holds the SPEC §7 KPIs in words: name, value, definition, then per login.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from ..domain.kpi import AVG_KEYS, RATE_KEYS
from ..domain.linebreak import line_spans
from ..core.i18n import t
from . import COLUMNS, cell_values, defuse, headers, kpi_table
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


def xlsx_bytes(report: Any) -> bytes:
    """The workbook ``write_xlsx`` writes, in memory (the approved month's attachment to its
    notification, issue 26)."""
    return _xlsx_bytes(report)


#: The printed sheet's columns (issue 25 item 21): the paper form's (003 表2) and what the centre
#: adds to it (回访员, 本月计入, 补录, 备注); phone, service staff, type and issue numbers stay in
#: the .csv. (attribute, width in Excel character units, how its cells sit.) Text wraps in its
#: cell; the widths add up to what A4 landscape holds at FONT_PT and a scale of at least
#: MIN_PRINTED_PT / FONT_PT (tests/exporting/test_sheet_print.py computes it).
WRAP, CENTER = "wrap", "center"
PRINT_COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("number", 11.5, WRAP), ("day", 10, WRAP), ("customer", 13, WRAP), ("contact", 11, WRAP),
    ("ref", 11, WRAP), ("channel", 5.5, CENTER), ("score_resolution", 6.5, CENTER),
    ("score_attitude", 6.5, CENTER), ("suggestions", 15.5, WRAP), ("improvement", 14, WRAP),
    ("owner", 7.5, WRAP), ("follow_status", 8, WRAP), ("agent", 6.5, WRAP), ("part", 13.5, WRAP),
    ("late_entry", 4, CENTER), ("note", 12, WRAP),
)
FONT_PT, TITLE_PT, MIN_PRINTED_PT = 10, 14, 9
#: Excel's "narrow" margins, inches
MARGINS = {"left": 0.25, "right": 0.25, "top": 0.75, "bottom": 0.75, "header": 0.3, "footer": 0.3}
#: the KPI sheet: 指标, 全部, 定义 (repeated on every page), then one column per login
KPI_WIDTHS = (17, 10, 44)
KPI_LOGIN_WIDTH = 11
#: one Excel width unit (of the default 11 pt font) as LibreOffice prints it, in points: 5.55
#: measured at 100 %; fitting 154 units to A4 it chose 92 %, so 5.63–5.69; taken high
UNIT_PT = 5.7
#: A4 landscape less the margins, in those units: what a sheet may hold without shrinking
PAGE_UNITS = (841.89 - 72 * (MARGINS["left"] + MARGINS["right"])) / UNIT_PT
NOTE_KEYS = ("sheet.note.title", "sheet.note.planned", "sheet.note.done", "sheet.note.calls_only")
#: the font every cell names (LibreOffice prints its metric twin Carlito; Chinese falls back to
#: the system's CJK font, one em a character), and the height of one wrapped line of FONT_PT
FONT_NAME = "Calibri"
LINE_PT, ROW_PAD_PT = 14.0, 3.0
#: a row of one line (the title's is taller): every row of the records sheet is given its height,
#: so that its pages can be counted (below)
ROW_PT, TITLE_ROW_PT = LINE_PT + ROW_PAD_PT, 22.0
#: A4 landscape's height less the top and bottom margins, in printed points
PAGE_HEIGHT_PT = 595.28 - 72 * (MARGINS["top"] + MARGINS["bottom"])
#: LibreOffice's width unit measured low (5.55 pt at 100 %): the scale it may print at, taken
#: high, so that the rows counted to a page are never more than it holds; and what a page
#: keeps spare for LibreOffice's header and footer lines
UNIT_PT_LOW, PAGE_SPARE = 5.55, 0.97


def approval_line(report: Any) -> str:
    """Who approved the month, when, and which version (issue 25 item 23); a draft says so."""
    st = getattr(report, "status", None)
    if st is None or st.version is None or st.state == "open":
        at = getattr(report, "generated_at", None)
        return t("sheet.approval_open", at=f"{at:%Y-%m-%d %H:%M}" if at else "—")
    who = report.agent_names.get(st.approved_by or "", st.approved_by or "—")
    at = f"{st.approved_at:%Y-%m-%d %H:%M}" if st.approved_at else "—"
    key = "sheet.approval" if st.state == "approved" else "sheet.approval_amending"
    return t(key, who=who, at=at, version=st.version)


def _hf(text: str) -> str:
    """Text for a page header or footer: ``&`` starts a code there."""
    return text.replace("&", "&&")


def _page(ws: Any, *, fit_width: bool = True) -> None:
    """A4 landscape, narrow margins, fit to one page wide (any number high)."""
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = (1, 0) if fit_width else (0, 0)
    ws.sheet_properties.pageSetUpPr.fitToPage = fit_width
    ws.page_margins = PageMargins(**MARGINS)


def _headers_footers(ws: Any, report: Any) -> None:
    """Every printed page names the month and its approval (who, when, version) and its number."""
    for part, text in ((ws.oddHeader.left, t("sheet.page_header", month=str(report.month))),
                       (ws.oddHeader.right, approval_line(report)),
                       (ws.oddFooter.left, report.company or ""),
                       (ws.oddFooter.right, t("sheet.page_footer"))):
        part.text = _hf(text) if part is not ws.oddFooter.right else text
        part.size = FONT_PT


def _lines(text: str, units: float) -> int:
    """Lines *text* takes in a wrapped cell *units* wide at FONT_PT: a Chinese character is one
    em (FONT_PT / 5.6 units), a Latin one about half, and Latin text breaks at words (a line
    is then filled less: 10 % more)."""
    room = max(1.0, units - 0.8)
    n = 0
    for line in str(text).split("\n"):
        wide = sum(1 for ch in line if unicodedata.east_asian_width(ch) in "WF")
        need = wide * FONT_PT / 5.6 + (len(line) - wide) * FONT_PT / 5.6 * 0.5 * 1.1
        n += max(1, math.ceil(need / room))
    return n


def _tenths(text: str) -> int:
    """The width of *text* at FONT_PT in tenths of a Chinese character's: what ``_lines``
    counts (a Latin character 0.55 of one), as ``domain.linebreak`` measures a line."""
    return sum(20 if unicodedata.east_asian_width(ch) in "WF" else 11 for ch in text)


def broken(text: str, units: float) -> str:
    """A long Chinese text of a wrapped cell *units* wide with its line breaks put in by
    ``domain.linebreak`` (no line starts with closing punctuation, a number or date stays
    whole): LibreOffice's own wrap breaks anywhere, e.g. before a ``，``. Every line fits the
    cell by ``_lines``'s measure, so LibreOffice does not break it again; only line breaks are
    added (a space at a break stays at the line's end). Latin text (which it
    breaks at spaces) and text that fits on one line are left as they are."""
    if not any(unicodedata.east_asian_width(ch) in "WF" for ch in text) or _lines(text, units) < 2:
        return text
    room = int(max(1.0, units - 0.8) / (FONT_PT / 5.6) * 20)
    spans = line_spans(text, room, _tenths)
    out = []
    for (a, b), (c, _) in zip(spans, [*spans[1:], (len(text), 0)]):
        gap = text[b:c]  # the spaces at a break stay, at the line's end: the text reads back whole
        out.append(text[a:b] + (gap if "\n" in gap or c == len(text) else gap + "\n"))
    return "".join(out)


def printed_scale(widths: list[float], unit_pt: float = UNIT_PT_LOW) -> float:
    """The scale LibreOffice fits *widths* to A4 landscape's width with (whole percent, never
    enlarged), one width unit printing *unit_pt* at 100 %."""
    room = 841.89 - 72 * (MARGINS["left"] + MARGINS["right"])
    return min(1.0, math.floor(100 * room / (sum(widths) * unit_pt)) / 100)


def page_breaks(heights: list[float], first_page: float, page: float, tail: float) -> list[int]:
    """Where pages break in a run of record rows (*heights*, points): before each index listed.
    The first page holds *first_page* points of records, the others *page* (the repeated
    header row left out); the rows after the records (*tail*: totals, footnote, signature
    lines) go on the last page with the last record, never alone under the header (when they
    do not fit under the last page's records, the last record starts a page of its own)."""
    breaks: list[int] = []
    room, used, start = first_page, 0.0, 0
    for i, h in enumerate(heights):
        if used + h > room and i > start:
            breaks.append(i)
            room, used, start = page, 0.0, i
        used += h
    if heights and used + tail > room and len(heights) - 1 > start:
        breaks.append(len(heights) - 1)  # the tail does not fit: the last record goes with it
    return breaks


def _row_height(values: list[Any], widths: list[float], memo: dict) -> float:
    """A row tall enough for its wrapped cells (LibreOffice does not size rows on opening)."""
    lines = 1
    for v, w in zip(values, widths):
        if isinstance(v, str) and v:
            k = (v, w)
            n = memo.get(k)
            if n is None:
                n = memo[k] = _lines(v, w)
            lines = max(lines, n)
    return LINE_PT * lines + ROW_PAD_PT


def _xlsx_bytes(report: Any) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.cell_range import CellRange

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_RECORDS)
    attrs = [a for a, _ in COLUMNS]
    picks = [attrs.index(a) for a, _, _ in PRINT_COLUMNS]
    ncol = len(PRINT_COLUMNS)
    last = _letter(ncol)
    head = [t(f"sheet.col.{a}") for a, _, _ in PRINT_COLUMNS]
    # empty cells are written with their border only (see _fill_rows)
    rows = []
    widths = [w for _, w, _ in PRINT_COLUMNS]
    # long Chinese text gets its line breaks where the rules allow (issue 25, after review)
    breaking = [how == WRAP for _, _, how in PRINT_COLUMNS]
    memo_breaks: dict = {}
    for r in report.records:
        values = cell_values(r, report.agent_names)
        row = [defuse(values[i]) if values[i] != "" else None for i in picks]
        for j, v in enumerate(row):
            if breaking[j] and isinstance(v, str):
                k = (v, j)
                b = memo_breaks.get(k)
                if b is None:
                    b = memo_breaks[k] = broken(v, widths[j])
                row[j] = b
        rows.append(row)
    memo: dict = {}
    heights = {TITLE_ROW: TITLE_ROW_PT, INFO_ROW: ROW_PT, HEADER_ROW: _row_height(head, widths, memo)}
    heights.update((FIRST_DATA_ROW + i, _row_height(row, widths, memo)) for i, row in enumerate(rows))
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[_letter(i)].width = w
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name=FONT_NAME, size=FONT_PT)
    bold = Font(name=FONT_NAME, bold=True, size=FONT_PT)
    # a record's cells sit in the middle of its row: a score beside a long text too
    top_wrap = Alignment(vertical="center", wrap_text=True)
    top_center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def cell(value: Any, *, font: Font = font, align: Alignment | None = None,
             fill: PatternFill | None = None, border: Border | None = None, fmt: str | None = None):
        c = WriteOnlyCell(ws, value=value)
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

    # the records' cell styles, registered here and named by their index in _fill_rows
    styles = [cell(None, align=top_center if how == CENTER else top_wrap, border=box).style_id
              for _, _, how in PRINT_COLUMNS]

    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    _page(ws)
    _headers_footers(ws, report)

    ws.append([cell(t("report.title"), font=Font(name=FONT_NAME, bold=True, size=TITLE_PT),
                    align=Alignment(horizontal="center"))])
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
    averages = {"score_resolution": o["avg_resolution"], "score_attitude": o["avg_attitude"]}
    label_at = [a for a, _, _ in PRINT_COLUMNS].index("score_resolution") - 1  # the averages' label
    tot: list[Any] = []
    for i, (attr, _, _) in enumerate(PRINT_COLUMNS):
        if i == 0:
            tot.append(cell(t("report.total"), font=bold, border=box))
        elif i == 1:
            tot.append(cell(t("report.count", n=n), font=bold, border=box))
        elif i == label_at:
            tot.append(cell(t("sheet.avg"), font=bold, border=box, align=Alignment(horizontal="right")))
        elif attr in averages:
            tot.append(cell(_num(averages[attr]), font=bold, border=box, fmt="0.00", align=center))
        else:
            tot.append(cell(None, border=box))
    ws.append(tot)
    ws.append([cell(totals_line(o))])
    ws.merged_cells.add(CellRange(f"A{totals_row + 1}:{last}{totals_row + 1}"))
    # the footnote: what 本月计入 means, and the averages (issue 25 items 24, 26)
    note_row = totals_row + 2
    for i, key in enumerate(NOTE_KEYS):
        r = note_row + i
        text = t(key)
        ws.append([cell(text, align=Alignment(vertical="top", wrap_text=True))])
        ws.merged_cells.add(CellRange(f"A{r}:{last}{r}"))
        heights[r] = LINE_PT * _lines(text, sum(widths)) + ROW_PAD_PT
    ws.append([])
    last_row = note_row + len(NOTE_KEYS) + 3  # an empty row, the signatures, an empty row, the date
    heights.update((r, ROW_PT) for r in range(totals_row, last_row + 1) if r not in heights)
    _break_pages(ws, heights, widths, n, totals_row, last_row)
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

    kpi_heights = _kpi_sheet(wb, report, box=box, grey=grey)
    # an approved version gives the same bytes every time: the file is dated when it was approved
    stamp = getattr(report, "generated_at", None)
    wb.properties.created = stamp
    return _fill_rows(rendered(wb), rows, FIRST_DATA_ROW, stamp, styles=styles, heights=heights,
                      other_heights={"xl/worksheets/sheet2.xml": kpi_heights})


def _break_pages(ws: Any, heights: dict[int, float], widths: list[float], n: int, totals_row: int,
                 last_row: int) -> None:
    """A manual page break wherever a page of records is full (so LibreOffice breaks where
    the heights were counted), the totals, footnote and signature lines kept on the last page
    with its last record (issue 25, after review: in English they were left alone on a page
    of their own under the repeated header)."""
    from openpyxl.worksheet.pagebreak import Break

    page = PAGE_HEIGHT_PT / printed_scale(widths) * PAGE_SPARE
    first = page - heights[TITLE_ROW] - heights[INFO_ROW] - heights[HEADER_ROW]
    tail = sum(heights[r] for r in range(totals_row, last_row + 1))
    records = [heights[FIRST_DATA_ROW + i] for i in range(n)]
    for i in page_breaks(records, first, page - heights[HEADER_ROW], tail):
        ws.row_breaks.append(Break(id=FIRST_DATA_ROW + i - 1))  # after that row: record i starts a page


def kpi_definition(key: str) -> str:
    """One line saying what a KPI counts (SPEC §7), for the sheet's 定义 column."""
    if key.startswith("score_counts."):
        _, part, n = key.split(".")
        return t(f"sheet.kpi_def.counts_{part}", n=n)
    return t(f"sheet.kpi_def.{key}")


def _kpi_sheet(wb: Any, report: Any, *, box: Any, grey: Any) -> dict[int, float]:
    """Sheet 2 in words (issue 25 item 22): each KPI's name, its value, its definition, then
    one column per login. Fits one page wide when it can; else its pages repeat 指标/全部/定义.
    Returns the heights its wrapped rows need."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    ks = wb.create_sheet(SHEET_KPI)
    names = report.agent_names

    def label(login: str) -> str:
        if login == "_pool":
            return t("report.pool")
        name = names.get(login)
        return f"{name} ({login})" if name and name != login else login

    header, krows = kpi_table(report.overall, report.agents, label)
    logins = header[3:]
    widths = [*KPI_WIDTHS, *([KPI_LOGIN_WIDTH] * len(logins))]
    for i, w in enumerate(widths, 1):
        ks.column_dimensions[_letter(i)].width = w
    ks.freeze_panes = "D3"
    _page(ks, fit_width=sum(widths) * MIN_PRINTED_PT / FONT_PT <= PAGE_UNITS)
    _headers_footers(ks, report)
    ks.print_title_rows = "2:2"
    ks.print_title_cols = "A:C"
    font, bold = Font(name=FONT_NAME, size=FONT_PT), Font(name=FONT_NAME, bold=True, size=FONT_PT)
    # every cell in the middle of its row: a number beside a two-line definition reads on its line
    wrap, middle = Alignment(vertical="center", wrap_text=True), Alignment(vertical="center")
    title = WriteOnlyCell(ks, value=t("sheet.kpi_title", month=str(report.month), state=report.state_text()))
    title.font = Font(name=FONT_NAME, bold=True, size=12)
    ks.append([title])
    hdr = []
    head = [header[0], t("sheet.kpi_value"), t("sheet.kpi_definition"), *logins]
    memo: dict = {}
    heights = {2: _row_height(head, widths, memo)}
    for h in head:
        c = WriteOnlyCell(ks, value=h)
        c.font, c.fill, c.border = bold, grey, box
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        hdr.append(c)
    ks.append(hdr)
    for n, r in enumerate(krows, 3):
        key = r[1]
        fmt = "0.00%" if key in RATE_KEYS else "0.00" if key in AVG_KEYS else None
        out = []
        line = (r[0], r[2], kpi_definition(key), *r[3:])
        heights[n] = _row_height(list(line), widths, memo)
        for i, v in enumerate(line):
            c = WriteOnlyCell(ks, value=_num(v))
            c.border, c.font = box, font
            c.alignment = wrap if i in (0, 2) else middle
            if i not in (0, 2) and fmt:
                c.number_format = fmt
            out.append(c)
        ks.append(out)
    return heights


#: any row: an empty one (a record's place) or one openpyxl wrote (a footnote given its height)
_ANY_ROW = re.compile(r'<row r="(\d+)"(?:\s*/>|\s*></row>)|<row r="(\d+)"')
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


def _fill_rows(book: bytes, rows: list[list[Any]], first: int, stamp: datetime | None = None, *,
               styles: list[int] | None = None, heights: dict[int, float] | None = None,
               other_heights: dict[str, dict[int, float]] | None = None) -> bytes:
    """Put the records into their placeholder rows of sheet 1 (inline strings, as openpyxl's
    own streaming writer does), each cell in its column's style (*styles*: cell style indices;
    an empty cell keeps its border), give the rows of *heights* their height in points, and
    give the rows of the other sheets their heights (*other_heights*: part name → row → points)
    and return the rewritten workbook, every part dated *stamp* when given."""
    import zipfile

    width = len(rows[0]) if rows else 0
    letters = [_letter(i + 1) for i in range(width)]
    styled = [f'" s="{s}' for s in styles] if styles else [""] * width
    last = first + len(rows)
    heights = heights or {}

    memo: dict[Any, str] = {}  # kinds, channels, names, states repeat on every page

    def row_xml(m: re.Match) -> str:
        if m.group(1) is None:  # a row openpyxl wrote
            return _height(m, int(m.group(2)))
        r = int(m.group(1))
        if not first <= r < last:
            return _height(m, r)
        parts = [f'<row r="{r}" ht="{heights[r]:g}" customHeight="1">' if r in heights else f'<row r="{r}">']
        for col, style, v in zip(letters, styled, rows[r - first]):
            if v is None:
                if style:
                    parts.append(f'<c r="{col}{r}{style}"/>')
                continue
            tail = memo.get(v)
            if tail is None:
                tail = memo[v] = _inline(v)
            parts.append(f'<c r="{col}{r}{style}{tail}')
        parts.append("</row>")
        return "".join(parts)

    def _height(m: re.Match, r: int, heights: dict[int, float] = heights) -> str:
        if r not in heights:
            return m.group(0)
        return m.group(0).replace(f'<row r="{r}"', f'<row r="{r}" ht="{heights[r]:g}" customHeight="1"', 1)

    def other_xml(part: dict[int, float]):  # noqa: ANN202
        return lambda m: _height(m, int(m.group(1) or m.group(2)), part)

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = _ANY_ROW.sub(row_xml, data.decode("utf-8")).encode("utf-8")
            elif info.filename in (other_heights or {}):
                data = _ANY_ROW.sub(other_xml(other_heights[info.filename]), data.decode("utf-8")).encode("utf-8")
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
