"""The events' notifications after review (issue 26 items 1, 2, 5): what people typed leaves the
app with its phone numbers masked and its length capped; the approved month's attachment is the
version approved, not the month as amended since; an escalation written again for the same
level and reason is told once; the services check the acting user in their own transaction.
SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import datetime

import openpyxl
import pytest
from sqlmodel import select

from huifang_tui.channels.config import ChannelConfig
from huifang_tui.channels.message import Answer, Outgoing
from huifang_tui.cli.notify import month_attachment
from huifang_tui.core.errors import PermissionDenied
from huifang_tui.domain.kpi import Month
from huifang_tui.domain.limits import NOTIFY_TEXT_MAX
from huifang_tui.domain.masking import mask_text, notify_text
from huifang_tui.services import issues, outbox, record_form, report, requests
from huifang_tui.services import notify as delivery
from huifang_tui.store.models import Callback, IssueEvent, Notification, Setting, User

from conftest import NOW
from factories import add_callback, add_customer, add_user

pytestmark = pytest.mark.both_backends

CUSTOMER = "杭州恒达机械有限公司"
OTHER = "绍兴恒泰化工有限公司"
NUMBER = "HF202611001"
ROBOT = ChannelConfig("ops", "dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=x")
MAIL = ChannelConfig("gm-mail", "email", host="127.0.0.1", port=25, tls="none", sender="huifang@example.com",
                     to=("gm@example.com",))


def _at(store, when: datetime) -> None:
    store.clock = lambda: when


def _rows(store) -> list[Notification]:
    with store.read() as s:
        return list(s.exec(select(Notification).order_by(Notification.id)))


def _route(store, routes: dict[str, list[str]]) -> None:
    with store.write() as s:
        s.merge(Setting(key=outbox.ROUTES_KEY, value=json.dumps(routes)))


def _desk(store) -> dict:
    people = {"agent": add_user(store, "agent1", "agent", "陈晓雯"),
              "sup": add_user(store, "sup1", "supervisor", "周主管")}
    cid = add_customer(store, CUSTOMER, phone="13812345678")
    add_callback(store, cid, NUMBER, deadline_on=NOW.date())
    add_customer(store, OTHER, phone="13900001111")
    return people


def _send_all(store, actor, channels: dict[str, ChannelConfig], now: datetime) -> list[Outgoing]:
    """What a run of the sender would send, each message as the channel gets it."""
    got: list[Outgoing] = []

    def send(cfg, msg):  # noqa: ANN001, ANN202
        got.append(msg)
        return Answer(True, "errcode 0")

    delivery.run_due(store, actor, channels, send=send, attachment=month_attachment(store, actor), now=now)
    return got


def _text(msg: Outgoing) -> str:
    return "\n".join((msg.title, *msg.lines))


def _line(msg: Outgoing) -> str:
    """The message's first line with a robot's escaping of the mask's stars undone."""
    return msg.lines[0].replace("＊", "*").replace("\\*", "*")


def _sent(store, nid: int) -> None:
    with store.write() as s:
        row = s.get(Notification, nid)
        row.state, row.sent_at = "sent", store.now()
        s.add(row)


# -- item 1: typed text leaves masked ----------------------------------------------------------


def test_one_rule_masks_phones_in_free_text_and_keeps_dates_and_numbers():
    assert mask_text("张先生13812345678说漏油") == "张先生138****5678说漏油"
    assert mask_text("打 0755-88889999 找他，2026-11-23 09:30 来过，回访 HF202611001") == \
        "打 0755****9999 找他，2026-11-23 09:30 来过，回访 HF202611001"
    # a number that starts like a date is still a number
    assert "345678" not in mask_text("电话0755-12-345678")
    assert notify_text("第一行\n第二行  13812345678") == "第一行 第二行 138****5678"
    cut = notify_text("很" * 500 + "13812345678")
    assert len(cut) == NOTIFY_TEXT_MAX and cut.endswith("…")
    # the audit log's snapshots read by the same rule
    from huifang_tui.services import audit_log

    assert audit_log._mask_snapshot is mask_text


def test_a_phone_typed_in_a_complaints_title_reaches_the_gm_masked(store):
    p = _desk(store)
    _route(store, {"complaint": ["ops"]})
    issues.raise_issue(store, p["agent"], NUMBER, title="张先生13812345678说漏油", is_complaint=True)
    (n,) = _rows(store)
    assert "13812345678" not in n.params
    (msg,) = _send_all(store, p["sup"], {"ops": ROBOT}, NOW)
    assert "13812345678" not in _text(msg) and "张先生138****5678说漏油" in _line(msg)


