"""Delivering the outbox (issue 26 item 3) against real servers on 127.0.0.1 (``servers.py``):
a rate-limit answer and a 500 are tried again and land once; a robot's 21st message within a
minute waits; quiet hours hold what is not urgent; giving up marks the notification failed,
tells it once (``delivery_failed``) and raises the board's alert; a notification written before
its kind had a route goes once the route is set; the approved month reaches the GM's mailbox
with its .xlsx. Both back ends (``both_backends``)."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from huifang_tui.channels.config import ChannelConfig
from huifang_tui.core.i18n import in_lang, stored, t
from huifang_tui.domain import notify as rules
from huifang_tui.services import notify as svc
from huifang_tui.services import outbox
from huifang_tui.store.models import Notification, NotificationAttempt, Setting

from conftest import NOW
from factories import add_user

from .servers import RobotServer, SmtpServer

pytestmark = pytest.mark.both_backends

PARAMS = {
    "complaint": {"customer": "杭州恒达机械", "phone": "138****5678", "number": "WT202611001",
                  "title": "安装后*漏油*", "by": "陈晓雯"},
    "low_score": {"number": "HF202611001", "customer": "杭州恒达机械", "phone": "138****5678", "score": 2,
                  "threshold": 3, "agent": "陈晓雯", "hours": 24},
    "month_approved": {"month": "2026-10", "by": "周主管", "version": 1, "planned": 0, "completed": 0, "rate": "—",
                       "correction": "", "corrected": ""},
}


def emit(store, kind: str = "complaint", ref: str = "issue:WT202611001", at: datetime = NOW) -> list[int]:
    """One event's notifications, written as a service writes them (in its own transaction)."""
    with store.write() as s:
        rows = outbox.emit(s, kind, ref, t(f"notify.msg.{kind}", **PARAMS[kind]), at,
                           attach="month:2026-10" if kind == "month_approved" else "")
        return [r.id for r in rows]


def robot(name: str, server: RobotServer, lang: str = "zh_CN") -> ChannelConfig:
    return ChannelConfig(name, server.kind, lang, 5.0, url=server.url, secret=server.secret or "")


def numbers(server: RobotServer) -> list[int]:
    """The notification number (#N in the title) of every message the robot accepted."""
    out = []
    for body in server.received:
        found = re.search(r"回访台 [#＃](\d+)", json.dumps(body, ensure_ascii=False))
        assert found, body
        out.append(int(found.group(1)))
    return out


def row(store, nid: int) -> Notification:
    with store.read() as s:
        return s.get(Notification, nid)


def attempts(store, nid: int) -> list[NotificationAttempt]:
    with store.read() as s:
        return list(s.exec(select(NotificationAttempt).where(NotificationAttempt.notification_id == nid)
                           .order_by(NotificationAttempt.id)))


@pytest.fixture
def people(store, admin):
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    return admin, sup


def test_a_rate_limit_and_a_500_are_tried_again_and_land_once(store, people):
    admin, sup = people
    with RobotServer("dingtalk", secret="SECdeadbeef") as server:
        channels = {"ding": robot("ding", server)}
        svc.set_route(store, admin, "complaint", ["ding"])
        (nid,) = emit(store)
        server.script[:] = ["rate", "500"]

        first = svc.run_due(store, sup, channels, now=NOW)
        assert (first.rate_limited, first.sent) == (1, 0)
        r = row(store, nid)
        assert (r.state, r.tries, r.next_try_at, r.lease_until) == ("pending", 0, NOW + rules.RATE_WINDOW, None)

        assert svc.run_due(store, sup, channels, now=NOW + timedelta(seconds=30)).as_json() == svc.RunReport().as_json()
        second = svc.run_due(store, sup, channels, now=NOW + rules.RATE_WINDOW)
        assert second.retried == 1
        r = row(store, nid)
        assert (r.state, r.tries) == ("pending", 1)
        assert "500" in r.answer

        retry_at = r.next_try_at
        assert retry_at == NOW + rules.RATE_WINDOW + rules.pause_after(1, rules.Retry())
        assert svc.run_due(store, sup, channels, now=retry_at).sent == 1
        assert svc.run_due(store, sup, channels, now=NOW + timedelta(hours=2)).sent == 0

        assert numbers(server) == [nid]  # landed once; the signature verified (a bad one is not received)
        assert [a.outcome for a in attempts(store, nid)] == ["rate_limited", "failed", "sent"]
        r = row(store, nid)
        assert (r.state, r.sent_at, r.lease_until) == ("sent", retry_at, None)
        assert "errcode" in r.answer and server.token not in r.answer


