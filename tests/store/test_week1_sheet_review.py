"""The 客户回访汇总记录表 after review (issue 25): an approved version says its follow-up
states in each reader's language (versions approved before, which froze the approver's
words, too); the English last page keeps the totals, footnote and signature lines together;
本月计入 never splits inside a month; wrapped cells never start a line with punctuation;
a record row's cells sit in the middle of the row."""

from __future__ import annotations

import csv
import json
import math
import re
import unicodedata
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import select
from . import test_week1_sheet as base

from huifang_tui.core.i18n import catalog, set_lang, t
from huifang_tui.domain.kpi import as_json_number, empty_figures
from huifang_tui.domain.linebreak import NO_START
from huifang_tui.exporting import COLUMNS
from huifang_tui.exporting.sheets import FIRST_DATA_ROW, HEADER_ROW, SHEET_KPI, SHEET_RECORDS, write_csv, write_xlsx
from huifang_tui.services import report as svc
from huifang_tui.services.report import MonthReport, RecordLine
from huifang_tui.store.models import ReportSnapshot

NOV = base.NOV
A4_LANDSCAPE_PT = base.A4_LANDSCAPE_PT
month = base.month  # the fixture: a record of each kind of belonging
FOLLOW = [a for a, _ in COLUMNS].index("follow_status")
ZH, EN = catalog("zh_CN"), catalog("en")


@pytest.fixture
def english():
    set_lang("en")
    yield
    set_lang("zh_CN")


def _words(section: str, lang: dict) -> set[str]:
    return {v for k, v in lang.items() if k.startswith(section)}


FOLLOW_WORDS_ZH = _words("report.follow.", ZH) | _words("report.state.", ZH)
FOLLOW_WORDS_EN = _words("report.follow.", EN) | _words("report.state.", EN)


def test_an_approved_month_stores_follow_up_states_as_codes(store, month):
    svc.approve(store, month["sup"], NOV)
    with store.read() as s:
        data = json.loads(s.exec(select(ReportSnapshot.data)).first())
    stored = {r["follow_status"] for r in data["records"]}
    assert stored and all(v.startswith(("report.follow.", "report.state.")) for v in stored)


def test_an_english_reader_gets_an_approved_months_follow_up_states_in_english(store, month, english, tmp_path):
    set_lang("zh_CN")
    svc.approve(store, month["sup"], NOV)  # approved by a Chinese reader
    set_lang("en")
    rep = svc.monthly_report(store, month["sup"], NOV)
    assert rep.approved
    said = {r.follow_status for r in rep.records}
    assert said and said <= FOLLOW_WORDS_EN and not said & FOLLOW_WORDS_ZH
    path = tmp_path / "m.csv"
    write_csv(path, rep)
    with path.open(encoding="utf-8-sig") as f:
        cells = {row[FOLLOW] for row in list(csv.reader(f))[1:]}
    assert cells == said


def test_a_version_approved_before_with_chinese_words_reads_in_the_readers_language(store, month, english):
    set_lang("zh_CN")
    svc.approve(store, month["sup"], NOV)
    zh_words = {r.number: r.follow_status for r in svc.monthly_report(store, month["sup"], NOV).records}
    with store.write() as s:  # as an approval before the codes stored it: the approver's words
        snap = s.exec(select(ReportSnapshot)).first()
        data = json.loads(snap.data)
        for r in data["records"]:
            r["follow_status"] = zh_words[r["number"]]
        data["records"][0]["follow_status"] = "客户自己说的"  # a word no catalog has stays as it is
        snap.data = json.dumps(data, ensure_ascii=False)
        s.add(snap)
    set_lang("en")
    recs = svc.monthly_report(store, month["sup"], NOV).records
    first, rest = recs[0], recs[1:]
    assert first.follow_status == "客户自己说的"
    said = {r.follow_status for r in rest}
    assert said and said <= FOLLOW_WORDS_EN
    assert len(recs) == len(zh_words)


# -- item 3: 本月计入 whole, no line starts with punctuation, cells in the middle of their rows ------


def _room(width: float) -> int:
    """What a line of a wrapped cell *width* units wide holds, in tenths of a Chinese character
    at 10 pt (the sheet's estimate: a Chinese character 10/5.6 units, a Latin one 0.55 of it)."""
    return int((width - 0.8) / (10 / 5.6) * 20)


def _tenths(text: str) -> int:
    return sum(20 if unicodedata.east_asian_width(ch) in "WF" else 11 for ch in text)


