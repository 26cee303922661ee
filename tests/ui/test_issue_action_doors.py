"""Both doors of the issue actions reach the same service call (issue 24 item 4): what is typed on
the ledger screen (a key and one line, the raise dialog) and the same thing stated as
``huifang issue …`` options call the same service with the same arguments, and a time stated
with ``--when`` gives the event the table gives for the same text."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from textual.widgets import Checkbox, Input, Select

from huifang_tui import cli
from huifang_tui.app import HuifangApp
from huifang_tui.screens.dialogs import IssueDialog, TextDialog
from huifang_tui.screens.ledger import KEYS, IssueScreen, LedgerScreen
from huifang_tui.services import issue_actions
from huifang_tui.services import issues as svc
from huifang_tui.services.base import Store
from huifang_tui.services.users import os_login, resolve_actor

from factories import add_callback, add_customer, add_user
from pilot_help import settle

NOW = datetime(2026, 11, 23, 9, 30)  # the test store's clock (tests/conftest.py)
# action → (what ``huifang issue ACTION NUMBER`` is given, the line typed on the issue screen;
# assign: what is typed to filter its department list, then its people list, each then picked
# with Enter — "" picks the first, "no owner" (issue 25 item 13))
CASES = [
    ("assign", ("--department", "技术支持组", "--owner", "tech1"), ("技术支持组", "tech1")),
    ("assign", ("--department", "技术支持组"), ("技术支持组", "")),
    ("ack", (), None),
    ("note", ("已约工程师",), "已约工程师"),
    ("wait", ("--reason", "客户出差"), "客户出差"),
    ("resume", (), None),
    ("solve", ("--solution", "更换轴承"), "更换轴承"),
    ("tell", ("--on", "2026-11-20", "--satisfaction", "4"), "2026-11-20 4"),
    ("tell", ("--on", NOW.date().isoformat(), "--satisfaction", "5"), "5"),  # a score alone: told today
    ("close", (), None),
    ("reopen", ("--reason", "又响了"), "又响了"),
]
RAISE = {"customer": "恒达", "title": "设备异响", "description": "运行时很响", "category": "product",
         "priority": "urgent", "complaint": True, "department": "技术支持组"}


@pytest.fixture
def desk(store, monkeypatch):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    monkeypatch.setattr(Store, "now", lambda self: NOW)  # the command line's store reads the clock
    add_user(store, os_login(), "supervisor")
    add_user(store, "tech1")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001")
    actor = resolve_actor(store, os_login())
    number = svc.raise_issue(store, actor, "HF202611001", title="漏液").number
    return store, actor, number


@pytest.fixture
def calls(desk, monkeypatch):
    """Every issue service the table calls, recorded instead of run (the issue returned as it is)."""
    store, _actor, number = desk
    issue = svc.show_issue(store, number).issue
    got: list[tuple] = []

    def recorder(name: str):
        def record(_store, actor, *args, **kwargs):
            got.append((name, actor.login, args, kwargs))
            return issue
        return record

    for row in issue_actions.ACTIONS:
        monkeypatch.setattr(svc, row.service, recorder(row.service))
    # the screen offers every key (the recorded calls change nothing the rule would read)
    monkeypatch.setattr(issue_actions, "offered", lambda *a, **k: set(issue_actions.NAMES))
    return got


async def test_the_screen_and_the_command_line_make_the_same_call(desk, calls, capsys):
    store, actor, number = desk
    for action, argv, _line in CASES:
        assert cli.main(["issue", action, number, *argv]) == 0, capsys.readouterr().err
    assert cli.main(["issue", "raise", "--customer", RAISE["customer"], "--title", RAISE["title"],
                     "--description", RAISE["description"], "--category", RAISE["category"],
                     "--priority", RAISE["priority"], "--complaint", "--department", RAISE["department"]]) == 0
    by_cli = list(calls)
    calls.clear()

    app = HuifangApp(store, actor, cursor_blink=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        app.push_screen(IssueScreen(number))
        await settle(pilot)
        for action, _argv, line in CASES:
            await pilot.press(KEYS[action])
            await settle(pilot)
            if isinstance(line, tuple):  # picked from lists
                for text in line:
                    app.screen.query_one(Input).value = text
                    await pilot.pause()
                    await pilot.press("enter")
                    await settle(pilot)
            elif line is not None:
                assert isinstance(app.screen, TextDialog)
                app.screen.query_one(Input).value = line
                await pilot.press("enter")
                await settle(pilot)
            assert isinstance(app.screen, IssueScreen)
        app.pop_screen()
        app.push_screen(LedgerScreen())
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        app.screen.query_one(Input).value = RAISE["customer"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueDialog)
        dialog = app.screen
        dialog.query_one("#issue-title", Input).value = RAISE["title"]
        dialog.query_one("#issue-description").text = RAISE["description"]  # a multi-line field
        dialog.query_one("#issue-category", Select).value = RAISE["category"]
        dialog.query_one("#issue-priority", Select).value = RAISE["priority"]
        dialog.query_one("#issue-complaint", Checkbox).value = RAISE["complaint"]
        dialog.query_one("#issue-department", Input).value = RAISE["department"]
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert len(calls) == len(CASES) + 1
    assert calls == by_cli
    assert [c[0] for c in calls] == [issue_actions.action(a).service for a, _, _ in CASES] + ["raise_issue"]


@pytest.mark.parametrize("action, before", [("ack", ()), ("note", ("ack",)), ("tell", ("ack", "solve"))])
def test_a_stated_time_gives_the_same_event_through_the_command_line_and_the_table(desk, capsys, action, before):
    store, actor, _ = desk
    values = {"note": {"text": "已约工程师"}, "solve": {"solution": "更换轴承"},
              "tell": {"on": "2026-11-23", "satisfaction": "4"}}
    argv = {"note": ["已约工程师"], "tell": ["--on", "2026-11-23", "--satisfaction", "4"]}
    events = []
    for door in ("cli", "table"):
        number = svc.raise_issue(store, actor, "HF202611001", title="异响", when=datetime(2026, 11, 23, 8)).number
        for step in before:
            issue_actions.run_action(store, actor, step, number, values.get(step, {}), when="2026-11-23 08:10")
        if door == "cli":
            assert cli.main(["issue", action, number, *argv.get(action, []), "--when", "今天 08:30"]) == 0
            capsys.readouterr()
        else:
            issue_actions.run_action(store, actor, action, number, values.get(action, {}), when="今天 08:30")
        capsys.readouterr()
        assert cli.main(["issue", "show", number, "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        events.append([{k: e[k] for k in ("kind", "at", "login", "text", "entered_at", "late_entry")}
                       for e in shown["events"]])
    assert events[0] == events[1]
    assert events[0][-1]["at"] == "2026-11-23T08:30:00"
