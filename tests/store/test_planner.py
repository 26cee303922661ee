"""Planner (issue: scheduling engine §3): idempotent, cancels moot progress checks, extends chains."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sqlmodel import func, select

from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.planner import run_planner
from huifang_tui.store.models import AuditEntry, Callback, Sale, WorkOrder

from factories import add_customer, add_user


def _callbacks(store) -> dict[str, Callback]:
    with store.read() as s:
        return {f"{c.kind}|{c.trigger_ref}": c for c in s.exec(select(Callback))}


def test_progress_check_then_completion_cancels_it(store):
    add_user(store, "agent1")
    cid = add_customer(store, "杭州恒达机械有限公司")
    with store.write() as s:
        s.add(WorkOrder(number="SX202611001", customer_id=cid, service_type="install",
                        planned_completion=datetime(2026, 11, 19, 18), updated_at=store.now()))
    run_planner(store)
    cbs = _callbacks(store)
    # SPEC §3 progress_check (000 §4.5): first working day after the planned completion, +1 working day
    pc = cbs["progress_check|wo:SX202611001"]
    assert (pc.due_on, pc.deadline_on, pc.status) == (date(2026, 11, 20), date(2026, 11, 23), "open")
    with store.write() as s:
        wo = s.exec(select(WorkOrder)).one()
        wo.actual_completion, wo.updated_at = datetime(2026, 11, 23, 8, 0), store.now()
        s.add(wo)
    rep = run_planner(store)
    cbs = _callbacks(store)
    assert cbs["progress_check|wo:SX202611001"].status == "cancelled" and rep.cancelled == 1
    assert cbs["completion|wo:SX202611001"].deadline_on == date(2026, 11, 26)
    assert cbs["usage|wo:SX202611001"].due_on == date(2027, 1, 25)  # +2 months (estimated year)
    assert cbs["usage|wo:SX202611001"].estimated is True


def test_running_twice_adds_nothing_and_writes_no_audit(store):
    add_user(store, "agent1")
    cid = add_customer(store, "杭州恒达机械有限公司")
    with store.write() as s:
        s.add(Sale(contract_no="HT001", customer_id=cid, sold_on=date(2026, 11, 20)))
    assert run_planner(store).created == 1
    with store.read() as s:
        audits = s.exec(select(func.count()).select_from(AuditEntry)).one()
    assert run_planner(store).created == 0
    assert run_planner(store, now=datetime(2026, 11, 23, 15, 0)).created == 0
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == audits
        assert s.exec(select(func.count()).select_from(Callback)).one() == 1


def test_completing_first_sale_extends_quarterly_chain(store):
    agent = add_user(store, "agent1")
    cid = add_customer(store, "杭州恒达机械有限公司")
    with store.write() as s:
        s.add(Sale(contract_no="HT001", customer_id=cid, sold_on=date(2026, 11, 20)))
    run_planner(store)
    first = _callbacks(store)["first_sale|sale:HT001"]
    res = record_attempt(store, agent, first.number, CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=5, score_attitude=5))
    cbs = _callbacks(store)
    q = cbs[f"quarterly|cb:{first.number}"]
    assert res.followups == [q.number]
    # 000 第5条: every quarter after the first call; deadline one month after it is due
    assert (q.due_on, q.deadline_on) == (date(2027, 2, 23), date(2027, 3, 23))
    assert run_planner(store).created == 0  # the chain link is not planned twice


def test_wrong_number_waits_until_the_contact_is_corrected(store, tmp_path):
    from huifang_tui.services.imports import import_file

    agent = add_user(store, "agent1")
    cid = add_customer(store, "杭州恒达机械有限公司", phone="13800000000")
    with store.write() as s:
        s.add(Sale(contract_no="HT001", customer_id=cid, sold_on=date(2026, 11, 20)))
    run_planner(store)
    number = _callbacks(store)["first_sale|sale:HT001"].number
    record_attempt(store, agent, number, CallRecord(outcome="wrong_number"))
    assert _callbacks(store)["first_sale|sale:HT001"].status == "waiting_data"
    run_planner(store)  # nothing corrected yet: still waiting
    assert _callbacks(store)["first_sale|sale:HT001"].status == "waiting_data"
    fixed = tmp_path / "customers.csv"
    fixed.write_text("客户名称,联系人,职务,联系电话\n杭州恒达机械有限公司,王经理,技术负责人,13912345678\n",
                     encoding="utf-8")
    import_file(store, add_user(store, "admin1", "admin"), "customers", fixed)  # runs the planner after it
    cb = _callbacks(store)["first_sale|sale:HT001"]
    assert cb.status == "open" and cb.due_on == date(2026, 11, 23)


# -- a run costs what changed (issue 13 §2) ------------------------------------------------------

RULES = ("for_work_order", "for_sale", "for_event", "after_completion", "after_closing", "for_customer")


def _facts_looked_at(monkeypatch):
    """Counts, per rule, the facts a run hands to the domain: what the run had to read."""
    from collections import Counter

    from huifang_tui.domain import rules

    seen: Counter = Counter()
    for name in RULES:
        def spy(*a, _orig=getattr(rules, name), _name=name, **k):
            seen[_name] += 1
            return _orig(*a, **k)
        monkeypatch.setattr(rules, name, spy)
    return seen


def _centre_with_history(store) -> int:
    """A member customer with old work orders and sales, a non-member with an old event, and
    one major customer (on-site cycle): all planned by a first (full) run at NOW."""
    from huifang_tui.store.models import NonMemberEvent

    add_user(store, "agent1")
    cid = add_customer(store, "杭州恒达机械有限公司")
    nm = add_customer(store, "绍兴恒泰化工有限公司", member=False)
    add_customer(store, "宁波顺发环保设备有限公司", tier="major")
    with store.write() as s:
        for i in range(5):
            s.add(WorkOrder(number=f"SX2026100{i}", customer_id=cid, service_type="repair",
                            planned_completion=datetime(2026, 10, 10 + i, 18), actual_completion=datetime(2026, 10, 10 + i, 17),
                            updated_at=datetime(2026, 10, 10 + i, 18)))
            s.add(Sale(contract_no=f"HT10{i}", customer_id=cid, sold_on=date(2026, 10, 20 + i),
                       updated_at=datetime(2026, 10, 20 + i, 9)))
        s.add(NonMemberEvent(customer_id=nm, kind="inquiry", occurred_on=date(2026, 11, 2),
                             updated_at=datetime(2026, 11, 2, 9)))
    run_planner(store)
    return cid


def test_a_run_with_nothing_new_hands_no_fact_to_the_rules(store, monkeypatch):
    _centre_with_history(store)
    seen = _facts_looked_at(monkeypatch)
    store.clock = lambda: datetime(2026, 11, 23, 11, 0)
    assert run_planner(store).created == 0
    assert sum(seen.values()) == 0, seen  # not the recent sales, events or work orders again


def test_a_run_reads_only_the_facts_changed_since_the_last(store, monkeypatch):
    from huifang_tui.store.models import NonMemberEvent

    cid = _centre_with_history(store)
    later = datetime(2026, 11, 23, 11, 0)
    store.clock = lambda: later
    with store.write() as s:
        s.add(Sale(contract_no="HT200", customer_id=cid, sold_on=date(2026, 11, 23), updated_at=later))
        s.add(WorkOrder(number="SX20261120", customer_id=cid, service_type="repair",
                        planned_completion=datetime(2026, 11, 22, 18), actual_completion=datetime(2026, 11, 23, 10),
                        updated_at=later))
        s.add(NonMemberEvent(customer_id=cid, kind="activity", occurred_on=date(2026, 11, 22), updated_at=later))
    seen = _facts_looked_at(monkeypatch)
    rep = run_planner(store)
    assert dict(seen) == {"for_sale": 1, "for_work_order": 1, "for_event": 1}
    cbs = _callbacks(store)
    assert {"first_sale|sale:HT200", "completion|wo:SX20261120"} <= set(cbs) and rep.created >= 2


def test_an_open_work_order_is_read_when_its_planned_completion_passes(store, monkeypatch):
    """The time trigger (progress_check, 000 §4.5) needs no change to the row: the run that
    follows the planned completion reads it, and the runs after it do not."""
    cid = _centre_with_history(store)
    with store.write() as s:
        s.add(WorkOrder(number="SX20261121", customer_id=cid, service_type="install",
                        planned_completion=datetime(2026, 11, 23, 12), updated_at=datetime(2026, 11, 23, 9)))
    store.clock = lambda: datetime(2026, 11, 23, 11, 0)
    run_planner(store)  # stamped before the last run: read now, not due yet
    seen = _facts_looked_at(monkeypatch)
    store.clock = lambda: datetime(2026, 11, 23, 13, 0)
    run_planner(store)
    assert seen["for_work_order"] == 1 and "progress_check|wo:SX20261121" in _callbacks(store)
    seen.clear()
    store.clock = lambda: datetime(2026, 11, 23, 14, 0)
    run_planner(store)
    assert seen["for_work_order"] == 0


def test_full_reconciles_what_was_written_around_the_app(store, monkeypatch, capsys):
    """A sale restored from elsewhere carries no stamp: the next run does not see it (it
    follows changes), ``huifang plan --full`` does (issue 13 §2)."""
    from huifang_tui import cli
    from huifang_tui.services.users import os_login

    cid = _centre_with_history(store)
    add_user(store, os_login(), "admin")
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    store.clock = lambda: datetime(2026, 11, 23, 11, 0)
    with store.write() as s:
        s.add(Sale(contract_no="HT300", customer_id=cid, sold_on=date(2026, 11, 20)))
    assert run_planner(store).created == 0
    assert "first_sale|sale:HT300" not in _callbacks(store)
    assert cli.main(["plan", "--full"]) == 0, capsys.readouterr().err
    assert "first_sale|sale:HT300" in _callbacks(store)


def _completed_orders(store, n: int, first: int = 1) -> int:
    """``n`` consulting work orders of one customer completed on 11-20 (one completion callback
    each), stamped now; returns the customer's id."""
    add_user(store, "agent1")
    cid = add_customer(store, "杭州恒达机械有限公司")
    with store.write() as s:
        for k in range(first, first + n):
            s.add(WorkOrder(number=f"SX202611{k:03d}", customer_id=cid, service_type="consult",
                            actual_completion=datetime(2026, 11, 20, 10), updated_at=store.now()))
    return cid


