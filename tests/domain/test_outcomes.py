"""Outcomes and retries: SPEC §3 "Rules that decide what happens after an attempt" (seed-silent)."""

from datetime import date as D
from datetime import datetime as T

import pytest

from huifang_tui.domain.outcomes import (
    OUTCOMES, AttemptState, OutcomeError, apply_outcome, check_stated_time, is_late_entry, parse_when,
)

STATE = AttemptState(attempts=0, due_on=D(2025, 10, 9), deadline_on=D(2025, 10, 11), deadline_at=None)
AT = T(2025, 10, 10, 10)  # Friday; Sat 10-11 is a 调休 working day


def go(outcome, state=STATE, at=AT, policy=None, cal=None, **kw):
    return apply_outcome(state, outcome, at, policy, cal, **kw)


@pytest.mark.parametrize("outcome, attempts, status, due_on, next_at, alert, flag", [
    ("completed", 0, "completed", D(2025, 10, 9), None, False, False),
    # no answer / phone off / wrong person: the next working day's first working hour
    # (SPEC §3 work_hours 08:30–12:00, 13:30–17:30; Sat 10-11 is a working day)
    ("no_answer", 0, "open", D(2025, 10, 11), T(2025, 10, 11, 8, 30), False, False),
    ("phone_off", 1, "open", D(2025, 10, 11), T(2025, 10, 11, 8, 30), False, False),
    ("wrong_person", 0, "open", D(2025, 10, 11), T(2025, 10, 11, 8, 30), False, False),
    # busy: same day + 2 h when before the deadline; 12:00 is the lunch break → 13:30
    ("busy", 0, "open", D(2025, 10, 10), T(2025, 10, 10, 13, 30), False, False),
    # the third failed attempt: 无法联系, alert the supervisor
    ("no_answer", 2, "unreachable", D(2025, 10, 9), None, True, False),
    ("busy", 2, "unreachable", D(2025, 10, 9), None, True, False),
    # wrong number: contact flagged, wait for data
    ("wrong_number", 0, "waiting_data", D(2025, 10, 9), None, False, True),
    ("refused", 1, "refused", D(2025, 10, 9), None, False, False),
])
def test_apply_outcome(outcome, attempts, status, due_on, next_at, alert, flag, policy, cal):
    state = AttemptState(attempts, STATE.due_on, STATE.deadline_on, None)
    t = go(outcome, state, policy=policy, cal=cal)
    assert (t.status, t.due_on, t.next_attempt_at, t.alert_supervisor, t.flag_contact) == (
        status, due_on, next_at, alert, flag)
    assert t.attempts == attempts + 1


def test_busy_late_or_past_deadline_goes_to_next_working_day(policy, cal):
    late = go("busy", at=T(2025, 10, 10, 22, 30), policy=policy, cal=cal)  # +2h crosses midnight
    assert late.next_attempt_at == T(2025, 10, 11, 8, 30)  # never a 00:00 retry (SPEC §3)
    hour_deadline = AttemptState(0, D(2025, 10, 10), D(2025, 10, 10), T(2025, 10, 10, 11))
    t = go("busy", hour_deadline, policy=policy, cal=cal)  # 12:00 would miss the 11:00 deadline
    assert t.due_on == D(2025, 10, 11)


def test_reschedule(policy, cal):
    t = go("reschedule", policy=policy, cal=cal, to=T(2025, 10, 11, 15))
    assert (t.status, t.attempts, t.due_on, t.next_attempt_at) == ("open", 0, D(2025, 10, 11), T(2025, 10, 11, 15))
    with pytest.raises(OutcomeError):  # missing time
        go("reschedule", policy=policy, cal=cal)
    with pytest.raises(OutcomeError):  # in the past
        go("reschedule", policy=policy, cal=cal, to=T(2025, 10, 10, 9))
    with pytest.raises(OutcomeError) as e:  # 改约 falls inside the working hours (SPEC §3)
        go("reschedule", policy=policy, cal=cal, to=T(2025, 10, 11, 12, 30))
    assert e.value.code == "to_outside_hours" and e.value.params["allowed"] == "2025-10-11 13:30"
    with pytest.raises(OutcomeError, match="主管"):  # beyond the deadline needs the supervisor
        go("reschedule", policy=policy, cal=cal, to=T(2025, 10, 13, 9))
    t = go("reschedule", policy=policy, cal=cal, to=T(2025, 10, 13, 9), may_exceed_deadline=True)
    assert t.due_on == D(2025, 10, 13)


