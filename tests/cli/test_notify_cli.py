"""``huifang notify test|run|status|route`` (issue 26): the server's answer printed, exit 0 when
delivered and 1 (one line) when not; one line of counts per run; the outbox as JSON with fixed
keys and no secret; routes listed, set (the admin's, audited) and cleared; an unsafe notify
file refused (exit 2)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.core.i18n import t
from huifang_tui.services import outbox
from huifang_tui.store.models import AuditEntry, Notification, Setting

from conftest import NOW
from factories import add_user
from notify.servers import RobotServer

PARAMS = {"customer": "杭州恒达机械", "phone": "138****5678", "number": "WT202611001", "title": "漏油", "by": "陈晓雯"}
STATUS_KEYS = {"id", "kind", "audience", "channel", "state", "ref", "created_at", "next_try_at", "tries", "attempts",
               "sending", "sent_at", "failed_at", "answer", "title"}


@pytest.fixture
def robot():
    with RobotServer("dingtalk", secret="SECcli0123456789") as server:
        yield server


@pytest.fixture
def centre(store, admin, robot, monkeypatch, tmp_path, capsys):
    """A demo store (``--as`` works there) with a supervisor and an admin, and a notify file of
    the user's own (0600) naming the robot as ``ding``."""
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, "supervisor", "supervisor", "周主管")
    add_user(store, "agent1", "agent", "陈晓雯")
    with store.write() as s:
        s.add(Setting(key="demo", value="1"))
    path = tmp_path / "notify.toml"
    path.write_text(f'[channel.ding]\ntype = "dingtalk"\nurl = "{robot.url}"\nsecret = "{robot.secret}"\n',
                    encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("HUIFANG_NOTIFY_FILE", str(path))
    capsys.readouterr()
    return store


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as e:  # argparse's refusal of an unreadable argument
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def _emit(store, ref: str = "issue:WT202611001") -> int:
    with store.write() as s:
        (row,) = outbox.emit(s, "complaint", ref, t("notify.msg.complaint", **PARAMS), NOW)
        return row.id


def test_routes_are_listed_set_by_the_admin_and_cleared(centre, capsys):
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "route")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 11 and lines[0].startswith("complaint（客户投诉，发给总经理）：")
    assert all(t("notifysend.unrouted") in line for line in lines)

    code, _, err = _run(capsys, "--as", "supervisor", "notify", "route", "complaint", "ding")
    assert code == 2 and err.count("\n") == 1  # the admin's
    code, _, err = _run(capsys, "--as", "admin1", "notify", "route", "complaint", "nosuch")
    assert code == 1 and "nosuch" in err and "ding" in err and err.count("\n") == 1
    code, _, err = _run(capsys, "--as", "admin1", "notify", "route", "complaints", "ding")
    assert code == 1 and "complaints" in err and "escalation.1" in err
    code, _, err = _run(capsys, "--as", "admin1", "notify", "route", "--clear")
    assert code == 1 and "--clear" in err
    code, _, err = _run(capsys, "--as", "admin1", "notify", "route", "complaint", "ding", "--clear")
    assert code == 1 and "--clear" in err

    code, out, _ = _run(capsys, "--as", "admin1", "notify", "route", "complaint", "ding")
    assert code == 0 and out == t("notifysend.route_set", kind="complaint", channels="ding") + "\n"
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "route", "--json")
    routes = {r["kind"]: r for r in json.loads(out)}
    assert routes["complaint"] == {"kind": "complaint", "audience": "gm", "channels": ["ding"]}
    assert routes["low_score"]["channels"] == [] and list(routes)[-1] == "delivery_failed"
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "route", "complaint")
    assert code == 0 and out.strip().endswith("：ding")
    with centre.read() as s:
        (entry,) = s.exec(select(AuditEntry).where(AuditEntry.action == "notify.route"))
    assert entry.login == "admin1" and json.loads(entry.after) == {"complaint": ["ding"]}

    code, out, _ = _run(capsys, "--as", "admin1", "notify", "route", "complaint", "--clear", "--json")
    assert code == 0 and json.loads(out) == [{"kind": "complaint", "audience": "gm", "channels": []}]


