"""Rules the services enforce today, each pinned by a test that fails when the rule breaks.

Claims (SPEC §6, ARCHITECTURE "Claims"), deferral and 改约 past the deadline (SPEC §3, §4),
complaints to 总经理 (000 §4.11), the planner's history horizon, drafts (SPEC §4/§6), one call
per customer (SPEC §3), the low-score follow-up's 24 h (003 四), and the smaller rules around
them (who may work what, what a record needs, day close).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from huifang_tui.store.claims import CLAIM_TTL_SECONDS, HOST, claim_alive
from huifang_tui.core.errors import Refused
from huifang_tui.services.base import Conflict, NotFound, PermissionDenied, ServiceError, Store
from huifang_tui.services.recording import callback_notes
from huifang_tui.services.recording import CallRecord, defer, record_attempt, validate
from huifang_tui.core.errors import ValidationError
from huifang_tui.services.assignment import assign
from huifang_tui.services.drafts import discard_draft, save_draft
from huifang_tui.services.calls import heartbeat, open_call, release
from huifang_tui.services.issues import event_text, raise_issue
from huifang_tui.services.dayclose import DayCloseRefused, close_day, is_closed, untouched
from huifang_tui.services.planner import run_planner
from huifang_tui.services.queue import queue_rows
from huifang_tui.store import db
from huifang_tui.store.models import (
    AuditEntry, CallAttempt, CallDraft, Callback, Contact, Issue, IssueEvent, NonMemberEvent, Sale,
    Setting, User, WorkOrder,
)

from conftest import NOW
from factories import add_callback, add_customer, add_user

DEADLINE = date(2026, 11, 25)  # NOW is Mon 2026-11-23 09:30; Wed 11-25 is two working days on
DONE = dict(outcome="completed", reached_name="王经理", score_resolution=5, score_attitude=5)


class Clock:
    """A store clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def _schema(tmp_path_factory) -> Path:
    """One empty database with the schema, copied for each test (creating it costs most of a test)."""
    path = tmp_path_factory.mktemp("schema") / "template.db"
    s = Store("sqlite:///" + str(path))
    s.ensure_schema()
    s.engine.dispose()  # the last connection closing checkpoints the WAL into the file
    assert not Path(str(path) + "-wal").exists()
    return path


@pytest.fixture
def st(tmp_path, clock, _schema) -> Store:
    path = tmp_path / "pinned.db"
    shutil.copy2(_schema, path)
    return Store("sqlite:///" + str(path), clock=clock)


@pytest.fixture(scope="module")
def _desk_db(tmp_path_factory, _schema) -> tuple[Path, tuple]:
    path = tmp_path_factory.mktemp("desk") / "desk.db"
    shutil.copy2(_schema, path)
    s = Store("sqlite:///" + str(path), clock=lambda: NOW)
    actors = (add_user(s, "agent1", "agent"), add_user(s, "agent2", "agent"), add_user(s, "sup1", "supervisor"))
    cid = add_customer(s, "杭州恒达机械有限公司")
    add_callback(s, cid, "HF202611001", deadline_on=DEADLINE)
    s.engine.dispose()
    assert not Path(str(path) + "-wal").exists()
    return path, (*actors, cid)


@pytest.fixture
def desk(st, _desk_db):
    """Two agents and a supervisor; agent1's customer has one callback due today."""
    path, made = _desk_db
    st.engine.dispose()
    shutil.copy2(path, db.sqlite_path(st.url))
    return made


def _cb(store: Store, number: str = "HF202611001") -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


def _dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def _audits(store: Store, action: str) -> list[AuditEntry]:
    with store.read() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action)))


# -- claims: expiry and release ----------------------------------------------------------


@pytest.mark.parametrize("by, age_s, pid, host, alive", [
    ("agent1", 0, "self", "here", True),
    ("agent1", CLAIM_TTL_SECONDS, "self", "here", True),  # exactly 10 minutes: still held
    ("agent1", CLAIM_TTL_SECONDS + 1, "self", "here", False),  # older than 10 minutes: expired
    ("agent1", 0, "dead", "here", False),  # its process died on this machine: expired
    ("agent1", 0, "dead", "elsewhere", True),  # another machine's pid cannot be checked: age only
    ("agent1", 0, None, "here", True),  # no pid recorded: age only
    ("agent1", 0, 1, "here", True),  # pid 1 exists but is not ours (EPERM): alive
    (None, 0, "self", "here", False),  # nobody holds it
    ("", 0, "self", "here", False),
])
def test_claim_alive(by, age_s, pid, host, alive):
    now = datetime(2026, 11, 23, 10, 0)
    pid = {"self": os.getpid(), "dead": _dead_pid()}.get(pid, pid)
    host = HOST if host == "here" else "some-other-host"
    assert claim_alive(by, now - timedelta(seconds=age_s), pid, host, now) is alive


def test_checking_a_claim_sends_no_signal_and_trusts_a_process_it_may_not_signal(monkeypatch):
    from huifang_tui.store import claims

    child = subprocess.Popen(["sleep", "30"])
    try:
        assert claim_alive("agent1", NOW, child.pid, HOST, NOW) is True
        with pytest.raises(subprocess.TimeoutExpired):  # signal 0 only asks: the process lives on
            child.wait(timeout=0.3)
    finally:
        child.kill()
        child.wait()

    def not_ours(pid, sig):  # noqa: ANN001, ANN202
        raise PermissionError(pid)

    monkeypatch.setattr(claims.os, "kill", not_ours)
    assert claim_alive("agent1", NOW, 4242, HOST, NOW) is True  # another user's live process


def test_claim_without_time_is_not_alive():
    assert claim_alive("agent1", None, os.getpid(), HOST, NOW) is False


