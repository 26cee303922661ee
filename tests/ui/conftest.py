"""Fixtures shared by the UI tests."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from factories import add_callback, add_customer, add_user

DEMO_TODAY = date(2026, 11, 23)
DEMO_NOW = datetime(2026, 11, 23, 9, 30)


@pytest.fixture
def desk(store):
    """An agent with one completion callback due (and a supervisor)."""
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    add_user(store, "supervisor", "supervisor", "周主管")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001", kind="completion", trigger="wo:SX202611001",
                 deadline_on=date(2026, 11, 25))
    return store, agent


@pytest.fixture
def demo_app(tmp_path):
    """``make(login, now)``: the app on a fresh demo database (fixed seed and clock, no cursor
    blink), as the snapshots need it."""
    from huifang_tui.app import HuifangApp
    from huifang_tui.demo import build_demo
    from huifang_tui.services.base import Store
    from huifang_tui.services.users import resolve_actor

    made = iter(range(100))

    def make(login: str = "agent1", now: datetime = DEMO_NOW) -> HuifangApp:
        folder = tmp_path / f"demo{next(made)}"  # a database of its own for each app
        folder.mkdir()
        store = Store("sqlite:///" + str(folder / "demo.db"), clock=lambda: now)
        store.ensure_schema()
        build_demo(store, DEMO_TODAY, seed=7)
        return HuifangApp(store, resolve_actor(store, login), cursor_blink=False)

    return make
