"""Read-only first paint for SQLite, with the standard library only.

Importing the ORM (sqlmodel, SQLAlchemy, pydantic) costs about half a second. That is more
than a bare Textual app needs to start. So at start-up the app checks who you are and
paints the queue from this module, and loads the ORM in the background. Everything else
(every write, every later read) goes through the services layer.

The conditions that pick the rows are ``store/queries.py``'s, which ``services.queue`` builds
its statements from too. A test checks that both give the same rows for every role.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from ..domain.calendar import WorkCalendar
from ..domain.queue import ALERT_DAYS, ROLE_QUEUES, Progress, QueueRow, day_figures, order_queue
from ..domain.status import OPEN_STATES, OVERDUE_PARAMS, overdue_args, overdue_sql
from ..core.safe_text import mask_phone
from . import queries
from .claims import claim_alive

# SQL placeholders of the overdue rule, in OVERDUE_PARAMS order (qmark style)
_OVERDUE = overdue_sql("cb.deadline_on", "cb.deadline_at", queries.qmark)


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def stored_revision(conn: sqlite3.Connection) -> str | None:
    """alembic_version's value, or None (a database from before migrations)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone():
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def is_initialised(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'").fetchone()
    return row is not None


def user(conn: sqlite3.Connection, login: str) -> tuple[str, str, str, bool] | None:
    row = conn.execute("SELECT login, name, role, active FROM app_user WHERE login = ?", (login,)).fetchone()
    return (row[0], row[1], row[2], bool(row[3])) if row else None


def setting(conn: sqlite3.Connection, key: str) -> str:
    row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return row[0] if row else ""


def calendar(conn: sqlite3.Connection) -> WorkCalendar:
    rows = conn.execute("SELECT day, is_working_day FROM calendar_override").fetchall()
    return WorkCalendar({date.fromisoformat(d): bool(w) for d, w in rows})


def _d(v: str | None) -> date | None:
    return date.fromisoformat(v) if v else None


def _dt(v: str | None) -> datetime | None:
    return datetime.fromisoformat(v) if v else None


def _stored(v: date | datetime) -> str:
    """A value as the ORM stores it in SQLite (datetimes always with microseconds), so that
    the text comparison of the overdue rule orders as the values do."""
    return v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v.isoformat()


def _parts(login: str, role: str) -> list[tuple[str, list]]:
    """The user's own rows and the pool's, read apart (``queries.pool_rows`` says why)."""
    kinds = ROLE_QUEUES.get(role, ("agent",))
    return [(queries.own_rows("cb", queries.qmark), [login]), (queries.pool_rows("cb", len(kinds), queries.qmark), list(kinds))]


def queue_snapshot(conn: sqlite3.Connection, login: str, role: str, now: datetime) -> tuple[list[QueueRow], Progress]:
    """Today's queue and progress for one user, ordered as SPEC §4 says."""
    day = now.date()
    judged = overdue_args(now)
    judged_args = [_stored(judged[n]) for n in OVERDUE_PARAMS]
    found = []
    for scope, args in _parts(login, role):
        found += conn.execute(
            "SELECT cb.id, cb.number, cb.kind, cb.customer_id, c.name, c.tier, cb.contact_name, cb.due_on,"
            " cb.deadline_on, cb.deadline_at, cb.attempts, cb.status, cb.agent_login, cb.assignee, cb.priority,"
            " cb.estimated, cb.next_attempt_at, cb.claimed_by, cb.claimed_at, cb.claim_pid, cb.claim_host,"
            f" {_OVERDUE}"
            " FROM callback cb JOIN customer c ON c.id = cb.customer_id"
            f" WHERE {queries.open_due('cb', len(OPEN_STATES), queries.qmark)} AND {scope}",
            [*judged_args, *OPEN_STATES, day.isoformat(), *args],
        ).fetchall()
    phones = _phones(conn, {r[3] for r in found})
    tries = _attempts(conn, login, day)
    tried = {a[0] for a in tries}
    drafts = _drafts(conn, login, [r[0] for r in found])
    rows = []
    for (cid_, number, kind, cust_id, name, tier, contact, due_on, deadline_on, deadline_at, attempts, status,
         agent, assignee, priority, estimated, next_at, claimed_by, claimed_at, claim_pid, claim_host,
         overdue) in found:
        d_on, d_at = _d(deadline_on), _dt(deadline_at)
        alive = claim_alive(claimed_by, _dt(claimed_at), claim_pid, claim_host, now)
        rows.append(QueueRow(
            id=cid_, number=number, kind=kind, customer_id=cust_id, customer=name, tier=tier, contact=contact,
            phone_masked=mask_phone(phones.get((cust_id, contact), "")), due_on=_d(due_on), deadline_on=d_on,
            deadline_at=d_at, overdue=bool(overdue), attempts=attempts, status=status,
            agent=agent, assignee=assignee, priority=priority, estimated=bool(estimated),
            next_attempt_at=_dt(next_at), claimed_by=claimed_by if alive else None,
            draft=cid_ in drafts, tried_today=cid_ in tried,
        ))
    order_queue(rows)
    return rows, progress(conn, login, role, now, rows, tries)


def _attempts(conn: sqlite3.Connection, login: str, day: date) -> list[tuple]:
    """The login's attempts of ``day`` with their callbacks, as ``domain.queue.day_figures``
    reads them (one read through ix_call_attempt_agent_at; CROSS JOIN keeps call_attempt the
    outer table: SQLite does not reorder it)."""
    start, end = _stored(datetime.combine(day, time.min)), _stored(datetime.combine(day, time.max))
    rows = conn.execute(
        "SELECT a.callback_id, a.outcome, cb.status, cb.completed_at, cb.agent_login, cb.due_on"
        f" FROM call_attempt a CROSS JOIN callback cb ON cb.id = a.callback_id WHERE {queries.tried_by('a', queries.qmark)}",
        (login, start, end)).fetchall()
    return [(cid, outcome, status, _dt(done_at), agent, _d(due_on)) for cid, outcome, status, done_at, agent, due_on in rows]


def _deferrals(conn: sqlite3.Connection, login: str, day: date) -> list[tuple]:
    """The login's callbacks put off on ``day`` (ix_callback_agent_updated), and those the login
    asked a supervisor about that day (ix_supervisor_request_by; services.figures._request_rows)."""
    start, end = _stored(datetime.combine(day, time.min)), _stored(datetime.combine(day, time.max))
    rows = conn.execute(f"SELECT cb.id, cb.status, cb.agent_login, cb.due_on FROM callback cb"
                        f" WHERE {queries.deferred_by('cb', queries.qmark)}", (login, start, day.isoformat())).fetchall()
    rows += conn.execute("SELECT cb.id, cb.status, cb.agent_login, cb.due_on FROM supervisor_request r"
                         " CROSS JOIN callback cb ON cb.id = r.callback_id"
                         " WHERE r.requested_by = ? AND r.requested_at >= ? AND r.requested_at <= ?",
                         (login, start, end)).fetchall()
    return [(cid, status, agent, _d(due_on)) for cid, status, agent, due_on in rows]


def _drafts(conn: sqlite3.Connection, login: str, ids: list[int]) -> set[int]:
    out: set[int] = set()
    for chunk in queries.chunked(ids, queries.PHONE_CHUNK):
        q = f"SELECT callback_id FROM call_draft WHERE {queries.drafts_of('call_draft', len(chunk), queries.qmark)}"
        out |= {cid for (cid,) in conn.execute(q, [*chunk, login])}
    return out


def progress(conn: sqlite3.Connection, login: str, role: str, now: datetime, rows: list[QueueRow],
             attempts: list[tuple] | None = None) -> Progress:
    """The header, counted as services.figures counts (``domain.queue.day_figures``; mirrors
    services.queue.queue_progress)."""
    day = now.date()
    # From this login's own attempts of the day (ix_call_attempt_agent_at), never from every
    # callback completed today in the centre: the count costs the same at any centre size.
    attempts = _attempts(conn, login, day) if attempts is None else attempts
    mine = [r for r in rows if r.agent == login]
    figures, _, _ = day_figures(login, day, len(mine), attempts, _deferrals(conn, login, day), OPEN_STATES)
    overdue = sum(1 for r in mine if r.overdue)
    pool = sum(1 for r in rows if r.agent is None)
    unreachable = 0
    if role in ("supervisor", "admin"):
        since = datetime.combine(day - timedelta(days=ALERT_DAYS), time.min).isoformat(" ")
        unreachable = conn.execute(
            f"SELECT count(*) FROM callback WHERE {queries.unreachable_since('callback', queries.qmark)}", (since,)).fetchone()[0]
    return Progress.of(figures, overdue, unreachable, pool)


def _phones(conn: sqlite3.Connection, cids: Iterable[int]) -> dict[tuple[int, str], str]:
    out: dict[tuple[int, str], str] = {}
    ids = list(cids)
    for i in range(0, len(ids), queries.PHONE_CHUNK):
        chunk = ids[i : i + queries.PHONE_CHUNK]
        q = f"SELECT customer_id, name, phone FROM contact WHERE {queries.contacts_of('contact', len(chunk), queries.qmark)}"
        for cust_id, name, phone in conn.execute(q, chunk):
            out[(cust_id, name)] = phone
    return out


def data_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA data_version").fetchone()[0])
