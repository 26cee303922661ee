"""Planner: reconciles dated facts with callbacks, idempotently (SPEC §3).

Running it any number of times over the same facts gives the same callbacks: one per
(customer, kind, trigger_ref), enforced both here and by a unique constraint. It looks
only at facts that can still produce work (recent or changed since the last run), so a
day's run stays fast on a large centre's history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, tuple_, update
from sqlmodel import Session, select

from ..domain import rules
from ..domain.facts import (
    CompletedCallback,
    CustomerFact,
    EventFact,
    PlannedCallback,
    SaleFact,
    WorkOrderFact,
)
from ..store.models import Callback, Contact, Counter, Customer, NonMemberEvent, Sale, Setting, User, WorkOrder
from .base import SYSTEM, Actor, Store, audit
from .calendar import load_calendar, load_policy

WATERMARK = "planner.watermark"
# Facts older than this produce no new callbacks (a history import must not flood queues).
HISTORY_DAYS = 45
# Without a watermark (first run, back-fill) look far enough back to pick up usage callbacks
# (completion + 2–3 months) and quarterly links of history that was never planned.
FIRST_RUN_DAYS = 200
_BATCH = 400


@dataclass
class PlanReport:
    created: int
    cancelled: int
    now: datetime


def customer_fact(c: Customer) -> CustomerFact:
    return CustomerFact(
        id=c.id, name=c.name, tier=c.tier, is_member=c.is_member, agent=c.agent_login,
        registered_on=c.registered_on, last_activity_on=c.last_activity_on,
    )


def completed_fact(cb: Callback, number: str | None = None) -> CompletedCallback:
    return CompletedCallback(
        number=number or cb.number, customer_id=cb.customer_id, kind=cb.kind,
        trigger_ref=cb.trigger_ref, completed_at=cb.completed_at,
        score_resolution=cb.score_resolution, score_attitude=cb.score_attitude,
        negative_feedback=cb.negative_feedback, needs_onsite=cb.needs_onsite,
    )


def run_planner(store: Store, now: datetime | None = None, actor: Actor = SYSTEM) -> PlanReport:
    """Plan everything the facts call for at ``now`` (default: the store's clock)."""
    wall = store.now()
    now = now or wall
    with store.write() as s:
        row = s.get(Setting, WATERMARK)
        since = now - timedelta(days=FIRST_RUN_DAYS)
        if row and row.value and now >= wall - timedelta(minutes=5):
            since = max(since, datetime.fromisoformat(row.value) - timedelta(days=1))
        created, cancelled = _plan(s, actor, now, since)
        s.merge(Setting(key=WATERMARK, value=wall.isoformat()))
    return PlanReport(created, cancelled, now)


def plan_after_completion(s: Session, actor: Actor, cb: Callback, now: datetime) -> list[Callback]:
    """Inside a completion's own transaction: create what follows it (low_score, quarterly, …)."""
    cal, policy = load_calendar(s), load_policy(s)
    cust = s.get(Customer, cb.customer_id)
    planned = rules.after_completion(completed_fact(cb), customer_fact(cust), policy, cal)
    return _insert(s, actor, now, planned, {cust.id: cust})


def _plan(s: Session, actor: Actor, now: datetime, since: datetime) -> tuple[int, int]:
    cal, policy = load_calendar(s), load_policy(s)
    today = now.date()
    horizon = today - timedelta(days=HISTORY_DAYS)
    planned: list[PlannedCallback] = []
    customers: dict[int, Customer] = {}

    def cust(cid: int) -> Customer:
        c = customers.get(cid)
        if c is None:
            c = customers[cid] = s.get(Customer, cid)
        return c

    def preload(ids: Iterable[int]) -> None:
        missing = list({i for i in ids if i not in customers})
        for i in range(0, len(missing), _BATCH):
            for c in s.exec(select(Customer).where(Customer.id.in_(missing[i : i + _BATCH]))):
                customers[c.id] = c

    # Work orders: recently completed or changed, and open ones past their planned completion.
    wos = list(
        s.exec(
            select(WorkOrder).where(
                or_(
                    WorkOrder.updated_at >= since,
                    WorkOrder.actual_completion >= datetime.combine(horizon, datetime.min.time()),
                    (WorkOrder.actual_completion.is_(None))
                    & (WorkOrder.planned_completion < now)
                    & (WorkOrder.planned_completion >= datetime.combine(horizon, datetime.min.time())),
                )
            )
        )
    )
    preload(w.customer_id for w in wos)
    for w in wos:
        fact = WorkOrderFact(
            id=w.id, number=w.number, customer_id=w.customer_id, service_type=w.service_type,
            planned_completion=w.planned_completion, actual_completion=w.actual_completion,
        )
        planned += rules.for_work_order(fact, customer_fact(cust(w.customer_id)), policy, cal, now)

    sales = list(s.exec(select(Sale).where(Sale.sold_on >= today - relativedelta(months=1, days=HISTORY_DAYS))))
    preload(x.customer_id for x in sales)
    for x in sales:
        fact = SaleFact(id=x.id, contract_no=x.contract_no, customer_id=x.customer_id, sold_on=x.sold_on)
        planned += rules.for_sale(fact, customer_fact(cust(x.customer_id)), policy, cal)

    events = list(s.exec(select(NonMemberEvent).where(NonMemberEvent.occurred_on >= horizon)))
    preload(e.customer_id for e in events)
    for e in events:
        fact = EventFact(id=e.id, customer_id=e.customer_id, kind=e.kind, occurred_on=e.occurred_on)
        planned += rules.for_event(fact, customer_fact(cust(e.customer_id)), policy, cal)

    # Customer-level cycles: sleeping non-members, on-site cycles of major/strategic customers.
    for c in s.exec(
        select(Customer).where(or_(Customer.is_member == False, Customer.tier.in_(("major", "strategic"))))  # noqa: E712
    ):
        customers.setdefault(c.id, c)
        planned += rules.for_customer(customer_fact(c), policy, cal, today)

    # Chains and follow-ups of callbacks completed recently.
    done = list(s.exec(select(Callback).where(Callback.status == "completed", Callback.completed_at >= since)))
    preload(c.customer_id for c in done)
    for cb in done:
        planned += rules.after_completion(completed_fact(cb), customer_fact(cust(cb.customer_id)), policy, cal)

    # History imports must not flood today's queue with long-dead work.
    planned = [p for p in planned if p.deadline_on >= horizon]
    created = _insert(s, actor, now, planned, customers)
    cancelled = _cancel_progress_checks(s, actor, now)
    return len(created), cancelled


def _insert(
    s: Session, actor: Actor, now: datetime, planned: list[PlannedCallback], customers: dict[int, Customer]
) -> list[Callback]:
    unique: dict[tuple, PlannedCallback] = {}
    for p in planned:
        unique.setdefault(p.key, p)
    if not unique:
        return []
    keys = list(unique)
    existing: set[tuple] = set()
    for i in range(0, len(keys), _BATCH):
        chunk = keys[i : i + _BATCH]
        cols = (Callback.customer_id, Callback.kind, Callback.trigger_ref)
        existing.update(tuple(r) for r in s.exec(select(*cols).where(tuple_(*cols).in_(chunk))))
    todo = [unique[k] for k in keys if k not in existing]
    if not todo:
        return []
    numbers = _reserve_numbers(s, "HF", now.date(), len(todo))
    contacts = _primary_contacts(s, {p.customer_id for p in todo})
    followup = _setting(s, "followup_login")
    wo_ids = _work_order_ids(s, [p.trigger_ref[3:] for p in todo if p.trigger_ref.startswith("wo:")])
    out = []
    for p, number in zip(todo, numbers):
        c = customers.get(p.customer_id) or s.get(Customer, p.customer_id)
        agent = c.agent_login if p.assignee == "agent" else (followup or None) if p.assignee == "followup" else None
        cb = Callback(
            number=number, customer_id=p.customer_id, kind=p.kind, trigger_ref=p.trigger_ref,
            work_order_id=wo_ids.get(p.trigger_ref[3:]) if p.trigger_ref.startswith("wo:") else None,
            channel="onsite" if p.kind in ("onsite", "annual_visit") else "phone",
            assignee=p.assignee, agent_login=agent, priority=p.priority, due_on=p.due_on,
            deadline_on=p.deadline_on, deadline_at=p.deadline_at, estimated=p.estimated,
            contact_name=contacts.get(p.customer_id, ""), created_at=now, updated_at=now,
        )
        out.append(cb)
    s.add_all(out)
    s.flush()
    audit(s, actor, now, "plan.create", "callback", f"{len(out)}", None,
          {"numbers": [c.number for c in out[:200]], "count": len(out)})
    return out


def _cancel_progress_checks(s: Session, actor: Actor, now: datetime) -> int:
    """A progress_check is moot once the work order's completion has arrived (000 §4.5)."""
    ids = list(
        s.exec(
            select(Callback.id)
            .join(WorkOrder, WorkOrder.id == Callback.work_order_id)
            .where(Callback.kind == "progress_check", Callback.status == "open",
                   WorkOrder.actual_completion.is_not(None))
        )
    )
    if not ids:
        return 0
    s.exec(
        update(Callback).where(Callback.id.in_(ids))
        .values(status="cancelled", outcome="cancelled", updated_at=now, version=Callback.version + 1)
    )
    audit(s, actor, now, "plan.cancel", "callback", f"{len(ids)}", None, {"ids": ids[:200], "reason": "completed"})
    return len(ids)


def _reserve_numbers(s: Session, prefix: str, on: date, n: int) -> list[str]:
    key = f"{prefix}{on:%Y%m}"
    row = s.get(Counter, key) or Counter(key=key, value=_highest(s, key))
    start = row.value
    row.value += n
    s.add(row)
    width = max(3, len(str(row.value)))
    return [f"{key}{i:0{width}d}" for i in range(start + 1, start + n + 1)]


def _highest(s: Session, key: str) -> int:
    """Seed a missing month counter from numbers already stored (e.g. written by a restore)."""
    from sqlalchemy import func

    top = s.exec(select(func.max(Callback.number)).where(Callback.number.like(f"{key}%"))).one()
    return int(top[len(key):]) if top and top[len(key):].isdigit() else 0


def _primary_contacts(s: Session, cids: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    ids = list(cids)
    for i in range(0, len(ids), _BATCH):
        for c in s.exec(select(Contact).where(Contact.customer_id.in_(ids[i : i + _BATCH]))):
            if c.is_primary or c.customer_id not in out:
                out[c.customer_id] = c.name
    return out


def _work_order_ids(s: Session, numbers: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    uniq = list(set(numbers))
    for i in range(0, len(uniq), _BATCH):
        for wid, num in s.exec(select(WorkOrder.id, WorkOrder.number).where(WorkOrder.number.in_(uniq[i : i + _BATCH]))):
            out[num] = wid
    return out


def _setting(s: Session, key: str) -> str:
    row = s.get(Setting, key)
    return row.value if row else ""


def sales_managers(s: Session) -> list[str]:
    return list(s.exec(select(User.login).where(User.role == "sales_manager", User.active == True)))  # noqa: E712
