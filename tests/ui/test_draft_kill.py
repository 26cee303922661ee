"""SPEC §4/§6: a half-typed call survives the process being killed (crash, dropped SSH)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from datetime import date

import pytest
from sqlmodel import select as sql_select

from huifang_tui.app import HuifangApp
from huifang_tui.screens.dialogs import ConfirmDialog
from huifang_tui.store.models import CallDraft, Setting

from factories import add_callback, add_customer, add_user


def _read_until(fd: int, marker: str, timeout: float = 30.0) -> str:
    buf = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf += os.read(fd, 65536)
            except OSError:
                break
            if marker in buf.decode("utf-8", "ignore"):
                return buf.decode("utf-8", "ignore")
    raise AssertionError(f"{marker!r} never appeared; got {buf[-2000:]!r}")


def _start_app(db_url: str) -> tuple[subprocess.Popen, int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", HUIFANG_DATABASE_URL=db_url, COLUMNS="100", LINES="30")
    # SIGHUP as a terminal delivers it, even when this run was started under nohup (which
    # leaves it ignored, and children inherit that)
    proc = subprocess.Popen([sys.executable, "-m", "huifang_tui.cli", "--as", "agent1"], stdin=slave,
                            stdout=slave, stderr=slave, env=env, close_fds=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL))
    os.close(slave)
    return proc, master


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP], ids=["kill-9", "hangup"])
async def test_killed_session_keeps_half_typed_call(store, sig):
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    with store.write() as s:
        s.add(Setting(key="demo", value="1"))  # allows --as in the child process
    add_callback(store, add_customer(store, "杭州恒达机械有限公司"), "HF202611001", deadline_on=date(2026, 11, 25))
    proc, fd = _start_app(store.url)
    try:
        _read_until(fd, "今日")
        time.sleep(0.5)
        os.write(fd, b"\r")  # open the call
        _read_until(fd, "F3")
        time.sleep(0.5)
        os.write(fd, "李四 技术负责人".encode())  # who answered: replaces the pre-filled contact
        time.sleep(2.0)  # the draft is saved ~0.6 s after typing stops
        os.kill(proc.pid, sig)  # a crash, or the SSH connection dropping
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(fd)
    with store.read() as s:
        draft = s.exec(sql_select(CallDraft)).one()
    assert "李四 技术负责人" in draft.data, draft.data

    app = HuifangApp(store, agent)  # reopening offers the draft back
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert app.screen.query_one("#reached_name").value == "李四 技术负责人", draft.data
