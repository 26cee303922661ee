"""The day's figures per login: done, remaining, due, overdue, unreachable, day closed.

The one definition the board, the queue header and the day close read (SPEC §4; issue 12).
Figures for login A and day D:

- ``done``: callbacks whose completing attempt is A's and dated D;
- ``remaining``: open callbacks assigned to A with ``due_on`` <= D;
- ``due`` = ``done + remaining``;
- ``overdue``: of ``remaining``, past their deadline (at now for today, at the end of D for a
  past day);
- ``unreachable``: A's callbacks that became unreachable on D (their last attempt is dated D);
- ``day_closed``: A closed D (日清日结).

The board's ``_pool`` row holds the same figures for unassigned work (``agent_login`` NULL). A
pool item a login completes becomes theirs, so it counts in that login's ``done``; the pool's
``done`` is therefore always 0. Pool items never block an agent's day close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Integer, and_, bindparam, func, or_, text, type_coerce
from sqlmodel import Session, select

from ..domain.board import judge_moment
from ..domain.status import OPEN_STATES, OVERDUE_PARAMS, overdue_args, overdue_sql
from ..store.models import CallAttempt, Callback, DayClose


@dataclass
class Figures:
    due: int = 0
    done: int = 0
    remaining: int = 0
    overdue: int = 0
    unreachable: int = 0
    day_closed: bool | None = False

    def as_json(self) -> dict:
        return {"due": self.due, "done": self.done, "remaining": self.remaining, "overdue": self.overdue,
                "unreachable": self.unreachable, "day_closed": self.day_closed}


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first and the last moment of ``day``."""
    return datetime.combine(day, time.min), datetime.combine(day, time.max)


def overdue_expr(judge: datetime):  # noqa: ANN201
    """SQL: 1 when past the deadline at ``judge``, else 0 (``domain.status.overdue_sql``, the
    one definition the first paint's SQL is built from too)."""
    cols = Callback.__table__.c
    args = overdue_args(judge)
    types = {"overdue_at": cols.deadline_at.type, "overdue_day": cols.deadline_on.type}
    expr = text(overdue_sql(str(cols.deadline_on), str(cols.deadline_at)))
    return type_coerce(expr.bindparams(*(bindparam(n, args[n], type_=types[n]) for n in OVERDUE_PARAMS)), Integer)


def done_by_login(s: Session, day: date, logins: list[str] | None = None) -> dict[str, tuple[int, float | None, float | None]]:
    """login → (completed on ``day`` by that login's completing attempt, avg resolution, avg attitude)."""
    start, end = day_bounds(day)
    q = (
        select(CallAttempt.agent_login, func.count(func.distinct(Callback.id)),
               func.avg(Callback.score_resolution), func.avg(Callback.score_attitude))
        .join(Callback, Callback.id == CallAttempt.callback_id)
        .where(Callback.status == "completed", Callback.completed_at >= start, Callback.completed_at <= end,
               CallAttempt.outcome == "completed", CallAttempt.at >= start, CallAttempt.at <= end)
        .group_by(CallAttempt.agent_login)
    )
    if logins is not None:
        q = q.where(CallAttempt.agent_login.in_(logins))
    return {login: (n, r, a) for login, n, r, a in s.exec(q)}


def remaining_by_login(s: Session, day: date, judge: datetime, logins: list[str] | None = None) -> dict[str | None, tuple[int, int]]:
    """login (None = pool) → (open callbacks due by ``day``, of which overdue at ``judge``)."""
    q = (
        select(Callback.agent_login, func.count(), func.sum(overdue_expr(judge)))
        .where(Callback.status.in_(OPEN_STATES), Callback.due_on <= day)
        .group_by(Callback.agent_login)
    )
    if logins is not None:
        q = q.where(Callback.agent_login.in_(logins))
    return {login: (n, int(o or 0)) for login, n, o in s.exec(q)}


def unreachable_by_login(s: Session, day: date, logins: list[str] | None = None) -> dict[str | None, int]:
    """login (None = pool) → callbacks that became unreachable on ``day`` (last attempt dated D)."""
    start, end = day_bounds(day)
    sub = (
        select(Callback.id.label("id"), Callback.agent_login.label("login"), func.max(CallAttempt.at).label("last"))
        .join(CallAttempt, CallAttempt.callback_id == Callback.id)
        .where(Callback.updated_at >= start)
    )
    if logins is None:
        sub = sub.where(Callback.status == "unreachable")
    else:
        # These logins' callbacks touched today (ix_callback_agent_updated), never every callback
        # of the centre that became unreachable today: ``status || ''`` keeps SQLite off
        # ix_callback_status_updated for this one.
        sub = sub.where(Callback.agent_login.in_(logins), (Callback.status + "") == "unreachable")
    sub = sub.group_by(Callback.id, Callback.agent_login).subquery()
    q = select(sub.c.login, func.count()).where(sub.c.last >= start, sub.c.last <= end).group_by(sub.c.login)
    return {login: n for login, n in s.exec(q)}


def past_day_states(s: Session, day: date) -> dict:
    """callback id → its state at the end of a past *day* (``report.states_at``), for the
    callbacks that may have been open then or were tried that day."""
    from .report import states_at

    start, end = day_bounds(day)
    ids = set(s.exec(select(Callback.id).where(
        Callback.planned_due_on <= day,
        or_(Callback.status.in_(OPEN_STATES),  # open now; or closed since: completed, else its row changed
            and_(Callback.status == "completed", Callback.completed_at > end),
            and_(Callback.status.notin_((*OPEN_STATES, "completed")), Callback.updated_at > end)))).all())
    ids |= set(s.exec(select(CallAttempt.callback_id).where(CallAttempt.at >= start, CallAttempt.at <= end)).all())
    return states_at(s, sorted(ids), end)


def past_day_by_login(s: Session, day: date, judge: datetime, states: dict | None = None
                      ) -> tuple[dict[str | None, tuple[int, int]], dict[str | None, int]]:
    """A past day as it stood at its end, from the stated timeline (``board --date``; issue 23
    item 6): login (None = pool) → (open callbacks due by ``day``, of which overdue at
    ``judge``), and → callbacks that became unreachable on ``day``. Work completed, refused or
    given up later was still open then; a 改约 or a retry stated later had not moved it yet."""
    from ..domain.status import is_overdue

    start, _ = day_bounds(day)
    remaining: dict[str | None, list[int]] = {}
    unreachable: dict[str | None, int] = {}
    for then in (states if states is not None else past_day_states(s, day)).values():
        login = then.agent_login
        if then.status in OPEN_STATES and then.due_on is not None and then.due_on <= day:
            n = remaining.setdefault(login, [0, 0])
            n[0] += 1
            n[1] += bool(then.deadline and is_overdue(*then.deadline, judge))
        elif then.status == "unreachable" and then.last_attempt_at is not None and then.last_attempt_at >= start:
            unreachable[login] = unreachable.get(login, 0) + 1
    return {k: (a, b) for k, (a, b) in remaining.items()}, unreachable


def login_figures(s: Session, login: str, day: date, now: datetime) -> Figures:
    """One login's figures (the queue header and the day close read these)."""
    judge = judge_moment(day, now)
    done = done_by_login(s, day, [login]).get(login, (0, None, None))[0]
    remaining, overdue = remaining_by_login(s, day, judge, [login]).get(login, (0, 0))
    unreachable = unreachable_by_login(s, day, [login]).get(login, 0)
    closed = s.exec(select(DayClose.id).where(DayClose.login == login, DayClose.day == day)).first() is not None
    return Figures(done + remaining, done, remaining, overdue, unreachable, closed)
