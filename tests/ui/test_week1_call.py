"""The call screen at 80×24 in the first week (issue 25 item 7) and the record form's refusal
(item 9, in part).

- 7: every section of the customer card (overview, past callbacks, open issues, improvements to
  verify) is reached by F2, shown in the key bar and on F1, the focus staying in the form; a
  section longer than the card pages down first.
- 7: the script and the card wrap Chinese by the usual rules: no line starts with ，。？） …, no
  line ends with （「 …, a number or a code stays whole; a resize wraps again.
- 7: notices sit over the card, never over the form being typed in.
- 9: the record form's lock message is shown in full.

Key labels are read from the catalog when the screen modules are imported, so one process shows
one language: this module runs in zh_CN, and ``test_in_english`` runs the same tests in a child
process with ``HUIFANG_TEST_LANG=en`` (``test_week1_call_en.py``), which writes its call screens
as SVG for this process to compare with the English snapshots. Regenerate only after looking at
the screens: `pytest tests/ui/test_week1_call.py --snapshot-update`.
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

from textual.geometry import Region  # noqa: E402
from textual.widgets import DataTable, Input, Static  # noqa: E402
from textual.widgets._toast import Toast  # noqa: E402

from factories import add_callback, add_customer, add_user  # noqa: E402
from huifang_tui.app import HuifangApp  # noqa: E402
from huifang_tui.core.i18n import t  # noqa: E402
from huifang_tui.domain.linebreak import NO_END, NO_START  # noqa: E402
from huifang_tui.screens.call import CallScreen  # noqa: E402
from huifang_tui.services import issues as issues_svc  # noqa: E402
from huifang_tui.services.recording import CallRecord, record_attempt  # noqa: E402
from huifang_tui.widgets.call_form import CallForm  # noqa: E402
from huifang_tui.widgets.customer_card import CardTabs, CustomerCard  # noqa: E402
from huifang_tui.widgets.keybar import KeyBar  # noqa: E402

FIRST = "HF202611088"  # the demo queue's first row: a work order SX202611032 in the script, 4 past callbacks
VERIFY = "HF202611103"  # a customer with an improvement to verify
LONG = "HF202611129"  # a customer with 8 past callbacks


@pytest.fixture(autouse=True)
def _zh_catalog():  # overrides conftest's: this process's language
    set_lang(LANG)
    yield
    set_lang("zh_CN")


async def _open(pilot, number: str | None = None) -> CallScreen:  # noqa: ANN001
    await settle(pilot)
    if number is None:
        await pilot.press("enter")
    else:
        pilot.app.open_call(number)
    await settle(pilot)
    assert isinstance(pilot.app.screen, CallScreen)
    return pilot.app.screen


def _raise_issue(app, number: str) -> str:  # noqa: ANN001
    """An open complaint on the customer of *number* (as Ctrl+R on its call would raise it)."""
    return issues_svc.raise_issue(app.store, app.actor, number, title="滤板密封条漏液，客户要求本周内更换",
                                  category="product", is_complaint=True).number


def _lines(widget) -> list[str]:  # noqa: ANN001
    """The lines a widget shows now, as drawn (without the padding's blanks at the ends)."""
    r = widget.region
    return [strip.text.rstrip() for strip in widget.render_lines(Region(0, 0, r.width, r.height))]


def _visible(widget) -> bool:  # noqa: ANN001
    return widget.display and widget.region.area > 0 and widget.screen.region.contains_region(widget.region)


# -- 7a: the card's sections by key ----------------------------------------------------------
async def test_every_card_section_is_reached_by_f2_with_the_focus_kept(demo_app):
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        number = _raise_issue(app, VERIFY)
        screen = await _open(pilot, VERIFY)
        card = screen.query_one(CustomerCard)
        verify = screen.view.to_verify[0].number
        await pilot.press("a", "b")  # typing in the form
        expect = {"overview": screen.view.customer.name, "history": t("card.history"),
                  "issues": number, "verify": verify}
        seen = []
        for _ in range(5):
            section = card.section
            body = card.query_one(f"#card-{section}-body", Static)
            assert _visible(body), section
            assert expect[section] in " ".join(_lines(body)), (section, _lines(body))
            tabs = _lines(card.query_one(CardTabs))[0]
            assert t(f"card.tab.{section}") in tabs
            seen.append(section)
            await pilot.press("f2")
            await pilot.pause()
        assert seen == ["overview", "history", "issues", "verify", "overview"]
        assert screen.focused.id == "reached_name" and screen.focused.value.endswith("ab")
        # the tab line counts what the sections hold
        assert f"{t('card.tab.issues')} 1" in _lines(card.query_one(CardTabs))[0]
        # the key is on the key bar and on F1
        bar = screen.query_one(KeyBar)
        assert "call_card_next" in {item.binding_id for item, _ in bar.shown}
        await pilot.press("f1")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        rows = [(str(table.get_row_at(i)[0]), str(table.get_row_at(i)[1])) for i in range(table.row_count)]
        assert ("f2", t("card.key_next")) in rows
        assert [r for r in rows if r[0] == "f2"] == [("f2", t("card.key_next"))], rows  # not the app's F2 too


async def test_a_section_longer_than_the_card_pages_down_before_moving_on(demo_app):
    app = demo_app()
    async with app.run_test(size=(80, 16)) as pilot:
        screen = await _open(pilot, LONG)
        card = screen.query_one(CustomerCard)
        done, pages = [], {}
        while len(done) < 4:
            section = card.section
            scroll = card.query_one(f"#card-{section}")
            before = scroll.scroll_y
            await pilot.press("f2")
            await pilot.pause()
            if card.section == section:
                assert scroll.scroll_y > before  # the next page of the same section
                pages[section] = pages.get(section, 0) + 1
            else:
                assert before == scroll.max_scroll_y  # its end was shown before moving on
                done.append(section)
        assert done == ["overview", "history", "issues", "verify"]
        assert pages.get("history", 0) >= 1  # 8 past callbacks: more than 16 lines hold
        assert card.section == "overview"


# -- 7b: Chinese wrapped by the rules, on screen ---------------------------------------------
def _check_rules(lines: list[str], codes: list[str]) -> None:
    for i, line in enumerate(lines):
        text = line.strip()
        if i and text:
            assert text[0] not in NO_START, (line, lines)
        if text and i < len(lines) - 1:
            assert text[-1] not in NO_END, (line, lines)
    joined = "\n".join(line.strip() for line in lines)
    for code in codes:
        assert code in joined, (code, lines)  # whole, on one line


async def test_script_and_card_wrap_by_the_rules_and_again_on_resize(demo_app):
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        form = screen.query_one(CallForm)
        script = [w for w in form.query(Static) if w.has_class("script-text", "script-question", "script-purpose",
                                                                 "script-tip") or w.id == "call-title"]
        opening = form.query(".script-text").first()
        code = screen.view.work_order.number  # SX202611032, in the opening's text
        shapes = []
        for size in ((80, 24), (100, 30), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            for w in script:
                lines = _lines(w)
                _check_rules(lines, re.findall(r"[A-Za-z0-9]{4,}", "".join(lines)))
            _check_rules(_lines(opening), [code])
            _check_rules(_lines(screen.query_one("#card-overview-body")), [screen.view.callback.number, code])
            shapes.append(len(_lines(opening)))
        assert shapes[0] > shapes[1] and shapes[0] == shapes[2]  # wrapped again at each width


# -- 7c: notices over the card, never over the form -----------------------------------------
async def test_a_notice_covers_no_field_of_the_form(demo_app):
    app = demo_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await _open(pilot)
        await pilot.press("f3")  # completed with nothing filled in: an error notice
        await pilot.pause()
        toasts = list(screen.query(Toast))
        assert toasts and any(t("call.cannot_save") in "\n".join(_lines(x)) for x in toasts)
        form = screen.query_one(CallForm).region
        card = screen.query_one(CustomerCard).region
        for toast in toasts:
            assert not toast.region.overlaps(form), (toast.region, form)
            assert card.contains_region(toast.region), (toast.region, card)


# -- 9: the record form's lock message in full ----------------------------------------------
@pytest.fixture
def locked(store):
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    c = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, c, "HF202611001", due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 5))
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="completed", at=datetime(2026, 11, 4, 10),
                                                            reached_name="王经理", score_resolution=4, score_attitude=5))
    return store, sup


