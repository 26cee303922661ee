"""Everything fits at 80 columns, in both languages (issue 16 item 2, item 11).

Every key bound on a screen is either in its key bar (and the bar is not cut) or listed by F1;
the queue and the call screen at 80×24 as snapshots.

Key labels are read from the catalog when the screen modules are imported, so one process
shows one language. This module runs in the test process in zh_CN, and ``test_in_english``
runs the same tests in a child process with ``HUIFANG_TEST_LANG=en`` through
``test_fit80_en.py``; the child writes its queue and call screens as SVG and this process
compares them with the English snapshots. Regenerate only after looking at the screens:
`pytest tests/ui/test_fit80.py --snapshot-update`.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from .english_run import compare_in_english, english_shots, starts_the_english_run, take_screens, takes_screens
from pilot_help import settle
from huifang_tui.core.i18n import set_lang

LANG = os.environ.get("HUIFANG_TEST_LANG", "zh_CN")
set_lang(LANG)  # before the screens are imported (in the child process, they are not yet)

from rich.cells import cell_len  # noqa: E402
from textual.binding import Binding  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from huifang_tui.app import HuifangApp  # noqa: E402
from huifang_tui.screens.queue import CAPS, SCROLLBAR  # noqa: E402
from huifang_tui.services.users import resolve_actor  # noqa: E402
from huifang_tui.widgets.keybar import KeyItem, KeyLine, fit, own_bindings  # noqa: E402



@pytest.fixture(autouse=True)
def _zh_catalog():  # overrides conftest's: this process's language
    set_lang(LANG)
    yield
    set_lang("zh_CN")


# -- the fitting rule -----------------------------------------------------------------------
def _items(*labels: tuple[str, str], keep: int | None = None) -> list[KeyItem]:
    return [KeyItem(f"k{i}", full, short, keep=i == keep, more="ALL" if i == keep else "")
            for i, (full, short) in enumerate(labels)]


def _width(shown) -> int:  # noqa: ANN001
    return sum(cell_len(i.key) + cell_len(label) + 2 for i, label in shown)


@pytest.mark.parametrize("width, labels, left_out", [
    (44, ["Open callback", "Filter by state", "Help"], False),  # everything fits: full labels
    (30, ["Open", "Filter", "Help"], False),               # short labels, nothing left out
    (20, ["Open", "ALL"], True),                           # the last ones go, F1 stays and says so
    (8, ["ALL"], True),                                    # even then F1 stays
])
def test_fit_uses_short_labels_then_leaves_out_the_least_important(width, labels, left_out):
    items = _items(("Open callback", "Open"), ("Filter by state", "Filter"), ("Help", "Help"), keep=2)
    shown, out = fit(items, width)
    assert [label for _, label in shown] == labels
    assert out is left_out
    if len(shown) > 1:
        assert _width(shown) <= width


def test_fit_leaves_out_in_the_given_order():
    items = _items(("aaaa", "aaaa"), ("bbbb", "bbbb"), ("cccc", "cccc"), keep=None)
    shown, _ = fit(items, 16, order=[1, 0, 2])  # b most important, then a; c goes first
    assert [i.label for i, _ in shown] == ["aaaa", "bbbb"]


# -- every key visible or on F1, at 80×24 ----------------------------------------------------
def _own(node) -> bool:  # noqa: ANN001
    return type(node).__module__.startswith("huifang_tui")


def _bound(app) -> list[Binding]:
    """Every key the user can press here: the focused widget's (ours), the screen's, the app's,
    each with what it inherits (a dialog's Esc and F1 come from its base)."""
    screen = app.screen
    nodes = [n for n in (screen.focused, screen, app) if n is not None and _own(n)]
    out = []
    for node in nodes:
        for b in own_bindings(node):
            if not isinstance(b, Binding):
                continue
            if node is app and screen.is_modal and not b.priority:
                continue  # Textual stops at a modal screen: only priority keys of the app reach past it
            from textual.actions import parse

            # asked with the action's parameters, as the key bar asks (the ledger's page(1) only
            # where there is a next page: issue 25 item 20)
            if node.check_action(b.action.split("(")[0], parse(b.action)[2]) is False:
                continue
            out.append(b)
    # A key answered nearer the focus hides the same key further out unless that one has
    # priority (the call screen's F2 is the card's, not the app's queue: issue 25 item 7).
    def keys(b: Binding) -> set[str]:
        return {k.strip() for k in b.key.split(",")}

    first = {k for b in out if b.priority for k in keys(b)}
    owner = {id(b): n for n in nodes for b in own_bindings(n)}
    seen: set[str] = set()
    kept = []
    for node in nodes:
        mine = [b for b in out if owner.get(id(b)) is node]
        kept += [b for b in mine if b.priority or not keys(b) <= seen | first]
        seen |= {k for b in mine for k in keys(b)}
    return kept


async def _check_screen(pilot, where: str) -> None:
    app = pilot.app
    screen = app.screen
    bound = _bound(app)
    assert bound, f"{where}: no keys found"
    in_bar: set[str] = set()
    for bar in screen.query(KeyLine):
        text = bar.render()
        assert text.cell_len <= bar.size.width, f"{where}: the key bar is cut: {text.plain!r}"
        for item, label in bar.shown:
            assert f"{item.key} {label}" in text.plain
            in_bar.add(item.binding_id)
    await pilot.press("f1")
    await pilot.pause()
    from huifang_tui.screens.help import HelpScreen

    assert isinstance(app.screen, HelpScreen), f"{where}: F1 did not open the help"
    table = app.screen.query_one(DataTable)
    rows = {tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)}
    for b in bound:
        assert b.description, f"{where}: key {b.key} ({b.action}) has no description"
        if b.id in in_bar:
            continue
        assert b.id, f"{where}: key {b.key} ({b.action}) has no id, so F1 cannot list it"
        assert (app.get_key_display(b), b.description) in rows, (
            f"{where}: {b.key} {b.description!r} is neither in the key bar nor on F1")
    await pilot.press("escape")
    await pilot.pause()
    assert app.screen is screen


