"""Every command, hostile paths and bad values: one plain line, never a traceback (issue 21, 5).

The commands are read from the command line itself (``cli/commands.py`` and each command
module's ``COMMANDS``, each one's arguments from its argparse parser), so a new command or a
new option is swept without touching this file. Each is run in a child process of its own
with:

- a hostile store, by ``--db`` and by ``HUIFANG_DATABASE_URL``: an empty file, random bytes, a
  directory, a file under a missing directory, a symlink to the store, URLs that are no
  database;
- hostile paths for every argument naming a file (``--out``, imports, ``policy set``, ``db
  backup``, ``init --shared``): a symlink to the store, a path through a symlink into the
  store's directory, a directory, an empty file, random bytes, a FIFO, a missing directory;
- bad values for every other argument: a month 2026-13, huge numbers, empty strings, control
  characters and shell punctuation, a very long argument;
- as a person without root's rights (root ignores permissions): the store and the files under
  an unreadable folder, exports and backups into an unwritable folder, ``init`` of someone
  else's store;
- around the program: the error log that cannot be written, stdout whose reader has gone,
  Ctrl-C in the middle of a command.

It fails on a traceback, on an exit status other than 0 (done), 1 (bad input) or 2 (refused),
on a failure that says nothing, on a store no longer readable after a command was handed a
symlink to it, and on an export left half-written.

The bulk runs in ``hostile_runner.py`` (forks of one loaded interpreter: about a thousand
command lines in well under a minute); a smaller set runs the installed ``huifang`` script and
``python -m huifang_tui`` as they are, to cover the real entry points.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pwd
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from huifang_tui.cli.commands import COMMANDS
from huifang_tui.cli.parser import build

HERE = Path(__file__).parent
RUNNER = HERE / "hostile_runner.py"
VENV_BIN = Path(sys.executable).parent
HUIFANG = VENV_BIN / "huifang"
DAY = "2026-11-23"
MONTH = "2026-11"

# Values that are not what an argument wants: each is given to every argument that takes one.
BAD_VALUES = {
    "month13": "2026-13",
    "huge": "9" * 40,
    "empty": "",
    "garbage": "\x01\x7f;|&$(){}[]<>*?~`'\"\\%s%n\x1b[31m\u202e",
    "long": "长" * 30000,
    "negative": "-1",
}
# Hostile values for an argument naming a file (built per case by _path_value).
PATH_KINDS = ("symlink_to_store", "through_symlinked_store_dir", "directory", "empty", "random", "fifo",
              "missing_parent", "dotdot_into_store_dir")
# Hostile stores, given by --db (and some by HUIFANG_DATABASE_URL).
STORE_KINDS = ("empty", "random", "directory", "missing_parent", "symlink_to_store", "fifo",
               "url_unknown_dialect", "url_bad_sqlite", "url_garbage")
ENV_STORE_KINDS = ("random", "directory")  # the same reading as --db's; two kinds show it is read
# Arguments naming a file, by destination (a path type is recognised on its own).
PATH_DESTS = {"file", "out", "shared", "db"}
# Commands that must not run as root here: they change the machine (groups, /etc, sudoers).
ROOT_ONLY_SYSTEM = {("init", "--shared"), ("init", "--install")}


@dataclass
class Arg:
    dest: str
    flag: str | None  # None: positional
    takes_value: bool
    required: bool
    choices: list | None
    is_path: bool
    nargs: object = None


@dataclass
class Command:
    path: list[str]  # ["report", "monthly"]
    args: list[Arg] = field(default_factory=list)
    one_of: list[str] = field(default_factory=list)  # from a required group of alternatives

    @property
    def name(self) -> str:
        return " ".join(self.path)


def _is_path(action: argparse.Action) -> bool:
    return action.type is Path or action.dest in PATH_DESTS or "FILE" in str(action.metavar or "")


def _leaves(parser: argparse.ArgumentParser, path: list[str]) -> list[Command]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if subs:
        out: list[Command] = []
        for name, sub in subs[0].choices.items():
            out += _leaves(sub, [*path, name])
        return out
    cmd = Command(path)
    for group in parser._mutually_exclusive_groups:
        if group.required:  # one of them must be given: the first one is
            cmd.one_of.append(max(group._group_actions[0].option_strings, key=len))
    for a in parser._actions:
        if isinstance(a, argparse._HelpAction):
            continue
        takes = not (a.nargs == 0 or isinstance(a, (argparse._StoreTrueAction, argparse._StoreFalseAction,
                                                      argparse._StoreConstAction, argparse._CountAction)))
        flag = max(a.option_strings, key=len) if a.option_strings else None
        cmd.args.append(Arg(a.dest, flag, takes, bool(a.required) or flag is None and a.nargs not in ("?", "*"),
                            list(a.choices) if a.choices else None, _is_path(a), a.nargs))
    return [cmd]


def all_commands() -> list[Command]:
    parser = build()
    top = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    names: set[str] = set()
    for module in {module for _name, module in COMMANDS}:
        names |= set(importlib.import_module(f"huifang_tui.cli.{module}").COMMANDS)
    assert set(top.choices) == names, "every command of every module under cli/ is swept"
    out: list[Command] = []
    for name, sub in top.choices.items():
        out += _leaves(sub, [name])
    return out


def global_args(parser: argparse.ArgumentParser) -> list[Arg]:
    out = []
    for a in parser._actions:
        if a.option_strings and not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction)):
            out.append(Arg(a.dest, max(a.option_strings, key=len), True, False,
                           list(a.choices) if a.choices else None, _is_path(a)))
    return out


# -- the world each case runs in -------------------------------------------------------------

@dataclass
class World:
    root: Path
    base_db: Path
    numbers: list[str]
    issues: list[str]
    customer: str
    department: str
    policy: Path
    csv: Path


def _cli(args: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(HUIFANG), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=180)


def _env(base: Path, user: str = "root") -> dict:
    return {"PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "dumb",
            "HOME": str(base / "home"), "XDG_STATE_HOME": str(base / "state"),
            "XDG_CONFIG_HOME": str(base / "config"), "XDG_DATA_HOME": str(base / "data"),
            "XDG_CACHE_HOME": str(base / "cache"), "USER": user, "LOGNAME": user}


@pytest.fixture(scope="module")
def world():
    # a RAM-backed folder when there is one: the sweep makes a thousand folders and store copies
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK) else None
    root = Path(tempfile.mkdtemp(prefix="huifang-hostile-", dir=shm))
    os.chmod(root, 0o755)
    try:
        base = root / "base"
        base.mkdir()
        db = base / "huifang.db"
        login = pwd.getpwuid(os.getuid()).pw_name
        r = _cli(["--db", str(db), "demo", "--no-open", "--customers", "12", "--date", DAY],
                 {**_env(base, login)}, base)
        assert r.returncode == 0, r.stdout + r.stderr
        conn = sqlite3.connect(db)
        try:
            numbers = [n for (n,) in conn.execute("SELECT number FROM callback ORDER BY id LIMIT 3")]
            issues = [n for (n,) in conn.execute("SELECT number FROM issue ORDER BY id LIMIT 2")] or ["WT000"]
            customer = conn.execute("SELECT name FROM customer ORDER BY id").fetchone()[0]
            row = conn.execute("SELECT name FROM department ORDER BY id").fetchone()
            department = row[0] if row else "客服部"
        finally:
            conn.close()
        policy = base / "policy.toml"
        shutil.copy(Path(__file__).parents[2] / "data" / "policy.toml", policy)
        csv = base / "customers.csv"
        csv.write_text("客户名称,地区,联系人,联系电话\n测试客户,北京,李四,13812345678\n", encoding="utf-8")
        for p in (db, policy, csv):
            os.chmod(p, 0o644)
        yield World(root, db, numbers, issues, customer, department, policy, csv)
    finally:
        _chmod_back(root)
        shutil.rmtree(root, ignore_errors=True)


def _chmod_back(root: Path) -> None:
    for d, dirs, _files in os.walk(root):
        for name in dirs:
            path = os.path.join(d, name)
            if not os.path.islink(path):
                try:
                    os.chmod(path, 0o755)
                except OSError:
                    pass


def good_value(arg: Arg, cmd: Command, w: World, case: Path) -> str:
    """A value that lets the command go as far as it can (so the hostile one is reached)."""
    if arg.choices:
        return str(arg.choices[0])
    d, name = arg.dest, cmd.name
    if arg.is_path:
        if name.startswith("import"):
            return str(w.csv)
        if name == "policy set":
            return str(w.policy)
        return str(case / ("out.xlsx" if d == "out" else "backup.db" if d == "file" else "new"))
    issue = name.startswith("issue ")
    table = {
        "number": w.issues[0] if issue else w.numbers[0], "numbers": w.numbers[0], "callback": w.numbers[0],
        "login": "agent1", "name": w.department if name.startswith("department") else "测试",
        "customer": w.customer, "date": DAY, "day": DAY, "month": MONTH, "year": MONTH[:4], "n": "1",
        "outcome": "no_answer", "reason": "测试", "title": "测试", "department": w.department,
        "owner": "agent1", "text": "测试", "solution": "测试", "on": DAY, "satisfaction": "4",
        "category": "other", "url": f"sqlite:///{case}/target.db", "what": "holiday", "role": "agent",
        "kind": "customers", "seed": "7", "customers": "3", "group": "nogroup", "admin": "agent1",
        "status": "open", "since": DAY, "as_login": "root",
    }
    return table.get(d, "x")


def build_argv(cmd: Command, w: World, case: Path, *, override: dict[str, str] | None = None,
               store: str | None = None) -> list[str]:
    """Global --db, the command's path, its positionals and required options (plus overrides)."""
    override = override or {}
    argv: list[str] = []
    if store is not None:
        argv += ["--db", store]
    if "__as" in override:
        argv += ["--as", override["__as"]]
    argv += cmd.path
    if cmd.path[0] == "demo":
        argv += ["--no-open"]
    if cmd.path[0] == "serve":
        argv += ["--once"]  # without it serve runs until stopped, by design
    for a in cmd.args:
        if a.flag is None:
            argv.append(override.get(a.dest, good_value(a, cmd, w, case)))
        elif a.dest in override:
            argv += [a.flag, override[a.dest]] if a.takes_value else [a.flag]
        elif a.required and a.takes_value:
            argv += [a.flag, good_value(a, cmd, w, case)]
        elif a.dest == "customers" and cmd.path[0] == "demo":
            argv += [a.flag, "3"]
        elif a.dest == "date" and cmd.path[0] == "demo":
            argv += [a.flag, DAY]
    argv += cmd.one_of
    return argv


