"""Command line: ``huifang [--db …] [--lang …] [--as …] [COMMAND]``.

Without a command the app opens on the current user's queue.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, NoReturn

from ..core import config
from ..core.i18n import detect, set_lang, t

if TYPE_CHECKING:
    import argparse

EXIT_BAD_INPUT = 1
EXIT_REFUSED = 2
DEMO_DEFAULT_LOGIN = "agent1"
DEMO_MAX_CUSTOMERS = 100_000
# The options the app itself takes (``huifang [--db X] [--lang L] [--as LOGIN]``); see _app_args.
_APP_OPTIONS = {"--db": "db", "--lang": "lang", "--as": "as_login"}


def _parser_class() -> type:
    import argparse

    class _Parser(argparse.ArgumentParser):
        """Bad arguments exit 1 with one line naming the option and the fix (never a traceback)."""

        def error(self, message: str) -> NoReturn:
            from ..core.i18n.argparse_words import translate

            self.exit(EXIT_BAD_INPUT, translate("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": message})

    return _Parser


def _typed(kind: str, parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type whose error says what was expected (``--date``: YYYY-MM-DD …)."""

    def convert(text: str) -> object:
        try:
            return parse(text)
        except (ValueError, TypeError):
            import argparse

            usage = {"date": "time_examples.day", "datetime": "time_examples.moment"}.get(kind)
            raise argparse.ArgumentTypeError(t(f"cli.expect.{kind}", value=text,
                                               **({"usage": t(usage)} if usage else {}))) from None

    convert.__name__ = kind
    return convert


def _read(kind: str) -> Callable[[str], object]:
    """A date or time option read by the domain's one reader (``timephrase``): ISO 8601 or a
    phrase; a date out of 2000-2099 is read here and refused after parsing, naming the range."""

    def read(text: str) -> object:
        from ..domain.policy import Policy
        from ..domain.timephrase import PhraseError, read_day, read_time

        try:
            if kind == "date":
                return read_day(text)
            return read_time(text, datetime.now(), Policy().work_hours, ahead=False)
        except PhraseError as e:
            if e.code != "range":
                raise ValueError(text) from e
            parse = date.fromisoformat if kind == "date" else datetime.fromisoformat
            try:
                return parse(text.strip())
            except ValueError:
                return parse(text.strip()[:10])

    return read


_DATE = _typed("date", _read("date"))
_DATETIME = _typed("datetime", _read("datetime"))
_TIME_OPTIONS = ("--when", "--to", "--now")