def test_a_robots_21st_message_within_a_minute_waits(store, people):
    admin, sup = people
    with RobotServer("wecom") as server:
        channels = {"wx": robot("wx", server)}
        svc.set_route(store, admin, "complaint", ["wx"])
        ids = [emit(store, ref=f"issue:WT{i:03d}")[0] for i in range(rules.ROBOT_PER_MINUTE + 1)]

        rep = svc.run_due(store, sup, channels, now=NOW)
        assert (rep.sent, rep.waiting) == (rules.ROBOT_PER_MINUTE, 1)
        assert sorted(numbers(server)) == ids[:-1]
        last = row(store, ids[-1])
        assert (last.state, last.tries, last.next_try_at) == ("pending", 0, NOW + rules.RATE_WINDOW)
        assert attempts(store, ids[-1]) == []  # waiting is not a try

        assert svc.run_due(store, sup, channels, now=NOW + rules.RATE_WINDOW).sent == 1
        assert sorted(numbers(server)) == ids


def test_quiet_hours_hold_what_is_not_urgent_until_the_next_work_hour(store, people):
    admin, sup = people
    evening = NOW.replace(hour=20, minute=0)  # Monday 20:00; Tuesday 08:30 opens the working hours
    with RobotServer("feishu", secret="feishu-secret") as server:
        channels = {"fs": robot("fs", server)}
        svc.set_route(store, admin, "complaint", ["fs"])
        svc.set_route(store, admin, "low_score", ["fs"])
        (low,) = emit(store, "low_score", "cb:HF202611001", at=evening)
        (urgent,) = emit(store, "complaint", at=evening)

        assert svc.run_due(store, sup, channels, now=evening).sent == 1
        assert numbers(server) == [urgent]  # a complaint goes at any hour
        assert svc.run_due(store, sup, channels, now=evening.replace(hour=23)).sent == 0
        morning = datetime(2026, 11, 24, 8, 30)
        assert row(store, low).next_try_at == morning
        assert svc.run_due(store, sup, channels, now=morning).sent == 1
        assert numbers(server) == [urgent, low]


def test_giving_up_fails_the_notification_tells_it_once_and_raises_the_board_alert(store, people):
    from huifang_tui.services.board import board

    admin, sup = people
    with store.write() as s:  # two failed tries and it is given up
        s.add(Setting(key="policy", value="[notify]\nmax_tries = 2\n"))
    with RobotServer("dingtalk") as server:
        channels = {"ding": robot("ding", server)}
        svc.set_route(store, admin, "complaint", ["ding"])
        svc.set_route(store, admin, "delivery_failed", ["ding"])  # the admin's channel fails too
        (nid,) = emit(store)
        server.script[:] = ["500"] * 10

        assert svc.run_due(store, sup, channels, now=NOW).retried == 1
        given = svc.run_due(store, sup, channels, now=NOW + timedelta(minutes=1))
        assert given.failed == 1
        r = row(store, nid)
        assert (r.state, r.tries, r.failed_at) == ("failed", 2, NOW + timedelta(minutes=1))
        for minutes in range(2, 30):  # the delivery_failed notification itself fails: never told again
            svc.run_due(store, sup, channels, now=NOW + timedelta(minutes=minutes))
        assert server.received == []

    with store.read() as s:
        told = list(s.exec(select(Notification).where(Notification.kind == "delivery_failed")))
    assert [(n.ref, n.channel, n.state) for n in told] == [(f"notification:{nid}", "ding", "failed")]
    assert f"#{nid}" in t(told[0].code, **json.loads(told[0].params))

    b = board(store, sup, NOW.date(), now=NOW + timedelta(hours=1))
    alerts = [a for a in b.alerts if a.kind == "notify_failed"]
    assert [a.number for a in alerts] == [f"#{nid}", f"#{told[0].id}"]  # oldest first
    mine = next(a for a in alerts if a.number == f"#{nid}")
    assert mine.since == NOW + timedelta(minutes=1)
    assert mine.data["channel"] == "ding" and "500" in mine.data["answer"] and mine.data["tries"] == 2
    j = mine.as_json()
    assert (j["kind"], j["notification"], j["notify_kind"]) == ("notify_failed", nid, "complaint")
    assert server.token not in json.dumps(j, ensure_ascii=False)
    # a week later the alert has gone (the admin has had it in front of them for ALERT_DAYS days)
    later = board(store, sup, (NOW + timedelta(days=9)).date(), now=NOW + timedelta(days=9))
    assert not [a for a in later.alerts if a.kind == "notify_failed"]