# -- hostile things ---------------------------------------------------------------------------

class CaseStore(os.PathLike):
    """The case's own copy of the store, in ``store/``, made when first named (most hostile
    stores never name it: a thousand copies are most of the sweep's disk writes)."""

    def __init__(self, base: Path, path: Path):
        self.base, self.path, self.made = base, path, False
        self.parent, self.name = path.parent, path.name

    def __fspath__(self) -> str:
        if not self.made:
            shutil.copyfile(self.base, self.path)
            self.made = True
        return str(self.path)

    __str__ = __fspath__


def make_case_dir(w: World, cid: str) -> tuple[Path, CaseStore]:
    """A directory of the case's own, with ``store/`` for its copy of the store."""
    case = w.root / "cases" / cid
    (case / "store").mkdir(parents=True)
    for sub in ("home", "state", "config", "data", "cache"):
        (case / sub).mkdir()
    return case, CaseStore(w.base_db, case / "store" / "huifang.db")


def hostile_path(kind: str, case: Path, db: Path) -> str:
    if kind == "symlink_to_store":
        (case / "link.xlsx").symlink_to(db)
        return str(case / "link.xlsx")
    if kind == "through_symlinked_store_dir":
        (case / "storedir").symlink_to(db.parent)
        return str(case / "storedir" / "planted.xlsx")
    if kind == "dotdot_into_store_dir":
        (case / "sub").mkdir()
        return str(case / "sub" / ".." / "store" / "planted.csv")
    if kind == "directory":
        (case / "adir").mkdir()
        return str(case / "adir")
    if kind == "empty":
        (case / "empty.csv").write_bytes(b"")
        return str(case / "empty.csv")
    if kind == "random":
        (case / "random.xlsx").write_bytes(os.urandom(3000))
        return str(case / "random.xlsx")
    if kind == "fifo":
        os.mkfifo(case / "fifo.csv")
        return str(case / "fifo.csv")
    if kind == "missing_parent":
        return str(case / "no" / "such" / "dir" / "x.xlsx")
    raise AssertionError(kind)


