"""Daily-queue helpers (SPEC §4 今日队列; SPEC §3 overdue and same-customer grouping).

Order: priority-0 items (low-score follow-ups, complaints) first, then overdue, then by
deadline (the exact moment for hour deadlines, end of day for date deadlines).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from operator import attrgetter
from typing import TypeVar

from .calendar import WorkCalendar
from .status import is_overdue

FOLLOWUP_PRIORITY = 0  # priorities <= this form the "first" band
T = TypeVar("T")


def deadline_moment(deadline_on: date, deadline_at: datetime | None) -> datetime:
    """The last moment a callback may be done: deadline_at, else the end of deadline_on."""
    return deadline_at if deadline_at is not None else datetime.combine(deadline_on, time.max)


def sort_key(priority: int, overdue: bool, deadline_on: date, deadline_at: datetime | None,
             number: str) -> tuple:
    """Sort key for the daily queue (SPEC §4)."""
    return (priority > FOLLOWUP_PRIORITY, not overdue, deadline_moment(deadline_on, deadline_at),
            priority, number)


@dataclass(frozen=True, slots=True)
class Countdown:
    """Data for a "剩2天 / 剩5小时 / 逾期1天" cell.

    Date deadlines set ``working_days`` (left: working days in (today, deadline], 0 = due
    today; overdue: working days past the deadline, at least 1).  Hour deadlines set
    ``hours`` (left, or elapsed past the deadline when overdue).
    """

    working_days: int | None
    hours: float | None
    overdue: bool


def countdown(deadline_on: date, deadline_at: datetime | None, now: datetime,
              cal: WorkCalendar) -> Countdown:
    overdue = is_overdue(deadline_on, deadline_at, now)
    if deadline_at is not None:
        return Countdown(None, abs((deadline_at - now).total_seconds()) / 3600, overdue)
    today = now.date()
    if overdue:
        return Countdown(max(1, cal.count_working_days(deadline_on, today)), None, True)
    return Countdown(cal.count_working_days(today, deadline_on), None, False)


def group_same_customer(items: Iterable[T],
                        key: Callable[[T], Hashable] = attrgetter("customer_id")) -> list[list[T]]:
    """Group one day's open items by customer, keeping the order of each group's first item.

    SPEC §3: two open callbacks for the same customer on the same day are one call.
    """
    groups: dict[Hashable, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return list(groups.values())


@dataclass(slots=True)
class QueueRow:
    id: int
    number: str
    kind: str
    customer_id: int
    customer: str
    tier: str
    contact: str
    phone_masked: str
    due_on: date
    deadline_on: date
    deadline_at: datetime | None
    overdue: bool
    attempts: int
    status: str
    agent: str | None
    assignee: str
    priority: int
    estimated: bool
    next_attempt_at: datetime | None
    claimed_by: str | None
    group: int = 0  # rows of one customer on one day share a group number (one call)
    draft: bool = False  # the reader has a saved draft of this call (the queue's ✎)
    tried_today: bool = False  # the queue's login tried it today (the 已尝试 filter)
    in_queue: bool = True  # False: tried today and since gone from the queue (closed, or moved to a later day)
    last_attempt_at: datetime | None = None  # the newest attempt (a request's mark gives way to it)

    @property
    def deadline_iso(self) -> str:
        return self.deadline_at.isoformat(timespec="minutes") if self.deadline_at else self.deadline_on.isoformat()

    def as_json(self) -> dict:
        return {
            "number": self.number, "kind": self.kind, "customer": self.customer,
            "contact": self.contact, "phone": self.phone_masked, "due_on": self.due_on.isoformat(),
            "deadline": self.deadline_iso, "overdue": self.overdue, "attempts": self.attempts,
            "status": self.status, "agent": self.agent, "assignee": self.assignee,
            "priority": self.priority, "estimated": self.estimated,
            "next_attempt_at": self.next_attempt_at.isoformat(timespec="minutes") if self.next_attempt_at else None,
        }


@dataclass(slots=True)
class Progress:
    """The queue header, counted as the board counts: ``DayFigures`` (due, attempted, done, left,
    deferred; issue 25 item 1) of this login; overdue = of the login's open callbacks due by
    today, past their deadline. Pool items are counted apart (they never block a day close)."""

    done_today: int
    due_today: int
    overdue: int
    unreachable: int = 0  # supervisors only: callbacks that ran out of attempts this week (alert)
    pool: int = 0  # unassigned items in this queue, due by today
    attempted: int = 0
    left: int = 0
    deferred: int = 0

    @classmethod
    def of(cls, f: DayFigures, overdue: int, unreachable: int = 0, pool: int = 0) -> Progress:
        return cls(done_today=f.done, due_today=f.due, overdue=overdue, unreachable=unreachable, pool=pool,
                   attempted=f.attempted, left=f.left, deferred=f.deferred)

    @property
    def figures(self) -> DayFigures:
        return DayFigures(self.due_today, self.attempted, self.done_today, self.left, self.deferred)


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One login's day (issue 25 item 1), the one definition every door shows:

    - ``due``: what was due that day — the login's open callbacks due by the day, plus every
      callback the login tried that day and every callback of theirs put off that day, whatever
      became of it (a 改约, a retry moved to a later day, 拒访, 无法联系 and a completion stay in);
    - ``attempted``: the callbacks the login tried that day (at least one attempt, any outcome);
    - ``done``: of those, completed that day by the login's completing attempt;
    - ``left``: the login's open callbacks due by the day that were neither tried by them nor put
      off that day — what still stands in the way of the day close;
    - ``deferred``: put off that day without being tried (handled, so not left).

    ``due = attempted + deferred + left`` always; ``done <= attempted``.
    """

    due: int = 0
    attempted: int = 0
    done: int = 0
    left: int = 0
    deferred: int = 0

    def message(self) -> tuple[str, dict[str, int]]:
        """The catalog line every door says these figures with, and its values: "应办 18 · 已尝试 3
        · 已完成 2 · 剩余 15" (dayfig.line), with 已推迟 when something was put off."""
        key = "dayfig.line_deferred" if self.deferred else "dayfig.line"
        return key, {"due": self.due, "attempted": self.attempted, "done": self.done, "left": self.left,
                     "deferred": self.deferred}


