"""SPEC §6: many agent processes on one SQLite file lose no update and raise no error."""

from __future__ import annotations

import multiprocessing as mp
from datetime import date

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


def test_wal_and_foreign_keys_are_on(store):
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