def hostile_store(kind: str, case: Path, db: Path) -> str:
    if kind == "empty":
        (case / "empty.db").write_bytes(b"")
        return str(case / "empty.db")
    if kind == "random":
        (case / "random.db").write_bytes(os.urandom(5000))
        return str(case / "random.db")
    if kind == "directory":
        (case / "dbdir").mkdir()
        return str(case / "dbdir")
    if kind == "missing_parent":
        return str(case / "no" / "such" / "huifang.db")
    if kind == "symlink_to_store":
        (case / "db-link").symlink_to(db)
        return str(case / "db-link")
    if kind == "fifo":
        os.mkfifo(case / "fifo.db")
        return str(case / "fifo.db")
    if kind == "url_unknown_dialect":
        return "nosuchdb://user:pw@127.0.0.1:1/x"
    if kind == "url_bad_sqlite":
        return f"sqlite:///{case}/no/such/x.db?mode=ro&uri=true"
    if kind == "url_garbage":
        return "postgresql://::::@@@/%zz"
    raise AssertionError(kind)


# -- building the sweep ---------------------------------------------------------------------

@dataclass
class Case:
    id: str
    dir: Path
    db: CaseStore
    argv: list[str]
    env: dict
    as_nobody: bool = False
    stdout: str = "file"
    interrupt_after: float | None = None
    watched: Path | None = None  # an export target that must not be left half-written
    watched_existed: bool = False
    store_kept: bool = False  # the store was handed as a file: it must still be a database
    timeout: float = 60

    def spec(self, uid: int | None = None, gid: int | None = None) -> dict:
        d = {"id": self.id, "dir": str(self.dir), "argv": self.argv, "env": self.env, "cwd": str(self.dir),
             "stdout": self.stdout, "interrupt_after": self.interrupt_after, "timeout": self.timeout}
        if uid is not None:
            d["uid"], d["gid"] = uid, gid
        return d


