"""``huifang serve`` (issue 26): the planner and the notification sender in the foreground, one
line per run that did something, Ctrl-C ending it in one line; and who a scheduled run acts as
(``Context.scheduled_actor``): the system only for the shared install's own service account,
never for a person, not even one who reached that account through sudo."""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.cli.context import SUDO_VARS, runs_as_service
from huifang_tui.core import system
from huifang_tui.services.users import os_login
from huifang_tui.store.models import AuditEntry, Callback, Sale

from factories import add_customer, add_user

SRC = Path(__file__).resolve().parents[2] / "src"


def _sale(store) -> None:  # noqa: ANN001
    """A sale two days ago: the planner owes it a first callback."""
    cid = add_customer(store, "杭州恒达机械有限公司", agent="agent1")
    with store.write() as s:
        s.add(Sale(contract_no="HT001", customer_id=cid, sold_on=date.today() - timedelta(days=2)))


def _callbacks(store) -> list[str]:  # noqa: ANN001
    with store.read() as s:
        return [cb.number for cb in s.exec(select(Callback))]


def _created_by(store) -> set[str]:  # noqa: ANN001
    with store.read() as s:
        return {a.login for a in s.exec(select(AuditEntry).where(AuditEntry.action == "plan.create"))}


def _run(capsys, *args: str) -> tuple[int, str, str]:  # noqa: ANN001
    rc = cli.main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture
def centre(store, monkeypatch, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, "agent1", "agent")
    _sale(store)
    capsys.readouterr()
    return store


def test_serve_once_plans_and_says_one_line_per_run_that_did_something(centre, capsys):
    add_user(centre, os_login(), "supervisor")
    rc, out, err = _run(capsys, "serve", "--once")
    assert rc == 0, err
    assert len(_callbacks(centre)) == 1
    lines = out.strip().splitlines()
    assert len(lines) == 1 and "生成回访任务：新建 1 条，取消 0 条。" in lines[0], out
    assert _created_by(centre) == {os_login()}  # a person's serve acts as that person
    rc, out, err = _run(capsys, "serve", "--once")  # nothing new: nothing said
    assert (rc, out, err) == (0, "", "")
    assert len(_callbacks(centre)) == 1


def test_serve_once_sends_what_is_due_through_the_notify_file_with_one_line(centre, admin, tmp_path, monkeypatch,
                                                                              capsys):
    from huifang_tui.core.i18n import t
    from huifang_tui.services import notify, outbox

    from conftest import NOW
    from notify.servers import RobotServer

    add_user(centre, os_login(), "supervisor")
    params = {"customer": "杭州恒达机械", "phone": "138****5678", "number": "WT202611001", "title": "漏油",
              "by": "陈晓雯"}
    with RobotServer("dingtalk", secret="SECserve0123456789") as robot:
        path = tmp_path / "notify.toml"
        path.write_text(f'[channel.ding]\ntype = "dingtalk"\nurl = "{robot.url}"\nsecret = "{robot.secret}"\n',
                        encoding="utf-8")
        path.chmod(0o600)
        monkeypatch.setenv("HUIFANG_NOTIFY_FILE", str(path))
        notify.set_route(centre, admin, "complaint", ["ding"])
        with centre.write() as s:
            outbox.emit(s, "complaint", "issue:WT202611001", t("notify.msg.complaint", **params), NOW)
        capsys.readouterr()
        rc, out, err = _run(capsys, "serve", "--once")
        assert (rc, err) == (0, "")
        assert len(robot.received) == 1
    lines = out.strip().splitlines()
    assert len(lines) == 2 and "生成回访任务" in lines[0]
    assert lines[1].endswith(" " + t("notifysend.run_report", sent=1, retried=0, failed=0, waiting=0, rate_limited=0))
    rc, out, err = _run(capsys, "serve", "--once")  # nothing due any more, nothing to plan: silent
    assert (rc, out, err) == (0, "", "")