def test_notify_test_prints_the_servers_answer_and_exits_1_when_not_delivered(centre, robot, capsys):
    code, out, err = _run(capsys, "--as", "admin1", "notify", "test", "ding")
    assert (code, err) == (0, "")
    assert out.startswith("已送达（ding）") and '"errcode": 0' in out and out.count("\n") == 1
    assert robot.token not in out and robot.secret not in out
    (body,) = robot.received
    assert "回访台测试消息" in json.dumps(body, ensure_ascii=False)

    code, _, err = _run(capsys, "--as", "supervisor", "notify", "test", "ding")
    assert code == 2 and len(robot.received) == 1
    code, _, err = _run(capsys, "--as", "admin1", "notify", "test", "nosuch")
    assert code == 1 and "nosuch" in err

    robot.script.append("rate")
    code, out, err = _run(capsys, "--as", "admin1", "notify", "test", "ding")
    assert code == 1 and out == "" and err.startswith("未送达（ding）") and "130101" in err
    assert err.count("\n") == 1
    robot.stop()
    code, out, err = _run(capsys, "--as", "admin1", "notify", "test", "ding")
    assert code == 1 and err.startswith("未送达（ding）") and err.count("\n") == 1
    assert robot.token not in err
    with centre.read() as s:
        tried = [json.loads(e.after)["ok"] for e in s.exec(select(AuditEntry).where(AuditEntry.action == "notify.test")
                                                          .order_by(AuditEntry.id))]
    assert tried == [True, False, False]


def test_notify_run_prints_one_line_of_counts(centre, robot, capsys):
    _run(capsys, "--as", "admin1", "notify", "route", "complaint", "ding")
    first, second = _emit(centre), _emit(centre, "issue:WT202611002")
    robot.script.append("500")
    code, out, err = _run(capsys, "--as", "supervisor", "notify", "run", "--now", "2026-11-23 09:30")
    assert (code, err) == (0, "")
    assert out == t("notifysend.run_report", sent=1, retried=1, failed=0, waiting=0, rate_limited=0) + "\n"
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "run", "--now", "2026-11-23 09:40", "--json")
    assert code == 0 and json.loads(out) == {"sent": 1, "retried": 0, "failed": 0, "waiting": 0, "rate_limited": 0}
    assert sorted(int(b["markdown"]["title"].split("#")[1].split()[0]) for b in robot.received) == [first, second]
    code, _, err = _run(capsys, "--as", "agent1", "notify", "run")
    assert code == 2 and err.count("\n") == 1


def test_notify_status_lists_the_outbox_without_secrets(centre, robot, capsys):
    _run(capsys, "--as", "admin1", "notify", "route", "complaint", "ding")
    nid = _emit(centre)
    robot.script.append("500")
    _run(capsys, "--as", "supervisor", "notify", "run", "--now", "2026-11-23 09:30")
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "status", "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert set(row) == STATUS_KEYS
    assert (row["id"], row["kind"], row["audience"], row["channel"], row["state"], row["tries"]) == (
        nid, "complaint", "gm", "ding", "pending", 1)
    assert (row["attempts"], row["sending"]) == (1, False)
    assert row["title"] == "客户投诉：杭州恒达机械" and "500" in row["answer"]
    assert row["next_try_at"] == "2026-11-23T09:31:00" and row["sent_at"] is None
    for secret in (robot.token, robot.secret, robot.url):
        assert secret not in out
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "status", "--failed", "--json")
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "status", "--failed")
    assert out == t("notifysend.none_failed") + "\n"
    code, out, _ = _run(capsys, "--as", "supervisor", "--lang", "en", "notify", "status")
    assert code == 0 and out.startswith("No.  State  Kind  Channel  Time  Title\n"
                                        f"#{nid}  pending  complaint  ding  next 2026-11-23 09:31  Customer complaint: ")
    assert "1 attempt, last answer: " in out

    with centre.write() as s:  # given up: --failed lists it
        n = s.get(Notification, nid)
        n.state, n.failed_at = "failed", NOW
        s.add(n)
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "status", "--failed", "--json")
    assert [r["id"] for r in json.loads(out)] == [nid]
    code, _, err = _run(capsys, "--as", "agent1", "notify", "status")
    assert code == 2


def test_an_unsafe_notify_file_is_refused(centre, capsys, tmp_path):
    import os

    path = tmp_path / "notify.toml"
    path.chmod(0o644)
    code, out, err = _run(capsys, "--as", "supervisor", "notify", "run")
    assert code == 2 and out == "" and err.count("\n") == 1 and str(path) in err
    path.chmod(0o600)
    path.write_text('[channel.ding]\ntype = "pager"\n', encoding="utf-8")
    code, _, err = _run(capsys, "--as", "supervisor", "notify", "run")
    assert code == 1 and "ding" in err and "type" in err
    assert os.stat(path).st_mode & 0o777 == 0o600


# -- after a user walk (issue 26): retry, attempts, a readable status, who may run what -------------

def _given_up(centre, robot, capsys) -> int:
    """A complaint routed to ``ding`` whose one failed try gives it up (max_tries 1)."""
    with centre.write() as s:
        s.merge(Setting(key="policy", value="[notify]\nmax_tries = 1\n"))
    _run(capsys, "--as", "admin1", "notify", "route", "complaint", "ding")
    nid = _emit(centre)
    robot.script.append("500")
    assert _run(capsys, "--as", "supervisor", "notify", "run", "--now", "2026-11-23 09:30")[0] == 0
    return nid