def _offsets_joined(argv: list[str]) -> list[str]:
    """``--when -2d`` as ``--when=-2d``: a time back from now (``timephrase``: ``-2d``, ``-3h``,
    ``-30m``) would otherwise be taken for an option and the time said to be missing."""
    import re

    back = re.compile(r"^-\d{1,3}\s*(d|h|m|天|小时|分钟)$", re.IGNORECASE)
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return out + argv[i:]
        if a in _TIME_OPTIONS and i + 1 < len(argv) and back.match(argv[i + 1]):
            out.append(f"{a}={argv[i + 1]}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out
_INT = _typed("int", int)


# The commands the cli_* modules add, by module (read without importing them; a test checks it).
_EXTENSION_COMMANDS = {
    "work": ("lapse", "callbacks", "defer"), "undo": ("undo",), "pg": ("migrate-to",),
    "board": ("board", "audit"), "issues": ("issue", "issues", "department"),
    "report": ("report", "spotcheck"), "sales": ("sales",),
}
_CORE_COMMANDS = ("run", "init", "user", "demo", "queue", "plan", "import", "calendar", "policy", "visit", "assign",
                  "db", "record")


class _Skipped:
    """Stands for the parser of a command that is not being run: takes every call, keeps nothing."""

    def __getattr__(self, _name: str):  # noqa: ANN204
        return lambda *a, **kw: self


class _Only:
    """``add_subparsers()``'s action, building only the command being run (``--help`` of that
    command and its errors read exactly as with every command built)."""

    def __init__(self, sub, only: str) -> None:  # noqa: ANN001
        self._sub, self._only = sub, only

    def add_parser(self, name: str, **kw):  # noqa: ANN003, ANN201
        return self._sub.add_parser(name, **kw) if name == self._only else _Skipped()


def _command_of(argv: list[str]) -> str | None:
    """The command in ``argv`` when it is plainly one (after the app's own options), else None."""
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok in _APP_OPTIONS:
            i += 2
        elif tok.partition("=")[0] in _APP_OPTIONS and "=" in tok:
            i += 1
        elif tok.startswith("-"):
            return None  # --help, or an option only the full parser knows how to read
        else:
            known = tok in _CORE_COMMANDS or any(tok in names for names in _EXTENSION_COMMANDS.values())
            return tok if known else None
    return None


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``only`` the one command being run: building every
    command's parser (and importing every cli_* module for it) costs more than parsing."""
    from ..domain.words import ROLES

    p = _parser_class()(prog="huifang", description=t("cli.description"))
    p.add_argument("--db", help=t("cli.opt_db"))
    p.add_argument("--lang", choices=["zh_CN", "en"], help=t("cli.opt_lang"))
    p.add_argument("--as", dest="as_login", metavar="LOGIN", help=t("cli.opt_as"))
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")
    if only is not None:
        sub = _Only(sub, only)

    sub.add_parser("run", help=t("cli.run"))

    pi = sub.add_parser("init", help=t("cli.init"))
    pi.add_argument("--shared", metavar="DIR", help=t("cli.init_shared"))
    pi.add_argument("--group", help=t("cli.init_group"))
    pi.add_argument("--name", help=t("cli.init_name"))
    pi.add_argument("--company", help=t("cli.init_company"))
    from ..install.shared import add_init_options

    add_init_options(pi)

    pu = sub.add_parser("user", help=t("cli.user"))
    usub = pu.add_subparsers(dest="user_cmd", required=True, metavar="ACTION")
    pa = usub.add_parser("add", help=t("cli.user_add"))
    pa.add_argument("login")
    pa.add_argument("--role", required=True, choices=ROLES)
    pa.add_argument("--name", required=True)
    usub.add_parser("list", help=t("cli.user_list"))
    for action in ("disable", "enable"):
        usub.add_parser(action, help=t(f"users.cli_{action}")).add_argument("login")
    pro = usub.add_parser("role", help=t("users.cli_role"))
    pro.add_argument("login")
    pro.add_argument("role", choices=ROLES)

    pd = sub.add_parser("demo", help=t("cli.demo"))
    pd.add_argument("--seed", type=_INT, default=7)
    pd.add_argument("--customers", type=_INT, default=200)
    pd.add_argument("--no-open", action="store_true", help=t("cli.demo_no_open"))
    pd.add_argument("--date", type=_DATE, help=t("cli.demo_date"))
    pd.add_argument("--force", action="store_true", help=t("demo.opt_force"))
    pd.add_argument("--reuse", action="store_true", help=t("demo.opt_reuse"))

    pq = sub.add_parser("queue", help=t("cli.queue"))
    pq.add_argument("--date", type=_DATE)
    g = pq.add_mutually_exclusive_group()
    g.add_argument("--agent", metavar="LOGIN")
    g.add_argument("--all", action="store_true")
    pq.add_argument("--json", action="store_true")

    pp = sub.add_parser("plan", help=t("cli.plan"))
    pp.add_argument("--now", type=_DATETIME, help=t("cli.plan_now"))
    pp.add_argument("--full", action="store_true", help=t("cli.plan_full"))

    pim = sub.add_parser("import", help=t("cli.import"))
    pim.add_argument("kind", choices=["workorders", "customers", "sales", "events"])
    pim.add_argument("file", type=Path)
    pim.add_argument("--skip-bad", action="store_true", help=t("cli.import_skip_bad"))
    pim.add_argument("--encoding", metavar="NAME", help=t("cli.import_encoding"))

    pc = sub.add_parser("calendar", help=t("cli.calendar"))
    csub = pc.add_subparsers(dest="cal_cmd", required=True, metavar="ACTION")
    cs = csub.add_parser("show", help=t("cli.calendar_show"))
    cs.add_argument("month", help="YYYY-MM")
    cset = csub.add_parser("set", help=t("cli.calendar_set"))
    cset.add_argument("day", type=_DATE)
    cset.add_argument("what", choices=["holiday", "workday"])
    cset.add_argument("note", nargs="?", default="")

    ppo = sub.add_parser("policy", help=t("cli.policy"))
    posub = ppo.add_subparsers(dest="policy_cmd", required=True, metavar="ACTION")
    posub.add_parser("show", help=t("cli.policy_show"))
    pset = posub.add_parser("set", help=t("cli.policy_set"))
    pset.add_argument("file", type=Path)

    pv = sub.add_parser("visit", help=t("cli.visit"))
    pv.add_argument("customer", help=t("cli.visit_customer"))
    pv.add_argument("date", type=_DATE)
    pv.add_argument("--n", type=_INT, default=1, help=t("cli.visit_n"))

    pas = sub.add_parser("assign", help=t("cli.assign"))
    pas.add_argument("number")
    pas.add_argument("login", help=t("cli.assign_login"))

    pdb = sub.add_parser("db", help=t("cli.db"))
    dbsub = pdb.add_subparsers(dest="db_cmd", required=True, metavar="ACTION")
    dbsub.add_parser("upgrade", help=t("cli.db_upgrade"))
    pbk = dbsub.add_parser("backup", help=t("cli.db_backup"))
    pbk.add_argument("file", type=Path, help=t("cli.db_backup_file"))
    dbsub.add_parser("check", help=t("cli.db_check"))

    pr = sub.add_parser("record", help=t("cli.record"))
    pr.add_argument("number")
    pr.add_argument("--outcome", required=True)
    pr.add_argument("--scores", metavar="RESOLUTION,ATTITUDE", help=t("opt.scores"))
    pr.add_argument("--reached", metavar="NAME/POSITION", help=t("opt.reached"))
    pr.add_argument("--note", default="")
    pr.add_argument("--when", help=t("cli.record_when"))
    pr.add_argument("--to", help=t("cli.record_to"))
    pr.add_argument("--lead", action="store_true", help=t("sales.opt_lead"))
    pr.add_argument("--reason", default="", help=t("onecall.opt_reason"))
    import importlib

    for name, commands in _EXTENSION_COMMANDS.items():
        if only is None or only in commands:
            importlib.import_module(f".{name}", __package__).add_parsers(sub)
    from .help import finish

    return finish(p)


def main(argv: list[str] | None = None) -> int:
    """Exit 0 done · 1 bad input (names the field and the fix) · 2 refused (permission, a rule).

    Never a traceback (issue 21): whatever goes wrong, from reading the arguments to the last
    line written, ends in one plain line (two with the error log's path) and exit 1 or 2; when
    explaining fails too, a built-in line still says so. ``HUIFANG_DEBUG=1`` shows the traceback.
    """
    import os

    argv = sys.argv[1:] if argv is None else argv
    state = SimpleNamespace(args=None)
    try:
        status = _main(argv, state)
        sys.stdout.flush()  # a reader gone (``| head``) shows here, not at the interpreter's exit
        return status
    except SystemExit:  # argparse's own ending (--help, a bad argument), its line already written
        try:
            sys.stdout.flush()
        except BaseException as e:  # noqa: BLE001 - the help's reader has gone
            return _fail_safely(e, state.args)
        raise
    except BaseException as e:  # noqa: BLE001 - never a traceback for the user
        if os.environ.get("HUIFANG_DEBUG") and not isinstance(e, KeyboardInterrupt):
            raise
        return _fail_safely(e, state.args)


def _main(argv: list[str], state: SimpleNamespace) -> int:
    from ..install import shared as cli_shared

    stop = cli_shared.prepare()  # the elevated process of a shared install locks itself first
    if stop is not None:
        return stop
    argv = _offsets_joined(argv)
    args = _app_args(argv)
    if args is None:
        import argparse

        pre = argparse.ArgumentParser(add_help=False)
        pre.add_argument("--lang")
        known, _ = pre.parse_known_args(argv)
        set_lang(detect(known.lang))
        from ..core.i18n.argparse_words import install

        install()  # argparse's own words ("usage:", "options", errors) in the app's language
        args = _parser(_command_of(argv)).parse_args(argv)
    else:
        set_lang(detect(args.lang))
    state.args = args
    stop = cli_shared.check_locked(args)
    if stop is None:
        stop = cli_shared.maybe_elevate(args, argv)  # re-runs through sudo when needed
    if stop is not None:
        return stop
    from .limits import check_argv

    check_argv(argv)  # no single value over domain.limits.ARG_MAX characters (exit 1)
    _check_dates(args)
    return _dispatch(args)


def _fail_safely(e: BaseException, args) -> int:  # noqa: ANN001
    """A refusal's own words (exit 2), bad input's (exit 1), or anything else explained
    (exit 1); if saying it fails too, the built-in last words."""
    from ..core.errors import Refused, ServiceError

    status = EXIT_REFUSED if isinstance(e, Refused) else EXIT_BAD_INPUT
    try:
        if isinstance(e, ServiceError):
            return _fail(status, str(e))
        return _fail_plain(e, args)
    except BaseException as inner:  # noqa: BLE001 - the explainer's own failure, or Ctrl-C in it
        _last_words(inner if isinstance(inner, KeyboardInterrupt) else e)
        return status


def _last_words(e: BaseException) -> None:
    """One line on stderr, written with the fewest moving parts (no print, no Rich)."""
    import os

    try:
        from ..core.crash import last_words

        line = last_words(e)
    except BaseException:  # noqa: BLE001
        line = "huifang: error"
    try:
        os.write(2, (line.replace("\n", " ") + "\n").encode("utf-8", "replace"))
    except BaseException:  # noqa: BLE001, S110 - no stderr to say it on
        pass


def _app_args(argv: list[str]) -> SimpleNamespace | None:
    """``huifang [--db X] [--lang zh_CN|en] [--as LOGIN]``, the app's own start, read without
    building every command's parser (start-up speed: argparse and ~40 sub-parsers with their
    help texts cost ~30 ms). Anything else (a command, ``--help``, an abbreviated or unknown
    option, a missing value) returns None and goes through the full parser, which gives the
    same values here and says what is wrong there."""
    out = {"db": None, "lang": None, "as_login": None}
    i = 0
    while i < len(argv):
        name, eq, value = argv[i].partition("=")
        if name not in _APP_OPTIONS:
            return None
        if not eq:
            if i + 1 >= len(argv) or argv[i + 1].startswith("-"):
                return None
            i += 1
            value = argv[i]
        if name == "--lang" and value not in ("zh_CN", "en"):
            return None
        out[_APP_OPTIONS[name]] = value
        i += 1
    return SimpleNamespace(cmd=None, **out)


def _fail(status: int, message: str) -> int:
    _say(message, file=sys.stderr)
    return status


def _fail_plain(e: BaseException, args) -> int:  # noqa: ANN001
    """Anything around the program (disk, database file, permissions, a closed pipe, Ctrl-C):
    one or two plain lines, the traceback to the log (crash.py); exit 1."""
    import os

    from ..core.crash import explain

    if isinstance(e, BrokenPipeError):  # nobody reads stdout any more: stop writing to it quietly
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
    db, path = "", None
    try:
        url, _src = config.resolve_db(getattr(args, "db", None))
        db = config.display_db(url)
        file = config.sqlite_file(url)
        path = Path(file) if file is not None else None
    except Exception:  # noqa: BLE001
        pass
    message, _log = explain(e, db, path)
    try:
        _say(message, file=sys.stderr)
    except (OSError, ValueError):
        pass
    return EXIT_BAD_INPUT


def _say(*parts: object, file=None) -> None:  # noqa: ANN001
    """Print text that may hold file or user input: escape sequences and control characters
    never reach the terminal (SPEC §6)."""
    from ..core.safe_text import plain_message

    print(*(plain_message(p) for p in parts), file=file or sys.stdout)


def _check_dates(args) -> None:  # noqa: ANN001
    """Every date given on the command line (--date, --now, calendar and visit days) must lie
    within 2000-2099; --when/--to are checked where they are parsed."""
    from ..domain import dates
    from ..core.errors import ServiceError

    for name in ("date", "now", "day"):
        v = getattr(args, name, None)
        if isinstance(v, (date, datetime)) and not dates.in_range(v):
            option = {"date": "--date", "now": "--now"}.get(name, "DAY")
            raise ServiceError(t("cli.date_range", option=option, value=v.isoformat(),
                                 first=dates.FIRST.isoformat(), last=dates.LAST.isoformat()))


def _store(args, *, must_exist: bool = True):  # noqa: ANN001, ANN202
    from ..services.base import ServiceError, Store

    url, _src = config.resolve_db(args.db)
    if _store_file(url) is False and must_exist:
        raise ServiceError(t("err.no_database", db=config.display_db(url)))
    store = Store(url)
    if must_exist and not store.is_initialised():
        raise ServiceError(t("err.no_database", db=config.display_db(url)))
    # Never migrates and never takes the write lock: a database behind this code's revision
    # is refused with a line telling to ask an admin for `huifang db upgrade`.
    store.check_schema()
    return store


def _store_file(url: str) -> bool | None:
    """For a SQLite store: whether its file exists (None: not SQLite). Anything there but a
    regular file — a directory, a FIFO SQLite would wait on forever, a device — is refused
    (exit 1) before SQLite opens it; a folder that cannot be entered raises PermissionError,
    which says so in one line (issue 21)."""
    import os
    import stat

    from ..core.errors import ServiceError

    file = config.sqlite_file(url)
    if file is None:
        return None
    try:
        st = os.stat(file)
    except (FileNotFoundError, NotADirectoryError):
        return False
    if not stat.S_ISREG(st.st_mode):
        raise ServiceError(t("err.io.not_database", db=config.display_db(url)))
    return True


def _actor(store, args):  # noqa: ANN001, ANN202
    from ..services.users import resolve_actor

    return resolve_actor(store, args.as_login)


def _dispatch(args) -> int:  # noqa: ANN001
    """Each command's handler from the table; commands from ``cli_*`` modules add theirs."""
    cmd = args.cmd or "run"
    if cmd in COMMANDS:  # the extensions are imported only for their own commands (start-up speed)
        return COMMANDS[cmd](args)
    handlers = {}
    for module in _extensions():
        handlers.update(module.COMMANDS)
    return handlers[cmd](args)


def _extensions() -> list:
    from . import board as cli_board
    from . import pg as cli_pg
    from . import sales as cli_sales
    from . import undo as cli_undo
    from . import work as cli_work

    return [cli_work, cli_undo, cli_pg, cli_board, cli_sales]


def _cmd_run(args) -> int:  # noqa: ANN001
    fast = _fast_open(args)
    if fast is not None:
        return fast
    store = _store(args)
    return _open_app(store, _actor(store, args))


def _cmd_issues(args) -> int:  # noqa: ANN001
    """``huifang issue|issues|department`` (cli_issues handles its own refusals and input)."""
    from . import issues as cli_issues

    store = _store(args)
    return cli_issues.run(args, store, _actor(store, args))


def _cmd_report(args) -> int:  # noqa: ANN001
    """``huifang report …`` and ``huifang spotcheck …`` (cli_report handles its own refusals)."""
    from . import report as cli_report

    store = _store(args)
    return cli_report.run(store, _actor(store, args), args)


def _cmd_user(args) -> int:  # noqa: ANN001
    from ..services import users

    store = _store(args)
    actor = _actor(store, args)
    if args.user_cmd == "add":
        u = users.add_user(store, actor, args.login, args.role, args.name)
        _say(t("user.added", login=u.login, role=t(f"role.{u.role}"), name=u.name))
    elif args.user_cmd in ("disable", "enable"):
        u = users.set_active(store, actor, args.login, args.user_cmd == "enable")
        _say(t(f"users.{args.user_cmd}d", login=u.login))
    elif args.user_cmd == "role":
        u = users.set_role(store, actor, args.login, args.role)
        _say(t("users.role_set", login=u.login, role=t(f"role.{u.role}")))
    else:
        for u in users.list_users(store, actor):
            _say(f"{u.login}\t{u.role}\t{u.name}\t{'' if u.active else '(inactive)'}")
    return 0


def _cmd_plan(args) -> int:  # noqa: ANN001
    from ..services.planner import run_planner

    store = _store(args)
    rep = run_planner(store, now=args.now, actor=_actor(store, args), full=args.full)
    _say(t("plan.report", created=rep.created, cancelled=rep.cancelled, now=rep.now.isoformat(" ")))
    return 0


def _cmd_policy(args) -> int:  # noqa: ANN001
    from ..services import calendar as calsvc

    store = _store(args)
    actor = _actor(store, args)
    if args.policy_cmd == "show":
        _say(calsvc.policy_text(store, actor))
        return 0
    from ..core.checked_files import read_text

    calsvc.set_policy(store, actor, read_text(args.file))
    _say(t("policy.saved", file=args.file))
    return 0


def _cmd_visit(args) -> int:  # noqa: ANN001
    from ..services.planner import plan_annual_visit

    store = _store(args)
    number = plan_annual_visit(store, _actor(store, args), args.customer, args.date, args.n)
    _say(t("visit.planned", number=number, name=args.customer, date=args.date.isoformat()))
    return 0


def _cmd_assign(args) -> int:  # noqa: ANN001
    from ..services.assignment import assign, display_names, person

    store = _store(args)
    actor = _actor(store, args)
    login = None if args.login in ("-", "pool") else args.login
    cb = assign(store, actor, args.number, login)
    to = person(display_names(store, actor).get(cb.agent_login, ""), cb.agent_login) if cb.agent_login else t("cli.pool")
    _say(t("cli.assigned", number=cb.number, login=to))
    return 0


def _fast_open(args) -> int | None:  # noqa: ANN001
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
    if not _store_file(url):
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

    return _run_app(HuifangApp(url, actor, first_paint=first_paint, resume_gc=resume_gc))


def _check_revision(stored: str | None) -> None:
    from ..core.errors import SchemaMismatch
    from ..store import revision

    state = revision.classify(stored, True)
    if state == revision.BEHIND:
        raise SchemaMismatch(t("db.behind"))
    if state == revision.AHEAD:
        raise SchemaMismatch(t("db.ahead"))


def _cmd_db(args) -> int:  # noqa: ANN001
    from ..services import maintenance
    from ..services.base import ServiceError, Store

    url, _src = config.resolve_db(args.db)
    if _store_file(url) is False:
        raise ServiceError(t("err.no_database", db=config.display_db(url)))
    store = Store(url)
    actor = maintenance.db_actor(store, args.as_login)
    if args.db_cmd == "backup":
        from ..core import system
        from ..core.checked_files import check_directory

        if system.locked() is None:  # the elevated process leaves the person's path to them
            check_directory(args.file)  # a person's backup never goes into the shared store's directory
        path = maintenance.backup(store, actor, args.file)
        _say(t("db.backup_done", file=path))
        return 0
    if args.db_cmd == "upgrade":
        rep = maintenance.upgrade(store, actor)
        if not rep.changed:
            _say(t("db.upgrade_none", rev=rep.after))
            return 0
        if rep.backup is not None:
            _say(t("db.upgrade_backup", file=rep.backup))
        _say(t("db.upgrade_done", before=rep.before or "v1", after=rep.after))
        return 0
    lines = maintenance.check(store, actor)
    for line in lines:
        _say(("✓ " if line.ok else "✗ ") + line.text)
    ok = all(line.ok for line in lines)
    _say(t("db.check_ok") if ok else t("db.check_bad"))
    return 0 if ok else 1


def _open_app(store, actor) -> int:  # noqa: ANN001
    from ..app import HuifangApp

    return _run_app(HuifangApp(store, actor))


def _run_app(app) -> int:  # noqa: ANN001
    """Run the app; an error that stopped it is raised here, once the terminal is restored, so
    it ends like any command's: one plain line, the traceback in the log (never Textual's
    traceback on the screen, issue 21)."""
    app.run()
    error = app.stopped_by()
    if error is not None:
        raise error
    return 0


def _cmd_init(args) -> int:  # noqa: ANN001
    from ..services.base import Store
    from ..services.users import bootstrap_admin, os_login

    lines: list[str] = []
    if args.shared:
        from ..install.shared import init_shared

        return init_shared(args)
    url, src = config.resolve_db(args.db)
    _store_file(url)  # a directory or a FIFO named as the new store: refused before SQLite waits on it
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
    _say("\n".join(lines))
    return 0


def _cmd_demo(args) -> int:  # noqa: ANN001
    from ..demo import build_demo, demo_path
    from ..services.base import Store
    from ..services.users import os_login
    from ..store.db import fix_mode

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
        if _store_file(url) and not _is_demo_file(path):
            from ..core.errors import ServiceError

            raise ServiceError(t("demo.not_demo", db=path))
        if args.reuse and path.exists() and _demo_current(path):
            print(t("demo.reusing", db=path))
            if args.no_open:
                return 0
            args.as_login = args.as_login or DEMO_DEFAULT_LOGIN
            store = Store(url)
            return _open_app(store, _actor(store, args))
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
    _say(t("demo.built", db=url, customers=summary.customers, work_orders=summary.work_orders))
    if args.no_open:
        return 0
    if not args.as_login:
        args.as_login = DEMO_DEFAULT_LOGIN
        _say(t("demo.opening_as", login=DEMO_DEFAULT_LOGIN))
    actor = _actor(store, args)
    return _open_app(store, actor)


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


def _cmd_queue(args) -> int:  # noqa: ANN001
    from ..services.queue import queue_rows

    store = _store(args)
    actor = _actor(store, args)
    day = args.date or store.today()
    agent = None if args.all else (args.agent or actor.login)
    rows = queue_rows(store, actor, day, agent=agent, all_agents=args.all)
    if args.json:
        import json

        sys.stdout.write(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=1) + "\n")
        return 0
    from .text import render_queue_text

    _say(render_queue_text(rows, day))
    return 0


