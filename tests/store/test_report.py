"""The month's report through the store: roles, exports read back, sign-off and the lock,
spot checks (issue 11; SPEC §7)."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime

import pytest
from factories import add_callback, add_customer, add_user
from openpyxl import load_workbook
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.domain.kpi import KPI_KEYS, Month
from huifang_tui.core.errors import MonthLocked, PermissionDenied
from huifang_tui.exporting import headers
from huifang_tui.exporting.sheets import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    SHEET_KPI,
    SHEET_RECORDS,
    write_csv,
    write_xlsx,
)
from huifang_tui.services import report as svc
from huifang_tui.services import spotcheck
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.issues import raise_issue
from huifang_tui.services.users import os_login
from huifang_tui.store.models import AuditEntry, Callback, ReportSnapshot, Setting

NOV = Month(2026, 11)


@pytest.fixture
def month(store):
    """agent1 completed HF1 on time; agent2 has HF2 open; HF3 sits in the pool; HF4 is October's."""
    sup = add_user(store, "sup", "supervisor", "张主管")
    a1 = add_user(store, "agent1", "agent", "李回访")
    a2 = add_user(store, "agent2", "agent", "王回访")
    admin = add_user(store, "admin1", "admin", "管理员")
    with store.write() as s:
        s.add(Setting(key="company_name", value="浙江建华集团过滤机有限公司"))
    c1 = add_customer(store, "杭州恒达机械有限公司", agent="agent1", phone="13812345678")
    c2 = add_customer(store, "=HYPERLINK(\"http://x\")", agent="agent2", phone="13900001111")
    add_callback(store, c1, "HF202611001", due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 5))
    add_callback(store, c2, "HF202611002", due_on=date(2026, 11, 10), deadline_on=date(2026, 11, 13),
                 agent="agent2")
    add_callback(store, c1, "HF202611003", due_on=date(2026, 11, 12), deadline_on=date(2026, 11, 17),
                 agent=None)
    add_callback(store, c2, "HF202610009", due_on=date(2026, 10, 12), deadline_on=date(2026, 10, 15),
                 agent="agent2")
    record_attempt(store, a1, "HF202611001", CallRecord(
        outcome="completed", at=datetime(2026, 11, 4, 10), reached_name="王经理", reached_position="技术负责人",
        score_resolution=5, score_attitude=4, suggestions="-1 建议增加说明书"))
    raise_issue(store, a1, "HF202611001", title="说明书缺页", priority="normal")
    return {"sup": sup, "a1": a1, "a2": a2, "admin": admin}


def test_supervisor_sees_every_login_and_the_pool(store, month):
    rep = svc.monthly_report(store, month["sup"], NOV)
    j = rep.as_json()
    assert list(j) == ["month", "approved", "state", "version", "approved_by", "approved_at", "overall", "agents",
                       "rows"]
    # the sheet's rows by 本月计入 (issue 25 item 26): HF1 planned and done in November, HF2 and HF3 planned
    assert j["rows"] == {"total": 3, "planned_and_done": 1, "planned": 2, "done": 0, "calls_only": 0}
    assert j["month"] == "2026-11" and j["approved"] is False and j["state"] == "open" and j["version"] is None
    assert list(j["agents"]) == ["_pool", "agent1", "agent2"]
    for figs in (j["overall"], *j["agents"].values()):
        assert list(figs) == list(KPI_KEYS)
    assert j["overall"]["due"] == 3 and j["overall"]["completed"] == 1
    assert j["overall"]["completion_rate"] == 0.3333 and j["overall"]["on_time_rate"] == 0.3333
    assert j["agents"]["agent1"]["issues_raised"] == 1
    assert j["agents"]["agent2"]["scored"] == 0 and j["agents"]["agent2"]["avg_resolution"] is None
    assert [r.number for r in rep.records] == ["HF202611001", "HF202611002", "HF202611003"]


def test_agent_gets_only_their_own_row(store, month):
    rep = svc.monthly_report(store, month["a2"], NOV)
    j = rep.as_json()
    assert list(j["agents"]) == ["agent2"]
    assert j["overall"] == j["agents"]["agent2"]
    assert [r.number for r in rep.records] == ["HF202611002"]


def test_full_phones_only_for_admin_and_audited(store, month):
    with pytest.raises(PermissionDenied):
        svc.monthly_report(store, month["sup"], NOV, full_phones=True)
    masked = svc.monthly_report(store, month["sup"], NOV)
    assert masked.records[0].phone == "138****5678"
    full = svc.monthly_report(store, month["admin"], NOV, full_phones=True)
    assert full.records[0].phone == "13812345678"
    with store.read() as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.action == "phone.reveal", AuditEntry.entity == "report")).all()
    assert [(r.login, r.entity_id) for r in rows] == [("admin1", "2026-11")]


