"""Issue 21 §3, bounded writes: a person cannot fill the store. Notes and reasons have a length
limit at every door; each attempt keeps its own note; audit rows hold what changed only;
refusals are counted per login, action and minute; the board warns of a filling disk."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlmodel import select

from huifang_tui.domain.limits import (
    ARG_MAX, DISK_MIN_FREE_BYTES, DISK_MIN_FREE_RATIO, DRAFT_MAX, REFUSALS_KEPT, TEXT_MAX,
)
from huifang_tui.core.errors import PermissionDenied, ServiceError, ValidationError
from huifang_tui.services import alerts as alerts_svc
from huifang_tui.services import board as board_svc
from huifang_tui.services.base import Store, changes
from huifang_tui.services.audit_log import audit_log
from huifang_tui.services.board import board
from huifang_tui.services.drafts import save_draft
from huifang_tui.services.issues import add_note, raise_issue
from huifang_tui.services.record_form import RecordInput, enter_adhoc
from huifang_tui.services.recording import CallRecord, callback_notes, defer, record_attempt
from huifang_tui.services.stale import lapse
from huifang_tui.services.undo import undo_last
from huifang_tui.store import db, migrate
from huifang_tui.store.models import AuditEntry, CallAttempt, Callback

from conftest import NOW
from factories import add_callback, add_customer, add_user

BIG = "长" * 100_000  # a 100 KB note


@pytest.fixture
def desk(store):
    agent = add_user(store, "agent1", "agent")
    sup = add_user(store, "sup1", "supervisor")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001", deadline_on=date(2026, 12, 31))
    old = add_customer(store, "绍兴恒泰化工")
    add_callback(store, old, "HF202609001", due_on=date(2026, 9, 1), deadline_on=date(2026, 9, 10))
    return store, agent, sup


def _cb(store, number="HF202611001") -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


def _audits(store, action: str) -> list[AuditEntry]:
    with store.read() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


# -- limits -------------------------------------------------------------------------------------


def test_a_100kb_note_is_refused_naming_the_field_and_the_limit(desk):
    store, agent, _ = desk
    with pytest.raises(ValidationError) as e:
        record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer", note=BIG))
    assert "备注" in str(e.value) and f"{TEXT_MAX}" in str(e.value) and "100000" in str(e.value)
    cb = _cb(store)
    assert (cb.attempts, cb.note) == (0, "")
    with store.read() as s:
        assert s.exec(select(CallAttempt)).all() == []
    # exactly at the limit goes through
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer", note="记" * TEXT_MAX))
    assert _cb(store).attempts == 1


@pytest.mark.parametrize("field", ["suggestions", "improvement", "needs", "competitor"])
def test_every_text_of_a_completion_is_bounded(desk, field):
    store, agent, _ = desk
    rec = CallRecord(outcome="completed", reached_name="王经理", score_resolution=4, score_attitude=5,
                     **{field: "x" * (TEXT_MAX + 1)})
    with pytest.raises(ValidationError, match=str(TEXT_MAX)):
        record_attempt(store, agent, "HF202611001", rec)
    with pytest.raises(ValidationError, match="接听人"):
        record_attempt(store, agent, "HF202611001", CallRecord(
            outcome="completed", reached_name="王" * 5000, score_resolution=4, score_attitude=5))
    with pytest.raises(ValidationError, match="话术回答"):
        record_attempt(store, agent, "HF202611001", CallRecord(
            outcome="completed", reached_name="王经理", score_resolution=4, score_attitude=5,
            answers={"q1": "y" * (TEXT_MAX + 1)}))


def test_reasons_notes_and_drafts_are_bounded_at_every_door(desk):
    store, agent, sup = desk
    too_long = "因" * (TEXT_MAX + 1)
    with pytest.raises(ValidationError, match="原因"):
        defer(store, agent, "HF202611001", too_long)
    with pytest.raises(ValidationError, match="原因"):
        lapse(store, sup, ["HF202609001"], too_long)
    assert _cb(store, "HF202609001").status == "open"
    with pytest.raises(ServiceError, match="问题描述"):
        raise_issue(store, agent, "HF202611001", title="噪音", description=too_long)
    with pytest.raises(ServiceError, match="问题标题"):
        raise_issue(store, agent, "HF202611001", title="题" * 1000)
    issue = raise_issue(store, agent, "HF202611001", title="噪音")
    with pytest.raises(ServiceError, match="备注"):
        add_note(store, agent, issue.number, too_long)
    with pytest.raises(ServiceError, match="客户意见与建议"):
        enter_adhoc(store, agent, RecordInput(completed_at=NOW, reached_name="王经理", score_resolution=4,
                                              score_attitude=4, suggestions=too_long, customer="杭州恒达机械有限公司"))
    with pytest.raises(ValidationError, match="草稿"):
        save_draft(store, agent, _cb(store).id, {"note": "x" * DRAFT_MAX})
    save_draft(store, agent, _cb(store).id, {"note": "x" * TEXT_MAX, "suggestions": "y" * TEXT_MAX})


# -- each attempt keeps its own note ------------------------------------------------------------


def test_the_callback_note_does_not_grow_with_attempts_and_undo_still_works(desk):
    store, agent, _ = desk
    store.clock = lambda: NOW
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="busy", note="占线"))
    store.clock = lambda: NOW + timedelta(hours=2)
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="busy", note="还是占线"))
    cb = _cb(store)
    assert cb.note == ""
    with store.read() as s:
        assert [a.note for a in s.exec(select(CallAttempt).order_by(CallAttempt.id))] == ["占线", "还是占线"]
        assert callback_notes(s, [cb])[cb.id] == "11-23 09:30 占线\n11-23 11:30 还是占线"
    res = undo_last(store, agent, "HF202611001")
    cb = _cb(store)
    assert (res.status, cb.attempts) == ("open", 1)
    with store.read() as s:
        assert callback_notes(s, [cb])[cb.id] == "11-23 09:30 占线"
    detail = dict(board_svc.callback_detail(store, add_user(store, "sup2", "supervisor"), "HF202611001"))
    assert detail["备注"] == "11-23 09:30 占线"


def test_migration_takes_the_attempt_copies_out_of_the_callback_note(tmp_path):
    engine = db.make_engine("sqlite:///" + str(tmp_path / "old.db"), foreign_keys=False)
    with engine.begin() as conn:
        migrate.upgrade(conn, "0010_callback_customer_index")
        conn.execute(text("INSERT INTO customer (id, name, tier, is_member, region, created_at, updated_at) "
                          "VALUES (1, '华东机械', 'standard', 1, '', '2026-11-01', '2026-11-01')"))
        note = "11-20 09:00 没人接\n11-21 10:15 多行\n备注\n11-22 00:00 逾期关闭：客户停业"
        conn.execute(text(
            "INSERT INTO callback (id, number, customer_id, kind, trigger_ref, channel, assignee, priority, due_on, "
            "deadline_on, estimated, status, attempts, contact_name, reached_name, reached_position, answers, "
            "suggestions, improvement, needs, sales_lead, competitor, needs_onsite, negative_feedback, "
            "follow_status, note, deferred_reason, version, created_at, updated_at) VALUES (1, 'HF202611001', 1, "
            "'completion', 'x', 'phone', 'agent', 50, '2026-11-20', '2026-11-30', 0, 'lapsed', 2, '', '', '', '', "
            "'', '', '', 0, '', 0, 0, '', :note, '', 3, '2026-11-01', '2026-11-22')"), {"note": note})
        for at, n in (("2026-11-20 09:00:00.000000", "没人接"), ("2026-11-21 10:15:00.000000", "多行\n备注")):
            conn.execute(text("INSERT INTO call_attempt (callback_id, at, agent_login, outcome, reached_name, "
                              "reached_position, note, late_entry) VALUES (1, :at, 'agent1', 'no_answer', '', '', "
                              ":n, 0)"), {"at": at, "n": n})
    with engine.begin() as conn:
        migrate.upgrade(conn)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT note FROM callback")).scalar_one() == "11-22 00:00 逾期关闭：客户停业"
        assert [r[0] for r in conn.execute(text("SELECT note FROM call_attempt ORDER BY id"))] == ["没人接", "多行\n备注"]
    engine.dispose()


# -- the store grows linearly ---------------------------------------------------------------------


def test_store_growth_is_linear_over_100_notes(tmp_path):
    """100 改约 on one callback, each with a 1,900-character note: the last 50 add about what the
    first 50 did (the note used to pile up on the callback and be copied into every audit row)."""
    path = tmp_path / "grow.db"
    clock = SimpleNamespace(now=NOW)
    store = Store("sqlite:///" + str(path), clock=lambda: clock.now)
    store.ensure_schema()
    agent = add_user(store, "agent1", "agent")
    add_callback(store, add_customer(store, "杭州恒达机械有限公司"), "HF202611001", deadline_on=date(2026, 12, 31))

    def size() -> int:
        """Bytes of pages in use, as the database reads now (the WAL's pages included)."""
        con = sqlite3.connect(path)
        try:
            pages, free = con.execute("PRAGMA page_count").fetchone()[0], con.execute("PRAGMA freelist_count").fetchone()[0]
            return (pages - free) * con.execute("PRAGMA page_size").fetchone()[0]
        finally:
            con.close()

    sizes = [size()]
    for i in range(100):
        clock.now = NOW + timedelta(minutes=i)
        record_attempt(store, agent, "HF202611001", CallRecord(
            outcome="reschedule", to=datetime(2026, 12, 1, 10, 0), note=f"{i:03d}" + "约" * 1897))
        if i in (49, 99):
            sizes.append(size())
    first, last = sizes[1] - sizes[0], sizes[2] - sizes[1]
    assert last <= 1.5 * first, (first, last)
    assert last < 50 * 1900 * 3 * 3  # a few copies of each note at most (UTF-8: 3 bytes a character)
    db.dispose(store.engine)
    assert os.path.getsize(path) < 3_000_000


# -- audit rows hold what changed ---------------------------------------------------------------


def test_audit_rows_hold_only_the_changed_fields(desk):
    store, agent, _ = desk
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer", note="记" * TEXT_MAX))
    (entry,) = _audits(store, "callback.no_answer")
    before, after = json.loads(entry.before), json.loads(entry.after)
    assert set(before) == set(after)
    assert {"attempts", "version", "outcome", "next_attempt_at"} <= set(after)
    assert not {"note", "customer_id", "kind", "trigger_ref", "contact_name", "suggestions"} & set(after)
    assert (before["attempts"], after["attempts"]) == (0, 1)
    assert before["number"] == after["number"] == "HF202611001"  # the key fields stay
    assert len(entry.before) + len(entry.after) < 1000


def test_changes_keeps_keys_and_one_sided_fields():
    b, a = changes({"id": 1, "number": "HF1", "x": 1, "y": 2}, {"id": 1, "number": "HF1", "x": 1, "y": 3, "late": True})
    assert (b, a) == ({"id": 1, "number": "HF1", "y": 2}, {"id": 1, "number": "HF1", "y": 3, "late": True})
    assert changes(None, {"a": 1}) == (None, {"a": 1})
    assert changes({"a": 1}, None) == ({"a": 1}, None)


# -- refusals are counted -------------------------------------------------------------------------


def test_a_flood_of_refusals_leaves_a_few_rows_and_a_count(desk):
    store, agent, sup = desk
    for _ in range(100):
        with pytest.raises(PermissionDenied):
            board(store, agent)
    rows = [e for e in _audits(store, "refused") + _audits(store, "refused.more") if e.login == "agent1"]
    assert len(rows) == REFUSALS_KEPT + 1
    assert all(json.loads(r.after)["reason"] for r in rows)
    shown = [r for r in audit_log(store, sup, login="agent1", action="refused")]
    assert len(shown) == REFUSALS_KEPT + 1
    (more,) = [r for r in shown if r.action == "refused.more"]
    assert json.loads(more.after)["count"] == 100 - REFUSALS_KEPT
    assert more.as_json()["after"]["count"] == 100 - REFUSALS_KEPT
    # the next minute starts again with details
    store.clock = lambda: NOW + timedelta(minutes=1)
    with pytest.raises(PermissionDenied):
        board(store, agent)
    assert len([e for e in _audits(store, "refused") if e.login == "agent1"]) == REFUSALS_KEPT + 1


# -- the disk alert --------------------------------------------------------------------------------


def _statvfs(free: int, total: int):
    return lambda path: SimpleNamespace(f_bavail=free // 4096, f_blocks=total // 4096, f_frsize=4096)


@pytest.mark.parametrize(("free", "total", "alert"), [
    (5 * 1024**3, 100 * 1024**3, True),  # 5 % free
    (900 * 1024**2, 2 * 1024**3, True),  # under 1 GB free (44 %)
    (20 * 1024**3, 100 * 1024**3, False),
    (int(DISK_MIN_FREE_RATIO * 100 * 1024**3), 100 * 1024**3, False),  # exactly 10 %
    (DISK_MIN_FREE_BYTES, 4 * 1024**3, False),  # exactly 1 GB, 25 %
])
def test_the_board_alerts_when_the_store_disk_runs_low(desk, monkeypatch, free, total, alert):
    store, _, sup = desk
    if db.sqlite_path(store.url) is None:
        pytest.skip("PostgreSQL: the disk is the server's")
    seen = []
    fake = _statvfs(free, total)
    monkeypatch.setattr(alerts_svc, "statvfs", lambda p: seen.append(p) or fake(p))
    b = board(store, sup)
    disk = [a for a in b.alerts if a.kind == "disk_low"]
    assert bool(disk) is alert
    assert seen == [str(db.sqlite_path(store.url).resolve().parent)]
    if alert:
        j = disk[0].as_json()
        assert (j["free_bytes"], j["total_bytes"]) == (free // 4096 * 4096, total // 4096 * 4096)
        assert "剩余" in j["detail"] and b.alerts[0].kind == "disk_low"  # listed first


def test_no_disk_alert_for_a_past_day(desk, monkeypatch):
    store, _, sup = desk
    monkeypatch.setattr(alerts_svc, "statvfs", _statvfs(1, 100 * 1024**3))
    assert not [a for a in board(store, sup, NOW.date() - timedelta(days=1)).alerts if a.kind == "disk_low"]


def test_arg_max_is_the_text_bound():
    assert ARG_MAX >= TEXT_MAX
