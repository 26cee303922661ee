"""``huifang request list|ask|approve|refuse`` (issue 25 item 5): the same requests as the screens;
refusals exit 2, bad input 1; ``--json``. And ``huifang record --outcome no_answer`` on the last
day says the next attempt will be overdue (item 4)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.core.i18n import t
from huifang_tui.store.models import Callback, Setting, SupervisorRequest

from factories import add_callback, add_customer, add_user


@pytest.fixture
def centre(store, monkeypatch, capsys):
    """agent1's callback whose deadline is today (the real clock: the command line's)."""
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, "agent1", "agent", "陈晓雯")
    add_user(store, "agent2", "agent", "李明")
    add_user(store, "supervisor", "supervisor", "周主管")
    with store.write() as s:
        s.add(Setting(key="demo", value="1"))  # --as works on a demo database only
    today = date.today()
    add_callback(store, add_customer(store, "甲公司"), "HF202611001", due_on=today, deadline_on=today)
    store.clock = datetime.now
    capsys.readouterr()
    return store


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as e:  # argparse's refusal of an unreadable argument
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


WANTED = (date.today() + timedelta(days=3)).isoformat()


def test_ask_list_approve_from_the_command_line(centre, capsys):
    code, _, err = _run(capsys, "--as", "agent1", "defer", "HF202611001", "--reason", "客户出差", "--to", WANTED)
    assert code == 2 and "截止" in err  # the rule: a supervisor's
    code, out, _ = _run(capsys, "--as", "agent1", "request", "ask", "HF202611001", "--defer-to", WANTED,
                        "--reason", "客户出差", "--json")
    assert code == 0
    asked = json.loads(out)
    assert (asked["kind"], asked["wanted"], asked["reason"], asked["state"]) == ("defer", WANTED, "客户出差", "pending")
    assert asked["deadline"] == date.today().isoformat()
    code, out, _ = _run(capsys, "--as", "supervisor", "request", "list", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [asked["id"]]
    code, out, _ = _run(capsys, "--as", "supervisor", "request", "list")
    assert code == 0 and "HF202611001" in out and "客户出差" in out
    code, out, _ = _run(capsys, "--as", "supervisor", "request", "approve", str(asked["id"]), "--json")
    assert code == 0
    done = json.loads(out)
    assert (done["state"], done["decided_by"]) == ("approved", "supervisor") and WANTED in done["applied"]
    with centre.read() as s:
        assert s.exec(select(Callback)).one().due_on.isoformat() == WANTED
    code, _, err = _run(capsys, "--as", "supervisor", "request", "refuse", str(asked["id"]))
    assert code == 2 and err.strip().count("\n") == 0  # decided already: one plain line
    code, out, _ = _run(capsys, "--as", "agent1", "request", "list", "--all")
    assert code == 0 and "周主管" in out


def test_refuse_with_and_without_a_reason(centre, capsys):
    code, out, _ = _run(capsys, "--as", "agent1", "request", "ask", "HF202611001", "--defer-to", WANTED,
                        "--reason", "客户出差", "--json")
    rid = str(json.loads(out)["id"])
    code, out, _ = _run(capsys, "--as", "supervisor", "request", "refuse", rid, "--reason", "本周内联系", "--json")
    assert code == 0 and json.loads(out)["answer"] == "本周内联系"
    with centre.read() as s:
        assert s.exec(select(Callback)).one().due_on == date.today()


def test_refusals_exit_2_and_bad_input_exits_1(centre, capsys):
    code, out, _ = _run(capsys, "--as", "agent1", "request", "ask", "HF202611001", "--defer-to", WANTED,
                        "--reason", "客户出差", "--json")
    rid = str(json.loads(out)["id"])
    code, _, err = _run(capsys, "--as", "agent1", "request", "approve", rid)  # an agent may not decide
    assert code == 2 and "Traceback" not in err
    code, _, err = _run(capsys, "--as", "agent2", "request", "ask", "HF202611001", "--defer-to", WANTED,
                        "--reason", "x")  # not theirs
    assert code == 2
    code, _, err = _run(capsys, "--as", "agent1", "request", "ask", "HF202611001", "--reason", "x")  # no time
    assert code == 1 and err.strip()
    code, _, err = _run(capsys, "--as", "supervisor", "request", "approve", "abc")
    assert code == 1
    code, _, err = _run(capsys, "--as", "supervisor", "request", "approve", "999")
    assert code == 1 and "999" in err
    code, _, err = _run(capsys, "--as", "supervisor", "request", "list", "--state", "nonsense")
    assert code == 1
    with centre.read() as s:
        assert s.exec(select(SupervisorRequest)).one().state == "pending"


def test_a_request_on_a_reassigned_callback_is_refused_and_says_so(centre, capsys):
    code, out, _ = _run(capsys, "--as", "agent1", "request", "ask", "HF202611001", "--defer-to", WANTED,
                        "--reason", "客户出差", "--json")
    rid = str(json.loads(out)["id"])
    assert _run(capsys, "--as", "supervisor", "assign", "HF202611001", "agent2")[0] == 0
    code, _, err = _run(capsys, "--as", "supervisor", "request", "approve", rid)
    assert code == 2 and "agent2" in err
    with centre.read() as s:
        assert s.exec(select(Callback)).one().due_on == date.today()


def test_record_no_answer_on_the_last_day_says_it_will_be_overdue(centre, capsys):
    code, out, _ = _run(capsys, "--as", "agent1", "record", "HF202611001", "--outcome", "no_answer")
    assert code == 0 and t("requests.will_be_overdue") in out
