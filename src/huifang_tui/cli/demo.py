"""``huifang demo``: build (or reuse) the demo centre and open the app on it; a database that
is not a demo, or a demo people have worked in, is never overwritten unasked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from ..core import config
from ..core.i18n import t
from .context import Context, store_file
from .parser import DATE, INT

DEMO_DEFAULT_LOGIN = "agent1"
DEMO_MAX_CUSTOMERS = 100_000


def add_parsers(sub) -> None:  # noqa: ANN001
    pd = sub.add_parser("demo", help=t("cli.demo"))
    pd.add_argument("--seed", type=INT, default=7)
    pd.add_argument("--customers", type=INT, default=200)
    pd.add_argument("--no-open", action="store_true", help=t("cli.demo_no_open"))
    pd.add_argument("--date", type=DATE, help=t("cli.demo_date"))
    pd.add_argument("--force", action="store_true", help=t("demo.opt_force"))
    pd.add_argument("--reuse", action="store_true", help=t("demo.opt_reuse"))


def demo(ctx: Context) -> int:
    from ..demo import build_demo, demo_path
    from ..services.base import Store
    from ..services.users import os_login, resolve_actor
    from ..store.db import fix_mode
    from .start import open_app

    args = ctx.args
    if not 1 <= args.customers <= DEMO_MAX_CUSTOMERS:  # a huge number would build for hours
        from ..core.errors import ValidationError

        raise ValidationError(t("demo.bad_customers", value=args.customers, max=DEMO_MAX_CUSTOMERS))
    if args.db:
        url = config.to_url(args.db)
    else:
        url = config.to_url(str(demo_path()))
    from ..store.db import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        if store_file(url) and not _is_demo_file(path):
            from ..core.errors import ServiceError

            raise ServiceError(t("demo.not_demo", db=path))
        if args.reuse and path.exists() and _demo_current(path):
            print(t("demo.reusing", db=path))
            if args.no_open:
                return 0
            args.as_login = args.as_login or DEMO_DEFAULT_LOGIN
            store = Store(url)
            return open_app(store, resolve_actor(store, args.as_login))
        work = _demo_work(path) if path.exists() else {}
        if work and not args.force:
            from ..core.errors import Conflict

            raise Conflict(t("demo.has_work", db=path, what=_describe_work(work)))
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
    store = Store(url)
    store.ensure_schema()
    today = args.date or date.today()
    summary = build_demo(store, today, seed=args.seed, customers=args.customers, admin_login=os_login())
    if path is not None:
        fix_mode(path)
    ctx.say(t("demo.built", db=url, customers=summary.customers, work_orders=summary.work_orders))
    if args.no_open:
        return 0
    if not args.as_login:
        args.as_login = DEMO_DEFAULT_LOGIN
        ctx.say(t("demo.opening_as", login=DEMO_DEFAULT_LOGIN))
    actor = resolve_actor(store, args.as_login)
    return open_app(store, actor)


_NOT_WORK = ("callback.claim", "phone.reveal")
_NOT_WORK_PREFIXES = ("alert.", "plan.", "db.", "demo.", "refused", "export", "report.export")


def _demo_work(path: Path) -> dict[str, int]:
    """What people did in a demo database since it was built (from its audit log), by kind:
    calls, issue actions, day closes, other changes. Empty when nothing would be lost."""
    import sqlite3

    from ..store import fastread

    try:
        conn = fastread.connect(str(path))
    except sqlite3.DatabaseError:
        return {}
    try:
        if not fastread.is_initialised(conn):
            return {}
        mark = int(fastread.setting(conn, "demo.audit_mark") or 0)
        rows = conn.execute("SELECT action, count(*) FROM audit_entry WHERE id > ? AND login != 'system'"
                            " GROUP BY action", (mark,)).fetchall()
    except (sqlite3.DatabaseError, ValueError):
        return {}
    finally:
        conn.close()
    out: dict[str, int] = {}
    for action, n in rows:
        if action in _NOT_WORK or action.startswith(_NOT_WORK_PREFIXES):
            continue
        kind = ("calls" if action.startswith("callback.") else "issues" if action.startswith("issue.")
                else "day_closes" if action == "day.close" else "other")
        out[kind] = out.get(kind, 0) + n
    return out


def _describe_work(work: dict[str, int]) -> str:
    sep = t("demo.work_sep")
    return sep.join(t(f"demo.work_{k}", n=n) for k, n in sorted(work.items()))


def _demo_current(path: Path) -> bool:
    from ..store import fastread, revision

    conn = fastread.connect(str(path))
    try:
        return revision.classify(fastread.stored_revision(conn), True) == revision.CURRENT
    finally:
        conn.close()


def _is_demo_file(path: Path) -> bool:
    """Only a demo database (or an empty file) may be rebuilt by ``huifang demo``."""
    from ..store import fastread

    if path.stat().st_size == 0:
        return True
    import sqlite3

    try:
        conn = fastread.connect(str(path))
        try:
            if not fastread.is_initialised(conn):
                return not conn.execute("SELECT 1 FROM sqlite_master").fetchone()
            return fastread.setting(conn, "demo") == "1"
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False  # not a SQLite file at all: certainly not ours to overwrite


COMMANDS: dict[str, Callable[[Context], int]] = {"demo": demo}