class Sweep:
    def __init__(self, w: World):
        self.w = w
        self.cases: list[Case] = []
        self.n = 0

    def new(self, label: str, *, nobody: bool = False) -> tuple[str, Path, Path, dict]:
        self.n += 1
        cid = f"{self.n:04d}"
        case, db = make_case_dir(self.w, cid)
        env = _env(case, "nobody" if nobody else pwd.getpwuid(os.getuid()).pw_name)
        if nobody and os.geteuid() == 0:  # the person's own home and state; the store stays root's
            for p in [case, *[case / s for s in ("home", "state", "config", "data", "cache")]]:
                os.chown(p, NOBODY.pw_uid, NOBODY.pw_gid)
        (case / "label.txt").write_text(label, encoding="utf-8")
        return cid, case, db, env

    def add(self, label: str, build, *, nobody: bool = False, **kw) -> None:  # noqa: ANN001
        cid, case, db, env = self.new(label, nobody=nobody)
        argv, extra = build(case, db, env)
        c = Case(f"{cid} {label}", case, db, argv, env, as_nobody=nobody, **kw)
        for k, v in (extra or {}).items():
            setattr(c, k, v)
        self.cases.append(c)


def _skip_as_root(cmd: Command, argv: list[str]) -> bool:
    return any(cmd.path[0] == c and flag in argv for c, flag in ROOT_ONLY_SYSTEM)