def test_unknown_outcome(policy, cal):
    assert len(OUTCOMES) == 8
    with pytest.raises(OutcomeError):
        go("voicemail", policy=policy, cal=cal)


NOW = T(2026, 5, 6, 10, 20)


@pytest.mark.parametrize("text, expected", [
    ("2026-05-06 15:00", T(2026, 5, 6, 15)),
    ("2026/5/7 9:05", T(2026, 5, 7, 9, 5)),
    ("2026-05-06", T(2026, 5, 6, 8, 30)),  # a date alone: its first working hour (issue 23)
    ("明天 15:00", T(2026, 5, 7, 15)),
    ("明天15：00", T(2026, 5, 7, 15)),
    ("后天", T(2026, 5, 8, 8, 30)),
    ("今天 16:30", T(2026, 5, 6, 16, 30)),
    ("+2d", T(2026, 5, 8, 8, 30)),  # as in 改约: the first working hour of that day
    ("+3h", T(2026, 5, 6, 13, 20)),
    (" 15:00 ", T(2026, 5, 6, 15)),
])
def test_parse_when(text, expected):
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize("text", ["", "下周", "2026-02-30", "25:00", "+2w", "明天 下午", "tmrw"])
def test_parse_when_rejects(text):
    with pytest.raises(OutcomeError, match="无法识别.*unrecognised"):
        parse_when(text, NOW)


# SPEC §3 attempt timing: (outcome, stated time, follows, last attempt, next allowed) -> refusal code
EV, LAST, NEXT = T(2026, 5, 4, 9), T(2026, 5, 5, 10), T(2026, 5, 6, 12, 0)


@pytest.mark.parametrize("outcome, at, code", [
    ("no_answer", T(2026, 5, 6, 10, 21), "when_future"),       # after now
    ("completed", T(2026, 5, 3, 10), "when_before_event"),      # before the trigger
    ("completed", T(2021, 5, 3, 10), "when_before_event"),      # years before the trigger
    ("completed", T(2026, 5, 5, 9), "when_before_last"),        # times never go backwards
    ("no_answer", T(2026, 5, 6, 10, 0), "too_early"),           # not reached before the next attempt
    ("busy", T(2026, 5, 6, 10, 0), "too_early"),
    ("phone_off", T(2026, 5, 6, 10, 0), "too_early"),
    ("wrong_person", T(2026, 5, 6, 10, 0), "too_early"),
    ("completed", T(2026, 5, 6, 10, 0), None),                  # a reached customer: always
    ("refused", T(2026, 5, 6, 10, 0), None),
    ("reschedule", T(2026, 5, 6, 10, 0), None),
    ("wrong_number", T(2026, 5, 6, 10, 0), None),
    ("no_answer", T(2026, 5, 6, 10, 20), "too_early"),
])
def test_check_stated_time(outcome, at, code):
    def check():
        check_stated_time(outcome, at, NOW, follows=EV, last_attempt_at=LAST, next_attempt_at=NEXT)

    if code is None:
        check()
    else:
        with pytest.raises(OutcomeError) as e:
            check()
        assert e.value.code == code
    # once the next attempt is allowed, a not-reached outcome is fine
    check_stated_time("no_answer", NEXT, NEXT, follows=EV, last_attempt_at=LAST, next_attempt_at=NEXT)


@pytest.mark.parametrize("at, entered, late", [
    (T(2026, 5, 6, 10), T(2026, 5, 6, 18), False),   # same day
    (T(2026, 5, 6, 10), T(2026, 5, 7, 18), False),   # the next working day
    (T(2026, 5, 6, 10), T(2026, 5, 8, 9), True),     # more than one working day after: 补录 (SPEC §7)
    (T(2026, 5, 8, 16), T(2026, 5, 9, 9), False),    # Sat 2026-05-09 is a 调休 working day
    (T(2026, 5, 8, 16), T(2026, 5, 11, 9), True),
])
def test_late_entry(at, entered, late, cal):
    assert is_late_entry(at, entered, cal) is late
