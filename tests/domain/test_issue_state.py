"""An issue's state from its event log: deadlines with waiting, overdue, at risk, escalation.

SPEC §3 (issue table and rules); seeds 001 六(二)2–3 (解决方案 within X working days, 告知客户,
满意度), 003 二 / 关键执行要点 (紧急 2 小时, 一般 24 小时, 每24小时更新进度, 升级), 000 §4.11
(投诉 → 总经理).  Calendar: 国庆 2025-10-01..08 off, Saturday 2025-10-11 a make-up working
day; 春节 2026-02-15..23 off, Saturdays 2026-02-14 and 2026-02-28 make-up working days.
"""

from datetime import date as D
from datetime import datetime as T
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huifang_tui.domain.issues import (
    Escalation,
    IssueFacts,
    issue_state,
    solve_deadline_passes,
    waited_working_days,
)

RAISED = T(2025, 9, 30, 15)  # the last working day before 国庆


def facts(priority="normal", *events, complaint=False, raised=RAISED):
    return IssueFacts(priority, complaint, raised, tuple(events))


@pytest.mark.parametrize("events, now, solve_by", [
    # SPEC §3 normal: 3 wd after 09-30 → 10-11 (调休 Saturday), no waiting
    ((), T(2025, 10, 9, 9), D(2025, 10, 11)),
    # wait 10-09 10:00 → resume 10-13 09:00 waited (10-09, 10-13] = 10-10, 10-11 (调休), 10-13 = 3 wd
    ((("acknowledged", T(2025, 9, 30, 16)), ("waiting", T(2025, 10, 9, 10)), ("resumed", T(2025, 10, 13, 9))),
     T(2025, 10, 13, 10), D(2025, 10, 15)),
    # a wait across 国庆: holidays are not working days waited — only 10-09 counts → 10-13
    ((("acknowledged", T(2025, 9, 30, 16)), ("waiting", T(2025, 9, 30, 17)), ("resumed", T(2025, 10, 9, 9))),
     T(2025, 10, 9, 10), D(2025, 10, 13)),
    # a wait within one day costs nothing
    ((("acknowledged", T(2025, 9, 30, 16)), ("waiting", T(2025, 10, 9, 9)), ("resumed", T(2025, 10, 9, 17))),
     T(2025, 10, 9, 18), D(2025, 10, 11)),
    # two waits add up: 10-09→10-10 (1) and 10-13→10-14 (1) → 10-11 + 2 wd = 10-14
    ((("acknowledged", T(2025, 9, 30, 16)), ("waiting", T(2025, 10, 9, 9)), ("resumed", T(2025, 10, 10, 9)),
      ("waiting", T(2025, 10, 13, 9)), ("resumed", T(2025, 10, 14, 9))),
     T(2025, 10, 14, 10), D(2025, 10, 14)),
    # a wait begun after the deadline passed does not move it (the miss stands)
    ((("acknowledged", T(2025, 9, 30, 16)), ("waiting", T(2025, 10, 13, 9)), ("resumed", T(2025, 10, 15, 9))),
     T(2025, 10, 15, 10), D(2025, 10, 11)),
])
def test_waiting_moves_solve_by_by_working_days(events, now, solve_by, policy, cal):
    assert issue_state(facts("normal", *events), policy, cal, now).solve_by == solve_by


def test_two_waits_count_each_working_day(policy, cal):
    assert waited_working_days(T(2025, 10, 9, 9), T(2025, 10, 10, 9), cal) == 1
    assert waited_working_days(T(2025, 10, 10, 17), T(2025, 10, 13, 9), cal) == 2  # Sat 10-11 works
    assert waited_working_days(T(2026, 2, 13, 17), T(2026, 2, 24, 9), cal) == 2  # 02-14 调休, 02-24


@pytest.mark.parametrize("priority, raised, ack_by, solve_by", [
    # 003 关键执行要点: urgent 2 h; 1 wd after Friday 2026-02-13 is the 调休 Saturday 02-14
    ("urgent", T(2026, 2, 13, 16), T(2026, 2, 13, 18), D(2026, 2, 14)),
    # SPEC low: ack by the end of the 3rd wd (02-14, 02-24, 02-25); solve 5 wd → 02-27
    ("low", T(2026, 2, 13, 10), T(2026, 2, 25, 23, 59, 59), D(2026, 2, 27)),
    # 001 六(二)2 normal 3 wd over 春节 → 02-24, 02-25, 02-26
    ("normal", T(2026, 2, 14, 11), T(2026, 2, 15, 11), D(2026, 2, 26)),
])
def test_deadlines_over_spring_festival(priority, raised, ack_by, solve_by, policy, cal):
    st_ = issue_state(facts(priority, raised=raised), policy, cal, raised)
    assert (st_.ack_by, st_.solve_by) == (ack_by, solve_by)


URGENT = T(2025, 9, 30, 15)  # urgent: ack_by 09-30 17:00, solve_by 10-09 (after 国庆)


