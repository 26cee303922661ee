"""The month view, its form and the yearly view in the first week (issue 25 items 8, 12, 17, 18).

- 8: Tab into a form's field keeps its text, the cursor at its end (a contact's name became `QQ`).
- 12: the yearly view shows every month at 80×24, and reaches December by key when shorter.
- 17: the month table's headers are the paper form's words, the two scores share one column
  ("4/5"), nothing but the customer's name is cut at 80 columns, in Chinese and in English.
- 18: `i` is 其他回访 / "Other call/visit" in the key bar, F1 and the README.

Key labels are read from the catalog when the screen modules are imported, so one process shows
one language: this module runs in zh_CN, and ``test_in_english`` runs the same tests in a child
process with ``HUIFANG_TEST_LANG=en`` (``test_week1_month_en.py``), which writes its month and
yearly screens as SVG for this process to compare with the English snapshots. Regenerate only
after looking at the screens: `pytest tests/ui/test_week1_month.py --snapshot-update`.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from .english_run import compare_in_english, english_shots, starts_the_english_run, take_screens, takes_screens
from pilot_help import settle
from huifang_tui.core.i18n import set_lang

LANG = os.environ.get("HUIFANG_TEST_LANG", "zh_CN")
set_lang(LANG)  # before the screens are imported (in the child process, they are not yet)

from rich.cells import cell_len  # noqa: E402
from textual.widgets import DataTable, Input  # noqa: E402

from factories import add_callback, add_customer, add_user  # noqa: E402
from huifang_tui.app import HuifangApp  # noqa: E402
from huifang_tui.core.i18n import t  # noqa: E402
from huifang_tui.services.recording import CallRecord, record_attempt  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _zh_catalog():  # overrides conftest's: this process's language
    set_lang(LANG)
    yield
    set_lang("zh_CN")


@pytest.fixture
def late_desk(store):
    """A supervisor and an agent; HF202611001 done 11-04 with 4/2, typed in on 11-23 (the store's
    clock): a late entry (补录) with a low attitude score."""
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    c = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, c, "HF202611001", due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 5))
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="completed", at=datetime(2026, 11, 4, 10),
                                                            reached_name="王经理", score_resolution=4, score_attitude=2))
    return store, sup


def screen_lines(app) -> list[str]:  # noqa: ANN001
    """The text on the terminal, one string per line, as the user sees it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def _open_month(pilot, *keys: str):  # noqa: ANN202
    from huifang_tui.screens.month import MonthScreen

    await settle(pilot)
    await pilot.press("m", *keys)
    await settle(pilot)
    assert isinstance(pilot.app.screen, MonthScreen)
    return pilot.app.screen


# -- item 17: the paper form's words, the scores in one column, nothing cut at 80 ------------
def _check_fits(table, width: int) -> None:  # noqa: ANN001
    """Every header whole, every cell but the customer's whole, the table within ``width``."""
    cols = table.ordered_columns
    for col in cols:
        assert cell_len(str(col.label)) <= col.width, f"header cut: {col.label}"
    assert sum(c.width + 2 for c in cols) + 2 <= width  # cell padding, the scrollbar
    for n in range(table.row_count):
        for col, cell in zip(cols, table.get_row_at(n)):
            if col.key.value != "customer":
                assert not str(cell).endswith("…"), f"{col.key.value} cut: {cell}"