async def test_the_record_forms_lock_message_is_shown_whole_at_80x24(locked):
    from huifang_tui.screens.record_form import RecordFormScreen

    store, sup = locked
    store.clock = lambda: datetime(2026, 12, 1, 10, 0)
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("p")  # November
        await settle(pilot)
        await pilot.press("v", "y")  # approved: the month is locked
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RecordFormScreen)
        form.query_one("#f-improvement", Input).value = "审批后再改"
        await pilot.press("ctrl+s")
        await settle(pilot)
        status = form.query_one("#form-status", Static)
        message = t("report.locked", month="2026-11", day="2026-11-04", version=1)
        shown = _lines(status)
        assert _visible(status) and len(shown) >= 2
        assert "".join(line.strip() for line in shown).replace(" ", "") == message.replace(" ", "")


async def test_a_field_message_cut_beside_its_field_is_shown_whole_below(locked):
    store, sup = locked
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("i")  # a call or visit made outside the queue
        await settle(pilot)
        form = app.screen
        when = form.query_one("#f-completed_at", Input)
        when.value = "2026-13-45"  # not a time
        await pilot.pause()
        message = t("form.err.when")
        beside = "".join(_lines(form.query_one("#e-completed_at", Static))).strip()
        assert beside.endswith("…") and beside != message  # its place beside the field cuts it
        status = form.query_one("#form-status", Static)
        assert _visible(status)
        assert "".join(line.strip() for line in _lines(status)).replace(" ", "") == message.replace(" ", "")
        when.value = "2026-11-04 10:00"  # put right: the whole message goes too
        await pilot.pause()
        assert "".join(_lines(status)).strip() == ""


