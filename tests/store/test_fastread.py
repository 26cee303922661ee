"""The start-up fast path (store/fastread.py) shows exactly what the services layer shows."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import pytest
from factories import demo_centre

from huifang_tui.services.calls import open_call
from huifang_tui.services.queue import queue_progress, queue_rows
from huifang_tui.services.users import resolve_actor
from huifang_tui.store import fastread

NOW = datetime(2026, 11, 23, 9, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return demo_centre(tmp_path_factory, "fast")


@pytest.mark.parametrize("login", ["agent1", "agent2", "supervisor", "salesmgr"])
def test_snapshot_matches_services(demo, login):
    store, path = demo
    actor = resolve_actor(store, login)
    expected = queue_rows(store, actor, NOW.date(), now=NOW)
    conn = fastread.connect(path)
    rows, progress = fastread.queue_snapshot(conn, actor.login, actor.role, NOW)
    assert [asdict(r) for r in rows] == [asdict(r) for r in expected]
    assert progress == queue_progress(store, actor, NOW.date(), now=NOW)
    assert fastread.user(conn, login)[2] == actor.role


def test_snapshot_sees_live_claims(demo):
    store, path = demo
    actor = resolve_actor(store, "agent1")
    number = queue_rows(store, actor, NOW.date(), now=NOW)[0].number
    open_call(store, actor, number)  # this test process holds the claim
    rows, _ = fastread.queue_snapshot(fastread.connect(path), "agent1", "agent", NOW)
    assert next(r for r in rows if r.number == number).claimed_by == "agent1"