def test_open_call_claims_and_another_agent_is_refused_until_expiry(st, clock, desk):
    a1, a2, sup, cid = desk
    with st.write() as s:  # agent2 may work it too once it is in the pool
        cb = s.exec(select(Callback)).one()
        cb.agent_login = None
        s.add(cb)
    from huifang_tui.core.i18n import t

    open_call(st, a1, "HF202611001")
    cb = _cb(st)
    assert (cb.claimed_by, cb.claim_pid, cb.claim_host, cb.claimed_at) == ("agent1", os.getpid(), HOST, NOW)
    (claim,) = _audits(st, "callback.claim")
    assert (claim.login, claim.entity, claim.entity_id) == ("agent1", "callback", "HF202611001")
    assert (json.loads(claim.before), json.loads(claim.after)) == ({"claimed_by": None}, {"claimed_by": "agent1"})
    (reveal,) = _audits(st, "phone.reveal")  # SPEC §6: revealing the number is audited
    assert (reveal.login, reveal.entity, reveal.entity_id) == ("agent1", "customer", str(cb.customer_id))
    assert (reveal.before, json.loads(reveal.after)) == ("", {"callback": "HF202611001"})
    with pytest.raises(Conflict) as e:
        open_call(st, a2, "HF202611001", pid=os.getpid() + 1)
    assert str(e.value) == t("call.claimed", number="HF202611001", who="agent1", at="09:30")
    with pytest.raises(Conflict) as e:  # nor may agent2 record or defer on it
        record_attempt(st, a2, "HF202611001", CallRecord(outcome="no_answer"))
    assert str(e.value) == t("call.claimed", number="HF202611001", who="agent1", at="09:30")
    with pytest.raises(Conflict):
        defer(st, a2, "HF202611001", "客户出差")
    clock.advance(seconds=CLAIM_TTL_SECONDS)
    with pytest.raises(Conflict):  # exactly 10 minutes: still held
        open_call(st, a2, "HF202611001")
    clock.advance(seconds=1)
    open_call(st, a2, "HF202611001")  # the stale claim is taken over
    assert _cb(st).claimed_by == "agent2"


def test_a_claim_of_a_dead_process_expires_at_once(st, desk):
    a1, a2, sup, cid = desk
    open_call(st, a1, "HF202611001", pid=_dead_pid())
    view = open_call(st, sup, "HF202611001")  # a supervisor may work anything
    assert view.callback.claimed_by == "sup1"


def test_same_login_in_another_terminal_is_refused_but_the_same_process_reopens(st, desk):
    a1, *_ = desk
    open_call(st, a1, "HF202611001", pid=1)  # agent1's other terminal (pid 1 is alive)
    with pytest.raises(Conflict):
        open_call(st, a1, "HF202611001")
    open_call(st, a1, "HF202611001", pid=1)  # that terminal itself may reopen it


def test_heartbeat_keeps_the_claim_fresh(st, clock, desk):
    a1, _, sup, _ = desk
    open_call(st, a1, "HF202611001", pid=1)
    clock.advance(minutes=9)
    heartbeat(st, a1, "HF202611001")
    assert _cb(st).claimed_at == clock.now
    clock.advance(minutes=9)  # 18 minutes after opening, 9 after the heartbeat
    with pytest.raises(Conflict):
        open_call(st, sup, "HF202611001")
    heartbeat(st, sup, "HF202611001")  # another login's heartbeat touches nothing
    assert _cb(st).claimed_at == clock.now - timedelta(minutes=9)


def test_heartbeat_touches_only_that_callback(st, clock, desk):
    a1, _, _, cid = desk
    add_callback(st, cid, "HF202611002", kind="usage", trigger="wo:b", deadline_on=DEADLINE)
    open_call(st, a1, "HF202611001", pid=1)
    open_call(st, a1, "HF202611002", pid=1)
    clock.advance(minutes=5)
    heartbeat(st, a1, "HF202611001")
    assert (_cb(st).claimed_at, _cb(st, "HF202611002").claimed_at) == (clock.now, NOW)


def test_release_frees_only_this_process_claim(st, desk):
    a1, _, sup, _ = desk
    open_call(st, a1, "HF202611001", pid=1)
    release(st, a1, "HF202611001", pid=2)  # another terminal of the same login
    release(st, sup, "HF202611001", pid=1)  # another login
    assert _cb(st).claimed_by == "agent1"
    release(st, a1, "HF202611001", pid=1)
    cb = _cb(st)
    assert (cb.claimed_by, cb.claim_pid, cb.claim_host, cb.claimed_at) == (None, None, None, None)
    open_call(st, sup, "HF202611001")


def test_release_touches_only_that_callback_and_this_host(st, desk):
    a1, _, _, cid = desk
    add_callback(st, cid, "HF202611002", kind="usage", trigger="wo:b", deadline_on=DEADLINE)
    open_call(st, a1, "HF202611001", pid=1)
    open_call(st, a1, "HF202611002", pid=1)
    release(st, a1, "HF202611001", pid=1)
    assert (_cb(st).claimed_by, _cb(st, "HF202611002").claimed_by) == (None, "agent1")
    with st.write() as s:  # the same login and pid number, but on another machine
        cb = s.exec(select(Callback).where(Callback.number == "HF202611002")).one()
        cb.claim_host = "some-other-host"
        s.add(cb)
    release(st, a1, "HF202611002", pid=1)
    assert _cb(st, "HF202611002").claimed_by == "agent1"


def test_recording_releases_the_claim(st, desk):
    a1, *_ = desk
    open_call(st, a1, "HF202611001")
    record_attempt(st, a1, "HF202611001", CallRecord(outcome="no_answer"))
    cb = _cb(st)
    assert (cb.claimed_by, cb.claim_pid, cb.claim_host, cb.claimed_at) == (None, None, None, None)


# -- who may work what ---------------------------------------------------------------------


def test_agents_work_only_their_own_or_the_pool(st, desk):
    a1, a2, sup, cid = desk
    with pytest.raises(PermissionDenied):
        open_call(st, a2, "HF202611001")
    with pytest.raises(PermissionDenied):
        record_attempt(st, a2, "HF202611001", CallRecord(outcome="no_answer"))
    with pytest.raises(PermissionDenied):
        raise_issue(st, a2, "HF202611001", title="噪音大")
    add_callback(st, cid, "HF202611002", kind="usage", trigger="wo:pool", agent=None)
    res = record_attempt(st, a2, "HF202611002", CallRecord(**DONE))  # the shared pool
    assert res.status == "completed" and _cb(st, "HF202611002").agent_login == "agent2"
    add_callback(st, cid, "HF202611003", kind="usage", trigger="wo:pool2", agent=None)
    record_attempt(st, a2, "HF202611003", CallRecord(outcome="no_answer"))
    assert _cb(st, "HF202611003").agent_login is None  # only a completion takes a pool item


