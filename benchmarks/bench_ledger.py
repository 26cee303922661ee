"""The issue ledger on a large centre's issues: one page, the computed filters, the escalation sweep.

Usage::

    python benchmarks/bench_ledger.py [--issues 5000] [--db /tmp/bench_ledger.db]

Builds a database of N issues over 60 days (a quarter open, a quarter acknowledged in 2 h, half
closed) with a fixed clock, then times (wall clock, one run each):
``list_issues`` page 1 with no filter, with ``overdue`` (every open issue judged by the domain)
and with a customer search; the first escalation sweep (writes every escalation due) and the
next one (what every issue write pays afterwards).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import datetime, timedelta

from huifang_tui.core.identity import Actor
from huifang_tui.services import issues as svc
from huifang_tui.services.base import Store
from huifang_tui.store.models import Customer, Issue, IssueEvent, User

NOW = datetime(2026, 11, 23, 9, 30)


def build(path: str, n: int) -> Store:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    st = Store("sqlite:///" + path, clock=lambda: NOW)
    st.ensure_schema()
    rnd = random.Random(1)
    with st.write() as s:
        s.add(User(login="sup", name="sup", role="supervisor", created_at=NOW))
        for c in range(max(1, n // 10)):
            s.add(Customer(name=f"客户{c}", created_at=NOW, updated_at=NOW))
        s.flush()
        for k in range(n):
            raised = NOW - timedelta(hours=rnd.randint(1, 24 * 60))
            status = rnd.choice(["open", "acknowledged", "closed", "closed"])
            i = Issue(number=f"WT{k:09d}", customer_id=rnd.randint(1, max(1, n // 10)), title="x",
                      raised_at=raised, raised_by="sup", ack_by=raised + timedelta(hours=24),
                      solve_by=(raised + timedelta(days=4)).date(), status=status, department="售后服务部")
            if status != "open":
                i.acknowledged_at = raised + timedelta(hours=2)
            s.add(i)
            s.flush()
            s.add(IssueEvent(issue_id=i.id, at=raised, login="sup", kind="raised"))
            if status != "open":
                s.add(IssueEvent(issue_id=i.id, at=raised + timedelta(hours=2), login="sup", kind="acknowledged"))
            if status == "closed":
                s.add(IssueEvent(issue_id=i.id, at=raised + timedelta(hours=5), login="sup", kind="solution"))
                s.add(IssueEvent(issue_id=i.id, at=raised + timedelta(hours=6), login="sup", kind="closed"))
    return st


def timed(label: str, fn) -> None:  # noqa: ANN001
    t0 = time.perf_counter()
    out = fn()
    print(f"{label:<34} {time.perf_counter() - t0:7.3f} s   {out}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=5000)
    ap.add_argument("--db", default="/tmp/bench_ledger.db")
    args = ap.parse_args()
    st = build(args.db, args.issues)
    actor = Actor("sup", "supervisor")
    timed("page 1, no filter", lambda: svc.list_issues(st, actor, svc.IssueFilter(), limit=100).total)
    timed("page 1, overdue", lambda: svc.list_issues(st, actor, svc.IssueFilter(overdue=True), limit=100).total)
    timed("page 1, customer search", lambda: svc.list_issues(st, actor, svc.IssueFilter(customer="客户1"),
                                                            limit=100).total)

    def sweep() -> int:
        with st.write() as s:
            return svc.write_due_escalations(s, NOW)

    timed("first escalation sweep", sweep)
    timed("next sweep (every write pays)", sweep)


if __name__ == "__main__":
    main()
