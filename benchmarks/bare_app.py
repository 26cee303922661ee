"""A bare Textual app for the startup comparison: Header, a 30-row DataTable, a status line, Footer.

It prints the marker ``BARE-READY 30`` in its status line once the table is filled (the same
point in the lifecycle where 回访台 prints ``今日 应办 N``), so ``bench_startup.py`` can time it
the same way.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static


class BareApp(App):
    TITLE = "bare"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="status")
        yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for col in ("number", "kind", "customer", "contact", "phone", "attempts", "deadline", "state"):
            table.add_column(col, key=col)
        for i in range(30):
            table.add_row(f"HF2025{i:05d}", "completion", f"customer {i}", "contact", "138****5678",
                          str(i % 3), "2025-01-01", "open", key=str(i))
        self.query_one("#status", Static).update(f"BARE-READY {table.row_count}")


if __name__ == "__main__":
    BareApp().run()