@pytest.mark.parametrize("assignee, role, allowed", [
    ("supervisor", "agent", False),
    ("followup", "agent", False),
    ("sales_manager", "agent", False),
    ("sales_manager", "sales_manager", True),
    ("agent", "sales_manager", False),
    ("followup", "supervisor", True),
])
def test_unassigned_work_goes_to_the_role_it_is_meant_for(st, assignee, role, allowed):
    actor = add_user(st, "u1", role)
    cid = add_customer(st, "甲公司", agent=None)
    add_callback(st, cid, "HF202611001", agent=None, deadline_on=DEADLINE)
    with st.write() as s:
        cb = s.exec(select(Callback)).one()
        cb.assignee = assignee
        s.add(cb)
    if allowed:
        open_call(st, actor, "HF202611001")
    else:
        with pytest.raises(PermissionDenied):
            open_call(st, actor, "HF202611001")


@pytest.mark.parametrize("status", ["completed", "refused", "unreachable", "cancelled"])
def test_closed_callbacks_cannot_be_opened_recorded_or_deferred(st, desk, status):
    a1, *_ = desk
    with st.write() as s:
        cb = s.exec(select(Callback)).one()
        cb.status = status
        s.add(cb)
    from huifang_tui.services.calls import state_line

    with st.read() as s:  # what it is, in plain words (issue 22 §12: "already completed by …")
        said = state_line(s, s.exec(select(Callback)).one())
    if status == "unreachable":  # a customer reached can still be recorded: the call opens
        open_call(st, a1, "HF202611001")
    else:
        with pytest.raises(Conflict) as e:
            open_call(st, a1, "HF202611001")
        assert str(e.value) == said
    with pytest.raises(Conflict) as e:
        record_attempt(st, a1, "HF202611001", CallRecord(outcome="no_answer"))
    assert str(e.value) == said
    for act in (lambda: record_attempt(st, a1, "HF202611001", CallRecord(outcome="no_answer")),
                lambda: defer(st, a1, "HF202611001", "理由")):
        with pytest.raises(Conflict):
            act()
    assert _cb(st).version == 0


def test_waiting_data_callbacks_may_still_be_worked(st, desk):
    a1, *_ = desk
    record_attempt(st, a1, "HF202611001", CallRecord(outcome="wrong_number"))
    assert _cb(st).status == "waiting_data"
    open_call(st, a1, "HF202611001")
    assert record_attempt(st, a1, "HF202611001", CallRecord(**DONE)).status == "completed"


def test_unknown_number_is_not_found(st, desk):
    a1, *_ = desk
    with pytest.raises(NotFound):
        open_call(st, a1, "HF209901999")
    with pytest.raises(NotFound):
        record_attempt(st, a1, "HF209901999", CallRecord(outcome="no_answer"))


# -- recording an attempt ------------------------------------------------------------------


@pytest.mark.parametrize("rec, fields", [
    (CallRecord(outcome="voicemail"), ["结果"]),
    (CallRecord(outcome="completed", score_resolution=5, score_attitude=5), ["接听人"]),
    (CallRecord(outcome="completed", reached_name=" ", score_resolution=5, score_attitude=5), ["接听人"]),
    (CallRecord(outcome="completed", reached_name="王经理", score_attitude=5), ["问题解决"]),
    (CallRecord(outcome="completed", reached_name="王经理", score_resolution=5), ["服务态度"]),
    (CallRecord(outcome="completed", reached_name="王经理", score_resolution=0, score_attitude=5), ["问题解决"]),
    (CallRecord(outcome="no_answer", score_attitude=6), ["服务态度"]),
    (CallRecord(outcome="reschedule"), ["改约"]),
])
def test_validate_names_each_bad_field(rec, fields):
    errors = validate(rec)
    assert len(errors) == len(fields)
    for err, name in zip(errors, fields):
        assert name in err


def test_validate_messages_name_the_value_and_the_choices():
    from huifang_tui.domain.outcomes import OUTCOMES
    from huifang_tui.core.i18n import t

    (err,) = validate(CallRecord(outcome="voicemail"))
    assert err == t("call.err.outcome", value="voicemail", codes=", ".join(OUTCOMES))
    (err,) = validate(CallRecord(outcome="no_answer", score_attitude=7))
    assert err == t("call.err.score_range", field=t("call.field.score_attitude"), value=7) and "7" in err


@pytest.mark.parametrize("rec", [
    CallRecord(**DONE),
    CallRecord(outcome="completed", reached_name="王经理", score_resolution=1, score_attitude=5),
    CallRecord(outcome="no_answer"),
    CallRecord(outcome="reschedule", to=datetime(2026, 11, 24, 10)),
])
def test_validate_accepts_complete_records(rec):
    assert validate(rec) == []


def test_a_refused_record_writes_nothing(st, desk):
    a1, *_ = desk
    rec = CallRecord(outcome="completed", reached_name="王经理")
    with pytest.raises(ValidationError) as e:
        record_attempt(st, a1, "HF202611001", rec)
    assert str(e.value) == "\n".join(validate(rec)) and len(validate(rec)) == 2
    cb = _cb(st)
    assert (cb.status, cb.attempts, cb.version) == ("open", 0, 0)
    with st.read() as s:
        assert s.exec(select(CallAttempt)).all() == []


def test_an_attempt_writes_attempt_row_audit_and_bumps_version(st, clock, desk):
    a1, *_ = desk
    res = record_attempt(st, a1, "HF202611001", CallRecord(outcome="no_answer", note="没人接"))
    assert (res.status, res.attempts, res.due_on) == ("open", 1, date(2026, 11, 24))
    assert res.next_attempt_at == datetime(2026, 11, 24, 8, 30)  # the next working day's first hour
    cb = _cb(st)
    assert (cb.status, cb.attempts, cb.due_on, cb.outcome, cb.version) == (
        "open", 1, date(2026, 11, 24), "no_answer", 1)
    assert cb.note == "" and cb.updated_at == NOW  # each attempt keeps its own note (issue 21)
    with st.read() as s:
        (att,) = s.exec(select(CallAttempt)).all()
    assert (att.agent_login, att.outcome, att.at, att.note) == ("agent1", "no_answer", NOW, "没人接")
    assert res.followups == [] and res.alert_supervisor is False
    (entry,) = _audits(st, "callback.no_answer")
    assert (entry.login, entry.entity, entry.entity_id) == ("agent1", "callback", "HF202611001")
    assert json.loads(entry.before)["attempts"] == 0
    assert json.loads(entry.after)["attempts"] == 1
    clock.now = datetime(2026, 11, 24, 9, 40)
    record_attempt(st, a1, "HF202611001", CallRecord(outcome="no_answer", note="还是没人接"))
    cb = _cb(st)
    assert cb.note == ""
    with st.read() as s:
        assert callback_notes(s, [cb]) == {cb.id: "11-23 09:30 没人接\n11-24 09:40 还是没人接"}


