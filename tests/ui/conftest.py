"""Fixtures shared by the UI tests."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

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
def two_due(desk):
    """The desk's customer also has a usage callback due: one call, two callbacks."""
    from huifang_tui.store.models import Callback
    from sqlmodel import select

    store, agent = desk
    with store.read() as s:
        cid = s.exec(select(Callback)).one().customer_id
    add_callback(store, cid, "HF202611002", kind="usage", trigger="wo:SX202609001", deadline_on=date(2026, 12, 18))
    return store, agent


@pytest.fixture(scope="session")
def _demo_databases(tmp_path_factory):
    """``path(now)``: the demo database (seed 7, ``DEMO_TODAY``, the clock at *now*), built once
    per clock value in a run (per worker under ``-n``); building it costs seconds, a copy does not."""
    from huifang_tui.demo import build_demo
    from huifang_tui.services.base import Store
    from huifang_tui.store import db

    built: dict[datetime, Path] = {}

    def path(now: datetime) -> Path:
        if now not in built:
            file = tmp_path_factory.mktemp("demo-template") / "demo.db"
            store = Store("sqlite:///" + str(file), clock=lambda: now)
            store.ensure_schema()
            build_demo(store, DEMO_TODAY, seed=7)
            db.dispose(store.engine)  # the last connection closing checkpoints the WAL into the file
            assert not Path(f"{file}-wal").exists()
            built[now] = file
        return built[now]

    return path


@pytest.fixture
def demo_app(tmp_path, _demo_databases):
    """``make(login, now)``: the app on a fresh demo database (fixed seed and clock, no cursor
    blink), as the snapshots need it: each app gets its own copy of the demo built for *now*."""
    from huifang_tui.app import HuifangApp
    from huifang_tui.services.base import Store
    from huifang_tui.services.users import resolve_actor

    made = iter(range(100))

    def make(login: str = "agent1", now: datetime = DEMO_NOW) -> HuifangApp:
        folder = tmp_path / f"demo{next(made)}"  # a database of its own for each app
        folder.mkdir()
        shutil.copy2(_demo_databases(now), folder / "demo.db")
        store = Store("sqlite:///" + str(folder / "demo.db"), clock=lambda: now)
        store.ensure_schema()
        return HuifangApp(store, resolve_actor(store, login), cursor_blink=False)

    return make
