"""Call outcomes and retries (SPEC §3 "Rules that decide what happens after an attempt").

Seed-silent, VICIdial-style defaults.  Every dial counts as an attempt except 改约
(reschedule), which only moves the appointment.  ``next_attempt_at`` is "not before" and
always inside the policy's ``work_hours`` on a working day (SPEC §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from . import dates
from .calendar import WorkCalendar
from .policy import Policy
from .queue import deadline_moment, is_overdue
from .timephrase import PhraseError, WorkHours, next_allowed, read_time

OUTCOMES: tuple[str, ...] = (
    "completed", "no_answer", "busy", "phone_off", "wrong_number", "reschedule", "refused",
    "wrong_person",
)
# Statuses that end a link without completing it; a chain continues past them (SPEC §7).
CLOSED_UNDONE: tuple[str, ...] = ("lapsed", "refused", "unreachable")
_RETRY_NEXT_DAY = ("no_answer", "phone_off", "wrong_person")
# SPEC §3: attempts that did not reach the customer; only these wait for the next attempt time.
NOT_REACHED: tuple[str, ...] = ("no_answer", "busy", "phone_off", "wrong_person")
# The customer was reached: these can always be recorded, also on a callback that became
# unreachable or waits for a new number (SPEC §3; issue 22 §12).
REACHED: tuple[str, ...] = ("completed", "refused", "reschedule")
# Every outcome but a completion is about the call, so it applies to the whole of what is due
# of the customer (``due_in_call``); a completion applies to the callback it names (SPEC §3).
SPREADS: tuple[str, ...] = tuple(o for o in OUTCOMES if o != "completed")
# Of the call, these concern only the number dialled: they reach the callbacks of the same
# contact (a wrong number does not make another contact's number wrong).
PER_NUMBER: tuple[str, ...] = ("wrong_number",)
# 拒访 closes with the customer's reason: one line, required (SPEC §3; issue 22 §7).
NEEDS_REASON: tuple[str, ...] = ("refused",)
# Refusal codes that mean "the input cannot be read" rather than "a rule says no".
INPUT_CODES = frozenset({"to_missing", "unknown", "bad_time"})


class OutcomeError(ValueError):
    """An outcome cannot be applied as given.

    ``code`` and ``params`` let the UI say it in the user's language (catalog key
    ``outcome_err.<code>``); ``str()`` is a bilingual fallback for logs and tests.
    """

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class AttemptState:
    attempts: int
    due_on: date
    deadline_on: date
    deadline_at: datetime | None


@dataclass(frozen=True, slots=True)
class Transition:
    status: str  # completed | open | unreachable | waiting_data | refused
    attempts: int
    due_on: date
    next_attempt_at: datetime | None
    alert_supervisor: bool
    flag_contact: bool


def _retry(state: AttemptState, at: datetime, policy: Policy, cal: WorkCalendar,
           busy: bool) -> Transition:
    """Next attempt inside the working hours (SPEC §3): busy +2 h (moved to the next working
    hour) the same day if before the deadline, else the next working day's first hour."""
    attempts = state.attempts + 1
    if attempts >= policy.max_attempts:
        return Transition("unreachable", attempts, state.due_on, None, True, False)
    soon = next_allowed(at + timedelta(hours=policy.busy_retry_hours), cal, policy.work_hours)
    if busy and soon.date() == at.date() and soon <= deadline_moment(state.deadline_on, state.deadline_at):
        return Transition("open", attempts, at.date(), soon, False, False)
    day = cal.next_working_day(at.date())
    first = next_allowed(datetime.combine(day, time.min), cal, policy.work_hours)
    return Transition("open", attempts, first.date(), first, False, False)


def past_deadline(when: datetime, deadline_on: date, deadline_at: datetime | None) -> bool:
    """Whether a callback moved to *when* (a 改约, a deferral's day from its start, the next
    attempt) would be past its deadline: only a supervisor may move it there (an agent asks one,
    ``services.requests``), and an attempt planned there will be overdue (issue 25 items 4, 5)."""
    return when > deadline_moment(deadline_on, deadline_at)


def apply_outcome(state: AttemptState, outcome: str, at: datetime, policy: Policy,
                  cal: WorkCalendar, *, to: datetime | None = None,
                  may_exceed_deadline: bool = False) -> Transition:
    """The callback's next state after one call attempt at *at*."""
    n = state.attempts
    if outcome == "completed":
        return Transition("completed", n + 1, state.due_on, None, False, False)
    if outcome in _RETRY_NEXT_DAY or outcome == "busy":
        return _retry(state, at, policy, cal, busy=outcome == "busy")
    if outcome == "wrong_number":
        return Transition("waiting_data", n + 1, state.due_on, None, False, True)
    if outcome == "refused":
        return Transition("refused", n + 1, state.due_on, None, False, False)
    if outcome == "reschedule":
        if to is None:
            raise OutcomeError("to_missing", "改约需要新的时间 / reschedule needs a new time")
        if to > at and next_allowed(to, cal, policy.work_hours) != to:
            hint = next_allowed(to, cal, policy.work_hours)
            raise OutcomeError("to_outside_hours", f"改约时间 {to:%Y-%m-%d %H:%M} 不在工作时间 / outside working "
                               f"hours; next allowed {hint:%Y-%m-%d %H:%M}", when=f"{to:%Y-%m-%d %H:%M}",
                               allowed=f"{hint:%Y-%m-%d %H:%M}")
        if to <= at:
            raise OutcomeError("to_past", f"改约时间已过：{to:%Y-%m-%d %H:%M} / reschedule time is in the past",
                               when=f"{to:%Y-%m-%d %H:%M}")
        if past_deadline(to, state.deadline_on, state.deadline_at) and not may_exceed_deadline:
            deadline = deadline_moment(state.deadline_on, state.deadline_at)
            raise OutcomeError("past_deadline", "改约超过截止时间，需主管批准 / rescheduling past the deadline "
                               "needs a supervisor", deadline=f"{deadline:%Y-%m-%d %H:%M}")
        return Transition("open", n, to.date(), to, False, False)
    raise OutcomeError("unknown", f"未知的结果：{outcome!r} / unknown outcome {outcome!r}", value=outcome)


