"""Demo issues for the ledger (issue 10 must-shows): one of each situation, made through the
same services as the screens, dated relative to the demo's day (never after the clock), each
typed at the moment it states: the demo's ledger holds no 补录 (issue 23)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import select

from ..core.identity import Actor
from ..services import issues as svc
from ..services.base import Store
from ..store.models import Callback, Customer


def _typed(fn, store: Store, *args, when: datetime, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
    """*fn* called as if typed at the moment it states (the clock set to *when*)."""
    clock = store.clock
    store.clock = lambda: when
    try:
        return fn(store, *args, when=when, **kw)
    finally:
        store.clock = clock


def build_demo_issues(store: Store, today: date, agent: str = "agent1", supervisor: str = "supervisor") -> int:
    """Six issues: overdue and escalated, at risk, a complaint, waiting on the customer, closed
    (its customer's next callback asks to verify it), and a fresh one."""
    now = store.now()
    a, sup = Actor(agent, "agent", agent), Actor(supervisor, "supervisor", supervisor)
    with store.read() as s:
        queue = list(s.exec(select(Callback.customer_id).where(
            Callback.agent_login == agent, Callback.status == "open", Callback.due_on <= today)
            .order_by(Callback.due_on, Callback.priority, Callback.id)))
        busy = set(s.exec(select(Callback.customer_id).where(Callback.status == "open")))
        quiet = [c.name for c in s.exec(select(Customer).order_by(Customer.id)) if c.id not in busy]
        names = {c.id: c.name for c in s.exec(select(Customer))}
    # the closed one belongs to a customer further down the agent's queue (not the first call)
    verify_for = names[queue[2]] if len(queue) > 2 else None
    if len(quiet) < 5:
        return 0

    def at(days: int, hh: int, mm: int = 0) -> datetime:
        return min(datetime.combine(today - timedelta(days=days), time(hh, mm)), now)

    made = 0
    i = _typed(svc.raise_issue, store, a, customer=quiet[0], title="设备运行异响，影响生产", category="product",
                        priority="urgent", when=at(3, 9))
    made += 1
    i = _typed(svc.raise_issue, store, a, customer=quiet[1], title="工程师上门时间一再推迟", category="service",
                        when=at(1, 10))
    _typed(svc.assign_issue, store, sup, i.number, "售后服务部", agent, when=at(1, 10, 30))
    _typed(svc.acknowledge, store, sup, i.number, when=at(1, 11))
    made += 1
    _typed(svc.raise_issue, store, a, customer=quiet[2], title="对服务态度不满，要求道歉", category="service",
                    is_complaint=True, when=at(0, 8, 40))
    made += 1
    i = _typed(svc.raise_issue, store, a, customer=quiet[3], title="希望增加远程监控功能", category="need",
                        priority="low", when=at(2, 14))
    _typed(svc.acknowledge, store, sup, i.number, when=at(2, 15))
    _typed(svc.wait, store, a, i.number, "客户需内部确认需求细节", when=at(2, 16))
    made += 1
    if verify_for:
        i = _typed(svc.raise_issue, store, a, customer=verify_for, title="滤网更换后仍有漏液", category="product",
                            when=at(8, 9))
        _typed(svc.acknowledge, store, sup, i.number, when=at(8, 10))
        _typed(svc.solve, store, sup, i.number, "更换密封圈并重新校准", when=at(7, 15))
        _typed(svc.tell, store, a, i.number, (today - timedelta(days=7)), 4, when=at(7, 16))
        _typed(svc.close, store, sup, i.number, when=at(7, 17))
        made += 1
    _typed(svc.raise_issue, store, a, customer=quiet[4], title="发票抬头需要更正", category="other", priority="low",
                    when=at(0, 9))
    with store.write() as s:  # what the clock owes since the last step (escalations), as any write does
        svc.write_due_escalations(s, store.now())
    return made + 1
