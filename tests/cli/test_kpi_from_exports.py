"""Every KPI can be recomputed from the exports (issue 22 §10).

A month with a supervisor's completion, a reopened issue, a spot check and a converted sales
lead is built through the services; then ``callbacks --json``, ``issues --json`` and
``sales --json`` — and nothing else — are read back through the command line, every SPEC §7
key is worked out from them here, independently of ``domain.kpi``, and compared with
``report monthly --json`` overall and per login.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.domain.kpi import KPI_KEYS, Month
from huifang_tui.core.identity import Actor
from huifang_tui.services import issues as ledger
from huifang_tui.services.calendar import load_policy
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.spotcheck import draw, mark
from huifang_tui.services.users import os_login
from huifang_tui.store.models import Callback, Sale

from conftest import NOW
from factories import add_callback, add_customer, add_user

MONTH = "2026-11"
A1, A2 = Actor("agent1", "agent", "陈晓雯"), Actor("agent2", "agent", "刘思琪")


def _at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute)


def _done(store, actor, number, day, scores, *, lead=False, typed_later=False):  # noqa: ANN001, ANN202
    """A completion stated at 10:00 on *day*, typed in half an hour later (or on the test clock's
    day, 11-23: a late entry)."""
    if not typed_later:
        store.clock = lambda: _at(day, 10, 30)
    try:
        record_attempt(store, actor, number, CallRecord(outcome="completed", at=_at(day), reached_name="王经理",
                                                        score_resolution=scores[0], score_attitude=scores[1],
                                                        sales_lead=lead))
    finally:
        store.clock = lambda: NOW


@pytest.fixture
def month(store, monkeypatch, capsys):
    """November 2026 as of the test clock (11-23 09:30)."""
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    sup = add_user(store, os_login(), "supervisor", "周建华")
    add_user(store, "agent1", "agent", "陈晓雯")
    add_user(store, "agent2", "agent", "刘思琪")
    a = add_customer(store, "甲公司", agent="agent1")
    b = add_customer(store, "乙公司", agent="agent1", phone="13912345678")
    c = add_customer(store, "丙公司", agent="agent2", phone="13712345678")
    d = add_customer(store, "丁公司", agent=None, phone="13612345678")
    e = add_customer(store, "戊公司", agent="agent1", phone="13512345678")
    add_callback(store, a, "HF202611001", due_on=date(2026, 11, 10), deadline_on=date(2026, 11, 12))
    add_callback(store, b, "HF202611002", due_on=date(2026, 11, 10), deadline_on=date(2026, 11, 12))
    add_callback(store, c, "HF202611003", due_on=date(2026, 11, 16), deadline_on=date(2026, 11, 18), agent="agent2")
    add_callback(store, d, "HF202611004", due_on=date(2026, 11, 20), deadline_on=date(2026, 11, 27), agent=None)
    add_callback(store, c, "HF202611005", due_on=date(2026, 11, 5), deadline_on=date(2026, 11, 6), agent="agent2")
    add_callback(store, e, "HF202611006", due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 4))
    add_callback(store, a, "HF202610050", due_on=date(2026, 10, 28), deadline_on=date(2026, 10, 30))
    with store.write() as s:  # a cancelled one counts nowhere
        cb = s.exec(select(Callback).where(Callback.number == "HF202611006")).one()
        cb.status = "cancelled"
        s.add(cb)
        # sales: 甲's after its lead (converted), 丙's before its lead (not converted)
        s.add(Sale(contract_no="HT2026110", customer_id=a, sold_on=date(2026, 11, 20), updated_at=NOW))
        s.add(Sale(contract_no="HT2026111", customer_id=c, sold_on=date(2026, 11, 10), updated_at=NOW))

    _done(store, A1, "HF202610050", 2, (5, 4))  # planned in October, completed in November
    # a no-answer of Friday 11-06 typed on Tuesday 11-10 (补录), before an in-time completion: the
    # callback has a late record (late_entry) but its completion was not late (completed_late)
    store.clock = lambda: _at(10, 9)
    record_attempt(store, A1, "HF202611001", CallRecord(outcome="no_answer", at=datetime(2026, 11, 6, 10)))
    store.clock = lambda: NOW
    _done(store, A1, "HF202611001", 11, (5, 5), lead=True)  # a lead, converted by 甲's sale of 11-20
    _done(store, sup, "HF202611002", 13, (2, 4))  # the supervisor completes agent1's callback, late, low
    _done(store, A2, "HF202611003", 17, (4, 4), lead=True, typed_later=True)  # a late entry; not converted
    record_attempt(store, A2, "HF202611005", CallRecord(outcome="refused", at=_at(5), reason="不需要回访"))

    # a spot check: one marked accurate, one inaccurate, the rest drawn but not marked
    draw(store, sup, Month.parse(MONTH), 10, seed=1)
    mark(store, sup, "HF202611001", True)
    mark(store, sup, "HF202611002", False)

    # issues: one solved, closed, reopened and solved again; a complaint never acknowledged;
    # one closed in time
    i1 = ledger.raise_issue(store, A1, "HF202611001", title="密封圈漏油", when=_at(11, 10, 30)).number
    ledger.acknowledge(store, sup, i1, when=_at(11, 11))
    ledger.solve(store, sup, i1, "更换密封圈", when=_at(12, 10))
    ledger.tell(store, sup, i1, date(2026, 11, 12), 4, when=_at(12, 11))
    ledger.close(store, sup, i1, when=_at(12, 12))
    ledger.reopen(store, sup, i1, "客户反映问题复发", when=_at(16, 9))
    ledger.solve(store, sup, i1, "更换整机", when=_at(17, 10))
    ledger.tell(store, sup, i1, date(2026, 11, 17), 5, when=_at(17, 11))
    ledger.raise_issue(store, A2, "HF202611003", title="服务态度差", is_complaint=True, when=_at(17, 12))
    i3 = ledger.raise_issue(store, A1, customer="乙公司", title="发票未寄到", when=_at(13, 9)).number
    ledger.acknowledge(store, sup, i3, when=_at(13, 10))
    ledger.solve(store, sup, i3, "已补寄", when=_at(13, 15))
    ledger.tell(store, sup, i3, date(2026, 11, 13), 5, when=_at(13, 16))
    ledger.close(store, sup, i3, when=_at(13, 17))
    with store.read() as s:
        threshold = load_policy(s).low_score_threshold
    capsys.readouterr()
    return store, threshold


def _export(capsys, *args: str):  # noqa: ANN001, ANN202
    rc = cli.main([*args, "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def _rate(num: int, den: int):  # noqa: ANN202
    if not den:
        return None
    return float((Decimal(num) / Decimal(den)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _avg(total: int, n: int):  # noqa: ANN202
    if not n:
        return None
    return float((Decimal(total) / Decimal(n)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class _T:
    def __init__(self) -> None:
        self.n = defaultdict(int)
        self.res, self.att = [0] * 5, [0] * 5

    def figures(self) -> dict:
        n = self.n
        return {
            "due": n["due"], "completed": n["completed"], "completion_rate": _rate(n["completed"], n["due"]),
            "on_time": n["on_time"], "on_time_rate": _rate(n["on_time"], n["due"]),
            "unreachable": n["unreachable"], "late_entries": n["late"], "scored": n["scored"],
            "avg_resolution": _avg(n["sum_res"], n["scored"]), "avg_attitude": _avg(n["sum_att"], n["scored"]),
            "satisfied_rate": _rate(n["satisfied"], n["scored"]), "low_scores": n["low"],
            "score_counts": {"resolution": list(self.res), "attitude": list(self.att)},
            "issues_raised": n["issues"], "issues_ack_on_time": n["ack_ok"],
            "issue_ack_on_time_rate": _rate(n["ack_ok"], n["issues"]),
            "issues_closed": n["closed"], "issue_resolution_rate": _rate(n["closed"], n["issues"]),
            "issues_on_time": n["solve_ok"], "issue_on_time_rate": _rate(n["solve_ok"], n["issues"]),
            "issues_reopened": n["reopened"], "issue_late_entries": n["issue_late"], "complaints": n["complaints"],
            "complaint_rate": _rate(n["complaints"], n["scored"]),
            "spot_checked": n["spot"], "accurate_rate": _rate(n["accurate"], n["spot"]),
            "leads": n["leads"], "leads_converted": n["converted"],
        }


def recompute(callbacks: list[dict], issues: list[dict], sales: list[dict], month: str, now: datetime,
              threshold: int) -> dict:
    """SPEC §7 from the three exports alone."""
    overall, per = _T(), defaultdict(_T)
    in_month = lambda text: bool(text) and text[:7] == month  # noqa: E731
    sold = defaultdict(list)
    for x in sales:
        sold[x["customer"]].append(x["sold_on"])
    for cb in callbacks:
        done = cb["status"] == "completed"
        login = cb["completed_by"] if done else (cb["agent"] or "_pool")
        planned = cb["planned_due_on"] or cb["due_on"]
        both = (overall, per[login])
        if in_month(planned) and cb["status"] != "cancelled":
            deadline, at = cb["deadline"], cb["completed_at"] or ""
            on_time = done and (at <= deadline if "T" in deadline else at[:10] <= deadline)
            for t in both:
                t.n["due"] += 1
                t.n["completed"] += done
                t.n["on_time"] += on_time
                t.n["late"] += done and cb["completed_late"]
                t.n["unreachable"] += cb["status"] in ("unreachable", "refused", "waiting_data")
        if done and in_month(cb["completed_at"]):
            r, a = cb["score_resolution"], cb["score_attitude"]
            converted = cb["lead"] and any(cb["completed_at"][:10] < d <= now.date().isoformat()
                                           for d in sold[cb["customer"]])
            for t in both:
                if r is not None and a is not None:
                    t.n["scored"] += 1
                    t.n["sum_res"] += r
                    t.n["sum_att"] += a
                    t.n["satisfied"] += r >= 4 and a >= 4
                    t.n["low"] += r < threshold or a < threshold
                    t.res[r - 1] += 1
                    t.att[a - 1] += 1
                if cb["spot_check"] is not None:
                    t.n["spot"] += 1
                    t.n["accurate"] += cb["spot_check"] == "accurate"
                t.n["leads"] += cb["lead"]
                t.n["converted"] += bool(converted)
    for i in issues:
        if not in_month(i["raised_at"]):
            continue
        for t in (overall, per[i["raised_by"]]):
            t.n["issues"] += 1
            t.n["ack_ok"] += bool(i["acknowledged_at"]) and i["acknowledged_at"] <= i["ack_by"]
            t.n["closed"] += bool(i["closed_at"]) and i["closed_at"] <= now.isoformat()
            t.n["solve_ok"] += bool(i["solved_at"]) and i["solved_at"][:10] <= i["solve_by"]
            t.n["reopened"] += i["reopened"] > 0
            t.n["issue_late"] += i["late_entry"]
            t.n["complaints"] += i["complaint"]
    agents = {login: per[login].figures() for login in sorted(per)}
    agents.setdefault("_pool", _T().figures())
    return {"overall": overall.figures(), "agents": dict(sorted(agents.items()))}


def test_every_kpi_is_recomputed_from_the_exports(month, capsys):
    store, threshold = month
    callbacks = _export(capsys, "callbacks")
    issues = _export(capsys, "issues")
    sales = _export(capsys, "sales")
    report = _export(capsys, "report", "monthly", "--month", MONTH, "--now", NOW.isoformat())

    # the month has what the check is about
    by_number = {cb["number"]: cb for cb in callbacks}
    assert by_number["HF202611002"]["completed_by"] == os_login() and by_number["HF202611002"]["agent"] == "agent1"
    assert {n for n, cb in by_number.items() if cb["spot_check"]} == {"HF202611001", "HF202611002"}
    assert by_number["HF202611001"]["lead"] and by_number["HF202611001"]["trigger"] == "test:HF202611001"
    reopened = next(i for i in issues if i["reopened"])
    assert [s["text"] for s in reopened["solutions"]] == ["更换密封圈", "更换整机"]
    assert [(s["told_on"], s["satisfaction"]) for s in reopened["solutions"]] == [("2026-11-12", 4), ("2026-11-17", 5)]
    assert reopened["raised_by"] == "agent1" and reopened["closed_at"] is None

    mine = recompute(callbacks, issues, sales, MONTH, NOW, threshold)
    assert list(mine["overall"]) == list(KPI_KEYS)
    assert mine["overall"] == report["overall"]
    assert mine["agents"] == report["agents"]
    assert report["overall"]["leads"] == 2 and report["overall"]["leads_converted"] == 1
    assert report["overall"]["spot_checked"] == 2 and report["overall"]["issues_reopened"] == 1
    assert report["agents"][os_login()]["completed"] == 1
    assert report["overall"]["late_entries"] == 1 and report["overall"]["on_time"] == 2
    assert by_number["HF202611001"]["late_entry"] and not by_number["HF202611001"]["completed_late"]
    assert by_number["HF202611003"]["late_entry"] and by_number["HF202611003"]["completed_late"]


def test_record_takes_a_sales_lead(month, capsys):
    store, _ = month
    rc = cli.main(["record", "HF202611004", "--outcome", "busy", "--lead"])
    err = capsys.readouterr().err
    assert rc == 1 and "--lead" in err and "\n" not in err.strip()
    rc = cli.main(["record", "HF202611004", "--outcome", "completed", "--scores", "4,5", "--reached", "赵工",
                   "--lead"])
    assert rc == 0, capsys.readouterr().err
    capsys.readouterr()
    cb = next(c for c in _export(capsys, "callbacks") if c["number"] == "HF202611004")
    assert cb["lead"] is True and cb["completed_by"] == os_login()


def test_who_may_list_sales(month, capsys):
    store, _ = month
    add_user(store, "sales1", "sales_manager", "孙经理")
    from huifang_tui.services.base import PermissionDenied
    from huifang_tui.services.sales import list_sales

    assert [s.contract_no for s in list_sales(store, Actor("sales1", "sales_manager"))] == ["HT2026111", "HT2026110"]
    with pytest.raises(PermissionDenied):
        list_sales(store, A1)