@pytest.mark.parametrize("events, now, level, overdue, escalations", [
    # nothing missed yet
    ((), T(2025, 9, 30, 16), 0, (), ()),
    # 003 关键执行要点: not acknowledged within 2 h → 部门负责人 (level 1), dated when it passed
    ((), T(2025, 10, 9, 12), 1, ("ack",), ((T(2025, 9, 30, 17), 1, "ack"),)),
    # both missed → 总经理; the solution deadline passes at the start of the day after solve_by
    ((), T(2025, 10, 10, 0, 0, 1), 2, ("ack", "solve"),
     ((T(2025, 9, 30, 17), 1, "ack"), (T(2025, 10, 10), 2, "solve"))),
    # acknowledged late: still missed (levels never drop); solved in time → stays 1
    ((("acknowledged", T(2025, 9, 30, 18)), ("solution", T(2025, 10, 9, 17))), T(2025, 10, 20),
     1, (), ((T(2025, 9, 30, 17), 1, "ack"),)),
    # acknowledged in time, solution late → 1, dated 10-10 00:00
    ((("acknowledged", T(2025, 9, 30, 16)), ("solution", T(2025, 10, 10, 9))), T(2025, 10, 20),
     1, (), ((T(2025, 10, 10), 1, "solve"),)),
    # waiting pauses the clock: waiting since 10-09 09:00, nothing escalates or is owed
    ((("acknowledged", T(2025, 9, 30, 16)), ("waiting", T(2025, 10, 9, 9))), T(2025, 10, 30),
     0, (), ()),
    # resumed 10-13 09:00: waited (10-09, 10-13] = 3 wd → solve_by 10-09 + 3 wd = 10-13 (10-11 调休);
    # missed at 10-14 00:00; the next update was due 24 h after resuming
    ((("acknowledged", T(2025, 9, 30, 16)), ("waiting", T(2025, 10, 9, 9)), ("resumed", T(2025, 10, 13, 9))),
     T(2025, 10, 15, 8), 1, ("solve", "update"), ((T(2025, 10, 14), 1, "solve"),)),
    # reopened after a failed verification (issue 22 item 14): same deadlines; the reopened issue
    # is unsolved, so past solve_by (10-09) it is overdue and that is a missed solve deadline,
    # counted from the reopen (the solution stood until then)
    ((("acknowledged", T(2025, 9, 30, 16)), ("solution", T(2025, 10, 9, 10)), ("closed", T(2025, 10, 9, 11)),
      ("reopened", T(2025, 10, 20, 9))), T(2025, 10, 20, 10), 1, ("solve",), ((T(2025, 10, 20, 9), 1, "solve"),)),
    # reopened before solve_by passed: nothing missed yet …
    ((("acknowledged", T(2025, 9, 30, 16)), ("solution", T(2025, 10, 9, 10)), ("reopened", T(2025, 10, 9, 12))),
     T(2025, 10, 9, 20), 0, (), ()),
    # … and still unsolved once it passes: missed when it passed (10-10 00:00)
    ((("acknowledged", T(2025, 9, 30, 16)), ("solution", T(2025, 10, 9, 10)), ("reopened", T(2025, 10, 9, 12))),
     T(2025, 10, 10, 9), 1, ("solve",), ((T(2025, 10, 10), 1, "solve"),)),
    # solved again in time after the reopen: the solution that stands met the deadline
    ((("acknowledged", T(2025, 9, 30, 16)), ("solution", T(2025, 10, 9, 10)), ("reopened", T(2025, 10, 9, 12)),
      ("solution", T(2025, 10, 9, 16))), T(2025, 10, 20), 0, (), ()),
])
def test_escalation_and_overdue(events, now, level, overdue, escalations, policy, cal):
    s = issue_state(facts("urgent", *events, raised=URGENT), policy, cal, now)
    assert s.level == level
    assert s.overdue == overdue
    assert s.escalations == tuple(Escalation(*e) for e in escalations)


def test_complaint_is_general_manager_at_once(policy, cal):
    # 000 §4.11: 如遇客户投诉 … 总经理
    s = issue_state(facts("low", complaint=True), policy, cal, RAISED)
    assert s.level == 2 and s.escalations == (Escalation(RAISED, 2, "complaint"),)


@pytest.mark.parametrize("events, now, next_update_by, overdue", [
    # 003 二: 每24小时更新进度, counted from the acknowledgement — calendar hours, holidays too
    ((("acknowledged", T(2025, 9, 30, 16)),), T(2025, 10, 1, 16), T(2025, 10, 1, 16), ()),
    ((("acknowledged", T(2025, 9, 30, 16)),), T(2025, 10, 1, 16, 1), T(2025, 10, 1, 16), ("update",)),
    # a note restarts it
    ((("acknowledged", T(2025, 9, 30, 16)), ("note", T(2025, 10, 1, 10))), T(2025, 10, 1, 16, 1),
     T(2025, 10, 2, 10), ()),
    # not owed while waiting, nor once solved, nor before the acknowledgement
    ((("acknowledged", T(2025, 9, 30, 16)), ("waiting", T(2025, 9, 30, 17))), T(2025, 10, 5), None, ()),
    ((("acknowledged", T(2025, 9, 30, 16)), ("solution", T(2025, 9, 30, 17))), T(2025, 10, 5), None, ()),
])
def test_progress_updates(events, now, next_update_by, overdue, policy, cal):
    s = issue_state(facts("normal", *events), policy, cal, now)
    assert s.next_update_by == next_update_by
    assert tuple(k for k in s.overdue if k == "update") == overdue


