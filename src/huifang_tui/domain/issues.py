"""Issue (问题) deadlines, escalation and closing (SPEC §3; 001 六, 003 二, 000 §4.11).

Spans: ``h``/``d`` are counted from ``raised_at``; an acknowledgement in ``wd`` is due by the
end (23:59:59) of the n-th working day after the day it was raised; a solution is due by a
date (n-th working day after, or n calendar days moved back to a working day).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .calendar import WorkCalendar
from .policy import ISSUE_PRIORITIES, Policy, Span
from .words import ISSUE_CATEGORIES

LEVELS: tuple[str, ...] = ("owner", "supervisor", "general_manager")  # 责任人 / 部门负责人 / 总经理
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True, slots=True)
class IssueDeadlines:
    ack_by: datetime
    solve_by: date
    update_every: timedelta


def _ack_by(span: Span, raised_at: datetime, cal: WorkCalendar) -> datetime:
    if span.unit == "wd":
        return datetime.combine(cal.add_working_days(raised_at.date(), span.amount), END_OF_DAY)
    return raised_at + span.as_timedelta()


def issue_deadlines(priority: str, raised_at: datetime, policy: Policy,
                    cal: WorkCalendar) -> IssueDeadlines:
    """Deadlines of an issue raised at *raised_at* with priority urgent / normal / low."""
    if priority not in ISSUE_PRIORITIES:
        raise ValueError(f"unknown issue priority {priority!r}")
    rule = policy.issue_rules[priority]
    day = raised_at.date()
    if rule.solve.unit == "wd":
        solve_by = cal.add_working_days(day, rule.solve.amount)
    else:
        solve_by = max(cal.on_or_before(day + rule.solve.as_timedelta()), cal.on_or_after(day))
    return IssueDeadlines(_ack_by(rule.ack, raised_at, cal), solve_by, rule.update.as_timedelta())


def escalation_level(is_complaint: bool, ack_by: datetime, acknowledged_at: datetime | None,
                     solve_by: date, solved_at: datetime | None, now: datetime) -> int:
    """0 owner, 1 supervisor/部门负责人, 2 总经理.

    A complaint is level 2 at once (000 §4.11).  Each missed deadline (acknowledgement,
    solution) raises the level by one; a deadline met late stays missed (levels never drop).
    """
    if is_complaint:
        return 2
    ack_missed = (acknowledged_at or now) > ack_by
    solve_missed = (solved_at or now).date() > solve_by
    return min(2, int(ack_missed) + int(solve_missed))


def update_overdue(last_update_at: datetime, update_every: timedelta, now: datetime) -> bool:
    """A progress update is owed (SPEC §3; 003 二 每24小时). Pass raised_at if none yet."""
    return now > last_update_at + update_every


def can_close(solution: str | None, told_on: date | None, satisfaction: int | None) -> list[str]:
    """Missing-field codes blocking closure (001 六(二)3): solution, told_on, satisfaction."""
    missing = []
    if not (solution or "").strip():
        missing.append("solution")
    if told_on is None:
        missing.append("told_on")
    if satisfaction is None or not 1 <= satisfaction <= 5:
        missing.append("satisfaction")
    return missing


# -- the state of an issue at a moment, from its event log (SPEC §3) ------------------------

CATEGORIES: tuple[str, ...] = ISSUE_CATEGORIES
STATUSES: tuple[str, ...] = ("open", "acknowledged", "waiting", "solved", "closed")
EVENT_KINDS: tuple[str, ...] = (
    "raised", "assigned", "acknowledged", "note", "waiting", "resumed", "solution", "told",
    "closed", "reopened", "escalated", "verified",
)
OVERDUE_KINDS: tuple[str, ...] = ("ack", "solve", "update")
# events the system writes (never a person's action): derived from the stated timeline, they
# neither bound a stated time nor feed the state (issue 23 item 3)
SYSTEM_KINDS: tuple[str, ...] = ("escalated",)
AT_RISK_SHARE = 0.75  # "at risk" once 75 % of the time to a deadline is used (issue 10)
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class IssueFacts:
    """What the rules need of an issue: its priority, complaint flag and dated events.

    *events* are ``(kind, at)`` pairs of :data:`EVENT_KINDS`, any order; the ``raised``
    event is implied by *raised_at*.
    """

    priority: str
    is_complaint: bool
    raised_at: datetime
    events: tuple[tuple[str, datetime], ...] = ()


@dataclass(frozen=True, slots=True)
class Escalation:
    """A level reached at *at* because of *reason* (``complaint``, ``ack`` or ``solve``)."""

    at: datetime
    level: int
    reason: str


@dataclass(frozen=True, slots=True)
class IssueState:
    status: str
    ack_by: datetime
    solve_by: date  # moved later by the working days spent waiting (completed waits)
    next_update_by: datetime | None  # None unless acknowledged, unsolved and not waiting
    acknowledged_at: datetime | None
    solved_at: datetime | None  # the current solution (cleared by a reopen)
    waiting_since: datetime | None
    level: int
    overdue: tuple[str, ...]
    at_risk: bool
    escalations: tuple[Escalation, ...]  # every escalation due by *now*, oldest first


def solve_deadline_passes(solve_by: date) -> datetime:
    """The moment a solution deadline is missed: the start of the day after *solve_by*."""
    return datetime.combine(solve_by + _DAY, time())


def waited_working_days(start: datetime, end: datetime, cal: WorkCalendar) -> int:
    """Working days spent waiting: the working days in (start's date, end's date].

    Waiting from Friday 15:00 to Monday 10:00 costs 1 (the Monday); waiting within one day
    costs nothing.
    """
    return cal.count_working_days(start.date(), end.date())


def working_seconds(start: datetime, end: datetime, cal: WorkCalendar) -> float:
    """Seconds of [start, end) that fall on working days (the clock of a working-day deadline)."""
    if end <= start:
        return 0.0
    total = 0.0
    day = start.date()
    while day <= end.date():
        if cal.is_working_day(day):
            lo = max(start, datetime.combine(day, time()))
            hi = min(end, datetime.combine(day + _DAY, time()))
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += _DAY
    return total


def _share_used(start: datetime, deadline: datetime, now: datetime, cal: WorkCalendar | None,
                paused: float = 0.0) -> float:
    if cal is None:
        whole, used = (deadline - start).total_seconds(), (now - start).total_seconds()
    else:
        whole, used = working_seconds(start, deadline, cal), working_seconds(start, now, cal)
    whole, used = whole - paused, used - paused
    if whole <= 0:
        return 1.0
    return used / whole


def _solve_missed_at(events: list[tuple[str, datetime]], passes: datetime, now: datetime) -> datetime | None:
    """When the solution deadline (missed at *passes*) counts as missed, judged by the solution
    that stands: *passes* itself if no solution stood then (none yet, a late one, or reopened
    before it); else the first reopen after it (a reopened issue is unsolved); else None.
    Later events never move an earlier answer (escalations are written once)."""
    standing = False
    for kind, at in events:  # sorted, none after now
        if at >= passes:
            if not standing:
                return passes
            if kind == "reopened":
                return at
            continue
        if kind == "solution":
            standing = True
        elif kind == "reopened":
            standing = False
    return passes if not standing and now >= passes else None


def issue_state(facts: IssueFacts, policy: Policy, cal: WorkCalendar, now: datetime) -> IssueState:
    """Deadlines, overdue kinds, risk and escalation of an issue as of *now* (SPEC §3).

    Only events at or before *now* count.  Rules:

    - acknowledgement and solution deadlines come from :func:`issue_deadlines`;
    - waiting (挂起) pauses the clock: while waiting nothing is owed and nothing escalates; each
      completed wait moves ``solve_by`` later by :func:`waited_working_days`;
    - level = complaint → 2 at once; otherwise the number of the two deadlines missed, judged
      against the solution that stands (met late still counts; a reopened issue is unsolved, so
      once past ``solve_by`` its solution deadline is missed; a reopen never lowers it);
    - overdue ``ack`` (not acknowledged, now > ack_by), ``solve`` (no solution, now's date >
      solve_by), ``update`` (acknowledged, unsolved, not waiting, now > next_update_by).
    """
    base = issue_deadlines(facts.priority, facts.raised_at, policy, cal)
    rule = policy.issue_rules[facts.priority]
    # the stated timeline of what people did: escalations the clock wrote never feed it (issue 23)
    events = sorted((e for e in facts.events if e[1] <= now and e[0] not in SYSTEM_KINDS), key=lambda e: e[1])

    status = "open"
    acknowledged_at: datetime | None = None
    solved_at: datetime | None = None
    waiting_since: datetime | None = None
    status_before_wait = "open"
    last_update: datetime | None = None
    waits: list[tuple[datetime, datetime | None]] = []
    for kind, at in events:
        if kind == "acknowledged":
            if acknowledged_at is None:
                acknowledged_at = at
            last_update = at
            if status == "open":
                status = "acknowledged"
        elif kind == "note":
            if acknowledged_at is not None:
                last_update = at
        elif kind == "waiting" and waiting_since is None:
            waiting_since, status_before_wait, status = at, status, "waiting"
        elif kind in ("resumed", "solution") and waiting_since is not None:
            waits.append((waiting_since, at))
            waiting_since = None
            status = status_before_wait
            last_update = at
        if kind == "solution":
            solved_at = at
            status = "solved"
        elif kind == "closed":
            status = "closed"
        elif kind == "reopened":
            solved_at = None
            status = "acknowledged" if acknowledged_at is not None else "open"
            last_update = at
    if waiting_since is not None:
        waits.append((waiting_since, None))

    # -- the solution deadline, moved by completed waits begun before it passed ----------
    # Judged by the solution that stands (SPEC §3): a reopen takes the solution away, so the
    # reopened issue is unsolved and misses solve_by like any other (the KPI judges the same).
    solve_by = base.solve_by
    solve_missed_at: datetime | None = None
    paused_now = False
    for start, end in waits:
        if solved_at is not None and start >= solved_at:
            break
        if start >= solve_deadline_passes(solve_by):
            break  # already missed when the wait began: the miss stands
        if end is None:
            paused_now = True
            break
        days = waited_working_days(start, end, cal)
        if days:
            solve_by = cal.add_working_days(solve_by, days)
    passes = solve_deadline_passes(solve_by)
    if not paused_now:
        solve_missed_at = _solve_missed_at(events, passes, now)

    ack_missed_at = base.ack_by if (acknowledged_at or now) > base.ack_by else None

    # -- escalations: a complaint is 总经理 at once; else one level per missed deadline ----
    if facts.is_complaint:
        escalations: tuple[Escalation, ...] = (Escalation(facts.raised_at, 2, "complaint"),)
    else:
        missed = sorted(
            [(ack_missed_at, "ack")] * (ack_missed_at is not None)
            + [(solve_missed_at, "solve")] * (solve_missed_at is not None))
        escalations = tuple(Escalation(at, i + 1, why) for i, (at, why) in enumerate(missed))
    level = escalations[-1].level if escalations else 0

    # -- what is owed now ------------------------------------------------------------------
    unsolved = solved_at is None and status != "closed"
    waiting = waiting_since is not None
    next_update_by = (last_update + base.update_every
                      if acknowledged_at is not None and unsolved and not waiting and last_update else None)
    overdue: list[str] = []
    if acknowledged_at is None and status != "closed" and now > base.ack_by:
        overdue.append("ack")
    if unsolved and (waiting_since or now).date() > solve_by:
        overdue.append("solve")
    if next_update_by is not None and now > next_update_by:
        overdue.append("update")

    at_risk = False
    if not waiting and status != "closed":
        ack_cal = cal if rule.ack.unit == "wd" else None
        if acknowledged_at is None and "ack" not in overdue:
            at_risk |= _share_used(facts.raised_at, base.ack_by, now, ack_cal) >= AT_RISK_SHARE
        if unsolved and "solve" not in overdue:
            paused = sum(working_seconds(s, e, cal) for s, e in waits if e is not None and e <= now)
            at_risk |= _share_used(facts.raised_at, solve_deadline_passes(solve_by), now, cal,
                                   paused) >= AT_RISK_SHARE
        if next_update_by is not None and "update" not in overdue and last_update is not None:
            at_risk |= _share_used(last_update, next_update_by, now, None) >= AT_RISK_SHARE

    return IssueState(
        status=status, ack_by=base.ack_by, solve_by=solve_by, next_update_by=next_update_by,
        acknowledged_at=acknowledged_at, solved_at=solved_at, waiting_since=waiting_since,
        level=level, overdue=tuple(overdue), at_risk=at_risk, escalations=escalations,
    )


# -- the stated timeline and the escalations the clock wrote (issue 23 item 3) ---------------


def last_action_at(events: Iterable[tuple[str, datetime]]) -> datetime | None:
    """When the issue's previous action by a person was stated: the earliest time a new action
    may be stated at (escalations the clock wrote do not count)."""
    return max((at for kind, at in events if kind not in SYSTEM_KINDS), default=None)


@dataclass(frozen=True, slots=True)
class Written:
    """An escalation as it stands in the timeline: when, and the reason and level its stored
    text names (None where an old text cannot be read: it then matches on its time alone)."""

    at: datetime
    reason: str | None = None
    level: int | None = None


def reconcile(written: Sequence[Written], due: Sequence[Escalation]) -> tuple[list[int], list[Escalation]]:
    """The escalations written (standing, not withdrawn) against those the stated timeline makes
    due: (indices of *written* that no longer hold, the due ones not written yet).

    An escalation holds when one due has its time, reason and level.  One that does not hold
    was written for a deadline a later entry showed was met (or at a level that no longer
    follows): it is withdrawn, never deleted.  A deadline missed by the stated timeline keeps
    its escalation, so levels never drop because something was done late (SPEC §3)."""
    used: set[int] = set()
    missing: list[Escalation] = []
    for d in due:
        for n, w in enumerate(written):
            if n not in used and w.at == d.at and w.reason in (None, d.reason) and w.level in (None, d.level):
                used.add(n)
                break
        else:
            missing.append(d)
    return [n for n in range(len(written)) if n not in used], missing


# -- who may do what (issue 10; issue 22 item 8: one table for the rule, the keys and the text) --

ACTIONS: tuple[str, ...] = (
    "assign", "ack", "note", "wait", "resume", "solve", "tell", "close", "reopen",
)
# The parts a user plays for one issue (``issue_roles``), in the order the refusal names them.
PARTS: tuple[str, ...] = ("owner", "head", "supervisor", "raiser", "raiser_unowned")
_WORKERS = ("owner", "head", "supervisor")
# action → the parts that may do it.  SPEC §3: acknowledging is for the owner, the owner's
# department head, supervisors, and the raiser while the issue has no owner.
WHO_MAY: dict[str, tuple[str, ...]] = {
    "assign": ("head", "supervisor"),
    "ack": (*_WORKERS, "raiser_unowned"),
    "note": (*_WORKERS, "raiser"),
    "wait": (*_WORKERS, "raiser"),
    "resume": (*_WORKERS, "raiser"),
    "tell": (*_WORKERS, "raiser"),
    "solve": _WORKERS,
    "close": _WORKERS,
    "reopen": _WORKERS,
}
# Who may raise an issue for a customer outside a call (the ledger's ``a``, ``huifang issue raise
# --customer``); from a callback, whoever may work the callback (admins always may).
RAISE_FOR_CUSTOMER: tuple[str, ...] = ("agent", "supervisor")
DEFAULT_DEPARTMENTS: tuple[str, ...] = (
    "售后服务部", "技术支持组", "退换货组", "投诉处理组", "销售部", "市场部", "质量部",
)
# default responsible department per category; a complaint goes to 投诉处理组 (issue 10 §5)
DEFAULT_DEPARTMENT_OF: dict[str, str] = {
    "product": "技术支持组", "service": "售后服务部", "need": "销售部", "other": "售后服务部",
    "complaint": "投诉处理组",
}


# action → the statuses it applies in (the services refuse it in the others, naming the state;
# the issue screen offers its key only there).  Close is offered until closed: refused, it names
# what is still missing (001 六(二)3).
APPLIES_IN: dict[str, tuple[str, ...]] = {
    "assign": ("open", "acknowledged", "waiting", "solved"),
    "ack": ("open",),
    "note": ("open", "acknowledged", "waiting", "solved"),
    "wait": ("acknowledged",),
    "resume": ("waiting",),
    "solve": ("acknowledged", "waiting"),
    "tell": ("solved",),
    "close": ("open", "acknowledged", "waiting", "solved"),
    "reopen": ("solved", "closed"),
}


def issue_roles(login: str, role: str, department: str | None, *, raised_by: str,
                owner: str | None, issue_department: str, owner_department: str | None = None) -> frozenset[str]:
    """The parts a user plays for one issue: raiser (``raiser_unowned`` too while it has no
    owner), owner, head (a supervisor of its department or of its owner's department: a
    department's head is its supervisor), supervisor (supervisors and admins)."""
    parts = set()
    if login == raised_by:
        parts.add("raiser")
        if owner is None:
            parts.add("raiser_unowned")
    if owner is not None and login == owner:
        parts.add("owner")
    if role == "supervisor" and department and department in (issue_department, owner_department):
        parts.add("head")
    if role in ("supervisor", "admin"):
        parts.add("supervisor")
    return frozenset(parts)


def may(action: str, parts: frozenset[str]) -> bool:
    """The permission matrix (:data:`WHO_MAY`)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown issue action {action!r}")
    return bool(parts & set(WHO_MAY[action]))