def test_a_completion_keeps_what_the_agent_entered(st, desk):
    a1, *_ = desk
    rec = CallRecord(outcome="completed", reached_name=" 王经理 ", reached_position=" 技术负责人 ",
                     score_resolution=4, score_attitude=5, answers={"q1": "好"}, suggestions="培训",
                     improvement="更快", needs="配件", sales_lead=True, competitor="某品牌",
                     at=datetime(2026, 11, 23, 9, 0))
    res = record_attempt(st, a1, "HF202611001", rec)
    cb = _cb(st)
    assert (res.status, res.attempts, res.followups, res.alert_supervisor) == ("completed", 1, [], False)
    assert (cb.reached_name, cb.reached_position, cb.completed_at) == ("王经理", "技术负责人",
                                                                      datetime(2026, 11, 23, 9, 0))
    assert (cb.score_resolution, cb.score_attitude, json.loads(cb.answers)) == (4, 5, {"q1": "好"})
    assert (cb.suggestions, cb.improvement, cb.needs, cb.sales_lead, cb.competitor) == (
        "培训", "更快", "配件", True, "某品牌")
    assert cb.follow_status == "已完成"
    with st.read() as s:
        (att,) = s.exec(select(CallAttempt)).all()
    assert (att.reached_name, att.reached_position, att.outcome) == ("王经理", "技术负责人", "completed")


def test_the_third_failed_attempt_alerts_the_supervisor(st, desk):
    a1, *_ = desk
    for _ in range(2):
        res = record_attempt(st, a1, "HF202611001", CallRecord(outcome="phone_off"))
        assert (res.status, res.alert_supervisor) == ("open", False)
        assert _audits(st, "alert.unreachable") == []
        with st.write() as s:  # make it due again now
            cb = s.exec(select(Callback)).one()
            cb.due_on, cb.next_attempt_at = NOW.date(), None
            s.add(cb)
    res = record_attempt(st, a1, "HF202611001", CallRecord(outcome="no_answer"))
    assert (res.status, res.attempts, res.alert_supervisor) == ("unreachable", 3, True)
    (alert,) = _audits(st, "alert.unreachable")
    assert (alert.entity, alert.entity_id, json.loads(alert.after)) == ("callback", "HF202611001", {"attempts": 3})


def test_wrong_number_flags_only_that_contact(st, desk):
    a1, _, _, cid = desk
    other = add_customer(st, "乙公司")  # its contact is also called 王经理
    with st.write() as s:
        s.add(Contact(customer_id=cid, name="李工", role="采购", phone="13900000000"))
    record_attempt(st, a1, "HF202611001", CallRecord(outcome="wrong_number"))
    with st.read() as s:
        flags = {(c.customer_id, c.name): c.needs_correction for c in s.exec(select(Contact))}
    assert flags == {(cid, "王经理"): True, (cid, "李工"): False, (other, "王经理"): False}


def test_only_this_customers_issues_are_verified(st, desk):
    a1, _, _, cid = desk
    other = add_customer(st, "乙公司")
    with st.write() as s:
        for n, c in (("WT1", cid), ("WT2", other)):
            s.add(Issue(number=n, customer_id=c, title="t", raised_at=NOW, raised_by="x", ack_by=NOW,
                        solve_by=NOW.date(), last_update_at=NOW, status="closed"))
    with st.read() as s:
        ids = {i.number: i.id for i in s.exec(select(Issue))}
    record_attempt(st, a1, "HF202611001", CallRecord(**DONE, verified_issue_ids=[ids["WT1"], ids["WT2"], 999]))
    with st.read() as s:
        verified = {i.number: i.verified_at for i in s.exec(select(Issue))}
        events = [(e.issue_id, e.kind, event_text(e)) for e in s.exec(select(IssueEvent))]
    assert verified == {"WT1": NOW, "WT2": None}
    assert [(i, k) for i, k, _ in events] == [(ids["WT1"], "verified")] and "HF202611001" in events[0][2]


def test_a_stale_version_is_refused(st, desk, monkeypatch):
    """The optimistic guard: someone changed the row between our read and our write."""
    from huifang_tui.services import recording

    a1, *_ = desk
    real = recording.workable

    def read_then_someone_writes(s, actor, number, now, outcome=None):  # noqa: ANN001, ANN202
        cb = real(s, actor, number, now, outcome)
        s.connection().exec_driver_sql("UPDATE callback SET version = version + 1")
        return cb

    from huifang_tui.core.i18n import t

    monkeypatch.setattr(recording, "workable", read_then_someone_writes)
    with pytest.raises(Conflict) as e:
        record_attempt(st, a1, "HF202611001", CallRecord(outcome="no_answer"))
    assert str(e.value) == t("call.changed", number="HF202611001")
    monkeypatch.undo()
    assert _cb(st).attempts == 0


# -- defer and reschedule past the deadline ------------------------------------------------


def test_agents_cannot_defer_past_the_deadline_supervisors_can(st, desk):
    a1, _, sup, _ = desk
    with pytest.raises(Refused, match="2026-11-25"):
        defer(st, a1, "HF202611001", "客户出差", date(2026, 11, 26))
    assert _cb(st).due_on == NOW.date() and _cb(st).deferred_on is None
    assert defer(st, a1, "HF202611001", "客户出差", DEADLINE) == DEADLINE  # up to the deadline itself
    assert defer(st, sup, "HF202611001", "客户要求", date(2026, 12, 7)) == date(2026, 12, 7)
    cb = _cb(st)
    assert (cb.due_on, cb.deferred_reason, cb.deferred_on, cb.version) == (
        date(2026, 12, 7), "客户要求", NOW.date(), 2)
    assert len(_audits(st, "callback.defer")) == 2


