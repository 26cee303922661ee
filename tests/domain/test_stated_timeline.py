"""Issue 23 items 2 and 5 (SPEC §3 "attempt timing", §7 补录): a callback's stated timeline is the
record. A stated time lies between the earliest and the latest allowed — not before the fact the
callback follows nor before its previous stated record (an attempt, a 改约, a deferral), and not
after the moment of entry — and a refusal carries both ends. A 改约 or next attempt already past
when entered is accepted: the callback is due at once."""

from datetime import datetime as T

import pytest

from huifang_tui.domain.outcomes import (
    AttemptState, OutcomeError, apply_outcome, check_stated_time, passed_when_entered, stated_floor,
)
from huifang_tui.domain.timephrase import parse_phrase

NOW = T(2026, 3, 9, 10, 0)  # Monday: the moment of entry
EVENT, LAST = T(2026, 3, 2, 9, 0), T(2026, 3, 3, 15, 0)


@pytest.mark.parametrize("follows, last, floor", [
    (None, None, None),      # nothing bounds it below (on-site cycles, annual visits)
    (EVENT, None, EVENT),    # the trigger
    (None, LAST, LAST),      # the previous stated record
    (EVENT, LAST, LAST),     # the later of the two
    (LAST, EVENT, LAST),
])
def test_the_earliest_allowed_is_the_later_of_the_trigger_and_the_previous_record(follows, last, floor):
    assert stated_floor(follows, last) == floor


# (stated time, trigger, previous stated record) -> refusal code, earliest named; the latest is the entry
@pytest.mark.parametrize("at, follows, last, code, earliest", [
    (T(2026, 3, 9, 10, 1), EVENT, LAST, "when_future", LAST),          # after the entry
    (T(2026, 3, 9, 10, 1), None, None, "when_future", None),
    (T(2026, 3, 1, 17, 0), EVENT, None, "when_before_event", EVENT),    # before the trigger
    (T(2026, 3, 1, 17, 0), EVENT, LAST, "when_before_event", LAST),     # the floor is the previous record
    (T(2026, 3, 3, 14, 59), EVENT, LAST, "when_before_last", LAST),    # times never go backwards
])
def test_a_refused_stated_time_names_the_earliest_and_latest_allowed(at, follows, last, code, earliest):
    with pytest.raises(OutcomeError) as e:
        check_stated_time("completed", at, NOW, follows=follows, last_attempt_at=last, next_attempt_at=None)
    assert e.value.code == code
    assert (e.value.params["earliest"], e.value.params["latest"]) == (earliest, NOW)


# A 改约 stated on Monday 2026-03-02 09:00 and entered a week later: its phrase is read from the
# stated time, the time set is judged against it (after it, inside the deadline as it stood).
STATED = T(2026, 3, 2, 9, 0)
STATE = AttemptState(attempts=1, due_on=T(2026, 3, 2).date(), deadline_on=T(2026, 3, 6).date(), deadline_at=None)


@pytest.mark.parametrize("text, to", [
    ("明天 15:00", T(2026, 3, 3, 15, 0)),
    ("3-4 15:00", T(2026, 3, 4, 15, 0)),
    ("周四下午3点", T(2026, 3, 5, 15, 0)),
    ("2026-03-05T15:00", T(2026, 3, 5, 15, 0)),
    ("2026-03-05", T(2026, 3, 5, 8, 30)),  # a date alone: its first working hour
])
def test_a_reschedule_typed_late_is_read_from_the_stated_time_and_accepted(text, to, cal, policy):
    got = parse_phrase(text, STATED, cal, policy.work_hours)
    assert got == to
    tr = apply_outcome(STATE, "reschedule", STATED, policy, cal, to=got)
    assert (tr.status, tr.next_attempt_at) == ("open", to)
    assert passed_when_entered(tr.next_attempt_at, NOW)  # it has passed: due at once


@pytest.mark.parametrize("next_at, passed", [
    (None, False), (T(2026, 3, 9, 9, 59), True), (NOW, True), (T(2026, 3, 9, 10, 1), False),
])
def test_due_at_once_when_the_time_set_had_passed_at_entry(next_at, passed):
    assert passed_when_entered(next_at, NOW) is passed


def test_a_retry_stated_late_is_spaced_and_placed_in_the_working_hours_of_the_stated_day(cal, policy):
    """Busy at 11:00 on the stated day: +2 h is the lunch break, so 13:30 that day (SPEC §3)."""
    busy = apply_outcome(STATE, "busy", T(2026, 3, 2, 11, 0), policy, cal)
    assert busy.next_attempt_at == T(2026, 3, 2, 13, 30) and passed_when_entered(busy.next_attempt_at, NOW)
    # the next not-reached attempt may be stated from then, not before (retry spacing)
    with pytest.raises(OutcomeError) as e:
        check_stated_time("no_answer", T(2026, 3, 2, 13, 0), NOW, follows=EVENT, last_attempt_at=T(2026, 3, 2, 11),
                          next_attempt_at=busy.next_attempt_at)
    assert e.value.code == "too_early"
