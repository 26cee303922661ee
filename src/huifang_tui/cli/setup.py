"""``huifang init`` (a new store and its first admin; ``--shared`` for the shared install) and
``huifang db upgrade|backup|check`` (keeping the store: schema, copies, integrity)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..core import config
from ..core.i18n import t
from .context import Context, store_file


def add_parsers(sub) -> None:  # noqa: ANN001
    pi = sub.add_parser("init", help=t("cli.init"))
    pi.add_argument("--shared", metavar="DIR", help=t("cli.init_shared"))
    pi.add_argument("--group", help=t("cli.init_group"))
    pi.add_argument("--name", help=t("cli.init_name"))
    pi.add_argument("--company", help=t("cli.init_company"))
    from ..install.setup import add_init_options

    add_init_options(pi)

    pdb = sub.add_parser("db", help=t("cli.db"))
    dbsub = pdb.add_subparsers(dest="db_cmd", required=True, metavar="ACTION")
    dbsub.add_parser("upgrade", help=t("cli.db_upgrade"))
    pbk = dbsub.add_parser("backup", help=t("cli.db_backup"))
    pbk.add_argument("file", type=Path, help=t("cli.db_backup_file"))
    dbsub.add_parser("check", help=t("cli.db_check"))


def init(ctx: Context) -> int:
    from ..services.base import Store
    from ..services.users import bootstrap_admin, os_login

    args = ctx.args
    lines: list[str] = []
    if args.shared:
        from ..install.setup import init_shared

        return init_shared(args)
    url, src = config.resolve_db(args.db)
    store_file(url)  # a directory or a FIFO named as the new store: refused before SQLite waits on it
    store = Store(url)
    store.ensure_schema()
    lines.append(t("init.db_plain", db=config.display_db(url), src=src))
    login = args.admin or os_login()
    u = bootstrap_admin(store, login, args.name or login)
    lines.append(t("init.admin", login=u.login, role=t(f"role.{u.role}")))
    if args.company:
        from ..services.base import Actor
        from ..services.calendar import set_company_name

        set_company_name(store, Actor(u.login, u.role, u.name), args.company)
        lines.append(t("init.company", company=args.company))
    ctx.say("\n".join(lines))
    return 0


def db(ctx: Context) -> int:
    """The store opened as it is (before or after an upgrade), the acting user read without
    the ORM (``maintenance.db_actor``)."""
    from ..services import maintenance
    from ..services.base import ServiceError, Store

    args = ctx.args
    url, _src = config.resolve_db(args.db)
    if store_file(url) is False:
        raise ServiceError(t("err.no_database", db=config.display_db(url)))
    store = Store(url)
    actor = maintenance.db_actor(store, args.as_login)
    if args.db_cmd == "backup":
        from ..core import system
        from ..core.checked_files import check_directory

        if system.locked() is None:  # the elevated process leaves the person's path to them
            check_directory(args.file)  # a person's backup never goes into the shared store's directory
        path = maintenance.backup(store, actor, args.file)
        ctx.say(t("db.backup_done", file=path))
        return 0
    if args.db_cmd == "upgrade":
        rep = maintenance.upgrade(store, actor)
        if not rep.changed:
            ctx.say(t("db.upgrade_none", rev=rep.after))
            return 0
        if rep.backup is not None:
            ctx.say(t("db.upgrade_backup", file=rep.backup))
        ctx.say(t("db.upgrade_done", before=rep.before or "v1", after=rep.after))
        return 0
    lines = maintenance.check(store, actor)
    for line in lines:
        ctx.say(("✓ " if line.ok else "✗ ") + line.text)
    ok = all(line.ok for line in lines)
    ctx.say(t("db.check_ok") if ok else t("db.check_bad"))
    return 0 if ok else 1


COMMANDS: dict[str, Callable[[Context], int]] = {"init": init, "db": db}