async def test_month_headers_are_the_forms_words_and_fit_at_80(demo_app):
    app = demo_app("supervisor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_month(pilot)
        table = screen.query_one(DataTable)
        assert table.row_count > 10
        heads = {c.key.value: str(c.label) for c in table.ordered_columns}
        assert heads == {"number": t("report.col.number"), "day": t("report.col.day"),
                         "customer": t("report.col.customer"), "kind": t("monthview.col.kind"),
                         "scores": t("monthview.col.scores"), "follow_status": t("report.col.follow_status"),
                         "agent": t("report.col.agent")}
        assert heads["scores"] == {"zh_CN": "效果/态度", "en": "Res/Att"}[LANG]
        assert all(cell_len(h) >= 4 for h in heads.values())  # words, not 效 态 补 / R A L
        scores = [str(table.get_cell_at((n, 4))) for n in range(table.row_count)]
        assert all(re.fullmatch(r"[1-5]/[1-5]|", s) for s in scores) and "4/5" in scores
        _check_fits(table, 80)
        follow = {str(table.get_cell_at((n, 5))) for n in range(table.row_count)}
        assert t("monthview.follow.none") in follow


async def test_a_late_entry_shows_in_its_column_and_still_fits(late_desk):
    store, sup = late_desk
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_month(pilot)
        table = screen.query_one(DataTable)
        assert [c.key.value for c in table.ordered_columns][-1] == "late_entry"
        assert str(table.ordered_columns[-1].label) == t("monthview.col.late") == {"zh_CN": "补录", "en": "Late"}[LANG]
        assert table.get_cell("HF202611001", "late_entry").plain == t("report.yes")
        scores = table.get_cell("HF202611001", "scores")
        assert scores.plain == "4/2" and [(s.start, s.end, str(s.style)) for s in scores.spans] == [(2, 3, "bold red")]
        _check_fits(table, 80)
        await pilot.press("f1")  # F1 says what the headers mean
        await pilot.pause()
        note = str(app.screen.query_one("#help-note").render())
        assert t("monthview.col.scores") in note and t("monthview.col.late") in note


# -- item 18: i is 其他回访, not 补录 ------------------------------------------------------------
async def test_i_is_other_call_or_visit_on_the_key_bar_and_f1(demo_app):
    from huifang_tui.widgets.keybar import KeyLine

    label = {"zh_CN": "其他回访", "en": "Other call/visit"}[LANG]
    assert t("month.key.adhoc") == label
    app = demo_app("supervisor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_month(pilot)
        shown = {item.binding_id: text for bar in screen.query(KeyLine) for item, text in bar.shown}
        assert shown["month_adhoc"] in (label, t("keyshort.month_adhoc"))
        assert shown["month_adhoc"] != t("report.col.late_entry")  # not the late-entry word
        await pilot.press("f1")
        await pilot.pause()
        help_table = app.screen.query_one(DataTable)
        rows = {tuple(str(c) for c in help_table.get_row_at(n)) for n in range(help_table.row_count)}
        assert ("i", label) in rows
        await pilot.press("escape", "i")
        await settle(pilot)
        assert t("report.col.late_entry") not in app.screen.query_one("#form-title").render().plain


def test_readme_names_i_as_other_call_or_visit():
    rows = [line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| month |") and "`i`" in line]
    assert rows and all("其他回访" in line and "补录" not in line for line in rows)


# -- item 8: Tab keeps a field's text ----------------------------------------------------------
async def test_tab_back_into_a_filled_field_keeps_its_text(late_desk):
    from huifang_tui.screens.record_form import RecordFormScreen

    store, sup = late_desk
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_month(pilot)
        await pilot.press("enter")  # the completed record, in the form
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordFormScreen)
        name = form.query_one("#f-reached_name", Input)
        assert name.value == "王经理" and name.has_focus
        await pilot.press("tab", "shift+tab", "Q", "Q")
        assert name.value == "王经理QQ"
        await pilot.press("home", "tab", "shift+tab", "Z")  # the cursor moved away: back at the end
        assert name.value == "王经理QQZ"
        await pilot.press("tab", "x", "tab", "shift+tab", "y")  # 职位 typed, left and come back to
        assert form.query_one("#f-reached_position", Input).value == "xy"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("i")  # the form for another call or visit
        await settle(pilot)
        form = app.screen
        customer = form.query_one("#f-customer", Input)
        assert customer.has_focus
        await pilot.press("a", "b", "tab", "shift+tab", "c")
        assert customer.value == "abc"


async def test_no_form_field_selects_its_text_on_focus(demo_app):
    """The record form, the call form and the issue dialog: every field keeps its text when Tab
    comes to it (a one-line dialog with a proposed value, e.g. the export path, still selects it
    so that typing replaces the proposal)."""
    from huifang_tui.screens.dialogs import IssueDialog
    from huifang_tui.screens.record_form import RecordFormScreen

    app = demo_app("agent1")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the call form
        await settle(pilot)
        inputs = list(app.screen.query(Input))
        assert len(inputs) >= 5 and not [i.id for i in inputs if i.select_on_focus]
        await app.push_screen(IssueDialog())
        await pilot.pause()
        inputs = list(app.screen.query(Input))  # the title and the department (the description is a TextArea)
        assert len(inputs) == 2 and not [i.id for i in inputs if i.select_on_focus]
        app.pop_screen()
        await app.push_screen(RecordFormScreen())
        await settle(pilot)
        inputs = list(app.screen.query(Input))
        assert len(inputs) == 7 and not [i.id for i in inputs if i.select_on_focus]
        app.pop_screen()


async def test_asking_a_supervisor_keeps_the_reason_when_tab_comes_back(demo_app):
    """The request to a supervisor keeps the reason typed before; Tab between its two fields must
    not offer that reason to the next key to replace."""
    from huifang_tui.core.errors import NeedsSupervisor
    from huifang_tui.screens.requests import AskSupervisorDialog

    app = demo_app("agent1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        error = NeedsSupervisor("past the deadline", kind="reschedule", number="HF202611088",
                                wanted=datetime(2026, 11, 25, 9, 0), deadline="2026-11-24")
        await app.push_screen(AskSupervisorDialog(error, reason="客户出差"))
        await pilot.pause()
        reason = app.screen.query_one("#ask-reason", Input)
        assert reason.has_focus  # the time is filled in: the cursor starts in the reason
        await pilot.press("tab", "shift+tab")  # away and back
        assert reason.has_focus
        await pilot.press("x")
        assert reason.value == "客户出差x"


# -- item 12: every month of the year, December too --------------------------------------------
async def _open_yearly(pilot) -> None:
    await _open_month(pilot)
    await pilot.press("y")
    await settle(pilot)


def _month_rows(lines: list[str]) -> list[str]:
    return [m for line in lines if (m := line.strip()[:2]) in {f"{n:02d}" for n in range(1, 13)}]


async def test_the_yearly_view_shows_december_at_80x24(demo_app):
    app = demo_app("supervisor")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_yearly(pilot)
        assert _month_rows(screen_lines(app)) == [f"{n:02d}" for n in range(1, 13)]


async def test_a_short_terminal_reaches_december_by_key(demo_app):
    app = demo_app("supervisor")
    async with app.run_test(size=(80, 18)) as pilot:
        await _open_yearly(pilot)
        assert "12" not in _month_rows(screen_lines(app))  # too short for all twelve
        await pilot.press(*["down"] * 11)
        await pilot.pause()
        assert _month_rows(screen_lines(app))[-1] == "12"


# -- snapshots at 80×24 ------------------------------------------------------------------------
async def _month(pilot) -> None:
    await _open_month(pilot, "p")  # October: every record completed, scores and follow-ups


SCREENS = {"month_80x24": _month, "yearly_80x24": _open_yearly}


@pytest.mark.skipif(LANG != "zh_CN", reason="the English run compares its screens in test_in_english")
@pytest.mark.parametrize("name", list(SCREENS))
def test_screens_80x24(snap_compare, demo_app, name):
    assert snap_compare(demo_app("supervisor"), terminal_size=(80, 24), run_before=SCREENS[name])


@takes_screens
def test_take_screens(demo_app):
    """In the English process: the month and yearly screens as SVG, for test_in_english."""
    take_screens(lambda: demo_app("supervisor"), SCREENS)


@starts_the_english_run
def test_in_english(snapshot, tmp_path):
    """The same tests with the English catalog, in a process of its own; its month and yearly
    screens are compared here with the English snapshots (``--snapshot-update`` applies)."""
    compare_in_english(snapshot, tmp_path, Path(__file__).with_name("test_week1_month_en.py"), english_shots(SCREENS))


# -- the same kind: keys an agent may not use are not offered -----------------------------------
async def test_an_agent_is_not_offered_approval_or_spot_checks(demo_app):
    from huifang_tui.screens.dialogs import MessageDialog
    from huifang_tui.widgets.keybar import KeyLine

    app = demo_app("agent1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_month(pilot)
        shown = {item.binding_id for bar in screen.query(KeyLine) for item, _ in bar.shown}
        assert "month_adhoc" in shown and "month_approve" not in shown
        await pilot.press("f1")
        await pilot.pause()
        help_table = app.screen.query_one(DataTable)
        actions = {str(help_table.get_row_at(n)[1]) for n in range(help_table.row_count)}
        assert t("month.key.adhoc") in actions
        assert not actions & {t("month.key.approve"), t("month.key.spot_draw"), t("month.key.spot_mark")}
        await pilot.press("escape", "v")
        await settle(pilot)
        assert app.screen is screen and not isinstance(app.screen, MessageDialog)
    sup = demo_app("supervisor")
    async with sup.run_test(size=(80, 24)) as pilot:
        screen = await _open_month(pilot)
        assert "month_approve" in {item.binding_id for bar in screen.query(KeyLine) for item, _ in bar.shown}