def _small_slices(monkeypatch, planner, **more) -> None:  # noqa: ANN001
    """Slices of one chunk of two callbacks, so a handful of callbacks takes several."""
    for name, value in {"PLAN_CHUNK": 2, "HOLD_S": 0.0, **more}.items():
        monkeypatch.setattr(planner, name, value)


def test_a_callback_planned_by_another_writer_between_read_and_write(store, monkeypatch):
    """The planner finds what is new in a read outside the write lock, then inserts it as new.
    If a writer planned one of those meanwhile, nothing is duplicated and the numbers of the
    month still have no gap (the chunk is redone the careful way)."""
    from huifang_tui.services import planner

    cid = _completed_orders(store, 3)
    real = planner._lookups

    def lookups_then_someone_plans_one(s, planned, *known):  # noqa: ANN001, ANN202
        looked = real(s, planned, *known)
        first = next(p for p in planned if p.trigger_ref == "wo:SX202611002")
        with store.write() as w:  # another process, while the planner's read is still open
            planner._insert(w, planner.SYSTEM, store.now(), [first],
                            {cid: planner.customer_fact(w.get(planner.Customer, cid))}, real(w, [first]))
        return looked

    monkeypatch.setattr(planner, "_lookups", lookups_then_someone_plans_one)
    rep = run_planner(store)
    with store.read() as s:
        rows = s.exec(select(Callback.number, Callback.trigger_ref)).all()
    assert sorted(ref for _, ref in rows) == ["wo:SX202611001", "wo:SX202611002", "wo:SX202611003"]
    assert sorted(n for n, _ in rows) == ["HF202611001", "HF202611002", "HF202611003"]  # no gap
    assert rep.created == 2