def build_sweep(w: World) -> Sweep:  # noqa: C901
    sw = Sweep(w)
    parser = build()
    commands = all_commands()
    globals_ = global_args(parser)
    # a session per command with its good values: the baseline (it must not fail with a traceback either)
    for cmd in commands:
        if cmd.path == ["run"]:
            continue  # opens the app on a good store; its hostile stores are swept below

        def base(case, db, env, cmd=cmd):  # noqa: ANN001, ANN202
            return build_argv(cmd, w, case, store=str(db)), None
        sw.add(f"{cmd.name} · good values", base)

    for cmd in [*commands, Command(["<app>"])]:
        for kind in STORE_KINDS:
            if cmd.path in (["run"], ["<app>"]) and kind == "symlink_to_store":
                continue  # a good store: the app would open

            def bad_store(case, db, env, cmd=cmd, kind=kind):  # noqa: ANN001, ANN202
                store = hostile_store(kind, case, db)
                path = [] if cmd.path == ["<app>"] else None
                argv = ["--db", store] if path is not None else build_argv(cmd, w, case, store=store)
                return argv, {"store_kept": kind == "symlink_to_store"}
            sw.add(f"{cmd.name} · --db {kind}", bad_store)
        for kind in ENV_STORE_KINDS:
            if cmd.path[0] in ("demo", "init", "<app>"):
                continue  # demo ignores the variable (it builds its own file); init: see the store kinds

            def env_store(case, db, env, cmd=cmd, kind=kind):  # noqa: ANN001, ANN202
                env["HUIFANG_DATABASE_URL"] = hostile_store(kind, case, db)
                return build_argv(cmd, w, case), None
            sw.add(f"{cmd.name} · HUIFANG_DATABASE_URL {kind}", env_store)

        for arg in cmd.args:
            if not arg.takes_value:
                continue
            if arg.is_path:
                for kind in PATH_KINDS:
                    def bad_path(case, db, env, cmd=cmd, arg=arg, kind=kind):  # noqa: ANN001, ANN202
                        value = hostile_path(kind, case, db)
                        argv = build_argv(cmd, w, case, override={arg.dest: value}, store=str(db))
                        extra = {"store_kept": True}
                        if arg.dest in ("out", "file") and kind in ("through_symlinked_store_dir", "missing_parent",
                                                                      "dotdot_into_store_dir"):
                            extra["watched"] = Path(value)
                        return argv, extra
                    if cmd.path[0] == "init" and arg.dest == "shared":
                        continue  # as root it would change the machine; swept as a person below
                    sw.add(f"{cmd.name} · {arg.flag or arg.dest} {kind}", bad_path)
                continue
            for vname, value in BAD_VALUES.items():
                if cmd.path[0] == "init" and arg.dest in ("shared", "group", "store_group"):
                    continue

                def bad_value(case, db, env, cmd=cmd, arg=arg, value=value):  # noqa: ANN001, ANN202
                    return build_argv(cmd, w, case, override={arg.dest: value}, store=str(db)), None
                sw.add(f"{cmd.name} · {arg.flag or arg.dest} {vname}", bad_value,
                       timeout=90 if cmd.path[0] == "demo" else 60)

    # the app's own options, bad, on one command that reads and one that writes
    for cmd in [c for c in commands if c.path in (["queue"], ["calendar", "set"])]:
        for g in globals_:
            if g.dest == "db":
                continue
            for vname, value in BAD_VALUES.items():
                def bad_global(case, db, env, cmd=cmd, g=g, value=value):  # noqa: ANN001, ANN202
                    return [g.flag, value, *build_argv(cmd, w, case, store=str(db))], None
                sw.add(f"{g.flag} {vname} · {cmd.name}", bad_global)
        for vname, value in BAD_VALUES.items():
            def bad_db(case, db, env, cmd=cmd, value=value):  # noqa: ANN001, ANN202
                return build_argv(cmd, w, case, store=value), None
            sw.add(f"--db {vname} · {cmd.name}", bad_db)

    # around the program: the error log, stdout, Ctrl-C
    for where in ("a file", "a symlink loop", "a directory without rights"):
        def bad_log(case, db, env, where=where):  # noqa: ANN001, ANN202
            state = case / "state"
            shutil.rmtree(state)
            if where == "a file":
                state.write_text("x")
            elif where == "a symlink loop":
                state.symlink_to(state)
            else:
                state.mkdir()
                (state / "huifang").mkdir(mode=0o500)
                (state / "huifang" / "huifang.log").mkdir()
            (case / "random.db").write_bytes(os.urandom(4000))
            return ["--db", str(case / "random.db"), "queue"], None
        sw.add(f"the error log in {where}", bad_log)
    for cmd in [c for c in commands if c.path in (["queue"], ["callbacks"], ["audit"], ["calendar", "show"],
                                                   ["report", "monthly"], ["user", "list"], ["issues"])]:
        def closed(case, db, env, cmd=cmd):  # noqa: ANN001, ANN202
            return build_argv(cmd, w, case, store=str(db)), None
        sw.add(f"{cmd.name} · stdout closed", closed, stdout="closed_pipe")
    big_rows = "\n".join(f"客户{i},北京,联系人{i},138{i:08d}" for i in range(4000))
    for after in (0.02, 0.1, 0.3, 0.8):
        def interrupted(case, db, env):  # noqa: ANN001, ANN202
            f = case / "big.csv"
            f.write_text("客户名称,地区,联系人,联系电话\n" + big_rows + "\n", encoding="utf-8")
            return ["--db", str(db), "import", "customers", str(f)], None
        sw.add(f"Ctrl-C after {after}s of an import", interrupted, interrupt_after=after)
        for cmd in [c for c in commands if c.path in (["plan"], ["report", "monthly"], ["db", "backup"])]:
            def interrupted_cmd(case, db, env, cmd=cmd):  # noqa: ANN001, ANN202
                return build_argv(cmd, w, case, store=str(db)), None
            sw.add(f"Ctrl-C after {after}s of {cmd.name}", interrupted_cmd, interrupt_after=after)

    sw.cases = [c for c in sw.cases if not _skip_as_root_case(c, commands)]
    return sw


