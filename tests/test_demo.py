"""Demo data generator (`huifang demo`): deterministic, realistic, fictional, fast."""

from __future__ import annotations

import re
import time
from collections import Counter as Tally
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import pytest
from sqlmodel import select

from huifang_tui.demo import DemoSummary, build_demo, demo_path, load_templates
from huifang_tui.services.base import ServiceError, Store
from huifang_tui.store.models import (
    AuditEntry,
    CallAttempt,
    Callback,
    Contact,
    Counter,
    Customer,
    NonMemberEvent,
    Sale,
    User,
    WorkOrder,
)

TODAY = date(2026, 6, 15)  # a Monday


def make_store(path: Path, today: date = TODAY) -> Store:
    store = Store(f"sqlite:///{path}", clock=lambda: datetime.combine(today, dtime(8, 30)))
    store.ensure_schema()
    return store


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, DemoSummary, float]:
    store = make_store(tmp_path_factory.mktemp("demo") / "demo.db")
    t0 = time.perf_counter()
    summary = build_demo(store, TODAY, admin_login="opsadmin")
    return store, summary, time.perf_counter() - t0


def rows(store: Store, model):  # noqa: ANN001, ANN201
    with store.read() as s:
        return list(s.exec(select(model)))


def history(store: Store) -> list[Callback]:
    return [c for c in rows(store, Callback) if c.status == "completed"]


def test_same_seed_same_today_same_data(tmp_path: Path) -> None:
    a = make_store(tmp_path / "a.db")
    b = make_store(tmp_path / "b.db")
    build_demo(a, TODAY, seed=11, customers=60)
    build_demo(b, TODAY, seed=11, customers=60)

    def key(store: Store) -> tuple:
        with store.read() as s:
            return (
                list(s.exec(select(Customer.name).order_by(Customer.id))),
                list(s.exec(select(WorkOrder.number).order_by(WorkOrder.id))),
                list(s.exec(select(Sale.contract_no).order_by(Sale.id))),
                list(s.exec(select(Contact.phone).order_by(Contact.id))),
                list(s.exec(select(Callback.number, Callback.trigger_ref).where(
                    Callback.status == "completed").order_by(Callback.id))),
            )

    assert key(a) == key(b)
    c = make_store(tmp_path / "c.db")
    build_demo(c, TODAY, seed=12, customers=60)
    assert key(c)[0] != key(a)[0]


def test_summary_counts(built) -> None:  # noqa: ANN001
    store, summary, _ = built
    assert summary.customers == 200 == len(rows(store, Customer))
    assert summary.contacts == len(rows(store, Contact))
    assert 400 <= summary.contacts <= 600
    assert summary.work_orders == len(rows(store, WorkOrder))
    assert 250 <= summary.work_orders <= 350
    assert summary.sales == len(rows(store, Sale))
    assert 60 <= summary.sales <= 100
    assert summary.events == len(rows(store, NonMemberEvent)) >= 5
    assert summary.callbacks_history == len(history(store))
    assert 250 <= summary.callbacks_history <= 700
    assert summary.users == len(rows(store, User)) == 7


def test_users(built) -> None:  # noqa: ANN001
    store, _, _ = built
    roles = {u.login: u.role for u in rows(store, User)}
    assert roles == {
        "agent1": "agent", "agent2": "agent", "agent3": "agent", "agent4": "agent",
        "supervisor": "supervisor", "salesmgr": "sales_manager", "opsadmin": "admin",
    }


def test_customers_tiers_members_contacts(built) -> None:  # noqa: ANN001
    store, _, _ = built
    customers = rows(store, Customer)
    tiers = Tally(c.tier for c in customers)
    assert set(tiers) == {"standard", "key", "major", "strategic"}
    assert tiers["standard"] > tiers["key"] > tiers["major"] > tiers["strategic"] >= 3
    assert 8 <= tiers["major"] <= 12
    members = sum(c.is_member for c in customers)
    assert 0.6 <= members / len(customers) <= 0.8
    assert all(c.is_member for c in customers if c.tier in ("major", "strategic"))
    assert len({c.name for c in customers}) == len(customers)
    assert all(c.name.endswith("有限公司") and c.region for c in customers)
    assert 1 <= sum(c.agent_login is None for c in customers) <= 12  # the shared pool
    by_customer: dict[int, list[Contact]] = {}
    for ct in rows(store, Contact):
        by_customer.setdefault(ct.customer_id, []).append(ct)
    assert set(by_customer) == {c.id for c in customers}
    for contacts in by_customer.values():
        assert 2 <= len(contacts) <= 3
        assert sum(ct.is_primary for ct in contacts) == 1
        assert {ct.role for ct in contacts} <= {"技术负责人", "行政负责人", "主要使用人员"}