def test_many_slices_leave_pauses_and_lose_nothing(store, monkeypatch):
    """Issue 13 §1: the planner writes in short transactions with a pause between two of them
    (agents waiting for the lock get it); slices prepared during those pauses add up to every
    callback, numbered without a gap."""
    import time as _time
    from contextlib import contextmanager

    from huifang_tui.services import planner

    _completed_orders(store, 9, first=10)
    _small_slices(monkeypatch, planner, FIRST_BATCH=3)
    spans: list[tuple[float, float]] = []
    real_write = store.write

    @contextmanager
    def timed_write():  # noqa: ANN202
        with real_write() as s:
            t0 = _time.monotonic()
            yield s
        spans.append((t0, _time.monotonic()))

    monkeypatch.setattr(store, "write", timed_write)
    rep = run_planner(store)
    with store.read() as s:
        numbers = sorted(s.exec(select(Callback.number)).all())
        linked = s.exec(select(Callback.trigger_ref, WorkOrder.number)
                        .join(WorkOrder, WorkOrder.id == Callback.work_order_id)).all()
    assert rep.created == 9 and numbers == [f"HF202611{n:03d}" for n in range(1, 10)]
    assert sorted(linked) == sorted((f"wo:{n}", n) for _, n in linked) and len(linked) == 9  # each to its order
    slices = spans[1:-1]  # the stale alert's transaction first, the watermark's last
    assert len(slices) == 5
    assert all(b[0] - a[1] >= planner.YIELD_S for a, b in zip(slices, slices[1:]))


@pytest.mark.sqlite_only
def test_slices_leave_checkpoints_to_a_thread_and_the_connection_as_it_was(store, monkeypatch):
    """The planner's slices do not checkpoint the WAL in their commits: a thread copies it
    after each one while the planner goes on. The pooled connection gets SQLite's default back
    for whoever uses it next."""
    from huifang_tui.services import planner

    _completed_orders(store, 6, first=10)
    _small_slices(monkeypatch, planner, YIELD_S=0.0, FIRST_BATCH=2, ASIDE_ROWS=2)
    settings: list[int] = []
    copied: list[int] = []
    real_insert, real_run = planner._insert_new, planner.db.Checkpointer._run

    def spy_insert(s, *a):  # noqa: ANN001, ANN202
        settings.append(s.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar())
        return real_insert(s, *a)

    def spy_run(self):  # noqa: ANN001, ANN202
        real_run(self)
        copied.append(1)

    monkeypatch.setattr(planner, "_insert_new", spy_insert)
    monkeypatch.setattr(planner.db.Checkpointer, "_run", spy_run)
    assert run_planner(store).created == 6
    assert settings == [0, 0, 0] and copied  # at least one copy ran (one at a time)
    with store.write() as s:
        assert s.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