@pytest.mark.parametrize("priority, events, now, at_risk", [
    # normal ack 24 h: 75 % used at 10-01 09:00 (18 h of 24)
    ("normal", (), T(2025, 10, 1, 8, 59), False),
    ("normal", (), T(2025, 10, 1, 9), True),
    # past the deadline it is overdue, not "at risk"
    ("normal", (), T(2025, 10, 1, 15, 1), False),
    # solve (working time): 09-30 15:00 → 10-12 00:00 is 9 h + 10-09/10/11 = 81 h of working
    # days; 75 % = 60.75 h → 10-11 03:45 (the 国庆 days do not count)
    ("normal", (("acknowledged", T(2025, 9, 30, 16)), ("note", T(2025, 10, 11, 3))), T(2025, 10, 11, 3, 44), False),
    ("normal", (("acknowledged", T(2025, 9, 30, 16)), ("note", T(2025, 10, 11, 3))), T(2025, 10, 11, 3, 45), True),
    # waiting: nothing is at risk
    ("normal", (("acknowledged", T(2025, 9, 30, 16)), ("waiting", T(2025, 10, 9))), T(2025, 10, 11, 12), False),
])
def test_at_risk(priority, events, now, at_risk, policy, cal):
    assert issue_state(facts(priority, *events), policy, cal, now).at_risk is at_risk


def test_status_follows_events(policy, cal):
    ev = [("acknowledged", T(2025, 9, 30, 16))]
    assert issue_state(facts("normal", *ev), policy, cal, T(2025, 10, 9)).status == "acknowledged"
    ev.append(("waiting", T(2025, 10, 9, 9)))
    assert issue_state(facts("normal", *ev), policy, cal, T(2025, 10, 9, 10)).status == "waiting"
    ev.append(("resumed", T(2025, 10, 9, 11)))
    assert issue_state(facts("normal", *ev), policy, cal, T(2025, 10, 9, 12)).status == "acknowledged"
    ev.append(("solution", T(2025, 10, 9, 13)))
    assert issue_state(facts("normal", *ev), policy, cal, T(2025, 10, 9, 14)).status == "solved"
    ev.append(("closed", T(2025, 10, 9, 15)))
    s = issue_state(facts("normal", *ev), policy, cal, T(2025, 10, 30))
    assert (s.status, s.overdue, s.at_risk) == ("closed", (), False)
    ev.append(("reopened", T(2025, 10, 30, 9)))
    assert issue_state(facts("normal", *ev), policy, cal, T(2025, 10, 30, 10)).status == "acknowledged"


# -- properties ------------------------------------------------------------------------------

_KINDS = ["acknowledged", "note", "waiting", "resumed", "solution", "closed", "reopened"]
_events = st.lists(st.tuples(st.sampled_from(_KINDS), st.integers(0, 40 * 24)), max_size=8)
_base = T(2025, 9, 20, 9)


def _facts(priority, complaint, raw):
    return IssueFacts(priority, complaint, _base, tuple((k, _base + timedelta(hours=h)) for k, h in raw))


@settings(max_examples=150, deadline=None)
@given(priority=st.sampled_from(["urgent", "normal", "low"]), complaint=st.booleans(), raw=_events,
       h1=st.integers(0, 40 * 24), h2=st.integers(0, 40 * 24))
def test_level_never_drops_and_is_bounded(priority, complaint, raw, h1, h2, policy, cal):
    f = _facts(priority, complaint, raw)
    a, b = sorted((h1, h2))
    s1 = issue_state(f, policy, cal, _base + timedelta(hours=a))
    s2 = issue_state(f, policy, cal, _base + timedelta(hours=b))
    assert 0 <= s1.level <= s2.level <= 2
    assert s1.escalations == s2.escalations[:len(s1.escalations)]  # written once, never re-dated
    if complaint:
        assert s1.level == 2


@settings(max_examples=150, deadline=None)
@given(priority=st.sampled_from(["urgent", "normal", "low"]), raw=_events, h=st.integers(0, 40 * 24))
def test_waiting_only_ever_moves_solve_by_later_and_future_events_are_ignored(priority, raw, h, policy, cal):
    f = _facts(priority, False, raw)
    now = _base + timedelta(hours=h)
    s = issue_state(f, policy, cal, now)
    assert s.solve_by >= issue_state(_facts(priority, False, []), policy, cal, now).solve_by
    past = IssueFacts(priority, False, _base, tuple(e for e in f.events if e[1] <= now))
    assert issue_state(past, policy, cal, now) == s
    for e in s.escalations:
        assert e.at <= now
    if s.status == "waiting":
        assert "update" not in s.overdue and not s.at_risk


def test_solve_deadline_passes_at_midnight():
    assert solve_deadline_passes(D(2026, 2, 14)) == T(2026, 2, 15)
