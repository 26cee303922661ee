"""The one table of issue actions (issue 24 item 4): it covers every action the services expose,
each row names a real service and the keywords that service takes, its rule is the domain's,
and ``huifang issue …`` builds its sub-commands from it in the table's order."""

from __future__ import annotations

import argparse
import inspect
from datetime import date

import pytest

from huifang_tui.cli import issues as cli_issues
from huifang_tui.domain import issues as domain
from huifang_tui.services import issue_actions as table
from huifang_tui.services import issues as svc
from huifang_tui.services.issue_actions import ACTIONS, KINDS, NAMES, ArgumentError


def test_the_table_covers_every_action_the_services_expose():
    # raise, then every action the permission rule knows, in its order
    assert NAMES == ("raise", *domain.ACTIONS)
    # ... and the command line offers exactly these, then show
    assert cli_issues.ISSUE_ACTIONS == (*NAMES, "show")
    # every write of the ledger that acts on an issue by its number is one row's service
    served = {a.service for a in ACTIONS}
    public = {name for name, fn in vars(svc).items() if inspect.isfunction(fn) and fn.__module__ == svc.__name__
              and not name.startswith("_")
              and list(inspect.signature(fn).parameters)[:3] == ["store", "actor", "number"]
              and "when" in inspect.signature(fn).parameters}
    assert public == served


@pytest.mark.parametrize("row", ACTIONS, ids=NAMES)
def test_each_row_calls_a_service_that_takes_its_arguments(row):
    params = inspect.signature(row.call).parameters
    assert row.call is getattr(svc, row.service)
    assert {a.keyword for a in row.args} | {"when"} <= set(params)
    if row.on_issue:
        assert list(params)[:3] == ["store", "actor", "number"]
    assert {a.kind for a in row.args} <= set(KINDS)
    assert len({a.name for a in row.args}) == len(row.args)


@pytest.mark.parametrize("row", [a for a in ACTIONS if a.on_issue], ids=[a.name for a in ACTIONS if a.on_issue])
def test_who_and_where_are_the_domain_rule(row):
    assert row.who is domain.WHO_MAY[row.name]
    assert row.applies_in is domain.APPLIES_IN[row.name]


def test_the_command_line_is_built_from_the_table():
    parser = argparse.ArgumentParser()
    cli_issues.add_parsers(parser.add_subparsers(dest="cmd"))
    issue = parser._subparsers._group_actions[0].choices["issue"]
    subs = issue._subparsers._group_actions[0].choices
    assert tuple(subs) == (*NAMES, "show")
    for row in ACTIONS:
        dests = [a.dest for a in subs[row.name]._actions if a.dest != "help"]
        assert dests == [*(["number"] if row.on_issue else []), "when", "json", *(a.name for a in row.args)]
        for arg in row.args:
            action = next(a for a in subs[row.name]._actions if a.dest == arg.name)
            assert action.required is arg.required
            assert list(action.option_strings) == ([arg.option] if arg.option else [])


@pytest.mark.parametrize("name, line, expected", [
    ("assign", "技术支持组 tech1", {"department": "技术支持组", "owner": "tech1"}),
    ("assign", " 技术支持组 ", {"department": "技术支持组", "owner": None}),
    ("note", "已约工程师", {"text": "已约工程师"}),
    ("wait", "客户出差", {"reason": "客户出差"}),
    ("solve", "更换轴承", {"solution": "更换轴承"}),
    ("reopen", "又响了", {"reason": "又响了"}),
    ("tell", "4", {"on": date(2026, 11, 23), "satisfaction": 4}),
    ("tell", "2026-11-20，3", {"on": date(2026, 11, 20), "satisfaction": 3}),
    ("ack", "", {}),
    ("close", "", {}),
])
def test_one_typed_line_reads_into_the_arguments(name, line, expected):
    assert table.read_line(name, line, date(2026, 11, 23)) == expected


@pytest.mark.parametrize("arg, text, says", [
    ("on", "下下下周", "--on"),
    ("satisfaction", "four", "four"),
])
def test_unreadable_text_is_refused_naming_what_was_typed(arg, text, says):
    row = table.action("tell")
    spec = next(a for a in row.args if a.name == arg)
    with pytest.raises(ArgumentError) as e:
        table.read_arg(spec, text)
    assert e.value.arg == arg and says in str(e.value)


def test_a_choice_names_the_option_and_what_it_allows():
    spec = next(a for a in table.action("raise").args if a.name == "category")
    with pytest.raises(ArgumentError, match="--category"):
        table.read_arg(spec, "weather")
    assert table.read_arg(spec, "product") == "product"
