"""Issue 23 items 3–5 through ``huifang issue …``: every issue action's ``--when`` in every time
format is stated back to the issue's previous action by a person (escalations the clock wrote
since do not bound it), keeps when it was entered and is marked 补录 more than one working day
late; out of bounds it is refused (exit 2) in one line naming the earliest and latest times;
an escalation a late entry withdrew shows as withdrawn in ``issue show --json`` and the audit.

The command line reads the clock; here it is fixed at Tuesday 2026-10-20 10:00 (the paper
ledger of September and October typed in). Calendar: 国庆 10-01..07 off, Saturday 10-10 a
make-up working day.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from huifang_tui import cli
from huifang_tui.domain.policy import Policy
from huifang_tui.services import issues as svc
from huifang_tui.services.base import Store
from huifang_tui.services.users import os_login
from huifang_tui.store.models import ReportSnapshot

from factories import add_callback, add_customer, add_user

NOW = datetime(2026, 10, 20, 10)
RAISED = datetime(2026, 10, 9, 9)  # a normal issue: solve by 10-14 (3 wd: 10-10 调休, 10-12, 10-13 → 10-14)
FIRST_HOUR = Policy().work_hours[0][0]


@pytest.fixture
def desk(store, monkeypatch):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    monkeypatch.setattr(Store, "now", lambda self: NOW)
    cid = add_customer(store, "华东机械有限公司", agent=os_login())
    add_callback(store, cid, "HF202610001", agent=os_login())
    add_user(store, "tech1")
    return add_user(store, os_login(), "supervisor")


def run(capsys, *argv):
    capsys.readouterr()
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def show(capsys, number):
    code, out, err = run(capsys, "issue", "show", number, "--json")
    assert code == 0, err
    return json.loads(out)


# action → (what comes before it, its own arguments); everything before is stated on 10-09
BEFORE = ("assign", "ack", "note", "wait", "resume", "solve", "tell", "close", "reopen")
STEPS = {
    "assign": ((), ("--department", "技术支持组", "--owner", "tech1")),
    "ack": ((), ()),
    "note": (("ack",), ("已约工程师",)),
    "wait": (("ack",), ("--reason", "客户出差")),
    "resume": (("ack", "wait"), ()),
    "solve": (("ack",), ("--solution", "更换轴承")),
    "tell": (("ack", "solve"), ("--on", "2026-10-09", "--satisfaction", "4")),
    "close": (("ack", "solve", "tell"), ()),
    "reopen": (("ack", "solve", "tell", "close"), ("--reason", "又响了")),
}
KIND = {"assign": "assigned", "ack": "acknowledged", "note": "note", "wait": "waiting", "resume": "resumed",
        "solve": "solution", "tell": "told", "close": "closed", "reopen": "reopened"}
# (text, the moment it states, entered more than one working day late)
FORMATS = [
    ("2026-10-12T15:00", datetime(2026, 10, 12, 15), True),
    ("2026-10-12 15:00", datetime(2026, 10, 12, 15), True),
    ("2026-10-12T15:00:30", datetime(2026, 10, 12, 15, 0, 30), True),
    ("2026-10-12 15:00:30", datetime(2026, 10, 12, 15, 0, 30), True),
    ("2026-10-12", datetime.combine(datetime(2026, 10, 12), FIRST_HOUR), True),
    ("今天 08:30", datetime(2026, 10, 20, 8, 30), False),
    ("today 8:30am", datetime(2026, 10, 20, 8, 30), False),
]


def _issue_before(store, actor, action: str) -> str:
    """A normal issue raised 10-09 09:00 and worked on 10-09 up to *action*; then a write by the
    clock (10-20) escalates what the timeline known so far has missed."""
    i = svc.raise_issue(store, actor, "HF202610001", title="设备异响", category="product", when=RAISED)
    steps = {"ack": lambda w: svc.acknowledge(store, actor, i.number, when=w),
             "wait": lambda w: svc.wait(store, actor, i.number, "客户出差", when=w),
             "solve": lambda w: svc.solve(store, actor, i.number, "更换轴承", when=w),
             "tell": lambda w: svc.tell(store, actor, i.number, RAISED.date(), 4, when=w),
             "close": lambda w: svc.close(store, actor, i.number, when=w)}
    for n, step in enumerate(STEPS[action][0]):
        steps[step](datetime(2026, 10, 9, 10 + n))
    with store.write() as s:
        svc.write_due_escalations(s, NOW)
    return i.number


@pytest.mark.parametrize("text, at, late", FORMATS, ids=[f[0] for f in FORMATS])
@pytest.mark.parametrize("action", BEFORE)
def test_every_action_is_stated_in_every_format_and_keeps_when_it_was_entered(store, desk, capsys, action,
                                                                               text, at, late):
    number = _issue_before(store, desk, action)
    code, _, err = run(capsys, "issue", action, number, *STEPS[action][1], "--when", text)
    assert code == 0, err
    ev = [e for e in show(capsys, number)["events"] if e["kind"] == KIND[action]][-1]
    assert (ev["at"], ev["entered_at"], ev["late_entry"]) == (at.isoformat(), NOW.isoformat(), late)


@pytest.mark.parametrize("text, at, late", FORMATS, ids=[f[0] for f in FORMATS])
def test_raise_is_stated_in_every_format_and_marked_late(store, desk, capsys, text, at, late):
    code, out, err = run(capsys, "issue", "raise", "HF202610001", "--title", "漏油", "--when", text, "--json")
    assert code == 0, err
    j = json.loads(out)
    assert (j["raised_at"], j["late_entry"]) == (at.isoformat(), late)
    code, out, _ = run(capsys, "issues", "--json")
    assert [r["late_entry"] for r in json.loads(out)] == [late]


def test_an_in_time_ack_typed_in_weeks_later_withdraws_the_escalations(store, desk, capsys):
    """What was found 2, on the command line."""
    code, out, err = run(capsys, "issue", "raise", "HF202610001", "--title", "设备异响", "--category", "product",
                         "--when", "2026-09-29T10:00", "--json")
    assert code == 0, err
    number = json.loads(out)["number"]
    assert run(capsys, "issue", "raise", "HF202610001", "--title", "当天的问题")[0] == 0  # a write by the clock
    j = show(capsys, number)
    assert [(e["kind"], e["at"], e["withdrawn_at"]) for e in j["events"]] == [
        ("raised", "2026-09-29T10:00:00", None), ("escalated", "2026-09-30T10:00:00", None),
        ("escalated", "2026-10-10T00:00:00", None)]
    assert j["level"] == 2

    code, out, err = run(capsys, "issue", "ack", number, "--when", "2026-09-29T15:00")
    assert code == 0, err
    code, _, err = run(capsys, "issue", "solve", number, "--solution", "更换轴承", "--when", "2026-10-09 16:00")
    assert code == 0, err
    j = show(capsys, number)
    ids = {e["kind"]: e["id"] for e in j["events"] if e["kind"] != "escalated"}
    esc = [(e["at"], e["withdrawn_at"], e["withdrawn_by"]) for e in j["events"] if e["kind"] == "escalated"]
    assert esc == [("2026-09-30T10:00:00", NOW.isoformat(), ids["acknowledged"]),
                   ("2026-10-10T00:00:00", NOW.isoformat(), ids["acknowledged"]),   # 总经理 while ack seemed missed
                   ("2026-10-10T00:00:00", NOW.isoformat(), ids["solution"])]       # 部门负责人 until solved in time
    assert (j["level"], j["overdue"], j["late_entry"]) == (0, [], True)

    code, out, err = run(capsys, "audit", "--json")
    assert code == 0, err
    rows = [r for r in json.loads(out) if r["action"] == "issue.escalation_withdrawn"]
    assert len(rows) == 3 and {r["entity_id"] for r in rows} == {number}
    assert sorted((r["after"]["at"], r["after"]["by"]["kind"], r["after"]["by"]["event"]) for r in rows) == [
        ("2026-09-30T10:00:00", "acknowledged", ids["acknowledged"]),
        ("2026-10-10T00:00:00", "acknowledged", ids["acknowledged"]),
        ("2026-10-10T00:00:00", "solution", ids["solution"])]


@pytest.mark.parametrize("argv, when, earliest", [
    (("ack",), "2026-10-20 10:01", "2026-10-09 09:00"),                           # in the future
    (("ack",), "2026-10-09 08:59", "2026-10-09 09:00"),                           # before it was raised
    (("note", "进展"), "2026-10-09T08:00", "2026-10-09 09:00"),
    (("assign", "--department", "技术支持组"), "2026-10-08", "2026-10-09 09:00"),
])
def test_refusals_exit_2_naming_the_earliest_and_latest_times(store, desk, capsys, argv, when, earliest):
    number = _issue_before(store, desk, "ack")
    code, _, err = run(capsys, "issue", argv[0], number, *argv[1:], "--when", when)
    assert code == 2
    assert err.count("\n") == 1 and f"{earliest} 至 2026-10-20 10:00" in err


def test_a_time_in_an_approved_month_is_refused_naming_the_times_allowed(store, desk, capsys):
    i = svc.raise_issue(store, desk, "HF202610001", title="九月的问题", when=datetime(2026, 9, 29, 10))
    with store.write() as s:
        s.add(ReportSnapshot(month="2026-09", version=1, action="approve", login=os_login(), at=NOW, data="{}"))
    for argv in (("issue", "raise", "HF202610001", "--title", "x", "--when", "2026-09-30 10:00"),
                 ("issue", "ack", i.number, "--when", "2026-09-29 15:00")):
        code, _, err = run(capsys, *argv)
        assert code == 2 and err.count("\n") == 1, err
        assert "report amend" in err and "2026-10-01 00:00 至 2026-10-20 10:00" in err
    assert run(capsys, "issue", "ack", i.number, "--when", "2026-10-08 09:00")[0] == 0  # October is open


def test_the_plain_lines_say_entered_late_and_what_was_withdrawn(store, desk, capsys):
    i = svc.raise_issue(store, desk, "HF202610001", title="设备异响", category="product",
                        when=datetime(2026, 9, 29, 10))
    with store.write() as s:
        svc.write_due_escalations(s, NOW)
    code, out, err = run(capsys, "issue", "ack", i.number, "--when", "2026-09-29 15:00")
    assert code == 0, err
    assert out.splitlines()[1:] == ["已补录（录入比所填时间晚一个工作日以上）。",
                                    "按所填时间，有 2 条升级已不成立，已撤回（仍留在时间线和审计中）。"]
    code, out, _ = run(capsys, "issue", "show", i.number)
    lines = [x for x in out.splitlines() if x.startswith("  2026-")]
    assert [x.split("  ")[4] for x in lines] == [
        "[补录] 设备异响", "[补录] ", "[已撤回（受理 09-29 15:00）] 未按时受理，升级到部门负责人",
        "[已撤回（受理 09-29 15:00）] 未按时解决，升级到总经理", "未按时解决，升级到部门负责人"]
    code, out, _ = run(capsys, "issues")
    assert f"{i.number}·补录" in out


def test_raise_in_the_future_is_refused_naming_the_latest_time(store, desk, capsys):
    """A new issue follows no earlier action: only the clock (and an approved month) bound it."""
    code, _, err = run(capsys, "issue", "raise", "HF202610001", "--title", "x", "--when", "2026-10-20T10:01")
    assert code == 2 and err.count("\n") == 1
    assert "2026-10-20 10:01" in err and "可填 2026-10-20 10:00 及以前的时间" in err
    code, _, err = run(capsys, "issue", "raise", "HF202610001", "--title", "x", "--when", "2020-01-06 10:00")
    assert code == 0, err
