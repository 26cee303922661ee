"""The same services on SQLite and PostgreSQL (issue 15): change detection, counters, locks,
connection settings. Tests taking ``store`` run on both back ends when HUIFANG_TEST_PG_URL is set."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from huifang_tui.core.errors import Conflict
from huifang_tui.services.base import Store, next_number
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.planner import run_planner
from huifang_tui.store import db
from huifang_tui.store.models import Callback, Contact, Customer

from conftest import NOW
from factories import add_callback, add_customer, add_user


def _other(store: Store) -> Store:
    """A second process's view of the same database (its own engine and connections)."""
    return Store(store.url, clock=lambda: NOW)


def test_data_version_moves_on_another_connections_commit(store):
    other = _other(store)
    try:
        before = store.data_version()
        assert store.data_version() == before  # nothing written: nothing to reload
        add_customer(other, "甲公司")
        assert store.data_version() != before
    finally:
        db.dispose(other.engine)


def test_data_version_does_not_move_on_a_rolled_back_write(store):
    before = store.data_version()
    with pytest.raises(RuntimeError):
        with store.write() as s:
            s.add(Customer(name="乙公司", created_at=NOW, updated_at=NOW))
            s.flush()
            raise RuntimeError("cancelled")
    assert store.data_version() == before


def test_numbers_continue_per_month_and_restart_next_month(store):
    with store.write() as s:
        got = [next_number(s, "HF", date(2026, 11, 3)) for _ in range(3)]
        got.append(next_number(s, "HF", date(2026, 12, 1)))
        got.append(next_number(s, "WT", date(2026, 11, 3)))
    assert got == ["HF202611001", "HF202611002", "HF202611003", "HF202612001", "WT202611001"]


def test_error_messages_do_not_carry_parameters(store):
    """A failed statement must not print customers' names or phones (hide_parameters)."""
    with pytest.raises(IntegrityError) as e:
        with store.write() as s:
            s.add(Contact(customer_id=424242, name="王经理", phone="13912345678"))
    assert "13912345678" not in str(e.value) and "王经理" not in str(e.value)
    assert "hidden due to hide_parameters" in str(e.value)


# -- PostgreSQL only -----------------------------------------------------------------------


