"""Faults in delivery (issue 26, "must show"): the server down for a whole run and then up —
every notification delivered once; the sender killed (a real ``huifang notify run``, SIGKILL
while the robot holds its request) between sending and recording — after the lease one visible
duplicate with the same number, nothing lost; an event rolled back — no notification. Both back
ends (``both_backends``)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from huifang_tui.channels.config import ChannelConfig
from huifang_tui.core.i18n import t
from huifang_tui.core.identity import os_login
from huifang_tui.domain import notify as rules
from huifang_tui.services import notify as svc
from huifang_tui.services import outbox
from huifang_tui.store.models import Notification, NotificationAttempt

from conftest import NOW
from factories import add_user

from .servers import RobotServer

pytestmark = pytest.mark.both_backends

HUIFANG = Path(sys.executable).parent / "huifang"
PARAMS = {"customer": "杭州恒达机械", "phone": "138****5678", "number": "WT202611001", "title": "漏油", "by": "陈晓雯"}


def emit(store, ref: str) -> int:
    with store.write() as s:
        (row,) = outbox.emit(s, "complaint", ref, t("notify.msg.complaint", **PARAMS), NOW)
        return row.id


def numbers(server: RobotServer) -> list[int]:
    return [int(re.search(r"回访台 [#＃](\d+)", json.dumps(b, ensure_ascii=False)).group(1)) for b in server.received]


def robot(name: str, server: RobotServer) -> ChannelConfig:
    return ChannelConfig(name, server.kind, "zh_CN", 5.0, url=server.url, secret=server.secret or "")


@pytest.fixture
def people(store, admin):
    return admin, add_user(store, "supervisor", "supervisor", "周主管")


def test_the_server_down_for_a_whole_run_then_up_delivers_everything_once(store, people):
    admin, sup = people
    with RobotServer("dingtalk", secret="SEC0123456789") as server:
        channels = {"ding": robot("ding", server)}
        svc.set_route(store, admin, "complaint", ["ding"])
        ids = [emit(store, f"issue:WT{i}") for i in range(3)]
        server.stop()
        down = svc.run_due(store, sup, channels, now=NOW)
        assert (down.sent, down.retried) == (0, 1)  # no answer: tried once, the others left for the next run
        with store.read() as s:
            assert {n.state for n in s.exec(select(Notification))} == {"pending"}
        server.start()
        up = svc.run_due(store, sup, channels, now=NOW + timedelta(minutes=1))
        assert up.sent == 3
        for minutes in (2, 10, 60):
            assert svc.run_due(store, sup, channels, now=NOW + timedelta(minutes=minutes)).sent == 0
        assert sorted(numbers(server)) == ids  # every one, once


def test_the_sender_killed_between_send_and_record_gives_one_visible_duplicate(store, people, tmp_path):
    """A real ``huifang notify run`` is killed (SIGKILL) while the robot holds its request: the
    message reached the robot, nothing was recorded. Until the lease runs out nothing is sent;
    then the message goes again under the same #N, and is recorded once."""
    admin, sup = people
    add_user(store, os_login(), "supervisor", "值班主管")  # the person running the command
    with RobotServer("wecom") as server:
        notify_file = tmp_path / "notify.toml"
        notify_file.write_text(f'[channel.wx]\ntype = "wecom"\nurl = "{server.url}"\n', encoding="utf-8")
        notify_file.chmod(0o600)
        svc.set_route(store, admin, "complaint", ["wx"])
        nid = emit(store, "issue:WT202611001")

        server.hold.set()
        home = tmp_path / "home"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(home),
               "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state"),
               "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
               "HUIFANG_DATABASE_URL": store.url, "HUIFANG_NOTIFY_FILE": str(notify_file)}
        proc = subprocess.Popen([str(HUIFANG), "notify", "run", "--now", NOW.isoformat(" ")], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(3000):  # a guard against a hang (5 minutes), not a measure of speed
                if server.held.wait(0.1):
                    break
                if proc.poll() is not None:  # it ended without reaching the robot: say why
                    pytest.fail(f"notify run ended ({proc.returncode}): {proc.stdout.read()} {proc.stderr.read()}")
            else:
                pytest.fail("notify run never reached the robot")
            proc.kill()
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        server.release()
        assert proc.returncode == -9
        assert numbers(server) == [nid]  # it got there …

        with store.read() as s:
            r = s.get(Notification, nid)
            tries = s.exec(select(func.count()).select_from(NotificationAttempt)).one()
        assert (r.state, tries, r.lease_until) == ("pending", 0, NOW + rules.LEASE)  # … and was not recorded

        channels = {"wx": robot("wx", server)}
        assert svc.run_due(store, sup, channels, now=NOW + rules.LEASE - timedelta(seconds=1)).sent == 0
        assert svc.run_due(store, sup, channels, now=NOW + rules.LEASE).sent == 1
        assert svc.run_due(store, sup, channels, now=NOW + 2 * rules.LEASE).sent == 0
        assert numbers(server) == [nid, nid]  # one visible duplicate, the same #N; none lost
        with store.read() as s:
            r = s.get(Notification, nid)
            outcomes = list(s.exec(select(NotificationAttempt.outcome)))
        assert (r.state, outcomes) == ("sent", ["sent"])


def test_an_event_rolled_back_sends_nothing(store, people):
    admin, sup = people
    with RobotServer("feishu") as server:
        svc.set_route(store, admin, "complaint", ["fs"])
        with pytest.raises(RuntimeError), store.write() as s:
            outbox.emit(s, "complaint", "issue:WT202611009", t("notify.msg.complaint", **PARAMS), NOW)
            raise RuntimeError("the event's own write failed")
        with store.read() as s:
            assert s.exec(select(func.count()).select_from(Notification)).one() == 0
        assert svc.run_due(store, sup, {"fs": robot("fs", server)}, now=NOW).as_json() == svc.RunReport().as_json()
        assert server.received == [] and server.requests == 0


def test_two_senders_at_once_send_each_notification_once(store, people):
    """Two runs at the same moment (two timers, a person and the timer): each takes its own
    rows under a lease, so every message goes once."""
    import threading

    admin, sup = people
    with RobotServer("dingtalk") as server:
        channels = {"ding": robot("ding", server)}
        svc.set_route(store, admin, "complaint", ["ding"])
        ids = [emit(store, f"issue:WT{i:03d}") for i in range(12)]
        start = threading.Barrier(2)
        reports: list = []

        def run() -> None:
            start.wait()
            reports.append(svc.run_due(store, sup, channels, now=NOW))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert sum(r.sent for r in reports) == 12
        assert sorted(numbers(server)) == ids
