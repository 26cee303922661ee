"""主管看板 — the supervisor board (SPEC §4; issue 12): each agent's figures for a day, the pool,
the alerts, and the supervisor's actions on them (reassign).

Figures for login A and day D (the one definition the queue header and the day close use too):

- ``done``: callbacks whose completing attempt is A's and dated D;
- ``remaining``: open callbacks assigned to A with ``due_on`` <= D;
- ``due`` = ``done + remaining``;
- ``overdue``: of ``remaining``, past their deadline (at now for today, at the end of D for a
  past day);
- ``unreachable``: A's callbacks that became unreachable on D (their last attempt is dated D);
- ``day_closed``: A closed D (日清日结).

``_pool`` holds the same figures for unassigned work (``agent_login`` NULL). A pool item a
login completes becomes theirs, so it counts in that login's ``done``; the pool's ``done`` is
therefore always 0. Pool items never block an agent's day close.

Alerts are produced by small functions registered in ``ALERT_SOURCES``; each takes the read
session and the ``BoardContext`` and returns ``Alert`` rows. Add a kind by adding a function.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Integer, and_, bindparam, func, or_, text, type_coerce
from sqlmodel import Session, select

from ..domain import queue as dq
from ..domain.policy import Policy
from ..domain.status import OPEN_STATES, OVERDUE_PARAMS, overdue_args, overdue_sql
from ..domain.board import (
    DEFAULT_WORK_HOURS,
    judge_moment,
    overdue_since,
    projected_completion,
)
from ..domain.limits import DiskReading, disk_low
from ..domain.masking import mask_phone
from ..core.i18n import t
from ..domain.queue import ALERT_DAYS
from ..store import db
from ..store.claims import claim_alive
from ..store.models import (
    AuditEntry,
    CallAttempt,
    Callback,
    Customer,
    DayClose,
    Issue,
    User,
)
from .base import Actor, NotFound, ServiceError, Store, audit, denied, require
from .calls import claim_conflict

POOL = "_pool"


# -- figures ---------------------------------------------------------------------------


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


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    return datetime.combine(day, time.min), datetime.combine(day, time.max)


def _overdue_expr(judge: datetime):
    """SQL: 1 when past the deadline at ``judge``, else 0 (``domain.status.overdue_sql``, the
    one definition the first paint's SQL is built from too)."""
    cols = Callback.__table__.c
    args = overdue_args(judge)
    types = {"overdue_at": cols.deadline_at.type, "overdue_day": cols.deadline_on.type}
    expr = text(overdue_sql(str(cols.deadline_on), str(cols.deadline_at)))
    return type_coerce(expr.bindparams(*(bindparam(n, args[n], type_=types[n]) for n in OVERDUE_PARAMS)), Integer)


def done_by_login(s: Session, day: date, logins: list[str] | None = None) -> dict[str, tuple[int, float | None, float | None]]:
    """login → (completed on ``day`` by that login's completing attempt, avg resolution, avg attitude)."""
    start, end = _day_bounds(day)
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
        select(Callback.agent_login, func.count(), func.sum(_overdue_expr(judge)))
        .where(Callback.status.in_(OPEN_STATES), Callback.due_on <= day)
        .group_by(Callback.agent_login)
    )
    if logins is not None:
        q = q.where(Callback.agent_login.in_(logins))
    return {login: (n, int(o or 0)) for login, n, o in s.exec(q)}


def unreachable_by_login(s: Session, day: date, logins: list[str] | None = None) -> dict[str | None, int]:
    """login (None = pool) → callbacks that became unreachable on ``day`` (last attempt dated D)."""
    start, end = _day_bounds(day)
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

    start, end = _day_bounds(day)
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

    start, _ = _day_bounds(day)
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


# -- alerts ----------------------------------------------------------------------------


@dataclass
class Alert:
    kind: str
    number: str
    customer: str
    agent: str | None
    since: datetime
    until: datetime | None = None  # a countdown's end (low-score follow-up: 24 h)
    detail: str = ""
    data: dict | None = None  # what an alert about no callback or issue says (disk_low: the bytes)

    def as_json(self) -> dict:
        out = {"kind": self.kind, "number": self.number, "customer": self.customer, "agent": self.agent,
               "since": self.since.isoformat(timespec="seconds")}
        if self.detail:
            out["detail"] = self.detail
        if self.data:
            out.update(self.data)
        return out