def test_non_member_triggers_present(built) -> None:  # noqa: ANN001
    store, _, _ = built
    nms = [c for c in rows(store, Customer) if not c.is_member]
    six_months = TODAY - timedelta(days=182)
    assert sum(c.tier == "standard" and c.last_activity_on <= six_months for c in nms) >= 3
    assert sum(c.registered_on >= TODAY - timedelta(days=5) for c in nms) >= 2
    kinds = Tally(e.kind for e in rows(store, NonMemberEvent))
    assert set(kinds) == {"registration", "activity", "inquiry"}
    assert all(TODAY - timedelta(days=7) <= e.occurred_on < TODAY for e in rows(store, NonMemberEvent))
    member_ids = {c.id for c in rows(store, Customer) if c.is_member}
    assert not any(e.customer_id in member_ids for e in rows(store, NonMemberEvent))


def test_work_orders_in_every_state(built) -> None:  # noqa: ANN001
    store, _, _ = built
    wos = rows(store, WorkOrder)
    now = datetime.combine(TODAY, dtime(8, 30))
    assert all(re.fullmatch(r"SX\d{6}\d{3}", w.number) for w in wos)
    assert all(w.number[2:8] == f"{w.accepted_at:%Y%m}" for w in wos)
    open_future = [w for w in wos if w.actual_completion is None and w.planned_completion > now]
    overdue = [w for w in wos if w.actual_completion is None and w.planned_completion < now]
    recent = [w for w in wos if w.actual_completion and w.actual_completion.date() >= TODAY - timedelta(days=7)]
    usage = [
        w for w in wos
        if w.actual_completion and w.service_type in ("install", "commission", "repair")
        and TODAY - timedelta(days=92) <= w.actual_completion.date() <= TODAY - timedelta(days=58)
    ]
    consult = [w for w in wos if w.service_type == "consult"]
    assert len(open_future) >= 10 and len(overdue) >= 3 and len(recent) >= 5
    assert len(usage) >= 5 and len(consult) >= 10
    assert {w.status for w in wos} == {"已受理", "处理中", "已完成"}
    assert {w.priority for w in wos} == {"urgent", "normal", "low"}
    assert {w.group_name for w in wos} >= {"技术支持组", "退换货组", "投诉处理组", "安装调试组"}
    for w in wos:
        assert w.accepted_at <= now
        assert 9 <= w.accepted_at.hour <= 17
        assert w.actual_completion is None or w.actual_completion > w.accepted_at
        assert (w.status == "已完成") == (w.actual_completion is not None) == bool(w.solution)
    sold = {s.contract_no for s in rows(store, Sale)}
    assert all(w.contract_no in sold for w in wos if w.contract_no)
    customers = {c.id: c for c in rows(store, Customer)}
    assert all(customers[w.customer_id].is_member for w in wos)


def test_sales(built) -> None:  # noqa: ANN001
    store, _, _ = built
    sales = rows(store, Sale)
    assert sum(s.sold_on >= TODAY - timedelta(days=5) for s in sales) >= 2
    assert all(s.sold_on < TODAY and s.amount > 0 and s.quantity >= 1 for s in sales)
    assert all(TODAY - timedelta(days=190) <= s.sold_on for s in sales)


def test_callback_history(built) -> None:  # noqa: ANN001
    store, _, _ = built
    hist = history(store)
    now = datetime.combine(TODAY, dtime(8, 30))
    kinds = Tally(c.kind for c in hist)
    assert {"completion", "first_sale", "quarterly"} <= set(kinds)
    assert all(re.fullmatch(r"HF\d{6}\d{3}", c.number) for c in hist)
    assert all(TODAY - timedelta(days=190) <= c.completed_at.date() < TODAY for c in hist)
    assert all(c.completed_at <= now and c.created_at <= c.completed_at for c in hist)
    channels = Tally(c.channel for c in hist)
    assert channels["phone"] > len(hist) * 0.7
    scored = [c for c in hist if c.score_resolution is not None]
    assert all(1 <= c.score_resolution <= 5 and 1 <= c.score_attitude <= 5 for c in scored)
    high = sum(c.score_resolution >= 4 for c in scored)
    low = sum(min(c.score_resolution, c.score_attitude) < 3 for c in scored)
    assert high > len(scored) * 0.7 and low >= 3
    assert sum(bool(c.suggestions) for c in hist) > len(hist) / 3
    # trigger refs follow domain.rules so the planner sees these as done
    wo_numbers = {w.number for w in rows(store, WorkOrder)}
    for c in hist:
        prefix, _, ref = c.trigger_ref.partition(":")
        assert prefix == {"completion": "wo", "usage": "wo", "first_sale": "sale", "quarterly": "cb",
                          "low_score": "cb", "onsite": "onsite"}[c.kind]
        if prefix == "wo":
            assert ref in wo_numbers and c.work_order_id is not None
    # every call attempt row belongs to its callback, the last one completed it
    attempts: dict[int, list[CallAttempt]] = {}
    for a in rows(store, CallAttempt):
        attempts.setdefault(a.callback_id, []).append(a)
    for c in hist:
        mine = sorted(attempts[c.id], key=lambda a: a.at)
        assert len(mine) == c.attempts
        assert mine[-1].outcome == "completed" and mine[-1].at == c.completed_at
        assert all(a.outcome in ("no_answer", "busy", "phone_off") for a in mine[:-1])