def test_defer_defaults_to_the_next_working_day_and_needs_a_reason(st, clock, desk):
    from huifang_tui.core.i18n import t

    a1, *_ = desk
    clock.now = datetime(2026, 11, 20, 16, 0)  # a Friday
    with st.write() as s:
        cb = s.exec(select(Callback)).one()
        cb.due_on = date(2026, 11, 20)
        s.add(cb)
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as e:
            defer(st, a1, "HF202611001", reason)
        assert str(e.value) == t("call.err.defer_reason")
    assert defer(st, a1, "HF202611001", "  客户出差 ") == date(2026, 11, 23)  # Monday
    assert _cb(st).deferred_reason == "客户出差"
    with pytest.raises(ValidationError) as e:  # not a move into the past either
        defer(st, a1, "HF202611001", "理由", date(2026, 11, 19))
    assert str(e.value) == t("call.err.defer_past", day="2026-11-19")
    (entry,) = _audits(st, "callback.defer")
    assert (entry.login, entry.entity, entry.entity_id) == ("agent1", "callback", "HF202611001")
    assert (json.loads(entry.before)["due_on"], json.loads(entry.after)["due_on"]) == ("2026-11-20", "2026-11-23")


def test_agents_cannot_reschedule_past_the_deadline_supervisors_can(st, desk):
    a1, _, sup, _ = desk
    late = datetime(2026, 11, 26, 9, 0)
    with pytest.raises(Refused, match="主管") as refused:
        record_attempt(st, a1, "HF202611001", CallRecord(outcome="reschedule", to=late))
    assert "2026-11-25 23:59" in str(refused.value)  # the message names the deadline
    cb = _cb(st)
    assert (cb.due_on, cb.next_attempt_at, cb.version) == (NOW.date(), None, 0)
    with st.read() as s:
        assert s.exec(select(CallAttempt)).all() == []
    last = datetime(2026, 11, 25, 17, 29)  # the deadline day's last working minute is allowed
    res = record_attempt(st, a1, "HF202611001", CallRecord(outcome="reschedule", to=last))
    assert (res.status, res.attempts, res.due_on, res.next_attempt_at) == ("open", 0, DEADLINE, last)
    res = record_attempt(st, sup, "HF202611001", CallRecord(outcome="reschedule", to=late))
    assert (res.due_on, res.next_attempt_at) == (late.date(), late)
    with st.read() as s:
        assert [a.rescheduled_to for a in s.exec(select(CallAttempt).order_by(CallAttempt.id))] == [last, late]


# -- complaints go to 总经理 at once -----------------------------------------------------------


def test_a_complaint_is_raised_at_level_2_with_an_escalation_event(st, desk):
    a1, *_ = desk
    issue = raise_issue(st, a1, "HF202611001", title=" 设备噪音大 ", is_complaint=True, priority="urgent",
                        category="product", description=" 描述 ")
    assert (issue.level, issue.is_complaint, issue.title, issue.description) == (2, True, "设备噪音大", "描述")
    assert issue.number == "WT202611001" and issue.raised_by == "agent1"
    assert (issue.ack_by, issue.solve_by) == (datetime(2026, 11, 23, 11, 30), date(2026, 11, 24))
    with st.read() as s:
        kinds = [e.kind for e in s.exec(select(IssueEvent).where(IssueEvent.issue_id == issue.id))]
    assert kinds == ["raised", "escalated"]
    assert len(_audits(st, "issue.raise")) == 1


def test_an_ordinary_issue_starts_with_its_owner(st, desk):
    a1, *_ = desk
    issue = raise_issue(st, a1, "HF202611001", title="希望提供培训")
    assert (issue.level, issue.is_complaint, issue.priority, issue.category) == (0, False, "normal", "other")
    assert issue.ack_by == datetime(2026, 11, 24, 9, 30) and issue.solve_by == date(2026, 11, 26)
    with st.read() as s:
        assert [e.kind for e in s.exec(select(IssueEvent))] == ["raised"]


@pytest.mark.parametrize("kw", [
    dict(title="  "), dict(title="t", category="money"), dict(title="t", priority="critical"),
])
def test_raise_issue_refuses_bad_input(st, desk, kw):
    a1, *_ = desk
    with pytest.raises(ServiceError):
        raise_issue(st, a1, "HF202611001", **kw)
    with st.read() as s:
        assert s.exec(select(Issue)).all() == []


# -- drafts -----------------------------------------------------------------------------------


def test_a_draft_is_offered_back_per_login_and_dropped_by_the_outcome(st, clock, desk):
    a1, _, sup, _ = desk
    cb_id = _cb(st).id
    save_draft(st, a1, cb_id, {"suggestions": "希望提供培训", "score_resolution": 4})
    assert open_call(st, a1, "HF202611001").draft == {"suggestions": "希望提供培训", "score_resolution": 4}
    release(st, a1, "HF202611001")
    assert open_call(st, sup, "HF202611001").draft is None  # drafts belong to one login
    release(st, sup, "HF202611001")
    clock.advance(minutes=1)
    save_draft(st, a1, cb_id, {"suggestions": "希望提供培训", "score_resolution": 4})  # unchanged
    with st.read() as s:
        (row,) = s.exec(select(CallDraft)).all()
    assert row.updated_at == NOW
    save_draft(st, a1, cb_id, {"suggestions": "培训"})
    with st.read() as s:
        (row,) = s.exec(select(CallDraft)).all()
    assert row.updated_at == clock.now and json.loads(row.data) == {"suggestions": "培训"}
    save_draft(st, sup, cb_id, {"note": "主管的"})
    record_attempt(st, a1, "HF202611001", CallRecord(outcome="no_answer"))
    with st.read() as s:
        assert [d.login for d in s.exec(select(CallDraft))] == ["sup1"]  # only the recorder's goes


def test_drafts_of_two_callbacks_are_kept_apart_and_key_order_is_no_change(st, clock, desk):
    a1, _, _, cid = desk
    other = add_callback(st, cid, "HF202611002", kind="usage", trigger="wo:b", deadline_on=DEADLINE)
    first = _cb(st).id
    save_draft(st, a1, first, {"a": "一", "b": "二"})
    save_draft(st, a1, other, {"note": "另一个"})
    clock.advance(minutes=1)
    save_draft(st, a1, first, {"b": "二", "a": "一"})  # the same draft, typed in another order
    with st.read() as s:
        rows = {d.callback_id: (json.loads(d.data), d.updated_at) for d in s.exec(select(CallDraft))}
    assert rows == {first: ({"a": "一", "b": "二"}, NOW), other: ({"note": "另一个"}, NOW)}


