"""The safety net's own failures (issue 21): when explaining an error fails — the store's
folder cannot be entered, the log cannot be written, the catalog cannot be read, Ctrl-C lands
while explaining — one plain line is still written and the exit status is 1 or 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from huifang_tui import cli
from huifang_tui.core import crash
from huifang_tui.core.errors import PermissionDenied

SRC = Path(__file__).parents[2] / "src"


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("HUIFANG_DEBUG", raising=False)
    return tmp_path / "state" / "huifang"


def _one_or_two_plain_lines(err: str) -> list[str]:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert 1 <= len(lines) <= 2, lines
    return lines


def test_explaining_a_store_whose_folder_cannot_be_entered(tmp_path, state, monkeypatch, capsys):
    """``Path.exists`` raises PermissionError under a folder one cannot enter (Python 3.11):
    the explainer asked whether the store was read-only and raised it again."""
    real_exists = Path.exists

    def exists(self):  # noqa: ANN001, ANN202
        if self.name == "huifang.db":
            raise PermissionError(13, "Permission denied", str(self))
        return real_exists(self)

    monkeypatch.setattr(Path, "exists", exists)
    db = tmp_path / "locked" / "huifang.db"
    message, _log = crash.explain(PermissionError(13, "Permission denied", str(db)), "huifang.db", db)
    assert "huifang.db" in message and "Traceback" not in message


def test_the_explainer_failing_still_ends_in_one_line(state, monkeypatch, capsys):
    def broken(*_a, **_k):  # noqa: ANN202
        raise RuntimeError("the explainer itself broke")

    monkeypatch.setattr(crash, "_explain", broken)
    monkeypatch.setattr(cli, "_dispatch", lambda args: (_ for _ in ()).throw(OSError(5, "I/O error")))
    assert cli.main(["queue"]) == 1
    assert _one_or_two_plain_lines(capsys.readouterr().err) == ["发生了意外错误（OSError），操作已停止。"]


def test_no_catalog_no_log_still_one_line(state, monkeypatch, capsys):
    def no_catalog(*_a, **_k):  # noqa: ANN202
        raise KeyError("catalog")

    monkeypatch.setattr(crash, "t", no_catalog)
    monkeypatch.setattr(crash, "append_log", no_catalog)
    monkeypatch.setattr(cli, "_dispatch", lambda args: (_ for _ in ()).throw(ValueError("x")))
    assert cli.main(["queue"]) == 1
    assert _one_or_two_plain_lines(capsys.readouterr().err) == ["发生了意外错误，操作已停止。"]


def test_ctrl_c_while_explaining(state, monkeypatch, capfd):
    def interrupted(*_a, **_k):  # noqa: ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_fail_plain", interrupted)
    monkeypatch.setattr(cli, "_dispatch", lambda args: (_ for _ in ()).throw(OSError(5, "I/O error")))
    assert cli.main(["queue"]) == 1
    assert _one_or_two_plain_lines(capfd.readouterr().err) == ["已中断（Ctrl-C）。已经保存的内容不受影响。"]


def test_a_refusal_keeps_exit_2_when_saying_it_fails(state, monkeypatch):
    def refused(args):  # noqa: ANN001, ANN202
        raise PermissionDenied("no")

    def no_stderr(*_a, **_k):  # noqa: ANN202
        raise OSError(9, "Bad file descriptor")

    monkeypatch.setattr(cli, "_dispatch", refused)
    monkeypatch.setattr(cli, "say", no_stderr)
    assert cli.main(["queue"]) == 2


def test_ctrl_c_before_a_command_is_read(state, monkeypatch, capsys):
    def interrupted():  # noqa: ANN202
        raise KeyboardInterrupt

    from huifang_tui.install import elevation

    monkeypatch.setattr(elevation, "prepare", interrupted)
    assert cli.main(["queue"]) == 1
    assert _one_or_two_plain_lines(capsys.readouterr().err) == ["已中断（Ctrl-C）。已经保存的内容不受影响。"]


def test_an_error_under_a_closed_file_error_is_the_one_explained(state, tmp_path):
    """The xlsx writer's ``ValueError: I/O operation on closed file`` raised while the folder
    refused the file: the message names the folder's permission, not "unexpected ValueError"."""
    target = tmp_path / "ro" / "report.xlsx"
    try:
        try:
            raise PermissionError(13, "Permission denied", str(target))
        except PermissionError:
            raise ValueError("I/O operation on closed file.")  # noqa: B904
    except ValueError as e:
        message, log = crash.explain(e)
    first = message.splitlines()[0]
    assert first == f"没有权限访问 {target}。请检查文件和目录的权限，或联系管理员。"
    assert log is not None and "I/O operation on closed file" in log.read_text()