def test_long_chinese_cells_are_broken_by_the_rules_and_every_line_fits(store, month, tmp_path):
    ws = base._xlsx(store, month["sup"], tmp_path)[SHEET_RECORDS]
    head = [c.value for c in ws[HEADER_ROW]]
    widths = base._widths(ws)
    rows = base._record_rows(ws)
    long = rows["HF202611001"][head.index("具体意见建议")].value
    assert long.replace("\n", "") == base.LONG and long.count("\n") >= 2
    checked = 0
    for row in rows.values():
        for i, c in enumerate(row):
            v = c.value
            if not isinstance(v, str) or not any(unicodedata.east_asian_width(ch) in "WF" for ch in v):
                continue
            lines = v.split("\n")
            for line in lines:  # LibreOffice does not break a line that fits again
                assert _tenths(line.rstrip(" ")) <= _room(widths[i]), (head[i], line)
            for line in lines[1:]:
                assert line[:1] not in NO_START, (head[i], lines)
            checked += 1
    assert checked > 10
    part = head.index("本月计入")
    for row in rows.values():  # a month in 本月计入 is never split
        v = row[part].value
        for m in re.findall(r"\d{4}-\d{2}", v.replace("\n", "")):
            assert any(m in line for line in v.split("\n")), v
    assert rows["HF202610009"][part].value.split("\n")[0] == "完成（2026-10"


def test_the_csv_keeps_long_text_unbroken(store, month, tmp_path):
    path = tmp_path / "m.csv"
    write_csv(path, svc.monthly_report(store, month["sup"], NOV))
    text = path.read_text(encoding="utf-8-sig")
    assert base.LONG in text and "完成（2026-10计划）" in text


def test_every_cell_of_a_record_row_sits_in_the_middle(store, month, tmp_path):
    ws = base._xlsx(store, month["sup"], tmp_path)[SHEET_RECORDS]
    for row in base._record_rows(ws).values():
        assert {c.alignment.vertical for c in row} == {"center"}


def test_every_cell_of_a_kpi_row_sits_in_the_middle(store, month, tmp_path):
    """A KPI's value beside its two-line definition sat at the top, reading like a superscript."""
    ws = base._xlsx(store, month["sup"], tmp_path)[SHEET_KPI]
    rows = [row for row in ws.iter_rows(min_row=3) if row[0].value]
    assert len(rows) > 10
    for row in rows:
        assert {c.alignment.vertical for c in row} == {"center"}, row[0].value


# -- item 2: the totals, footnote and signature lines on the last page, with its last record -------

A4_HEIGHT_PT = 595.28


def _pages(ws, unit_pt: float) -> list[list[int]]:
    """The rows of each printed page as LibreOffice lays them out: at the scale that fits the
    width, a page holds A4's height less the margins; the header row repeats on every page
    after the first; a manual break ends a page."""
    scale = min(1.0, math.floor(100 * (A4_LANDSCAPE_PT - 72 * (ws.page_margins.left + ws.page_margins.right))
                               / (sum(base._widths(ws)) * unit_pt)) / 100)
    room = (A4_HEIGHT_PT - 72 * (ws.page_margins.top + ws.page_margins.bottom)) / scale
    manual = {b.id for b in ws.row_breaks.brk}

    def height(r: int) -> float:
        return ws.row_dimensions[r].height or 15.0  # LibreOffice's row of an unsized 11 pt line

    header = height(HEADER_ROW)
    pages: list[list[int]] = [[]]
    used = 0.0
    for r in range(1, ws.max_row + 1):
        if pages[-1] and used + height(r) > room:
            pages.append([])
            used = header
        pages[-1].append(r)
        used += height(r)
        if r in manual:
            pages.append([])
            used = header
    return [p for p in pages if p]


def _line(number: str, suggestions: str) -> RecordLine:
    return RecordLine(number=number, day="2026-11-03", customer="杭州恒达机械有限公司", contact="王经理/技术负责人",
                      phone="139****1111", ref="SX202611001", service_staff="", kind="after_sale", channel="phone",
                      score_resolution=5, score_attitude=4, suggestions=suggestions, issues=[], improvement="",
                      owner="", follow_status="无需跟进", agent="agent1", late_entry=False, status="completed",
                      login="agent1", part="planned_and_done", planned_on="2026-11-03")


def _report(n: int) -> MonthReport:
    records = [_line(f"HF20261{i:05d}", base.LONG if i % 3 == 0 else "") for i in range(n)]
    return MonthReport(NOV, False, None, as_json_number(empty_figures()), {}, records, "华通过滤设备有限公司",
                       datetime(2026, 12, 7, 9), {"agent1": "李回访"})


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_last_page_keeps_the_totals_footnote_and_signatures_with_a_record(tmp_path, lang):
    set_lang(lang)
    try:
        total = t("report.total")
        for n in range(1, 61):
            path = tmp_path / f"{n}.xlsx"
            write_xlsx(path, _report(n))
            ws = load_workbook(path)[SHEET_RECORDS]
            totals = next(r for r in range(FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value == total)
            for unit_pt in (5.55, 5.7):  # LibreOffice's width unit as measured, low and high
                last = _pages(ws, unit_pt)[-1]
                assert set(range(totals, ws.max_row + 1)) <= set(last), (lang, n, unit_pt, last)
                assert last[0] < totals, (lang, n, unit_pt, "the tail alone on a page")
    finally:
        set_lang("zh_CN")
