"""The month as it stood at a past moment, from the stated timeline (issue 23 items 4, 6).

November 2026 is entered in time, step by step (the clock follows each stated time); the report
``as of`` 11-10 12:00 counts only what had been stated by then: completions, attempts, issue
actions and spot-check marks, and no follow-up of a completion made after it.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from factories import add_callback, add_customer, add_user
from openpyxl import load_workbook
from sqlmodel import select

from huifang_tui.domain.kpi import KPI_KEYS, Month
from huifang_tui.exporting.sheets import SHEET_KPI, write_xlsx
from huifang_tui.services import issues as ledger
from huifang_tui.services import report as svc
from huifang_tui.services import spotcheck
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.listing import list_callbacks
from huifang_tui.store.models import AuditEntry, CallAttempt, Callback, IssueEvent, SpotCheck

from conftest import NOW

NOV = Month(2026, 11)
T = datetime(2026, 11, 10, 12, 0)  # a Tuesday inside November


def _at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute)


def _in_time(store, at: datetime, fn, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
    """Do *fn* with the clock at *at* (entered when it happened)."""
    store.clock = lambda: at
    try:
        return fn(*args, **kw)
    finally:
        store.clock = lambda: NOW


def _record(store, actor, number, outcome, day, hour=10, **kw):  # noqa: ANN001, ANN003, ANN202
    at = _at(day, hour)
    return _in_time(store, at.replace(minute=20), record_attempt, store, actor, number,
                    CallRecord(outcome=outcome, at=at, **kw))


@pytest.fixture
def november(store):
    """HF1 completed 11-04 · HF2 completed 11-12 with low scores (its follow-up made then) ·
    HF3 not reached 11-06 and 11-09, unreachable by a third try on 11-11 · HF4 refused 11-09 ·
    issues: WT-a closed by 11-06, WT-b acknowledged, solved and closed after T, WT-c raised after T ·
    spot checks: HF1 marked on 11-09, HF2 on 11-13."""
    sup = add_user(store, "sup", "supervisor", "张主管")
    a1 = add_user(store, "agent1", "agent", "李回访")
    c1 = add_customer(store, "杭州恒达机械有限公司", agent="agent1", phone="13812345678")
    c2 = add_customer(store, "宁波华远电气有限公司", agent="agent1", phone="13912345678", contact="赵工")
    c3 = add_customer(store, "温州立信阀门有限公司", agent="agent1", phone="13712345678")
    c4 = add_customer(store, "嘉兴万通物流有限公司", agent="agent1", phone="13612345678")
    add_callback(store, c1, "HF202611001", due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 6))
    add_callback(store, c2, "HF202611002", due_on=date(2026, 11, 5), deadline_on=date(2026, 11, 20), contact="赵工")
    add_callback(store, c3, "HF202611003", due_on=date(2026, 11, 6), deadline_on=date(2026, 11, 20))
    add_callback(store, c4, "HF202611004", due_on=date(2026, 11, 6), deadline_on=date(2026, 11, 20))

    _record(store, a1, "HF202611001", "completed", 4, reached_name="王经理", score_resolution=5, score_attitude=5)
    wa = _in_time(store, _at(3, 9), ledger.raise_issue, store, a1, "HF202611001", title="说明书缺页",
                  when=_at(3, 9)).number
    _in_time(store, _at(3, 11), ledger.acknowledge, store, sup, wa, when=_at(3, 11))
    _in_time(store, _at(5, 10), ledger.solve, store, sup, wa, "补寄说明书", when=_at(5, 10))
    _in_time(store, _at(5, 11), ledger.tell, store, sup, wa, date(2026, 11, 5), 5, when=_at(5, 11))
    _in_time(store, _at(6, 9), ledger.close, store, sup, wa, when=_at(6, 9))
    wb = _in_time(store, _at(4, 15), ledger.raise_issue, store, a1, customer="宁波华远电气有限公司",
                  title="发票未寄到", when=_at(4, 15)).number
    _record(store, a1, "HF202611003", "no_answer", 6)
    _in_time(store, _at(8, 9), spotcheck.draw, store, sup, NOV, 10, seed=1)
    _record(store, a1, "HF202611003", "no_answer", 9)
    _record(store, a1, "HF202611004", "refused", 9, 11, reason="不需要回访")
    _in_time(store, _at(9, 16), spotcheck.mark, store, sup, "HF202611001", True)
    # -- after T --------------------------------------------------------------------------
    _record(store, a1, "HF202611003", "no_answer", 11, note="第三次仍未接通")
    _in_time(store, _at(11, 14), ledger.acknowledge, store, sup, wb, when=_at(11, 14))
    _record(store, a1, "HF202611002", "completed", 12, reached_name="赵工", score_resolution=2, score_attitude=2)
    _in_time(store, _at(12, 15), ledger.solve, store, sup, wb, "已补寄", when=_at(12, 15))
    _in_time(store, _at(12, 16), ledger.tell, store, sup, wb, date(2026, 11, 12), 4, when=_at(12, 16))
    _in_time(store, _at(13, 9), ledger.close, store, sup, wb, when=_at(13, 9))
    _in_time(store, _at(13, 10), spotcheck.draw, store, sup, NOV, 10, seed=1)
    _in_time(store, _at(13, 11), spotcheck.mark, store, sup, "HF202611002", False)
    _in_time(store, _at(16, 9), ledger.raise_issue, store, a1, "HF202611002", title="服务态度差",
             when=_at(16, 9))
    return {"sup": sup, "a1": a1}


def test_the_month_as_it_stood_at_t(store, november):
    sup = november["sup"]
    live = svc.monthly_report(store, sup, NOV).overall
    # the history holds what the check is about
    assert live["due"] == 5 and live["completed"] == 2  # the low-score follow-up of HF2 is due in November
    assert live["unreachable"] == 2 and live["spot_checked"] == 2 and live["issues_raised"] == 3
    assert live["issues_closed"] == 2 and live["low_scores"] == 1

    then = svc.monthly_report(store, sup, NOV, now=T)
    o = then.overall
    assert list(o) == list(KPI_KEYS)
    assert o["due"] == 4  # the follow-up made by HF2's completion (11-12) did not exist
    assert o["completed"] == 1 and o["on_time"] == 1 and o["completion_rate"] == pytest.approx(0.25)
    assert o["scored"] == 1 and o["low_scores"] == 0 and o["avg_resolution"] == 5
    assert o["unreachable"] == 1  # HF4 refused; HF3 was still open after two tries
    assert o["issues_raised"] == 2 and o["issues_closed"] == 1 and o["issues_ack_on_time"] == 1
    assert o["issues_on_time"] == 1
    assert o["spot_checked"] == 1 and o["accurate_rate"] == 1
    status = {r.number: r.status for r in then.records}
    assert status == {"HF202611001": "completed", "HF202611002": "open", "HF202611003": "open",
                      "HF202611004": "refused"}
    hf2 = next(r for r in then.records if r.number == "HF202611002")
    assert hf2.score_resolution is None and hf2.agent == "agent1"
    assert hf2.follow_status == svc.follow_label(None, "open")  # its follow-up came with the completion
    hf4 = next(r for r in then.records if r.number == "HF202611004")
    assert "不需要回访" in hf4.note  # the 拒访's reason, stated 11-09
    hf3 = {r.number: r.note for r in svc.monthly_report(store, sup, NOV).records}["HF202611003"]
    assert "第三次仍未接通" in hf3  # today's 备注 …
    assert "第三次" not in next(r for r in then.records if r.number == "HF202611003").note  # … stated after T
    assert then.as_json()["state"] == "open"


def test_each_moment_counts_what_was_stated_by_then(store, november):
    sup = november["sup"]
    at = {d: svc.monthly_report(store, sup, NOV, now=d).overall for d in
          (_at(6, 10, 30), _at(11, 10, 30), _at(12, 10, 30), _at(13, 10, 30), NOW)}
    assert [o["unreachable"] for o in at.values()] == [0, 2, 2, 2, 2]  # HF3 gave up on 11-11
    assert [o["completed"] for o in at.values()] == [1, 1, 2, 2, 2]
    assert [o["due"] for o in at.values()] == [4, 4, 5, 5, 5]
    assert [o["issues_closed"] for o in at.values()] == [1, 1, 1, 2, 2]
    assert [o["spot_checked"] for o in at.values()] == [0, 1, 1, 1, 2]
    assert [o["issues_raised"] for o in at.values()] == [2, 2, 2, 2, 3]
    assert at[NOW] == svc.monthly_report(store, sup, NOV).overall


def _counts(store) -> tuple:  # noqa: ANN001
    with store.read() as s:
        return tuple(len(s.exec(select(m)).all()) for m in (AuditEntry, IssueEvent, CallAttempt, Callback, SpotCheck))


def test_yearly_follows_now_and_nothing_is_written(store, november):
    before = _counts(store)
    months = svc.yearly_report(store, november["sup"], 2026, now=T)
    assert months["2026-11"]["completed"] == 1 and months["2026-11"]["due"] == 4
    assert _counts(store) == before  # a report as of T writes nothing (no escalation, no audit)


def test_an_approved_version_is_what_stood_after_its_approval(store, november):
    sup = november["sup"]
    _in_time(store, datetime(2026, 12, 1, 9), svc.approve, store, sup, NOV)
    before = svc.monthly_report(store, sup, NOV, now=T)
    assert before.approved is False and before.overall["completed"] == 1
    after = svc.monthly_report(store, sup, NOV, now=datetime(2026, 12, 2, 9))
    assert after.approved is True and after.version == 1 and after.overall["completed"] == 2


# -- issue_late_entries (item 4) -------------------------------------------------------------


def _mark_late(store, number: str, kind: str) -> None:
    """The issue's *kind* action as entered more than one working day late (补录)."""
    with store.write() as s:
        from huifang_tui.store.models import Issue

        iid = s.exec(select(Issue.id).where(Issue.number == number)).one()
        e = s.exec(select(IssueEvent).where(IssueEvent.issue_id == iid, IssueEvent.kind == kind)).first()
        e.late_entry = True
        s.add(e)


