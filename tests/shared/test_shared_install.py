"""Issue 14 on a real shared install: OS users, a store group no one is in, sudo.

What an agent can and cannot do: the store file is closed to them, ``huifang`` works through
the re-exec and shows their own queue; the elevated process ignores ``--db``,
``HUIFANG_DATABASE_URL`` and ``TZ``, refuses symlinks and files of the store, and is not
dumpable.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import sqlite3
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from . import osusers
from .conftest import TZ


def test_agent_cannot_read_the_store_but_huifang_shows_their_queue(shared_install):
    inst = shared_install
    cat = osusers.as_user(inst.agent, ["cat", str(inst.store)])
    assert cat.returncode != 0 and "Permission denied" in cat.stderr
    py = osusers.as_user(inst.agent, [inst.python, "-c", f"open({str(inst.store)!r}, 'rb')"])
    assert py.returncode != 0 and "PermissionError" in py.stderr

    r = inst.run(inst.agent, "queue", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert sorted(row["number"] for row in rows) == inst.numbers  # theirs only, not someone's
    assert {row["agent"] for row in rows} == {inst.agent}


def test_identity_is_the_persons_own_login(shared_install):
    inst = shared_install
    r = inst.run(inst.agent, "user", "add", "mallory", "--role", "admin", "--name", "M")
    assert r.returncode != 0  # the agent acts as themselves: an agent may not add users
    r = inst.run(inst.agent, "--as", inst.supervisor, "queue", "--json")
    assert r.returncode == 2
    r = inst.run(inst.supervisor, "queue", "--all", "--json")
    assert r.returncode == 0, r.stderr
    assert "HF202612999" in {row["number"] for row in json.loads(r.stdout)}


def test_a_person_outside_the_agents_group_is_told_what_to_ask_for(shared_install):
    inst = shared_install
    r = inst.run(inst.outsider, "queue")
    assert r.returncode == 2
    assert inst.agents_group in r.stderr and "usermod" in r.stderr


def _own_db(inst, login: str) -> Path:
    """A database the person made themselves, where they are admin with other data."""
    own = inst.home(login) / "own.db"
    r = inst.run(login, "--db", str(own), "init")
    assert r.returncode == 0, r.stderr
    return own


def test_elevated_process_ignores_db_and_env(shared_install):
    inst = shared_install
    own = _own_db(inst, inst.agent)
    for args, env in (
        (["--db", str(own), "user", "list"], {}),
        (["user", "list"], {"HUIFANG_DATABASE_URL": str(own)}),
        (["user", "list"], {"XDG_CONFIG_HOME": str(inst.home(inst.agent))}),
    ):
        r = inst.sudo(inst.agent, *args, env=env)
        # In own.db this login is the admin and may list users; in the shared store it is an
        # agent, and listing users is for supervisors and admins (issue 12): refused, exit 2.
        assert r.returncode == 2, r.stderr
        assert "无权" in r.stderr and "agent" in r.stderr
    r = inst.sudo(inst.supervisor, "--db", str(own), "user", "list")
    assert r.returncode == 0, r.stderr
    logins = {line.split("\t")[0] for line in r.stdout.splitlines()}
    assert {inst.agent, inst.supervisor, "root"} <= logins  # the store's users, not own.db's


def test_locked_mode_ignores_env_even_if_sudo_let_it_through(shared_install, tmp_path):
    """Belt and braces: the sudoers rule drops the variables, and the app ignores them too."""
    inst = shared_install
    code = (
        "from pathlib import Path; from huifang_tui.core import system, config, resources;"
        f"system.lock(system.load(Path({str(inst.config)!r})));"
        "print(config.resolve_db('/tmp/other.db')[0]); print(resources.data_dir());"
        "import time; print(time.tzname[0])"
    )
    env = {"HUIFANG_DATABASE_URL": "sqlite:////tmp/x.db", "HUIFANG_DATA_DIR": str(tmp_path), "TZ": "Etc/GMT+10",
           "PATH": "/usr/bin:/bin"}
    r = subprocess.run([inst.python, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    url, data, tz = r.stdout.split()
    assert url == "sqlite:///" + str(inst.store)
    assert data == str(inst.venv / "share" / "huifang")
    assert tz == "CST"  # Asia/Shanghai, from the config


def test_callers_tz_does_not_move_the_clock(shared_install):
    inst = shared_install
    number = inst.numbers[0]
    r = inst.run(inst.agent, "record", number, "--outcome", "no_answer", env={"TZ": "Etc/GMT+10"})
    assert r.returncode == 0, r.stderr
    conn = sqlite3.connect(f"file:{inst.store}?mode=ro", uri=True)
    try:
        (at,) = conn.execute("SELECT max(at) FROM audit_entry WHERE login = ?", (inst.agent,)).fetchone()
    finally:
        conn.close()
    stored = datetime.fromisoformat(at)
    expected = datetime.now(ZoneInfo(TZ)).replace(tzinfo=None)
    assert abs(stored - expected) < timedelta(hours=1), (stored, expected)  # not 18 h off


def test_files_of_the_store_are_refused(shared_install):
    inst = shared_install
    home = inst.home(inst.supervisor)
    # a backup-like CSV inside the store directory, and one of the store's group elsewhere
    inside = inst.store.parent / "backup.csv"
    inside.write_text("客户名称\nx\n")
    os.chown(inside, 0, _gid(inst.store_group))
    os.chmod(inside, 0o640)
    outside = inst.root / "leak.csv"
    outside.write_text("客户名称\nx\n")
    os.chown(outside, 0, _gid(inst.store_group))
    os.chmod(outside, 0o640)
    link = home / "link.csv"
    dirlink = home / "store"
    for p, target in ((link, inside), (dirlink, inst.store.parent)):
        r = osusers.as_user(inst.supervisor, ["ln", "-sfn", str(target), str(p)])
        assert r.returncode == 0, r.stderr
    # Read by the person's own process (issue 21): the store's files are closed to them.
    cases = {
        str(inside): "无权",
        str(outside): "无权",
        str(dirlink / "backup.csv"): "无权",
        str(link): "符号链接",
        str(inst.store): "无权",
    }
    for path, word in cases.items():
        r = inst.run(inst.supervisor, "import", "customers", path)
        assert r.returncode == 2, (path, r.stdout, r.stderr)
        assert word in r.stderr, (path, r.stderr)
        assert "Traceback" not in r.stderr


def test_reject_file_is_never_written_into_the_store(shared_install):
    """``--skip-bad`` writes FILE.rejected.csv beside the input: a planted symlink there is refused."""
    inst = shared_install
    home = inst.home(inst.supervisor)
    src = home / "bad.csv"
    src.write_text("客户名称,客户等级\n杭州新客户有限公司,不存在的等级\n", encoding="utf-8")
    os.chown(src, _uid(inst.supervisor), -1)
    target = inst.store.parent / "victim.csv"
    target.write_text("keep\n")
    os.chown(target, 0, _gid(inst.store_group))
    os.chmod(target, 0o660)
    r = osusers.as_user(inst.supervisor, ["ln", "-sf", str(target), str(home / "bad.rejected.csv")])
    assert r.returncode == 0
    r = inst.run(inst.supervisor, "import", "customers", str(src), "--skip-bad")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert target.read_text() == "keep\n"
    # without the planted link the reject file is the person's own: their uid and group
    (home / "bad.rejected.csv").unlink()
    r = inst.run(inst.supervisor, "import", "customers", str(src), "--skip-bad")
    assert r.returncode == 0, (r.stdout, r.stderr)
    st = (home / "bad.rejected.csv").stat()
    import pwd

    pw = pwd.getpwnam(inst.supervisor)
    assert (st.st_uid, st.st_gid) == (pw.pw_uid, pw.pw_gid)  # not the store's group


def test_elevated_process_is_not_dumpable(shared_install):
    """The TUI runs as the agent in a terminal; its elevated process cannot be read by them."""
    inst = shared_install
    with agent_tui(inst) as tui:
        pid = tui.pid
        # the kernel gives a non-dumpable process's /proc files to root (the agent's uid otherwise)
        assert os.stat(f"/proc/{pid}/status").st_uid == 0
        limits = Path(f"/proc/{pid}/limits").read_text()
        core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
        assert core.split()[4:6] == ["0", "0"], core
        status = Path(f"/proc/{pid}/status").read_text()
        assert f"Gid:\t{_gid(inst.store_group)}" in status  # it does hold the store's group
        for what in ("environ", "mem", "maps"):
            r = osusers.as_user(inst.agent, ["cat", f"/proc/{pid}/{what}"])
            assert r.returncode != 0, what


@dataclass
class Tui:
    pid: int  # the elevated process (the service account's)
    proc: subprocess.Popen  # runuser → the person's first stage
    master: int  # the terminal's other side: os.write(master, b"\r") presses Enter
    screen: bytearray  # everything the app drew so far


@contextmanager
def agent_tui(inst):  # noqa: ANN001, ANN201
    """``huifang`` as the agent on a terminal of its own, painted (the queue shows 恒达); at the
    end everything of the agent's and the service account's is ended."""
    master, slave = pty.openpty()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(inst.home(inst.agent)), "LANG": "C.UTF-8",
           "TERM": "xterm-256color"}
    proc = subprocess.Popen([osusers.tool("runuser"), "-u", inst.agent, "--", inst.huifang], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=str(inst.root), start_new_session=True)
    os.close(slave)
    stop = threading.Event()
    screen = bytearray()
    threading.Thread(target=_drain, args=(master, stop, screen), daemon=True).start()
    pid = None
    try:
        pid = _wait_for_elevated(_uid(inst.service), proc)
        assert pid is not None, "the elevated process did not start"
        _wait_for(lambda: "恒达".encode() in screen or proc.poll() is not None)
        assert proc.poll() is None, screen.decode(errors="replace")[-2000:]
        yield Tui(pid, proc, master, screen)
    finally:
        stop.set()
        for p in (pid, proc.pid):
            if p:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        proc.wait(timeout=30)
        os.close(master)
        for login in (inst.service, inst.agent):
            osusers.run(["pkill", "-KILL", "-u", login])


def _wait_for_elevated(uid: int, proc: subprocess.Popen, timeout: float = 60) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                cmd = (d / "cmdline").read_bytes().split(b"\0")
                st = (d / "status").read_text()
            except OSError:
                continue
            if b"huifang_tui" in cmd and b"-I" in cmd and not cmd[0].endswith(b"sudo") \
                    and f"Uid:\t{uid}\t" in st:
                return int(d.name)
        time.sleep(0.2)
    return None


def _drain(fd: int, stop: threading.Event, out: bytearray) -> None:
    while not stop.is_set():
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        out.extend(chunk)


def _wait_for(cond, timeout: float = 60) -> None:  # noqa: ANN001
    """Wait for the app to paint its queue (the process is past its start-up by then)."""
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.1)


def _gid(group: str) -> int:
    import grp

    return grp.getgrnam(group).gr_gid


def _uid(login: str) -> int:
    import pwd

    return pwd.getpwnam(login).pw_uid