def test_discarding_a_draft(st, desk):
    a1, *_ = desk
    cb_id = _cb(st).id
    save_draft(st, a1, cb_id, {"note": "x"})
    discard_draft(st, a1, cb_id)
    discard_draft(st, a1, cb_id)  # nothing left: no error
    assert open_call(st, a1, "HF202611001").draft is None


# -- one call per customer -------------------------------------------------------------------


def test_one_customers_callbacks_sit_together_in_the_queue(st, desk):
    a1, _, _, cid = desk  # HF202611001: deadline 11-25
    other = add_customer(st, "乙公司")
    add_callback(st, other, "HF202611002", deadline_on=date(2026, 11, 24))
    add_callback(st, cid, "HF202611003", kind="usage", trigger="wo:b", deadline_on=date(2026, 12, 20))
    add_callback(st, other, "HF202611004", kind="usage", trigger="wo:c", deadline_on=date(2026, 12, 21))
    rows = queue_rows(st, a1, NOW.date())
    assert [r.number for r in rows] == ["HF202611002", "HF202611004", "HF202611001", "HF202611003"]
    assert [r.group for r in rows] == [0, 0, 1, 1]


def test_the_call_covers_the_customers_other_open_phone_callbacks_due_by_then(st, desk):
    a1, _, _, cid = desk
    add_callback(st, cid, "HF202611002", kind="usage", trigger="wo:b", due_on=date(2026, 11, 20),
                 deadline_on=date(2026, 12, 20), priority=5)
    add_callback(st, cid, "HF202611003", kind="quarterly", trigger="cb:c", priority=1,
                 deadline_on=date(2026, 12, 20))
    add_callback(st, cid, "HF202611004", kind="nm_inactive", trigger="x:d", due_on=date(2026, 11, 24),
                 deadline_on=date(2026, 12, 20))  # due tomorrow: not today's call
    add_callback(st, cid, "HF202611005", kind="onsite", trigger="x:e", deadline_on=date(2026, 12, 20))
    add_callback(st, cid, "HF202611006", kind="usage", trigger="x:f", deadline_on=date(2026, 12, 20))
    with st.write() as s:
        for cb in s.exec(select(Callback).where(Callback.number.in_(("HF202611005", "HF202611006")))):
            if cb.number == "HF202611005":
                cb.channel = "onsite"  # a visit, not a phone call
            else:
                cb.status = "completed"
            s.add(cb)
    view = open_call(st, a1, "HF202611001")
    assert [c.number for c in view.same_day] == ["HF202611003", "HF202611002"]  # by priority


# -- the low-score follow-up: within 24 hours ------------------------------------------------


@pytest.mark.parametrize("scores, negative, low", [
    ((2, 5), False, True),
    ((5, 2), False, True),
    ((3, 3), False, False),  # 003 四: below 3 is low; 3 itself is not
    ((5, 5), True, True),  # negative feedback alone
])
def test_low_score_follow_up_within_24_hours(st, desk, scores, negative, low):
    a1, *_ = desk
    with st.write() as s:
        s.add(Setting(key="followup_login", value="sup1"))
    at = datetime(2026, 11, 23, 9, 15)
    res = record_attempt(st, a1, "HF202611001", CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=scores[0], score_attitude=scores[1],
        negative_feedback=negative, at=at))
    if not low:
        assert res.followups == []
        return
    (number,) = res.followups
    f = _cb(st, number)
    assert (f.kind, f.trigger_ref, f.assignee, f.agent_login, f.priority) == (
        "low_score", "cb:HF202611001", "followup", "sup1", 0)
    assert (f.due_on, f.deadline_at, f.deadline_on) == (at.date(), at + timedelta(hours=24), date(2026, 11, 24))
    assert f.status == "open" and f.contact_name == "王经理"


def test_low_score_follow_up_without_a_followup_login_waits_for_supervisors(st, desk):
    a1, _, sup, _ = desk
    res = record_attempt(st, a1, "HF202611001", CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=1, score_attitude=1))
    f = _cb(st, res.followups[0])
    assert f.agent_login is None and f.assignee == "followup"
    assert [r.number for r in queue_rows(st, sup, NOW.date())] == [f.number]
    assert queue_rows(st, a1, NOW.date()) == []


# -- the planner's history horizon (45 days) -------------------------------------------------


def _planned(store: Store) -> set[tuple[str, str]]:
    with store.read() as s:
        return {(c.kind, c.trigger_ref) for c in s.exec(select(Callback))}


def test_history_older_than_the_horizon_plans_nothing(st):
    # NOW 2026-11-23 − 45 days = 2026-10-09, the horizon
    add_user(st, "agent1")
    cid = add_customer(st, "甲公司")
    nm = add_customer(st, "乙公司", member=False)
    with st.write() as s:
        for num, done in (("W-IN", datetime(2026, 9, 29, 17)),  # completion deadline 10-09: kept
                          ("W-OUT", datetime(2026, 9, 28, 17))):  # deadline 10-08: too old
            s.add(WorkOrder(number=num, customer_id=cid, service_type="consult",
                            actual_completion=done, updated_at=NOW))
        s.add(Sale(contract_no="S-IN", customer_id=cid, sold_on=date(2026, 9, 9)))  # deadline 10-09
        s.add(Sale(contract_no="S-OUT", customer_id=cid, sold_on=date(2026, 9, 8)))  # deadline 10-08
        s.add(NonMemberEvent(customer_id=nm, kind="registration", occurred_on=date(2026, 10, 9)))
        s.add(NonMemberEvent(customer_id=nm, kind="inquiry", occurred_on=date(2026, 10, 8)))
    run_planner(st)
    assert _planned(st) == {("completion", "wo:W-IN"), ("first_sale", "sale:S-IN"),
                            ("nm_new", "reg:2026-10-09")}


def test_a_progress_check_an_agent_has_open_is_not_cancelled_under_them(st, clock):
    agent = add_user(st, "agent1")
    cid = add_customer(st, "甲公司")
    with st.write() as s:
        s.add(WorkOrder(number="W1", customer_id=cid, service_type="consult",
                        planned_completion=datetime(2026, 11, 19, 18), updated_at=NOW))
    run_planner(st)
    (pc,) = [c for c in _all(st) if c.kind == "progress_check"]
    open_call(st, agent, pc.number)
    with st.write() as s:
        wo = s.exec(select(WorkOrder)).one()
        wo.actual_completion, wo.updated_at = datetime(2026, 11, 23, 9), NOW
        s.add(wo)
    assert run_planner(st).cancelled == 0
    assert _cb(st, pc.number).status == "open"
    clock.advance(minutes=11)  # the claim went stale: now it is moot
    assert run_planner(st).cancelled == 1
    assert _cb(st, pc.number).status == "cancelled"


