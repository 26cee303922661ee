"""Command line: ``huifang [--db …] [--lang …] [--as …] [COMMAND]``.

Without a command the app opens on the current user's queue.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path

from . import config
from .i18n import detect, set_lang, t

EXIT_REFUSED = 2
DEMO_DEFAULT_LOGIN = "agent1"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="huifang", description=t("cli.description"))
    p.add_argument("--db", help=t("cli.opt_db"))
    p.add_argument("--lang", choices=["zh_CN", "en"], help=t("cli.opt_lang"))
    p.add_argument("--as", dest="as_login", metavar="LOGIN", help=t("cli.opt_as"))
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")

    sub.add_parser("run", help=t("cli.run"))

    pi = sub.add_parser("init", help=t("cli.init"))
    pi.add_argument("--shared", metavar="DIR", help=t("cli.init_shared"))
    pi.add_argument("--group", help=t("cli.init_group"))
    pi.add_argument("--name", help=t("cli.init_name"))
    pi.add_argument("--company", help=t("cli.init_company"))
    from .cli_shared import add_init_options

    add_init_options(pi)

    pu = sub.add_parser("user", help=t("cli.user"))
    usub = pu.add_subparsers(dest="user_cmd", required=True, metavar="ACTION")
    pa = usub.add_parser("add", help=t("cli.user_add"))
    pa.add_argument("login")
    pa.add_argument("--role", required=True, choices=["agent", "supervisor", "admin", "sales_manager"])
    pa.add_argument("--name", required=True)
    usub.add_parser("list", help=t("cli.user_list"))

    pd = sub.add_parser("demo", help=t("cli.demo"))
    pd.add_argument("--seed", type=int, default=7)
    pd.add_argument("--customers", type=int, default=200)
    pd.add_argument("--no-open", action="store_true", help=t("cli.demo_no_open"))
    pd.add_argument("--date", type=date.fromisoformat, help=t("cli.demo_date"))

    pq = sub.add_parser("queue", help=t("cli.queue"))
    pq.add_argument("--date", type=date.fromisoformat)
    g = pq.add_mutually_exclusive_group()
    g.add_argument("--agent", metavar="LOGIN")
    g.add_argument("--all", action="store_true")
    pq.add_argument("--json", action="store_true")

    pp = sub.add_parser("plan", help=t("cli.plan"))
    pp.add_argument("--now", type=datetime.fromisoformat, help=t("cli.plan_now"))

    pim = sub.add_parser("import", help=t("cli.import"))
    pim.add_argument("kind", choices=["workorders", "customers", "sales", "events"])
    pim.add_argument("file", type=Path)
    pim.add_argument("--skip-bad", action="store_true", help=t("cli.import_skip_bad"))

    pc = sub.add_parser("calendar", help=t("cli.calendar"))
    csub = pc.add_subparsers(dest="cal_cmd", required=True, metavar="ACTION")
    cs = csub.add_parser("show", help=t("cli.calendar_show"))
    cs.add_argument("month", help="YYYY-MM")
    cset = csub.add_parser("set", help=t("cli.calendar_set"))
    cset.add_argument("day", type=date.fromisoformat)
    cset.add_argument("what", choices=["holiday", "workday"])
    cset.add_argument("note", nargs="?", default="")

    ppo = sub.add_parser("policy", help=t("cli.policy"))
    posub = ppo.add_subparsers(dest="policy_cmd", required=True, metavar="ACTION")
    posub.add_parser("show", help=t("cli.policy_show"))
    pset = posub.add_parser("set", help=t("cli.policy_set"))
    pset.add_argument("file", type=Path)

    pv = sub.add_parser("visit", help=t("cli.visit"))
    pv.add_argument("customer", help=t("cli.visit_customer"))
    pv.add_argument("date", type=date.fromisoformat)
    pv.add_argument("--n", type=int, default=1, help=t("cli.visit_n"))

    pas = sub.add_parser("assign", help=t("cli.assign"))
    pas.add_argument("number")
    pas.add_argument("login", help=t("cli.assign_login"))

    from . import cli_board

    cli_board.add_parsers(sub)

    pdb = sub.add_parser("db", help=t("cli.db"))
    dbsub = pdb.add_subparsers(dest="db_cmd", required=True, metavar="ACTION")
    dbsub.add_parser("upgrade", help=t("cli.db_upgrade"))
    pbk = dbsub.add_parser("backup", help=t("cli.db_backup"))
    pbk.add_argument("file", type=Path, help=t("cli.db_backup_file"))
    dbsub.add_parser("check", help=t("cli.db_check"))

    pr = sub.add_parser("record", help=t("cli.record"))
    pr.add_argument("number")
    pr.add_argument("--outcome", required=True)
    pr.add_argument("--scores", help="RESOLUTION,ATTITUDE")
    pr.add_argument("--reached", help="NAME/POSITION")
    pr.add_argument("--note", default="")
    pr.add_argument("--when", help=t("cli.record_when"))
    pr.add_argument("--to", help=t("cli.record_to"))
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from . import cli_shared

    stop = cli_shared.prepare()  # the elevated process of a shared install locks itself first
    if stop is not None:
        return stop
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang")
    known, _ = pre.parse_known_args(argv)
    set_lang(detect(known.lang))
    from .i18n.argparse_words import install

    install()  # argparse's own words ("usage:", "options", errors) in the app's language
    args = _parser().parse_args(argv)
    stop = cli_shared.check_locked(args)
    if stop is None:
        stop = cli_shared.maybe_elevate(args, argv)  # re-runs through sudo when needed
    if stop is not None:
        return stop
    from .errors import PermissionDenied, ServiceError

    try:
        return _dispatch(args)
    except ServiceError as e:
        print(str(e), file=sys.stderr)
        return EXIT_REFUSED if isinstance(e, PermissionDenied) else 1


def _store(args, *, must_exist: bool = True):  # noqa: ANN001, ANN202
    from .services.base import ServiceError, Store

    url, _src = config.resolve_db(args.db)
    if must_exist and url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        raise ServiceError(t("err.no_database", db=config.display_db(url)))
    store = Store(url)
    if must_exist and not store.is_initialised():
        raise ServiceError(t("err.no_database", db=config.display_db(url)))
    # Never migrates and never takes the write lock: a database behind this code's revision
    # is refused with a line telling to ask an admin for `huifang db upgrade`.
    store.check_schema()
    return store


def _actor(store, args):  # noqa: ANN001, ANN202
    from .services.users import resolve_actor

    return resolve_actor(store, args.as_login)


def _dispatch(args) -> int:  # noqa: ANN001, C901
    cmd = args.cmd or "run"
    if cmd == "demo":
        return _cmd_demo(args)
    if cmd == "init":
        return _cmd_init(args)
    if cmd == "db":
        return _cmd_db(args)
    if cmd == "run":
        fast = _fast_open(args)
        if fast is not None:
            return fast
    store = _store(args)
    if cmd == "run":
        actor = _actor(store, args)
        return _open_app(store, actor)
    if cmd == "user":
        from .services import users

        actor = _actor(store, args)
        if args.user_cmd == "add":
            u = users.add_user(store, actor, args.login, args.role, args.name)
            print(t("user.added", login=u.login, role=t(f"role.{u.role}"), name=u.name))
        else:
            for u in users.list_users(store, actor):
                print(f"{u.login}\t{u.role}\t{u.name}\t{'' if u.active else '(inactive)'}")
        return 0
    if cmd == "queue":
        return _cmd_queue(store, args)
    if cmd in ("board", "audit"):
        from . import cli_board

        return cli_board.run(store, _actor(store, args), args)
    if cmd == "plan":
        from .services.planner import run_planner

        rep = run_planner(store, now=args.now)
        print(t("plan.report", created=rep.created, cancelled=rep.cancelled, now=rep.now.isoformat(" ")))
        return 0
    if cmd == "import":
        return _cmd_import(store, args)
    if cmd == "calendar":
        return _cmd_calendar(store, args)
    if cmd == "record":
        return _cmd_record(store, args)
    if cmd == "policy":
        from .services import calendar as calsvc

        actor = _actor(store, args)
        if args.policy_cmd == "show":
            print(calsvc.policy_text(store, actor))
            return 0
        from .safe_files import read_text

        calsvc.set_policy(store, actor, read_text(args.file))
        print(t("policy.saved", file=args.file))
        return 0
    if cmd == "visit":
        from .services.planner import plan_annual_visit

        number = plan_annual_visit(store, _actor(store, args), args.customer, args.date, args.n)
        print(t("visit.planned", number=number, name=args.customer, date=args.date.isoformat()))
        return 0
    if cmd == "assign":
        from .services.callbacks import assign

        login = None if args.login in ("-", "pool") else args.login
        cb = assign(store, _actor(store, args), args.number, login)
        print(t("cli.assigned", number=cb.number, login=cb.agent_login or t("cli.pool")))
        return 0
    raise SystemExit(f"unknown command {cmd}")


def _fast_open(args) -> int | None:  # noqa: ANN001
    """Open the app on a SQLite file without importing the ORM first (start-up speed, SPEC §6).

    Identity is checked and the first queue painted with the standard library's sqlite3
    (store/fastread.py); the services layer loads in the background. None = not SQLite.
    """
    from datetime import datetime as _dt

    from .errors import PermissionDenied, ServiceError, UnknownLogin
    from .identity import Actor, os_login
    from .store import fastread

    url, _src = config.resolve_db(args.db)
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///"):]
    if not Path(path).exists():
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
        if user is None or not user[3]:
            raise UnknownLogin(t("err.unknown_login", login=login))
        actor = Actor(user[0], user[2], user[1])
        first_paint = None
        if not actor.is_supervisor:  # supervisors open on the board, not the queue
            now = _dt.now().replace(microsecond=0)
            rows, progress = fastread.queue_snapshot(conn, actor.login, actor.role, now)
            first_paint = (rows, progress, fastread.calendar(conn))
    finally:
        conn.close()
    from .app import HuifangApp

    HuifangApp(url, actor, first_paint=first_paint).run()
    return 0


def _check_revision(stored: str | None) -> None:
    from .errors import SchemaMismatch
    from .store import revision

    state = revision.classify(stored, True)
    if state == revision.BEHIND:
        raise SchemaMismatch(t("db.behind"))
    if state == revision.AHEAD:
        raise SchemaMismatch(t("db.ahead"))


def _cmd_db(args) -> int:  # noqa: ANN001
    from .services import maintenance
    from .services.base import ServiceError, Store

    url, _src = config.resolve_db(args.db)
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        raise ServiceError(t("err.no_database", db=config.display_db(url)))
    store = Store(url)
    actor = maintenance.db_actor(store, args.as_login)
    if args.db_cmd == "backup":
        from .safe_files import check_directory

        check_directory(args.file)  # a person's backup never goes into the shared store's directory
        path = maintenance.backup(store, actor, args.file)
        print(t("db.backup_done", file=path))
        return 0
    if args.db_cmd == "upgrade":
        rep = maintenance.upgrade(store, actor)
        if not rep.changed:
            print(t("db.upgrade_none", rev=rep.after))
            return 0
        if rep.backup is not None:
            print(t("db.upgrade_backup", file=rep.backup))
        print(t("db.upgrade_done", before=rep.before or "v1", after=rep.after))
        return 0
    lines = maintenance.check(store, actor)
    for line in lines:
        print(("✓ " if line.ok else "✗ ") + line.text)
    ok = all(line.ok for line in lines)
    print(t("db.check_ok") if ok else t("db.check_bad"))
    return 0 if ok else 1


def _open_app(store, actor) -> int:  # noqa: ANN001
    from .app import HuifangApp

    HuifangApp(store, actor).run()
    return 0


def _cmd_init(args) -> int:  # noqa: ANN001
    from .services.base import Store
    from .services.users import bootstrap_admin, os_login

    lines: list[str] = []
    if args.shared:
        from .cli_shared import init_shared

        return init_shared(args)
    url, src = config.resolve_db(args.db)
    store = Store(url)
    store.ensure_schema()
    lines.append(t("init.db_plain", db=config.display_db(url), src=src))
    login = args.admin or os_login()
    u = bootstrap_admin(store, login, args.name or login)
    lines.append(t("init.admin", login=u.login, role=t(f"role.{u.role}")))
    if args.company:
        from .services.base import Actor
        from .services.calendar import set_company_name

        set_company_name(store, Actor(u.login, u.role, u.name), args.company)
        lines.append(t("init.company", company=args.company))
    print("\n".join(lines))
    return 0


def _cmd_demo(args) -> int:  # noqa: ANN001
    from .demo import build_demo, demo_path
    from .services.base import Store
    from .services.users import os_login
    from .store.db import fix_mode

    if args.db:
        url = config.to_url(args.db)
    else:
        url = config.to_url(str(demo_path()))
    from .store.db import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        if path.exists() and not _is_demo_file(path):
            from .errors import ServiceError

            raise ServiceError(t("demo.not_demo", db=path))
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
    store = Store(url)
    store.ensure_schema()
    today = args.date or date.today()
    summary = build_demo(store, today, seed=args.seed, customers=args.customers, admin_login=os_login())
    if path is not None:
        fix_mode(path)
    print(t("demo.built", db=url, customers=summary.customers, work_orders=summary.work_orders))
    if args.no_open:
        return 0
    if not args.as_login:
        args.as_login = DEMO_DEFAULT_LOGIN
        print(t("demo.opening_as", login=DEMO_DEFAULT_LOGIN))
    actor = _actor(store, args)
    return _open_app(store, actor)


def _is_demo_file(path: Path) -> bool:
    """Only a demo database (or an empty file) may be rebuilt by ``huifang demo``."""
    from .store import fastread

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


def _cmd_queue(store, args) -> int:  # noqa: ANN001
    from .services.queue import queue_rows

    actor = _actor(store, args)
    day = args.date or store.today()
    agent = None if args.all else (args.agent or actor.login)
    rows = queue_rows(store, actor, day, agent=agent, all_agents=args.all)
    if args.json:
        print(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=1))
        return 0
    from .ui_text import render_queue_text

    print(render_queue_text(rows, day))
    return 0


def _cmd_import(store, args) -> int:  # noqa: ANN001
    from .services.imports import ImportRejected, import_file

    actor = _actor(store, args)
    progress = _progress_bar(args.file.name)
    try:
        rep = import_file(store, actor, args.kind, args.file, skip_bad=args.skip_bad, progress=progress)
    except ImportRejected as e:
        progress(None, None)
        print(str(e), file=sys.stderr)
        return 1
    progress(None, None)
    print(rep.describe())
    return 1 if rep.rejected and not args.skip_bad else 0


def _progress_bar(label: str):  # noqa: ANN202
    """A rich progress bar on stderr, shown only for large files and on a terminal."""
    state: dict = {}

    def cb(done, total):  # noqa: ANN001
        if done is None:
            if "p" in state:
                state["p"].stop()
            return
        if total is None or total < 2000 or not sys.stderr.isatty():
            return
        if "p" not in state:
            from rich.progress import Progress

            from rich.console import Console

            state["p"] = Progress(console=Console(stderr=True), transient=True)
            state["p"].start()
            state["task"] = state["p"].add_task(label, total=total)
        state["p"].update(state["task"], completed=done)

    return cb


def _cmd_calendar(store, args) -> int:  # noqa: ANN001
    from .services import calendar as calsvc

    actor = _actor(store, args)
    if args.cal_cmd == "set":
        calsvc.set_day(store, actor, args.day, args.what == "workday", args.note)
        print(t("cal.set_done", day=args.day.isoformat(), what=t(f"cal.{args.what}")))
        return 0
    try:
        y, m = (int(x) for x in args.month.split("-"))
        first = date(y, m, 1)
    except ValueError:
        print(t("cal.bad_month", value=args.month), file=sys.stderr)
        return 1
    print(calsvc.month_text(store, actor, first))
    return 0


def _cmd_record(store, args) -> int:  # noqa: ANN001
    from .services.callbacks import record_from_cli

    actor = _actor(store, args)
    print(record_from_cli(store, actor, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