def test_issue_late_entries_in_json_and_the_workbook(store, november, tmp_path):
    sup = november["sup"]
    with store.read() as s:
        from huifang_tui.store.models import Issue

        numbers = sorted(s.exec(select(Issue.number)).all())
    _mark_late(store, numbers[1], "acknowledged")  # WT-b's acknowledgement (11-11) typed in late
    rep = svc.monthly_report(store, sup, NOV)
    j = rep.as_json()
    assert j["overall"]["issue_late_entries"] == 1 and j["agents"]["agent1"]["issue_late_entries"] == 1
    assert j["overall"]["late_entries"] == 0  # the callbacks' count keeps its meaning
    assert list(j["overall"]).index("issue_late_entries") == list(j["overall"]).index("issues_reopened") + 1
    # as of T the late acknowledgement had not been stated yet
    assert svc.monthly_report(store, sup, NOV, now=T).overall["issue_late_entries"] == 0
    out = tmp_path / "nov.xlsx"
    write_xlsx(out, rep)
    ws = load_workbook(out, read_only=True)[SHEET_KPI]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r and len(r) > 2}  # 指标, 全部, 定义 … (issue 25 item 22)
    assert rows["问题补录数"][1] == 1
    json.dumps(j)


# -- 补录 per record and in callbacks --json ------------------------------------------------------


