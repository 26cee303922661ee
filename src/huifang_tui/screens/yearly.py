"""Yearly analysis (000 §4.13): satisfaction and completion over the months, as sparklines,
and the twelve months as a table that has the focus: ↑ ↓ PgUp PgDn reach every month however
short the terminal (issue 25 item 12)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Label, Sparkline, Static

from ..core.i18n import t
from ..widgets.header import AppHeader
from ..widgets.keybar import KeyBar
from .background import in_thread


#: the table's columns (yearview.col.<key>), one row per month
COLUMNS = ("month", "due", "completed", "completion", "satisfied", "approved")


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


class YearlyScreen(Screen):
    TITLE_KEY = "yearly.title"
    CSS_PATH = "yearly.tcss"  # read when the screen is first shown, not at every start
    BINDINGS = [
        Binding("p", "year(-1)", t("yearly.key.prev"), id="yearly_prev"),
        Binding("n", "year(1)", t("yearly.key.next"), id="yearly_next"),
        Binding("escape", "app.pop_screen", t("month.key.back"), id="yearly_back"),
    ]

    class Loaded(Message):
        def __init__(self, year: int, months: dict[str, dict]) -> None:
            super().__init__()
            self.year, self.months = year, months

    def __init__(self, year: int) -> None:
        super().__init__()
        self.year = year

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static(id="yearly-title")
        yield Label(t("yearly.satisfied"))
        yield Sparkline([], id="yearly-satisfied")
        yield Label(t("yearly.completion"))
        yield Sparkline([], id="yearly-completion")
        yield DataTable(id="yearly-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#yearly-table", DataTable)
        for key in COLUMNS:  # the figures' headers over their right-aligned figures
            justify = {"month": "left", "approved": "center"}.get(key, "right")
            table.add_column(Text(t(f"yearview.col.{key}"), justify=justify), key=key)
        table.focus()
        self._load(self.year)

    def action_year(self, delta: int) -> None:
        self.year += delta
        self._load(self.year)

    @in_thread("yearly-load", exclusive=True)
    def _load(self, year: int) -> None:
        from ..services.report import yearly_report

        self.post_message(self.Loaded(year, yearly_report(self.app.store, self.app.actor, year)))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        if event.year != self.year:
            return
        months = event.months
        self.query_one("#yearly-title", Static).update(Text(t("report.yearly_title", year=event.year), style="bold"))
        self.query_one("#yearly-satisfied", Sparkline).data = [m["satisfied_rate"] or 0 for m in months.values()]
        self.query_one("#yearly-completion", Sparkline).data = [m["completion_rate"] or 0 for m in months.values()]
        table = self.query_one("#yearly-table", DataTable)
        row = table.cursor_row
        table.clear()
        for key, m in months.items():
            table.add_row(key[5:], Text(str(m["due"]), justify="right"), Text(str(m["completed"]), justify="right"),
                          Text(pct(m["completion_rate"]), justify="right"),
                          Text(pct(m["satisfied_rate"]), justify="right"),
                          Text("✓" if m["approved"] else "", justify="center"), key=key)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
