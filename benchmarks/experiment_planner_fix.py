"""What-if: time ``run_planner`` with the suggested ``_insert`` fixes, monkeypatched in this process only.

Usage::

    python benchmarks/experiment_planner_fix.py [--runs 3] [--variant exists|exists+core]

Nothing under ``src/`` is changed; this replaces ``planner._insert`` in memory with:

* ``exists``: the existence check selects ``(customer_id, kind, trigger_ref)`` by
  ``customer_id IN (…400 ids…)`` (a SEARCH on the ``uq_callback_trigger`` index) and filters
  the keys in Python, instead of ``tuple_(…).in_(…)``, which SQLite runs as a full scan of the
  1M-entry covering index for every chunk of 400 keys (~200 ms each).
* ``exists+core``: the same, plus the new rows are written with one Core
  ``insert(Callback.__table__)`` executemany of plain dicts instead of constructing
  16k SQLModel objects and flushing them one INSERT at a time. (The real fix would keep
  returning ``Callback`` objects for the small ``plan_after_completion`` path.)

Same setup as ``bench_planner.py`` (fresh copy + 10k new WOs, clock at today 11:00).
"""

from __future__ import annotations

import argparse
import sys
import time as _time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_planner import add_days_facts  # noqa: E402
from common import LARGE, OUT, db_today, drop, fixed_clock, fresh_copy, median  # noqa: E402


def patched_insert(core: bool):  # noqa: ANN201
    from sqlalchemy import insert
    from sqlmodel import select

    from huifang_tui.services import planner as P
    from huifang_tui.store.models import Callback, Customer

    def _insert(s, actor, now: datetime, planned, customers):  # noqa: ANN001, ANN202
        unique: dict[tuple, object] = {}
        for p in planned:
            unique.setdefault(p.key, p)
        if not unique:
            return []
        cids = list({k[0] for k in unique})
        existing: set[tuple] = set()
        cols = (Callback.customer_id, Callback.kind, Callback.trigger_ref)
        for i in range(0, len(cids), P._BATCH):
            rows = s.exec(select(*cols).where(Callback.customer_id.in_(cids[i : i + P._BATCH])))
            existing.update(k for k in map(tuple, rows) if k in unique)
        todo = [p for k, p in unique.items() if k not in existing]
        if not todo:
            return []
        numbers = P._reserve_numbers(s, "HF", now.date(), len(todo))
        contacts = P._primary_contacts(s, {p.customer_id for p in todo})
        followup = P._setting(s, "followup_login")
        wo_ids = P._work_order_ids(s, [p.trigger_ref[3:] for p in todo if p.trigger_ref.startswith("wo:")])
        vals = []
        for p, number in zip(todo, numbers):
            c = customers.get(p.customer_id) or s.get(Customer, p.customer_id)
            agent = c.agent_login if p.assignee == "agent" else (followup or None) if p.assignee == "followup" else None
            vals.append(dict(
                number=number, customer_id=p.customer_id, kind=p.kind, trigger_ref=p.trigger_ref,
                work_order_id=wo_ids.get(p.trigger_ref[3:]) if p.trigger_ref.startswith("wo:") else None,
                channel="onsite" if p.kind in ("onsite", "annual_visit") else "phone",
                assignee=p.assignee, agent_login=agent, priority=p.priority, due_on=p.due_on,
                deadline_on=p.deadline_on, deadline_at=p.deadline_at, estimated=p.estimated,
                contact_name=contacts.get(p.customer_id, ""), created_at=now, updated_at=now))
        if core:
            defaults = {c.name: c.default.arg for c in Callback.__table__.columns
                        if c.default is not None and not callable(c.default.arg)}
            rows = [{**defaults, **v} for v in vals]
            s.execute(insert(Callback.__table__), rows)
            out = vals
        else:
            out = [Callback(**v) for v in vals]
            s.add_all(out)
            s.flush()
        P.audit(s, actor, now, "plan.create", "callback", f"{len(out)}", None,
                {"numbers": [v["number"] if core else v.number for v in out[:200]], "count": len(out)})
        return out

    P._insert = _insert


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--variant", choices=["exists", "exists+core"], default="exists+core")
    a = ap.parse_args(argv)
    from huifang_tui.services.base import Store
    from huifang_tui.services.planner import run_planner

    patched_insert(core=a.variant == "exists+core")
    today = db_today(LARGE)
    work = OUT / "experiment_planner.db"
    times, created = [], []
    for i in range(a.runs):
        fresh_copy(LARGE, work)
        add_days_facts(work, today, seed=i + 1)
        store = Store("sqlite:///" + str(work), clock=fixed_clock(today))
        t0 = _time.perf_counter()
        rep = run_planner(store)
        times.append(_time.perf_counter() - t0)
        created.append(rep.created)
        store.engine.dispose()
    drop(work)
    print(f"variant {a.variant}: median {median(times):.2f} s over {a.runs} runs "
          f"({', '.join(f'{t:.2f}' for t in times)}); created {created}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
