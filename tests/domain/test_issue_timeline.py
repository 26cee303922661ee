"""Issue 23 item 3 in the pure rules: the stated timeline of what people did is the record.

- a new action may be stated back to the previous action *by a person* (``last_action_at``):
  escalations the clock wrote do not bound it, and they never feed the state;
- ``reconcile`` compares the escalations written with those the stated timeline makes due:
  one that no longer holds is withdrawn, a deadline missed by the timeline keeps its
  escalation (met late still counts as missed, SPEC §3), what is due and not written is owed.

Calendar: 国庆 2026-10-01..07 off, Saturday 10-10 a make-up working day. A normal issue raised
Tuesday 2026-09-29 10:00: acknowledgement by 09-30 10:00, solution by 10-09 (missed at 10-10).
"""

from datetime import datetime as T

from hypothesis import given, settings
from hypothesis import strategies as st

from huifang_tui.domain.issues import (
    SYSTEM_KINDS,
    Escalation,
    IssueFacts,
    Written,
    issue_state,
    last_action_at,
    reconcile,
)

RAISED = T(2026, 9, 29, 10)
ACK_MISSED, SOLVE_MISSED = T(2026, 9, 30, 10), T(2026, 10, 10)
LATER = T(2026, 10, 20, 10)


def test_escalations_do_not_bound_a_stated_time():
    events = [("raised", RAISED), ("escalated", ACK_MISSED), ("escalated", SOLVE_MISSED)]
    assert SYSTEM_KINDS == ("escalated",)
    assert last_action_at(events) == RAISED
    assert last_action_at([*events, ("note", T(2026, 10, 9, 9)), ("verified", T(2026, 10, 12, 9))]) == T(2026, 10, 12, 9)
    assert last_action_at([]) is None


def test_escalated_events_never_feed_the_state(policy, cal):
    people = (("acknowledged", T(2026, 9, 29, 15)),)
    clock = (("escalated", ACK_MISSED), ("escalated", SOLVE_MISSED), ("escalated", T(2026, 10, 11)))
    plain = issue_state(IssueFacts("normal", False, RAISED, people), policy, cal, LATER)
    mixed = issue_state(IssueFacts("normal", False, RAISED, people + clock), policy, cal, LATER)
    assert plain == mixed
    assert [(e.at, e.level, e.reason) for e in plain.escalations] == [(SOLVE_MISSED, 1, "solve")]
    # reconciled with what the clock wrote before the acknowledgement was entered
    written = [Written(ACK_MISSED, "ack", 1), Written(SOLVE_MISSED, "solve", 2)]
    assert reconcile(written, plain.escalations) == ([0, 1], [Escalation(SOLVE_MISSED, 1, "solve")])


def test_a_deadline_met_late_keeps_its_escalation(policy, cal):
    late = (("acknowledged", T(2026, 10, 8, 9)), ("solution", T(2026, 10, 12, 11)))
    due = issue_state(IssueFacts("normal", False, RAISED, late), policy, cal, LATER).escalations
    written = [Written(ACK_MISSED, "ack", 1), Written(SOLVE_MISSED, "solve", 2)]
    assert reconcile(written, due) == ([], [])


def test_a_wait_stated_in_time_withdraws_the_solution_escalation(policy, cal):
    waiting = (("acknowledged", T(2026, 9, 29, 15)), ("waiting", T(2026, 10, 9, 11)))
    due = issue_state(IssueFacts("normal", False, RAISED, waiting), policy, cal, LATER).escalations
    assert due == ()
    assert reconcile([Written(SOLVE_MISSED, "solve", 1)], due) == ([0], [])


def test_an_unreadable_old_text_matches_on_its_time():
    due = [Escalation(ACK_MISSED, 1, "ack"), Escalation(SOLVE_MISSED, 2, "solve")]
    assert reconcile([Written(ACK_MISSED)], due) == ([], [due[1]])
    assert reconcile([Written(T(2026, 9, 30, 11))], due) == ([0], due)


_moments = st.sampled_from([ACK_MISSED, SOLVE_MISSED, T(2026, 10, 15)])
_escs = st.builds(Escalation, _moments, st.integers(1, 2), st.sampled_from(["ack", "solve"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(_escs, max_size=3), st.lists(_escs, max_size=3))
def test_after_reconciling_what_stands_is_what_is_due(written, due):
    """Withdraw what does not hold, write what is owed: what then stands is exactly what is due
    (as a multiset), and nothing due is withdrawn."""
    marks = [Written(e.at, e.reason, e.level) for e in written]
    gone, missing = reconcile(marks, due)
    standing = [written[n] for n in range(len(written)) if n not in gone]
    key = lambda e: (e.at, e.level, e.reason)  # noqa: E731
    assert sorted(standing + missing, key=key) == sorted(due, key=key)
