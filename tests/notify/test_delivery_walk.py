"""Delivery after a user walk (issue 26): a level-2 escalation that falls due in the evening
reaches the GM within the minute (the sender writes what is due by the clock); what people
typed is escaped for a robot's markdown, the catalog's own text is not ("回访台 #12" stays #12)
and control characters never leave by any channel; the attempts made are counted (a rate limit
is one); a notification given up can be sent again (``notify retry``), and the board tells each
reader the commands they may run; our own words in an answer are stored as a code and read in
the reader's language. Both back ends."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from huifang_tui.channels.config import ChannelConfig
from huifang_tui.core.i18n import NOTE_CODE, in_lang, render, t
from huifang_tui.core.identity import Actor
from huifang_tui.core.errors import ValidationError
from huifang_tui.domain import notify as rules
from huifang_tui.services import issues, outbox
from huifang_tui.services import notify as svc
from huifang_tui.store.models import AuditEntry, Notification, NotificationAttempt, Setting

from conftest import NOW
from factories import add_callback, add_customer, add_user

from .servers import RobotServer, SmtpServer

pytestmark = pytest.mark.both_backends

TYPED = "安装后*漏油* #1 [看](http://x) \x1b[31m红\x07"  # what an agent typed: marks, a link, controls
PARAMS = {"customer": "杭州恒达机械", "phone": "138****5678", "number": "WT202611001", "title": TYPED,
          "by": "陈晓雯"}


@pytest.fixture
def people(store, admin):
    return admin, add_user(store, "supervisor", "supervisor", "周主管")


def robot(name: str, server: RobotServer, lang: str = "zh_CN") -> ChannelConfig:
    return ChannelConfig(name, server.kind, lang, 5.0, url=server.url, secret=server.secret or "")


def emit(store, ref: str = "issue:WT202611001", at: datetime = NOW) -> int:
    with store.write() as s:
        return outbox.emit(s, "complaint", ref, t("notify.msg.complaint", **PARAMS), at)[0].id


def row(store, nid: int) -> Notification:
    with store.read() as s:
        return s.get(Notification, nid)


def give_up(store, people, server: RobotServer, nid: int | None = None) -> int:
    """A complaint through ``ding`` whose one failed try gives it up (max_tries 1)."""
    admin, sup = people
    with store.write() as s:
        s.merge(Setting(key="policy", value="[notify]\nmax_tries = 1\n"))
    svc.set_route(store, admin, "complaint", ["ding"])
    nid = nid or emit(store)
    server.script[:] = ["500"]
    assert svc.run_due(store, sup, {"ding": robot("ding", server)}, now=NOW).failed == 1
    return nid


# -- 1. a level-2 escalation at any hour ----------------------------------------------------------

def test_a_level_2_escalation_falling_due_in_the_evening_reaches_the_gm_within_the_minute(store, people):
    admin, sup = people
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    add_callback(store, add_customer(store, "杭州恒达机械有限公司"), "HF202611001", deadline_on=NOW.date())
    issues.raise_issue(store, agent, "HF202611001", title="设备异响", category="product")
    svc.set_route(store, admin, "escalation.2", ["gm-ding"])
    store.clock = lambda: datetime(2026, 11, 27, 20, 0)  # Friday evening: no planner run until Monday 08:30
    with RobotServer("dingtalk") as server:
        rep = svc.run_due(store, sup, {"gm-ding": robot("gm-ding", server)})
        assert rep.sent == 1
        (body,) = server.received
    assert "问题升级至总经理" in body["markdown"]["title"] and "已升级至总经理（二级）" in body["markdown"]["text"]
    with store.read() as s:
        told = list(s.exec(select(Notification).where(Notification.kind == "escalation.2")))
    assert [(n.state, n.sent_at) for n in told] == [("sent", datetime(2026, 11, 27, 20, 0))]


# -- 2. escaping per parameter; control characters removed for every channel -----------------------

def test_a_robots_markdown_escapes_what_people_typed_and_keeps_the_catalogs_own_text(store, people):
    admin, sup = people
    with RobotServer("dingtalk") as server:
        svc.set_route(store, admin, "complaint", ["ding"])
        nid = emit(store)
        assert svc.run_due(store, sup, {"ding": robot("ding", server)}, now=NOW).sent == 1
        (body,) = server.received
    text = body["markdown"]["text"]
    assert f"回访台 #{nid}" in text and body["markdown"]["title"].startswith(f"回访台 #{nid}")  # ours: as is
    assert "＊漏油＊ ＃1 ［看］(http://x) 红" in text  # typed: literal in markdown
    assert "*漏油*" not in text and "\x1b" not in text and "[31m" not in text and "\x07" not in text


def test_email_and_feishu_get_what_people_typed_as_typed_without_control_characters(store, people):
    admin, sup = people
    with SmtpServer() as mail, RobotServer("feishu") as fei:
        channels = {"mail": ChannelConfig("mail", "email", "zh_CN", 10.0, host=mail.host, port=mail.port, tls="none",
                                          sender="huifang@example.com", to=("gm@example.com",)),
                    "fei": robot("fei", fei)}
        svc.set_route(store, admin, "complaint", ["mail", "fei"])
        emit(store)
        assert svc.run_due(store, sup, channels, now=NOW).sent == 2
        (msg,) = mail.messages
        (body,) = fei.received
    said = msg.get_body(("plain",)).get_content()
    runs = json.dumps(body, ensure_ascii=False)
    for text in (said, runs):
        assert "安装后*漏油* #1 [看](http://x) 红" in text
        assert "\x1b" not in text and "[31m" not in text and "\\u001b" not in text and "\\u0007" not in text


def test_nested_catalog_parameters_are_escaped_too():
    params = {"answer": {"t": "channels.answer.http", "p": {"status": 500, "body": "*bold* `x`"}},
              "items": ["a_b", 3], "n": 4}
    out = svc.safe_params(params, True)
    assert out == {"answer": {"t": "channels.answer.http", "p": {"status": 500, "body": "＊bold＊ ｀x｀"}},
                   "items": ["a＿b", 3], "n": 4}
    assert svc.safe_params({"x": "\x1b[1m*b*"}, False) == {"x": "*b*"}


# -- 3. attempts made, not failed tries --------------------------------------------------------------

def test_attempts_count_every_try_made_a_rate_limit_and_a_failure_included(store, people):
    admin, sup = people
    with RobotServer("dingtalk") as server:
        channels = {"ding": robot("ding", server)}
        svc.set_route(store, admin, "complaint", ["ding"])
        limited, failed = emit(store, "issue:A"), emit(store, "issue:B")
        server.script[:] = ["rate", "500"]
        svc.run_due(store, sup, channels, now=NOW)
        svc.run_due(store, sup, channels, now=NOW + timedelta(hours=1))
    got = {r["id"]: r for r in svc.status(store, sup)}
    assert (got[limited]["state"], got[limited]["tries"], got[limited]["attempts"]) == ("sent", 0, 2)
    assert (got[failed]["state"], got[failed]["tries"], got[failed]["attempts"]) == ("sent", 1, 2)


# -- 4. sending again what was given up ----------------------------------------------------------------

def test_a_notification_given_up_is_sent_again_after_retry_its_failure_kept(store, people):
    admin, sup = people
    with RobotServer("dingtalk") as server:
        nid = give_up(store, people, server)
        later = NOW + timedelta(hours=2)
        store.clock = lambda: later
        assert svc.retry(store, sup, [nid]) == [nid]
        r = row(store, nid)
        assert (r.state, r.tries, r.next_try_at, r.lease_until) == ("pending", 0, later, None)
        assert svc.run_due(store, sup, {"ding": robot("ding", server)}, now=later).sent == 1
        assert len(server.received) == 1
    with store.read() as s:
        outcomes = [a.outcome for a in s.exec(select(NotificationAttempt).where(
            NotificationAttempt.notification_id == nid).order_by(NotificationAttempt.id))]
        audited = list(s.exec(select(AuditEntry).where(AuditEntry.action == "notify.retry")))
    assert outcomes == ["failed", "sent"]
    assert [(a.login, a.entity_id) for a in audited] == [("supervisor", str(nid))]


def test_given_up_again_after_a_retry_it_is_told_again(store, people):
    admin, sup = people
    with RobotServer("dingtalk") as server:
        nid = give_up(store, people, server)
        later = NOW + timedelta(days=1)
        store.clock = lambda: later
        svc.retry(store, sup, every_failed=True)
        server.script[:] = ["500"]
        assert svc.run_due(store, sup, {"ding": robot("ding", server)}, now=later).failed == 1
    with store.read() as s:
        refs = sorted(s.exec(select(Notification.ref).where(Notification.kind == "delivery_failed")))
    assert refs == [f"notification:{nid}", f"notification:{nid}:2"]


def test_retry_takes_only_failed_notifications_and_names_the_one_it_refuses(store, people):
    admin, sup = people
    pending = emit(store)
    with pytest.raises(ValidationError, match=f"#{pending}"):
        svc.retry(store, sup, [pending])
    with pytest.raises(ValidationError, match="#999"):
        svc.retry(store, sup, [999])
    assert svc.retry(store, sup, every_failed=True) == []


def test_the_board_tells_a_supervisor_to_ask_the_admin_and_the_admin_to_test():
    sup, adm = Actor("supervisor", "supervisor", "周主管"), Actor("admin1", "admin", "管理员")
    said = svc.failed_advice(sup, 7, "ding")
    assert "请管理员" in said and "huifang notify test ding" in said and "huifang notify retry 7" in said
    assert "修好渠道后试发" not in said
    said = svc.failed_advice(adm, 7, "ding")
    assert said.startswith("修好渠道后试发：huifang notify test ding") and "huifang notify retry 7" in said
    with in_lang("en"):
        assert svc.failed_advice(sup, 7, "ding").startswith("Ask the admin to check the channel with: huifang notify test")


async def test_the_board_dialog_of_a_given_up_notification_says_attempts_and_what_a_supervisor_may_run(store, people):
    from huifang_tui.app import HuifangApp
    from huifang_tui.screens.board import BoardScreen
    from huifang_tui.screens.dialogs import MessageDialog

    from pilot_help import settle

    admin, sup = people
    with RobotServer("dingtalk") as server:
        nid = emit(store, at=NOW - timedelta(minutes=5))
        give_up(store, people, server, nid)
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        table = app.screen.query_one("#board-alerts")
        keys = [r.value for r in table.rows]
        table.focus()
        table.move_cursor(row=keys.index(f"notify_failed:#{nid}"))
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        body = app.screen.body
    assert "已尝试：1 次" in body
    assert "请管理员检查渠道：huifang notify test ding" in body and f"huifang notify retry {nid}" in body


# -- 5. our own words in the reader's language ----------------------------------------------------------

def test_our_own_words_are_stored_as_a_code_and_read_in_the_readers_language(store, people):
    admin, sup = people
    server = RobotServer("dingtalk").start()
    cfg = robot("ding", server)
    server.stop()  # nobody listens: the channel's own words, "no connection"
    with store.write() as s:
        s.merge(Setting(key="policy", value="[notify]\nmax_tries = 1\n"))
    svc.set_route(store, admin, "complaint", ["ding"])
    nid = emit(store)
    assert svc.run_due(store, sup, {"ding": cfg}, now=NOW).failed == 1
    r = row(store, nid)
    assert r.answer.startswith(NOTE_CODE)
    with store.read() as s:
        (attempt,) = s.exec(select(NotificationAttempt).where(NotificationAttempt.notification_id == nid))
        told = s.exec(select(Notification).where(Notification.kind == "delivery_failed")).one()
    assert attempt.answer == r.answer
    with in_lang("en"):
        mine = next(x for x in svc.status(store, sup) if x["id"] == nid)
        assert mine["answer"].startswith("No connection to 127.0.0.1")
        assert "No connection to 127.0.0.1" in render(told.code, json.loads(told.params))
    mine = next(x for x in svc.status(store, sup) if x["id"] == nid)
    assert not mine["answer"].startswith("No connection") and "127.0.0.1" in mine["answer"]


# -- 6. the outbox as people read it ------------------------------------------------------------------

def test_a_row_held_by_a_sender_is_sending_and_the_list_says_how_many_more(store, people):
    admin, sup = people
    svc.set_route(store, admin, "complaint", ["ding"])
    ids = [emit(store, f"issue:{i}") for i in range(3)]
    with store.write() as s:
        held = s.get(Notification, ids[0])
        held.lease_until, held.leased_by = NOW + rules.LEASE, "other"
        s.add(held)
    rows, more = svc.status_page(store, sup, limit=2)
    assert [r["id"] for r in rows] == [ids[2], ids[1]] and more == 1
    rows, more = svc.status_page(store, sup)
    assert {r["id"]: r["sending"] for r in rows} == {ids[0]: True, ids[1]: False, ids[2]: False} and more == 0