def test_a_phone_typed_in_an_issue_title_is_masked_in_its_escalation(store):
    p = _desk(store)
    _route(store, {"escalation.1": ["ops"]})
    issues.raise_issue(store, p["agent"], NUMBER, title="设备异响，联系人手机 139 0000 1111", category="product")
    _at(store, datetime(2026, 11, 24, 12))  # not acknowledged by 11-24 09:30: level 1
    with store.write() as s:
        issues.write_due_escalations(s, store.now())
    (msg,) = _send_all(store, p["sup"], {"ops": ROBOT}, datetime(2026, 11, 24, 14))  # after the lunch break
    assert msg.title.startswith("回访台 #") and "0000" not in _text(msg)
    assert "联系人手机 139****1111" in _line(msg)


def test_a_phone_in_a_requests_reason_is_masked_and_a_long_reason_cut(store):
    p = _desk(store)
    _route(store, {"request": ["ops"]})
    reason = "客户让改打他太太的电话13698765432，" + "说明" * 600
    requests.ask(store, p["agent"], NUMBER, "reschedule", datetime(2026, 11, 24, 10), reason)
    (n,) = _rows(store)
    stored = json.loads(n.params)["reason"]
    assert "13698765432" not in n.params and len(stored) == NOTIFY_TEXT_MAX
    (msg,) = _send_all(store, p["sup"], {"ops": ROBOT}, NOW)
    assert "13698765432" not in _text(msg) and "136****5432" in _line(msg)
    assert len(msg.lines[0]) < len(reason)
    # replaced while waiting: the new reason is masked too
    requests.ask(store, p["agent"], NUMBER, "reschedule", datetime(2026, 11, 25, 10), "改打 13512349876")
    assert "13512349876" not in "".join(r.params for r in _rows(store))


# -- item 2: the version approved is the one attached ------------------------------------------


def _october(store, p, customer: str, day: int) -> str:
    inp = record_form.RecordInput(customer=customer, completed_at=datetime(2026, 10, day, 10), channel="phone",
                                  reached_name="王经理", score_resolution=5, score_attitude=5)
    return record_form.enter_adhoc(store, p["sup"], replace(inp, agent="agent1"))


def _sheet_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return " ".join(str(c.value) for ws in book.worksheets for r in ws.iter_rows() for c in r if c.value is not None)


def test_the_approved_months_mail_carries_the_version_approved_not_the_amended_month(store):
    """v1 approved at 18:00 waits for the work hours; the month is reopened and corrected in the
    evening; the morning's mail says v1 and carries v1's sheet."""
    p = _desk(store)
    _route(store, {"month_approved": ["gm-mail"]})
    first = _october(store, p, CUSTOMER, 20)
    _at(store, datetime(2026, 11, 23, 18))
    assert report.approve(store, p["sup"], Month(2026, 10)) == 1
    (n,) = _rows(store)
    assert n.attach == "month:2026-10:v1" and n.next_try_at > store.now()
    _at(store, datetime(2026, 11, 23, 20))
    report.amend(store, p["sup"], Month(2026, 10), "漏录一条回访")
    added = _october(store, p, OTHER, 21)

    (msg,) = _send_all(store, p["sup"], {"gm-mail": MAIL}, datetime(2026, 11, 24, 9))
    name, data = msg.attachment
    assert name == "回访汇总表-2026-10-第1版.xlsx"
    sheet = _sheet_text(data)
    assert first in sheet and added not in sheet
    # the month as it stands now has both: that is not what was approved
    live = report.monthly_report(store, p["sup"], Month(2026, 10))
    assert {r.number for r in live.records} == {first, added}


def test_an_old_month_attach_reads_the_latest_approved_version(store):
    """A row written before the version was named (``month:YYYY-MM``): the latest approved
    version, not the amendment under way."""
    p = _desk(store)
    first = _october(store, p, CUSTOMER, 20)
    report.approve(store, p["sup"], Month(2026, 10))
    report.amend(store, p["sup"], Month(2026, 10), "漏录一条回访")
    added = _october(store, p, OTHER, 21)
    name, data = month_attachment(store, p["sup"])("month:2026-10")
    assert name == "回访汇总表-2026-10-第1版.xlsx"
    assert first in _sheet_text(data) and added not in _sheet_text(data)
    report.approve(store, p["sup"], Month(2026, 10))
    name, data = month_attachment(store, p["sup"])("month:2026-10")
    assert name == "回访汇总表-2026-10-第2版.xlsx" and added in _sheet_text(data)
    # the first version's own row still reads v1
    assert added not in _sheet_text(month_attachment(store, p["sup"])("month:2026-10:v1")[1])