def test_late_entry_when_any_record_of_the_callback_was_late(store, november):
    """HF3's first try (11-06) typed in late; its later ones in time: the callback is 补录."""
    with store.write() as s:
        cid = s.exec(select(Callback.id).where(Callback.number == "HF202611003")).one()
        first = s.exec(select(CallAttempt).where(CallAttempt.callback_id == cid).order_by(CallAttempt.at)).first()
        first.late_entry = True
        s.add(first)
    rows = {r.row.number: r for r in list_callbacks(store, november["sup"])}
    assert rows["HF202611003"].late_entry is True and rows["HF202611003"].as_json()["late_entry"] is True
    assert rows["HF202611001"].late_entry is False
    records = {r.number: r for r in svc.monthly_report(store, november["sup"], NOV).records}
    assert records["HF202611003"].late_entry is True and records["HF202611001"].late_entry is False
    assert svc.monthly_report(store, november["sup"], NOV).overall["late_entries"] == 0


# -- issues --now ------------------------------------------------------------------------------


def test_the_ledger_as_it_stood_at_t(store, november):
    from huifang_tui.services.issues import list_issues

    sup = november["sup"]
    live = {v.issue.title: v.as_json() for v in list_issues(store, sup).rows}
    assert live["发票未寄到"]["status"] == "closed" and live["发票未寄到"]["told_on"] == "2026-11-12"
    then = {v.issue.title: v.as_json() for v in list_issues(store, sup, now=T, as_of=True).rows}
    assert set(then) == {"说明书缺页", "发票未寄到"}  # 服务态度差 was raised on 11-16
    b = then["发票未寄到"]
    assert (b["status"], b["acknowledged_at"], b["solved_at"], b["closed_at"]) == ("open", None, None, None)
    assert (b["told_on"], b["satisfaction"], b["solutions"]) == (None, None, [])
    a = then["说明书缺页"]
    assert (a["status"], a["closed_at"], a["told_on"], a["satisfaction"]) == (
        "closed", "2026-11-06T09:00:00", "2026-11-05", 5)
    # a status asked of then is judged then: 发票未寄到 was open, though closed today
    from huifang_tui.services.issues import IssueFilter

    opened = list_issues(store, sup, IssueFilter(status="open"), now=T, as_of=True).rows
    assert [v.issue.title for v in opened] == ["发票未寄到"]
    with store.read() as s:
        from huifang_tui.store.models import Issue

        assert {i.title: i.status for i in s.exec(select(Issue))}["发票未寄到"] == "closed"  # nothing written


