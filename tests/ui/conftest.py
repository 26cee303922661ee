"""Fixtures shared by the UI tests."""

from __future__ import annotations

from datetime import date

import pytest
from factories import add_callback, add_customer, add_user


@pytest.fixture
def desk(store):
    """An agent with one completion callback due (and a supervisor)."""
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    add_user(store, "supervisor", "supervisor", "周主管")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001", kind="completion", trigger="wo:SX202611001",
                 deadline_on=date(2026, 11, 25))
    return store, agent
