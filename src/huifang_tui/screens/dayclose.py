"""日结 refused: what is left of the day, as a list that scrolls (issue 25 item 6).

The queue's `c` asks ``services.dayclose.check_close`` first; when something is left this dialog
lists all of it — a table, so every item is reachable with ↑↓, PgUp/PgDn, Home/End however long
the list — and Enter opens the chosen callback. "Close the day?" is asked only when nothing is
left.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ..core.i18n import t
from ..core.safe_text import literal
from ..domain.calendar import WorkCalendar
from ..domain.queue import Countdown, QueueRow, countdown
from ..widgets.cells import countdown_words
from ..widgets.rowtable import RowTable

BOX_WIDTH = 68  # #dayclose-box's inside (dayclose.tcss: 72 wide, its border and padding)


class DayCloseRefusal(ModalScreen[str | None]):
    """The day cannot be closed: the whole list of what is left. Returns the number chosen with
    Enter (to open it), None on Esc."""

    CSS_PATH = "dayclose.tcss"
    TITLE_KEY = "dayclose.refused_title"
    BINDINGS = [
        Binding("escape", "dismiss(None)", t("key.close"), id="dayclose_refusal_close"),
        Binding("enter", "open", t("daycloselist.key_open"), id="dayclose_refusal_open"),
        Binding("f1", "app.help", t("key.help"), show=False, id="dayclose_refusal_help"),
    ]

    def __init__(self, left: list[QueueRow], now: datetime, cells: dict[str, Countdown] | None = None) -> None:
        """``cells``: the queue's countdowns by number (its calendar); others are counted Monday to Friday."""
        super().__init__()
        self.left, self.now, self.cells = left, now, cells or {}

    def compose(self) -> ComposeResult:
        with Vertical(id="dayclose-box"):
            yield Static(Text(t("dayclose.refused_title"), style="bold"), id="dayclose-title")
            yield Static(Text(t("daycloselist.refused", n=len(self.left))), id="dayclose-body")
            yield RowTable(id="dayclose-left", cursor_type="row", zebra_stripes=True, edge_box="dayclose-box")
            yield Static(t("daycloselist.hint"), id="dayclose-hint")

    def on_mount(self) -> None:
        table = self.query_one(RowTable)
        for key in ("number", "customer", "kind", "deadline"):
            table.add_column(t(f"daycloselist.col_{key}"), key=key)
        rows = []
        for r in self.left:
            cd = self.cells.get(r.number) or countdown(r.deadline_on, r.deadline_at, self.now, WorkCalendar({}))
            rows.append((r.number, [Text(r.number), literal(r.customer), Text(t(f"kindshort.{r.kind}")),
                                    countdown_words(cd, r.estimated)]))
        table.fill(rows, BOX_WIDTH, flex=1)  # fitted: it never scrolls sideways
        table.focus()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self.dismiss(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(event.row_key.value)
