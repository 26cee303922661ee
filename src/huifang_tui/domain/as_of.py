"""Records as they stood at a past moment, from the stated timeline (SPEC §7; issue 23 item 6).

``report monthly --now T`` counts what had been *stated* by T: attempts and completions stated
at or before T, issue actions stated by then, spot-check marks made by then. Nothing here
reads when something was typed in, so a month entered late reads the same as one entered in
time (issue 23 item 7). Pure: the services load the rows.

A callback's state at T is what its attempt log stated up to T leaves it in, by the same rule
that recorded it (``outcomes.apply_outcome``): the last attempt by T decides (拒访 → refused,
号码错误 → waiting_data, not reached → open, or unreachable once the counted attempts reach
``policy.max_attempts``); nothing stated yet → open. A callback that did not exist at T is left
out: a follow-up of a completion stated after T, a chain link of a link that closed after T, an
ad-hoc record of a call made after T.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .calendar import WorkCalendar
from .follow_up import FOLLOW_UP_KINDS
from .issues import SYSTEM_KINDS, IssueFacts, issue_state
from .kpi import IssueRow
from .outcomes import AttemptState, OutcomeError, apply_outcome
from .policy import Policy

#: the states a callback is still to be done in (a chain's next link follows a link that left them)
OPEN_STATES: tuple[str, ...] = ("open", "waiting_data")
#: statuses set by a person or the planner at the moment they were entered (no stated time of their own)
CLOSED_AT_ENTRY: tuple[str, ...] = ("lapsed", "cancelled")
#: issue events that reopen an issue (a failed verification included)
REOPEN_KINDS: tuple[str, ...] = ("reopen", "reopened", "not_held")
FOLLOWS = "cb:"  # the trigger of what follows a record (domain.follow_up.trigger_of)
ADHOC = "adhoc"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One stated record of a callback: an attempt, a 改约 or the completion."""

    at: datetime  # the stated time
    outcome: str
    login: str = ""
    entered_at: datetime | None = None  # when it was typed in
    late_entry: bool = False
    rescheduled_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class CallbackLog:
    """What the stated timeline of one callback holds."""

    status: str  # its status now
    due_on: date
    deadline_on: date
    deadline_at: datetime | None = None
    attempts: tuple[Attempt, ...] = ()  # in stated order
    completed_at: datetime | None = None  # the stated completion
    changed_at: datetime | None = None  # when a lapse or cancellation was made (its row's last change)
    created_at: datetime | None = None
    kind: str = ""
    trigger_ref: str = ""
    deferred_on: date | None = None  # put off (推迟) that day …
    deferred_to: date | None = None  # … to be due then (its due date now)


@dataclass(frozen=True, slots=True)
class StateAt:
    status: str
    completing: Attempt | None = None  # the completion stated by then
    completed_at: datetime | None = None
    due_on: date | None = None  # when it was due then (moved by retries, 改约, a deferral)


def _replay(log: CallbackLog, stated: Sequence[Attempt], policy: Policy, cal: WorkCalendar,
            at: datetime | None = None) -> StateAt:
    """The state the attempts *stated* leave the callback in (``apply_outcome`` on each)."""
    state = AttemptState(0, log.due_on, log.deadline_on, log.deadline_at)
    status, completing = "open", None
    for a in stated:
        try:
            tr = apply_outcome(state, a.outcome, a.at, policy, cal, to=a.rescheduled_to, may_exceed_deadline=True)
        except OutcomeError:  # a 改约 the policy of today would refuse was accepted when made
            status = "open"
            continue
        status = tr.status
        state = AttemptState(tr.attempts, tr.due_on, state.deadline_on, state.deadline_at)
        completing = a if tr.status == "completed" else completing
    due = state.due_on
    if at is not None and log.deferred_on is not None and log.deferred_to is not None and stated \
            and stated[-1].at.date() <= log.deferred_on <= at.date():
        due = log.deferred_to  # put off after its last attempt by then: the deferral's date
    if status == "completed" and completing is not None:
        return StateAt(status, completing, completing.at, due)
    return StateAt(status, due_on=due)


def state_at(log: CallbackLog, at: datetime, policy: Policy, cal: WorkCalendar) -> StateAt:
    """The callback's status at *at* by its stated timeline (see the module's rule)."""
    if log.status in CLOSED_AT_ENTRY and log.changed_at is not None and log.changed_at <= at:
        return StateAt(log.status)
    if log.status == "completed" and log.completed_at is not None and log.completed_at <= at:
        done = [a for a in log.attempts if a.outcome == "completed" and a.at <= at]
        return StateAt("completed", done[-1] if done else None, log.completed_at)
    if not log.attempts:  # nothing stated: the state it was made in (a flagged number waits for data)
        deferred = log.deferred_on is not None and log.deferred_on <= at.date() and log.deferred_to is not None
        return StateAt("open" if log.status in ("completed", *CLOSED_AT_ENTRY) else log.status,
                       due_on=log.deferred_to if deferred else log.due_on)
    stated = [a for a in log.attempts if a.at <= at]
    if not stated and log.deferred_on is not None and log.deferred_on <= at.date():
        return StateAt("open", due_on=log.deferred_to)
    return _replay(log, stated, policy, cal, at)


