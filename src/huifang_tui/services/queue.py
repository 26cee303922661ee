"""The daily queue as an agent sees it (SPEC §4): due today + overdue + rolled over."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, func, text
from sqlmodel import Session, select

from ..domain import queue as dq
from ..domain.calendar import WorkCalendar
from ..domain.status import OPEN_STATES  # noqa: F401 (re-exported)
from ..domain.queue import ALERT_DAYS, ROLE_QUEUES, Progress, QueueRow, order_queue  # noqa: F401  (re-exported)
from ..core.safe_text import mask_phone
from ..store import queries
from ..store.claims import claim_alive
from ..store.models import CallAttempt, CallDraft, Callback, Contact, Customer
from .access import checked_scope
from .base import Actor, PermissionDenied, Store, acting, denied  # noqa: F401

# Handled today: closed, or tried/deferred and moved to a later day (SPEC §4 day close).
HANDLED_STATES = ("completed", "refused", "unreachable")



def _parts(actor: Actor, agent: str | None) -> list:
    """The scope of one login's queue as its two disjoint parts, their own rows and the pool's,
    each read on its own through ix_callback_queue (agent_login, status, due_on). As one OR,
    SQLite reads every open callback of the centre due by the day instead (ix_callback_status_due)."""
    login = agent or actor.login
    kinds = ROLE_QUEUES.get(actor.role if login == actor.login else "agent", ("agent",))
    return [text(queries.own_rows("callback")).bindparams(login=login), _pool(kinds)]


def _listed(prefix: str, values) -> dict:  # noqa: ANN001
    """A list's values under the names ``store.queries`` gives them."""
    return dict(zip(queries.names(prefix, len(values)), values))


def _pool(kinds: tuple[str, ...]):  # noqa: ANN202
    return text(queries.pool_rows("callback", len(kinds))).bindparams(**_listed("kind", kinds))


def _open_due(states: tuple[str, ...], day: date):  # noqa: ANN202
    """``queries.open_due`` with its values bound, the day as the column stores it."""
    return text(queries.open_due("callback", len(states))).bindparams(
        bindparam("day", day, type_=Callback.__table__.c.due_on.type),
        **_listed("state", states))


def queue_rows(
    store: Store, actor: Actor, day: date, *, agent: str | None = None, all_agents: bool = False,
    now: datetime | None = None, kinds: tuple[str, ...] = (), states: tuple[str, ...] = OPEN_STATES,
) -> list[QueueRow]:
    """The ordered queue for ``day``: low-score follow-ups and complaints, then overdue, then deadline."""
    scope = checked_scope(store, actor, agent, all_agents)
    if now is None:
        now = store.now() if day == store.today() else datetime.combine(day, time(9, 0))
    with store.read() as s:
        return _rows(s, actor, day, now, scope, agent, kinds, states)


def _rows(s: Session, actor: Actor, day: date, now: datetime, scope, agent: str | None,  # noqa: ANN001
          kinds: tuple[str, ...], states: tuple[str, ...]) -> list[QueueRow]:
    """``queue_rows`` inside the read transaction ``s``."""
    acting(s, actor)
    q = (
        select(Callback, Customer.name, Customer.tier)
        .join(Customer, Customer.id == Callback.customer_id)
        .where(_open_due(states, day))
    )
    if kinds:
        q = q.where(Callback.kind.in_(kinds))
    found = []
    for part in [None] if scope is True else _parts(actor, agent):
        found += s.exec(q if part is None else q.where(part)).all()
    tried = tried_today(s, agent or actor.login, day)
    rows = _queue_rows(s, actor, found, now, tried)
    order_queue(rows)
    return rows


def _last_attempts(s: Session, ids: list[int]) -> dict[int, datetime]:
    """Each callback's newest attempt (by ix call_attempt.callback_id): a request's answer gives
    way on the queue row to an attempt made after it."""
    out: dict[int, datetime] = {}
    for chunk in queries.chunked(ids, queries.PHONE_CHUNK):
        q = (select(CallAttempt.callback_id, func.max(CallAttempt.at))
             .where(CallAttempt.callback_id.in_(chunk)).group_by(CallAttempt.callback_id))
        out.update({cid: at for cid, at in s.exec(q)})
    return out


def _queue_rows(s: Session, actor: Actor, found: list, now: datetime, tried: frozenset) -> list[QueueRow]:
    """(callback, customer name, tier) rows as the queue shows them: masked phones, live claims,
    the reader's drafts (✎) and what the queue's login tried today."""
    phones = contact_phones(s, {cb.customer_id for cb, _, _ in found})
    drafts = drafted(s, actor.login, [cb.id for cb, _, _ in found])
    last = _last_attempts(s, [cb.id for cb, _, _ in found])
    return [
        QueueRow(
            id=cb.id, number=cb.number, kind=cb.kind, customer_id=cb.customer_id, customer=name,
            tier=tier, contact=cb.contact_name, phone_masked=mask_phone(phones.get((cb.customer_id, cb.contact_name), "")),
            due_on=cb.due_on, deadline_on=cb.deadline_on, deadline_at=cb.deadline_at,
            overdue=dq.is_overdue(cb.deadline_on, cb.deadline_at, now), attempts=cb.attempts,
            status=cb.status, agent=cb.agent_login, assignee=cb.assignee, priority=cb.priority,
            estimated=cb.estimated, next_attempt_at=cb.next_attempt_at,
            claimed_by=cb.claimed_by if claim_alive(cb.claimed_by, cb.claimed_at, cb.claim_pid, cb.claim_host, now) else None,
            draft=cb.id in drafts, tried_today=cb.id in tried, last_attempt_at=last.get(cb.id),
        )
        for cb, name, tier in found
    ]


