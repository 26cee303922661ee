"""The 客户回访汇总记录表 on paper (issue 25 items 21–26): the .xlsx as LibreOffice prints it
(A4 landscape, one page wide, 9 pt or more), the KPI sheet in words, the approval on every
page, the averages labelled, the scores centred, and which of the month's figures each record
counts in (本月计入) — the same rows in the sheet, the .csv, ``report monthly --json`` and the
month view's first page."""

from __future__ import annotations

import csv
import json
import math
from datetime import date, datetime

import pytest
from factories import add_callback, add_customer, add_user
from openpyxl import load_workbook
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.core.i18n import set_lang
from huifang_tui.domain.kpi import KPI_KEYS, Month
from huifang_tui.exporting.sheets import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    SHEET_KPI,
    SHEET_RECORDS,
    write_csv,
    write_xlsx,
)
from huifang_tui.services import report as svc
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.users import os_login
from huifang_tui.store.models import ReportSnapshot

NOV, DEC = Month(2026, 11), Month(2026, 12)
APPROVED_AT = datetime(2026, 12, 7, 10, 0)
#: A4 landscape is 841.89 pt wide; LibreOffice prints one Excel width unit of the default
#: 11 pt Calibri (Carlito) as about 5.6 pt (measured: columns of 10/20/30 units print
#: 55.5/111/166 pt at 100 %; the 154 units of the records sheet it printed at 92 %, which
#: makes 5.63–5.69): taken high, so the scale computed here is never above LibreOffice's
A4_LANDSCAPE_PT, UNIT_PT = 841.89, 5.7
LONG = "配件等了一周才到，很不满意，希望以后发货前先电话确认型号和数量，避免再次返工"


@pytest.fixture
def month(store):
    """November, with a record of each kind of belonging:

    HF202611001 planned and done in November; HF202611002 planned for November, done on
    12-01 (November's 完成率, December's scores); HF202610009 planned for October, done in
    November; HF202610010 planned for October, only tried in November (still open);
    HF202611003 planned for November, not done."""
    sup = add_user(store, "sup", "supervisor", "张主管")
    a1 = add_user(store, "agent1", "agent", "李回访")
    c1 = add_customer(store, "杭州恒达机械有限公司", agent="agent1")
    c2 = add_customer(store, "宁波远洋过滤设备制造有限公司", agent="agent1", phone="13900001111")
    add_callback(store, c1, "HF202611001", due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 5))
    add_callback(store, c2, "HF202611002", due_on=date(2026, 11, 27), deadline_on=date(2026, 12, 3))
    add_callback(store, c1, "HF202610009", due_on=date(2026, 10, 26), deadline_on=date(2026, 10, 29))
    add_callback(store, c2, "HF202610010", due_on=date(2026, 10, 27), deadline_on=date(2026, 10, 30))
    add_callback(store, c1, "HF202611003", due_on=date(2026, 11, 12), deadline_on=date(2026, 11, 17))
    store.clock = lambda: datetime(2026, 12, 7, 9, 0)
    done = dict(outcome="completed", reached_name="王经理", reached_position="技术负责人")
    record_attempt(store, a1, "HF202611001", CallRecord(**done, at=datetime(2026, 11, 4, 10), score_resolution=5,
                                                         score_attitude=4, suggestions=LONG))
    record_attempt(store, a1, "HF202611002", CallRecord(**done, at=datetime(2026, 12, 1, 10), score_resolution=3,
                                                         score_attitude=3))
    record_attempt(store, a1, "HF202610009", CallRecord(**done, at=datetime(2026, 11, 5, 10), score_resolution=4,
                                                         score_attitude=4))
    record_attempt(store, a1, "HF202610010", CallRecord(outcome="no_answer", at=datetime(2026, 11, 3, 10)))
    store.clock = lambda: APPROVED_AT
    return {"sup": sup, "a1": a1}


def _xlsx(store, actor, tmp_path, m: Month = NOV, name: str = "m.xlsx", **kw):
    path = tmp_path / name
    write_xlsx(path, svc.monthly_report(store, actor, m, **kw))
    return load_workbook(path)


def _widths(ws) -> list[float]:
    """Every used column's width (openpyxl groups equal neighbours into one dimension)."""
    out = [8.43] * ws.max_column  # a column nobody sized
    for dim in ws.column_dimensions.values():
        for i in range(dim.min or 1, (dim.max or dim.min or 1) + 1):
            if i <= ws.max_column and dim.width:
                out[i - 1] = dim.width
    return out


def _printed_scale(ws) -> float:
    """The scale LibreOffice prints *ws* at: fit to the page's width (whole percent, never
    enlarged), or 100 % when the sheet is not fitted."""
    if not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage):
        return 1.0
    room = A4_LANDSCAPE_PT - 72 * (ws.page_margins.left + ws.page_margins.right)
    return min(1.0, math.floor(100 * room / (sum(_widths(ws)) * UNIT_PT)) / 100)


