"""F1 / ? help: the keys of the screen underneath, built from its live bindings."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from ..i18n import t


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", t("key.close"), id="help_close"),
        Binding("f1", "dismiss", t("key.close"), show=False, id="help_close_f1"),
        Binding("q", "dismiss", t("key.close"), show=False, id="help_close_q"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(t("help.title", screen=getattr(self.under, "TITLE_KEY", "") and t(self.under.TITLE_KEY)), id="help-title")
            yield DataTable(id="help-table", cursor_type="row", show_cursor=False)
            yield Static(t("help.footer"), id="help-footer")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(t("help.key"), t("help.action"))
        seen: set[str] = set()
        for key, active in self.under.active_bindings.items():
            b = active.binding
            if not b.description or (b.id or b.action) in seen:
                continue
            seen.add(b.id or b.action)
            table.add_row(Text(self.app.get_key_display(b)), Text(b.description))
