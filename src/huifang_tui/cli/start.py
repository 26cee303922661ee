"""``huifang`` / ``huifang run``: open the app on the person's queue (or the board), with the
first queue painted before the ORM is imported (start-up speed, SPEC §6)."""

from __future__ import annotations

from collections.abc import Callable

from ..core import config
from ..core.i18n import t
from .context import Context, store_file


def add_parsers(sub) -> None:  # noqa: ANN001
    sub.add_parser("run", help=t("cli.run"))


def run(ctx: Context) -> int:
    fast = fast_open(ctx.args)
    if fast is not None:
        return fast
    return open_app(ctx.store, ctx.actor)


def open_app(store, actor) -> int:  # noqa: ANN001
    from ..app import HuifangApp

    return run_app(HuifangApp(store, actor))


def run_app(app) -> int:  # noqa: ANN001
    """Run the app; an error that stopped it is raised here, once the terminal is restored, so
    it ends like any command's: one plain line, the traceback in the log (never Textual's
    traceback on the screen, issue 21)."""
    app.run()
    error = app.stopped_by()
    if error is not None:
        raise error
    return 0


def fast_open(args) -> int | None:  # noqa: ANN001
    """Open the app on a SQLite file without importing the ORM first (start-up speed, SPEC §6).

    Identity is checked and the first queue painted with the standard library's sqlite3
    (store/fastread.py); the services layer loads in the background. None = not SQLite.
    """
    import gc

    # Starting builds ~50,000 objects that live as long as the app (modules, classes, styles)
    # and next to no cyclic garbage: the collector would only walk them again and again
    # (~20 ms of CPU before the first frame). It is off until the app is up, when the app
    # turns it back on (HuifangApp._after_start), and on again here whatever happens.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _open_sqlite(args, resume_gc=collecting)
    finally:
        if collecting:
            gc.enable()


def _open_sqlite(args, resume_gc: bool) -> int | None:  # noqa: ANN001
    from datetime import datetime as _dt

    from ..core.errors import PermissionDenied, ServiceError, UnknownLogin
    from ..core.identity import Actor, os_login
    from ..store import fastread

    url, _src = config.resolve_db(args.db)
    path = config.sqlite_file(url)
    if path is None:
        return None
    if not store_file(url):
        raise ServiceError(t("err.no_database", db=config.display_db(url)))
    conn = fastread.connect(path)
    try:
        if not fastread.is_initialised(conn):
            raise ServiceError(t("err.no_database", db=config.display_db(url)))
        _check_revision(fastread.stored_revision(conn))
        login = os_login()
        if args.as_login and args.as_login != login:
            if fastread.setting(conn, "demo") != "1":
                raise PermissionDenied(t("err.as_not_demo"))
            login = args.as_login
        user = fastread.user(conn, login)
        if user is None:
            raise UnknownLogin(t("err.unknown_login", login=login))
        if not user[3]:
            raise PermissionDenied(t("rules.user_inactive", login=login))
        actor = Actor(user[0], user[2], user[1])
        first_paint = None
        if not actor.is_supervisor:  # supervisors open on the board, not the queue
            now = _dt.now().replace(microsecond=0)
            rows, progress = fastread.queue_snapshot(conn, actor.login, actor.role, now)
            first_paint = (rows, progress, fastread.calendar(conn))
    finally:
        conn.close()
    from ..app import HuifangApp

    return run_app(HuifangApp(url, actor, first_paint=first_paint, resume_gc=resume_gc))


def _check_revision(stored: str | None) -> None:
    from ..core.errors import SchemaMismatch
    from ..store import revision

    state = revision.classify(stored, True)
    if state == revision.BEHIND:
        raise SchemaMismatch(t("db.behind"))
    if state == revision.AHEAD:
        raise SchemaMismatch(t("db.ahead"))


COMMANDS: dict[str, Callable[[Context], int]] = {"run": run}