def _skip_as_root_case(c: Case, commands: list[Command]) -> bool:
    return not c.as_nobody and "init" in c.argv and any(f in c.argv for _c, f in ROOT_ONLY_SYSTEM)


def build_person_sweep(w: World, sw: Sweep) -> None:
    """Cases that only mean something without root's rights: unreadable and unwritable folders,
    someone else's store."""
    commands = all_commands()

    def locked_store(case, db, env):  # noqa: ANN001
        os.chmod(case / "store", 0o000)  # (root's, or 000) the person cannot enter it
        return db

    for cmd in [*commands, Command(["<app>"])]:
        def unreadable_db(case, db, env, cmd=cmd):  # noqa: ANN001, ANN202
            store = str(locked_store(case, db, env))
            if cmd.path == ["<app>"]:
                return ["--db", store], None
            return build_argv(cmd, w, case, store=store), None
        sw.add(f"{cmd.name} · --db under an unreadable folder (a person)", unreadable_db, nobody=True)
        if cmd.path[0] in ("demo", "init", "<app>"):
            continue

        def unreadable_env(case, db, env, cmd=cmd):  # noqa: ANN001, ANN202
            env["HUIFANG_DATABASE_URL"] = str(locked_store(case, db, env))
            return build_argv(cmd, w, case), None
        sw.add(f"{cmd.name} · HUIFANG_DATABASE_URL under an unreadable folder (a person)", unreadable_env,
               nobody=True)

    for cmd in commands:
        for arg in cmd.args:
            if not (arg.takes_value and arg.is_path):
                continue
            for how in ("unwritable folder", "unreadable folder", "unreadable file"):
                def person_path(case, db, env, cmd=cmd, arg=arg, how=how):  # noqa: ANN001, ANN202
                    _person_owns(case, db)
                    folder = case / "folder"
                    folder.mkdir()
                    name = {"out": "report.xlsx", "file": "backup.db" if cmd.path == ["db", "backup"] else "in.csv",
                            "shared": "srv"}.get(arg.dest, "x")
                    target = folder / name
                    if how == "unreadable file":
                        src = w.policy if cmd.name == "policy set" else w.csv
                        shutil.copy(src, target)
                        os.chmod(target, 0o000)
                        os.chmod(folder, 0o755)
                    else:
                        os.chmod(folder, 0o555 if how == "unwritable folder" else 0o000)
                    argv = build_argv(cmd, w, case, override={arg.dest: str(target)}, store=str(db))
                    if cmd.path[0] == "init":
                        argv += ["--group", "nogroup"]
                    extra = {"watched": target} if how != "unreadable file" else {}
                    return argv, extra
                sw.add(f"{cmd.name} · {arg.flag or arg.dest} in an {how} (a person)", person_path, nobody=True)

    def init_others(case, db, env):  # noqa: ANN001, ANN202
        os.chmod(case / "store", 0o755)
        os.chmod(db, 0o000 if os.geteuid() != 0 else 0o640)  # root's store, readable by root only
        return ["--db", str(db), "init"], None
    sw.add("init of someone else's store (a person)", init_others, nobody=True)

    def init_locked(case, db, env):  # noqa: ANN001, ANN202
        os.chmod(case / "store", 0o000)
        return ["--db", str(case / "store" / "new.db"), "init"], None
    sw.add("init of a store in someone else's folder (a person)", init_locked, nobody=True)


def _person_owns(case: Path, db: Path) -> None:
    """The person's own store and home (the rights tested are those of the folders named)."""
    if os.geteuid() != 0:
        return  # they are the person's already
    for p in [case, *[case / s for s in ("store", "home", "state", "config", "data", "cache")], db]:
        os.chown(p, NOBODY.pw_uid, NOBODY.pw_gid)


