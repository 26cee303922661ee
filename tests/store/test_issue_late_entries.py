"""Issue 23 items 3–5 for the ledger: an issue action may be stated at any time after the
issue's previous action by a person and no later than its entry; escalations follow the stated
timeline (one the clock wrote for a deadline a late entry shows was met is withdrawn, kept and
audited, and the level follows); a deadline missed by the stated timeline stays missed; a wait
stated late moves ``solve_by`` as if entered in time; every action keeps when it was entered
and is marked 补录 more than one working day late.

Calendar (2026): 国庆 10-01..07 off, 10-08/09 working, Saturday 10-10 a make-up working day.
A normal issue raised Tuesday 09-29 10:00 is owed an acknowledgement by 09-30 10:00 and a
solution by 10-09 (missed at 10-10 00:00).
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlmodel import select

from huifang_tui.domain.issues import IssueFacts, issue_state
from huifang_tui.core.errors import MonthLocked
from huifang_tui.services import issues as svc
from huifang_tui.services.calendar import load_calendar, load_policy
from huifang_tui.store.models import AuditEntry, Issue, IssueEvent, ReportSnapshot

from factories import add_callback, add_customer, add_user

RAISED = datetime(2026, 9, 29, 10)
ACK_MISSED = datetime(2026, 9, 30, 10)      # 24 h
SOLVE_MISSED = datetime(2026, 10, 10)       # 3 working days: 10-09, missed at the next midnight
LATER = datetime(2026, 10, 20, 10)          # when the paper ledger is typed in


@pytest.fixture
def desk(store):
    store.clock = lambda: LATER
    people = {"agent": add_user(store, "agent1"), "sup": add_user(store, "sup1", "supervisor"),
              "tech": add_user(store, "tech1")}
    cid = add_customer(store, "华东机械有限公司")
    add_callback(store, cid, "HF202609001")
    return people


def _clock_writes(store) -> int:
    """Any write of the centre (another issue, the planner): escalations by the clock."""
    with store.write() as s:
        return svc.write_due_escalations(s, store.now())


def _timeline(store, number):
    with store.read() as s:
        i = s.exec(select(Issue).where(Issue.number == number)).one()
        return i, list(s.exec(select(IssueEvent).where(IssueEvent.issue_id == i.id)
                              .order_by(IssueEvent.at, IssueEvent.id)))


def _escalations(events):
    return [(e.at, e.code.rpartition(".")[2], json.loads(e.params)["level"]["t"].rpartition(".")[2],
             e.withdrawn_at is not None) for e in events if e.kind == "escalated"]


def test_an_in_time_acknowledgement_entered_weeks_later_withdraws_the_clocks_escalations(store, desk):
    """What was found 2: raised --when 09-29 10:00 and typed in on 10-20; the clock wrote both
    escalations at the next write; the acknowledgement stated 09-29 15:00 is accepted."""
    i = svc.raise_issue(store, desk["agent"], "HF202609001", title="设备异响", category="product", when=RAISED)
    assert _clock_writes(store) == 2
    issue, events = _timeline(store, i.number)
    assert issue.level == 2
    assert _escalations(events) == [(ACK_MISSED, "ack", "supervisor", False),
                                    (SOLVE_MISSED, "solve", "general_manager", False)]

    svc.acknowledge(store, desk["sup"], i.number, when=datetime(2026, 9, 29, 15))
    issue, events = _timeline(store, i.number)
    ack = next(e for e in events if e.kind == "acknowledged")
    # the acknowledgement met its deadline: both are withdrawn (the solve one named 总经理 only
    # because the acknowledgement seemed missed); the solution is still missed, at level 1
    assert _escalations(events) == [(ACK_MISSED, "ack", "supervisor", True),
                                    (SOLVE_MISSED, "solve", "general_manager", True),
                                    (SOLVE_MISSED, "solve", "supervisor", False)]
    withdrawn = [e for e in events if e.withdrawn_at is not None]
    assert {(e.withdrawn_at, e.withdrawn_by) for e in withdrawn} == {(LATER, ack.id)}
    assert issue.level == 1 and svc.show_issue(store, i.number).state.level == 1

    svc.solve(store, desk["sup"], i.number, "更换轴承", when=datetime(2026, 10, 9, 16))
    issue, events = _timeline(store, i.number)
    solution = next(e for e in events if e.kind == "solution")
    assert [w for *_, w in _escalations(events)] == [True, True, True]
    assert next(e for e in events if e.kind == "escalated" and e.withdrawn_by == solution.id).at == SOLVE_MISSED
    v = svc.show_issue(store, i.number)
    assert issue.level == 0 and v.state.level == 0 and v.state.overdue == ()

    j = v.as_json(with_events=True)
    assert j["level"] == 0 and j["late_entry"] is True
    esc = [e for e in j["events"] if e["kind"] == "escalated"]
    assert [(e["withdrawn_at"], e["withdrawn_by"]) for e in esc] == [
        (LATER.isoformat(), ack.id), (LATER.isoformat(), ack.id), (LATER.isoformat(), solution.id)]
    with store.read() as s:
        rows = list(s.exec(select(AuditEntry).where(AuditEntry.action == "issue.escalation_withdrawn")
                           .order_by(AuditEntry.id)))
    assert len(rows) == 3 and all(r.entity_id == i.number for r in rows)
    after = [json.loads(r.after) for r in rows]
    assert [a["by"]["event"] for a in after] == [ack.id, ack.id, solution.id]
    assert [(a["by"]["kind"], a["by"]["at"]) for a in after] == [
        ("acknowledged", "2026-09-29T15:00:00"), ("acknowledged", "2026-09-29T15:00:00"),
        ("solution", "2026-10-09T16:00:00")]
    assert [a["at"] for a in after] == [ACK_MISSED.isoformat(), SOLVE_MISSED.isoformat(), SOLVE_MISSED.isoformat()]
    # written once: the clock's next write leaves them withdrawn and writes nothing again
    assert _clock_writes(store) == 0


def test_a_missed_deadline_stated_late_stays_missed(store, desk):
    i = svc.raise_issue(store, desk["agent"], "HF202609001", title="漏油", category="product", when=RAISED)
    _clock_writes(store)
    # acknowledged after ack_by, solved after solve_by: both stay missed, nothing is withdrawn
    svc.acknowledge(store, desk["sup"], i.number, when=datetime(2026, 10, 8, 9))
    svc.solve(store, desk["sup"], i.number, "更换密封圈", when=datetime(2026, 10, 12, 11))
    issue, events = _timeline(store, i.number)
    assert _escalations(events) == [(ACK_MISSED, "ack", "supervisor", False),
                                    (SOLVE_MISSED, "solve", "general_manager", False)]
    assert issue.level == 2 and svc.show_issue(store, i.number).state.level == 2
    with store.read() as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "issue.escalation_withdrawn")).first() is None


def test_an_acknowledgement_in_time_after_its_deadline_passed_unentered_on_the_same_day(store, desk):
    """The same in real time: acknowledged by phone at 10:30, typed in at 12:00 after a write
    at 11:30 escalated it; not a 补录 (same day), and the escalation is withdrawn."""
    t0 = datetime(2026, 11, 23, 9)
    store.clock = lambda: t0
    i = svc.raise_issue(store, desk["agent"], "HF202609001", title="停机", priority="urgent")
    store.clock = lambda: datetime(2026, 11, 23, 11, 30)
    _clock_writes(store)
    assert _escalations(_timeline(store, i.number)[1]) == [(datetime(2026, 11, 23, 11), "ack", "supervisor", False)]
    store.clock = lambda: datetime(2026, 11, 23, 12)
    svc.acknowledge(store, desk["sup"], i.number, when=datetime(2026, 11, 23, 10, 30))
    issue, events = _timeline(store, i.number)
    assert _escalations(events) == [(datetime(2026, 11, 23, 11), "ack", "supervisor", True)]
    assert issue.level == 0 and not any(e.late_entry for e in events)
    assert svc.show_issue(store, i.number).as_json()["late_entry"] is False


def test_the_clock_still_escalates_an_issue_whose_earlier_escalation_was_withdrawn(store, desk):
    """The writer's count of what is written ignores withdrawn escalations: the solution
    deadline passing later is written (level 1), judged by a write of another issue."""
    store.clock = lambda: datetime(2026, 10, 8, 12)
    i = svc.raise_issue(store, desk["agent"], "HF202609001", title="异响", category="product", when=RAISED)
    _clock_writes(store)
    svc.acknowledge(store, desk["sup"], i.number, when=datetime(2026, 9, 29, 15))
    assert _timeline(store, i.number)[0].level == 0
    store.clock = lambda: datetime(2026, 10, 12, 9)
    svc.raise_issue(store, desk["agent"], "HF202609001", title="另一个问题")  # a write elsewhere
    issue, events = _timeline(store, i.number)
    assert _escalations(events) == [(ACK_MISSED, "ack", "supervisor", True),
                                    (SOLVE_MISSED, "solve", "supervisor", False)]
    assert issue.level == 1


def test_a_wait_stated_late_moves_solve_by_as_if_entered_in_time(store, desk):
    i = svc.raise_issue(store, desk["agent"], "HF202609001", title="需客户确认", category="product", when=RAISED)
    svc.acknowledge(store, desk["sup"], i.number, when=datetime(2026, 9, 29, 15))
    _clock_writes(store)  # at 10-20 the solution looks missed since 10-10
    assert _escalations(_timeline(store, i.number)[1]) == [(SOLVE_MISSED, "solve", "supervisor", False)]
    svc.wait(store, desk["agent"], i.number, "客户出差", when=datetime(2026, 10, 9, 11))
    issue, events = _timeline(store, i.number)
    assert _escalations(events) == [(SOLVE_MISSED, "solve", "supervisor", True)]  # waiting pauses the clock
    assert issue.level == 0 and issue.status == "waiting"
    svc.resume(store, desk["agent"], i.number, when=datetime(2026, 10, 14, 10))
    _clock_writes(store)  # the resume is judged as of its stated time; the next write by the clock
    issue, events = _timeline(store, i.number)
    # waited (10-09, 10-14] = 10-10 (调休), 10-12, 10-13, 10-14: 4 working days after 10-09 → 10-14
    in_time = issue_state(IssueFacts("normal", False, RAISED, (
        ("acknowledged", datetime(2026, 9, 29, 15)), ("waiting", datetime(2026, 10, 9, 11)),
        ("resumed", datetime(2026, 10, 14, 10)))), *_rules(store), LATER)
    assert issue.solve_by == in_time.solve_by == date(2026, 10, 14)
    assert svc.show_issue(store, i.number).state.solve_by == date(2026, 10, 14)
    # unsolved at 10-20: missed at 10-15 00:00, written by the clock at level 1
    assert _escalations(events)[-1] == (datetime(2026, 10, 15), "solve", "supervisor", False)
    assert issue.level == 1


def _rules(store):
    with store.read() as s:
        return load_policy(s), load_calendar(s)


def test_every_action_keeps_when_it_was_entered_and_is_marked_late_after_a_working_day(store, desk):
    i = svc.raise_issue(store, desk["agent"], "HF202609001", title="噪音", category="product", when=RAISED)
    svc.assign_issue(store, desk["sup"], i.number, "技术支持组", "tech1", when=datetime(2026, 10, 19, 17))
    svc.add_note(store, desk["tech"], i.number, "已联系客户")  # stated now
    _clock_writes(store)
    _, events = _timeline(store, i.number)
    assert [(e.kind, e.entered_at, e.late_entry) for e in events if e.kind != "escalated"] == [
        ("raised", LATER, True),      # three weeks late
        ("assigned", LATER, False),   # Monday 10-19 17:00 entered Tuesday: the next working day
        ("note", LATER, False)]
    assert all(not e.late_entry and e.entered_at == LATER for e in events if e.kind == "escalated")
    other = svc.raise_issue(store, desk["agent"], "HF202609001", title="当场登记")
    rows = {v.issue.number: v.as_json()["late_entry"] for v in svc.list_issues(store, desk["sup"]).rows}
    assert rows == {i.number: True, other.number: False}
    with store.read() as s:
        raised = s.exec(select(AuditEntry).where(AuditEntry.action == "issue.raise",
                                                 AuditEntry.entity_id == i.number)).one()
    assert json.loads(raised.after)["late_entry"] is True


@pytest.mark.parametrize("when, earliest", [
    (datetime(2026, 10, 20, 10, 5), "2026-10-12 09:00"),    # in the future
    (datetime(2026, 10, 12, 8, 59), "2026-10-12 09:00"),    # before the previous action by a person
])
def test_refusals_name_the_earliest_and_latest_times(store, desk, when, earliest):
    i = svc.raise_issue(store, desk["agent"], "HF202609001", title="x", when=RAISED)
    svc.acknowledge(store, desk["sup"], i.number, when=datetime(2026, 10, 12, 9))
    _clock_writes(store)  # escalations dated later than 10-12 09:00 do not bound a stated time
    with pytest.raises(svc.IssueRefused) as refused:
        svc.add_note(store, desk["sup"], i.number, "进展", when=when)
    text = str(refused.value)
    assert f"{earliest} 至 2026-10-20 10:00" in text and "\n" not in text
    svc.add_note(store, desk["sup"], i.number, "进展", when=datetime(2026, 10, 12, 9))  # the bound itself


def test_a_time_before_the_issue_was_raised_or_in_an_approved_month_is_refused(store, desk):
    i = svc.raise_issue(store, desk["agent"], "HF202609001", title="x", when=RAISED)
    with pytest.raises(svc.IssueRefused) as refused:
        svc.acknowledge(store, desk["sup"], i.number, when=datetime(2026, 9, 29, 9))
    assert "登记" in str(refused.value) and "2026-09-29 10:00 至 2026-10-20 10:00" in str(refused.value)
    with store.write() as s:
        s.add(ReportSnapshot(month="2026-09", version=1, action="approve", login="sup1", at=LATER, data="{}"))
    with pytest.raises(MonthLocked) as refused:
        svc.acknowledge(store, desk["sup"], i.number, when=datetime(2026, 9, 29, 15))
    assert "2026-10-01 00:00 至 2026-10-20 10:00" in str(refused.value) and "report amend" in str(refused.value)
    with pytest.raises(MonthLocked) as refused:
        svc.raise_issue(store, desk["agent"], "HF202609001", title="y", when=datetime(2026, 9, 30, 9))
    assert "2026-10-01 00:00 至 2026-10-20 10:00" in str(refused.value)
    svc.acknowledge(store, desk["sup"], i.number, when=datetime(2026, 10, 8, 9))  # October is open


def test_a_verification_on_a_call_entered_late_is_marked_late(store, desk):
    from huifang_tui.services.recording import CallRecord, record_attempt

    sup = desk["sup"]
    i = svc.raise_issue(store, desk["agent"], "HF202609001", title="漏水", category="product",
                        when=datetime(2026, 10, 8, 9))
    svc.acknowledge(store, sup, i.number, when=datetime(2026, 10, 8, 10))
    svc.solve(store, sup, i.number, "更换密封圈", when=datetime(2026, 10, 8, 15))
    svc.tell(store, desk["agent"], i.number, date(2026, 10, 8), 5, when=datetime(2026, 10, 8, 16))
    svc.close(store, sup, i.number, when=datetime(2026, 10, 8, 17))
    with store.read() as s:
        cid = s.exec(select(Issue)).one().customer_id
    add_callback(store, cid, "HF202610002", due_on=date(2026, 10, 12), deadline_on=date(2026, 10, 30))
    record_attempt(store, desk["agent"], "HF202610002", CallRecord(
        outcome="completed", at=datetime(2026, 10, 12, 10), reached_name="王经理", score_resolution=2,
        score_attitude=4, not_held_issue_ids=[i.id]))
    _, events = _timeline(store, i.number)
    assert [(e.kind, e.at, e.entered_at, e.late_entry) for e in events[-2:]] == [
        ("verified", datetime(2026, 10, 12, 10), LATER, True), ("reopened", datetime(2026, 10, 12, 10), LATER, True)]


def test_the_boards_issue_detail_marks_late_entries_and_withdrawn_escalations(store, desk):
    """The board's drill-down says what the issue screen says (issue 23 item 4): the
    acknowledgement typed weeks late is 补录, and the escalations it withdrew say so, naming it."""
    from huifang_tui.core.i18n import t
    from huifang_tui.services.board import issue_detail

    i = svc.raise_issue(store, desk["agent"], "HF202609001", title="设备异响", category="product", when=RAISED)
    _clock_writes(store)
    svc.acknowledge(store, desk["sup"], i.number, when=datetime(2026, 9, 29, 15))
    lines = dict(issue_detail(store, desk["sup"], i.number))
    ack_line = lines["2026-09-29 15:00"]
    assert f"[{t('ledger.late_mark')}]" in ack_line
    withdrawn = t("ledger.withdrawn", by=t("ledger.event.acknowledged"), by_at="09-29 15:00")
    assert f"[{withdrawn}]" in lines["2026-09-30 10:00"]
    assert lines[t("board.detail.status")].startswith(t("ledger.status.acknowledged") + " · L")