# -- item 3: an escalation written again ---------------------------------------------------------


def _issue(store, p) -> str:
    return issues.raise_issue(store, p["agent"], NUMBER, title="设备异响", category="product").number


def _escalate(store) -> None:
    with store.write() as s:
        issues.write_due_escalations(s, store.now())


def _escalations(store) -> list[IssueEvent]:
    with store.read() as s:
        return list(s.exec(select(IssueEvent).where(IssueEvent.kind == "escalated").order_by(IssueEvent.id)))


def test_the_same_level_written_again_for_the_same_reason_is_not_told_twice(store):
    """Solution deadline missed (level 1) and told; a wait stated late moves the deadline: the
    escalation is withdrawn and, the moved deadline missed too, written again at its new time —
    same level, same reason: the head is not told a second time."""
    p = _desk(store)
    number = _issue(store, p)
    _at(store, datetime(2026, 11, 23, 11))
    issues.acknowledge(store, p["sup"], number)
    _at(store, datetime(2026, 11, 30, 10))
    _escalate(store)
    (n,) = _rows(store)
    assert (n.kind, n.ref) == ("escalation.1", f"issue:{number}:escalation:1:solve")
    _sent(store, n.id)
    issues.wait(store, p["sup"], number, "等待配件", when=datetime(2026, 11, 24, 10))
    issues.resume(store, p["sup"], number, when=datetime(2026, 11, 25, 10))
    _escalate(store)  # the clock's next run: the moved deadline (11-27) was missed too
    old, new = _escalations(store)
    assert old.withdrawn_at is not None and new.withdrawn_at is None and new.at > old.at  # written again, moved
    assert [(r.id, r.state) for r in _rows(store)] == [(n.id, "sent")]


def test_an_escalation_written_again_for_another_reason_is_told(store):
    """Told level 1 (not acknowledged in time) and level 2; an acknowledgement stated in time
    withdraws both; the missed solution is level 1 for another reason: that is told."""
    p = _desk(store)
    number = _issue(store, p)
    _at(store, datetime(2026, 11, 27, 10))
    _escalate(store)
    first = _rows(store)
    assert [(r.kind, r.ref) for r in first] == [("escalation.1", f"issue:{number}:escalation:1:ack"),
                                                ("escalation.2", f"issue:{number}:escalation:2:solve")]
    for r in first:
        _sent(store, r.id)
    issues.acknowledge(store, p["sup"], number, when=datetime(2026, 11, 23, 11))
    rows = _rows(store)
    assert [(r.state) for r in rows[:2]] == ["sent", "sent"]
    assert [(r.kind, r.ref, r.state) for r in rows[2:]] == [
        ("escalation.1", f"issue:{number}:escalation:1:solve", "unrouted")]


# -- item 4: the acting user checked inside the write ------------------------------------------


def _disable(store, login: str) -> None:
    with store.write() as s:
        u = s.exec(select(User).where(User.login == login)).one()
        u.active = False
        s.add(u)


def test_a_user_disabled_after_opening_the_record_form_is_refused_there(store):
    p = _desk(store)
    inp = record_form.RecordInput(customer=CUSTOMER, completed_at=datetime(2026, 11, 23, 9), channel="phone",
                                  reached_name="王经理", score_resolution=5, score_attitude=5)
    number = record_form.enter_adhoc(store, p["agent"], inp)
    edit = record_form.load_record(store, p["agent"], number)
    _disable(store, "agent1")
    with pytest.raises(PermissionDenied):
        record_form.enter_adhoc(store, p["agent"], inp)
    with pytest.raises(PermissionDenied):
        record_form.edit_record(store, p["agent"], number, replace(edit, score_attitude=4))
    with store.read() as s:
        (cb,) = s.exec(select(Callback).where(Callback.kind == "adhoc")).all()
        assert (cb.number, cb.score_attitude) == (number, 5)


def test_a_supervisor_disabled_after_opening_the_month_is_refused_its_approval(store):
    p = _desk(store)
    _disable(store, "sup1")
    with pytest.raises(PermissionDenied):
        report.approve(store, p["sup"], Month(2026, 10))
    assert report.status_of(store, Month(2026, 10)).state == report.OPEN and _rows(store) == []