def tried_today(s: Session, login: str, day: date) -> frozenset:
    """The callbacks ``login`` tried on ``day`` (ix_call_attempt_agent_at)."""
    start, end = datetime.combine(day, time.min), datetime.combine(day, time.max)
    at = CallAttempt.__table__.c.at.type
    return frozenset(s.exec(select(CallAttempt.callback_id).where(text(queries.tried_by("call_attempt")).bindparams(
        bindparam("login", login), bindparam("start", start, type_=at), bindparam("end", end, type_=at)))).all())


def drafted(s: Session, login: str, ids: list[int]) -> set[int]:
    """Of ``ids``, the callbacks ``login`` has a saved draft of (read through uq_draft)."""
    out: set[int] = set()
    for chunk in queries.chunked(ids, queries.PHONE_CHUNK):
        where = text(queries.drafts_of("call_draft", len(chunk))).bindparams(**_listed("callback", chunk), login=login)
        out |= set(s.exec(select(CallDraft.callback_id).where(where)).all())
    return out


def contact_phones(s: Session, cids: set[int]) -> dict[tuple[int, str], str]:
    """(customer id, contact name) → phone for these customers: the queue's and the listing's masked phones."""
    out: dict[tuple[int, str], str] = {}
    ids = list(cids)
    for i in range(0, len(ids), queries.PHONE_CHUNK):
        chunk = ids[i : i + queries.PHONE_CHUNK]
        where = text(queries.contacts_of("contact", len(chunk))).bindparams(**_listed("customer", chunk))
        for c in s.exec(select(Contact).where(where)):
            out[(c.customer_id, c.name)] = c.phone
    return out


def queue_progress(store: Store, actor: Actor, day: date, *, agent: str | None = None, now: datetime | None = None) -> Progress:
    """今日 done/due · 逾期 n, counted exactly as the board counts (services.figures)."""
    checked_scope(store, actor, agent, False)
    now = now or store.now()
    with store.read() as s:
        return _progress(s, actor, day, now, agent)


def _progress(s: Session, actor: Actor, day: date, now: datetime, agent: str | None) -> Progress:
    """``queue_progress`` inside the read transaction ``s``."""
    from .figures import login_figures

    login = agent or actor.login
    kinds = ROLE_QUEUES.get(actor.role if login == actor.login else "agent", ("agent",))
    acting(s, actor)
    f = login_figures(s, login, day, now)
    pool = s.exec(select(func.count()).select_from(Callback).where(
        _open_due(OPEN_STATES, day), _pool(kinds))).one()
    unreachable = 0
    if actor.is_supervisor and agent in (None, actor.login):
        # SPEC §3: after max_attempts the supervisor is alerted (every agent's, not only own)
        since = datetime.combine(day - timedelta(days=ALERT_DAYS), time.min)
        unreachable = s.exec(select(func.count()).select_from(Callback).where(text(
            queries.unreachable_since("callback")).bindparams(
            bindparam("since", since, type_=Callback.__table__.c.updated_at.type)))).one()
    return Progress.of(f.day, f.overdue, unreachable, pool)


@dataclass(frozen=True)
class QueueSnapshot:
    """What the queue screen shows, read in one read transaction: the rows (each with whose
    claim on it is live), the progress line, and the work calendar the deadlines count in."""

    rows: list[QueueRow]  # the queue; then the callbacks tried today that have left it (in_queue False)
    progress: Progress
    calendar: WorkCalendar
    version: int  # the store's data version, read before them: a commit during the reads is not seen
    now: datetime  # the clock they were read at (overdue, the countdowns)
    requests: list = field(default_factory=list)  # the actor's requests to a supervisor (requests.mine)


def _gone(s: Session, actor: Actor, now: datetime, listed: set[int]) -> list[QueueRow]:
    """The callbacks the actor tried today that are no longer in the queue (completed, refused,
    unreachable, moved to a later day): the 已尝试 filter lists them with the rest."""
    ids = sorted(tried_today(s, actor.login, now.date()) - listed)
    found = []
    for chunk in queries.chunked(ids, queries.PHONE_CHUNK):
        found += s.exec(select(Callback, Customer.name, Customer.tier).join(Customer, Customer.id == Callback.customer_id)
                        .where(Callback.id.in_(chunk))).all()
    rows = _queue_rows(s, actor, found, now, frozenset(ids))
    for r in rows:
        r.in_queue = False
    rows.sort(key=lambda r: r.number)
    return rows


def queue_snapshot(store: Store, actor: Actor) -> QueueSnapshot:
    """The actor's queue screen for today from one read transaction: ``queue_rows`` and
    ``queue_progress`` read through it, then the calendar. The first paint reads the same
    without the ORM (store/fastread.py)."""
    from .calendar import load_calendar
    from .requests import mine

    version = store.data_version()  # first: a commit during the reads must not look seen
    now = store.now()
    scope = checked_scope(store, actor, None, False)
    with store.read() as s:
        rows = _rows(s, actor, now.date(), now, scope, None, (), OPEN_STATES)
        progress = _progress(s, actor, now.date(), now, None)
        rows += _gone(s, actor, now, {r.id for r in rows})
        calendar = load_calendar(s)
        asked = mine(s, actor, now)
    return QueueSnapshot(rows, progress, calendar, version, now, asked)