def _record_rows(ws) -> dict[str, list]:
    return {row[0].value: row for row in ws.iter_rows(min_row=FIRST_DATA_ROW)
            if isinstance(row[0].value, str) and row[0].value.startswith("HF")}


# -- item 21: the page, the type size, the columns, wrapping ------------------------------------


def test_both_sheets_are_set_up_for_a4_landscape_one_page_wide(store, month, tmp_path):
    wb = _xlsx(store, month["sup"], tmp_path)
    for ws in (wb[SHEET_RECORDS], wb[SHEET_KPI]):
        ps = ws.page_setup
        assert ps.orientation == "landscape" and int(ps.paperSize) == 9  # A4
        assert (int(ps.fitToWidth), int(ps.fitToHeight)) == (1, 0)  # one page wide, as many high as needed
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        m = ws.page_margins  # Excel's "narrow"
        assert (m.left, m.right, m.top, m.bottom) == (0.25, 0.25, 0.75, 0.75)
    assert wb[SHEET_RECORDS].print_title_rows == "$3:$3" and HEADER_ROW == 3  # the header row on every page
    assert wb[SHEET_KPI].print_title_rows == "$2:$2"


def test_every_cell_prints_at_9pt_or_more(store, month, tmp_path):
    """The scale LibreOffice fits the sheet's width with, times each cell's font size."""
    for lang in ("zh_CN", "en"):
        set_lang(lang)
        wb = _xlsx(store, month["sup"], tmp_path, name=f"{lang}.xlsx")
        for ws in (wb[SHEET_RECORDS], wb[SHEET_KPI]):
            scale = _printed_scale(ws)
            sizes = {(c.font.sz or 11) for row in ws.iter_rows() for c in row if c.value is not None}
            assert min(sizes) * scale >= 9, (lang, ws.title, scale, sorted(sizes))
            for part in (ws.oddHeader.left, ws.oddHeader.right, ws.oddFooter.right):
                assert part.text and (part.size or 11) >= 9  # headers and footers are not scaled


def test_the_printed_columns_are_the_paper_forms(store, month, tmp_path):
    ws = _xlsx(store, month["sup"], tmp_path)[SHEET_RECORDS]
    head = [c.value for c in ws[HEADER_ROW]]
    assert head[:2] == ["回访编号", "回访日期"]
    for paper in ("客户名称", "问题解决效果评分", "服务态度评分", "具体意见建议", "改进措施", "责任人", "跟进状态"):
        assert paper in head
    for dropped in ("电话", "服务人员", "回访类型", "需处理问题"):  # kept in the .csv
        assert dropped not in head
    write_csv(tmp_path / "m.csv", svc.monthly_report(store, month["sup"], NOV))
    with open(tmp_path / "m.csv", encoding="utf-8-sig") as f:
        assert {"电话", "服务人员", "回访类型", "需处理问题", "本月计入"} <= set(next(csv.reader(f)))


def test_long_text_wraps_in_its_cell_and_its_row_is_tall_enough(store, month, tmp_path):
    ws = _xlsx(store, month["sup"], tmp_path)[SHEET_RECORDS]
    head = [c.value for c in ws[HEADER_ROW]]
    assert all(c.alignment.wrap_text for c in ws[HEADER_ROW])
    row = _record_rows(ws)["HF202611001"]
    cell = row[head.index("具体意见建议")]
    # its line breaks put in where the rules allow, in the middle of its row (after review)
    assert cell.value.replace("\n", "") == LONG and cell.alignment.wrap_text and cell.alignment.vertical == "center"
    for c in row:  # every cell of a record, empty ones too, is boxed and wraps
        assert c.alignment.wrap_text and c.border.left.style == "thin"
    # 38 Chinese characters in a column of ~15 units (8 characters a line): five lines, so the
    # row is at least five lines of 10 pt tall (LibreOffice does not size rows when opening)
    width = _widths(ws)[head.index("具体意见建议")]
    lines = math.ceil(len(LONG) / math.floor((width - 1) * UNIT_PT / 10))
    assert ws.row_dimensions[cell.row].height >= lines * 12
    assert ws.row_dimensions[HEADER_ROW].height >= 2 * 12  # the long headers wrap too


# -- item 25: the scores centred ------------------------------------------------------------------


def test_scores_are_centred(store, month, tmp_path):
    ws = _xlsx(store, month["sup"], tmp_path)[SHEET_RECORDS]
    head = [c.value for c in ws[HEADER_ROW]]
    row = _record_rows(ws)["HF202611001"]
    for name, score in (("问题解决效果", 5), ("服务态度", 4)):
        c = row[next(i for i, h in enumerate(head) if h.startswith(name))]
        assert c.value == score and c.alignment.horizontal == "center"


