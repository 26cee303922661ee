"""Small record factories for tests (write straight to the tables)."""

from __future__ import annotations

from datetime import date

from huifang_tui.services.base import Actor, Store
from huifang_tui.store.models import Callback, Contact, Customer, User

from conftest import NOW


def add_user(store: Store, login: str, role: str = "agent", name: str = "") -> Actor:
    with store.write() as s:
        s.add(User(login=login, name=name or login, role=role, created_at=NOW))
    return Actor(login, role, name or login)


def add_customer(store: Store, name: str, agent: str | None = "agent1", *, tier: str = "standard",
                 member: bool = True, contact: str = "王经理", phone: str = "13812345678") -> int:
    with store.write() as s:
        c = Customer(name=name, tier=tier, is_member=member, agent_login=agent, created_at=NOW, updated_at=NOW)
        s.add(c)
        s.flush()
        s.add(Contact(customer_id=c.id, name=contact, role="技术负责人", phone=phone, is_primary=True))
        return c.id


def add_callback(store: Store, customer_id: int, number: str, *, kind: str = "completion",
                 due_on: date = NOW.date(), deadline_on: date | None = None, agent: str | None = "agent1",
                 priority: int = 20, trigger: str | None = None, contact: str = "王经理") -> int:
    with store.write() as s:
        cb = Callback(number=number, customer_id=customer_id, kind=kind, trigger_ref=trigger or f"test:{number}",
                      agent_login=agent, priority=priority, due_on=due_on, deadline_on=deadline_on or due_on,
                      contact_name=contact, created_at=NOW, updated_at=NOW)
        s.add(cb)
        s.flush()
        return cb.id


def demo_centre(tmp_path_factory, prefix: str) -> tuple[Store, str]:  # noqa: ANN001
    """The demo centre (seed 7, 2026-11-23) in a fresh file: (store, path)."""
    from huifang_tui.demo import build_demo

    path = tmp_path_factory.mktemp(prefix) / "demo.db"
    store = Store("sqlite:///" + str(path), clock=lambda: NOW)
    store.ensure_schema()
    build_demo(store, date(2026, 11, 23), seed=7)
    return store, str(path)
