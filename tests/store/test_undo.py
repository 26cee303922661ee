"""Issue 16 item 3: the author undoes the last outcome within undo_minutes; what it created and
nobody touched is cancelled; everything is audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from huifang_tui.core.errors import Refused
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.undo import undo_last
from huifang_tui.store.models import AuditEntry, CallAttempt, Callback

from conftest import NOW
from factories import add_callback, add_customer, add_user


@pytest.fixture
def desk(store):
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001", kind="completion", trigger="wo:SX202611001",
                 deadline_on=date(2026, 11, 25))
    return store, agent, sup


def _cb(store, number="HF202611001") -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


def test_undo_puts_a_retry_back(desk):
    store, agent, _ = desk
    before = _cb(store)
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
    assert _cb(store).attempts == 1 and _cb(store).next_attempt_at is not None
    store.clock = lambda: NOW + timedelta(minutes=9)
    res = undo_last(store, agent, "HF202611001")
    cb = _cb(store)
    assert (res.status, cb.status, cb.attempts, cb.next_attempt_at, cb.outcome, cb.due_on) == \
        ("open", "open", 0, None, before.outcome, before.due_on)
    with store.read() as s:
        assert s.exec(select(CallAttempt)).all() == []
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "callback.undo")).one().login == "agent1"


def test_undo_completion_cancels_the_untouched_followup(desk):
    store, agent, _ = desk
    rec = CallRecord(outcome="completed", reached_name="王经理", score_resolution=2, score_attitude=4)
    res = record_attempt(store, agent, "HF202611001", rec)
    assert res.followups  # SPEC §3 low_score: a score under 3 calls for a follow-up
    undone = undo_last(store, agent)  # no number: the agent's own last outcome
    cb = _cb(store)
    assert (cb.status, cb.score_resolution, cb.score_attitude, cb.completed_at) == ("open", None, None, None)
    assert undone.cancelled == res.followups and undone.kept == []
    for number in res.followups:
        assert _cb(store, number).status == "cancelled"
    with store.read() as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "callback.cancel_undone")).all()


def test_undo_too_late_is_refused(desk):
    store, agent, _ = desk
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
    store.clock = lambda: NOW + timedelta(minutes=11)  # policy.toml undo_minutes = 10
    with pytest.raises(Refused, match="10 分钟"):
        undo_last(store, agent, "HF202611001")
    assert _cb(store).attempts == 1


def test_undo_by_someone_else_is_refused(desk):
    store, agent, sup = desk
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="refused", reason="客户不需要回访"))
    with pytest.raises(Refused, match="记录人本人"):
        undo_last(store, sup, "HF202611001")
    assert _cb(store).status == "refused"


def test_undo_keeps_a_followup_already_worked(desk):
    store, agent, sup = desk
    res = record_attempt(store, agent, "HF202611001", CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=2, score_attitude=4))
    with store.write() as s:  # someone already called the follow-up
        f = s.exec(select(Callback).where(Callback.number == res.followups[0])).one()
        f.attempts = 1
        s.add(f)
    undone = undo_last(store, agent, "HF202611001")
    assert undone.kept == [res.followups[0]] and _cb(store, res.followups[0]).status == "open"


def test_policy_reads_undo_minutes():
    from huifang_tui.domain.policy import Policy, PolicyError

    assert Policy().undo_minutes == 10
    assert Policy.from_mapping({"undo_minutes": 5}).undo_minutes == 5
    with pytest.raises(PolicyError, match="undo_minutes"):
        Policy.from_mapping({"undo_minutes": 0})


def test_undo_wrong_number_clears_the_contact_flag_it_set(desk):
    from huifang_tui.store.models import Contact

    store, agent, _ = desk
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="wrong_number"))
    with store.read() as s:
        assert s.exec(select(Contact)).one().needs_correction
    undo_last(store, agent, "HF202611001")
    assert _cb(store).status == "open"
    with store.read() as s:
        assert not s.exec(select(Contact)).one().needs_correction
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "contact.unflag_undone")).one()