# -- board --date: a past day as it stood at its end ------------------------------------------------


def test_the_board_of_a_past_day(store, november):
    from huifang_tui.services.board import board

    def agent1(day: int) -> dict:
        return board(store, november["sup"], date(2026, 11, day), now=NOW).as_json()["agents"]["agent1"]

    # 11-09: HF2 (completed only on 11-12) was still to do; HF3's retry was due the next day
    assert (agent1(9)["remaining"], agent1(9)["done"], agent1(9)["unreachable"]) == (1, 0, 0)
    # 11-10: HF2 and HF3 (retry due that day) to do
    assert agent1(10)["remaining"] == 2 and agent1(10)["due"] == 2
    # 11-11: HF3 gave up after its third try; HF2 still to do
    assert (agent1(11)["remaining"], agent1(11)["unreachable"]) == (1, 1)
    # 11-12: HF2 done that day; its low-score follow-up (due later) not yet due
    assert (agent1(12)["done"], agent1(12)["remaining"]) == (1, 0)


def test_a_deferral_entered_late_marks_the_callback(store, november):
    from huifang_tui.services.recording import defer

    c = add_customer(store, "绍兴永兴纺织有限公司", agent="agent1", phone="13512345678")
    add_callback(store, c, "HF202611091", due_on=date(2026, 11, 16), deadline_on=date(2026, 11, 27))
    add_callback(store, c, "HF202611092", due_on=date(2026, 11, 16), deadline_on=date(2026, 11, 27))
    defer(store, november["a1"], "HF202611091", "客户出差", at=_at(16, 10))  # typed in on 11-23: 补录
    defer(store, november["a1"], "HF202611092", "客户出差", at=_at(20, 10))  # the working day before: in time
    rows = {r.row.number: r.as_json()["late_entry"] for r in list_callbacks(store, november["sup"])}
    assert rows["HF202611091"] is True and rows["HF202611092"] is False
    records = {r.number: r.late_entry for r in svc.monthly_report(store, november["sup"], NOV).records}
    assert records["HF202611091"] is True and records["HF202611092"] is False  # 补录 in the month view, the .xlsx
    assert svc.monthly_report(store, november["sup"], NOV).overall["late_entries"] == 0  # no completion late


def test_the_board_alerts_of_a_past_day(store, november):
    from huifang_tui.services.board import board

    sup = november["sup"]
    c = add_customer(store, "台州远航船舶有限公司", agent="agent1", phone="13412345678")
    add_callback(store, c, "HF202611093", due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 3))
    record_attempt(store, november["a1"], "HF202611093", CallRecord(  # completed late, on 11-12
        outcome="completed", at=_at(12, 11), reached_name="王经理", score_resolution=4, score_attitude=4))

    def alerts(day: int) -> set:
        return {(a.kind, a.customer) for a in board(store, sup, date(2026, 11, day), now=NOW).alerts}

    # 发票未寄到 (closed on 11-13) was not acknowledged in time: escalated, open on 11-09
    assert ("issue_escalated", "宁波华远电气有限公司") in alerts(9)
    assert ("issue_escalated", "宁波华远电气有限公司") not in alerts(16)
    # HF202611093 was overdue until it was done on 11-12
    assert ("overdue", "台州远航船舶有限公司") in alerts(9)
    assert ("overdue", "台州远航船舶有限公司") not in alerts(12)