def day_figures(login: str, day: date, open_due: int, attempts: Iterable[tuple], deferrals: Iterable[tuple],
                open_states: Iterable[str]) -> tuple[DayFigures, frozenset, frozenset]:
    """``DayFigures`` of ``login`` on ``day`` from what the store holds, and the ids tried and
    put off (the queue's 已尝试 filter, the day close):

    - ``open_due``: how many open callbacks of the login are due by the day (now, or as they
      stood at the day's end);
    - ``attempts``: the login's attempts of the day as (callback id, outcome, the callback's
      status, completed_at, agent_login, due_on);
    - ``deferrals``: the login's callbacks put off that day as (id, status, agent_login, due_on).

    A callback tried or put off still counts in ``open_due`` when it is still open, the login's
    and due by the day (say, busy: tried again later today); that is how ``left`` leaves it out
    and ``due`` counts it once."""
    states = frozenset(open_states)
    start, end = datetime.combine(day, time.min), datetime.combine(day, time.max)

    def queued(status: str, agent: str | None, due_on: date | None) -> bool:
        return status in states and agent == login and due_on is not None and due_on <= day

    tried: dict[int, bool] = {}
    done: set[int] = set()
    for cid, outcome, status, completed_at, agent, due_on in attempts:
        tried[cid] = queued(status, agent, due_on)
        if outcome == "completed" and status == "completed" and completed_at is not None and start <= completed_at <= end:
            done.add(cid)
    put_off = {cid: queued(status, agent, due_on) for cid, status, agent, due_on in deferrals}
    handled = {**put_off, **tried}
    in_queue = sum(1 for q in handled.values() if q)
    left = max(0, open_due - in_queue)
    deferred = len(set(put_off) - set(tried))
    figures = DayFigures(due=left + len(handled), attempted=len(tried), done=len(done), left=left, deferred=deferred)
    return figures, frozenset(tried), frozenset(put_off)


ALERT_DAYS = 7  # how long an unreachable callback stays in the supervisor's alert count

# Unassigned callbacks each role works besides the agents' shared pool (assignee values).
ROLE_QUEUES = {"agent": ("agent",), "supervisor": ("agent", "supervisor", "followup"),
               "admin": ("agent", "supervisor", "followup"), "sales_manager": ("sales_manager",)}


def order_queue(rows: list[QueueRow]) -> None:
    """SPEC §4 order (follow-ups and complaints, overdue, deadline), then one customer's items
    side by side, as one call (SPEC §3). In place; numbers each row's group."""
    rows.sort(key=lambda r: sort_key(r.priority, r.overdue, r.deadline_on, r.deadline_at, r.number))
    groups = group_same_customer(rows)
    rows[:] = [r for g in groups for r in g]
    for i, g in enumerate(groups):
        for r in g:
            r.group = i