def _all(store: Store) -> list[Callback]:
    with store.read() as s:
        return list(s.exec(select(Callback)))


# -- assigning pool work -----------------------------------------------------------------------


def test_only_supervisors_assign_and_only_to_active_logins(st, desk):
    a1, a2, sup, _ = desk
    with pytest.raises(PermissionDenied):
        assign(st, a1, "HF202611001", "agent2")
    with pytest.raises(NotFound, match="nobody"):
        assign(st, sup, "HF202611001", "nobody")
    with st.write() as s:
        s.exec(select(User).where(User.login == "agent2")).one().active = False
    with pytest.raises(ValidationError, match="agent2"):  # named as disabled (issue 22 §15)
        assign(st, sup, "HF202611001", "agent2")
    assert assign(st, sup, "HF202611001", "agent1").agent_login == "agent1"
    assert assign(st, sup, "HF202611001", None).agent_login is None
    cb = _cb(st)
    assert (cb.agent_login, cb.version, cb.updated_at) == (None, 2, NOW)
    entries = _audits(st, "callback.assign")
    assert [(e.login, e.entity, e.entity_id) for e in entries] == [("sup1", "callback", "HF202611001")] * 2
    # the audit keeps what changed only (issue 21): agent1 → agent1 changed the version alone
    assert [json.loads(e.after).get("agent_login", "same") for e in entries] == ["same", None]
    assert [json.loads(e.before).get("agent_login", "same") for e in entries] == ["same", "agent1"]
    assert [json.loads(e.after)["version"] for e in entries] == [1, 2]


# -- day close ---------------------------------------------------------------------------------


def test_day_close_needs_every_item_touched_and_happens_once(st, desk):
    a1, *_ = desk
    day = NOW.date()
    assert [r.number for r in untouched(st, a1, day)] == ["HF202611001"]
    with pytest.raises(DayCloseRefused):
        close_day(st, a1, day)
    assert not is_closed(st, "agent1", day)
    record_attempt(st, a1, "HF202611001", CallRecord(outcome="busy"))  # still due today, but tried
    assert untouched(st, a1, day) == []
    summary = close_day(st, a1, day)
    assert (summary.due, summary.completed) == (1, 0) and is_closed(st, "agent1", day)
    with pytest.raises(Conflict):
        close_day(st, a1, day)


def test_service_errors_are_one_family():
    assert issubclass(ValidationError, ServiceError) and issubclass(DayCloseRefused, ServiceError)


# -- queue rows as lists and --json show them (SPEC §6: phones masked) ---------------------------


@pytest.mark.parametrize("phone, masked", [
    ("13812345678", "138****5678"),
    ("138-1234-5678", "138****5678"),  # separators do not leak digits
    ("0571-8888888", "0571****8888"),  # issue 12: a landline keeps its area code and the last 4
    ("1234567", "****4567"),  # a local number without area code: the last 4 only
    ("123456", "****56"),
    ("123", "*23"),
    ("12", "**"),
    ("", ""),
])
def test_phones_are_masked_in_lists(phone, masked):
    from huifang_tui.domain.masking import mask_phone

    assert mask_phone(phone) == masked


def test_queue_row_json_keys_and_values(st, desk):
    a1, *_ = desk
    add_callback(st, add_customer(st, "乙公司", phone="13900001111"), "HF202611002", kind="low_score",
                 priority=0, deadline_on=date(2026, 11, 24))
    with st.write() as s:
        cb = s.exec(select(Callback).where(Callback.number == "HF202611002")).one()
        cb.deadline_at, cb.next_attempt_at = datetime(2026, 11, 24, 9, 15), datetime(2026, 11, 23, 11, 0)
        s.add(cb)
    rows = queue_rows(st, a1, NOW.date())
    assert [r.as_json() for r in rows] == [
        {"number": "HF202611002", "kind": "low_score", "customer": "乙公司", "contact": "王经理",
         "phone": "139****1111", "due_on": "2026-11-23", "deadline": "2026-11-24T09:15", "overdue": False,
         "attempts": 0, "status": "open", "agent": "agent1", "assignee": "agent", "priority": 0,
         "estimated": False, "next_attempt_at": "2026-11-23T11:00"},
        {"number": "HF202611001", "kind": "completion", "customer": "杭州恒达机械有限公司", "contact": "王经理",
         "phone": "138****5678", "due_on": "2026-11-23", "deadline": "2026-11-25", "overdue": False,
         "attempts": 0, "status": "open", "agent": "agent1", "assignee": "agent", "priority": 20,
         "estimated": False, "next_attempt_at": None},
    ]
    assert [r.group for r in rows] == [0, 1]


# -- whose queue one may see; what the progress line counts (SPEC §4) ----------------------------


def test_agents_see_only_their_own_queue(st, desk):
    a1, a2, sup, _ = desk
    with pytest.raises(PermissionDenied):
        queue_rows(st, a1, NOW.date(), agent="agent2")
    with pytest.raises(PermissionDenied):
        queue_rows(st, a1, NOW.date(), all_agents=True)
    assert queue_rows(st, a2, NOW.date()) == []
    assert [r.number for r in queue_rows(st, a1, NOW.date(), agent="agent1")] == ["HF202611001"]
    assert [r.number for r in queue_rows(st, sup, NOW.date(), agent="agent1")] == ["HF202611001"]
    assert [r.number for r in queue_rows(st, sup, NOW.date(), all_agents=True)] == ["HF202611001"]
    assert queue_rows(st, sup, NOW.date()) == []  # agent1's own work is not the supervisor's queue