def _pg(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL behaviour")


def test_idle_in_transaction_timeout_is_set(store):
    _pg(store)
    with store.engine.connect() as c:
        assert c.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "30s"
        assert c.execute(text("SHOW lock_timeout")).scalar() == "30s"  # issue 21: nobody waits forever


def test_a_stopped_client_cannot_hold_a_lock(store, monkeypatch):
    """A client that stops inside a transaction is cut off by the server, releasing its locks."""
    _pg(store)
    monkeypatch.setattr(db, "IDLE_IN_TX_TIMEOUT_MS", 300)
    stalled = _other(store)
    try:
        add_user(store, "agent1")
        add_callback(store, add_customer(store, "丁公司"), "HF202611001")
        with stalled.engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM callback WHERE number = 'HF202611001' FOR UPDATE"))
            # ... and the client stops here. The other agent's save waits, then goes through.
            res = record_attempt(store, add_user(store, "agent9", "supervisor"), "HF202611001",
                                 CallRecord(outcome="no_answer"))
            assert res.attempts == 1
            with pytest.raises(Exception, match="idle-in-transaction"):
                conn.execute(text("SELECT 1"))  # the stopped client learns it was cut off
            conn.invalidate()
    finally:
        db.dispose(stalled.engine)


def test_one_call_skips_a_callback_another_transaction_holds(store, monkeypatch):
    """An unanswered call counts for the customer's other callbacks too (SPEC §3); one that
    another transaction holds right now is left out at once (SKIP LOCKED), not waited for."""
    _pg(store)
    monkeypatch.setattr(db, "IDLE_IN_TX_TIMEOUT_MS", 2000)  # were it waited for: cut off, then included
    agent = add_user(store, "agent1")
    cid = add_customer(store, "戊公司")
    cid2 = add_customer(store, "庚公司")
    add_callback(store, cid, "HF202611001", kind="completion", trigger="t:1")
    add_callback(store, cid, "HF202611002", kind="usage", trigger="t:2")
    add_callback(store, cid2, "HF202611003", kind="completion", trigger="t:3")
    add_callback(store, cid2, "HF202611004", kind="usage", trigger="t:4")
    # Nobody else holds HF202611004: the one call covers it.
    assert record_attempt(store, agent, "HF202611003", CallRecord(outcome="no_answer")).also == ["HF202611004"]
    holder = _other(store)
    try:
        with holder.engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM callback WHERE number = 'HF202611002' FOR UPDATE"))
            res = record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
            conn.rollback()
        assert res.also == []
        with store.read() as s:
            assert s.exec(select(Callback).where(Callback.number == "HF202611002")).one().attempts == 0
    finally:
        db.dispose(holder.engine)


def _waiting_on_lock(store: Store, kind: str = "advisory") -> bool:
    with store.engine.connect() as c:
        return bool(c.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = :k"), {"k": kind}).scalar())


def test_two_agents_cannot_open_two_callbacks_of_one_customer_at_once(store):
    """One customer, one agent at a time (SPEC §3): opening a call locks the customer's row, so a
    second agent opening another of that customer's callbacks waits for the first to commit its
    claim, then is refused."""
    _pg(store)
    import os

    from huifang_tui.services.calls import open_call
    from huifang_tui.store.claims import HOST

    add_user(store, "agent1")
    b = add_user(store, "agent2")
    cid = add_customer(store, "辛公司", agent=None)
    add_callback(store, cid, "HF202611001", agent=None)
    add_callback(store, cid, "HF202611002", kind="usage", trigger="t:2", agent=None)
    open_call(store, b, "HF202611002")  # imports what it needs here, not in the thread
    from huifang_tui.services.calls import release

    release(store, b, "HF202611002")
    first = _other(store)
    got: list[object] = []

    def second() -> None:
        try:
            open_call(store, b, "HF202611002", pid=os.getpid() + 1)
            got.append("opened")
        except Conflict as e:
            got.append(e)

    try:
        with first.write() as s:  # agent1's open_call of HF202611001, caught before its commit
            s.exec(select(Customer).where(Customer.id == cid).with_for_update()).one()
            t = threading.Thread(target=second)
            t.start()
            for _ in range(600):
                if _waiting_on_lock(store, "transactionid") or _waiting_on_lock(store, "tuple"):
                    break
                time.sleep(0.1)
            else:
                pytest.fail("the second open did not wait for the customer's row")
            cb = s.exec(select(Callback).where(Callback.number == "HF202611001")).one()
            cb.claimed_by, cb.claim_pid, cb.claim_host, cb.claimed_at = "agent1", os.getpid(), HOST, NOW
            s.add(cb)
        t.join(timeout=60)
        assert len(got) == 1 and isinstance(got[0], Conflict), got
    finally:
        db.dispose(first.engine)


def test_two_planners_run_one_after_the_other(store):
    """Two agents starting at once both run the planner: the second waits for the first, then
    finds its callbacks and inserts none twice."""
    _pg(store)
    from huifang_tui.services.base import serialize

    run_planner(store)  # imports everything it needs here, not in the thread
    first = _other(store)
    done: list[object] = []
    try:
        with first.write() as s:
            serialize(s, "planner")
            t = threading.Thread(target=lambda: done.append(run_planner(store)))
            t.start()
            for _ in range(600):  # until the second planner is seen waiting (at most a minute)
                if _waiting_on_lock(store):
                    break
                time.sleep(0.1)
            else:
                pytest.fail("the second planner did not wait for the planner lock")
            assert done == []
        t.join(timeout=60)
        assert len(done) == 1
    finally:
        db.dispose(first.engine)


def test_fast_first_paint_is_skipped_on_postgres(store):
    """store/fastread.py reads SQLite files only: on PostgreSQL the app opens the usual way."""
    _pg(store)
    import argparse

    from huifang_tui.cli.start import fast_open

    assert fast_open(argparse.Namespace(db=store.url)) is None


def test_the_planner_skips_a_callback_being_saved_instead_of_waiting(store, monkeypatch):
    """The planner holds the planner lock, and a completion takes it while holding its callback's
    row: so the planner must never wait on a callback row (that would deadlock). A progress
    check being saved right now is left for the next run, not cancelled under the agent."""
    _pg(store)
    from datetime import timedelta

    from huifang_tui.store.models import WorkOrder

    monkeypatch.setattr(db, "IDLE_IN_TX_TIMEOUT_MS", 2000)  # were it waited for: cut off, then cancelled
    add_user(store, "agent1")
    cid = add_customer(store, "己公司")
    cb_id = add_callback(store, cid, "HF202611001", kind="progress_check", trigger="wo:SX1")
    with store.write() as s:
        wo = WorkOrder(number="SX1", customer_id=cid, actual_completion=NOW - timedelta(hours=1), updated_at=NOW)
        s.add(wo)
        s.flush()
        s.get(Callback, cb_id).work_order_id = wo.id
    holder = _other(store)
    try:
        with holder.engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM callback WHERE number = 'HF202611001' FOR UPDATE"))
            run_planner(store)
            conn.rollback()
        with store.read() as s:
            assert s.get(Callback, cb_id).status == "open"
        run_planner(store)  # the next run cancels it
        with store.read() as s:
            assert s.get(Callback, cb_id).status == "cancelled"
    finally:
        db.dispose(holder.engine)
