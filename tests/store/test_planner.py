"""Planner (issue: scheduling engine §3): idempotent, cancels moot progress checks, extends chains."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import func, select

from huifang_tui.services.callbacks import CallRecord, record_attempt
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