def test_serve_is_refused_to_an_agent_in_one_line(centre, capsys):
    add_user(centre, os_login(), "agent")
    rc, out, err = _run(capsys, "serve", "--once")
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert _callbacks(centre) == []


def test_ctrl_c_ends_serve_with_one_line_and_exit_0(centre, tmp_path):
    add_user(centre, os_login(), "supervisor")
    env = {**os.environ, "PYTHONPATH": str(SRC), "HUIFANG_DATABASE_URL": centre.url, "HUIFANG_LANG": "zh_CN",
           "XDG_STATE_HOME": str(tmp_path)}
    # Ctrl-C as at a terminal: a test runner's worker, or a shell's background job, ignores
    # SIGINT, and a child started so would inherit that (Python then installs no handler)
    p = subprocess.Popen([sys.executable, "-m", "huifang_tui", "serve"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        first = p.stdout.readline()
        assert "定时任务已在前台运行" in first and "Ctrl-C" in first, first + p.stderr.read()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert out.strip().splitlines()[-1] == "定时任务已结束。"
    assert err == ""


# -- who a scheduled run acts as ------------------------------------------------------------

def _lock_as(monkeypatch, store, service_user: str) -> None:  # noqa: ANN001
    """This process as the locked (elevated) one of a shared install whose service account is
    ``service_user`` and whose store is the test's."""
    from huifang_tui.core import config

    conf = system.SystemConfig(path=Path("/nonexistent/config.toml"), database=Path(config.sqlite_file(store.url)),
                               store_group="nogroup", agents_group="agents", python=Path(sys.executable),
                               service_user=service_user)
    monkeypatch.setattr(system, "_locked", conf)
    monkeypatch.delenv("HUIFANG_DATABASE_URL", raising=False)  # the locked process reads only its config


def _me() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def _no_sudo(monkeypatch) -> None:  # noqa: ANN001
    for var in SUDO_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.mark.sqlite_only  # the shared install's store is a SQLite file
def test_only_the_service_account_itself_is_the_system(monkeypatch, store):
    _no_sudo(monkeypatch)
    assert not runs_as_service()  # not the shared install's locked process
    _lock_as(monkeypatch, store, _me())
    assert runs_as_service()  # started by systemd or cron as the service account
    for var in SUDO_VARS:  # the same account reached through sudo: sudo names the person
        monkeypatch.setenv(var, "0" if var in ("SUDO_UID", "SUDO_GID") else "root")
        assert not runs_as_service(), var
        monkeypatch.delenv(var)
    other = next(p.pw_name for p in pwd.getpwall() if p.pw_uid != os.geteuid())
    _lock_as(monkeypatch, store, other)
    assert not runs_as_service()  # another account than the service's


@pytest.mark.sqlite_only
def test_plan_by_the_service_account_acts_as_the_system(monkeypatch, store, capsys):
    add_user(store, "agent1", "agent")
    _sale(store)
    _no_sudo(monkeypatch)
    _lock_as(monkeypatch, store, _me())
    rc, out, err = _run(capsys, "plan")
    assert rc == 0, err
    assert len(_callbacks(store)) == 1 and _created_by(store) == {"system"}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_a_person_through_sudo_acts_as_themselves_never_as_the_system(monkeypatch, store, capsys, role):
    """The elevated process of a person (sudo to the service account): same uid as the service
    account, but SUDO_UID names the person, who plans as themselves (an agent is refused)."""
    person = pwd.getpwnam("nobody")
    add_user(store, "agent1", "agent")
    add_user(store, person.pw_name, role)
    _sale(store)
    _lock_as(monkeypatch, store, _me())
    monkeypatch.setenv("SUDO_UID", str(person.pw_uid))
    monkeypatch.setenv("SUDO_USER", person.pw_name)
    rc, out, err = _run(capsys, "plan")
    if role == "agent":
        assert rc == 2 and _callbacks(store) == [] and len(err.strip().splitlines()) == 1
    else:
        assert rc == 0, err
        assert _created_by(store) == {person.pw_name}
