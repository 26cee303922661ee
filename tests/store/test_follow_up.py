"""跟进状态 defined once (issue 22 item 4), an edit that changes nothing writes nothing (item 5),
and the low-score threshold and overdue read from one place (item 6)."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta

import pytest
from conftest import NOW
from factories import add_callback, add_customer, add_user
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.domain.kpi import Month
from huifang_tui.exporting import COLUMNS
from huifang_tui.exporting.sheets import write_csv
from huifang_tui.services import board as bsvc
from huifang_tui.services import figures
from huifang_tui.services import report as rsvc
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.calls import open_call
from huifang_tui.services.issues import raise_issue
from huifang_tui.services.listing import list_callbacks
from huifang_tui.services.record_form import edit_record, load_record
from huifang_tui.services.users import os_login
from huifang_tui.store.models import AuditEntry, Callback, Issue, Setting
from huifang_tui.widgets.customer_card import history_lines

NOV = Month(2026, 11)
FOLLOW_COL = [a for a, _ in COLUMNS].index("follow_status")
WORDS = {"needed": "需跟进", "in_progress": "跟进中", "done": "已跟进", "none": "无需跟进"}


def _complete(store, actor, number, res, att, minutes=30):
    record_attempt(store, actor, number, CallRecord(outcome="completed", at=NOW - timedelta(minutes=minutes),
                                                    reached_name="王经理", score_resolution=res, score_attitude=att))


def _follow_ups(store, number) -> list[Callback]:
    with store.read() as s:
        return list(s.exec(select(Callback).where(Callback.trigger_ref == f"cb:{number}",
                                                  Callback.kind == "low_score")))


def _set(store, number, **values):
    with store.write() as s:
        cb = s.exec(select(Callback).where(Callback.number == number)).one()
        for k, v in values.items():
            setattr(cb, k, v)
        s.add(cb)


@pytest.fixture
def month(store):
    """One record in each 跟进状态, and one not yet done."""
    sup = add_user(store, "sup", "supervisor")
    a1 = add_user(store, "agent1", "agent")
    numbers = {}
    for i, name in enumerate(("甲公司", "乙公司", "丙公司", "丁公司", "戊公司", "己公司"), start=1):
        c = add_customer(store, name)
        numbers[name] = n = f"HF2026110{i:02d}"
        add_callback(store, c, n, due_on=date(2026, 11, 20), deadline_on=date(2026, 11, 25))
    # 甲: scored 2 — its low-score follow-up is open: 跟进中 (the demo's 7 records printed 无需跟进)
    _complete(store, a1, numbers["甲公司"], 2, 4)
    # 乙: 5/5, nothing raised: 无需跟进
    _complete(store, a1, numbers["乙公司"], 5, 5)
    # 丙: scored 1, its follow-up done: 已跟进
    _complete(store, a1, numbers["丙公司"], 1, 3)
    _set(store, _follow_ups(store, numbers["丙公司"])[0].number, status="completed", completed_at=NOW)
    # 丁: scored 2 and no follow-up exists (it was lost): 需跟进
    _complete(store, a1, numbers["丁公司"], 2, 2)
    with store.write() as s:
        for f in s.exec(select(Callback).where(Callback.trigger_ref == f"cb:{numbers['丁公司']}")):
            s.delete(f)
    # 戊: 5/4 with an issue raised from it and still open: 跟进中
    _complete(store, a1, numbers["戊公司"], 5, 4)
    raise_issue(store, a1, numbers["戊公司"], title="说明书缺页", when=NOW - timedelta(minutes=20))
    # 己: not done yet (待回访): no 跟进状态, its state shows
    return {"store": store, "sup": sup, "a1": a1, "numbers": numbers}


EXPECTED = {"甲公司": "in_progress", "乙公司": "none", "丙公司": "done", "丁公司": "needed", "戊公司": "in_progress",
            "己公司": None}


def test_follow_up_state_in_every_door(month, tmp_path, monkeypatch, capsys):
    store, sup, numbers = month["store"], month["sup"], month["numbers"]
    by_number = {n: name for name, n in numbers.items()}
    want = {n: WORDS.get(EXPECTED[name], "待回访") for name, n in numbers.items()}
    # the month view's rows
    rep = rsvc.monthly_report(store, sup, NOV)
    assert {r.number: r.follow_status for r in rep.records if r.number in by_number} == want
    # the .csv
    path = tmp_path / "m.csv"
    write_csv(path, rep)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))[1:]
    assert {r[0]: r[FOLLOW_COL] for r in rows if r[0] in by_number} == want
    # callbacks --json, through the service and the command
    got = {r.row.number: r.as_json()["follow_up"] for r in list_callbacks(store, sup, month=date(2026, 11, 1))
           if r.row.number in by_number}
    assert got == {n: EXPECTED[name] for name, n in numbers.items()}
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor")
    capsys.readouterr()
    assert cli.main(["callbacks", "--json", "--month", "2026-11"]) == 0
    out = {r["number"]: r["follow_up"] for r in json.loads(capsys.readouterr().out) if r["number"] in by_number}
    assert out == got
    # closing the issue and the follow-up: 已跟进; a record scored low is never 无需跟进
    with store.write() as s:
        for i in s.exec(select(Issue)):
            i.status = "closed"
            s.add(i)
    for f in _follow_ups(store, numbers["甲公司"]):
        _set(store, f.number, status="cancelled")  # a cancelled follow-up is as if never made
    states = {r.number: r.follow_status for r in rsvc.monthly_report(store, sup, NOV).records}
    assert states[numbers["戊公司"]] == "已跟进"
    assert states[numbers["甲公司"]] == "需跟进"


def test_needs_onsite_is_owed_too(month):
    store, sup, numbers = month["store"], month["sup"], month["numbers"]
    n = numbers["乙公司"]
    inp = load_record(store, sup, n)
    inp.needs_onsite = True
    edit_record(store, sup, n, inp)
    assert {r.number: r.follow_status for r in rsvc.monthly_report(store, sup, NOV).records}[n] == "跟进中"


# -- item 5: an edit that changes nothing writes nothing ------------------------------------


def _edits(store) -> list[AuditEntry]:
    with store.read() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.entity == "callback",
                                                    AuditEntry.action.in_(("callback.edit", "callback.cancel",
                                                                           "callback.planned")))))


def test_a_save_without_changes_writes_nothing(month):
    store, sup, numbers = month["store"], month["sup"], month["numbers"]
    n = numbers["甲公司"]
    store.clock = lambda: NOW
    with store.read() as s:
        before = s.exec(select(Callback).where(Callback.number == n)).one().model_dump()
        count = len(s.exec(select(AuditEntry)).all())
    followups = [(f.number, f.status, f.version) for f in _follow_ups(store, n)]
    inp = load_record(store, sup, n)
    # the form shows the time to the minute; a record stated with seconds is still unchanged
    _set(store, n, completed_at=before["completed_at"].replace(second=17))
    res = edit_record(store, sup, n, inp)
    assert (res.changed, res.cancelled, res.created) == (False, [], [])
    with store.read() as s:
        after = s.exec(select(Callback).where(Callback.number == n)).one()
        assert after.version == before["version"]
        assert after.completed_at.second == 17
        assert len(s.exec(select(AuditEntry)).all()) == count
    assert [(f.number, f.status, f.version) for f in _follow_ups(store, n)] == followups


def test_a_score_across_the_threshold_touches_only_its_follow_up(month):
    store, sup, numbers = month["store"], month["sup"], month["numbers"]
    n = numbers["乙公司"]  # 5/5, no follow-up
    inp = load_record(store, sup, n)
    inp.suggestions = "希望多来现场"  # a change that moves no score: no follow-up created or cancelled
    res = edit_record(store, sup, n, inp)
    assert (res.changed, res.cancelled, res.created) == (True, [], [])
    inp.score_attitude = 2  # under the threshold: exactly one follow-up
    res = edit_record(store, sup, n, inp)
    assert res.cancelled == [] and len(res.created) == 1
    assert [f.status for f in _follow_ups(store, n)] == ["open"]
    inp.score_attitude = 1  # still under it: the follow-up stands as it is
    res = edit_record(store, sup, n, inp)
    assert (res.cancelled, res.created) == ([], [])
    (followup,) = [f.number for f in _follow_ups(store, n)]
    inp.score_attitude = 3  # back over it: exactly that one cancelled
    res = edit_record(store, sup, n, inp)
    assert res.cancelled == [followup] and res.created == []
    with store.read() as s:
        assert s.exec(select(Callback.status).where(Callback.number == followup)).one() == "cancelled"
    assert _follow_ups(store, n) == []


# -- item 6: the threshold read from one place ---------------------------------------------------


def test_threshold_four_in_follow_ups_kpis_board_and_card(store):
    sup = add_user(store, "sup", "supervisor")
    a1 = add_user(store, "agent1", "agent")
    with store.write() as s:
        s.add(Setting(key="policy", value="[low_score]\nthreshold = 4\n"))
    c = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, c, "HF202611001", due_on=NOW.date(), deadline_on=NOW.date() + timedelta(days=3))
    add_callback(store, c, "HF202611002", due_on=NOW.date(), kind="usage", trigger="wo:SX1")
    _complete(store, a1, "HF202611001", 3, 5, minutes=10)  # 3 is low under a threshold of 4
    # follow-ups
    assert [f.status for f in _follow_ups(store, "HF202611001")] == ["open"]
    # KPIs
    rep = rsvc.monthly_report(store, sup, NOV, now=NOW)
    assert rep.overall["low_scores"] == 1
    # board alerts: any score under the threshold
    alerts = bsvc.board(store, sup, NOW.date(), now=NOW).alerts
    assert ("low_score", "HF202611001") in {(a.kind, a.number) for a in alerts}
    # the customer card (the call screen's) shows the 3 in red
    view = open_call(store, a1, "HF202611002")
    assert view.low_score_threshold == 4
    history = [line for line in history_lines(view) if "完工回访" in line.plain or " 3 " in line.plain]
    spans = {line.plain[sp.start:sp.end]: str(sp.style) for line in history for sp in line.spans}
    assert spans["3"] == "bold red" and spans["5"] == "bold green"
    # the month view's rows: 跟进中, never 无需跟进
    assert {r.number: r.follow_status for r in rep.records}["HF202611001"] == "跟进中"


def test_overdue_sql_agrees_with_the_rule(store):
    """The board's figures count overdue with the SQL built from domain.status; the rule says
    the same for hour deadlines and date deadlines either side of the moment."""
    from huifang_tui.domain.status import is_overdue

    add_user(store, "sup", "supervisor")
    c = add_customer(store, "杭州恒达机械有限公司")
    cases = {  # number: (deadline_on, deadline_at)
        "HF202611001": (NOW.date() - timedelta(days=1), None),
        "HF202611002": (NOW.date(), None),
        "HF202611003": (NOW.date(), NOW - timedelta(minutes=1)),
        "HF202611004": (NOW.date(), NOW + timedelta(minutes=1)),
        "HF202611005": (NOW.date(), NOW - timedelta(microseconds=1)),
    }
    for n, (on, at) in cases.items():
        add_callback(store, c, n, due_on=NOW.date() - timedelta(days=2), deadline_on=on)
        _set(store, n, deadline_at=at)
    with store.read() as s:
        remaining, overdue = figures.remaining_by_login(s, NOW.date(), NOW)["agent1"]
    assert remaining == 5
    assert overdue == sum(is_overdue(on, at, NOW) for on, at in cases.values()) == 3
    # one definition: the board's SQL and the first paint's are the domain's text
    from huifang_tui.domain.status import overdue_sql
    from huifang_tui.store import fastread

    assert overdue_sql("callback.deadline_on", "callback.deadline_at") in str(figures.overdue_expr(NOW))
    assert fastread._OVERDUE == overdue_sql("cb.deadline_on", "cb.deadline_at", lambda _n: "?")