def test_the_app_stopped_by_an_error_ends_in_one_line(state, monkeypatch, capsys):
    class Stopped:
        def run(self) -> None:
            pass

        def stopped_by(self) -> BaseException:
            return RuntimeError("a handler broke")

    from huifang_tui.cli.start import run_app

    monkeypatch.setattr(cli, "_dispatch", lambda args: run_app(Stopped()))
    assert cli.main(["queue"]) == 1
    first, second = _one_or_two_plain_lines(capsys.readouterr().err)
    assert first == "发生了意外错误（RuntimeError），操作已停止。"
    assert "a handler broke" in (state / "huifang.log").read_text()


async def test_the_app_keeps_an_error_instead_of_printing_a_traceback(store, monkeypatch):
    """Textual would draw its traceback on the terminal at exit; the app keeps the error for
    ``cli`` to explain in one line."""
    from factories import add_user

    from huifang_tui.app import HuifangApp
    from huifang_tui.services.base import Actor

    monkeypatch.delenv("HUIFANG_DEBUG", raising=False)
    add_user(store, "agent1", "agent")
    app = HuifangApp(store, Actor("agent1", "agent", "agent1"))
    with pytest.raises(ZeroDivisionError):
        async with app.run_test() as pilot:
            app.call_later(lambda: 1 / 0)
            await pilot.pause()
    assert isinstance(app.stopped_by(), ZeroDivisionError)
    assert app.return_code == 1 and not app._exit_renderables


def test_python_m_entry_with_a_broken_start(tmp_path):
    """``python -m huifang_tui`` whose first step fails: one line, refused, no traceback."""
    code = ("import sys, runpy; from huifang_tui.core import system\n"
            "def broken(): raise OSError(5, 'Input/output error')\n"
            "system.enter_main = broken\n"
            "runpy.run_module('huifang_tui', run_name='__main__')\n")
    env = {**os.environ, "PYTHONPATH": str(SRC), "XDG_STATE_HOME": str(tmp_path)}
    p = subprocess.run([sys.executable, "-c", code, "queue"], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 2
    assert _one_or_two_plain_lines(p.stderr) == ["发生了意外错误（OSError），操作已停止。"]


def test_output_closed_after_everything_was_written(store, tmp_path, state):
    """A short output waits in stdout's buffer until the end; the reader is gone by then (``|
    head -0``): one line and exit 1, not Python's "Exception ignored … BrokenPipeError"."""
    from factories import add_user

    from huifang_tui.services.users import os_login

    add_user(store, os_login(), "admin")
    r, w = os.pipe()
    os.close(r)
    env = {**os.environ, "PYTHONPATH": str(SRC), "XDG_STATE_HOME": str(tmp_path), "HUIFANG_DATABASE_URL": store.url}
    p = subprocess.run([sys.executable, "-m", "huifang_tui", "user", "list"], stdout=w, stderr=subprocess.PIPE,
                       env=env, timeout=120)
    os.close(w)
    err = p.stderr.decode()
    assert p.returncode == 1
    assert _one_or_two_plain_lines(err) == ["输出被提前关闭（例如接在 head 后面），已停止。"]


def test_ctrl_c_falling_inside_a_clean_up_reaches_the_command(tmp_path):
    """Python runs a weak reference's callback (the ORM has many) between two steps of the
    command; a Ctrl-C landing there was printed as "Exception ignored in … Traceback" and lost,
    the command running on. Now it is sent again to the command, which ends in its one line."""
    code = ("import signal, sys, time, weakref\n"
            "signal.signal(signal.SIGINT, signal.default_int_handler)  # as at a terminal (a test runner may ignore it)\n"
            "from huifang_tui import cli\n"
            "class Held: pass\n"
            "def ctrl_c(_ref): raise KeyboardInterrupt\n"
            "def command(args):\n"
            "    held = Held(); ref = weakref.ref(held, ctrl_c); del held\n"
            "    for _ in range(100): time.sleep(0.05)\n"
            "    print('ran on'); return 0\n"
            "cli._dispatch = command\n"
            "sys.exit(cli.main(['queue']))\n")
    env = {**os.environ, "PYTHONPATH": str(SRC), "XDG_STATE_HOME": str(tmp_path)}
    env.pop("HUIFANG_DEBUG", None)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert "ran on" not in p.stdout
    assert "Exception ignored" not in p.stderr
    assert _one_or_two_plain_lines(p.stderr) == ["已中断（Ctrl-C）。已经保存的内容不受影响。"]
    assert p.returncode == 1
