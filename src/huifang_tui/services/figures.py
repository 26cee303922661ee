"""The day's figures per login: due, attempted, done, left, overdue, unreachable, day closed.

The one definition the board, the queue header, `t` (my calls today) and the day close read
(SPEC §4; issue 12; issue 25 item 1). Due, attempted, done and left are
``domain.queue.day_figures`` (its docstring says what each one is); here they are read:

- the login's open callbacks due by D (now, or as they stood at the end of a past D);
- the login's attempts dated D, with their callbacks (ix_call_attempt_agent_at);
- the login's callbacks put off on D (``deferred_on``; ix_callback_agent_updated), and those the
  login asked a supervisor about on D (``supervisor_request``, pending or answered): asking is
  handling it, so it counts as put off — it neither blocks the day close nor leaves 应办.

Besides: ``overdue``: of the open callbacks due by D, past their deadline (at now for today, at the
end of D for a past day); ``unreachable``: A's callbacks that became unreachable on D (their
last attempt is dated D); ``day_closed``: A closed D (日清日结).

The board's ``_pool`` row holds the open unassigned work (``agent_login`` NULL) due by D. A pool
item a login completes becomes theirs; one a login tries counts in that login's due and
attempted. The pool's ``done`` is therefore always 0. Pool items never block an agent's day close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Integer, and_, bindparam, func, or_, text, type_coerce
from sqlmodel import Session, select

from ..domain.board import judge_moment
from ..domain.queue import DayFigures, day_figures
from ..domain.status import OPEN_STATES, OVERDUE_PARAMS, overdue_args, overdue_sql
from ..domain.words import CALLBACK_STATUSES
from ..store import queries
from ..store.models import CallAttempt, Callback, DayClose, SupervisorRequest


@dataclass
class Figures:
    """``DayFigures`` plus overdue, unreachable and the day close. ``remaining`` is the day's
    *left* (its JSON key since issue 12)."""

    due: int = 0
    done: int = 0
    remaining: int = 0
    overdue: int = 0
    unreachable: int = 0
    day_closed: bool | None = False
    attempted: int = 0
    deferred: int = 0

    @property
    def left(self) -> int:
        return self.remaining

    @classmethod
    def of(cls, f: DayFigures, overdue: int, unreachable: int, day_closed: bool | None) -> Figures:
        return cls(f.due, f.done, f.left, overdue, unreachable, day_closed, f.attempted, f.deferred)

    @property
    def day(self) -> DayFigures:
        return DayFigures(self.due, self.attempted, self.done, self.remaining, self.deferred)

    def as_json(self) -> dict:
        return {"due": self.due, "attempted": self.attempted, "done": self.done, "remaining": self.remaining,
                "deferred": self.deferred, "overdue": self.overdue, "unreachable": self.unreachable,
                "day_closed": self.day_closed}


@dataclass(frozen=True)
class DayWork:
    """One login's day read once: the figures, and which callbacks were tried and put off."""

    figures: Figures
    tried: frozenset
    deferred: frozenset


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


def _attempt_rows(s: Session, day: date, login: str | None = None):  # noqa: ANN202
    """(attempting login, callback id, outcome, status, completed_at, agent_login, due_on) of the
    day's attempts: one login's (ix_call_attempt_agent_at, ``queries.tried_by``), or everyone's."""
    start, end = day_bounds(day)
    q = (select(CallAttempt.agent_login, CallAttempt.callback_id, CallAttempt.outcome, Callback.status,
                Callback.completed_at, Callback.agent_login, Callback.due_on)
         .join(Callback, Callback.id == CallAttempt.callback_id))
    if login is not None:
        cols = CallAttempt.__table__.c
        q = q.where(text(queries.tried_by("call_attempt")).bindparams(
            bindparam("login", login), bindparam("start", start, type_=cols.at.type),
            bindparam("end", end, type_=cols.at.type)))
    else:
        q = q.where(CallAttempt.at >= start, CallAttempt.at <= end)
    return s.exec(q).all()


