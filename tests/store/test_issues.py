"""The issue ledger's services: the life of an issue, the permission matrix, waiting,
escalations written by the next write (dated when the deadline passed), reading never
writes, verification on the next callback (SPEC §3, §4; 001 五(四)2, 六; 000 §4.11)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from huifang_tui.services import departments
from huifang_tui.services import issues as svc
from huifang_tui.services.base import Store
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.planner import run_planner
from huifang_tui.store.models import AuditEntry, Issue, IssueEvent, User

from factories import add_callback, add_customer, add_user

MON = datetime(2026, 11, 23, 9, 30)  # Monday


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(MON)


@pytest.fixture
def st(tmp_path, clock) -> Store:
    s = Store("sqlite:///" + str(tmp_path / "ledger.db"), clock=clock)
    s.ensure_schema()
    return s


@pytest.fixture
def people(st):
    p = {
        "agent": add_user(st, "agent1"),
        "other": add_user(st, "agent2"),
        "owner": add_user(st, "tech1"),
        "head": add_user(st, "head1", "supervisor"),
        "sup": add_user(st, "sup1", "supervisor"),
        "admin": add_user(st, "admin1", "admin"),
    }
    with st.write() as s:
        for login, dept in (("head1", "技术支持组"), ("tech1", "技术支持组"), ("sup1", "售后服务部")):
            u = s.exec(select(User).where(User.login == login)).one()
            u.department = dept
            s.add(u)
    cid = add_customer(st, "华东机械有限公司")
    add_callback(st, cid, "HF202611001")
    return p


def _events(st, number):
    with st.read() as s:
        i = s.exec(select(Issue).where(Issue.number == number)).one()
        return [(e.kind, e.at) for e in s.exec(select(IssueEvent).where(IssueEvent.issue_id == i.id)
                                                .order_by(IssueEvent.at, IssueEvent.id))]


def test_default_departments_and_category_defaults(st, people):
    # issue 10 §5: product → 技术支持组, complaint → 投诉处理组
    names = [d.name for d, _, _ in departments.list_departments(st)]
    assert names == ["售后服务部", "技术支持组", "退换货组", "投诉处理组", "销售部", "市场部", "质量部"]
    a = svc.raise_issue(st, people["agent"], "HF202611001", title="噪音大", category="product")
    b = svc.raise_issue(st, people["agent"], "HF202611001", title="态度差", category="service", is_complaint=True)
    assert (a.department, b.department) == ("技术支持组", "投诉处理组")
    departments.set_default_department(st, people["admin"], "product", "质量部")
    assert svc.raise_issue(st, people["agent"], "HF202611001", title="漏油", category="product").department == "质量部"
    with pytest.raises(svc.PermissionDenied):
        departments.set_default_department(st, people["sup"], "product", "质量部")
    with pytest.raises(svc.IssueInputError):
        departments.set_default_department(st, people["admin"], "product", "不存在的部门")


def test_whole_life_with_waiting_and_refused_close(st, people, clock):
    agent, owner = people["agent"], people["owner"]
    i = svc.raise_issue(st, agent, "HF202611001", title="设备异响", category="product", priority="normal")
    assert i.number == "WT202611001" and i.solve_by == date(2026, 11, 26)  # 3 wd (001 六(二)2)
    svc.assign_issue(st, people["sup"], i.number, "技术支持组", "tech1")
    clock.now = datetime(2026, 11, 23, 10)
    svc.acknowledge(st, owner, i.number)
    clock.now = datetime(2026, 11, 24, 9)
    svc.add_note(st, agent, i.number, "已约工程师")
    svc.wait(st, agent, i.number, "客户出差，周四回来")
    clock.now = datetime(2026, 11, 26, 9)  # waited (24th, 26th] = 2 wd → solve_by 11-30
    v = svc.show_issue(st, i.number)
    assert v.state.status == "waiting" and v.state.overdue == () and v.state.next_update_by is None
    svc.resume(st, agent, i.number)
    assert svc.show_issue(st, i.number).state.solve_by == date(2026, 11, 30)
    with pytest.raises(svc.IssueRefused) as refused:
        svc.close(st, owner, i.number)
    assert "解决方案" in str(refused.value) and "满意度" in str(refused.value)
    svc.solve(st, owner, i.number, "更换轴承")
    with pytest.raises(svc.IssueRefused) as refused:
        svc.close(st, owner, i.number)
    assert "解决方案" not in str(refused.value) and "告知客户的日期" in str(refused.value)
    with pytest.raises(svc.IssueInputError):
        svc.tell(st, agent, i.number, date(2026, 11, 26), 6)
    svc.tell(st, agent, i.number, date(2026, 11, 26), 4)
    svc.close(st, owner, i.number)
    v = svc.show_issue(st, i.number)
    assert v.state.status == "closed" and v.state.level == 0
    assert [e["kind"] for e in v.as_json(True)["events"]] == [
        "raised", "assigned", "acknowledged", "note", "waiting", "resumed", "solution", "told", "closed"]
    with st.read() as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "issue.close")).first() is not None


# who: raiser → note/tell/wait/resume; owner, head → all but assign; supervisor/admin → all
MATRIX = {
    "agent": {"note", "tell", "wait", "resume"},
    "other": set(),
    "owner": {"ack", "note", "wait", "resume", "solve", "tell", "close", "reopen"},
    "head": {"assign", "ack", "note", "wait", "resume", "solve", "tell", "close", "reopen"},
    "sup": {"assign", "ack", "note", "wait", "resume", "solve", "tell", "close", "reopen"},
    "admin": {"assign", "ack", "note", "wait", "resume", "solve", "tell", "close", "reopen"},
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_permission_matrix(st, people, who):
    i = svc.raise_issue(st, people["agent"], "HF202611001", title="x", category="product")
    svc.assign_issue(st, people["sup"], i.number, "技术支持组", "tech1")
    assert svc.allowed_actions(st, people[who], i.number) == MATRIX[who]
    actor = people[who]
    if "note" in MATRIX[who]:
        svc.add_note(st, actor, i.number, "进展")
    else:
        with pytest.raises(svc.PermissionDenied):
            svc.add_note(st, actor, i.number, "进展")
    if "ack" in MATRIX[who]:
        svc.acknowledge(st, actor, i.number)
    else:
        with pytest.raises(svc.PermissionDenied):
            svc.acknowledge(st, actor, i.number)
    if "assign" not in MATRIX[who]:
        with pytest.raises(svc.PermissionDenied):
            svc.assign_issue(st, actor, i.number, "售后服务部")


def test_head_is_a_supervisor_of_the_issues_department_only():
    from huifang_tui.domain.issues import issue_roles, may

    head = issue_roles("h", "agent", "技术支持组", raised_by="a", owner=None, issue_department="技术支持组")
    assert head == frozenset() and not may("ack", head)  # an agent of the department is no head
    head = issue_roles("h", "supervisor", "技术支持组", raised_by="a", owner=None, issue_department="技术支持组")
    assert "head" in head


def test_escalations_written_by_the_next_write_dated_when_passed_and_reading_never_writes(st, people, clock):
    i = svc.raise_issue(st, people["agent"], "HF202611001", title="停机", category="product", priority="urgent")
    # urgent: ack by 11:30 (2 h), solve by 11-24
    clock.now = datetime(2026, 11, 25, 8)
    v = svc.show_issue(st, i.number)
    assert v.state.level == 2 and v.state.overdue == ("ack", "solve")
    page = svc.list_issues(st, people["sup"], svc.IssueFilter(overdue=True))
    assert [r.issue.number for r in page.rows] == [i.number]
    assert [k for k, _ in _events(st, i.number)] == ["raised"]  # reading wrote nothing
    # a write elsewhere (the planner) writes them, dated when each deadline passed
    run_planner(st, now=datetime(2026, 12, 30))  # a --now: escalations still by the clock
    assert _events(st, i.number) == [
        ("raised", MON), ("escalated", datetime(2026, 11, 23, 11, 30)), ("escalated", datetime(2026, 11, 25))]
    with st.read() as s:
        assert s.exec(select(Issue)).one().level == 2
    run_planner(st)
    assert len(_events(st, i.number)) == 3  # written once


def test_escalations_never_written_ahead_of_the_clock(st, people, clock):
    i = svc.raise_issue(st, people["agent"], "HF202611001", title="停机", priority="urgent")
    # --now in the future shows what will be overdue, but writes nothing
    page = svc.list_issues(st, people["sup"], svc.IssueFilter(overdue=True), now=datetime(2026, 11, 30))
    assert [r.state.level for r in page.rows] == [2]
    svc.add_note(st, people["agent"], i.number, "已联系")
    assert [k for k, _ in _events(st, i.number)] == ["raised", "note"]


def test_complaint_is_level_two_at_once(st, people):
    i = svc.raise_issue(st, people["agent"], "HF202611001", title="投诉服务", category="service", is_complaint=True)
    assert _events(st, i.number) == [("raised", MON), ("escalated", MON)]
    assert svc.show_issue(st, i.number).state.level == 2


def test_stated_times_never_go_backwards_or_ahead(st, people, clock):
    # refused (exit 2), not bad input: issue 23 item 5
    i = svc.raise_issue(st, people["agent"], "HF202611001", title="x")
    with pytest.raises(svc.IssueRefused):
        svc.add_note(st, people["agent"], i.number, "早了", when=datetime(2026, 11, 23, 9))
    with pytest.raises(svc.IssueRefused):
        svc.add_note(st, people["agent"], i.number, "将来", when=datetime(2026, 11, 23, 12))


def test_raise_for_a_customer_outside_a_call(st, people):
    i = svc.raise_issue(st, people["agent"], customer="华东", title="电话咨询退货")
    assert i.callback_id is None
    with pytest.raises(svc.NotFound):
        svc.raise_issue(st, people["agent"], customer="不存在", title="x")


def _close(st, people, i, ack=True):
    if ack:
        svc.acknowledge(st, people["sup"], i.number)
    svc.solve(st, people["sup"], i.number, "更换零件")
    svc.tell(st, people["agent"], i.number, date(2026, 11, 23), 5)
    svc.close(st, people["sup"], i.number)


def test_not_held_on_the_next_callback_reopens(st, people):
    i = svc.raise_issue(st, people["agent"], "HF202611001", title="漏水", category="product")
    _close(st, people, i)
    with st.read() as s:
        cid = s.exec(select(Issue)).one().customer_id
    add_callback(st, cid, "HF202611002")
    record_attempt(st, people["agent"], "HF202611002", CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=2, score_attitude=4,
        not_held_issue_ids=[i.id]))
    v = svc.show_issue(st, i.number)
    assert v.state.status == "acknowledged" and v.issue.verify_result == "not_held"
    assert v.issue.solution == "" and v.issue.satisfaction is None
    assert [e["kind"] for e in v.as_json(True)["events"]][-2:] == ["verified", "reopened"]
    _close(st, people, i, ack=False)
    add_callback(st, cid, "HF202611090")
    record_attempt(st, people["agent"], "HF202611090", CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=5, score_attitude=5,
        verified_issue_ids=[i.id]))
    v = svc.show_issue(st, i.number)
    assert v.state.status == "closed" and v.issue.verify_result == "held" and v.issue.verified_at is not None


def test_json_keys(st, people):
    i = svc.raise_issue(st, people["agent"], "HF202611001", title="x")
    keys = list(svc.show_issue(st, i.number).as_json(True))
    assert keys == ["number", "customer", "callback", "title", "category", "priority", "complaint",
                    "department", "owner", "status", "level", "raised_at", "ack_by", "solve_by",
                    "next_update_by", "acknowledged_at", "solved_at", "told_on", "satisfaction",
                    "closed_at", "verified_at", "overdue", "at_risk", "raised_by", "reopened", "solutions",
                    "late_entry", "events"]


def test_filters_and_paging(st, people):
    for n in range(12):
        svc.raise_issue(st, people["agent"], "HF202611001", title=f"问题{n}",
                        category="need" if n % 3 == 0 else "product", is_complaint=n == 5)
    svc.raise_issue(st, people["sup"], customer="华东机械有限公司", title="主管登记")
    page = svc.list_issues(st, people["agent"], svc.IssueFilter(mine=True), offset=5, limit=5)
    assert page.total == 12 and len(page.rows) == 5
    assert svc.list_issues(st, people["sup"], svc.IssueFilter(category="need")).total == 4
    assert svc.list_issues(st, people["sup"], svc.IssueFilter(complaints=True)).total == 1
    assert svc.list_issues(st, people["sup"], svc.IssueFilter(escalated=True)).total == 1
    assert svc.list_issues(st, people["sup"], svc.IssueFilter(customer="华东")).total == 13
    assert svc.list_issues(st, people["sup"], svc.IssueFilter(customer="西南")).total == 0
    assert svc.list_issues(st, people["head"], svc.IssueFilter(my_department=True)).total == 7  # the complaint went to 投诉处理组


def test_undo_of_a_completion_that_verified_an_issue_is_refused(st, people):
    """Issue 16 item 3: the ledger moved on (reopened); undo would leave it inconsistent."""
    from huifang_tui.core.errors import Refused
    from huifang_tui.services.undo import undo_last

    i = svc.raise_issue(st, people["agent"], "HF202611001", title="漏水", category="product")
    _close(st, people, i)
    with st.read() as s:
        cid = s.exec(select(Issue)).one().customer_id
    add_callback(st, cid, "HF202611002")
    record_attempt(st, people["agent"], "HF202611002", CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=2, score_attitude=4,
        not_held_issue_ids=[i.id]))
    with pytest.raises(Refused, match="问题台账"):
        undo_last(st, people["agent"], "HF202611002")