# -- item 24: the averages labelled ----------------------------------------------------------------


def test_the_averages_have_a_label(store, month, tmp_path):
    for lang, label in (("zh_CN", "均分"), ("en", "Avg.")):
        set_lang(lang)
        ws = _xlsx(store, month["sup"], tmp_path, name=f"{lang}.xlsx")[SHEET_RECORDS]
        first_score = 1 + next(i for i, c in enumerate(ws[HEADER_ROW])  # the resolution score's column
                               if c.value.startswith(("问题解决效果", "Res")))
        totals = FIRST_DATA_ROW + len(_record_rows(ws))
        assert ws.cell(totals, first_score - 1).value == label
        # November's scored records: HF202611001 (5/4) and HF202610009 (4/4)
        assert (ws.cell(totals, first_score).value, ws.cell(totals, first_score + 1).value) == (4.5, 4.0)


# -- item 22: the KPI sheet in words -----------------------------------------------------------------


def test_the_kpi_sheet_says_each_kpi_in_words_with_its_value_and_definition(store, month, tmp_path):
    codes = {*KPI_KEYS, *(f"score_counts.{p}.{n}" for p in ("resolution", "attitude") for n in range(1, 6))}
    for lang, head in (("zh_CN", ["指标", "全部", "定义"]), ("en", ["KPI", "All", "Definition"])):
        set_lang(lang)
        ks = _xlsx(store, month["sup"], tmp_path, name=f"{lang}.xlsx")[SHEET_KPI]
        assert [c.value for c in ks[2]][:3] == head
        values = [c.value for row in ks.iter_rows() for c in row]
        assert not codes & set(values), "a JSON key on the manager's sheet"
        rows = {r[0]: r for r in ks.iter_rows(min_row=3, values_only=True)}
        assert len(rows) == len(KPI_KEYS) - 1 + 10
        for name, value, definition, *_ in rows.values():
            assert name and definition and len(definition) >= 6 and definition != name
            assert value is None or isinstance(value, (int, float))  # the figure itself, never a word
        if lang == "zh_CN":
            assert rows["回访完成率"][1] == 0.6667 and rows["回访完成率"][2] == "完成数 ÷ 计划回访数"
            assert rows["计划回访数"][1] == 3  # HF202611001, HF202611002 (done in December), HF202611003
        else:
            assert rows["Completion rate"][2] == "Completed ÷ planned"


# -- item 23: who approved, when, which version -------------------------------------------------------


def test_an_approved_month_prints_who_approved_it_when_and_which_version(store, month, tmp_path):
    sup = month["sup"]
    svc.approve(store, sup, NOV)
    svc.amend(store, sup, NOV, "更正评分")
    svc.approve(store, sup, NOV)
    wb = _xlsx(store, sup, tmp_path)
    for ws in (wb[SHEET_RECORDS], wb[SHEET_KPI]):
        header = ws.oddHeader.right.text
        assert "张主管" in header and "2026-12-07 10:00" in header and "第2版" in header
        assert "2026-11" in ws.oddHeader.left.text and "&P" in ws.oddFooter.right.text
    ws = wb[SHEET_RECORDS]
    assert "第2版" in ws["A2"].value and "张主管" in ws["A2"].value and "2026-12-07 10:00" in ws["A2"].value
    signs = [c.value for row in ws.iter_rows(min_row=FIRST_DATA_ROW) for c in row if c.value]
    assert {"服务人员：", "访问人员：", "部经理：", "日期：　　年　　月　　日"} <= set(signs)  # the signature lines stay
    # an open month says it is a draft, and when it was printed
    dec = _xlsx(store, sup, tmp_path, DEC, name="dec.xlsx")[SHEET_RECORDS]
    assert dec.oddHeader.right.text.startswith("未审批（草稿）") and "2026-12-07 10:00" in dec.oddHeader.right.text


def test_a_company_name_with_an_ampersand_stays_literal_in_the_footer(store, month, tmp_path):
    from huifang_tui.store.models import Setting

    with store.write() as s:
        s.add(Setting(key="company_name", value="A&B 过滤"))
    ws = _xlsx(store, month["sup"], tmp_path)[SHEET_RECORDS]
    assert ws.oddFooter.left.text == "A&&B 过滤"  # "&B" would turn bold on


# -- item 26: which of the month's figures each record counts in -------------------------------------


NOV_PARTS = {"HF202611001": "计划·完成", "HF202611002": "计划（2026-12完成）", "HF202610009": "完成（2026-10计划）",
             "HF202610010": "仅拨打", "HF202611003": "计划"}


