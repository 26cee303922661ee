"""主管看板 — the supervisor board: each agent's row for a day, the pool, drill-downs and reassign.

SPEC §4; issue 12. A row holds the agent's figures, calling or idle, and the projected
completion; the board lists the alerts too, and a supervisor looks into a queue, a callback or an
issue from it and moves work (reassign).

The figures are ``services.figures``; the alerts ``services.alerts``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, or_
from sqlmodel import Session, select

from ..core.i18n import t
from ..domain.board import DEFAULT_WORK_HOURS, judge_moment, projected_completion
from ..domain.kpi import POOL
from ..domain.masking import mask_phone
from ..domain.status import OPEN_STATES
from ..store import db
from ..store.claims import claim_alive
from ..store.models import CallAttempt, Callback, Customer, DayClose, Issue, User
from .access import get_callback, may_work
from .alerts import ALERT_SOURCES, Alert, BoardContext, alert_key
from .base import Actor, NotFound, ServiceError, Store, audit, denied, require
from .calls import claim_conflict
from .figures import (Figures, day_bounds, done_by_login, figures_by_login, past_day_by_login, past_day_states,
                      remaining_by_login, unreachable_by_login)


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
        figures = figures_by_login(s, day, remaining, unreachable, set(closed), ctx.then)
        users = {u.login: u for u in s.exec(select(User))}
        logins = {u.login for u in users.values() if u.role == "agent" and u.active}
        logins |= {k for k in (*done, *remaining, *unreachable, *figures) if k is not None}
        activity = _activity(s, day, now, set(users)) if day == now.date() else {}
        alerts: list[Alert] = []
        for source in ALERT_SOURCES.values():
            alerts.extend(source(s, ctx))
    hours = getattr(ctx.policy, "work_hours", None) or DEFAULT_WORK_HOURS
    rows = []
    for login in sorted(logins):
        u = users.get(login)
        _n, avg_r, avg_a = done.get(login, (0, None, None))
        f = figures.get(login) or Figures(unreachable=unreachable.get(login, 0), day_closed=login in closed)
        row = AgentRow(login, u.name if u else login, f, active=bool(u and u.active),
                       avg_resolution=avg_r, avg_attitude=avg_a,
                       projected=projected_completion(f.due - f.remaining, f.due, day, now, _hours(hours)))  # the day handled
        if login in closed:
            row.state, row.state_since = "closed", closed[login]
        elif login in activity:
            row.state, row.state_since, row.calling = activity[login]
        rows.append(row)
    p_rem, p_over = remaining.get(None, (0, 0))
    pool = AgentRow(POOL, t("board.pool"), Figures(p_rem, 0, p_rem, p_over, unreachable.get(None, 0), None), state="pool")
    alerts.sort(key=alert_key)
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
    start, _ = day_bounds(day)
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
    with store.read() as s:
        cb = get_callback(s, number)
        may_work(actor, cb)
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