def closing_status(outcome: str, attempts: int, policy: Policy) -> str | None:
    """The status ``outcome`` closes a callback tried ``attempts`` times with for good, as
    ``apply_outcome`` moves it — 拒访 refused, 号码错误 waiting for a new number, the last allowed
    attempt not reaching the customer unreachable — else None. The call screen asks for a
    confirmation of these (issue 16 item 3)."""
    if outcome == "refused":
        return "refused"
    if outcome == "wrong_number":
        return "waiting_data"
    if outcome in NOT_REACHED and attempts + 1 >= policy.max_attempts:
        return "unreachable"
    return None


def due_in_call(due_on: date, deadline_on: date, deadline_at: datetime | None, next_attempt_at: datetime | None,
                at: datetime) -> bool:
    """SPEC §3 "one call is one customer, the whole of what is due": an open callback of the
    customer is part of a call made at *at* when it is due that day or overdue, and its next
    attempt (a retry's or a 改约's time) is allowed by then — a customer who asked to be called
    at 15:00 is not tried at 10:00 for that callback. The one definition of the set: the call
    screen's 同日合并 line, the outcome spread by recording, ``huifang record``'s output and
    undo all use it (through ``services.calls.same_call``)."""
    if next_attempt_at is not None and next_attempt_at > at:
        return False
    return due_on <= at.date() or is_overdue(deadline_on, deadline_at, at)


def _hm(d: datetime) -> str:
    return f"{d:%Y-%m-%d %H:%M}"


def stated_floor(follows: datetime | None, last_record_at: datetime | None) -> datetime | None:
    """The earliest a callback's next record may be stated at (SPEC §3, issue 23 item 5): not
    before the fact it follows (its trigger), nor before its previous stated record (an
    attempt, a 改约 or a deferral). None when neither is known."""
    known = [t for t in (follows, last_record_at) if t is not None]
    return max(known) if known else None


def check_stated_time(outcome: str, at: datetime, now: datetime, *, follows: datetime | None,
                      last_attempt_at: datetime | None, next_attempt_at: datetime | None) -> None:
    """SPEC §3 attempt timing for a record stated to have happened at *at*, entered at *now*.

    Not in the future; not before the event the callback follows; never before the
    callback's previous stated record (*last_attempt_at*: its last attempt, 改约 or deferral);
    a not-reached outcome not before the next attempt is allowed (a reached customer can
    always be recorded). A refusal of the bounds (issue 23 item 5) carries both ends of what
    may be stated: ``earliest`` (None when nothing bounds it) and ``latest`` (the entry).
    """
    bounds = {"earliest": stated_floor(follows, last_attempt_at), "latest": now}
    if at > now:
        raise OutcomeError("when_future", f"所填时间 {_hm(at)} 晚于现在 / {_hm(at)} is in the future", when=_hm(at),
                           **bounds)
    if follows is not None and at < follows:
        raise OutcomeError("when_before_event", f"所填时间 {_hm(at)} 早于回访所依据的事件 {_hm(follows)} / "
                           "before the event it follows", when=_hm(at), event=_hm(follows), **bounds)
    if last_attempt_at is not None and at < last_attempt_at:
        raise OutcomeError("when_before_last", f"所填时间 {_hm(at)} 早于上一条记录 {_hm(last_attempt_at)} / "
                           "before the previous record", when=_hm(at), last=_hm(last_attempt_at), **bounds)
    if outcome in NOT_REACHED and next_attempt_at is not None and at < next_attempt_at:
        raise OutcomeError("too_early", f"下次拨打不早于 {_hm(next_attempt_at)} / next attempt allowed from "
                           f"{_hm(next_attempt_at)}", allowed=_hm(next_attempt_at))


def passed_when_entered(next_attempt_at: datetime | None, now: datetime) -> bool:
    """A 改约 or next attempt that had already passed when the record was entered (issue 23
    item 2): accepted, and the callback is due at once."""
    return next_attempt_at is not None and next_attempt_at <= now


def is_late_entry(at: datetime, entered_at: datetime, cal: WorkCalendar) -> bool:
    """补录 (SPEC §7): entered more than one working day after the stated time."""
    return entered_at.date() > cal.next_working_day(at.date())


_USAGE = "2026-05-06T15:00、2026-05-06 15:00、2026-05-06、明天 15:00、+2d、+3h、15:00、tomorrow 3pm"


def parse_when(text: str, now: datetime, work_hours: WorkHours | None = None) -> datetime:
    """A stated time (``--when``), read by the one reader of time fields
    (``timephrase.read_time``): ISO 8601 or a phrase relative to ``now``; a date alone means
    its first working hour. Only dates within 2000-2099 (``domain.dates``) are accepted."""
    try:
        return read_time(text, now, work_hours or Policy().work_hours, ahead=False)
    except PhraseError as e:
        if e.code == "range":
            raise OutcomeError("date_range", f"日期超出范围：{text!r} / date out of range {text!r}", value=text,
                               first=dates.FIRST.isoformat(), last=dates.LAST.isoformat()) from None
        raise OutcomeError("bad_time", f"无法识别的时间：{text!r}（可用格式：{_USAGE}）/ "
                           f"unrecognised time {text!r} (use e.g. {_USAGE})", value=text, usage=_USAGE) from None
