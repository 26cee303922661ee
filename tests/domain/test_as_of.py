"""A callback's and an issue's state at a past moment, from the stated timeline (issue 23 item 6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from huifang_tui.domain.as_of import (
    Attempt,
    CallbackLog,
    IssueEventAt,
    existed_at,
    issue_at,
    issue_record_at,
    left_open_at,
    spot_check_at,
    state_at,
)
from huifang_tui.domain.calendar import WorkCalendar
from huifang_tui.domain.policy import Policy

POLICY = Policy()
CAL = WorkCalendar()


def T(day: int, hour: int = 10) -> datetime:  # noqa: N802
    return datetime(2026, 11, day, hour)


def log(status: str, *attempts: tuple[int, str], **kw) -> CallbackLog:  # noqa: ANN003
    return CallbackLog(status=status, due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 27),
                       attempts=tuple(Attempt(T(d), o, "agent1") for d, o in attempts), **kw)


def test_not_reached_tries_give_up_at_the_policys_limit():
    tries = [(2 + i, "no_answer") for i in range(POLICY.max_attempts)]
    cb = log("unreachable", *tries)
    for i in range(POLICY.max_attempts - 1):
        assert state_at(cb, T(2 + i, 12), POLICY, CAL).status == "open"
    assert state_at(cb, T(2 + POLICY.max_attempts - 1, 12), POLICY, CAL).status == "unreachable"
    assert left_open_at(cb, POLICY, CAL) == T(2 + POLICY.max_attempts - 1)
    # a 改约 is not a try: it does not bring the limit nearer
    moved = replace(cb, attempts=(Attempt(T(2), "reschedule", rescheduled_to=T(3, 15)), *cb.attempts[1:]))
    assert state_at(moved, T(20), POLICY, CAL).status == "open"


@pytest.mark.parametrize(("outcome", "status"), [("refused", "refused"), ("wrong_number", "waiting_data"),
                                                 ("busy", "open"), ("completed", "completed")])
def test_the_last_attempt_by_then_decides(outcome, status):
    cb = log("open", (3, "no_answer"), (5, outcome))
    assert state_at(cb, T(4), POLICY, CAL).status == "open"
    assert state_at(cb, T(5, 11), POLICY, CAL).status == status


def test_a_completion_after_then_leaves_what_the_attempts_had_said():
    cb = log("completed", (3, "no_answer"), (9, "completed"), completed_at=T(9))
    st = state_at(cb, T(5), POLICY, CAL)
    assert (st.status, st.completed_at, st.completing) == ("open", None, None)
    assert st.due_on == date(2026, 11, 4)  # the retry's day, the next working day after 11-03
    done = state_at(cb, T(9, 11), POLICY, CAL)
    assert (done.status, done.completed_at, done.completing.at) == ("completed", T(9), T(9))
    assert state_at(log("open"), T(5), POLICY, CAL).status == "open"  # nothing stated: open


def test_a_lapse_or_cancellation_counts_from_when_it_was_made():
    cb = log("lapsed", changed_at=T(20))
    assert state_at(cb, T(19), POLICY, CAL).status == "open"
    assert state_at(cb, T(21), POLICY, CAL).status == "lapsed"


def test_what_follows_a_record_exists_from_that_record_on():
    follow = log("open", kind="low_score", trigger_ref="cb:HF202611001", created_at=T(23))
    assert not existed_at(follow, T(10), parent_completed_at=T(12), parent_left_open_at=T(12))
    assert existed_at(follow, T(12), parent_completed_at=T(12), parent_left_open_at=T(12))
    link = log("open", kind="quarterly", trigger_ref="cb:HF202611001", created_at=T(23))
    assert existed_at(link, T(8), parent_completed_at=None, parent_left_open_at=T(7))  # 拒访 on 11-07
    assert not existed_at(link, T(6), parent_left_open_at=T(7))
    adhoc = log("completed", (9, "completed"), kind="adhoc", trigger_ref="adhoc:HF1", completed_at=T(9))
    assert not existed_at(adhoc, T(8)) and existed_at(adhoc, T(9))
    assert existed_at(log("open", trigger_ref="wo:SX1", created_at=T(23)), T(1))  # a back-fill belongs


def test_an_issue_at_a_moment():
    events = [IssueEventAt("acknowledged", T(3, 11)), IssueEventAt("solution", T(5)),
              IssueEventAt("closed", T(6), late_entry=True), IssueEventAt("reopened", T(9))]
    row = issue_at("WT1", "agent1", "normal", False, T(3, 9), events, POLICY, CAL, T(7))
    assert (row.acknowledged_at, row.solved_at, row.closed_at, row.reopened) == (T(3, 11), T(5), T(6), False)
    assert row.late_entry is True
    assert issue_at("WT1", "agent1", "normal", False, T(3, 9), events, POLICY, CAL, T(4)).late_entry is False
    later = issue_at("WT1", "agent1", "normal", False, T(3, 9), events, POLICY, CAL, T(10))
    assert (later.closed_at, later.solved_at, later.reopened) == (None, None, True)
    assert issue_at("WT1", "agent1", "normal", False, T(3, 9), events, POLICY, CAL, T(3, 8)) is None
    escalated = [IssueEventAt("escalated", T(4), late_entry=True)]
    assert issue_at("WT1", "a", "normal", False, T(3, 9), escalated, POLICY, CAL, T(7)).late_entry is False


def test_what_the_ledger_showed_of_the_customer_told():
    events = [("solution", T(5), {}), ("told", T(5, 11), {"on": "2026-11-05", "satisfaction": 4}),
              ("closed", T(6), {}), ("reopened", T(9), {})]
    rec = issue_record_at(events, "closed", T(7))
    assert (rec.closed_at, rec.told_on, rec.satisfaction) == (T(6), date(2026, 11, 5), 4)
    rec = issue_record_at(events, "acknowledged", T(10))
    assert (rec.closed_at, rec.told_on, rec.satisfaction) == (None, None, None)


def test_a_spot_check_mark_from_when_it_was_made():
    assert spot_check_at(True, T(9), T(8)) is None
    assert spot_check_at(False, T(9), T(9)) is False
