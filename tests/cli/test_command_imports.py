"""Each command imports only what it needs (issue 16 item 10).

Importing costs most of a short command's time: ``huifang record`` from a shell is mostly the
ORM's import. So no command loads the terminal UI (textual), Rich, openpyxl, pypinyin or
alembic unless it uses them, and help and the app's first frame do not load the ORM at all.
Each case runs the real command in a fresh interpreter and lists what it imported; a new
top-level import of one of these anywhere on a command's path fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import huifang_tui
from huifang_tui.core.identity import os_login

from factories import add_callback, add_customer, add_user

pytestmark = pytest.mark.sqlite_only

SRC = Path(huifang_tui.__file__).resolve().parents[1]
UNUSED = {"textual", "rich", "openpyxl", "pypinyin", "alembic"}
ORM = {"sqlmodel", "sqlalchemy", "pydantic"}

# Runs ``cli.main(argv)`` and writes the top-level names of every module imported by then.
# In "app" mode the app runs headless and the list is taken when the queue's first frame is
# painted (what the agent waits for), then the app quits.
RUNNER = """
import json, sys
mode, out, argv = sys.argv[1], sys.argv[2], sys.argv[3:]

def dump():
    with open(out, "w") as f:
        json.dump(sorted({m.split(".")[0] for m in sys.modules}), f)

from huifang_tui import cli
try:
    rc = None
    if mode == "app":
        from huifang_tui.app import HuifangApp
        from huifang_tui.screens.queue import QueueScreen

        painted = QueueScreen._render_status

        def first_frame(self, *a):
            painted(self, *a)
            dump()
            self.app.exit()

        QueueScreen._render_status = first_frame
        run = HuifangApp.run
        HuifangApp.run = lambda self, **kw: run(self, headless=True)
        rc = cli.main(argv)
    else:
        rc = cli.main(argv)
except SystemExit as e:  # --help
    rc = e.code
if mode != "app":
    dump()
sys.exit(rc)
"""


@pytest.fixture
def centre(store):
    me = os_login()
    add_user(store, me, "agent")
    cid = add_customer(store, "杭州恒达机械有限公司", agent=me)
    add_callback(store, cid, "HF202611001", agent=me)
    add_callback(store, cid, "HF202611002", agent=me, kind="usage")
    return store.url[len("sqlite:///"):]


def imported(db: str, tmp_path: Path, *argv: str, mode: str = "cli") -> set[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(SRC), "HUIFANG_LANG": "zh_CN", "TERM": "xterm-256color"}
    env.pop("HUIFANG_DATABASE_URL", None)
    r = subprocess.run([sys.executable, "-c", RUNNER, mode, str(out), "--db", db, *argv],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr + r.stdout
    return set(json.loads(out.read_text()))


@pytest.mark.parametrize(("argv", "must_not"), [
    (("--help",), UNUSED | ORM),
    (("record", "--help"), UNUSED | ORM),
    (("queue", "--help"), UNUSED | ORM),
    (("record", "HF202611001", "--outcome", "no_answer"), UNUSED),
    (("record", "HF202611002", "--outcome", "completed", "--scores", "5,5", "--reached", "王经理/技术负责人"), UNUSED),
    (("queue", "--json"), UNUSED),
    (("queue",), UNUSED - {"rich"}),  # the plain-text table is drawn by Rich
    (("issues", "--json"), UNUSED),
    (("callbacks", "--json"), UNUSED),
], ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_command_imports_only_what_it_uses(centre, tmp_path, argv, must_not):
    assert imported(centre, tmp_path, *argv) & must_not == set()


def test_the_first_frame_needs_no_orm(centre, tmp_path):
    """The app paints the queue before the ORM is imported (that happens after the first frame)."""
    mods = imported(centre, tmp_path, mode="app")
    assert "textual" in mods  # the app did run
    assert mods & (ORM | {"openpyxl", "pypinyin", "alembic"}) == set()


def test_the_check_sees_a_module_imported_on_the_way(centre, tmp_path):
    """The check itself: a command that does use Rich (the plain-text queue) is seen to."""
    assert "rich" in imported(centre, tmp_path, "queue")


# -- the app's own start is read without building every command's parser ---------------------

@pytest.mark.parametrize("argv", [
    [], ["--db", "x.db"], ["--db=x.db", "--lang", "en", "--as", "agent1"], ["--lang=zh_CN"], ["--as", "a", "--as", "b"],
    ["--db", ""],
])
def test_app_options_are_read_as_the_full_parser_reads_them(argv):
    from huifang_tui.cli import parser

    fast, full = parser.app_args(argv), parser.build().parse_args(argv)
    assert fast is not None
    assert (fast.db, fast.lang, fast.as_login, fast.cmd) == (full.db, full.lang, full.as_login, full.cmd)


@pytest.mark.parametrize("argv", [
    ["--help"], ["-h"], ["queue"], ["run"], ["--db", "x", "queue", "--json"], ["--d", "x"], ["--db"], ["--lang", "fr"],
    ["--as", "-x"], ["--", "x"],
])
def test_anything_else_goes_to_the_full_parser(argv):
    from huifang_tui.cli import parser

    assert parser.app_args(argv) is None


def _subparsers(parser):  # noqa: ANN001, ANN202
    import argparse

    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action.choices


def test_a_command_alone_is_built_as_with_every_command():
    """``huifang record …`` builds only record's parser: its help (examples included), its
    sub-commands and its errors must read exactly as when every command is built."""
    from huifang_tui.cli import commands, parser

    full = _subparsers(parser.build())
    listed = {name for name, _module in commands.COMMANDS}
    assert listed == set(full)  # a new command is listed where it is defined
    for name, sub in full.items():
        alone = _subparsers(parser.build(name))
        assert list(alone) == [name]
        assert alone[name].format_help() == sub.format_help(), name
        assert alone[name].format_usage() == sub.format_usage(), name


@pytest.mark.parametrize(("argv", "command"), [
    (["record", "HF1", "--outcome", "busy"], "record"), (["--db", "x.db", "--as", "a", "queue", "--json"], "queue"),
    (["--db=record", "issues"], "issues"), (["--lang", "en", "report", "monthly"], "report"),
    (["--help"], None), (["--d", "x", "queue"], None), (["nosuch"], None), ([], None), (["--db", "queue"], None),
])
def test_the_command_is_found_after_the_apps_options(argv, command):
    from huifang_tui.cli import parser

    assert parser.command_of(argv) == command


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_commands_help_prints(lang):
    """Every ``huifang CMD --help`` formats (a catalog text with a bare % broke ``issues --help``)."""
    from huifang_tui.cli import parser
    from huifang_tui.core.i18n import get_lang, set_lang

    before = get_lang()
    set_lang(lang)
    try:
        def walk(parser):  # noqa: ANN001, ANN202
            parser.format_help()
            import argparse

            for a in parser._actions:
                if isinstance(a, argparse._SubParsersAction):
                    for sub in a.choices.values():
                        walk(sub)

        walk(parser.build())
    finally:
        set_lang(before)