try:
    NOBODY = pwd.getpwnam("nobody")
except KeyError:  # pragma: no cover
    NOBODY = None


# -- running ---------------------------------------------------------------------------------

def run_with_runner(python: str, cases: list[Case], specs: list[dict], workdir: Path, tag: str) -> dict[str, dict]:
    path = workdir / f"cases-{tag}.json"
    path.write_text(json.dumps(specs), encoding="utf-8")
    r = subprocess.run([python, str(RUNNER), str(path)], capture_output=True, text=True, timeout=600,
                       env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
                            "HOME": str(workdir)})
    assert r.returncode == 0, r.stderr[-3000:]
    results = {}
    for line in r.stdout.splitlines():
        if line.startswith("{"):
            rec = json.loads(line)
            results[rec["id"]] = rec
    assert len(results) == len(cases), r.stderr[-3000:]
    return results


@pytest.fixture(scope="module")
def person_python(world):
    """An interpreter a person may run with this checkout installed (as the shared-install
    tests build it: a root-owned venv under /opt; the test venv may sit where only root can
    read). Not root: the tests run as a person already."""
    if os.geteuid() != 0:
        yield sys.executable
        return
    if NOBODY is None:
        yield None
        return
    try:
        from tests.shared import osusers  # noqa: PLC0415
    except ImportError:
        sys.path.insert(0, str(HERE.parent))
        from shared import osusers  # noqa: PLC0415
    if osusers.base_python() is None:
        yield None
        return
    venv = Path(tempfile.mkdtemp(prefix="huifang-hostile-venv-", dir="/opt" if os.access("/opt", os.W_OK) else None))
    try:
        os.chmod(venv, 0o755)
        osusers.build_venv(venv / "venv")
        yield str(venv / "venv" / "bin" / "python")
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def check(c: Case, rec: dict) -> list[str]:
    problems = []
    out = (c.dir / "out.txt").read_text(encoding="utf-8", errors="replace") if (c.dir / "out.txt").exists() else ""
    err = (c.dir / "err.txt").read_text(encoding="utf-8", errors="replace") if (c.dir / "err.txt").exists() else ""
    if rec["timed_out"]:
        problems.append("did not finish")
    elif rec["status"] not in (0, 1, 2):
        problems.append(f"exit status {rec['status']} (signal {rec['signal']})")
    if "Traceback" in out or "Traceback" in err or "Exception ignored" in err:
        problems.append("traceback")
    if rec["status"] in (1, 2) and not (out.strip() or err.strip()) and c.stdout != "closed_pipe":
        problems.append("failed without a word")
    if c.store_kept and c.db.made and not _still_a_store(c.db):
        problems.append("the store is no longer a database")
    if c.watched is not None and rec["status"] != 0 and not c.watched_existed:
        try:
            leftover = c.watched.exists() and c.watched.stat().st_size > 0 and not c.watched.is_dir()
        except OSError:
            leftover = False
        if leftover:
            problems.append(f"left {c.watched.name} behind after failing")
    if problems:
        tail = (err.strip() or out.strip())[-1500:]
        return [f"{c.id}: {', '.join(problems)}\n    argv: {_short(c.argv)}\n    {tail}".replace("\n", "\n    ")]
    return []


def _short(argv: list[str]) -> str:
    return " ".join(a if len(a) < 60 else a[:40] + f"…({len(a)})" for a in argv)