def _cmd_import(args) -> int:  # noqa: ANN001
    from ..services.imports import ImportRejected, import_file

    store = _store(args)
    actor = _actor(store, args)
    progress = _progress_bar(args.file.name)
    try:
        rep = import_file(store, actor, args.kind, args.file, skip_bad=args.skip_bad, progress=progress,
                          encoding=args.encoding)
    except ImportRejected as e:
        progress(None, None)
        _say(str(e), file=sys.stderr)
        return 1
    progress(None, None)
    _say(rep.describe())
    return 1 if rep.rejected and not args.skip_bad else 0


def _progress_bar(label: str):  # noqa: ANN202
    """A rich progress bar on stderr, shown only for large files and on a terminal."""
    state: dict = {}

    def cb(done, total):  # noqa: ANN001
        if done is None:
            if "p" in state:
                state["p"].stop()
            return
        if (total is not None and total < 2000) or done < 2000 or not sys.stderr.isatty():
            return
        if "p" not in state:
            from rich.progress import Progress

            from rich.console import Console

            state["p"] = Progress(console=Console(stderr=True), transient=True)
            state["p"].start()
            state["task"] = state["p"].add_task(label, total=total)
        state["p"].update(state["task"], completed=done, total=total)

    return cb


def _cmd_calendar(args) -> int:  # noqa: ANN001
    from ..services import calendar as calsvc

    store = _store(args)
    actor = _actor(store, args)
    if args.cal_cmd == "set":
        calsvc.set_day(store, actor, args.day, args.what == "workday", args.note)
        _say(t("cal.set_done", day=args.day.isoformat(), what=t(f"cal.{args.what}")))
        return 0
    try:
        y, m = (int(x) for x in args.month.split("-"))
        first = date(y, m, 1)
    except ValueError:
        _say(t("cal.bad_month", value=args.month), file=sys.stderr)
        return 1
    _say(calsvc.month_text(store, actor, first))
    return 0