def test_counters_continue_numbering(built) -> None:  # noqa: ANN001
    store, _, _ = built
    counters = {c.key: c.value for c in rows(store, Counter)}
    seen: dict[str, int] = {}
    for number in [w.number for w in rows(store, WorkOrder)] + [c.number for c in rows(store, Callback)]:
        key, seq = number[:8], int(number[8:])
        seen[key] = max(seen.get(key, 0), seq)
    for key, top in seen.items():
        assert counters[key] >= top


def test_demo_flag_and_single_audit_entry(built) -> None:  # noqa: ANN001
    store, summary, _ = built
    assert store.setting("demo") == "1"
    entries = [e for e in rows(store, AuditEntry) if e.action == "demo.build"]
    assert len(entries) == 1
    assert entries[0].login == "opsadmin"
    assert f'"customers": {summary.customers}' in entries[0].after


def test_nothing_real_looking(built) -> None:  # noqa: ANN001
    store, _, _ = built
    contacts = rows(store, Contact)
    emails = [c.email for c in contacts if c.email]
    assert emails and all(re.fullmatch(r"[a-z0-9.]+@example\.(com|cn)", e) for e in emails)
    assert len(set(emails)) == len(emails)
    phones = [c.phone for c in contacts]
    assert all(re.fullmatch(r"1(3\d|5\d|8\d)\d{8}", p) for p in phones)
    assert len(set(phones)) == len(phones)
    assert {w.contact_phone for w in rows(store, WorkOrder)} <= set(phones)


def test_no_markup_or_escapes_in_text(built) -> None:  # noqa: ANN001
    store, _, _ = built
    bad = re.compile(r"[\[\]\x1b\x00-\x08]")
    for model in (Customer, Contact, WorkOrder, Sale, NonMemberEvent, Callback, CallAttempt, User):
        for row in rows(store, model):
            for name, value in row.model_dump().items():
                if isinstance(value, str):
                    assert not bad.search(value), (model.__name__, name, value)


def test_templates_have_no_brackets() -> None:
    def walk(v):  # noqa: ANN001, ANN202
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            for k, x in v.items():
                yield k
                yield from walk(x)
        elif isinstance(v, list):
            for x in v:
                yield from walk(x)

    assert not [s for s in walk(load_templates()) if "[" in s or "]" in s]


def test_refuses_a_database_with_data(built) -> None:  # noqa: ANN001
    store, _, _ = built
    with pytest.raises(ServiceError):
        build_demo(store, TODAY)


def test_planner_fills_agent1_queue(built) -> None:  # noqa: ANN001
    store, _, _ = built
    try:
        import huifang_tui.services.planner  # noqa: F401
    except ImportError:
        pytest.skip("planner not available yet")
    open_due = [
        c for c in rows(store, Callback)
        if c.status == "open" and c.agent_login == "agent1" and c.due_on <= TODAY
    ]
    assert open_due
    kinds = {c.kind for c in rows(store, Callback) if c.status == "open" and c.due_on <= TODAY}
    assert {"completion", "progress_check", "first_sale", "nm_new", "nm_event", "nm_inactive",
            "low_score"} <= kinds


def test_other_days_and_sizes(tmp_path: Path) -> None:
    # a year the official calendar does not know yet (Mon–Fri estimate) and a small centre
    today = date(2027, 10, 8)
    store = make_store(tmp_path / "x.db", today)
    summary = build_demo(store, today, customers=30)
    assert summary.customers == 30
    tiers = {c.tier for c in rows(store, Customer)}
    assert tiers == {"standard", "key", "major", "strategic"}
    assert all(w.accepted_at.date() <= today for w in rows(store, WorkOrder))
    assert all(c.completed_at.date() < today for c in history(store))
    assert store.setting("demo") == "1"


def test_demo_path() -> None:
    p = demo_path()
    assert p.name == "demo.db" and p.parent.name == "huifang"
