"""Admin/supervisor command line: calendar overrides, assigning pool work, roles enforced below the UI."""

from __future__ import annotations

import json
from datetime import date

import pytest

from huifang_tui import cli
from huifang_tui.services.users import os_login

from factories import add_callback, add_customer, add_user


@pytest.fixture
def as_role(store, monkeypatch):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)

    def make(role: str):
        add_user(store, os_login(), role)
        return store

    return make


def test_calendar_override_makes_estimated_year_exact(as_role, capsys):
    as_role("admin")
    assert cli.main(["calendar", "show", "2027-01"]) == 0
    assert "预估" in capsys.readouterr().out  # SPEC §3: a year without data is never silently exact
    assert cli.main(["calendar", "set", "2027-01-01", "holiday", "元旦"]) == 0
    capsys.readouterr()
    assert cli.main(["calendar", "show", "2027-01"]) == 0
    out = capsys.readouterr().out
    assert "[ 1]" in out and "元旦" in out


def test_calendar_set_needs_admin(as_role, capsys):
    as_role("agent")
    assert cli.main(["calendar", "set", "2027-01-01", "holiday"]) == 2  # a refusal
    assert "无权" in capsys.readouterr().err


def test_calendar_bad_month_names_the_format(as_role, capsys):
    as_role("admin")
    assert cli.main(["calendar", "show", "2026/2"]) == 1
    assert "YYYY-MM" in capsys.readouterr().err


def test_supervisor_assigns_pool_work(as_role, capsys):
    store = as_role("supervisor")
    add_user(store, "agent2", "agent")
    add_callback(store, add_customer(store, "杭州恒达机械有限公司", agent=None), "HF202611001", agent=None)
    assert cli.main(["assign", "HF202611001", "agent2"]) == 0
    capsys.readouterr()
    assert cli.main(["queue", "--agent", "agent2", "--json"]) == 0
    assert [r["agent"] for r in json.loads(capsys.readouterr().out)] == ["agent2"]


def test_agent_may_not_assign_or_see_others(as_role, capsys):
    store = as_role("agent")
    add_user(store, "agent2", "agent")
    add_callback(store, add_customer(store, "杭州恒达机械有限公司", agent=None), "HF202611001", agent=None)
    assert cli.main(["assign", "HF202611001", "agent2"]) == 2  # refusals exit 2
    assert cli.main(["queue", "--agent", "agent2"]) == 2
    assert "自己的队列" in capsys.readouterr().err


def test_policy_override_is_validated_and_applied(as_role, tmp_path, capsys):
    store = as_role("admin")
    bad = tmp_path / "bad.toml"
    bad.write_text("[retry]\nmax_attempt = 5\n", encoding="utf-8")
    assert cli.main(["policy", "set", str(bad)]) == 1
    assert "retry.max_attempt" in capsys.readouterr().err  # names the wrong key; nothing saved
    good = tmp_path / "policy.toml"
    good.write_text("[retry]\nmax_attempts = 1\n", encoding="utf-8")
    assert cli.main(["policy", "set", str(good)]) == 0
    add_user(store, "agent1", "agent")
    add_callback(store, add_customer(store, "杭州恒达机械有限公司"), "HF202611001")
    assert cli.main(["record", "HF202611001", "--outcome", "no_answer"]) == 0
    assert "无法联系" in capsys.readouterr().out  # one attempt allowed now


def test_supervisor_plans_annual_visit_for_sales_manager(as_role, capsys):
    store = as_role("supervisor")
    add_user(store, "salesmgr", "sales_manager")
    add_customer(store, "杭州恒达机械有限公司", tier="major")
    add_customer(store, "小微商贸有限公司", tier="standard")
    assert cli.main(["visit", "杭州恒达机械有限公司", "2026-12-07"]) == 0
    assert cli.main(["visit", "杭州恒达机械有限公司", "2026-12-07"]) == 1  # no duplicate
    assert cli.main(["visit", "小微商贸有限公司", "2026-12-07"]) == 1  # 000 二.3: key customers only
    assert "重要" in capsys.readouterr().err
    assert cli.main(["--as", "salesmgr", "queue", "--date", "2026-12-07", "--json"]) != 0  # not a demo db
    from huifang_tui.services.base import Actor
    from huifang_tui.services.queue import queue_rows

    rows = queue_rows(store, Actor("salesmgr", "sales_manager"), date(2026, 12, 7))
    assert [(r.kind, r.due_on) for r in rows] == [("annual_visit", date(2026, 12, 7))]
