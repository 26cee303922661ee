"""The audit log in words (issue 25 item 16): the action as people say it, the entity by its name or
number, the change as "field: before → after", and the whole entry on Enter in a dialog that scrolls.

Snapshots at 80×24 in zh_CN (this process) and in English: key labels are read when the screens
are imported, so ``test_audit_log_in_english`` runs this file again in a process of its own with
``HUIFANG_TEST_LANG=en``; the child writes the screen as SVG and this process compares it with the
snapshot. Regenerate only after looking at the screens:
`pytest tests/ui/test_week1_audit.py --snapshot-update`.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from .english_run import compare_in_english, english_shots, starts_the_english_run, take_screens, takes_screens
from huifang_tui.core.i18n import set_lang

LANG = os.environ.get("HUIFANG_TEST_LANG", "zh_CN")
set_lang(LANG)  # before the screens are imported (in the child process, they are not yet)

from pilot_help import settle  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 30)  # the board snapshots' clock


@pytest.fixture(autouse=True)
def _zh_catalog():  # overrides conftest's: this process's language
    set_lang(LANG)
    yield
    set_lang("zh_CN")


def _first_open(store, login: str) -> str:  # noqa: ANN001
    from sqlmodel import select

    from huifang_tui.store.models import Callback

    with store.read() as s:
        return s.exec(select(Callback.number).where(Callback.agent_login == login, Callback.status == "open")
                      .order_by(Callback.number)).first()


# -- the service: rows in words ---------------------------------------------------------------

@pytest.mark.skipif(LANG != "zh_CN", reason="the Chinese words")
def test_rows_name_the_action_the_entity_and_the_change(desk):
    from huifang_tui.services.audit_log import audit_log
    from huifang_tui.services.base import Actor
    from huifang_tui.services.board import reassign
    from huifang_tui.services.calls import open_call
    from factories import add_user

    store, _agent = desk
    agent2 = add_user(store, "agent2", "agent", "刘思琪")
    sup = Actor("supervisor", "supervisor", "周主管")
    reassign(store, sup, ["HF202611001"], "agent2")
    open_call(store, agent2, "HF202611001", pid=1)  # audits the phone shown: entity "customer <id>"

    rows = audit_log(store, sup)
    moved = next(r for r in rows if r.action == "callback.reassign")
    assert moved.action_text == "转派回访"
    assert moved.subject == "HF202611001 杭州恒达机械有限公司"
    assert [c.text() for c in moved.changes] == ["回访员：陈晓雯 → 刘思琪"]
    assert moved.who == "周主管"
    shown = next(r for r in rows if r.action == "phone.reveal")
    assert shown.subject == "杭州恒达机械有限公司" and shown.action_text == "查看电话"
    assert [c.text() for c in shown.changes] == ["回访：HF202611001"]
    # the JSON keeps the codes and the stored before/after (scripts read them)
    assert moved.as_json()["action"] == "callback.reassign" and moved.as_json()["after"] == {"agent_login": "agent2"}


@pytest.mark.skipif(LANG != "zh_CN", reason="the Chinese words")
def test_a_refusal_and_an_unknown_code_read_plainly(desk):
    from huifang_tui.core.errors import ServiceError
    from huifang_tui.services.audit_log import action_words, audit_log
    from huifang_tui.services.base import Actor
    from huifang_tui.services.board import board

    store, agent = desk
    with pytest.raises(ServiceError):
        board(store, agent)  # an agent is refused the board: a refused row
    rows = audit_log(store, Actor("supervisor", "supervisor", "周主管"))
    refused = next(r for r in rows if r.action == "refused")
    assert refused.action_text == "拒绝操作" and refused.subject == "看板"
    assert refused.changes[0].text() == "角色：回访员"
    assert action_words("something.new") == "something.new"  # a code the catalog lacks: as it is


# -- the screen -----------------------------------------------------------------------------

@pytest.mark.skipif(LANG != "zh_CN", reason="the Chinese words")
async def test_the_screen_shows_words_and_enter_opens_the_whole_entry(demo_app):
    from textual.containers import VerticalScroll
    from textual.widgets import DataTable, Static

    from huifang_tui.screens.audit import AuditEntryDialog, AuditScreen
    from huifang_tui.services.board import reassign

    app = demo_app("supervisor", NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        number = _first_open(app.store, "agent1")
        reassign(app.store, app.actor, [number], "agent2")
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one(DataTable)
        top = [str(c) for c in table.get_row_at(0)]
        assert top[2] == "转派回访" and top[3].startswith(number + " ")
        assert "callback.reassign" not in " ".join(top) and "callback " not in top[3]
        info = str(screen.query_one("#audit-info", Static).render())
        assert "回访员：陈晓雯 → 刘思琪" in info  # the selected row's change under the table

        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AuditEntryDialog)
        body = str(dialog.entry)
        assert "转派回访 (callback.reassign)" in body and "回访员：陈晓雯 → 刘思琪" in body
        await pilot.press("escape")
        await pilot.pause()

        # a long entry (the planner's run names every callback it made) scrolls by key
        row = next(i for i, r in enumerate(screen.rows) if r.action == "plan.create")
        table.move_cursor(row=row)
        await pilot.press("enter")
        await pilot.pause()
        scroll = app.screen.query_one("#audit-entry-body", VerticalScroll)
        assert scroll.max_scroll_y > 0 and app.screen.focused is scroll
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 0


# -- snapshots at 80×24, in both languages ------------------------------------------------------

async def _audit_with_a_reassign(pilot) -> None:  # noqa: ANN001
    from huifang_tui.services.board import reassign

    # The start-up planner run (0.5 s after mounting) writes audit rows: let it run first, so the
    # log shown does not depend on which came first.
    await pilot.pause(0.8)
    await settle(pilot)
    app = pilot.app
    reassign(app.store, app.actor, [_first_open(app.store, "agent1")], "agent2")
    await pilot.press("f4")
    await settle(pilot)


@pytest.mark.skipif(LANG != "zh_CN", reason="the English run compares in the parent")
def test_audit_log_80x24(snap_compare, demo_app):
    assert snap_compare(demo_app("supervisor", NOW), terminal_size=(80, 24), run_before=_audit_with_a_reassign)


@takes_screens
def test_take_audit_screen(demo_app):
    """In the English process: the audit log as SVG, for test_audit_log_in_english to compare."""
    take_screens(lambda: demo_app("supervisor", NOW), {"audit_80x24": _audit_with_a_reassign})


@starts_the_english_run
def test_audit_log_in_english(snapshot, tmp_path):
    compare_in_english(snapshot, tmp_path, Path(__file__), english_shots(["audit_80x24"]),
                       "-k", "test_take_audit_screen")


@pytest.mark.skipif(LANG != "zh_CN", reason="the Chinese words")
def test_huifang_audit_prints_the_same_words(desk, monkeypatch, capsys):
    """``huifang audit`` (text) in the screen's words; ``--json`` keeps the codes."""
    import json

    from huifang_tui import cli
    from huifang_tui.services.base import Actor
    from huifang_tui.services.board import reassign
    from huifang_tui.store.models import Setting
    from factories import add_user

    store, _agent = desk
    add_user(store, "agent2", "agent", "刘思琪")
    reassign(store, Actor("supervisor", "supervisor", "周主管"), ["HF202611001"], "agent2")
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    with store.write() as s:
        s.add(Setting(key="demo", value="1"))  # --as works on a demo database only
    assert cli.main(["--as", "supervisor", "audit"]) == 0
    out = capsys.readouterr().out
    assert "转派回访" in out and "HF202611001 杭州恒达机械有限公司" in out and "陈晓雯 → 刘思琪" in out
    assert "callback.reassign" not in out
    assert cli.main(["--as", "supervisor", "audit", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["action"] == "callback.reassign"