@dataclass
class BoardContext:
    day: date
    now: datetime
    judge: datetime
    policy: object = None
    calendar: object = None
    store_dir: str | None = None  # the SQLite store's directory (None: PostgreSQL)
    then: dict | None = None  # a past day: each callback's state at its end (``past_day_states``)


def _open_then(s: Session, ctx: BoardContext, keep: Callable[[object], bool]) -> list[tuple[Callback, str]] | None:
    """A past day's callback alerts from the callbacks open at its end that *keep* says; None
    for today (the sources read the callbacks as they are)."""
    if ctx.then is None:
        return None
    ids = [cid for cid, x in ctx.then.items() if x.status in OPEN_STATES and x.deadline and keep(x)]
    return [cb for i in range(0, len(ids), 400) for cb in s.exec(
        select(Callback, Customer.name).join(Customer, Customer.id == Callback.customer_id)
        .where(Callback.id.in_(ids[i:i + 400])))]


AlertSource = Callable[[Session, BoardContext], list[Alert]]


def _cb_alerts(s: Session, kind: str, q, since: Callable[[Callback], datetime],
               until: Callable[[Callback], datetime | None] = lambda cb: None) -> list[Alert]:
    out = []
    for cb, name in s.exec(q.join(Customer, Customer.id == Callback.customer_id)):
        out.append(Alert(kind, cb.number, name, cb.agent_login, since(cb), until(cb)))
    return out


