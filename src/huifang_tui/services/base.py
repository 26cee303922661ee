"""Store handle, actor, permissions, audit and document numbering shared by all services."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from ..domain import words
from ..core.errors import (  # noqa: F401  (re-exported)
    Conflict, NotFound, PermissionDenied, Refused, SchemaMismatch, ServiceError, ValidationError,
)
from ..core.identity import SYSTEM, Actor  # noqa: F401  (re-exported)
from ..store import db, revision
from ..store.models import SCHEMA_VERSION, AuditEntry, Counter, SchemaVersion, Setting, User

ROLES = words.ROLES


class Store:
    """One database: engine plus the clock every service reads time from."""

    def __init__(self, url: str, clock: Callable[[], datetime] | None = None, engine: Engine | None = None):
        self.url = url
        self.engine = engine or db.make_engine(url)
        self.clock = clock or datetime.now

    def now(self) -> datetime:
        return self.clock().replace(microsecond=0)

    def today(self) -> date:
        return self.now().date()

    @contextmanager
    def write(self) -> Iterator[Session]:
        try:
            with db.write_session(self.engine) as s:
                yield s
        except PermissionDenied as e:
            self.record_refusal(e)  # the transaction rolled back; the refusal is still logged
            raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with db.read_session(self.engine) as s:
                yield s
        except PermissionDenied as e:
            self.record_refusal(e)
            raise

    def record_refusal(self, e: PermissionDenied) -> None:
        """Audit a role refusal (SPEC §6), once per refusal, without letting a loop of them fill the
        store (issue 21 §3): the first ``REFUSALS_KEPT`` of one login and action within a minute
        get a ``refused`` row with their details; the next one a ``refused.more`` row naming the
        counter (``counter`` key ``refused:<login>:<action>:<minute>``) that counts them all.
        ``board.audit_log`` shows that row with the count."""
        if getattr(e, "audited", True) or not getattr(e, "login", None):
            return
        e.audited = True
        from ..domain.limits import REFUSALS_KEPT

        now = self.now()
        key = refusal_key(e.login, e.what or "", now)
        with db.write_session(self.engine) as s:
            n = reserve(s, key, 1)
            if n > REFUSALS_KEPT + 1:
                return  # counted; the refused.more row of this minute reads the counter
            from ..core.i18n import encode

            # the reason as its message code: each reader sees it in their language (issue 22 item 9)
            reason = encode(e.args[0]) if e.args else None
            action, details = "refused", {"role": e.role, "reason": reason or str(e)}
            if n == REFUSALS_KEPT + 1:
                action, details = REFUSED_MORE, {**details, "counter": key}
            s.add(AuditEntry(at=now, login=e.login, action=action, entity=e.what or "",
                             entity_id=str(e.target or ""), after=json.dumps(details, ensure_ascii=False)))

    # -- schema ---------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create a new database at the code's revision; an existing one must already be there.

        Existing databases are never migrated here: that is ``huifang db upgrade`` (admin),
        which takes a backup first.
        """
        if self.schema_state() == revision.EMPTY:
            # PostgreSQL with an owner role in the URL: the owner creates the tables and grants
            # the application role its rights (store/pgroles.py).
            owner = db.make_engine(self.url, as_owner=True) if db.has_owner(self.url) else None
            try:
                with (owner or self.engine).begin() as conn:  # BEGIN IMMEDIATE: one process creates it
                    if db.stored_revision(conn) is None and not db.has_tables(conn):
                        db.create_schema(conn, revision.HEAD)
                        conn.execute(insert(SchemaVersion.__table__).values(id=1, version=SCHEMA_VERSION))
                        from ..domain.issues import DEFAULT_DEPARTMENTS
                        from ..store.models import Department

                        conn.execute(insert(Department.__table__), [
                            {"name": n, "active": True, "created_at": self.now()} for n in DEFAULT_DEPARTMENTS])
                    if owner is not None:
                        db.grant_app_role(conn, self.url)
            finally:
                if owner is not None:
                    owner.dispose()
            path = db.sqlite_path(self.url)
            if path is not None:
                db.fix_mode(path)
            if self.engine.dialect.name == "postgresql":
                from ..store.pgroles import role_defaults

                with self.engine.begin() as conn:  # the application role's own timeouts
                    role_defaults(conn, db.pg_session_settings())
        self.check_schema()

    def schema_state(self) -> str:
        """revision.CURRENT / BEHIND / AHEAD / EMPTY, read without taking the write lock."""
        with db.read_connection(self.engine) as conn:
            return revision.classify(db.stored_revision(conn), db.has_tables(conn))

    def check_schema(self) -> None:
        from ..core.i18n import t

        state = self.schema_state()
        if state == revision.BEHIND:
            raise SchemaMismatch(t("db.behind"))
        if state == revision.AHEAD:
            raise SchemaMismatch(t("db.ahead"))
        if state == revision.EMPTY:
            raise SchemaMismatch(t("err.no_database", db=self.url))

    def is_initialised(self) -> bool:
        with db.read_connection(self.engine) as conn:
            return db.has_tables(conn)

    def setting(self, key: str, default: str = "") -> str:
        with self.read() as s:
            row = s.get(Setting, key)
            return row.value if row else default

    def data_version(self) -> int:
        return db.data_version(self.engine)