# A walk through the screens: (key to press, the screen it must open, its name in messages);
# a step without a screen only presses the key (e.g. back with escape).
AGENT_WALK = (
    (None, "QueueScreen", "queue"),
    ("d", "TextDialog", "defer dialog"),
    ("escape", None, ""),
    ("c", "DayCloseRefusal", "day-close refusal (what is left, before any question; issue 25 item 6)"),
    ("escape", None, ""),
    ("enter", "CallScreen", "call"),
    ("f9", "RefusalDialog", "refusal reason"),
    ("escape", None, ""),
    ("f7", "FinalOutcomeDialog", "outcome confirmation"),
    ("escape", None, ""),
    ("f8", "TextDialog", "reschedule dialog"),
    ("escape", None, ""),
    ("ctrl+r", "IssueDialog", "issue dialog"),
    ("escape", None, ""),
    ("escape", None, ""),
    ("slash", "SearchScreen", "search"),
    ("escape", None, ""),
    ("t", "MyCallsScreen", "my calls"),
    ("escape", None, ""),
    ("m", "MonthScreen", "month"),
    ("i", "RecordFormScreen", "record form"),
    ("escape", None, ""),
    ("escape", None, ""),
    ("l", "LedgerScreen", "ledger"),
    ("slash", "TextDialog", "ledger search dialog"),
    ("escape", None, ""),
    ("a", "TextDialog", "raise-issue dialog"),
    ("escape", None, ""),
    ("enter", "IssueScreen", "issue"),
)
SUPERVISOR_WALK = (
    (None, "BoardScreen", "board"),
    ("enter", "AgentQueueScreen", "drill-down"),
    ("enter", "MessageDialog", "callback details"),
    ("escape", None, ""),
    ("t", "TextDialog", "reassign dialog"),
    ("escape", None, ""),
    ("escape", None, ""),
    ("f4", "AuditScreen", "audit"),
    ("slash", "TextDialog", "audit filter dialog"),
    ("escape", None, ""),
    ("enter", "AuditEntryDialog", "audit entry"),  # the whole entry, scrolling (issue 25 item 16)
    ("escape", None, ""),
    ("f3", None, ""),
    ("m", "MonthScreen", "month (supervisor)"),
    ("v", "MessageDialog", "approval not open yet (the current month)"),
    ("escape", None, ""),
    ("p", "MonthScreen", "last month"),
    ("v", "ConfirmDialog", "approval confirmation"),
    ("escape", None, ""),
    ("x", "TextDialog", "export dialog"),
    ("escape", None, ""),
    ("y", "YearlyScreen", "yearly"),
)