def test_xlsx_read_back_cell_by_cell(store, month, tmp_path):
    rep = svc.monthly_report(store, month["sup"], NOV)
    path = tmp_path / "m.xlsx"
    write_xlsx(path, rep)
    wb = load_workbook(path)
    assert wb.sheetnames == [SHEET_RECORDS, SHEET_KPI]
    ws = wb[SHEET_RECORDS]
    assert ws["A1"].value == "客户回访汇总记录表" and ws["A1"].font.b
    assert "浙江建华集团过滤机有限公司" in ws["A2"].value and "2026-11" in ws["A2"].value
    # the paper form's columns (issue 25 item 21); phone, service staff, type and issue numbers stay in the .csv
    assert [c.value for c in ws[HEADER_ROW]] == [
        "回访编号", "回访日期", "客户名称", "联系人/职位", "工单编号/合同号", "回访方式", "问题解决效果评分", "服务态度评分",
        "具体意见建议", "改进措施", "责任人", "跟进状态", "回访员", "本月计入", "补录", "备注"]
    assert all(c.font.b for c in ws[HEADER_ROW])
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"
    # long Chinese text has its line breaks put in (issue 25, after review): the words are the same
    first = [c.value.replace("\n", "") if isinstance(c.value, str) else c.value for c in ws[FIRST_DATA_ROW]]
    assert first == ["HF202611001", "2026-11-04", "杭州恒达机械有限公司", "王经理/技术负责人", None, "电话", 5, 4,
                     "'-1 建议增加说明书", None, "售后服务部", "跟进中", "李回访", "计划·完成", "是", None]
    # typed in on 11-23 for 11-04: 补录; no 备注
    second = [c.value for c in ws[FIRST_DATA_ROW + 1]]
    assert second[:4] == ["HF202611002", "2026-11-10", "'=HYPERLINK(\"http://x\")", "王经理"]
    assert second[11] == "待回访" and second[13] == "计划"
    pool = [c.value for c in ws[FIRST_DATA_ROW + 2]]
    assert pool[0] == "HF202611003" and pool[12] is None
    totals = FIRST_DATA_ROW + 3
    assert ws.cell(totals, 1).value == "合计" and ws.cell(totals, 2).value == "共 3 条"
    assert ws.cell(totals, 6).value == "均分" and ws.cell(totals, 7).value == 5 and ws.cell(totals, 8).value == 4
    assert "计划回访 3" in ws.cell(totals + 1, 1).value
    sign = [c.value for c in ws[totals + 7] if c.value]  # below the four lines of the footnote
    assert sign == ["服务人员：", "访问人员：", "部经理："]
    # the Chinese customer name wraps in its column
    assert ws.cell(FIRST_DATA_ROW, 3).alignment.wrap_text

    ks = wb[SHEET_KPI]
    # words, not JSON keys (issue 25 item 22): the name, the value, its definition, then per login
    assert [c.value for c in ks[2]] == ["指标", "全部", "定义", "公共池", "李回访 (agent1)", "王回访 (agent2)"]
    by_name = {row[0].value: [c.value for c in (row[1], *row[3:])] for row in ks.iter_rows(min_row=3)}
    assert by_name["计划回访数"] == [3, 1, 1, 1]
    assert by_name["回访完成率"] == [0.3333, 0.0, 1.0, 0.0]
    assert by_name["问题解决效果均分"] == [5.0, None, 5.0, None]  # null stays empty, never 0
    assert by_name["问题解决效果 5 分"] == [1, 0, 1, 0]
    assert ks.cell(3 + list(by_name).index("回访完成率"), 2).number_format == "0.00%"
    assert len(by_name) == len(KPI_KEYS) - 1 + 10


def test_csv_has_bom_and_defused_cells(store, month, tmp_path):
    rep = svc.monthly_report(store, month["sup"], NOV)
    path = tmp_path / "m.csv"
    write_csv(path, rep)
    raw = path.read_bytes()
    assert raw[:3] == b"\xef\xbb\xbf"
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == headers()
    assert rows[1][11] == "'-1 建议增加说明书"
    assert rows[2][2] == "'=HYPERLINK(\"http://x\")"
    assert not any(cell[:1] in "=+-@" and cell for row in rows[1:] for cell in row)


