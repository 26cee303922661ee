"""Delivery's last fixes (issue 26): a robot's rate window counts only the tries of the minute
before now (not those stamped later by ``notify run --now``); a channel that does not answer at
all is tried once per run and never holds the others; ``notify status --limit`` has an upper
bound; the English month_approved message has no two parentheses in a row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.channels.config import ChannelConfig
from huifang_tui.core.i18n import in_lang, t
from huifang_tui.domain import notify as rules
from huifang_tui.services import notify as svc
from huifang_tui.services import outbox
from huifang_tui.store.models import Notification, NotificationAttempt, Setting

from conftest import NOW
from factories import add_user

from .servers import RobotServer

PARAMS = {"customer": "杭州恒达机械", "phone": "138****5678", "number": "WT202611001", "title": "漏油", "by": "陈晓雯"}


def _emit(store, ref: str) -> int:
    with store.write() as s:
        return outbox.emit(s, "complaint", ref, t("notify.msg.complaint", **PARAMS), NOW)[0].id


def _robot(name: str, server: RobotServer) -> ChannelConfig:
    return ChannelConfig(name, server.kind, "zh_CN", 5.0, url=server.url, secret=server.secret or "")


@pytest.fixture
def people(store, admin):
    return admin, add_user(store, "supervisor", "supervisor", "周主管")


@pytest.mark.both_backends
def test_tries_stamped_after_now_do_not_fill_a_robots_window(store, people):
    admin, sup = people
    with RobotServer("wecom") as server:
        channels = {"wx": _robot("wx", server)}
        svc.set_route(store, admin, "complaint", ["wx"])
        nid = _emit(store, "issue:WT001")
        later = NOW + timedelta(days=2)
        with store.write() as s:  # a run with --now two days ahead filled that minute
            for i in range(rules.ROBOT_PER_MINUTE):
                s.add(NotificationAttempt(notification_id=nid, at=later + timedelta(seconds=i), channel="wx",
                                          ok=True, outcome="sent", answer="", by="x"))
        rep = svc.run_due(store, sup, channels, now=NOW)
        assert (rep.sent, rep.waiting) == (1, 0)


@pytest.mark.both_backends
def test_a_channel_that_does_not_answer_is_tried_once_per_run_and_holds_no_other(store, people):
    admin, sup = people
    with RobotServer("wecom") as good, RobotServer("dingtalk") as dead:
        dead.stop()  # connection refused: our own words, not a server's reply
        channels = {"wx": _robot("wx", good), "ding": _robot("ding", dead)}
        svc.set_route(store, admin, "complaint", ["wx", "ding"])
        for i in range(5):
            _emit(store, f"issue:WT{i:03d}")
        rep = svc.run_due(store, sup, channels, now=NOW)
        assert rep.sent == 5 and len(good.received) == 5
        with store.read() as s:
            tries = s.exec(select(NotificationAttempt).where(NotificationAttempt.channel == "ding")).all()
            rows = s.exec(select(Notification).where(Notification.channel == "ding")).all()
        assert len(tries) == 1
        skipped = [r for r in rows if r.id != tries[0].notification_id]
        assert len(skipped) == 4
        assert all((r.state, r.tries, r.lease_until, r.leased_by) == ("pending", 0, None, "") for r in skipped)
        assert all(r.next_try_at <= NOW for r in skipped)  # they go at the next run
        svc.run_due(store, sup, channels, now=NOW + timedelta(minutes=1))
        with store.read() as s:
            assert len(s.exec(select(NotificationAttempt).where(NotificationAttempt.channel == "ding")).all()) == 2


def test_status_limit_has_an_upper_bound(store, admin, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, "supervisor", "supervisor", "周主管")
    with store.write() as s:
        s.add(Setting(key="demo", value="1"))
    path = tmp_path / "notify.toml"
    path.write_text("", encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("HUIFANG_NOTIFY_FILE", str(path))
    for value in ("99999999999999999999", str(rules.STATUS_LIMIT_MAX + 1)):
        capsys.readouterr()
        code = cli.main(["--as", "supervisor", "notify", "status", "--limit", value])
        out = capsys.readouterr()
        assert code == 1 and "--limit" in out.err and "Traceback" not in out.err + out.out
    assert cli.main(["--as", "supervisor", "notify", "status", "--limit", str(rules.STATUS_LIMIT_MAX)]) == 0


def test_month_approved_in_english_has_no_two_parentheses_in_a_row():
    with in_lang("en"):
        text = t("notify.msg.month_approved", month="2026-10", by="周建华 (supervisor)", version=1, planned=3,
                 completed=2, rate="66.7%", correction="")
    assert ") (" not in text and "周建华 (supervisor)" in text


def test_a_robot_that_accepts_and_never_answers_holds_no_mail(store, people):
    """A socket that takes the connection and never answers (the channel's timeout, short here):
    one try in the run; every mail of the run goes."""
    import socket

    from .servers import SmtpServer

    admin, sup = people
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel accepts; nobody ever reads or answers
    try:
        with SmtpServer() as smtp:
            channels = {
                "wx": ChannelConfig("wx", "wecom", "zh_CN", 0.3,
                                    url=f"http://127.0.0.1:{silent.getsockname()[1]}/cgi-bin/webhook/send?key=k"),
                "mail": ChannelConfig("mail", "email", "zh_CN", 5.0, host=smtp.host, port=smtp.port, tls="none",
                                      sender="huifang@example.com", to=("gm@example.com",)),
            }
            svc.set_route(store, admin, "complaint", ["wx", "mail"])
            for i in range(4):
                _emit(store, f"issue:WT{i:03d}")
            rep = svc.run_due(store, sup, channels, now=NOW)
            assert rep.sent == 4 and len(smtp.messages) == 4
            with store.read() as s:
                tried = s.exec(select(NotificationAttempt).where(NotificationAttempt.channel == "wx")).all()
            assert len(tried) == 1 and not tried[0].ok
    finally:
        silent.close()