def _deferral_rows(s: Session, day: date, login: str | None = None):  # noqa: ANN202
    """(agent_login, id, status, agent_login, due_on) of the callbacks put off on ``day``: one
    login's (``queries.deferred_by``), or everyone's (through ix_callback_status_updated)."""
    start, _ = day_bounds(day)
    q = select(Callback.agent_login, Callback.id, Callback.status, Callback.agent_login, Callback.due_on)
    if login is not None:
        cols = Callback.__table__.c
        return s.exec(q.where(text(queries.deferred_by("callback")).bindparams(
            bindparam("login", login), bindparam("start", start, type_=cols.updated_at.type),
            bindparam("day", day, type_=cols.deferred_on.type)))).all()
    return s.exec(q.where(Callback.status.in_(CALLBACK_STATUSES), Callback.updated_at >= start,
                          Callback.deferred_on == day)).all()


def _request_rows(s: Session, day: date, login: str | None = None):  # noqa: ANN202
    """(requested_by, callback id, status, agent_login, due_on) of the callbacks a login asked a
    supervisor about on ``day`` (any state: pending or answered); one login's
    (ix_supervisor_request_by), or everyone's (ix_supervisor_request_state is by state, so by time)."""
    start, end = day_bounds(day)
    q = (select(SupervisorRequest.requested_by, Callback.id, Callback.status, Callback.agent_login, Callback.due_on)
         .join(Callback, Callback.id == SupervisorRequest.callback_id)
         .where(SupervisorRequest.requested_at >= start, SupervisorRequest.requested_at <= end))
    if login is not None:
        q = q.where(SupervisorRequest.requested_by == login)
    return s.exec(q).all()


def figures_by_login(s: Session, day: date, open_due: dict[str | None, tuple[int, int]],
                     unreachable: dict[str | None, int], closed: set[str], states: dict | None = None,
                     ) -> dict[str, Figures]:
    """Every login's ``Figures`` for ``day`` (the board) from ``open_due`` (login → open due by D,
    of which overdue; ``remaining_by_login`` or ``past_day_by_login``). ``states``: for a past
    day, the callbacks as they stood at its end (``past_day_states``), which decide whether a
    callback tried or put off that day was still in the login's queue then."""
    def then(cid: int, status: str, agent: str | None, due_on: date) -> tuple:
        was = states.get(cid) if states is not None else None
        return (status, agent, due_on) if was is None else (was.status, was.agent_login, was.due_on)

    attempts: dict[str, list] = {}
    for login, cid, outcome, status, completed_at, agent, due_on in _attempt_rows(s, day):
        st, ag, du = then(cid, status, agent, due_on)
        attempts.setdefault(login, []).append((cid, outcome, st, completed_at if status == "completed" else None, ag, du))
    deferrals: dict[str, list] = {}
    for login, cid, status, agent, due_on in [*_deferral_rows(s, day), *_request_rows(s, day)]:
        if login is not None:
            deferrals.setdefault(login, []).append((cid, *then(cid, status, agent, due_on)))
    out = {}
    for login in {*attempts, *deferrals, *(k for k in open_due if k is not None)}:
        n, over = open_due.get(login, (0, 0))
        f, _, _ = day_figures(login, day, n, attempts.get(login, ()), deferrals.get(login, ()), OPEN_STATES)
        out[login] = Figures.of(f, over, unreachable.get(login, 0), login in closed)
    return out


def login_work(s: Session, login: str, day: date, now: datetime) -> DayWork:
    """One login's day (the queue header, `t`, the day close), read through indexes bounded by
    the login (the agent's start path)."""
    judge = judge_moment(day, now)
    open_due, overdue = remaining_by_login(s, day, judge, [login]).get(login, (0, 0))
    attempts = [row[1:] for row in _attempt_rows(s, day, login)]
    deferrals = [row[1:] for row in [*_deferral_rows(s, day, login), *_request_rows(s, day, login)]]
    f, tried, deferred = day_figures(login, day, open_due, attempts, deferrals, OPEN_STATES)
    unreachable = unreachable_by_login(s, day, [login]).get(login, 0)
    closed = s.exec(select(DayClose.id).where(DayClose.login == login, DayClose.day == day)).first() is not None
    return DayWork(Figures.of(f, overdue, unreachable, closed), tried, deferred)


def login_figures(s: Session, login: str, day: date, now: datetime) -> Figures:
    """One login's figures (the queue header and the day close read these)."""
    return login_work(s, login, day, now).figures


def my_day(store, actor, day: date | None = None) -> Figures:  # noqa: ANN001
    """The acting user's figures for ``day`` (default today): `t` (my calls today)."""
    from .base import acting

    day = day or store.today()
    now = store.now()
    with store.read() as s:
        acting(s, actor)
        return login_figures(s, actor.login, day, now)