def test_each_row_says_what_it_counts_in_and_a_footnote_explains(store, month, tmp_path):
    ws = _xlsx(store, month["sup"], tmp_path)[SHEET_RECORDS]
    col = [c.value for c in ws[HEADER_ROW]].index("本月计入")
    rows = _record_rows(ws)
    assert {n: r[col].value.replace("\n", "") for n, r in rows.items()} == NOV_PARTS  # broken to fit
    assert rows["HF202611002"][1].value == "2026-12-01"  # the date that made the reader ask
    notes = [c.value for row in ws.iter_rows(min_row=FIRST_DATA_ROW + len(rows)) for c in row
             if isinstance(c.value, str) and c.value.startswith(("注", "计划：", "完成：", "仅拨打："))]
    assert len(notes) == 4 and "两个月的表中各列一次" in notes[0]
    # December lists the same callback for its scores
    dec = _xlsx(store, month["sup"], tmp_path, DEC, name="dec.xlsx")[SHEET_RECORDS]
    assert {n: r[col].value.replace("\n", "") for n, r in _record_rows(dec).items()} == {"HF202611002": "完成（2026-11计划）"}
    set_lang("en")
    en = _xlsx(store, month["sup"], tmp_path, name="en.xlsx")[SHEET_RECORDS]
    assert {n: r[col].value for n, r in _record_rows(en).items()}["HF202611002"] == "planned (done 2026-12)"


def test_the_sheet_the_json_the_csv_and_the_month_view_agree_on_the_rows(store, month, tmp_path, monkeypatch,
                                                                      capsys):
    sup = month["sup"]
    rep = svc.monthly_report(store, sup, NOV)
    parts = {r.number: r.part for r in rep.records}
    assert parts == {"HF202611001": "planned_and_done", "HF202611002": "planned", "HF202610009": "done",
                     "HF202610010": "calls_only", "HF202611003": "planned"}
    # the KPIs count exactly these: due = planned rows, scored among the done ones
    assert rep.overall["due"] == sum(p in ("planned_and_done", "planned") for p in parts.values())
    assert rep.overall["scored"] == sum(p in ("planned_and_done", "done") for p in parts.values())
    # the month view's first page (before the totals) marks them the same
    assert {r.number: r.part for r in svc.first_page(store, sup, NOV, 50)} == parts
    assert {r.number: r.part_text() for r in rep.records} == NOV_PARTS
    # the .csv has the same column
    write_csv(tmp_path / "m.csv", rep)
    with open(tmp_path / "m.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    at = rows[0].index("本月计入")
    assert {r[0]: r[at] for r in rows[1:]} == NOV_PARTS
    # report monthly --json counts them (a new key, "rows"), and the text says the same
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor")
    assert cli.main(["report", "monthly", "--month", "2026-11", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["rows"] == {"total": 5, "planned_and_done": 1, "planned": 2, "done": 1, "calls_only": 1}
    assert cli.main(["report", "monthly", "--month", "2026-11"]) == 0
    assert "记录 5 条（本月计入：计划·完成 1 · 计划 2 · 完成 1 · 仅拨打 1）" in capsys.readouterr().out


def test_a_version_approved_before_the_marks_reads_them_from_its_records(store, month):
    """Snapshots taken before this change hold no 本月计入: it is read from the planned date
    (which never moves) and the record's own state and day, so the old version prints them too."""
    sup = month["sup"]
    svc.approve(store, sup, NOV)
    with store.write() as s:
        snap = s.exec(select(ReportSnapshot).where(ReportSnapshot.month == "2026-11")).one()
        data = json.loads(snap.data)
        for r in data["records"]:
            del r["part"], r["planned_on"]
        snap.data = json.dumps(data, ensure_ascii=False)
        s.add(snap)
    rep = svc.monthly_report(store, sup, NOV, version=1)
    assert {r.number: r.part_text() for r in rep.records} == NOV_PARTS
    assert rep.as_json()["rows"]["calls_only"] == 1


def test_a_centre_with_many_agents_prints_its_kpis_over_pages_at_full_size(store, month, tmp_path):
    """Twenty logins do not fit one page wide at 9 pt: the KPI sheet is not shrunk but split,
    each page repeating 指标 / 全部 / 定义."""
    from huifang_tui.domain.kpi import empty_figures

    rep = svc.monthly_report(store, month["sup"], NOV)
    rep.agents = {f"agent{i:02d}": empty_figures() for i in range(20)}
    write_xlsx(tmp_path / "many.xlsx", rep)
    ks = load_workbook(tmp_path / "many.xlsx")[SHEET_KPI]
    assert not ks.sheet_properties.pageSetUpPr.fitToPage and _printed_scale(ks) == 1.0
    assert ks.print_title_cols == "$A:$C" and ks.max_column == 3 + 20
