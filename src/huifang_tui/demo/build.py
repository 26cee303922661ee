"""Writing the demo centre: facts in one transaction; users, the company name and the open
work through the services, as a real centre gets them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlmodel import select

from ..core.errors import ServiceError
from ..core.identity import SYSTEM, Actor
from ..services import users as user_svc
from ..services.base import Store, audit
from ..services.calendar import load_calendar, set_company_name
from ..services.planner import run_planner
from ..store.models import Callback, Customer, Sale, Setting, User, WorkOrder
from .generate import DemoFacts
from .issues import build_demo_issues
from .templates import DEMO_COMPANY, load_templates


@dataclass(frozen=True, slots=True)
class DemoSummary:
    customers: int
    contacts: int
    work_orders: int
    sales: int
    events: int
    callbacks_history: int
    users: int


def _check_empty(s) -> None:  # noqa: ANN001
    for model in (Customer, WorkOrder, Callback, Sale):
        if s.exec(select(model.id).limit(1)).first() is not None:  # type: ignore[attr-defined]
            from ..core.i18n import t

            raise ServiceError(t("err.demo_not_empty"))


def build_demo(
    store: Store,
    today: date,
    *,
    seed: int = 7,
    customers: int = 200,
    admin_login: str | None = None,
) -> DemoSummary:
    """Fill an empty database with demo data relative to ``today``; then run the planner."""
    if customers < 1:
        raise ValueError("customers must be >= 1")
    if not store.is_initialised():
        store.ensure_schema()
    with store.read() as s:
        _check_empty(s)
        cal = load_calendar(s)
        existing = set(s.exec(select(User.login)))
    g = DemoFacts(load_templates(), today, seed, customers, cal)
    g.build_customers()
    g.build_sales()
    g.build_work_orders()
    g.set_customer_dates()
    g.build_history()

    # Users through the users service, as `huifang user add` makes them (the system acts).
    people = [(u["login"], u["role"], u["name"]) for u in g.users]
    actor = SYSTEM
    if admin_login and admin_login not in {p[0] for p in people}:
        people.append((admin_login, "admin", admin_login))
        actor = Actor(admin_login, "admin", admin_login)
    for login, role, name in people:
        if login not in existing:
            user_svc.add_user(store, SYSTEM, login, role, name)

    contacts = [ct for c in g.customers for ct in g.contacts[c.id]]  # type: ignore[index]
    callbacks = [h.cb for h in g.hist]
    attempts = [a for h in g.hist for a in h.attempts]
    summary = DemoSummary(
        customers=len(g.customers),
        contacts=len(contacts),
        work_orders=len(g.work_orders),
        sales=len(g.sales),
        events=len(g.events),
        callbacks_history=len(callbacks),
        users=len(people),
    )
    with store.write() as s:
        _check_empty(s)
        s.add_all(g.number_and_link(s))
        # No ORM relationships: flush parents before children (four flushes in all).
        s.add_all(g.customers)
        s.flush()
        s.add_all(contacts)
        s.add_all(g.sales)
        s.add_all(g.work_orders)
        s.add_all(g.events)
        s.flush()
        s.add_all(callbacks)
        s.flush()
        s.add_all(attempts)
        s.merge(Setting(key="demo", value="1"))
        # Low-score follow-ups need a dedicated person (003 四): the demo names the supervisor.
        if s.get(Setting, "followup_login") is None:
            s.add(Setting(key="followup_login", value=g.supervisor))
        audit(
            s, actor, store.now(), "demo.build", "database", "demo", None,
            {**asdict(summary), "seed": seed, "today": today.isoformat()},
        )
    set_company_name(store, actor, DEMO_COMPANY)
    run_planner(store)  # the open work, as at a real centre's start-up
    build_demo_issues(store, today, supervisor=g.supervisor)  # the ledger, through services.issues
    mark_built(store)
    return summary


BUILT_MARK = "demo.audit_mark"


def mark_built(store: Store) -> None:
    """Remember where the demo's own audit rows end: anything after is work people did."""
    from sqlalchemy import func
    from sqlmodel import select

    from ..store.models import AuditEntry

    with store.write() as s:
        last = s.exec(select(func.max(AuditEntry.id))).one() or 0
        s.merge(Setting(key=BUILT_MARK, value=str(last)))