def test_a_notification_written_before_its_route_goes_once_the_route_is_set(store, people):
    admin, sup = people
    with RobotServer("dingtalk") as one, RobotServer("wecom") as two:
        channels = {"ding": robot("ding", one), "wx": robot("wx", two)}
        (nid,) = emit(store)
        assert row(store, nid).state == "unrouted"
        assert svc.run_due(store, sup, channels, now=NOW).sent == 0
        assert row(store, nid).state == "unrouted"

        svc.set_route(store, admin, "complaint", ["ding", "wx"])
        assert svc.run_due(store, sup, channels, now=NOW + timedelta(minutes=1)).sent == 2
        assert svc.run_due(store, sup, channels, now=NOW + timedelta(minutes=2)).sent == 0
        with store.read() as s:
            rows = {n.channel: n for n in s.exec(select(Notification).where(Notification.kind == "complaint"))}
        assert sorted(rows) == ["ding", "wx"] and {n.state for n in rows.values()} == {"sent"}
        assert numbers(one) == [rows["ding"].id] and numbers(two) == [rows["wx"].id]


def test_a_channel_missing_from_the_notify_file_is_a_failed_try_that_says_so(store, people):
    admin, sup = people
    svc.set_route(store, admin, "complaint", ["gone"])
    (nid,) = emit(store)
    assert svc.run_due(store, sup, {}, now=NOW).retried == 1
    (status,) = svc.status(store, sup)
    assert status["id"] == nid and status["tries"] == 1 and "gone" in status["answer"]
    assert "通知文件中没有渠道" in status["answer"]
    with store.write() as s:  # one failed try more and it is given up
        s.add(Setting(key="policy", value="[notify]\nmax_tries = 2\n"))
    assert svc.run_due(store, sup, {}, now=NOW + timedelta(minutes=5)).failed == 1
    with store.read() as s:
        (told,) = s.exec(select(Notification).where(Notification.kind == "delivery_failed"))
    with in_lang("en"):  # the missing channel is said in the language the message is sent in
        assert 'Last answer: The notify file has no channel "gone".' in stored(told.code, told.params)


def test_an_agent_cannot_run_the_sender(store, people):
    from huifang_tui.core.errors import PermissionDenied

    agent = add_user(store, "agent1", "agent", "陈晓雯")
    with pytest.raises(PermissionDenied):
        svc.run_due(store, agent, {}, now=NOW)
    with pytest.raises(PermissionDenied):
        svc.status(store, agent)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_approved_month_reaches_the_mailbox_with_its_xlsx(store, people, lang):
    import openpyxl

    from huifang_tui.cli.notify import month_attachment

    admin, sup = people
    with SmtpServer(tls="starttls", auth=("huifang", "pw-123456")) as server:
        cfg = ChannelConfig("gm-mail", "email", lang, 10.0, host=server.host, port=server.port, tls="starttls",
                            username="huifang", password="pw-123456", sender="回访台 <huifang@example.com>",
                            to=("gm@example.com",), cafile=str(server.cafile))
        svc.set_route(store, admin, "month_approved", ["gm-mail"])
        (nid,) = emit(store, "month_approved", "month:2026-10:v1")
        rep = svc.run_due(store, sup, {"gm-mail": cfg}, attachment=month_attachment(store, sup), now=NOW)
        assert rep.sent == 1
        (msg,) = server.messages

    if lang == "zh_CN":
        assert msg["Subject"] == f"回访台 #{nid} 2026-10 回访汇总表已批准"
        name = "回访汇总表-2026-10.xlsx"
        said = "2026-10 的客户回访汇总记录表已由 周主管 批准（第 1 版）"
    else:
        assert msg["Subject"] == f"Huifang #{nid} Monthly summary approved: 2026-10"
        name = "callback-summary-2026-10.xlsx"
        said = "The customer callback summary for 2026-10 was approved by 周主管, version 1."
    body = msg.get_body(("plain",)).get_content()
    assert said in body
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == name
    assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(part.get_content()))
    assert "2026" in " ".join(str(c.value) for r in book.worksheets[0].iter_rows(max_row=3) for c in r if c.value)
    assert row(store, nid).state == "sent"