REFUSED_MORE = "refused.more"


def refusal_key(login: str, what: str, at: datetime) -> str:
    """The counter of one login's refusals of one action within one minute."""
    return f"refused:{login}:{what}:{at:%Y-%m-%dT%H:%M}"


def denied(actor: Actor, message: str, what: str = "", target: object = "") -> PermissionDenied:
    """A refusal that knows who was refused what (for the audit row)."""
    return PermissionDenied(message, login=actor.login, role=actor.role, what=what, target=str(target or ""))


def require(actor: Actor, *roles: str, store: Store | None = None, what: str = "", target: object = "") -> None:
    """Refuse unless the actor has one of ``roles`` (admin always may). With ``store`` the refusal
    is written to the audit log at once; inside ``store.read()``/``write()`` that happens anyway."""
    if actor.role not in roles and actor.role != "admin":
        from ..core.i18n import t

        e = denied(actor, t("err.permission", role=actor.role), what, target)
        if store is not None:
            store.record_refusal(e)
        raise e


def acting(s: Session, actor: Actor, *roles: str) -> None:
    """Inside a service's transaction: the acting user still exists, is active and holds the
    role they started with (a disabled user's open app is refused at its next action), and
    that role is one of ``roles`` (admin always; none given = any role). The system passes."""
    if actor == SYSTEM:
        return
    from ..core.i18n import t

    u = get_user(s, actor.login)
    if u is None:
        raise denied(actor, t("err.unknown_login", login=actor.login), "login", actor.login)
    if not u.active:
        raise denied(actor, t("rules.user_inactive", login=actor.login), "login", actor.login)
    if u.role != actor.role:
        raise denied(actor, t("rules.role_changed", login=actor.login, role=t(f"role.{u.role}")), "login", actor.login)
    if roles:
        require(actor, *roles)  # inside store.read()/write(): the refusal is audited on the way out


def _plain(v: Any) -> Any:
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return v


def snapshot(obj: SQLModel | dict | None) -> dict | None:
    if obj is None:
        return None
    data = obj if isinstance(obj, dict) else obj.model_dump()
    # Sorted keys: the same record always reads the same in the audit log, whatever order the
    # ORM happened to load or set its attributes in.
    return {k: _plain(data[k]) for k in sorted(data)}


# Kept in both images even when unchanged: what names the row (its entity_id may be another key).
AUDIT_KEYS = ("id", "number", "login")


def changes(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Before → after of what changed only, plus the key fields (issue 21 §3: a big note must not
    be copied into every audit row). A field present on one side only counts as changed. With one
    side missing (a row created or removed) the other is kept whole."""
    if before is None or after is None:
        return before, after
    missing = object()
    changed = [k for k in sorted({*before, *after}) if before.get(k, missing) != after.get(k, missing)]
    keys = [k for k in AUDIT_KEYS if k in before and k in after and k not in changed]
    return ({k: before[k] for k in (*keys, *changed) if k in before},
            {k: after[k] for k in (*keys, *changed) if k in after})


def audit(
    s: Session,
    actor: Actor,
    at: datetime,
    action: str,
    entity: str,
    entity_id: object = "",
    before: SQLModel | dict | None = None,
    after: SQLModel | dict | None = None,
) -> None:
    """Append one audit row: who, when, what, and the before → after of the fields it changed.

    A change made while its month is being amended (``report.ensure_month_open`` notes it on the
    session) carries the amendment's month, reason and version (issue 22 §1)."""
    b, a = changes(snapshot(before), snapshot(after))
    if s.info.get("amendment"):
        a = {**(a or {}), **s.info["amendment"]}
    s.add(
        AuditEntry(
            at=at,
            login=actor.login,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=json.dumps(b, ensure_ascii=False) if b is not None else "",
            after=json.dumps(a, ensure_ascii=False) if a is not None else "",
        )
    )


def next_number(s: Session, prefix: str, on: date) -> str:
    """Next document number, e.g. ``HF202405001`` (003 表2). Runs inside the write transaction."""
    key = f"{prefix}{on:%Y%m}"
    return f"{key}{reserve(s, key, 1):03d}"


def reserve(s: Session, key: str, n: int, seed: Callable[[], int] | None = None) -> int:
    """Add ``n`` to counter ``key`` in one atomic upsert and return the new value.

    Two PostgreSQL transactions can never read the same value (the upsert locks the row until
    commit); a missing row starts from ``seed()`` (0 without one).
    """
    t = Counter.__table__
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    start = 0
    if seed is not None and s.execute(select(t.c.value).where(t.c.key == key)).first() is None:
        start = seed()
    stmt = (insert(t).values(key=key, value=start + n)
            .on_conflict_do_update(index_elements=[t.c.key], set_={"value": t.c.value + n})
            .returning(t.c.value))
    return int(s.execute(stmt).scalar_one())


def serialize(s: Session, name: str) -> None:
    """One transaction at a time for ``name`` (planner, imports) until this one ends.

    SQLite's BEGIN IMMEDIATE serialises every writer already; on PostgreSQL this takes a
    transaction-level advisory lock, so two planners cannot both insert the same callback.
    """
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:n))"), {"n": f"huifang.{name}"})


def get_user(s: Session, login: str) -> User | None:
    return s.exec(select(User).where(User.login == login)).first()