async def _walk(app, pilot, steps) -> None:
    await settle(pilot)
    for key, screen, name in steps:
        if key is not None:
            await pilot.press(key)
            await settle(pilot)
        if screen is not None:
            assert type(app.screen).__name__ == screen, f"{key} did not open {screen}"
            await _check_screen(pilot, name)


def _modal_screens() -> list[type]:
    import importlib
    import pkgutil

    import huifang_tui.screens as pkg
    from textual.screen import ModalScreen

    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"huifang_tui.screens.{info.name}")
    found, todo = [], [ModalScreen]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("huifang_tui") and not sub.__name__.startswith("_"):
                found.append(sub)
    return found


def test_every_dialog_answers_f1_and_names_its_keys():
    """Every dialog and box over a screen (the app's F1 stops at a modal screen): F1 is its own
    key, and each key it answers to (inherited ones too) has an id and words for F1's list."""
    from huifang_tui.screens.help import HelpScreen

    screens = _modal_screens()
    assert {"ConfirmDialog", "MessageDialog", "TextDialog", "IssueDialog", "FinalOutcomeDialog",
            "SearchScreen", "CustomerCardScreen", "MyCallsScreen"} <= {c.__name__ for c in screens}
    for cls in screens:
        keys = {k.strip(): b for b in own_bindings(cls.__new__(cls)) for k in b.key.split(",")}
        assert "f1" in keys, f"{cls.__name__}: F1 does nothing"
        assert cls is HelpScreen or getattr(cls, "TITLE_KEY", ""), f"{cls.__name__}: F1's list has no title"
        assert keys["f1"].action == ("dismiss" if cls is HelpScreen else "app.help"), cls.__name__
        for b in keys.values():
            assert b.id and b.description, f"{cls.__name__}: {b.key} has no id or no words for F1"


async def test_every_key_of_an_agent_is_visible_or_on_f1(demo_app):
    app = demo_app("agent1")
    async with app.run_test(size=(80, 24)) as pilot:
        await _walk(app, pilot, AGENT_WALK)


async def test_every_key_of_a_supervisor_is_visible_or_on_f1(demo_app):
    app = demo_app("supervisor")
    async with app.run_test(size=(80, 24)) as pilot:
        await _walk(app, pilot, SUPERVISOR_WALK)


