"""SPEC §6: many agent processes on one database (SQLite file or PostgreSQL) lose no update and raise no error."""

from __future__ import annotations

import multiprocessing as mp
from datetime import date

import pytest

from sqlmodel import select

from huifang_tui.services.base import Store, next_number
from huifang_tui.store.models import Counter

PROCS = 8
EACH = 60


def _worker(url: str, q) -> None:  # noqa: ANN001
    store = Store(url)
    got, errors = [], []
    for _ in range(EACH):
        try:
            with store.write() as s:  # read-modify-write of one counter row
                got.append(next_number(s, "HF", date(2026, 11, 1)))
        except Exception as e:  # noqa: BLE001 - any error fails the test below
            errors.append(repr(e))
    q.put((got, errors))


def test_no_lost_updates_across_processes(store):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(store.url, q)) for _ in range(PROCS)]
    for p in procs:
        p.start()
    results = [q.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    numbers = [n for got, _ in results for n in got]
    errors = [e for _, errs in results for e in errs]
    assert errors == []
    assert len(numbers) == PROCS * EACH
    assert len(set(numbers)) == PROCS * EACH, "two processes were handed the same number"
    with store.read() as s:
        assert s.exec(select(Counter.value).where(Counter.key == "HF202611")).one() == PROCS * EACH


@pytest.mark.sqlite_only
def test_wal_and_foreign_keys_are_on(store):
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def _claim(url: str, login: str, q) -> None:  # noqa: ANN001
    from huifang_tui.services.base import Actor, ServiceError
    from huifang_tui.services.recording import CallRecord, record_attempt
    from huifang_tui.services.calls import open_call

    store = Store(url)
    actor = Actor(login, "agent")
    got = {"claimed": False, "completed": False, "error": None}
    try:
        try:
            open_call(store, actor, "HF202611001")
            got["claimed"] = True
            record_attempt(store, actor, "HF202611001",
                           CallRecord(outcome="completed", reached_name="王经理", score_resolution=5, score_attitude=5))
            got["completed"] = True
        except ServiceError:
            pass  # refused: claimed by someone else, or already completed and theirs
    except Exception as e:  # noqa: BLE001
        got["error"] = repr(e)
    q.put(got)


def test_only_one_process_claims_and_completes_a_pool_callback(store):
    """SPEC §6: two agents can never both claim or complete the same callback."""
    from factories import add_callback, add_customer, add_user

    for n in range(PROCS):
        add_user(store, f"agent{n}", "agent")
    add_callback(store, add_customer(store, "杭州恒达机械有限公司", agent=None), "HF202611001", agent=None)
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_claim, args=(store.url, f"agent{n}", q)) for n in range(PROCS)]
    for p in procs:
        p.start()
    results = [q.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [r["error"] for r in results if r["error"]] == []
    assert sum(r["claimed"] for r in results) == 1
    assert sum(r["completed"] for r in results) == 1