def alerts_overdue(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open callbacks past their deadline (SPEC §3: overdue escalates to the supervisor)."""
    from ..domain.status import is_overdue

    then = _open_then(s, ctx, lambda x: is_overdue(*x.deadline, ctx.judge))
    if then is not None:  # a past day: open at its end and overdue then
        return [Alert("overdue", cb.number, name, cb.agent_login, overdue_since(cb.deadline_on, cb.deadline_at))
                for cb, name in then]
    q = select(Callback, Customer.name).where(Callback.status.in_(OPEN_STATES), _overdue_expr(ctx.judge) == 1)
    return _cb_alerts(s, "overdue", q, lambda cb: overdue_since(cb.deadline_on, cb.deadline_at))


def alerts_low_score_followup(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open low-score follow-ups with their 24 h countdown (003 四)."""
    q = select(Callback, Customer.name).where(Callback.status.in_(OPEN_STATES), Callback.kind == "low_score",
                                              Callback.created_at <= ctx.judge)
    return _cb_alerts(s, "low_score_followup", q, lambda cb: cb.created_at,
                      lambda cb: dq.deadline_moment(cb.deadline_on, cb.deadline_at))


def alerts_low_score(s: Session, ctx: BoardContext) -> list[Alert]:
    """Any score under the policy's low-score threshold recorded on the day, from the moment it
    is recorded (``domain.follow_up.is_low_score``)."""
    start, _ = _day_bounds(ctx.day)
    threshold = (ctx.policy or Policy()).low_score_threshold
    q = select(Callback, Customer.name).where(
        Callback.status == "completed", Callback.completed_at >= start, Callback.completed_at <= ctx.judge,
        or_(Callback.score_resolution < threshold, Callback.score_attitude < threshold))
    return _cb_alerts(s, "low_score", q, lambda cb: cb.completed_at)


def alerts_unreachable(s: Session, ctx: BoardContext) -> list[Alert]:
    """Customers who could not be reached within max_attempts (last ALERT_DAYS days)."""
    start = datetime.combine(ctx.day - timedelta(days=ALERT_DAYS), time.min)
    found = list(s.exec(select(Callback, Customer.name).join(Customer, Customer.id == Callback.customer_id)
                        .where(Callback.status == "unreachable", Callback.updated_at >= start)))
    last = _last_attempts(s, [cb.id for cb, _ in found])
    return [Alert("unreachable", cb.number, name, cb.agent_login, last[cb.id]) for cb, name in found
            if cb.id in last and start <= last[cb.id] <= ctx.judge]


def _last_attempts(s: Session, ids: list[int]) -> dict[int, datetime]:
    """callback id → its last attempt (by the callback_id index, a few ids at a time)."""
    out: dict[int, datetime] = {}
    for i in range(0, len(ids), 400):
        q = (select(CallAttempt.callback_id, func.max(CallAttempt.at))
             .where(CallAttempt.callback_id.in_(ids[i:i + 400])).group_by(CallAttempt.callback_id))
        out.update(dict(s.exec(q).all()))
    return out


def alerts_complaint(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open complaints (投诉: level 2 at once, 000 §4.11)."""
    if ctx.then is not None:  # a past day: open at its end
        return [Alert("complaint", v.issue.number, v.customer, v.issue.owner_login or v.issue.raised_by,
                      v.issue.raised_at) for v in _open_issue_views(s, ctx) if v.issue.is_complaint]
    q = (select(Issue, Customer.name).join(Customer, Customer.id == Issue.customer_id)
         .where(Issue.is_complaint.is_(True), Issue.status != "closed", Issue.raised_at <= ctx.judge))
    return [Alert("complaint", i.number, name, i.owner_login or i.raised_by, i.raised_at) for i, name in s.exec(q)]


def alerts_disabled_owner(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open work still assigned to a login that has been disabled: it needs reassigning."""
    q = (select(Callback, Customer.name, User.login)
         .join(User, User.login == Callback.agent_login)
         .join(Customer, Customer.id == Callback.customer_id)
         .where(User.active.is_(False), Callback.status.in_(OPEN_STATES)))
    rows = list(s.exec(q))
    since: dict[str, datetime] = {}
    for login in {u for _, _, u in rows}:
        at = s.exec(select(func.max(AuditEntry.at)).where(AuditEntry.entity == "user",
                                                          AuditEntry.entity_id == login)).one()
        user = s.exec(select(User).where(User.login == login)).one()
        since[login] = at or user.created_at
    return [Alert("disabled_owner", cb.number, name, login, since[login]) for cb, name, login in rows]


def alerts_stale(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open work more than ``stale_days`` (policy) past its deadline: to be lapsed (SPEC §7)."""
    days = int(getattr(ctx.policy, "stale_days", 30))
    limit = ctx.judge.date() - timedelta(days=days)
    then = _open_then(s, ctx, lambda x: x.deadline[0] < limit)
    if then is not None:  # a past day: open at its end
        return [Alert("stale", cb.number, name, cb.agent_login,
                      datetime.combine(cb.deadline_on + timedelta(days=days + 1), time.min)) for cb, name in then]
    q = select(Callback, Customer.name).where(Callback.status.in_(OPEN_STATES), Callback.deadline_on < limit)
    return _cb_alerts(s, "stale", q, lambda cb: datetime.combine(cb.deadline_on + timedelta(days=days + 1), time.min))


def _open_issue_views(s: Session, ctx: BoardContext) -> list:
    """Open issues judged at the board's moment (SPEC §3 deadlines, waiting, escalation)."""
    from .issues import _views

    if ctx.then is not None:  # a past day: the issues raised by its end as they stood then
        issues = list(s.exec(select(Issue).where(Issue.raised_at <= ctx.judge)))
        if not issues or ctx.policy is None or ctx.calendar is None:
            return []
        return [v for v in _views(s, issues, ctx.judge, ctx.policy, ctx.calendar, as_of=True)
                if v.state.status != "closed"]
    issues = list(s.exec(select(Issue).where(Issue.status != "closed", Issue.raised_at <= ctx.judge)))
    if not issues or ctx.policy is None or ctx.calendar is None:
        return []
    return _views(s, issues, ctx.judge, ctx.policy, ctx.calendar)


def alerts_issue_escalated(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open issues above level 0 (部门负责人 / 总经理); since = when the first deadline was
    missed (a complaint: when it was raised)."""
    out = []
    for v in _open_issue_views(s, ctx):
        if v.state.level > 0 and not v.issue.is_complaint:
            since = v.state.escalations[0].at if v.state.escalations else v.issue.raised_at
            out.append(Alert("issue_escalated", v.issue.number, v.customer,
                             v.issue.owner_login or v.issue.raised_by, since))
    return out


def alerts_issue_at_risk(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open issues with 75 % or more of the time to a deadline used (not yet escalated);
    since = the 75 % moment of the deadline still outstanding, in clock time."""
    from ..domain.issues import solve_deadline_passes

    out = []
    for v in _open_issue_views(s, ctx):
        st = v.state
        if not st.at_risk or st.level > 0:
            continue
        start = v.issue.raised_at
        deadline = st.ack_by if st.acknowledged_at is None else solve_deadline_passes(st.solve_by)
        since = start + (deadline - start) * 0.75 if deadline > start else start
        out.append(Alert("issue_at_risk", v.issue.number, v.customer, v.issue.owner_login or v.issue.raised_by,
                         min(since, ctx.judge).replace(microsecond=0)))
    return out


def alerts_summary_due(s: Session, ctx: BoardContext) -> list[Alert]:
    """The monthly 回访汇总表 of the last finished (or finishing) month, from its last working day
    until the supervisor approves it (000 §4.9: by the 2nd of the next month)."""
    from ..domain.summary import summary_due
    from .report import AMENDING, APPROVED, month_status

    if ctx.calendar is None:
        return []
    out = []
    first = ctx.day.replace(day=1)
    for year, month in ((first.year, first.month), ((first - timedelta(days=1)).year, (first - timedelta(days=1)).month)):
        key = f"{year:04d}-{month:02d}"
        due = summary_due(year, month, ctx.calendar, ctx.policy)
        st = month_status(s, key)
        if due.visible_from <= ctx.day and st.state != APPROVED:  # open, or amending (issue 22 §1)
            # the state, the version and the day it was approved (80 columns; --json has the
            # moment); the approver is the alert's person, shown by name
            detail = (t("report.status_amending_alert", version=st.version, at=f"{st.approved_at:%m-%d}")
                      if st.state == AMENDING and st.approved_at else t(f"report.month_state.{st.state}"))
            out.append(Alert("summary_due", key, "", st.approved_by, datetime.combine(due.visible_from, time.min),
                             detail=detail, data=st.as_json()))
    return out


def statvfs(path: str) -> os.statvfs_result:
    """The filesystem reading the disk alert uses (a test replaces it)."""
    return os.statvfs(path)


def disk_reading(path: str) -> DiskReading | None:
    try:
        st = statvfs(path)
    except OSError:
        return None
    return DiskReading(st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize)


def size_text(n: int) -> str:
    """Bytes as people read them: 850 MB, 3.2 GB."""
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    return f"{n // 1024**2} MB"


def alerts_disk_low(s: Session, ctx: BoardContext) -> list[Alert]:
    """The store's filesystem has less than 10 % or 1 GB free (``domain.limits``): a full disk
    stops every write of the centre. SQLite only (PostgreSQL's disk is its server's)."""
    if ctx.store_dir is None or ctx.day != ctx.now.date():
        return []
    reading = disk_reading(ctx.store_dir)
    if reading is None or not disk_low(reading):
        return []
    detail = t("board.disk.detail", free=size_text(reading.free_bytes), pct=f"{reading.free_ratio * 100:.0f}")
    return [Alert("disk_low", "", "", None, ctx.now, detail=detail, data={
        "free_bytes": reading.free_bytes, "total_bytes": reading.total_bytes})]


# Every alert kind the board knows, each a small function.
ALERT_SOURCES: dict[str, AlertSource] = {
    "issue_escalated": alerts_issue_escalated,
    "issue_at_risk": alerts_issue_at_risk,
    "summary_due": alerts_summary_due,
    "overdue": alerts_overdue,
    "low_score_followup": alerts_low_score_followup,
    "low_score": alerts_low_score,
    "unreachable": alerts_unreachable,
    "complaint": alerts_complaint,
    "disabled_owner": alerts_disabled_owner,
    "stale": alerts_stale,
    "disk_low": alerts_disk_low,
}
# The order alerts are listed in (most urgent first); kinds not listed go last.
ALERT_ORDER = ("disk_low", "low_score_followup", "low_score", "complaint", "issue_escalated", "issue_at_risk", "overdue",
               "unreachable", "disabled_owner", "stale", "summary_due")


def _alert_key(a: Alert) -> tuple:
    rank = ALERT_ORDER.index(a.kind) if a.kind in ALERT_ORDER else len(ALERT_ORDER)
    return (rank, a.since, a.number)


# -- the board ---------------------------------------------------------------------------


@dataclass
class AgentRow:
    """One row of the board: the JSON figures plus what the screen shows besides."""

    login: str
    name: str
    figures: Figures
    active: bool = True
    state: str = "idle"  # calling | idle | closed | pool
    state_since: datetime | None = None
    calling: str | None = None  # the callback being worked
    avg_resolution: float | None = None
    avg_attitude: float | None = None
    projected: float | None = None


@dataclass
class Board:
    day: date
    now: datetime
    rows: list[AgentRow]
    alerts: list[Alert]
    data_version: int = 0
    pool: AgentRow | None = None

    def as_json(self) -> dict:
        agents = {r.login: r.figures.as_json() for r in self.rows}
        agents[POOL] = (self.pool.figures if self.pool else Figures(day_closed=None)).as_json()
        return {"date": self.day.isoformat(), "agents": agents, "alerts": [a.as_json() for a in self.alerts]}


def board(store: Store, actor: Actor, day: date | None = None, *, now: datetime | None = None) -> Board:
    """Every agent's figures for ``day``, the pool, and the alerts (supervisors and admins)."""
    require(actor, "supervisor", store=store, what="board")
    now = now or store.now()
    day = day or now.date()
    judge = judge_moment(day, now)
    version = store.data_version()  # first: a commit during the reads must not look seen
    with store.read() as s:
        from .calendar import load_calendar, load_policy

        path = db.sqlite_path(store.url)
        ctx = BoardContext(day, now, judge, load_policy(s), load_calendar(s),
                           str(path.resolve().parent) if path is not None else None)
        done = done_by_login(s, day)
        if day < now.date():  # a past day as it stood at its end (issue 23 item 6)
            ctx.then = past_day_states(s, day)
            remaining, unreachable = past_day_by_login(s, day, judge, ctx.then)
        else:
            remaining = remaining_by_login(s, day, judge)
            unreachable = unreachable_by_login(s, day)
        closed = {login: at for login, at in s.exec(select(DayClose.login, DayClose.closed_at).where(DayClose.day == day))}
        users = {u.login: u for u in s.exec(select(User))}
        logins = {u.login for u in users.values() if u.role == "agent" and u.active}
        logins |= {k for k in (*done, *remaining, *unreachable) if k is not None}
        activity = _activity(s, day, now, set(users)) if day == now.date() else {}
        alerts: list[Alert] = []
        for source in ALERT_SOURCES.values():
            alerts.extend(source(s, ctx))
    hours = getattr(ctx.policy, "work_hours", None) or DEFAULT_WORK_HOURS
    rows = []
    for login in sorted(logins):
        u = users.get(login)
        n_done, avg_r, avg_a = done.get(login, (0, None, None))
        n_rem, n_over = remaining.get(login, (0, 0))
        f = Figures(n_done + n_rem, n_done, n_rem, n_over, unreachable.get(login, 0), login in closed)
        row = AgentRow(login, u.name if u else login, f, active=bool(u and u.active),
                       avg_resolution=avg_r, avg_attitude=avg_a,
                       projected=projected_completion(f.done, f.due, day, now, _hours(hours)))
        if login in closed:
            row.state, row.state_since = "closed", closed[login]
        elif login in activity:
            row.state, row.state_since, row.calling = activity[login]
        rows.append(row)
    p_rem, p_over = remaining.get(None, (0, 0))
    pool = AgentRow(POOL, t("board.pool"), Figures(p_rem, 0, p_rem, p_over, unreachable.get(None, 0), None), state="pool")
    alerts.sort(key=_alert_key)
    return Board(day, now, rows, alerts, version, pool)


def _hours(hours) -> tuple:
    """Policy work hours as (start, end) time pairs, whatever form the policy gives them in."""
    out = []
    for pair in hours:
        a, b = pair
        out.append((a if isinstance(a, time) else time.fromisoformat(str(a)),
                    b if isinstance(b, time) else time.fromisoformat(str(b))))
    return tuple(out)


def _activity(s: Session, day: date, now: datetime, logins: set[str]) -> dict[str, tuple[str, datetime | None, str | None]]:
    """login → (calling | idle, since when, callback being worked) for today. Reads only the
    callbacks touched today (index on agent_login, updated_at) and the open ones' claims."""
    start, _ = _day_bounds(day)
    out: dict[str, tuple[str, datetime | None, str | None]] = {}
    touched = or_(Callback.agent_login.in_(sorted(logins)), Callback.agent_login.is_(None))
    q = (select(CallAttempt.agent_login, func.max(CallAttempt.at))
         .join(Callback, Callback.id == CallAttempt.callback_id)
         .where(touched, Callback.updated_at >= start, CallAttempt.at >= start)
         .group_by(CallAttempt.agent_login))
    for login, at in s.exec(q):
        out[login] = ("idle", at, None)
    claims = s.exec(select(Callback.number, Callback.claimed_by, Callback.claimed_at, Callback.claim_pid,
                           Callback.claim_host).where(Callback.status.in_(OPEN_STATES), Callback.claimed_by.is_not(None)))
    for number, who, at, pid, host in claims:
        if claim_alive(who, at, pid, host, now):
            from types import SimpleNamespace

            from .calls import claim_since

            # claimed_at follows the agent's keys; "calling since" is when they opened the call
            opened = claim_since(s, SimpleNamespace(number=number, claimed_by=who, claimed_at=at))
            out[who] = ("calling", opened, number)
    return out


# -- drill-down and actions ------------------------------------------------------------------


def agent_queue(store: Store, actor: Actor, login: str, day: date | None = None):
    """A supervisor's look into one agent's queue (or the pool)."""
    from .queue import queue_rows

    require(actor, "supervisor", store=store, what="queue", target=login)
    day = day or store.today()
    if login == POOL:
        rows = queue_rows(store, actor, day, all_agents=True)
        return [r for r in rows if r.agent is None]
    return queue_rows(store, actor, day, agent=login)


def callback_detail(store: Store, actor: Actor, number: str) -> list[tuple[str, str]]:
    """One callback as (label, value) lines, phones masked: what a supervisor sees when drilling
    into a callback from the board (no claim, no reveal)."""
    from .callbacks import _get, _may_work

    with store.read() as s:
        cb = _get(s, number)
        _may_work(actor, cb)
        cust = s.get(Customer, cb.customer_id)
        from ..store.models import Contact

        phone = s.exec(select(Contact.phone).where(Contact.customer_id == cb.customer_id,
                                                   Contact.name == cb.contact_name)).first() or ""
        attempts = list(s.exec(select(CallAttempt).where(CallAttempt.callback_id == cb.id).order_by(CallAttempt.at)))
    deadline = cb.deadline_at.isoformat(" ", timespec="minutes") if cb.deadline_at else cb.deadline_on.isoformat()
    lines = [
        (t("board.detail.number"), cb.number),
        (t("board.detail.kind"), t(f"kind.{cb.kind}")),
        (t("board.detail.customer"), cust.name if cust else ""),
        (t("board.detail.contact"), f"{cb.contact_name} {mask_phone(phone)}".strip()),
        (t("board.detail.agent"), cb.agent_login or t("board.pool")),
        (t("board.detail.status"), t(f"cbstate.{cb.status}")),
        (t("board.detail.due"), f"{cb.due_on.isoformat()} → {deadline}"),
        (t("board.detail.attempts"), str(cb.attempts)),
    ]
    if cb.score_resolution is not None:
        lines.append((t("board.detail.scores"), f"{cb.score_resolution} / {cb.score_attitude}"))
    for a in attempts[-5:]:
        lines.append((a.at.isoformat(" ", timespec="minutes"), f"{a.agent_login} {t(f'outcome.{a.outcome}')}"))
    from .notes import note_text

    note = note_text(attempts, cb.note)
    if note:
        lines.append((t("board.detail.note"), note))
    return lines


def issue_detail(store: Store, actor: Actor, number: str) -> list[tuple[str, str]]:
    """One issue as (label, value) lines with its latest timeline entries (supervisors, and the
    agent who raised or owns it)."""
    from ..store.models import IssueEvent
    from .issues import event_marks, event_text

    with store.read() as s:
        issue = s.exec(select(Issue).where(Issue.number == number)).first()
        if issue is None:
            raise NotFound(t("board.err.no_issue", number=number))
        if not actor.is_supervisor and actor.login not in (issue.raised_by, issue.owner_login):
            raise denied(actor, t("err.permission", role=actor.role), "issue", number)
        cust = s.get(Customer, issue.customer_id)
        events = list(s.exec(select(IssueEvent).where(IssueEvent.issue_id == issue.id)
                             .order_by(IssueEvent.at.desc(), IssueEvent.id.desc()).limit(5)))
        by_ids = {e.withdrawn_by for e in events if e.withdrawn_by is not None}  # entries that withdrew one
        withdrew = list(s.exec(select(IssueEvent).where(IssueEvent.id.in_(by_ids)))) if by_ids else []
    lines = [
        (t("board.issue.number"), issue.number),
        (t("board.issue.title"), issue.title),
        (t("board.detail.customer"), cust.name if cust else ""),
        (t("board.detail.status"), f"{t(f'ledger.status.{issue.status}')} · L{issue.level}"
         + (" · " + t("board.alert.complaint") if issue.is_complaint else "")),
        (t("board.issue.raised"), f"{issue.raised_at.isoformat(' ', timespec='minutes')} {issue.raised_by}"),
        (t("board.issue.deadlines"), f"{issue.ack_by.isoformat(' ', timespec='minutes')} / {issue.solve_by.isoformat()}"),
        (t("board.issue.owner"), " ".join(x for x in (issue.department, issue.owner_login or "") if x) or "—"),
    ]
    for e in reversed(events):  # 补录 and withdrawn escalations marked as on the issue screen (issue 23)
        marks = " ".join(f"[{m}]" for m in event_marks(e, [*events, *withdrew]))
        lines.append((e.at.isoformat(" ", timespec="minutes"),
                      " ".join(x for x in (e.login, t(f"ledger.event.{e.kind}"), event_text(e), marks) if x)))
    return lines


class ReassignError(ServiceError):
    pass


@dataclass
class ReassignResult:
    moved: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (number, why)
    customers: list[str] = field(default_factory=list)  # customers whose future work moved too
    to: str | None = None  # whom they went to, as people know them: 刘思琪 (agent2); None the pool


def reassign(store: Store, actor: Actor, numbers: list[str], login: str | None, *,
             customer_future: bool = False) -> ReassignResult:
    """Move open callbacks to another login, or to the pool (``login`` None). With
    ``customer_future`` the customers' callbacks not yet due move as well, and the customers
    themselves, so that work planned for them later goes to the new login too.

    A callback whose customer another user has open right now (a live claim) or already closed
    is skipped, not moved.
    """
    require(actor, "supervisor", store=store, what="reassign", target=",".join(numbers[:5]))
    if not numbers:
        raise ReassignError(t("board.err.nothing_selected"))
    now = store.now()
    res = ReassignResult()
    with store.write() as s:
        if login is not None:
            from .assignment import person, resolve_person

            u = resolve_person(s, login)  # a login or an exact display name (issue 22 §15)
            login, res.to = u.login, person(u.name, u.login)
        cbs = list(s.exec(select(Callback).where(Callback.number.in_(numbers))))
        found = {cb.number for cb in cbs}
        res.skipped += [(n, t("board.skip.not_found")) for n in numbers if n not in found]
        if customer_future:
            cids = {cb.customer_id for cb in cbs}
            extra = s.exec(select(Callback).where(Callback.customer_id.in_(cids), Callback.status.in_(OPEN_STATES),
                                                  Callback.due_on > now.date(), Callback.number.not_in(found)))
            cbs += list(extra)
            for c in s.exec(select(Customer).where(Customer.id.in_(cids))):
                if login is not None and c.agent_login != login:
                    before = {"agent_login": c.agent_login}
                    c.agent_login, c.updated_at = login, now
                    s.add(c)
                    audit(s, actor, now, "customer.reassign", "customer", c.id, before, {"agent_login": login})
                res.customers.append(c.name)
        for cb in sorted(cbs, key=lambda c: c.number):
            if cb.status not in OPEN_STATES:
                res.skipped.append((cb.number, t("board.skip.closed", state=t(f"cbstate.{cb.status}"))))
                continue
            conflict = claim_conflict(s, actor, cb, now)  # the same refusal as huifang assign
            if conflict is not None:
                res.skipped.append((cb.number, str(conflict)))
                continue
            if cb.agent_login == login:
                continue
            before = {"agent_login": cb.agent_login}
            cb.agent_login, cb.updated_at, cb.version = login, now, cb.version + 1
            s.add(cb)
            audit(s, actor, now, "callback.reassign", "callback", cb.number, before, {"agent_login": login})
            res.moved.append(cb.number)
    return res


# -- the audit log -----------------------------------------------------------------------------


@dataclass
class AuditRow:
    at: datetime
    login: str
    action: str
    entity: str
    entity_id: str
    before: str
    after: str

    def as_json(self) -> dict:
        return {"at": self.at.isoformat(timespec="seconds"), "login": self.login, "action": self.action,
                "entity": self.entity, "entity_id": self.entity_id,
                "before": _json_or_text(self.before), "after": _json_or_text(self.after)}


def _json_or_text(text: str):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


_PHONE_RUN = re.compile(r"(?<![A-Za-z0-9])\+?\d[\d \-]{5,}\d(?![0-9])")


def mask_text(text: str) -> str:
    """Any phone-like run of digits in ``text`` masked (audit before/after snapshots)."""
    return _PHONE_RUN.sub(lambda m: mask_phone(m.group(0)) if sum(c.isdigit() for c in m.group(0)) >= 7
                          else m.group(0), text or "")


_DATEISH = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")


def _mask_snapshot(text: str) -> str:
    """Mask phones but keep ISO dates and times readable."""
    keep: list[str] = []

    def hold(m: re.Match) -> str:
        keep.append(m.group(0))
        return f"\x00{len(keep) - 1}\x00"

    held = _DATEISH.sub(hold, text or "")
    masked = mask_text(held)
    return re.sub(r"\x00(\d+)\x00", lambda m: keep[int(m.group(1))], masked)


def audit_log(store: Store, actor: Actor, *, since: datetime | None = None, until: datetime | None = None,
              login: str | None = None, action: str | None = None, customer: str | None = None,
              limit: int = 500) -> list[AuditRow]:
    """The audit log, newest first, phones masked (supervisors and admins; read only — nothing
    in the app edits or deletes audit entries)."""
    require(actor, "supervisor", store=store, what="audit")
    with store.read() as s:
        q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        if since is not None:
            q = q.where(AuditEntry.at >= since)
        if until is not None:
            q = q.where(AuditEntry.at <= until)
        if login:
            q = q.where(AuditEntry.login == login)
        if action:
            q = q.where(AuditEntry.action.like(f"{action}%"))
        if customer:
            cids = list(s.exec(select(Customer.id).where(Customer.name.like(f"%{customer}%"))))
            numbers = list(s.exec(select(Callback.number).where(Callback.customer_id.in_(cids)))) if cids else []
            issues = list(s.exec(select(Issue.number).where(Issue.customer_id.in_(cids)))) if cids else []
            q = q.where(or_(
                and_(AuditEntry.entity == "customer", AuditEntry.entity_id.in_([str(c) for c in cids])),
                and_(AuditEntry.entity == "callback", AuditEntry.entity_id.in_(numbers)),
                and_(AuditEntry.entity == "issue", AuditEntry.entity_id.in_(issues)),
            ))
        rows = list(s.exec(q))
        counted = _refusal_counts(s, rows)
    return [AuditRow(r.at, r.login, r.action, r.entity, r.entity_id, _mask_snapshot(audit_words(r.before)),
                     _mask_snapshot(audit_words(counted.get(r.id, r.after))))
            for r in rows]


def audit_words(snapshot: str) -> str:
    """An audit row's before/after with the system's message codes (a refusal's reason) in the
    reader's language; everything else as stored (issue 22 item 9)."""
    if not snapshot or '"code"' not in snapshot:
        return snapshot
    from ..core.i18n import is_code, render

    try:
        data = json.loads(snapshot)
    except ValueError:
        return snapshot
    if not isinstance(data, dict):
        return snapshot
    out = {k: render(v["code"], v.get("params")) if is_code(v) else v for k, v in data.items()}
    return json.dumps(out, ensure_ascii=False)


def _refusal_counts(s: Session, rows: list[AuditEntry]) -> dict[int, str]:
    """A ``refused.more`` row's ``after`` with ``count``: how many refusals of that login and action
    it stands for in its minute, beyond the first ``REFUSALS_KEPT`` (read from its counter)."""
    from ..domain.limits import REFUSALS_KEPT
    from ..store.models import Counter
    from .base import REFUSED_MORE

    more = {}
    for r in rows:
        if r.action == REFUSED_MORE:
            try:
                more[r.id] = json.loads(r.after)
            except ValueError:
                continue
    keys = [d.get("counter") for d in more.values() if isinstance(d, dict) and d.get("counter")]
    if not keys:
        return {}
    totals = dict(s.exec(select(Counter.key, Counter.value).where(Counter.key.in_(keys))).all())
    out = {}
    for rid, d in more.items():
        key = d.pop("counter", None)
        d["count"] = max(1, totals.get(key, REFUSALS_KEPT + 1) - REFUSALS_KEPT)
        out[rid] = json.dumps(d, ensure_ascii=False)
    return out


__all__ = [
    "ALERT_SOURCES",
    "POOL",
    "AgentRow",
    "Alert",
    "Board",
    "BoardContext",
    "Figures",
    "agent_queue",
    "audit_log",
    "board",
    "denied",
    "login_figures",
    "reassign",
]