async def test_queue_columns_fit_at_80(demo_app):
    """Every column shows at 80 columns, headers whole, names ending in "…" when too long."""
    from huifang_tui.core.i18n import t

    app = demo_app("agent1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        keys = [c.key.value for c in table.ordered_columns]
        assert keys == ["kind", "customer", "contact", "phone", "attempts", "deadline", "state"]
        for col in table.ordered_columns:
            assert col.width >= cell_len(app.screen._head(col.key.value, False)), f"header {col.label} cut"
        # the customer has the room the other columns leave by their short forms (issue 16):
        # 10 Chinese characters, a typical company name, at the demo's rows
        assert table.columns["customer"].width >= 20
        assert table.styles.scrollbar_size_vertical == SCROLLBAR
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= 80 - SCROLLBAR
        for i in range(table.row_count):
            row = app.screen.rows[i]
            for col, cell in zip(table.ordered_columns, table.get_row_at(i)):
                assert cell.cell_len <= col.width, f"{col.key.value} of row {i} is cut: {cell.plain!r}"
            customer = table.get_row_at(i)[1].plain
            assert customer == row.customer or (customer.rstrip(" …").rstrip() and customer.endswith("…")
                                                and row.customer.startswith(customer.rstrip("…").rstrip()))
        shown = {table.get_row_at(i)[1].plain for i in range(table.row_count)}
        assert any(s.endswith("…") for s in shown), "the demo has long names: some must end in …"
        # someone else on the call: a long login gives way, the words around it stay
        row = app.screen.rows[0]
        state = app.screen._texts(replace(row, claimed_by="wangxiaoming-nightshift"), app.screen._cells[0],
                                  False)["state"].plain
        assert cell_len(state) <= CAPS["state"][1]
        assert state.startswith("w") and "…" in state and state.endswith(t("colshort.claimed", login="")), state


async def test_ledger_status_and_level_in_short_forms_at_80(demo_app):
    """Issue 16 item 2: at 80 columns the ledger's status and level are the catalog's short
    forms, whole (never "…"), and the customer keeps the room they leave."""
    from huifang_tui.domain.issues import LEVELS
    from huifang_tui.core.i18n import t

    app = demo_app("supervisor")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "LedgerScreen" and screen.rows
        table = screen.query_one(DataTable)
        keys = [c.key.value for c in table.ordered_columns]
        seen = set()
        for i, v in enumerate(screen.rows):
            cells = dict(zip(keys, (c.plain for c in table.get_row_at(i))))
            assert cells["status"] == t(f"ledgershort.status.{v.state.status}")
            assert cells["level"] == t(f"ledgershort.level.{LEVELS[v.state.level]}")
            seen |= {v.state.status, v.state.level}
        assert {"acknowledged", "waiting", 2} <= seen, "the demo's long ones are among the rows"
        for key in ("status", "level"):
            assert table.columns[key].width <= 7
            assert not any(table.get_row_at(i)[keys.index(key)].plain.endswith("…") for i in range(table.row_count))
        assert table.columns["customer"].width >= 14


@pytest.mark.parametrize("width, full", [(120, False), (150, True)])
async def test_ledger_words_whole_when_wider(demo_app, width, full):
    """From 120 columns category and priority show too, from 150 status and level in full: each
    column as wide as its longest word, none cut."""
    from huifang_tui.domain.issues import LEVELS
    from huifang_tui.core.i18n import t

    app = demo_app("supervisor")
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(DataTable)
        keys = [c.key.value for c in table.ordered_columns]
        assert {"category", "priority", "status", "level"} <= set(keys)
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= width - 2
        for i, v in enumerate(screen.rows):
            cells = dict(zip(keys, (c.plain for c in table.get_row_at(i))))
            status = "ledger.status" if full else "ledgershort.status"
            level = "ledger.level" if full else "ledgershort.level"
            assert cells["status"].startswith(t(f"{status}.{v.state.status}"))
            assert cells["level"] == t(f"{level}.{LEVELS[v.state.level]}")
            assert cells["category"] == t(f"issue.category.{v.issue.category}")
            assert cells["priority"] == t(f"issue.priority.{v.issue.priority}")


async def test_board_names_and_alerts_at_80(demo_app):
    """The board at 80 columns: alerts by their short names, whole; a long agent name ends in "…"."""
    from factories import add_user
    from huifang_tui.core.i18n import t
    from huifang_tui.screens.board import AGENT_NAME, ALERT_KINDS
    from huifang_tui.services.alerts import ALERT_SOURCES

    assert set(ALERT_KINDS) == set(ALERT_SOURCES), "every alert has a short name"
    app = demo_app("supervisor")
    add_user(app.store, "longname", "agent", LONG_NAME[LANG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        agents = screen.query_one("#board-agents", DataTable)
        names = [agents.get_row_at(i)[0].plain for i in range(agents.row_count)]
        long = [n for n in names if n.endswith("…")]
        assert long and LONG_NAME[LANG].startswith(long[0][:-1]) and cell_len(long[0]) <= AGENT_NAME
        alerts = screen.query_one("#board-alerts", DataTable)
        kinds = {a.kind for a in screen.board.alerts}
        assert len(kinds) >= 3
        shown = {alerts.get_row_at(i)[1].plain for i in range(alerts.row_count)}
        assert shown == {t(f"alertshort.{k}") for k in kinds}
        assert all(cell_len(x) <= alerts.columns["kind"].width for x in shown)


# -- the header: a long name ends in "…", the role and the date stay ----------------------------
LONG_NAME = {"zh_CN": "欧阳慕容司马长孙诸葛东方西门南宫上官皇甫令狐", "en": "Alexandra Catherine Montgomery-Whitfield of Castlebridge"}


@pytest.mark.parametrize("width, shows", [
    (200, "everything"),     # wide: the whole line
    (62, "name cut"),        # 80 columns: short title, no database, the name ends in …
    (20, "Textual cuts"),    # not even two cells of the name: Textual's ellipsis at the end
])
def test_header_gives_way_in_order(width, shows):
    from huifang_tui.core.i18n import t
    from huifang_tui.widgets.header import fit_title

    parts = dict(user=LONG_NAME[LANG], role=t("role.supervisor"), date="2026-11-23", db="centre.db")
    title, sub = fit_title(t("app.title"), t("fit.app_title"), parts, width)
    line = f"{title} — {sub}"
    if shows == "everything":
        assert (title, sub) == (t("app.title"), t("app.subtitle", **parts))
        return
    assert title == t("fit.app_title") and "centre.db" not in sub
    if shows == "name cut":
        assert cell_len(line) <= width
        assert t("role.supervisor") in sub and "2026-11-23" in sub
        name = sub.split("…")[0]
        assert "…" in sub and name and LONG_NAME[LANG].startswith(name)
    else:
        assert sub == t("fit.subtitle", **parts)


async def test_header_at_80_shows_a_long_name_deliberately(demo_app):
    from factories import add_user
    from huifang_tui.core.i18n import t
    from huifang_tui.widgets.header import AppHeader

    app = demo_app("supervisor")
    add_user(app.store, "longname", "supervisor", LONG_NAME[LANG])
    app = HuifangApp(app.store, resolve_actor(app.store, "longname"), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        header = app.screen.query_one(AppHeader)
        title = header.children[1]
        line = title.render().plain
        assert cell_len(line) <= title.size.width
        assert t("role.supervisor") in line and app.today().isoformat() in line
        assert "…" in line and LONG_NAME[LANG].startswith(line.split(" — ")[1].split("…")[0])
        await pilot.press("f4")  # every screen's header, e.g. the audit log's
        await settle(pilot)
        assert app.screen.query_one(AppHeader).children[1].render().plain == line
    normal = demo_app("agent1")  # a usual name: the whole line, the database too
    async with normal.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = normal.screen.query_one(AppHeader).children[1].render().plain
        assert line == f"{t('app.title')} — {normal.sub_title}"


# -- the queue and the call screen at 80×24 in English (the Chinese ones: test_snapshots.py) --
async def _open_call(pilot) -> None:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


SCREENS = {"queue_80x24": settle, "call_80x24": _open_call}


@takes_screens
def test_take_screens(demo_app):
    """In the English process: the queue and call screens as SVG, for test_in_english to compare."""
    take_screens(demo_app, SCREENS)


@starts_the_english_run
def test_in_english(snapshot, tmp_path):
    """The same tests with the English catalog, in a process of its own; its queue and call
    screens are compared here with the English snapshots (``--snapshot-update`` applies)."""
    compare_in_english(snapshot, tmp_path, Path(__file__).with_name("test_fit80_en.py"), english_shots(SCREENS))