async def test_the_board_shows_a_notification_given_up_and_enter_says_why(store, people):
    """At 80×24 the alert reads 通知失败 with its number; Enter shows the channel, the tries and
    the server's last answer (no callback to look up: the dialog comes from the alert)."""
    from huifang_tui.app import HuifangApp
    from huifang_tui.screens.board import BoardScreen
    from huifang_tui.screens.dialogs import MessageDialog

    from pilot_help import settle

    admin, sup = people
    with store.write() as s:
        s.add(Setting(key="policy", value="[notify]\nmax_tries = 1\n"))
    with RobotServer("dingtalk") as server:
        svc.set_route(store, admin, "complaint", ["ding"])
        (nid,) = emit(store, at=NOW - timedelta(minutes=5))
        server.script[:] = ["500"]
        assert svc.run_due(store, sup, {"ding": robot("ding", server)}, now=NOW - timedelta(minutes=1)).failed == 1

    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        table = app.screen.query_one("#board-alerts")
        keys = [r.value for r in table.rows]
        assert f"notify_failed:#{nid}" in keys
        cells = [str(c) for c in table.get_row(f"notify_failed:#{nid}")]
        assert "通知失败" in cells and f"#{nid}" in cells and "客户投诉 · ding" in cells
        table.focus()
        table.move_cursor(row=keys.index(f"notify_failed:#{nid}"))
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert app.screen.title_text == f"通知 #{nid} 未能送达"
        assert "渠道：ding" in app.screen.body and "尝试：1 次" in app.screen.body and "500" in app.screen.body


def test_the_give_up_hours_count_from_the_first_try_not_from_a_weekend_in_quiet_hours(store, people):
    """A low score written on Friday evening waits for Monday 08:30, 60 hours on: its first
    failed try there is tried again, not given up at once (``give_up_hours`` = 24, counted in
    working hours since the first try)."""
    admin, sup = people
    friday = datetime(2026, 11, 27, 20, 0)
    monday = datetime(2026, 11, 30, 8, 30)
    with RobotServer("wecom") as server:
        channels = {"wx": robot("wx", server)}
        svc.set_route(store, admin, "low_score", ["wx"])
        (nid,) = emit(store, "low_score", "cb:HF202611001", at=friday)
        assert row(store, nid).next_try_at == monday
        server.script[:] = ["500"]
        assert svc.run_due(store, sup, channels, now=monday).retried == 1
        assert (row(store, nid).state, row(store, nid).tries) == ("pending", 1)
        assert svc.run_due(store, sup, channels, now=monday + timedelta(minutes=1)).sent == 1
        assert numbers(server) == [nid]
        # give_up_hours of working time after that first try (nights not counted: quiet hours
        # hold it then), a notification still failing is given up — not a clock day later
        (later,) = emit(store, "low_score", "cb:HF202611002", at=monday)
        server.script[:] = ["500"] * 3
        svc.run_due(store, sup, channels, now=monday + timedelta(minutes=2))
        assert svc.run_due(store, sup, channels, now=monday + timedelta(hours=24, minutes=2)).retried == 1
        # Mon 08:32-17:30 (lunch out) 7h28m, Tue and Wed 7h30m each: 24 h on Thursday at 10:02
        assert svc.run_due(store, sup, channels, now=datetime(2026, 12, 3, 10, 2)).failed == 1
        assert row(store, later).state == "failed"
