"""The command line's contract, captured: ``--help`` of every command and the JSON of
``queue``, ``callbacks``, ``issues``, ``board`` and ``report monthly`` on a fixed database.

``python tests/contract/capture.py`` (or ``python -m tests.contract.capture`` from the repo root)
rewrites ``tests/contract/golden/``; ``test_cli_unchanged.py`` runs the same capture into memory
and compares. Re-capture only when a change of the command line is meant, and say so in the commit.

- The commands are found from the help's own listing (the sub-command lines under ``COMMAND`` /
  ``ACTION``, or a ``{a,b}`` choice), recursively, never from the parser's internals, so the
  enumeration survives any move of the code.
- Everything runs in-process through ``huifang_tui.cli.main`` with stdout/stderr captured,
  ``COLUMNS=80`` (argparse and Rich wrap the same way) and ``--lang`` stated on every run.
- The database is the demo centre (seed 7, "today" 2026-11-23) built with a fixed clock
  (2026-11-23 09:30), so its every row is the same on every build. Each JSON command states its
  day, month or time (``--date``, ``--month``, ``--now``) where it takes one, and the stores the
  command line opens read the same fixed clock (``fixed_clock``): ``callbacks`` takes no time and
  ``queue --date`` of the clock's own day reads it, yet both say which rows are overdue. The
  board's disk alert reads a fixed free space (``roomy_disk``), not this machine's.
- Nothing is normalised: no output holds a temporary path or a wall-clock time.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
SRC = HERE.parents[1] / "src"

NOW = datetime(2026, 11, 23, 9, 30)  # tests/conftest.py's fixed clock: a Monday, a working day
TODAY = NOW.date().isoformat()
AT = NOW.isoformat(timespec="minutes")
LANGS = ("zh_CN", "en")
SEED = 7

# (golden name, arguments after ``--lang L``). ``--as`` works on a demo database only, which this is.
JSON_RUNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("queue.supervisor.all", ("--as", "supervisor", "queue", "--json", "--date", TODAY, "--all")),
    ("queue.supervisor.agent1", ("--as", "supervisor", "queue", "--json", "--date", TODAY, "--agent", "agent1")),
    ("queue.agent1", ("--as", "agent1", "queue", "--json", "--date", TODAY)),
    ("queue.agent2.next_day", ("--as", "agent2", "queue", "--json", "--date", "2026-11-24")),
    ("callbacks.supervisor.open", ("--as", "supervisor", "callbacks", "--json", "--status", "open")),
    ("callbacks.supervisor.month", ("--as", "supervisor", "callbacks", "--json", "--month", "2026-11")),
    ("callbacks.agent1.month", ("--as", "agent1", "callbacks", "--json", "--month", "2026-11")),
    ("callbacks.agent1.completed", ("--as", "agent1", "callbacks", "--json", "--status", "completed",
                                    "--month", "2026-10")),
    ("issues.supervisor", ("--as", "supervisor", "issues", "--json", "--now", AT)),
    ("issues.supervisor.overdue", ("--as", "supervisor", "issues", "--json", "--now", AT, "--overdue")),
    ("issues.supervisor.later", ("--as", "supervisor", "issues", "--json", "--now", "2026-12-20T10:00")),
    ("issues.agent1", ("--as", "agent1", "issues", "--json", "--now", AT)),
    ("issues.agent1.mine", ("--as", "agent1", "issues", "--json", "--now", AT, "--mine")),
    ("board.supervisor", ("--as", "supervisor", "board", "--json", "--date", TODAY)),
    ("board.supervisor.earlier", ("--as", "supervisor", "board", "--json", "--date", "2026-11-02")),
    ("report_monthly.supervisor.current", ("--as", "supervisor", "report", "monthly", "--month", "2026-11",
                                           "--now", AT, "--json")),
    ("report_monthly.supervisor.closed", ("--as", "supervisor", "report", "monthly", "--month", "2026-10",
                                          "--now", AT, "--json")),
    ("report_monthly.agent1", ("--as", "agent1", "report", "monthly", "--month", "2026-10", "--now", AT,
                               "--json")),
)


@contextlib.contextmanager
def _environment(db_url: str | None):
    """COLUMNS=80, no language from the environment, the database from HUIFANG_DATABASE_URL."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name in ("LANG", "LANGUAGE", "HUIFANG_LANG", "HUIFANG_DATABASE_URL", "HUIFANG_DEBUG") \
                or name.startswith("LC_"):
            del os.environ[name]
    os.environ["COLUMNS"] = "80"
    os.environ["LINES"] = "50"
    os.environ["NO_COLOR"] = "1"
    if db_url:
        os.environ["HUIFANG_DATABASE_URL"] = db_url
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(argv: list[str]) -> tuple[int, str, str]:
    """``huifang ARGV`` in this process: (exit status, stdout, stderr)."""
    from huifang_tui.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as e:  # argparse's own ending after --help
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return code, out.getvalue(), err.getvalue()


_CHOICES = re.compile(r"\{([A-Za-z0-9_,-]+)\}")


