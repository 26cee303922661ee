"""F1 / ? help: the keys of the screen underneath, built from its live bindings."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from ..core.i18n import t
from ..widgets.keybar import reachable_bindings
from ..widgets.wrapped import Prose
from .dialogs import DialogScroll


#: the rules a screen applies, with the seed clauses they come from: cited in F1, never in a message
#: (issue 25 item 19). By class name: the help does not import the screens it explains.
RULES = {"CallScreen": "helprules.call", "LedgerScreen": "helprules.ledger", "IssueScreen": "helprules.ledger",
         "IssueDialog": "helprules.raise"}


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "dismiss", t("key.close"), id="help_close"),
        Binding("f1", "dismiss", t("key.close"), show=False, id="help_close_f1"),
        Binding("q", "dismiss", t("key.close"), show=False, id="help_close_q"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        """The title and the footer (how to close, how to scroll) stay; the note and the keys
        between them scroll (↑ ↓ PgUp PgDn Home End), so no key is cut at 80×24 (issue 25 item 9)."""
        with Vertical(id="help-box", classes="dialog-box"):
            yield Static(t("help.title", screen=getattr(self.under, "TITLE_KEY", "") and t(self.under.TITLE_KEY)), id="help-title")
            with DialogScroll(id="help-scroll"):
                if getattr(self.under, "HELP_NOTE_KEY", ""):  # what the keys do not say (a screen's field)
                    yield Prose(t(self.under.HELP_NOTE_KEY), id="help-note")
                for n, key in enumerate(getattr(self.under, "HELP_MORE_KEYS", ()), 2):  # further notes
                    yield Prose(t(key), id=f"help-note-{n}", classes="help-note-more")
                if type(self.under).__name__ in RULES:
                    yield Prose(t(RULES[type(self.under).__name__]), id="help-rules")
                table = DataTable(id="help-table", cursor_type="row", show_cursor=False)
                table.can_focus = False  # the page scrolls as one: its keys are the scroll's
                yield table
            yield Static(t("help.footer"), id="help-footer")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(t("help.key"), t("help.action"))
        seen: set[str] = set()
        for binding in self._own_bindings():
            if binding.id in seen:
                continue
            seen.add(binding.id)
            table.add_row(Text(self.app.get_key_display(binding)), Text(binding.description))
        table.add_row(Text("↑ ↓ Tab"), Text(t("help.navigate")))
        table.styles.max_height = table.row_count + 1  # every row, the header too: the page scrolls

    def _own_bindings(self) -> list[Binding]:
        """Our own keys only (every one has an id): focused widget, then screen, then app."""
        nodes = ([self.under.focused] if self.under.focused is not None else []) + [self.under, self.app]
        return reachable_bindings(self.under, nodes, lambda b: bool(b.id and b.description))