def _cmd_record(args) -> int:  # noqa: ANN001
    """``huifang record NUMBER --outcome CODE …`` through the same service as the screen."""
    from ..domain.outcomes import OutcomeError
    from ..core.errors import ValidationError
    from ..services.recording import (
        CallRecord, next_step, outcome_error, record_attempt, reschedule_time, stated_time,
    )

    store = _store(args)
    actor = _actor(store, args)
    now = store.now()
    rec = CallRecord(outcome=args.outcome, note=args.note or "", reason=args.reason or "")
    try:
        if args.when:
            rec.at = stated_time(store, args.when, now)
    except OutcomeError as e:
        raise outcome_error(e) from e
    if args.to:  # read from the stated time, not the clock (issue 23 item 2)
        rec.to = reschedule_time(store, args.to, rec.at or now)
    if args.scores:
        parts = [p.strip() for p in args.scores.replace("，", ",").split(",")]
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise ValidationError(t("call.err.scores_format", value=args.scores))
        rec.score_resolution, rec.score_attitude = int(parts[0]), int(parts[1])
    if args.reached:
        name, _, pos = args.reached.partition("/")
        rec.reached_name, rec.reached_position = name.strip(), pos.strip()
    if args.lead:  # a sales lead is noted on a reached call (SPEC §7 leads)
        if rec.outcome != "completed":
            raise ValidationError(t("sales.err.lead_outcome", outcome=args.outcome))
        rec.sales_lead = True
    res = record_attempt(store, actor, args.number, rec)
    _say(next_step(res, rec.outcome, store.now()))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _cmd_run,
    "init": _cmd_init,
    "db": _cmd_db,
    "demo": _cmd_demo,
    "user": _cmd_user,
    "queue": _cmd_queue,
    "plan": _cmd_plan,
    "import": _cmd_import,
    "calendar": _cmd_calendar,
    "policy": _cmd_policy,
    "visit": _cmd_visit,
    "assign": _cmd_assign,
    "record": _cmd_record,
    "issue": _cmd_issues,
    "issues": _cmd_issues,
    "department": _cmd_issues,
    "report": _cmd_report,
    "spotcheck": _cmd_report,
}
