"""Issue 9 must-shows through the command line, as the agent's own OS login (SPEC §3, §6, §7).

The command line runs on the real clock, so stated times here are relative to it."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from huifang_tui import cli
from huifang_tui.services.users import os_login
from huifang_tui.store.models import Sale

from factories import add_callback, add_customer, add_user


@pytest.fixture
def desk(store, monkeypatch, capsys):
    """The OS login is an agent with one customer's callback due, following a sale 2 days ago."""
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    me = os_login()
    add_user(store, me, "agent")
    add_user(store, "boss", "admin")
    today = date.today()
    cid = add_customer(store, "杭州恒达机械有限公司", agent=me)
    with store.write() as s:
        s.add(Sale(contract_no="HT001", customer_id=cid, sold_on=today - timedelta(days=2)))
    add_callback(store, cid, "HF202611001", kind="first_sale", trigger="sale:HT001", agent=me,
                 due_on=today, deadline_on=today + timedelta(days=30))
    capsys.readouterr()
    return store


def _run(capsys, *args: str) -> tuple[int, str, str]:
    rc = cli.main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_second_no_answer_a_minute_later_is_refused_with_the_allowed_time(desk, capsys):
    first = (datetime.now() - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    rc, out, _ = _run(capsys, "record", "HF202611001", "--outcome", "no_answer", "--when", first)
    assert rc == 0 and "第1次未接通" in out and "再拨" in out  # issue 16 item 4: says what happens next
    rc, _, err = _run(capsys, "record", "HF202611001", "--outcome", "no_answer")
    assert rc == 2 and "起才可记录" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("when", [
    (datetime.now() + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),  # the future
    "2019-05-06 10:00",                                                 # years before the sale
])
def test_when_in_the_future_or_before_the_trigger_is_refused(desk, capsys, when):
    rc, _, err = _run(capsys, "record", "HF202611001", "--outcome", "completed", "--reached", "王经理",
                      "--scores", "5,5", "--when", when)
    assert rc == 2 and when in err


def test_bad_input_exits_1_naming_the_field(desk, capsys):
    rc, _, err = _run(capsys, "record", "HF202611001", "--outcome", "completed", "--reached", "王经理",
                      "--scores", "5,9")
    assert rc == 1 and "服务态度" in err and "1–5" in err
    rc, _, err = _run(capsys, "record", "HF202611001", "--outcome", "no_answer", "--when", "下下下周")
    assert rc == 1 and "可用格式" in err
    with pytest.raises(SystemExit) as e:  # argparse's own type errors: exit 1 too, one line
        cli.main(["calendar", "set", "2026-02-30", "holiday"])
    assert e.value.code == 1 and "YYYY-MM-DD" in capsys.readouterr().err


def test_plan_is_refused_to_an_agent(desk, capsys):
    rc, _, err = _run(capsys, "plan")
    assert rc == 2 and err.strip()


def test_after_user_disable_the_users_next_command_is_refused(desk, capsys):
    me = os_login()
    rc, _, _ = _run(capsys, "queue")
    assert rc == 0
    rc, _, _ = _run(capsys, "--as", "boss", "user", "disable", me)
    assert rc == 2  # --as works on demo databases only: a refusal, nothing changed
    desk_admin_disables(desk, me)  # the admin, from their own login
    rc, _, err = _run(capsys, "queue")
    assert rc == 2 and "停用" in err


def desk_admin_disables(store, login: str) -> None:
    from huifang_tui.core.identity import Actor
    from huifang_tui.services.users import set_active

    set_active(store, Actor("boss", "admin", "boss"), login, False)


def test_user_commands_as_admin(store, monkeypatch, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "admin")
    assert _run(capsys, "user", "add", "agent7", "--role", "agent", "--name", "张七")[0] == 0
    rc, _, err = _run(capsys, "user", "add", "agent7", "--role", "agent", "--name", "张七")
    assert rc == 2 and "user enable agent7" in err  # refuses an existing login
    assert _run(capsys, "user", "disable", "agent7")[0] == 0
    assert _run(capsys, "user", "enable", "agent7")[0] == 0
    assert _run(capsys, "user", "role", "agent7", "supervisor")[0] == 0
    rc, _, err = _run(capsys, "user", "disable", os_login())
    assert rc == 2 and "最后一个" in err  # the last active admin
    rc, _, _ = _run(capsys, "user", "role", "nobody", "agent")
    assert rc == 1  # bad input: no such login


def test_callbacks_json_lists_every_status(store, monkeypatch, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor")
    cid = add_customer(store, "杭州恒达机械有限公司")
    today = date.today()
    for i, status in enumerate(("completed", "unreachable", "open"), 1):
        add_callback(store, cid, f"HF20260900{i}", due_on=date(2026, 9, i), deadline_on=date(2026, 9, 30))
        if status != "open":
            with store.write() as s:
                from sqlmodel import select

                from huifang_tui.store.models import Callback

                cb = s.exec(select(Callback).where(Callback.number == f"HF20260900{i}")).one()
                cb.status = status
                cb.completed_at = datetime(2026, 9, i, 10) if status == "completed" else None
                s.add(cb)
    assert today > date(2026, 9, 30)
    rc, out, err = _run(capsys, "lapse", "HF202609003", "--reason", "客户停业")
    assert rc == 0, err
    rc, out, _ = _run(capsys, "callbacks", "--json")
    rows = {r["number"]: r for r in json.loads(out)}
    assert {r["status"] for r in rows.values()} == {"completed", "unreachable", "lapsed"}
    assert rows["HF202609001"]["completed_at"] == "2026-09-01T10:00"
    assert rows["HF202609001"]["planned_due_on"] == "2026-09-01" and rows["HF202609001"]["late_entry"] is False
    rc, out, _ = _run(capsys, "callbacks", "--json", "--status", "lapsed", "--month", "2026-09")
    assert [r["number"] for r in json.loads(out)] == ["HF202609003"]
    rc, _, err = _run(capsys, "callbacks", "--month", "2026-9x")
    assert rc == 1 and "YYYY-MM" in err


def test_agent_may_not_list_another_agents_callbacks(desk, capsys):
    rc, _, err = _run(capsys, "callbacks", "--agent", "someone", "--json")
    assert rc == 2 and err.strip()
    rc, out, _ = _run(capsys, "callbacks", "--json")
    assert rc == 0 and [r["number"] for r in json.loads(out)] == ["HF202611001"]


def test_reschedule_falls_inside_working_hours(desk, capsys):
    """SPEC §3: a 改约 date alone means its first working hour; outside the hours is refused
    with the next allowed time."""
    from huifang_tui.domain.calendar import WorkCalendar

    day = WorkCalendar().add_working_days(date.today(), 2)
    rc, _, err = _run(capsys, "record", "HF202611001", "--outcome", "reschedule", "--to", f"{day} 12:30")
    assert rc == 2 and f"{day} 13:30" in err
    rc, out, err = _run(capsys, "record", "HF202611001", "--outcome", "reschedule", "--to", day.isoformat())
    assert rc == 0, err
    # the next attempt: the first working hour of that day, said as people say it (issue 16 item 4)
    from huifang_tui.services.recording import when_text

    assert "已改约到 " + when_text(datetime.combine(day, datetime.min.time()).replace(hour=8, minute=30),
                                datetime.now()) in out
