"""Errors in plain words, never a traceback (issue 13 item 6): one or two lines, exit 1, the
traceback in a 0600 log under the user's state directory whose path the message names."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from huifang_tui import cli
from huifang_tui.services.users import os_login

from factories import add_user

SRC = Path(__file__).parents[2] / "src"


@pytest.fixture
def state(tmp_path, monkeypatch):
    d = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(d))
    return d / "huifang"


def _plain(err: str, lines: int = 2) -> list[str]:
    assert "Traceback" not in err and "\x1b" not in err
    out = err.strip().splitlines()
    assert 1 <= len(out) <= lines, out
    return out


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    where.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    return r.returncode == 0


def _umount(where: Path) -> None:
    # lazy: the CLI's engine may still hold the file open until the test process exits
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_broken_pipe_ends_with_one_plain_line(store, state, tmp_path):
    """``huifang queue | head -1``: the reader has gone; a line on stderr, exit 1."""
    add_user(store, os_login(), "admin")
    r, w = os.pipe()
    os.close(r)  # the reader is gone before anything is written
    env = {**os.environ, "PYTHONPATH": str(SRC), "HUIFANG_DATABASE_URL": store.url, "XDG_STATE_HOME": str(state.parent)}
    p = subprocess.run([sys.executable, "-m", "huifang_tui.cli", "queue", "--all"], stdout=w, stderr=subprocess.PIPE,
                       env=env, timeout=120)
    os.close(w)
    err = p.stderr.decode()
    assert p.returncode == 1
    assert _plain(err, 1) == ["输出被提前关闭（例如接在 head 后面），已停止。"]


def test_ctrl_c_is_one_line(store, state, monkeypatch, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)

    def interrupted(args):  # noqa: ANN001
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_dispatch", interrupted)
    assert cli.main(["queue"]) == 1
    assert _plain(capsys.readouterr().err, 1) == ["已中断（Ctrl-C）。已经保存的内容不受影响。"]


def test_not_a_database(tmp_path, state, capsys):
    bad = tmp_path / "notes.db"
    bad.write_text("hello, not sqlite")
    assert cli.main(["--db", str(bad), "queue"]) == 1
    first, second = _plain(capsys.readouterr().err)
    assert first == "notes.db 不是回访台的数据库，或文件已损坏。请检查 --db 指向的文件，或从备份恢复。"
    log = state / "huifang.log"
    assert second == f"详细信息已记录在 {log}"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600 and "DatabaseError" in log.read_text()
    assert "hello" not in first


def test_log_is_never_written_through_a_symlink(tmp_path, state, capsys):
    state.mkdir(parents=True)
    target = tmp_path / "victim.txt"
    target.write_text("keep me")
    (state / "huifang.log").symlink_to(target)
    bad = tmp_path / "notes.db"
    bad.write_text("hello")
    assert cli.main(["--db", str(bad), "queue"]) == 1
    assert _plain(capsys.readouterr().err)[1] == "（无法写入错误日志。）"
    assert target.read_text() == "keep me"


@pytest.mark.sqlite_only  # SQLite files and SQL; PostgreSQL: tests/store/test_backends.py
def test_read_only_database(store, state, tmp_path, capsys):
    add_user(store, os_login(), "admin")
    src = Path(store.url[len("sqlite:///"):])
    store.engine.dispose()
    ro = tmp_path / "ro"
    if _mount_tmpfs(ro, "20m"):
        try:
            shutil.copy(src, ro / "huifang.db")
            subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
            _check_read_only(ro / "huifang.db", capsys)
        finally:
            _umount(ro)
    elif os.geteuid() != 0:
        ro.mkdir()
        shutil.copy(src, ro / "huifang.db")
        os.chmod(ro / "huifang.db", 0o444)
        os.chmod(ro, 0o555)
        try:
            _check_read_only(ro / "huifang.db", capsys)
        finally:
            os.chmod(ro, 0o755)
    else:
        pytest.skip("root without mount: a read-only file cannot be made here")


def _check_read_only(db: Path, capsys) -> None:  # noqa: ANN001
    rc = cli.main(["--db", str(db), "calendar", "set", "2027-01-01", "holiday"])
    first, second = _plain(capsys.readouterr().err)
    assert rc == 1
    assert first.startswith("无法写入数据库 huifang.db：文件或所在目录是只读的。")
    assert second.startswith("详细信息已记录在 ")


@pytest.mark.sqlite_only  # SQLite files and SQL; PostgreSQL: tests/store/test_backends.py
def test_full_disk_during_an_import(store, state, tmp_path, capsys):
    add_user(store, os_login(), "admin")
    src = Path(store.url[len("sqlite:///"):])
    store.engine.dispose()
    small = tmp_path / "small"
    if not _mount_tmpfs(small, "1m"):
        pytest.skip("needs root and mount for a small tmpfs (a full disk cannot be simulated otherwise)")
    try:
        shutil.copy(src, small / "huifang.db")
        big = tmp_path / "big.csv"
        rows = ["客户名称,地区,联系人,联系电话"] + [f"客户{i}{'有限公司' * 20},{'北京' * 20},联系人{i},13812345678"
                                             for i in range(6000)]
        big.write_text("\n".join(rows), encoding="utf-8")
        rc = cli.main(["--db", str(small / "huifang.db"), "import", "customers", str(big)])
        first, second = _plain(capsys.readouterr().err)
        assert rc == 1
        assert first == "磁盘已满，无法写入 huifang.db。刚才的操作没有保存；请清理磁盘空间后重试。"
        assert second.startswith("详细信息已记录在 ")
    finally:
        _umount(small)


@pytest.mark.sqlite_only  # SQLite files and SQL; PostgreSQL: tests/store/test_backends.py
def test_engines_hide_parameters(store):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    assert store.engine.hide_parameters
    add_user(store, "zhang", "agent")
    with pytest.raises(IntegrityError) as e:
        with store.engine.begin() as c:
            c.execute(text("INSERT INTO app_user (login, name, role, active) VALUES (:l, :n, 'agent', 1)"),
                      {"l": "zhang", "n": "客户的秘密电话13812345678"})
    assert "13812345678" not in str(e.value)


@pytest.mark.parametrize("exc, first", [
    (sqlite3.OperationalError("database is locked"),
     "数据库 x.db 正被其他程序长时间占用（等待超时）。请稍后重试；若一直如此，请检查是否有导入或其他程序卡住。"),
    (sqlite3.OperationalError("attempt to write a readonly database"),
     "无法写入数据库 x.db：文件或所在目录是只读的。请检查该文件和目录的写权限（共享库须对 huifang 组可写），或联系管理员。"),
    (sqlite3.OperationalError("database or disk is full"),
     "磁盘已满，无法写入 x.db。刚才的操作没有保存；请清理磁盘空间后重试。"),
    (sqlite3.DatabaseError("database disk image is malformed"),
     "x.db 不是回访台的数据库，或文件已损坏。请检查 --db 指向的文件，或从备份恢复。"),
    (OSError(28, "No space left on device"), "磁盘已满，无法写入 x.db。刚才的操作没有保存；请清理磁盘空间后重试。"),
    (PermissionError(13, "Permission denied", "/srv/huifang/x.db"),
     "没有权限访问 /srv/huifang/x.db。请检查文件和目录的权限，或联系管理员。"),
    (ZeroDivisionError("x"), "发生了意外错误（ZeroDivisionError），操作已停止。"),
])
def test_each_failure_in_plain_words(state, exc, first):
    from sqlalchemy.exc import OperationalError

    from huifang_tui.core.crash import explain

    for e in (exc, OperationalError("INSERT …", {}, exc) if isinstance(exc, sqlite3.Error) else exc):
        message, log = explain(e, "x.db")
        assert message.splitlines() == [first, f"详细信息已记录在 {log}"]
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
