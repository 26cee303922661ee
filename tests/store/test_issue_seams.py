"""The issue ledger where it meets the rest (issue 22 items 8, 9, 14), on SQLite and PostgreSQL.

- Item 8: who may acknowledge — the owner, the owner's department head, supervisors, and the
  raiser while the issue has no owner; the refusal names exactly those (SPEC §3).
- Item 14: a reopened issue is unsolved: past its unchanged solve_by it is overdue and that is a
  missed solve deadline for the level; the KPI ``issues_on_time`` judges the same solution.
- Item 9: what the system writes (timeline entries, its callback notes, refusal reasons in the
  audit log) is stored as a message code: an English reader and a Chinese reader each read it in
  their own language, whoever caused it; what people typed stays as typed.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from huifang_tui.domain.issues import WHO_MAY, issue_roles
from huifang_tui.core.i18n import set_lang, t
from huifang_tui.services import issues as svc
from huifang_tui.services.audit_log import audit_log
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.report import monthly_report, parse_month
from huifang_tui.store.models import Issue, IssueEvent, User

from conftest import NOW
from factories import add_callback, add_customer, add_user


@pytest.fixture
def desk(store):
    clock = {"now": NOW}
    store.clock = lambda: clock["now"]
    people = {
        "raiser": add_user(store, "agent1"),
        "other": add_user(store, "agent2"),
        "owner": add_user(store, "tech1"),
        "head": add_user(store, "head1", "supervisor"),
        "sup": add_user(store, "sup1", "supervisor"),
    }
    with store.write() as s:
        for login, dept in (("head1", "技术支持组"), ("tech1", "技术支持组"), ("sup1", "售后服务部")):
            u = s.exec(select(User).where(User.login == login)).one()
            u.department = dept
            s.add(u)
    cid = add_customer(store, "华东机械有限公司")
    add_callback(store, cid, "HF202611001", deadline_on=date(2026, 11, 30))
    return store, people, clock


def _issue(store, number) -> Issue:
    with store.read() as s:
        return s.exec(select(Issue).where(Issue.number == number)).one()


# -- item 8: acknowledging ------------------------------------------------------------------

# (case, who) → may acknowledge
ACK_MATRIX = {
    ("unowned", "raiser"): True,  # the raiser while the issue has no owner (today refused)
    ("unowned", "other"): False,
    ("unowned", "owner"): False,  # not the owner yet
    ("unowned", "head"): True,
    ("unowned", "sup"): True,
    ("owned", "raiser"): False,  # once it has an owner, the raiser no longer acknowledges
    ("owned", "other"): False,
    ("owned", "owner"): True,
    ("owned", "head"): True,
    ("owned", "sup"): True,
}


@pytest.mark.parametrize("case, who", list(ACK_MATRIX))
def test_the_acknowledge_matrix(desk, case, who):
    store, people, _ = desk
    i = svc.raise_issue(store, people["raiser"], "HF202611001", title="设备异响", category="product")
    if case == "owned":
        svc.assign_issue(store, people["sup"], i.number, "技术支持组", "tech1")
    actor, expected = people[who], ACK_MATRIX[(case, who)]
    assert ("ack" in svc.allowed_actions(store, actor, i.number)) is expected
    if expected:
        svc.acknowledge(store, actor, i.number)
        got = _issue(store, i.number)
        assert got.status == "acknowledged"
        if who == "raiser":
            assert got.owner_login is None  # the raiser acknowledges; the department still assigns
        return
    with pytest.raises(svc.PermissionDenied) as e:
        svc.acknowledge(store, actor, i.number)
    # the refusal says the rule: exactly the parts that may acknowledge, nothing else
    message = str(e.value)
    for part in WHO_MAY["ack"]:
        assert t(f"ledger.part.{part}") in message
    assert t("ledger.part.raiser_unowned") in message
    assert _issue(store, i.number).status == "open"


def test_the_owners_department_head_is_a_head():
    parts = issue_roles("head1", "supervisor", "技术支持组", raised_by="agent1", owner="tech1",
                        issue_department="售后服务部", owner_department="技术支持组")
    assert {"head", "supervisor"} <= parts
    assert issue_roles("agent1", "agent", None, raised_by="agent1", owner=None,
                       issue_department="售后服务部") == {"raiser", "raiser_unowned"}


def test_every_refusal_names_who_may():
    for action, parts in WHO_MAY.items():
        message = svc.refusal(action, "WT202611001")
        assert all(t(f"ledger.part.{p}") in message for p in parts), action


# -- item 14: a reopened issue is unsolved -----------------------------------------------------


def test_a_reopened_issue_past_solve_by_is_overdue_and_escalated_and_not_on_time(desk):
    store, people, clock = desk
    sup, month = people["sup"], parse_month("2026-11")
    # urgent: acknowledge within 2 hours, solve by the next working day (11-24)
    i = svc.raise_issue(store, people["raiser"], "HF202611001", title="漏油", category="product",
                        priority="urgent")
    clock["now"] = NOW + timedelta(minutes=30)
    svc.acknowledge(store, sup, i.number)
    clock["now"] = datetime(2026, 11, 24, 10, 0)
    svc.solve(store, sup, i.number, "更换密封圈")
    svc.tell(store, people["raiser"], i.number, date(2026, 11, 24), 4)
    svc.close(store, sup, i.number)
    v = svc.show_issue(store, i.number)
    assert (v.state.level, v.state.solve_by) == (0, date(2026, 11, 24))
    assert monthly_report(store, sup, month).overall["issues_on_time"] == 1

    clock["now"] = datetime(2026, 11, 26, 9, 0)
    svc.reopen(store, sup, i.number, "客户反映仍漏油")
    v = svc.show_issue(store, i.number)
    assert v.state.solve_by == date(2026, 11, 24)  # unchanged
    assert v.state.status == "acknowledged" and "solve" in v.state.overdue
    assert v.state.level == 1 and _issue(store, i.number).level == 1
    escalated = [e for e in v.events if e.kind == "escalated"]
    assert [(e.at, svc.event_text(e)) for e in escalated] == [
        (datetime(2026, 11, 26, 9, 0), t("ledger.escalated.solve", level=t("ledger.level.supervisor")))]
    # KPI and escalation judge the same solution: none stands, so not on time
    assert monthly_report(store, sup, month).overall["issues_on_time"] == 0

    clock["now"] = datetime(2026, 11, 27, 15, 0)
    svc.solve(store, sup, i.number, "更换油管")  # late: the level stays, the KPI stays
    v = svc.show_issue(store, i.number)
    assert v.state.level == 1 and not v.state.overdue
    assert monthly_report(store, sup, month).overall["issues_on_time"] == 0


def test_reopened_and_solved_again_in_time_is_on_time_at_level_zero(desk):
    store, people, clock = desk
    sup = people["sup"]
    i = svc.raise_issue(store, people["raiser"], "HF202611001", title="异响", category="product", priority="urgent")
    clock["now"] = NOW + timedelta(minutes=30)
    svc.acknowledge(store, sup, i.number)
    svc.solve(store, sup, i.number, "紧固")
    clock["now"] = NOW + timedelta(hours=2)
    svc.reopen(store, sup, i.number, "仍异响")
    clock["now"] = datetime(2026, 11, 24, 16, 0)
    svc.solve(store, sup, i.number, "更换轴承")
    clock["now"] = datetime(2026, 11, 30, 9, 0)
    svc.add_note(store, sup, i.number, "回访确认")  # a later write judges the issue again
    assert svc.show_issue(store, i.number).state.level == 0
    assert monthly_report(store, sup, parse_month("2026-11")).overall["issues_on_time"] == 1


# -- item 9: language-neutral timelines --------------------------------------------------------


def test_an_english_and_a_chinese_reader_of_the_same_timeline(desk):
    store, people, clock = desk
    from huifang_tui.cli.issues import render_issue_text

    # a Chinese supervisor's desk writes the complaint's escalation; an English agent verifies
    i = svc.raise_issue(store, people["raiser"], "HF202611001", title="服务态度差", category="service",
                        is_complaint=True)
    clock["now"] = NOW + timedelta(minutes=10)
    svc.acknowledge(store, people["sup"], i.number)
    svc.solve(store, people["sup"], i.number, "已道歉并培训")
    svc.tell(store, people["raiser"], i.number, date(2026, 11, 23), 3)
    svc.close(store, people["sup"], i.number)
    with store.read() as s:
        cid = s.exec(select(Issue)).one().customer_id
    add_callback(store, cid, "HF202611002", deadline_on=date(2026, 11, 30))
    set_lang("en")
    clock["now"] = NOW + timedelta(minutes=20)
    record_attempt(store, people["raiser"], "HF202611002", CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=4, score_attitude=4,
        not_held_issue_ids=[i.id]))
    set_lang("zh_CN")

    # nothing the system wrote is stored in anyone's words
    with store.read() as s:
        stored = {e.kind: (e.code, e.text) for e in s.exec(select(IssueEvent).where(
            IssueEvent.kind.in_(("escalated", "told", "verified", "reopened"))))}
    assert stored == {"escalated": ("ledger.escalated.complaint", ""), "told": ("ledger.told_text", ""),
                      "verified": ("ledger.verified_not_held", ""), "reopened": ("ledger.reopen_not_held", "")}

    def read(lang):
        set_lang(lang)
        try:
            v = svc.show_issue(store, i.number)
            return {e["kind"]: e["text"] for e in v.as_json(True)["events"]}, render_issue_text(v)
        finally:
            set_lang("zh_CN")

    zh, zh_text = read("zh_CN")
    en, en_text = read("en")
    assert zh["escalated"] == "客户投诉，直接升级到总经理"  # the clause is cited in F1, not here (issue 25 item 19)
    assert en["escalated"] == "Customer complaint: escalated to the general manager at once"
    assert zh["verified"] == "回访 HF202611002 核实：改进未见效"
    assert en["verified"] == "Verified on callback HF202611002: the improvement did not hold"
    assert zh["told"] == "已于 2026-11-23 告知客户，满意度 3 分"
    assert en["told"] == "Customer told on 2026-11-23, satisfaction 3"
    # what people typed stays as typed, for both
    assert zh["raised"] == en["raised"] == "服务态度差"
    assert zh["solution"] == en["solution"] == "已道歉并培训"
    # `issue show` (the text) says the same
    assert "未见效" in zh_text and "did not hold" in en_text and "did not hold" not in zh_text


def test_a_refusal_in_the_audit_log_reads_in_the_readers_language(desk):
    store, people, _ = desk
    i = svc.raise_issue(store, people["raiser"], "HF202611001", title="异响", category="product")
    set_lang("en")
    with pytest.raises(svc.PermissionDenied):
        svc.acknowledge(store, people["other"], i.number)  # an English agent is refused
    set_lang("zh_CN")
    rows = [r for r in audit_log(store, people["sup"]) if r.action == "refused"]
    assert len(rows) == 1
    reason = json.loads(rows[0].after)["reason"]
    assert reason == svc.refusal("ack", i.number) and "你不能对" in reason
    set_lang("en")
    try:
        rows = [r for r in audit_log(store, people["sup"]) if r.action == "refused"]
        assert json.loads(rows[0].after)["reason"].startswith("You may not acknowledge")
    finally:
        set_lang("zh_CN")


def test_a_system_note_on_a_callback_reads_in_the_readers_language(desk):
    store, people, _ = desk
    from huifang_tui.services.record_form import edit_record, load_record
    from huifang_tui.services.recording import callback_notes
    from huifang_tui.store.models import Callback

    record_attempt(store, people["raiser"], "HF202611001", CallRecord(
        outcome="completed", at=NOW - timedelta(minutes=5), reached_name="王经理", score_resolution=2,
        score_attitude=4))
    set_lang("en")  # an English supervisor's edit cancels the low-score follow-up
    inp = load_record(store, people["sup"], "HF202611001")
    inp.score_resolution = 4
    res = edit_record(store, people["sup"], "HF202611001", inp)
    set_lang("zh_CN")
    assert len(res.cancelled) == 1
    with store.read() as s:
        cb = s.exec(select(Callback).where(Callback.number == res.cancelled[0])).one()
        assert "Cancelled" not in cb.note and "已取消" not in cb.note  # stored as a code
        zh = callback_notes(s, [cb])[cb.id]
        set_lang("en")
        try:
            en = callback_notes(s, [cb])[cb.id]
        finally:
            set_lang("zh_CN")
    assert zh == t("form.note.edited") == "已取消：原记录修改后不再需要"
    assert en == "Cancelled: an edit of its record no longer calls for it"