def test_cli_json_and_exports(store, month, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor")
    assert cli.main(["report", "monthly", "--month", "2026-11", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["overall"]["due"] == 3 and j["approved"] is False
    out = tmp_path / "r.xlsx"
    assert cli.main(["report", "monthly", "--month", "2026-11", "--out", str(out)]) == 0
    assert load_workbook(out)[SHEET_RECORDS]["A1"].value == "客户回访汇总记录表"
    assert cli.main(["report", "monthly", "--month", "2026-11", "--out", str(tmp_path / "r.pdf")]) == 1
    assert cli.main(["report", "monthly", "--month", "2026/11"]) == 1
    assert "YYYY-MM" in capsys.readouterr().err
    assert cli.main(["report", "monthly", "--month", "2026-11", "--full-phones", "--json"]) == 2


def test_agent_may_not_approve(store, month, monkeypatch, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "agent")
    assert cli.main(["report", "approve", "--month", "2026-11"]) == 2
    assert not svc.month_locked(store, NOV)


def _after_november(store) -> None:
    store.clock = lambda: datetime(2026, 12, 1, 9)  # approval opens on the first day of M+1


def test_approval_locks_the_month_and_amend_opens_it(store, month, monkeypatch, capsys):
    sup = month["sup"]
    _after_november(store)
    assert svc.approve(store, sup, NOV) == 1
    with pytest.raises(MonthLocked):
        svc.approve(store, sup, NOV)
    # a change dated in November is refused, through the service and the command line (exit 2)
    with pytest.raises(MonthLocked):
        record_attempt(store, month["a2"], "HF202611002", CallRecord(outcome="no_answer", at=datetime(2026, 11, 20, 9)))
    with pytest.raises(MonthLocked):
        raise_issue(store, month["a1"], "HF202611001", title="再次反映", when=datetime(2026, 11, 30, 9))
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor")
    assert cli.main(["record", "HF202611002", "--outcome", "no_answer", "--when", "2026-11-20 09:00"]) == 2
    err = capsys.readouterr().err
    assert "已审批" in err and "huifang report amend --month 2026-11 --reason" in err
    # work done later on November's callbacks is dated later and allowed
    store.clock = lambda: datetime(2026, 12, 2, 10)
    record_attempt(store, month["a2"], "HF202611002", CallRecord(
        outcome="completed", at=datetime(2026, 12, 2, 9), reached_name="王经理", score_resolution=4, score_attitude=4))
    # the approved report shows the snapshot, not the live records
    rep = svc.monthly_report(store, sup, NOV)
    assert rep.approved and rep.version == 1 and rep.overall["completed"] == 1
    assert [r.status for r in rep.records] == ["completed", "open", "open"]
    assert svc.amend(store, sup, NOV, "补登 HF202611002") == 2  # the version being prepared
    assert svc.status_of(store, NOV).state == "amending"
    with store.read() as s:
        snaps = s.exec(select(ReportSnapshot).order_by(ReportSnapshot.version)).all()
        assert [(x.version, x.action, bool(x.data)) for x in snaps] == [(1, "approve", True), (2, "amend", False)]
        assert json.loads(snaps[0].data)["overall"]["completed"] == 1
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "report.amend")).one().login == "sup"


def test_amend_needs_an_approved_month_and_a_reason(store, month):
    with pytest.raises(MonthLocked):
        svc.amend(store, month["sup"], NOV, "原因")
    _after_november(store)
    svc.approve(store, month["sup"], NOV)
    with pytest.raises(svc.BadMonth):
        svc.amend(store, month["sup"], NOV, "  ")


def test_spot_checks_add_never_repeat_and_count(store, month, monkeypatch, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor")
    assert cli.main(["spotcheck", "draw", "--month", "2026-11", "--n", "5", "--seed", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"number": "HF202611001", "customer": "杭州恒达机械有限公司", "agent": "agent1"}]
    assert cli.main(["spotcheck", "draw", "--month", "2026-11", "--n", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert svc.monthly_report(store, month["sup"], NOV).overall["spot_checked"] == 0  # drawn, not marked
    assert cli.main(["spotcheck", "mark", "HF202611001", "--inaccurate", "--note", "分数记错"]) == 0
    o = svc.monthly_report(store, month["sup"], NOV).overall
    assert o["spot_checked"] == 1 and o["accurate_rate"] == 0
    assert cli.main(["spotcheck", "mark", "HF202611003", "--accurate"]) == 1  # never drawn
    assert cli.main(["spotcheck", "draw", "--month", "2026-11", "--n", "x"]) == 1


def test_agent_may_not_draw(store, month):
    with pytest.raises(PermissionDenied):
        spotcheck.draw(store, month["a1"], NOV, 3)


def test_yearly_has_every_month(store, month, monkeypatch, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor")
    assert cli.main(["report", "yearly", "--year", "2026", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert list(j["months"]) == [f"2026-{m:02d}" for m in range(1, 13)]
    assert j["months"]["2026-11"]["due"] == 3 and j["months"]["2026-10"]["due"] == 1
    assert j["months"]["2026-01"]["completion_rate"] is None


def test_the_yearly_export_says_where_it_went(store, month, monkeypatch, capsys, tmp_path):
    """Like the monthly export (已导出 …): a silent exit 0 left the user looking for the file."""
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor")
    out = tmp_path / "2026.xlsx"
    assert cli.main(["report", "yearly", "--year", "2026", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"已导出 {out}（2026 年，按月 12 行）"
    assert out.exists()


def test_month_is_by_planned_due_date_not_the_moved_one(store, month):
    """SPEC §7: a callback belongs to M by planned_due_on, never moved by retries or deferral."""
    with store.write() as s:
        cb = s.exec(select(Callback).where(Callback.number == "HF202611002")).one()
        cb.due_on = date(2026, 12, 3)  # deferred into December
        s.add(cb)
    assert svc.monthly_report(store, month["sup"], NOV).overall["due"] == 3
    assert svc.monthly_report(store, month["sup"], Month(2026, 12)).overall["due"] == 0


@pytest.mark.parametrize("today, state", [
    (date(2026, 11, 27), "not_yet"),   # before November's last working day (Mon 11-30)
    (date(2026, 11, 30), "due"),       # 000 §4.9: from the last working day of M
    (date(2026, 12, 2), "due"),        # … until the 2nd of M+1
    (date(2026, 12, 3), "overdue"),
])
def test_summary_shows_as_due_from_the_last_working_day(store, month, today, state):
    assert svc.summary_state(store, NOV, today) == state


def test_summary_state_is_approved_once_signed(store, month):
    _after_november(store)
    svc.approve(store, month["sup"], NOV)
    assert svc.summary_state(store, NOV, date(2026, 12, 5)) == "approved"


def test_first_page_is_the_reports_first_rows(store, month):
    full = svc.monthly_report(store, month["sup"], NOV).records
    page = svc.first_page(store, month["sup"], NOV, 2)
    assert [(r.number, r.issues, r.follow_status) for r in page] == [(r.number, r.issues, r.follow_status) for r in full[:2]]
    assert svc.first_page(store, month["a1"], NOV, 2) is None  # agents: their own month is small
    _after_november(store)
    svc.approve(store, month["sup"], NOV)
    assert svc.first_page(store, month["sup"], NOV, 2) is None  # approved: the snapshot is shown


def test_first_page_merges_the_three_ways_into_a_month(store, month):
    """A record belongs to M when planned in M, completed in M or attempted in M (issue 11 §1);
    the first page reads each way from its own index and must still equal the report's first
    rows, whatever the page size."""
    c3 = add_customer(store, "宁波顺发环保设备有限公司", agent="agent1", phone="13700002222")
    add_callback(store, c3, "HF202610010", due_on=date(2026, 10, 20), deadline_on=date(2026, 10, 23))
    add_callback(store, c3, "HF202610011", due_on=date(2026, 10, 26), deadline_on=date(2026, 10, 29))
    add_callback(store, c3, "HF202612001", due_on=date(2026, 12, 3), deadline_on=date(2026, 12, 8))
    add_callback(store, c3, "HF202612002", due_on=date(2026, 12, 4), deadline_on=date(2026, 12, 9))
    record_attempt(store, month["a1"], "HF202610010", CallRecord(outcome="no_answer", at=datetime(2026, 11, 2, 10)))
    record_attempt(store, month["a1"], "HF202610011", CallRecord(
        outcome="completed", at=datetime(2026, 11, 3, 10), reached_name="赵工", score_resolution=4, score_attitude=5))
    record_attempt(store, month["a1"], "HF202612001", CallRecord(
        outcome="completed", at=datetime(2026, 11, 20, 10), reached_name="赵工", score_resolution=3, score_attitude=3))
    full = [r.number for r in svc.monthly_report(store, month["sup"], NOV).records]
    assert full == ["HF202610010", "HF202610011", "HF202611001", "HF202611002", "HF202611003", "HF202612001"]
    for n in range(1, len(full) + 2):
        assert [r.number for r in svc.first_page(store, month["sup"], NOV, n)] == full[:n]