def test_progress_counts_hour_deadlines_and_the_unreachable_alert(st, clock, desk):
    from huifang_tui.services.queue import queue_progress

    a1, _, sup, cid = desk
    add_callback(st, cid, "HF202611002", kind="low_score", priority=0, deadline_on=NOW.date())
    with st.write() as s:
        cb = s.exec(select(Callback).where(Callback.number == "HF202611002")).one()
        cb.deadline_at = datetime(2026, 11, 23, 9, 0)  # its 24 h ran out half an hour ago
        s.add(cb)
    p = queue_progress(st, a1, NOW.date())
    assert (p.done_today, p.due_today, p.overdue, p.unreachable) == (0, 2, 1, 0)
    with st.write() as s:
        cb = s.exec(select(Callback).where(Callback.number == "HF202611001")).one()
        cb.attempts = 2
        s.add(cb)
    record_attempt(st, a1, "HF202611001", CallRecord(outcome="no_answer"))
    p = queue_progress(st, a1, NOW.date())
    # one call covers the customer's other callback too (SPEC §3): neither is still due today and
    # neither was completed, yet both were tried today, so they stay in the day's due (issue 25
    # item 1; the day read 0/0 before)
    assert (p.done_today, p.due_today, p.attempted, p.left, p.unreachable) == (0, 2, 2, 0, 0)  # no alert count
    assert queue_progress(st, sup, NOW.date()).unreachable >= 1
    clock.advance(days=8)  # SPEC §3 alert: counted for a week
    assert queue_progress(st, sup, clock.now.date()).unreachable == 0


# -- annual visits (000 二.3, §4.10) ---------------------------------------------------------------


def test_annual_visits_are_planned_by_supervisors_for_key_customers_only(st, desk):
    from huifang_tui.services.planner import plan_annual_visit

    a1, _, sup, _ = desk
    add_customer(st, "重要客户公司", tier="key")
    with pytest.raises(PermissionDenied):
        plan_annual_visit(st, a1, "重要客户公司", date(2026, 12, 1))
    with pytest.raises(NotFound):
        plan_annual_visit(st, sup, "不存在公司", date(2026, 12, 1))
    with pytest.raises(ServiceError):  # a standard customer gets no annual visit
        plan_annual_visit(st, sup, "杭州恒达机械有限公司", date(2026, 12, 1))
    with pytest.raises(ServiceError):  # 每年1-2次
        plan_annual_visit(st, sup, "重要客户公司", date(2026, 12, 1), 3)
    number = plan_annual_visit(st, sup, "重要客户公司", date(2026, 12, 1), 2)
    cb = _cb(st, number)
    assert (cb.kind, cb.trigger_ref, cb.assignee, cb.agent_login, cb.channel) == (
        "annual_visit", "annual:2026-2", "sales_manager", None, "onsite")
    with pytest.raises(ServiceError):  # the same visit twice
        plan_annual_visit(st, sup, "重要客户公司", date(2026, 12, 8), 2)


@pytest.mark.parametrize("category", ["product", "service", "need", "other"])
@pytest.mark.parametrize("priority", ["urgent", "normal", "low"])
def test_every_issue_category_and_priority_is_accepted(st, desk, category, priority):
    a1, *_ = desk
    issue = raise_issue(st, a1, "HF202611001", title="问题", category=category, priority=priority)
    with st.read() as s:
        row = s.exec(select(Issue)).one()
    assert (row.number, row.category, row.priority) == (issue.number, category, priority)


def test_a_raised_issue_is_stored_with_its_call_and_its_history(st, desk):

    a1, *_ = desk
    issue = raise_issue(st, a1, "HF202611001", title=" 设备噪音大 ", is_complaint=True)
    with st.read() as s:
        row = s.exec(select(Issue)).one()
        events = [(e.kind, event_text(e), e.login, e.at) for e in s.exec(select(IssueEvent).order_by(IssueEvent.id))]
    assert (row.callback_id, row.customer_id, row.priority, row.description) == (
        _cb(st).id, _cb(st).customer_id, "normal", "")
    assert (row.owner_login, row.last_update_at, row.raised_at, row.level) == (None, NOW, NOW, 2)
    assert events[0] == ("raised", "设备噪音大", "agent1", NOW)
    assert events[1][0] == "escalated" and "总经理" in events[1][1] and events[1][3] == NOW
    (entry,) = _audits(st, "issue.raise")
    assert (entry.entity, entry.entity_id, json.loads(entry.after)["number"]) == ("issue", issue.number, issue.number)


def test_raise_issue_refusals_name_the_value(st, desk):

    a1, *_ = desk
    with pytest.raises(ServiceError) as e:
        raise_issue(st, a1, "HF202611001", title=" ")
    assert str(e.value)
    with pytest.raises(ServiceError, match="money"):
        raise_issue(st, a1, "HF202611001", title="t", category="money")
    with pytest.raises(ServiceError, match="critical"):
        raise_issue(st, a1, "HF202611001", title="t", priority="critical")


def test_an_hour_deadline_limits_rescheduling_to_that_hour(st, desk):
    a1, _, _, cid = desk
    add_callback(st, cid, "HF202611002", kind="low_score", priority=0)
    with st.write() as s:
        cb = s.exec(select(Callback).where(Callback.number == "HF202611002")).one()
        cb.deadline_at = datetime(2026, 11, 23, 16, 0)  # 003 四: the 24 h end at 16:00 today
        s.add(cb)
    with pytest.raises(ServiceError, match="16:00"):
        record_attempt(st, a1, "HF202611002", CallRecord(outcome="reschedule", to=datetime(2026, 11, 23, 16, 30)))
    res = record_attempt(st, a1, "HF202611002", CallRecord(outcome="reschedule", to=datetime(2026, 11, 23, 16, 0)))
    assert res.next_attempt_at == datetime(2026, 11, 23, 16, 0)


def test_recording_drops_only_this_calls_drafts(st, desk):
    a1, *_ = desk
    other = add_callback(st, add_customer(st, "乙公司"), "HF202611002", deadline_on=DEADLINE)
    save_draft(st, a1, other, {"note": "另一个"})
    save_draft(st, a1, _cb(st).id, {"note": "这一个"})
    record_attempt(st, a1, "HF202611001", CallRecord(outcome="no_answer"))
    with st.read() as s:
        assert [(d.callback_id, d.login) for d in s.exec(select(CallDraft))] == [(other, "agent1")]


def test_recording_keeps_another_logins_draft_of_the_same_callback(st, desk):
    a1, _, sup, _ = desk
    save_draft(st, sup, _cb(st).id, {"note": "主管先写的"})  # the older row
    save_draft(st, a1, _cb(st).id, {"note": "坐席的"})
    record_attempt(st, a1, "HF202611001", CallRecord(outcome="no_answer"))
    with st.read() as s:
        assert [(d.login, json.loads(d.data)) for d in s.exec(select(CallDraft))] == [("sup1", {"note": "主管先写的"})]