def sub_commands(help_text: str) -> list[str]:
    """The sub-commands a help text lists: the lines under a ``METAVAR ...`` positional
    (``COMMAND``, ``ACTION``), or the choices of a ``{a,b,c} ...`` positional."""
    lines = help_text.splitlines()
    usage = []
    for line in lines:  # the usage paragraph, up to its first blank line
        if usage and not line.strip():
            break
        usage.append(line)
    usage_text = " ".join(usage)
    found: list[str] = []
    for m in re.finditer(r"(\S+) \.\.\.", usage_text):
        token = m.group(1)
        choice = _CHOICES.fullmatch(token)
        if choice:
            found += [c for c in choice.group(1).split(",") if c not in found]
            continue
        # the listing: "  METAVAR" then one "    name   help" line per sub-command
        try:
            start = lines.index("  " + token)
        except ValueError:
            continue
        for line in lines[start + 1:]:
            if not line.startswith("    "):
                break
            if line[4] != " ":
                name = line.split()[0]
                if name not in found:
                    found.append(name)
    return found


def help_outputs() -> tuple[dict[str, str], list[str]]:
    """{golden path: text} for every command's help in both languages, and the command list."""
    outputs: dict[str, str] = {}
    commands: dict[str, list[tuple[str, ...]]] = {}
    with _environment(None):
        for lang in LANGS:
            seen: list[tuple[str, ...]] = []
            todo: list[tuple[str, ...]] = [()]
            while todo:
                path = todo.pop(0)
                code, out, err = run(["--lang", lang, *path, "--help"])
                name = " ".join(("huifang", *path))
                if code != 0 or err:
                    raise AssertionError(f"{name} --help ({lang}): exit {code}\n{err}")
                outputs[f"help/{lang}/{'_'.join(('huifang', *path))}.txt"] = out
                seen.append(path)
                todo += [(*path, sub) for sub in sub_commands(out)]
            commands[lang] = seen
    if commands["zh_CN"] != commands["en"]:
        raise AssertionError(f"the two languages list different commands: {commands}")
    return outputs, [" ".join(("huifang", *p)) for p in commands["en"]]


def build_database(path: Path) -> str:
    """The demo centre (seed 7, 2026-11-23) under the fixed clock; returns its URL."""
    from huifang_tui.demo import build_demo
    from huifang_tui.services.base import Store
    from huifang_tui.store import db

    url = "sqlite:///" + str(path)
    store = Store(url, clock=lambda: NOW)
    store.ensure_schema()
    build_demo(store, NOW.date(), seed=SEED)
    db.dispose(store.engine)
    return url


@contextlib.contextmanager
def fixed_clock():
    """Every store the command line opens reads NOW as the time. ``callbacks`` has no option for
    the time, and ``queue`` on its own day reads the clock, yet both say which rows are overdue."""
    from huifang_tui.services.base import Store  # where the command line's clock is set

    original = Store.__init__

    def init(self, url, clock=None, engine=None):  # noqa: ANN001, ANN202
        original(self, url, clock or (lambda: NOW), engine)

    Store.__init__ = init
    try:
        yield
    finally:
        Store.__init__ = original


@contextlib.contextmanager
def roomy_disk():
    """The board's disk alert reads the database disk's free space: half of 1000 GB free here,
    as tests/conftest.py's ``_roomy_disk`` states it, whatever machine runs the capture."""
    from types import SimpleNamespace

    original = os.statvfs
    os.statvfs = lambda _path: SimpleNamespace(  # type: ignore[assignment]
        f_bavail=500 * 1024**2, f_blocks=1000 * 1024**2, f_frsize=1024, f_flag=0)
    try:
        yield
    finally:
        os.statvfs = original


def json_outputs(db_url: str) -> dict[str, str]:
    """{golden path: stdout} of every JSON run, in both languages."""
    outputs: dict[str, str] = {}
    with _environment(db_url), fixed_clock(), roomy_disk():
        for lang in LANGS:
            for name, args in JSON_RUNS:
                code, out, err = run(["--lang", lang, *args])
                if code != 0 or err:
                    raise AssertionError(f"huifang {' '.join(args)} ({lang}): exit {code}\n{err}")
                outputs[f"json/{lang}/{name}.json"] = out
    return outputs


def capture_all(workdir: Path) -> dict[str, str]:
    """Every golden file's expected text, keyed by its path under golden/."""
    helps, commands = help_outputs()
    outputs = {"commands.txt": "\n".join(commands) + "\n", **helps}
    outputs.update(json_outputs(build_database(workdir / "contract.db")))
    for text in outputs.values():  # a temporary path in an output would differ on every run
        if str(workdir) in text:
            raise AssertionError(f"an output names the temporary folder {workdir}")
    return outputs


def read_golden() -> dict[str, str]:
    return {p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(GOLDEN.rglob("*")) if p.is_file()}


def write_golden(outputs: dict[str, str]) -> None:
    import shutil

    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    for rel, text in outputs.items():
        p = GOLDEN / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8", newline="\n")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="huifang-contract-") as tmp:
        outputs = capture_all(Path(tmp))
    write_golden(outputs)
    print(f"{len(outputs)} files written under {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(SRC))  # this tree's code, whatever the venv has installed
    sys.exit(main())
