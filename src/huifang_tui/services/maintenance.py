"""Schema upgrade, online backup and health check of the store (`huifang db …`, SPEC §6).

These run on a database of any revision, so the acting user is read with plain SQL over the
columns every revision has (the ORM models describe only the newest schema).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from ..core.errors import PermissionDenied, SchemaMismatch, ServiceError, UnknownLogin
from ..core.i18n import t
from ..core.identity import Actor, os_login
from ..store import db, revision
from .base import Store, denied


def db_actor(store: Store, as_login: str | None = None) -> Actor:
    """The acting user, read without the ORM (works before and after an upgrade)."""
    login = os_login()
    with db.read_connection(store.engine) as conn:
        if not db.has_tables(conn):
            raise ServiceError(t("err.no_database", db=store.url))
        if as_login and as_login != login:
            demo = conn.execute(text("SELECT value FROM setting WHERE key = 'demo'")).scalar()
            if demo != "1":
                raise PermissionDenied(t("err.as_not_demo"))
            login = as_login
        row = conn.execute(
            text("SELECT login, role, name, active FROM app_user WHERE login = :l"), {"l": login}).first()
    if row is None or not row.active:
        raise UnknownLogin(t("err.unknown_login", login=login))
    return Actor(row.login, row.role, row.name)


def _require_admin(actor: Actor) -> None:
    if actor.role != "admin":
        raise denied(actor, t("db.need_admin", role=t(f"role.{actor.role}")), "db")


# -- backup ---------------------------------------------------------------------------------

def backup(store: Store, actor: Actor, dest: Path) -> Path:
    """An online copy of the store, safe while agents work; the file is 0640 in the store's
    group. Refuses to overwrite anything; on failure nothing is left behind."""
    _require_admin(actor)
    from ..core import system

    conf = system.locked()
    src = db.sqlite_path(store.url)
    if conf is not None and src is not None:
        # The elevated process opens no path a person names: the copy is made in a private
        # folder beside the store, and the person's own process writes it to ``dest``.
        import tempfile

        from ..core import checked_files

        tmp = Path(tempfile.mkdtemp(prefix=".backup-", dir=src.parent))
        try:
            copy = tmp / "huifang.db"
            _sqlite_backup(src, copy)
            written = checked_files.write_from(dest, copy, mode=0o600, exclusive=True)
        except FileExistsError:
            raise ServiceError(t("db.backup_exists", file=dest)) from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        _audit_raw(store, actor, "db.backup", str(written), {"file": str(written)})
        return written
    dest = Path(dest).expanduser()
    if not dest.is_absolute():
        dest = Path.cwd() / dest
    if dest.exists() or dest.is_symlink():
        raise ServiceError(t("db.backup_exists", file=dest))
    if not dest.parent.is_dir():
        raise ServiceError(t("db.backup_no_dir", dir=dest.parent))
    # Made in a private folder beside ``dest``, then linked into place: a failed backup leaves
    # nothing behind, and no one sees half a copy.
    import tempfile

    from ..core import checked_files

    try:
        tmp = Path(tempfile.mkdtemp(prefix=".backup-", dir=dest.parent))
    except OSError as e:
        raise type(e)(e.errno, e.strerror, dest) from None  # as creating ``dest`` itself would say
    try:
        copy = tmp / dest.name
        if src is not None:
            _sqlite_backup(src, copy)
        else:
            _pg_dump(store.url, copy)
        try:
            checked_files.place(dest, copy)
        except FileExistsError:
            raise ServiceError(t("db.backup_exists", file=dest)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _audit_raw(store, actor, "db.backup", str(dest), {"file": str(dest)})
    return dest


def _create_private(dest: Path, gid: int | None) -> None:
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640)
    try:
        if gid is not None:
            try:
                os.fchown(fd, -1, gid)
            except PermissionError:
                pass  # not in that group: the file keeps ours, still 0640
        os.fchmod(fd, 0o640)
    finally:
        os.close(fd)


def _sqlite_backup(src: Path, dest: Path) -> None:
    _create_private(dest, src.stat().st_gid)
    source = sqlite3.connect(str(src), timeout=db.BUSY_TIMEOUT_S)
    target = sqlite3.connect(str(dest))
    try:
        # One step (pages=-1): a single read snapshot under WAL, never blocking writers.
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # a self-contained file
    finally:
        target.close()
        source.close()
    os.chmod(dest, 0o640)


def _pg_dump(url: str, dest: Path) -> None:
    from sqlalchemy.engine import make_url

    exe = shutil.which("pg_dump")
    if exe is None:
        raise ServiceError(t("db.no_pg_dump"))
    from ..store.pgroles import connect_url

    u = connect_url(make_url(url))
    env = {**os.environ}
    if u.password:
        env["PGPASSWORD"] = u.password
    args = [exe, "--format=custom", "--file", str(dest), "--dbname", u.database or ""]
    if u.host:
        args += ["--host", u.host]
    if u.port:
        args += ["--port", str(u.port)]
    if u.username:
        args += ["--username", u.username]
    _create_private(dest, None)
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise ServiceError(t("db.pg_dump_failed", detail=done.stderr.strip()[:300]))


def _audit_raw(store: Store, actor: Actor, action: str, entity_id: str, after: dict) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO audit_entry (at, login, action, entity, entity_id, before, after)"
                 " VALUES (:at, :login, :action, 'database', :eid, '', :after)"),
            {"at": store.now(), "login": actor.login, "action": action, "eid": entity_id,
             "after": json.dumps(after, ensure_ascii=False)})


# -- upgrade --------------------------------------------------------------------------------

@dataclass
class UpgradeReport:
    before: str | None
    after: str
    backup: Path | None
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.before != self.after


def upgrade(store: Store, actor: Actor, backup_dir: Path | None = None) -> UpgradeReport:
    """Back the store up, then run every pending migration in one transaction; every row that
    was there before is still there after (checked per table before committing)."""
    _require_admin(actor)
    state = store.schema_state()
    if state == revision.AHEAD:
        raise SchemaMismatch(t("db.ahead"))
    with db.read_connection(store.engine) as conn:
        before = db.stored_revision(conn)
    if state == revision.CURRENT:
        return UpgradeReport(before, revision.HEAD, None)
    from ..store import migrate

    copy = None
    src = db.sqlite_path(store.url)
    stamp = store.now().strftime("%Y%m%d-%H%M%S")
    label = before or "v1"
    if src is not None:
        folder = backup_dir or src.parent
        copy = folder / f"{src.stem}.before-upgrade-{label}-{stamp}{src.suffix or '.db'}"
    elif backup_dir is not None:
        copy = backup_dir / f"huifang.before-upgrade-{label}-{stamp}.dump"
    if copy is not None:
        backup(store, actor, copy)
    engine = db.make_engine(store.url, foreign_keys=False, as_owner=True)  # PostgreSQL: the owner role
    try:
        with engine.begin() as conn:
            from sqlalchemy import inspect

            tables = [n for n in inspect(conn).get_table_names() if n != db.ALEMBIC_TABLE]
            counts = migrate.table_counts(conn, tables)
            migrate.upgrade(conn)
            after_counts = migrate.table_counts(conn, tables)
            lost = {n: (counts[n], after_counts[n]) for n in tables if after_counts[n] < counts[n]}
            if lost:
                raise ServiceError(t("db.rows_lost", detail=lost))
            db.grant_app_role(conn, store.url)  # new tables: the app role's rights, audit append-only
            conn.execute(
                text("INSERT INTO audit_entry (at, login, action, entity, entity_id, before, after)"
                     " VALUES (:at, :login, 'db.upgrade', 'database', :eid, :before, :after)"),
                {"at": store.now(), "login": actor.login, "eid": revision.HEAD,
                 "before": json.dumps({"revision": before}),
                 "after": json.dumps({"revision": revision.HEAD, "backup": str(copy) if copy else None},
                                     ensure_ascii=False)})
    finally:
        engine.dispose()
    if src is not None:
        db.fix_mode(src)
    return UpgradeReport(before, revision.HEAD, copy, after_counts)


# -- check ----------------------------------------------------------------------------------

@dataclass
class CheckLine:
    ok: bool
    text: str


def check(store: Store, actor: Actor) -> list[CheckLine]:
    """Integrity, foreign keys, the schema revision and the callbacks' planned dates, in
    plain words. Reads only."""
    if actor.role not in ("admin", "supervisor"):
        raise denied(actor, t("db.need_supervisor", role=t(f"role.{actor.role}")), "db")
    lines: list[CheckLine] = []
    state = store.schema_state()
    with db.read_connection(store.engine) as conn:
        stored = db.stored_revision(conn)
        if conn.dialect.name == "sqlite":
            res = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            ok = res == ["ok"]
            lines.append(CheckLine(ok, t("db.check_integrity_ok") if ok
                                   else t("db.check_integrity_bad", detail="; ".join(res[:5]))))
            fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            lines.append(CheckLine(not fk, t("db.check_fk_ok") if not fk
                                   else t("db.check_fk_bad", n=len(fk), table=fk[0][0])))
        else:
            lines.append(CheckLine(True, t("db.check_server")))
        if state == revision.CURRENT:
            lines.append(CheckLine(True, t("db.check_rev_ok", rev=stored)))
            missing = conn.execute(text("SELECT count(*) FROM callback WHERE planned_due_on IS NULL")).scalar()
            lines.append(CheckLine(missing == 0, t("db.check_planned_ok") if missing == 0
                                   else t("db.check_planned_bad", n=missing)))
        elif state == revision.BEHIND:
            lines.append(CheckLine(False, t("db.check_rev_behind", rev=stored or "v1", head=revision.HEAD)))
        else:
            lines.append(CheckLine(False, t("db.check_rev_ahead", rev=stored, head=revision.HEAD)))
    return lines


