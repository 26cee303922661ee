"""Every dialog and help page scrolls; nothing a user must read is cut at 80×24 (issue 25 item 9).

Each dialog of the app is opened at 80×24 with a text longer than the screen: the part that
scrolls has more below it at first (``max_scroll_y > 0``, and the box's edge says so), and after
End / PgDn its last line is inside the visible box. F1 on the queue reaches every key, ^q and the
arrows included, with the Esc hint always in view. The checkboxes' labels are whole. The same
tests run in English in a process of their own (``test_in_english``: the key descriptions are
read from the catalog when the screens are imported)."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from .english_run import compare_shots, english_shots, run_in_english, starts_the_english_run, take_screens, takes_screens
from huifang_tui.core.i18n import set_lang

LANG = os.environ.get("HUIFANG_TEST_LANG", "zh_CN")
set_lang(LANG)  # before the screens are imported (in the child process, they are not yet)

from textual.widget import Widget  # noqa: E402
from textual.widgets import Checkbox, DataTable, Static  # noqa: E402

from huifang_tui.app import HuifangApp  # noqa: E402
from huifang_tui.core.i18n import t  # noqa: E402
from pilot_help import open_first, settle  # noqa: E402

SIZE = (80, 24)
LAST = "END-OF-TEXT"  # the long text's last line


@pytest.fixture(autouse=True)
def _zh_catalog():  # overrides conftest's: this process's language
    set_lang(LANG)
    yield
    set_lang("zh_CN")


def long_text(lines: int = 40) -> str:
    """A refusal listing many items (as the day close's did, 14 of 16 cut), then LAST."""
    return "\n".join([*(f"HF2026110{n:02d} 杭州恒达机械有限公司 今天到期" for n in range(lines)), LAST])


def _scroller(screen, last: Widget) -> Widget:  # noqa: ANN001
    """The part of the dialog around ``last`` that scrolls and has more than fits (a table that
    scrolls inside the page does not count: the page is to scroll)."""
    found = [w for w in last.ancestors_with_self if isinstance(w, Widget) and not isinstance(w, DataTable)
             and w is not screen and w.allow_vertical_scroll]
    assert found, f"{type(screen).__name__}: nothing scrolls, yet the text is longer than the screen"
    return found[0]


def _visible(widget: Widget, box: Widget) -> bool:
    """The widget's last line lies inside the box's visible part, and the box on the screen."""
    view = box.scrollable_content_region
    bottom = widget.region.y + widget.region.height - 1
    return view.y <= bottom < view.bottom and view.bottom <= widget.screen.size.height


async def _scrolls_to_the_end(pilot, last: Widget, keys: tuple[str, ...], more: bool = True) -> None:  # noqa: ANN001
    """``more``: the box's edge says "more below" until the end (the dialogs built on DialogScroll)."""
    screen = pilot.app.screen
    box = _scroller(screen, last)
    assert not _visible(last, box), f"{type(screen).__name__}: the last line shows before scrolling"
    frame = next((n for n in box.ancestors_with_self if n.has_class("dialog-box")), None)
    if more:
        assert frame is not None and frame.border_subtitle == t("scroll.more")  # the box says there is more below
    for _ in range(20):
        await pilot.press(*keys)
        await settle(pilot, 1)
        if box.scroll_y >= box.max_scroll_y:
            break
    assert box.scroll_y == box.max_scroll_y
    assert _visible(last, box), f"{type(screen).__name__}: the last line is still cut after {keys}"
    if more:
        assert frame.border_subtitle == ""


def _body(screen) -> Static:  # noqa: ANN001
    return next(s for s in screen.query(Static) if LAST in str(s.render()))


def _dialogs():  # noqa: ANN202
    """(name, make the dialog, the keys that scroll it): every dialog class of the app, each with a
    text longer than the screen."""
    from huifang_tui.screens.call import FinalOutcomeDialog, RefusalDialog
    from huifang_tui.screens.dialogs import ConfirmDialog, DiscardDialog, MessageDialog, TextDialog

    text = long_text()
    return [
        ("confirm", lambda: ConfirmDialog(text), ("end",)),
        ("confirm-pgdn", lambda: ConfirmDialog(text), ("pagedown",)),
        ("message", lambda: MessageDialog(t("err.title"), text), ("end",)),
        ("message-pgdn", lambda: MessageDialog(t("err.title"), text), ("pagedown",)),
        ("final-outcome", lambda: FinalOutcomeDialog(text), ("end",)),
        ("text", lambda: TextDialog(t("err.title"), text), ("pagedown",)),  # the field keeps End
        ("refusal", lambda: RefusalDialog(t("err.title"), text), ("pagedown",)),
        ("discard", lambda: DiscardDialog(text), ("end",)),
    ]


def _others():  # noqa: ANN202
    """(class name, make it with a long text, the keys, the widget holding the last line): the
    dialogs other screens build on these, with a layout of their own."""
    from datetime import date

    from rich.text import Text

    from huifang_tui.core.errors import NeedsSupervisor
    from huifang_tui.screens.audit import AuditEntryDialog
    from huifang_tui.screens.requests import AskSupervisorDialog, OptionalReasonDialog, RequestDetail

    text = long_text()
    asked = NeedsSupervisor(text, kind="defer", number="HF202611001", wanted=date(2026, 12, 1), deadline="2026-11-25")
    return {
        "AuditEntryDialog": (lambda: AuditEntryDialog(Text(text)), ("end",), lambda s: _body(s), False),
        "AskSupervisorDialog": (lambda: AskSupervisorDialog(asked, "客户出差"), ("pagedown",),
                                lambda s: s.query_one("#ask-error"), False),
        "OptionalReasonDialog": (lambda: OptionalReasonDialog(t("err.title"), text), ("pagedown",),
                                 lambda s: _body(s), True),
        "RequestDetail": (lambda: RequestDetail("HF202611001", "陈晓雯", "杭州恒达机械有限公司", text), ("end",),
                          lambda s: _body(s), True),
    }


#: dialogs whose long part is a list of their own (it scrolls with its cursor, and has no long text)
OWN_LISTS = {"AssignDialog"}  # its departments and people: an OptionList under the filter line


def test_every_dialog_of_the_app_is_opened_here():
    """A dialog added to the app is added to the tests above (or to OWN_LISTS, saying why)."""
    import importlib
    import pkgutil

    import huifang_tui.screens as screens
    from huifang_tui.screens.dialogs import _Dialog

    for mod in pkgutil.iter_modules(screens.__path__):
        importlib.import_module(f"huifang_tui.screens.{mod.name}")

    def every(cls):  # noqa: ANN001, ANN202
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    known = {"QuestionDialog", "ConfirmDialog", "MessageDialog", "TextDialog", "IssueDialog", "FinalOutcomeDialog",
             "RefusalDialog", "DiscardDialog", *_others(), *OWN_LISTS}
    missing = {c.__name__ for c in every(_Dialog) if c.__module__.startswith("huifang_tui.")} - known
    assert not missing, f"dialogs not opened by these tests: {sorted(missing)}"


@pytest.mark.parametrize("name", ["AuditEntryDialog", "AskSupervisorDialog", "OptionalReasonDialog", "RequestDetail"])
async def test_the_other_screens_long_dialogs_scroll_to_their_last_line(desk, name):
    store, agent = desk
    make, keys, last, more = _others()[name]
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(make())
        await settle(pilot)
        await pilot.press(*["pageup"] * 5)  # a focused field may have scrolled the box down to it
        await settle(pilot)
        await _scrolls_to_the_end(pilot, last(app.screen), keys, more)


@pytest.mark.parametrize("name", [d[0] for d in _dialogs()])
async def test_a_long_dialog_scrolls_to_its_last_line(desk, name):
    store, agent = desk
    _, make, keys = next(d for d in _dialogs() if d[0] == name)
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(make())
        await settle(pilot)
        screen = app.screen
        await _scrolls_to_the_end(pilot, _body(screen), keys)
        hint = screen.query(".dialog-hint").last()
        assert hint.region.bottom <= SIZE[1] and hint.region.height >= 1  # how to close stays in view


@asynccontextmanager
async def _issue_dialog(desk):  # noqa: ANN001, ANN202
    """The agent at 80×24 with the issue dialog open over the queue: the pilot."""
    from huifang_tui.screens.dialogs import IssueDialog

    store, agent = desk
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(IssueDialog())
        await settle(pilot)
        yield pilot


async def test_the_issue_dialog_scrolls_to_its_save_button_when_its_hint_is_long(desk):
    from textual.widgets import Button

    async with _issue_dialog(desk) as pilot:
        app = pilot.app
        app.screen.query_one("#issue-error", Static).update(long_text(8))
        await settle(pilot)
        app.screen.query_one("#issue-title").focus()
        await settle(pilot)
        await _scrolls_to_the_end(pilot, app.screen.query_one(Button), ("pagedown",))


async def test_f1_on_the_queue_reaches_every_key_and_keeps_the_esc_hint(desk):
    """^q, the arrows and the Esc hint were below the fold with no way to reach them."""
    from huifang_tui.screens.help import HelpScreen

    store, agent = desk
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        help_ = app.screen
        assert isinstance(help_, HelpScreen)
        table = help_.query_one(DataTable)
        keys = [str(table.get_row_at(r)[0]) for r in range(table.row_count)]
        assert "^q" in keys and "↑ ↓ Tab" in keys
        footer = help_.query_one("#help-footer", Static)
        assert "Esc" in str(footer.render())
        assert footer.region.bottom <= SIZE[1] - 1  # inside the box, on the screen
        await _scrolls_to_the_end(pilot, table, ("end",))
        assert footer.region.bottom <= SIZE[1] - 1
        await pilot.press("home")
        await settle(pilot)
        assert _scroller(help_, table).scroll_y == 0


@pytest.mark.parametrize("where", ["queue", "call", "ledger", "board"])
async def test_every_help_page_lists_all_its_rows_within_reach(desk, where):
    """The help table is never a scroll of its own inside the page: all its rows are laid out and
    the page scrolls to the last one (or it fits)."""
    from huifang_tui.core.identity import Actor
    from huifang_tui.screens.help import HelpScreen

    store, agent = desk
    actor = Actor("supervisor", "supervisor", "周主管") if where == "board" else agent
    app = HuifangApp(store, actor, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        if where == "call":
            await open_first(pilot)
        else:
            await settle(pilot)
            if where == "ledger":
                app.switch_mode("ledger")
                await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        assert table.size.height == table.row_count + 1  # the header and every row
        for _ in range(20):
            await pilot.press("pagedown")
            await settle(pilot, 1)
        box = table.parent
        assert _visible(table, box)
        assert app.screen.query_one("#help-footer").region.bottom <= SIZE[1] - 1


async def test_the_call_forms_checkboxes_show_their_whole_label(desk):
    """English labels were cut ("on-site visi…") at 80×24."""
    store, agent = desk
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        call = await open_first(pilot)
        boxes = list(call.query(Checkbox))
        assert boxes
        for box in boxes:
            assert box.render().cell_length <= box.content_size.width, f"{box.id}: {box.label.plain!r} is cut"


async def test_the_issue_dialogs_checkbox_shows_its_whole_label(desk):
    async with _issue_dialog(desk) as pilot:
        for box in pilot.app.screen.query(Checkbox):
            assert box.render().cell_length <= box.content_size.width, f"{box.id}: {box.label.plain!r} is cut"


async def _help_at_its_end(pilot) -> None:  # noqa: ANN001
    await settle(pilot)
    await pilot.press("f1")
    await settle(pilot)
    await pilot.press("end")
    await settle(pilot)


async def _help(pilot) -> None:  # noqa: ANN001
    await settle(pilot)
    await pilot.press("f1")
    await settle(pilot)


SHOTS = {"help_queue_80x24": _help, "help_queue_end_80x24": _help_at_its_end}


@pytest.mark.skipif(LANG != "zh_CN", reason="the English run compares in the parent")
def test_help_on_the_queue_scrolled_to_its_end_80x24(snap_compare, demo_app):
    """F1 on the queue after End: the last keys (^q, the arrows) and the Esc hint
    (tests/ui/test_snapshots.py::test_help_screen is its top)."""
    assert snap_compare(demo_app(), terminal_size=SIZE, run_before=_help_at_its_end)


@takes_screens
def test_take_help_screens(demo_app):
    """In the English process: F1 on the queue, top and end, as SVG for test_in_english."""
    take_screens(demo_app, SHOTS, SIZE)


@starts_the_english_run
def test_in_english(snapshot, tmp_path):
    """The tests above with the English catalog, in a process of its own; its F1 screenshots are
    compared here with the English snapshots (``--snapshot-update`` applies)."""
    shots = english_shots(SHOTS)
    out = run_in_english(tmp_path, Path(__file__), "-k", "not test_in_english", writes=shots.values())
    assert " passed" in out and " failed" not in out, out[-2000:]
    compare_shots(snapshot, tmp_path, shots)