def test_notify_retry_sends_a_given_up_notification_again_supervisors_and_admin_only(centre, robot, capsys):
    nid = _given_up(centre, robot, capsys)
    code, _, err = _run(capsys, "--as", "agent1", "notify", "retry", str(nid))
    assert code == 2 and err.count("\n") == 1
    code, _, err = _run(capsys, "--as", "supervisor", "notify", "retry", "99999")
    assert code == 1 and "#99999" in err and err.count("\n") == 1
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "retry", f"#{nid}")
    assert code == 0 and f"#{nid}" in out
    with centre.read() as s:
        n = s.get(Notification, nid)
        (entry,) = s.exec(select(AuditEntry).where(AuditEntry.action == "notify.retry"))
    assert (n.state, n.tries, n.failed_at) == ("pending", 0, NOW) and entry.login == "supervisor"
    assert n.next_try_at <= datetime.now()  # due now (a complaint is urgent: no quiet hours)
    code, _, err = _run(capsys, "--as", "supervisor", "notify", "retry", str(nid))  # pending now: not failed
    assert code == 1 and f"#{nid}" in err and "待发送" in err
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "run")
    assert code == 0 and len(robot.received) == 1
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "status", "--json")
    row = next(r for r in json.loads(out) if r["id"] == nid)  # beside it: its delivery_failed, unrouted
    assert (row["state"], row["tries"], row["attempts"]) == ("sent", 0, 2)
    code, out, _ = _run(capsys, "--as", "supervisor", "--lang", "en", "notify", "status")
    assert "2 attempts, last answer: " in out and re.search(rf"#{nid}  sent  complaint  ding  sent \d{{4}}-", out)


def test_notify_retry_failed_takes_every_one_given_up_and_needs_something_to_take(centre, robot, capsys):
    nid = _given_up(centre, robot, capsys)
    assert _run(capsys, "--as", "supervisor", "notify", "retry")[0] == 1
    assert _run(capsys, "--as", "supervisor", "notify", "retry", "--failed", str(nid))[0] == 1
    code, out, _ = _run(capsys, "--as", "admin1", "notify", "retry", "--failed", "--json")
    assert (code, json.loads(out)) == (0, {"retried": [nid]})
    code, out, _ = _run(capsys, "--as", "admin1", "notify", "retry", "--failed")
    assert (code, out) == (0, t("notifysend.retried_none") + "\n")


def test_notify_status_has_a_header_a_labelled_time_and_says_how_many_more(centre, capsys):
    ids = [_emit(centre, f"issue:WT{i}") for i in range(3)]  # unrouted: no route set
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "status", "--limit", "2")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "编号  状态  种类  渠道  时间  标题"
    assert lines[1].startswith(f"#{ids[2]}  未路由  客户投诉  —  写入于 2026-11-23 09:30  ")
    assert len(lines) == 4 and lines[-1] == "还有 1 条更早的通知未列出（--limit N 可多列）。"
    code, out, _ = _run(capsys, "--as", "supervisor", "--lang", "en", "notify", "status", "--limit", "1")
    assert out.splitlines()[-1] == "2 older notifications not listed (--limit N lists more)."
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "status", "--limit", "1", "--json")
    assert [r["id"] for r in json.loads(out)] == [ids[2]]
    assert _run(capsys, "--as", "supervisor", "notify", "status", "--limit", "0")[0] == 1
    with centre.write() as s:  # a sender holds the newest
        n = s.get(Notification, ids[2])
        n.state, n.channel, n.leased_by = "pending", "ding", "other"
        n.lease_until = datetime.now() + timedelta(hours=1)  # the command reads the real clock
        s.add(n)
    code, out, _ = _run(capsys, "--as", "supervisor", "notify", "status", "--limit", "1")
    assert out.splitlines()[1].startswith(f"#{ids[2]}  发送中  客户投诉  ding  到期于 ")


@pytest.mark.parametrize(("argv", "said"), [
    (("notify", "--help"), "test、设置路由：管理员"),
    (("notify", "test", "--help"), "（管理员）"),
    (("notify", "run", "--help"), "定时器以系统身份"),
    (("notify", "status", "--help"), "（主管、管理员）"),
    (("notify", "retry", "--help"), "（主管、管理员）"),
    (("notify", "route", "--help"), "设置路由（管理员）"),
    (("--lang", "en", "notify", "retry", "--help"), "(supervisors, admin)"),
    (("--lang", "en", "notify", "--help"), "the timers"),
])
def test_the_help_of_notify_and_each_action_says_who_may_run_it(centre, capsys, argv, said):
    code, out, _ = _run(capsys, *argv)
    assert code == 0 and said in out