def _still_a_store(db: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            return ok and conn.execute("SELECT count(*) FROM app_user").fetchone()[0] > 0
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def test_every_command_with_hostile_paths_and_values(world, person_python):
    started = time.monotonic()
    sw = build_sweep(world)
    person = person_python
    if person is not None:
        build_person_sweep(world, sw)
    root_cases = [c for c in sw.cases if not c.as_nobody]
    person_cases = [c for c in sw.cases if c.as_nobody]
    for c in sw.cases:
        c.watched_existed = c.watched is not None and c.watched.exists()
    jobs = [(sys.executable, root_cases, [c.spec() for c in root_cases], "root")]
    if person_cases:
        ids = (NOBODY.pw_uid, NOBODY.pw_gid) if os.geteuid() == 0 else (None, None)
        jobs.append((person, person_cases, [c.spec(*ids) for c in person_cases], "person"))
    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = [pool.submit(run_with_runner, py, cases, specs, world.root, tag) for py, cases, specs, tag in jobs]
        results = {}
        for f in futures:
            results.update(f.result())
    problems = [p for c in sw.cases for p in check(c, results[c.id])]
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    if os.environ.get("HUIFANG_HOSTILE_REPORT"):  # timings and failures, for working on the sweep
        Path(os.environ["HUIFANG_HOSTILE_REPORT"]).write_text(json.dumps(
            {"results": results, "problems": problems}, ensure_ascii=False, indent=0), encoding="utf-8")
    took = time.monotonic() - started
    print(f"\nhostile sweep: {len(sw.cases)} command lines ({len(person_cases)} as a person) in {took:.0f} s, "
          f"{cpu.ru_utime + cpu.ru_stime:.0f} s of CPU in child processes")
    assert not problems, f"{len(problems)} of {len(sw.cases)} command lines:\n" + "\n".join(problems)


# -- the installed entry points themselves ----------------------------------------------------

def test_the_installed_script_and_python_m(world, person_python):
    """A few of the same command lines through ``huifang`` and ``python -m huifang_tui`` as
    installed (the sweep above forks a loaded interpreter), as root and as a person."""
    runs = []
    entries = [[str(HUIFANG)], [sys.executable, "-m", "huifang_tui"]]
    for entry in entries:
        for kind in ("random", "directory", "fifo"):
            runs.append((f"{entry[-1]} --db {kind}", entry, lambda case, db, kind=kind: ["--db", hostile_store(kind, case, db),
                                                                                          "queue"], None))
        runs.append((f"{entry[-1]} app on a FIFO", entry, lambda case, db: ["--db", hostile_store("fifo", case, db)], None))
        runs.append((f"{entry[-1]} export into a directory", entry, lambda case, db: [
            "--db", str(db), "report", "monthly", "--month", MONTH, "--out", hostile_path("directory", case, db)], None))
    if person_python is not None:
        person_bin = Path(person_python).parent
        as_person = (["setpriv", "--reuid", str(NOBODY.pw_uid), "--regid", str(NOBODY.pw_gid), "--clear-groups"]
                     if os.geteuid() == 0 else [])
        for entry in ([str(person_bin / "huifang")], [str(person_bin / "python"), "-m", "huifang_tui"]):
            entry = as_person + entry

            def locked(case, db):  # noqa: ANN001, ANN202
                os.chmod(case / "store", 0o000)
                return ["--db", str(db), "queue"]

            def unwritable(case, db):  # noqa: ANN001, ANN202
                _person_owns(case, db)
                (case / "closed").mkdir(mode=0o555)
                return ["--db", str(db), "report", "monthly", "--month", MONTH, "--out", str(case / "closed" / "r.xlsx")]

            def init_other(case, db):  # noqa: ANN001, ANN202
                os.chmod(case / "store", 0o000)
                return ["--db", str(db), "init"]
            runs += [(f"{entry[-1]} store under an unreadable folder (a person)", entry, locked, "nobody"),
                     (f"{entry[-1]} export into an unwritable folder (a person)", entry, unwritable, "nobody"),
                     (f"{entry[-1]} init in someone else's folder (a person)", entry, init_other, "nobody")]

    def one(item):  # noqa: ANN001, ANN202
        label, entry, build, who = item
        cid = f"entry-{abs(hash(label)) % 10**8}"
        case, db = make_case_dir(world, cid)
        env = _env(case, "nobody" if who else pwd.getpwuid(os.getuid()).pw_name)
        if who and os.geteuid() == 0:
            for p in [case, *[case / s for s in ("home", "state", "config", "data", "cache")]]:
                os.chown(p, NOBODY.pw_uid, NOBODY.pw_gid)
        argv = build(case, db)
        try:
            r = subprocess.run([*entry, *argv], capture_output=True, text=True, env=env, cwd=case, timeout=60,
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return f"{label}: did not finish"
        text = r.stdout + r.stderr
        if r.returncode not in (0, 1, 2) or "Traceback" in text or (r.returncode and not r.stderr.strip()):
            return f"{label}: exit {r.returncode}\n    {text[-1500:]}"
        return None

    with ThreadPoolExecutor(4) as pool:
        problems = [p for p in pool.map(one, runs) if p]
    assert not problems, "\n".join(problems)