# -- snapshots at 80×24 ------------------------------------------------------------------------
async def _overview(pilot) -> None:  # noqa: ANN001
    await _open(pilot)


async def _history(pilot) -> None:  # noqa: ANN001
    await _open(pilot)
    await pilot.press("f2")
    await pilot.pause()


async def _issues(pilot) -> None:  # noqa: ANN001
    _raise_issue(pilot.app, FIRST)
    await _open(pilot)
    await pilot.press("f2", "f2")
    await pilot.pause()


async def _verify(pilot) -> None:  # noqa: ANN001
    await _open(pilot, VERIFY)
    await pilot.press("f2", "f2", "f2")
    await pilot.pause()


async def _notice(pilot) -> None:  # noqa: ANN001
    await _open(pilot)
    await pilot.press("f3")
    await pilot.pause()


SCREENS = {"call_card_overview": _overview, "call_card_history": _history, "call_card_issues": _issues,
           "call_card_verify": _verify, "call_notice": _notice}


@pytest.mark.skipif(LANG != "zh_CN", reason="the English run compares its screens in test_in_english")
@pytest.mark.parametrize("name", list(SCREENS))
def test_call_screen_80x24(snap_compare, demo_app, name):
    assert snap_compare(demo_app(), terminal_size=(80, 24), run_before=SCREENS[name])


@takes_screens
def test_take_screens(demo_app):
    """In the English process: the call screens as SVG, for test_in_english."""
    take_screens(demo_app, SCREENS)


@starts_the_english_run
def test_in_english(snapshot, tmp_path):
    """The same tests with the English catalog, in a process of its own; its call screens are
    compared here with the English snapshots (``--snapshot-update`` applies)."""
    compare_in_english(snapshot, tmp_path, Path(__file__).with_name("test_week1_call_en.py"), english_shots(SCREENS))