def left_open_at(log: CallbackLog, policy: Policy, cal: WorkCalendar) -> datetime | None:
    """When the callback first left the open states by its stated timeline (completed, 拒访,
    unreachable, lapsed, cancelled); None while it is open."""
    moments = []
    if log.status in CLOSED_AT_ENTRY and log.changed_at is not None:
        moments.append(log.changed_at)
    if log.completed_at is not None:
        moments.append(log.completed_at)
    for i, a in enumerate(log.attempts):
        if _replay(log, log.attempts[: i + 1], policy, cal).status not in OPEN_STATES:
            moments.append(a.at)
            break
    return min(moments) if moments else None


def existed_at(log: CallbackLog, at: datetime, *, parent_completed_at: datetime | None = None,
               parent_left_open_at: datetime | None = None) -> bool:
    """Whether the callback existed at *at*: an ad-hoc record from the call it records; what
    follows a record (trigger ``cb:<回访编号>``) from that record's completion (a follow-up) or
    from its leaving the open states (a chain's next link), unless it was made earlier; any other
    from the start (work planned or back-filled later still belongs to its month, SPEC §7)."""
    if any(a.at <= at for a in log.attempts):
        return True
    if log.kind == ADHOC:
        return log.completed_at is not None and log.completed_at <= at
    if log.trigger_ref.startswith(FOLLOWS):
        if log.created_at is not None and log.created_at <= at:
            return True
        since = parent_completed_at if log.kind in FOLLOW_UP_KINDS else parent_left_open_at
        return since is not None and since <= at
    return True


def parent_number(log: CallbackLog) -> str | None:
    """The record a follow-up or a chain's next link follows."""
    return log.trigger_ref[len(FOLLOWS):] if log.trigger_ref.startswith(FOLLOWS) else None


# -- issues ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssueEventAt:
    kind: str
    at: datetime  # the stated time
    late_entry: bool = False


def issue_at(number: str, raised_by: str, priority: str, is_complaint: bool, raised_at: datetime,
             events: Iterable[IssueEventAt], policy: Policy, cal: WorkCalendar, at: datetime) -> IssueRow | None:
    """The KPI view of an issue as it stood at *at* (None if not raised yet): acknowledged,
    solved, closed and reopened by the actions stated by then (``issues.issue_state``)."""
    if raised_at > at:
        return None
    stated = [e for e in events if e.at <= at]
    st = issue_state(IssueFacts(priority, is_complaint, raised_at, tuple((e.kind, e.at) for e in stated)),
                     policy, cal, at)
    closed = [e.at for e in stated if e.kind == "closed"]
    return IssueRow(
        number=number, raised_by=raised_by, raised_at=raised_at, ack_by=st.ack_by, solve_by=st.solve_by,
        acknowledged_at=st.acknowledged_at, solved_at=st.solved_at,
        closed_at=closed[-1] if st.status == "closed" and closed else None,
        reopened=any(e.kind in REOPEN_KINDS for e in stated), is_complaint=is_complaint,
        late_entry=any(e.late_entry and e.kind not in SYSTEM_KINDS for e in stated),
    )


@dataclass(frozen=True, slots=True)
class IssueRecordAt:
    """The ledger's own fields of an issue as they stood at a moment (``issues --now``)."""

    closed_at: datetime | None
    told_on: date | None
    satisfaction: int | None


def issue_record_at(events: Iterable[tuple[str, datetime, dict]], status: str, at: datetime, *,
                    told_on: date | None = None, satisfaction: int | None = None) -> IssueRecordAt:
    """What the ledger showed at *at* (*status* its status then): the closure standing, the date
    the customer was told of the standing solution and their satisfaction (each ``told`` event
    keeps them; a reopen clears them). *events* are ``(kind, stated
    time, the event's parameters)``; *told_on*/*satisfaction* are today's, for a ``told`` event
    that kept no parameters (written before they were kept)."""
    stated = sorted((e for e in events if e[1] <= at), key=lambda e: e[1])
    closed = [when for kind, when, _ in stated if kind == "closed"]
    told, happy = None, None
    for kind, _, params in stated:
        if kind in REOPEN_KINDS:
            told, happy = None, None
        elif kind == "told":
            on = params.get("on")
            told = date.fromisoformat(str(on)[:10]) if on else told_on
            happy = int(params["satisfaction"]) if params.get("satisfaction") is not None else satisfaction
    return IssueRecordAt(closed[-1] if status == "closed" and closed else None, told, happy)


def spot_check_at(accurate: bool | None, marked_at: datetime | None, at: datetime) -> bool | None:
    """A spot check's mark as it stood at *at* (None: not marked by then)."""
    if accurate is None or marked_at is None or marked_at > at:
        return None
    return accurate
