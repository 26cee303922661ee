"""The README and the help's examples work as written (issue 25 items 27 and 28).

- every ``huifang …`` line of the README (its code blocks and its inline commands) names real
  commands and real options of the parser;
- ``make shell`` gives a shell where a bare ``huifang`` is the project's own;
- each example under ``huifang demo --help`` does what its line says, on the demo database.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from huifang_tui.cli import parser as cli_parser
from huifang_tui.core.i18n import catalog

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"


def _readme_command_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    lines: list[str] = []
    for block in re.findall(r"```\w*\n(.*?)```", text, re.S):
        lines += [ln.strip() for ln in block.splitlines() if re.match(r"\s*huifang(\s|$)", ln)]
    lines += [m for m in re.findall(r"`(huifang(?:\s[^`]*)?)`", text)]
    return lines


def _subparsers(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in p._actions:  # noqa: SLF001 - argparse keeps them only there
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            return dict(action.choices)
    return {}


def _options(p: argparse.ArgumentParser) -> set[str]:
    return {o for action in p._actions for o in action.option_strings}  # noqa: SLF001


def _problems(line: str, top: argparse.ArgumentParser) -> list[str]:
    """Commands and options of one README line that the parser does not have. Synopsis marks
    are understood: ``[…]`` optional, ``a|b`` alternatives, ``·`` or ``|`` between commands,
    capitals and ``…`` placeholders, ``# …`` a comment."""
    line = re.split(r"\s#\s", line, maxsplit=1)[0]
    globals_ = _options(top)
    path: list[argparse.ArgumentParser] = [top]
    problems = []
    alternative = False  # after a lone "|": the next word may be another command
    for raw in line.replace("·", " huifang ").split():
        token = raw.strip("[]()\"'")
        if token == "huifang":
            path = [top]
        elif token == "|":
            alternative = True
        elif token.startswith("--"):
            alternative = False
            for opt in token.split("|"):
                opt = opt.strip("[]").split("=")[0]
                if opt.startswith("--") and opt not in _options(path[-1]) | globals_:
                    problems.append(f"{opt} (in {line!r})")
        else:
            if alternative:
                alternative = False
                if len(path) > 1 and token in _subparsers(path[-2]):
                    path.pop()
                elif token in _subparsers(top):
                    path = [top]
            subs = _subparsers(path[-1])
            names = [n for n in token.split("|") if n]
            if subs and names and all(re.fullmatch(r"[a-z][a-z-]*", n) for n in names) and names[0] in subs:
                missing = [n for n in names if n not in subs]
                problems += [f"command {n} (in {line!r})" for n in missing]
                path.append(subs[names[0]])
            elif subs and len(path) > 1 and re.fullmatch(r"[a-z][a-z-]+", token):
                problems.append(f"command {token} (in {line!r})")
    return problems


def test_every_readme_command_names_real_commands_and_options():
    top = cli_parser.build()
    lines = _readme_command_lines()
    assert len(lines) > 60
    problems = [p for line in lines for p in _problems(line, top)]
    assert not problems, "\n".join(problems)


def test_a_wrong_option_in_the_readme_would_be_found():
    top = cli_parser.build()
    assert _problems("huifang queue --agnet LOGIN", top) == ["--agnet (in 'huifang queue --agnet LOGIN')"]
    assert _problems("huifang db upgrade | db backupp FILE", top)
    assert not _problems("huifang department list | add NAME | set-default product|need NAME", top)


def test_the_readme_says_how_huifang_gets_on_path():
    text = README.read_text(encoding="utf-8")
    head = text[: text.index("## ")]
    assert "make shell" in head and ". .venv/bin/activate" in head


@pytest.mark.skipif(shutil.which("make") is None or not (ROOT / ".venv" / ".installed").exists(),
                    reason="make, or the project's .venv made by make")
def test_make_shell_puts_the_projects_huifang_on_path():
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["SHELL"] = "/bin/sh"
    env["PATH"] = os.pathsep.join(d for d in env.get("PATH", "").split(os.pathsep) if ".venv" not in d)
    # -o: the .venv is taken as it is (never rebuilt by a test, whatever the Python on PATH)
    p = subprocess.run(["make", "-s", "-o", ".venv/.installed", "shell"], cwd=ROOT, input="command -v huifang\nexit\n",
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert str(ROOT / ".venv" / "bin" / "huifang") in p.stdout


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_each_demo_example_opens_what_it_says(tmp_path, monkeypatch, lang):
    """``huifang --as supervisor`` was given as "open the demo as the supervisor"; it opened the
    default database, which does not exist on a new machine (数据库尚未初始化)."""
    from huifang_tui import cli
    from huifang_tui.cli import start

    for var in ("HUIFANG_DATABASE_URL", "HUIFANG_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "cfg"), ("XDG_STATE_HOME", "state"),
                     ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    opened: list[tuple[str, str]] = []

    def run_app(app) -> int:  # noqa: ANN001
        opened.append((app.actor.login, str(getattr(app.store, "url", app.store))))
        return 0

    monkeypatch.setattr(start, "run_app", run_app)
    examples = catalog(lang)["examples.demo"].splitlines()
    assert len(examples) >= 3
    assert cli.main(["demo", "--no-open", "--customers", "20"]) == 0  # the demo exists, as after `huifang demo`
    for example in examples:
        argv, says = re.split(r"\s{3,}", example.strip(), maxsplit=1)
        words = argv.split()[1:]
        if "--reuse" not in words and "demo" in words:
            words.append("--customers=20")  # the same database, built faster
        opened.clear()
        assert cli.main(["--lang", lang, *words]) == 0, example
        assert len(opened) == 1, example
        login, url = opened[0]
        assert url.endswith("demo.db"), example
        assert login == ("supervisor" if "--as supervisor" in argv else "agent1"), example
