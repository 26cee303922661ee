"""Entering an ad-hoc record and editing a record in the summary form (issue 11 §2)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from conftest import NOW
from factories import add_callback, add_customer, add_user
from sqlmodel import select

from huifang_tui.domain.kpi import Month
from huifang_tui.core.errors import MonthLocked, PermissionDenied
from huifang_tui.services import report as rsvc
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.record_form import (
    FormError,
    RecordInput,
    edit_record,
    enter_adhoc,
    load_record,
)
from huifang_tui.store.models import AuditEntry, Callback


@pytest.fixture
def setup(store):
    sup = add_user(store, "sup", "supervisor")
    a1 = add_user(store, "agent1", "agent")
    a2 = add_user(store, "agent2", "agent")
    c = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, c, "HF202611001", kind="first_sale", due_on=date(2026, 11, 20), deadline_on=date(2026, 11, 27))
    record_attempt(store, a1, "HF202611001", CallRecord(
        outcome="completed", at=NOW - timedelta(minutes=5), reached_name="王经理",
        score_resolution=2, score_attitude=4))
    return {"sup": sup, "a1": a1, "a2": a2}


def _open_followups(store, number):
    with store.read() as s:
        return {(c.kind, c.status) for c in s.exec(select(Callback).where(Callback.trigger_ref == f"cb:{number}"))}


def test_edit_reruns_the_rules(store, setup):
    # the low score created a low_score follow-up and the first sale its quarterly link
    assert _open_followups(store, "HF202611001") == {("low_score", "open"), ("quarterly", "open")}
    inp = load_record(store, setup["a1"], "HF202611001")
    inp.score_resolution = 4  # not low any more
    res = edit_record(store, setup["a1"], "HF202611001", inp)
    # only the follow-up the score concerned goes; the quarterly link stays as it was planned
    assert len(res.cancelled) == 1 and res.created == []
    with store.read() as s:
        cancelled = s.exec(select(Callback).where(Callback.number.in_(res.cancelled))).all()
        assert {c.status for c in cancelled} == {"cancelled"}
        assert all(c.deferred_reason == "edited" for c in cancelled)
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "callback.edit")).one().login == "agent1"
    assert _open_followups(store, "HF202611001") == {("quarterly", "open")}
    # and back to a low score: the follow-up comes again
    inp.score_attitude = 1
    res = edit_record(store, setup["sup"], "HF202611001", inp)
    assert _open_followups(store, "HF202611001") == {("low_score", "open"), ("quarterly", "open")}


def test_only_the_author_in_time_or_a_supervisor_edits(store, setup):
    inp = load_record(store, setup["sup"], "HF202611001")
    with pytest.raises(PermissionDenied):
        edit_record(store, setup["a2"], "HF202611001", inp)
    store.clock = lambda: NOW + timedelta(minutes=31)  # policy edit_minutes = 30 after entering
    with pytest.raises(PermissionDenied):
        edit_record(store, setup["a1"], "HF202611001", inp)
    edit_record(store, setup["sup"], "HF202611001", inp)


def test_form_validation_names_the_field(store, setup):
    inp = load_record(store, setup["a1"], "HF202611001")
    inp.score_attitude = 6
    with pytest.raises(FormError) as e:
        edit_record(store, setup["a1"], "HF202611001", inp)
    assert e.value.field == "score_attitude"
    inp.score_attitude, inp.channel = 4, "fax"
    with pytest.raises(FormError) as e:
        edit_record(store, setup["a1"], "HF202611001", inp)
    assert e.value.field == "channel"


def test_adhoc_record_counts_in_its_month(store, setup):
    number = enter_adhoc(store, setup["a1"], RecordInput(
        completed_at=datetime(2026, 11, 10, 15), channel="onsite", customer="杭州恒达机械有限公司",
        reached_name="李工", reached_position="设备主管", score_resolution=5, score_attitude=5))
    with store.read() as s:
        cb = s.exec(select(Callback).where(Callback.number == number)).one()
    assert (cb.kind, cb.trigger_ref, cb.channel, cb.status) == ("adhoc", f"adhoc:{number}", "onsite", "completed")
    assert cb.due_on == cb.deadline_on == date(2026, 11, 10)
    rep = rsvc.monthly_report(store, setup["sup"], Month(2026, 11))
    line = next(r for r in rep.records if r.number == number)
    assert line.kind == "adhoc" and line.channel == "onsite" and line.late_entry  # entered 11-23 for 11-10
    assert rep.agents["agent1"]["completed"] == 2 and rep.agents["agent1"]["late_entries"] == 1
    with pytest.raises(FormError) as e:
        enter_adhoc(store, setup["a1"], RecordInput(completed_at=datetime(2026, 11, 10, 15), customer="没有的公司",
                                                    reached_name="李工", score_resolution=5, score_attitude=5))
    assert e.value.field == "customer"
    with pytest.raises(PermissionDenied):
        enter_adhoc(store, setup["a1"], RecordInput(completed_at=datetime(2026, 11, 10, 15), agent="agent2",
                                                    customer="杭州恒达机械有限公司", reached_name="李工",
                                                    score_resolution=5, score_attitude=5))


def test_no_edit_or_adhoc_dated_in_an_approved_month(store, setup):
    store.clock = lambda: datetime(2026, 12, 1, 9)  # approval opens once the month is over
    rsvc.approve(store, setup["sup"], Month(2026, 11))
    inp = load_record(store, setup["sup"], "HF202611001")
    inp.improvement = "已反馈产品部门"
    with pytest.raises(MonthLocked):
        edit_record(store, setup["sup"], "HF202611001", inp)
    with pytest.raises(MonthLocked):
        enter_adhoc(store, setup["a1"], RecordInput(completed_at=datetime(2026, 11, 10, 15),
                                                    customer="杭州恒达机械有限公司", reached_name="李工",
                                                    score_resolution=5, score_attitude=5))
