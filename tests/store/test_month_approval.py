"""Approval and correction of a month (issue 22 §1): approval opens on the first day of M+1;
``report amend`` opens an approved month (state ``amending``), the changes made then are audited
with the amendment's reason and marked 更正, and ``report approve`` issues the next version;
every approved version reads back exactly as it was approved. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from factories import add_callback, add_customer, add_user
from openpyxl import load_workbook
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.domain.kpi import Month
from huifang_tui.core.errors import Conflict, MonthLocked, Refused
from huifang_tui.exporting.sheets import SHEET_RECORDS
from huifang_tui.services import report as svc
from huifang_tui.services import spotcheck
from huifang_tui.services.board import board
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.record_form import edit_record, load_record
from huifang_tui.services.users import os_login
from huifang_tui.store.models import AuditEntry

NOV = Month(2026, 11)
REASON = "补登 HF202611002"


@pytest.fixture
def month(store, monkeypatch, capsys):
    """HF1 completed on 11-04 by agent1; HF2 (agent2) still open; the OS login is a supervisor."""
    sup = add_user(store, "sup", "supervisor", "张主管")
    a1 = add_user(store, "agent1", "agent", "李回访")
    a2 = add_user(store, "agent2", "agent", "王回访")
    c1 = add_customer(store, "杭州恒达机械有限公司", agent="agent1")
    c2 = add_customer(store, "绍兴恒泰化工有限公司", agent="agent2")
    add_callback(store, c1, "HF202611001", due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 5))
    add_callback(store, c2, "HF202611002", due_on=date(2026, 11, 10), deadline_on=date(2026, 11, 13), agent="agent2")
    record_attempt(store, a1, "HF202611001", CallRecord(
        outcome="completed", at=datetime(2026, 11, 4, 10), reached_name="王经理", score_resolution=5,
        score_attitude=4))
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor", "值班主管")
    capsys.readouterr()
    return {"sup": sup, "a1": a1, "a2": a2}


def _cli(capsys, *argv: str) -> tuple[int, str, str]:  # noqa: ANN001
    rc = cli.main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_approval_opens_on_the_first_day_of_the_next_month(store, month):
    """On 11-23 November cannot be approved (nor a future month); from 12-01 it can."""
    with pytest.raises(Refused) as e:
        svc.approve(store, month["sup"], NOV)
    assert "2026-12-01" in str(e.value)
    with pytest.raises(Refused) as e:
        svc.approve(store, month["sup"], Month(2031, 1))
    assert "2031-02-01" in str(e.value)
    assert svc.status_of(store, NOV).state == "open"
    store.clock = lambda: datetime(2026, 12, 1, 0, 0)
    assert svc.approve(store, month["sup"], NOV) == 1


def test_cli_refuses_this_month_and_a_future_one_with_exit_2(store, month, capsys):
    """The command line runs on the real clock: this month and next month are not over."""
    today = date.today()
    this = Month(today.year, today.month)
    nxt = Month(this.next_first.year, this.next_first.month)
    for m in (this, nxt):
        rc, _, err = _cli(capsys, "report", "approve", "--month", str(m))
        assert rc == 2 and m.next_first.isoformat() in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
    assert svc.status_of(store, this).state == "open"


def test_amend_edit_reapprove_keeps_every_version(store, month, capsys, tmp_path):
    sup, a2 = month["sup"], month["a2"]
    store.clock = lambda: datetime(2026, 12, 1, 9, 0)
    assert svc.approve(store, sup, NOV) == 1
    rc, v1_json, _ = _cli(capsys, "report", "monthly", "--month", "2026-11", "--json")
    assert rc == 0
    j = json.loads(v1_json)
    assert (j["state"], j["version"], j["approved"], j["approved_by"], j["approved_at"]) == \
        ("approved", 1, True, "sup", "2026-12-01T09:00:00")
    assert j["overall"]["completed"] == 1
    assert _cli(capsys, "report", "monthly", "--month", "2026-11", "--out", str(tmp_path / "v1.csv"))[0] == 0
    v1_csv = (tmp_path / "v1.csv").read_bytes()
    assert _cli(capsys, "report", "monthly", "--month", "2026-11", "--out", str(tmp_path / "v1.xlsx"))[0] == 0
    v1_xlsx = (tmp_path / "v1.xlsx").read_bytes()

    # approved: nothing dated in November goes in; amend is the way, and only once at a time
    with pytest.raises(MonthLocked):
        record_attempt(store, a2, "HF202611002", CallRecord(
            outcome="completed", at=datetime(2026, 11, 20, 10), reached_name="王经理",
            score_resolution=4, score_attitude=4))
    store.clock = lambda: datetime(2026, 12, 2, 10, 0)
    rc, out, _ = _cli(capsys, "report", "amend", "--month", "2026-11", "--reason", REASON)
    assert rc == 0 and "huifang report approve --month 2026-11" in out
    store.clock = lambda: datetime.now().replace(microsecond=0)  # the command line's clock
    with pytest.raises(MonthLocked):
        svc.amend(store, sup, NOV, "再来一次")
    rc, out, _ = _cli(capsys, "report", "monthly", "--month", "2026-11", "--json")
    j = json.loads(out)
    assert (j["state"], j["version"], j["approved"], j["approved_by"], j["amend_reason"]) == \
        ("amending", 1, False, "sup", REASON)

    # amending: records dated in November are entered and edited as in an open month
    record_attempt(store, a2, "HF202611002", CallRecord(
        outcome="completed", at=datetime(2026, 11, 20, 10), reached_name="王经理", score_resolution=4,
        score_attitude=4))
    inp = load_record(store, sup, "HF202611001")
    inp.improvement = "已补发说明书"
    edit_record(store, sup, "HF202611001", inp)
    with store.read() as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.action.in_(("callback.completed", "callback.edit")),
                                               AuditEntry.at >= datetime(2026, 12, 2))).all()
        tags = {(r.entity_id, r.action): json.loads(r.after) for r in rows}
    for key in (("HF202611002", "callback.completed"), ("HF202611001", "callback.edit")):
        assert (tags[key]["amend"], tags[key]["amend_reason"], tags[key]["amend_version"]) == ("2026-11", REASON, 2)
    live = svc.monthly_report(store, sup, NOV)
    assert {r.number for r in live.records if r.amended} == {"HF202611001", "HF202611002"}
    assert live.overall["completed"] == 2 and not live.approved

    # approve again: version 2, locked again
    store.clock = lambda: datetime(2026, 12, 3, 9, 0)
    rc, out, _ = _cli(capsys, "report", "approve", "--month", "2026-11")
    assert rc == 0
    rc, v2_json, _ = _cli(capsys, "report", "monthly", "--month", "2026-11", "--json")
    j2 = json.loads(v2_json)
    assert (j2["state"], j2["version"], j2["approved"], j2["approved_by"]) == ("approved", 2, True, os_login())
    assert j2["overall"]["completed"] == 2
    assert _cli(capsys, "report", "monthly", "--month", "2026-11", "--out", str(tmp_path / "v2.csv"))[0] == 0
    v2_csv = (tmp_path / "v2.csv").read_bytes()
    assert _cli(capsys, "report", "monthly", "--month", "2026-11", "--out", str(tmp_path / "v2.xlsx"))[0] == 0
    v2_xlsx = (tmp_path / "v2.xlsx").read_bytes()
    inp = load_record(store, sup, "HF202611001")
    inp.improvement = "再改一次"
    with pytest.raises(MonthLocked):
        edit_record(store, sup, "HF202611001", inp)

    # each version reads back exactly as approved, whatever happened since (a third amendment
    # under way, with the record changed again)
    store.clock = lambda: datetime(2026, 12, 4, 9, 0)
    svc.amend(store, sup, NOV, "第三次更正")
    edit_record(store, sup, "HF202611001", inp)
    for n, want_json, want_csv, want_xlsx in ((1, v1_json, v1_csv, v1_xlsx), (2, v2_json, v2_csv, v2_xlsx)):
        rc, got, _ = _cli(capsys, "report", "monthly", "--month", "2026-11", "--version", str(n), "--json")
        assert rc == 0 and got == want_json
        for ext, want in ((".csv", want_csv), (".xlsx", want_xlsx)):
            out = tmp_path / f"again{n}{ext}"
            assert _cli(capsys, "report", "monthly", "--month", "2026-11", "--version", str(n), "--out", str(out))[0] == 0
            assert out.read_bytes() == want, (n, ext)
    info = load_workbook(tmp_path / "again1.xlsx")[SHEET_RECORDS]["A2"].value
    assert "已审批 第1版 · 张主管 2026-12-01 09:00" in info
    rep1 = svc.monthly_report(store, sup, NOV, version=1)
    assert [r.amended for r in rep1.records] == [False, False]
    assert [r.amended for r in svc.monthly_report(store, sup, NOV, version=2).records] == [True, True]
    # the third amendment's live view keeps the second version's marks
    assert [r.amended for r in svc.monthly_report(store, sup, NOV).records] == [True, True]
    assert [r.status for r in rep1.records] == ["completed", "open"]
    rc, _, err = _cli(capsys, "report", "monthly", "--month", "2026-11", "--version", "3", "--json")
    assert rc == 1 and "1, 2" in err
    rc, _, err = _cli(capsys, "report", "monthly", "--month", "2026-11", "--version", "x")
    assert rc == 1 and "--version" in err


def test_the_board_alert_says_the_state_while_amending(store, month):
    sup = month["sup"]
    store.clock = lambda: datetime(2026, 12, 1, 9, 0)
    svc.approve(store, sup, NOV)
    day = date(2026, 12, 2)

    def alert():
        alerts = board(store, sup, day, now=datetime(2026, 12, 2, 10)).as_json()["alerts"]
        return next((a for a in alerts if a["kind"] == "summary_due" and a["number"] == "2026-11"), None)

    assert alert() is None  # approved: nothing due
    store.clock = lambda: datetime(2026, 12, 2, 9, 30)
    svc.amend(store, sup, NOV, REASON)
    a = alert()
    assert (a["state"], a["version"], a["approved_by"], a["approved_at"]) == \
        ("amending", 1, "sup", "2026-12-01T09:00:00")
    assert a["agent"] == "sup" and a["detail"] == "更正中 第1版 12-01"
    # a spot check while amending is allowed and audited with the amendment, but corrects no record
    spotcheck.draw(store, sup, NOV, 5, seed=1)
    spotcheck.mark(store, sup, "HF202611001", False, "分数记错")
    with store.read() as s:
        row = s.exec(select(AuditEntry).where(AuditEntry.action == "spotcheck.mark")).one()
        assert json.loads(row.after)["amend_reason"] == REASON
    assert not any(r.amended for r in svc.monthly_report(store, sup, NOV).records)


def test_two_supervisors_at_the_same_moment(store, month, monkeypatch):
    """PostgreSQL lets two transactions read the same state; the second one's version collides
    and is refused in one plain line (exit 2), not a database error."""
    sup = month["sup"]
    store.clock = lambda: datetime(2026, 12, 1, 9, 0)
    svc.approve(store, sup, NOV)
    read_before = svc.MonthStatus(str(NOV))  # what the second one read before the first committed
    monkeypatch.setattr(svc, "month_status", lambda s, m: read_before)
    with pytest.raises(Conflict) as e:
        svc.approve(store, sup, NOV)
    assert "另一位主管" in str(e.value)
    monkeypatch.undo()
    svc.amend(store, sup, NOV, REASON)
    read_before = svc.MonthStatus(str(NOV), "approved", 1, "sup", datetime(2026, 12, 1, 9, 0))
    monkeypatch.setattr(svc, "month_status", lambda s, m: read_before)
    with pytest.raises(Conflict):
        svc.amend(store, sup, NOV, "同时更正")
    monkeypatch.undo()
    assert svc.status_of(store, NOV).state == "amending" and svc.status_of(store, NOV).reason == REASON
