"""A table of rows inside a dialog box (the day close's refusal, `t` my calls today): Home/End go
to the first/last row, it never scrolls sideways (its columns are fitted to the box, the
customer's name giving way), and while rows are below the view the box's bottom edge says so
(``scroll.more``, as the dialogs' scrolling part does)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ..core.i18n import t
from .cells import ellipsize

CELL_PADDING = 2  # a DataTable column's padding, one each side
SCROLLBAR = 2  # the vertical scrollbar's width


class RowTable(DataTable):
    """``edge_box``: the id of the box whose bottom edge carries the "more below" marker."""

    def __init__(self, *args, edge_box: str = "", **kw) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kw)
        self.edge_box = edge_box

    def action_scroll_home(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_scroll_end(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.show_more()

    def on_resize(self) -> None:
        self.call_after_refresh(self.show_more)

    def show_more(self) -> None:
        box = next((n for n in self.ancestors_with_self if n.id == self.edge_box), None)
        if box is not None:
            box.border_subtitle = t("scroll.more") if self.scroll_y < self.max_scroll_y else ""

    def fill(self, rows: list[tuple[str, list[Text]]], width: int, flex: int) -> None:
        """Add ``rows`` ((key, cells)); column ``flex`` (the customer) gives way so that every
        column fits in ``width`` cells beside the scrollbar: nothing scrolls sideways."""
        labels = [c.label.cell_len for c in self.columns.values()]
        n = len(labels)
        fixed = sum(max([c.cell_len for _, cells in rows for c in cells[i:i + 1]] + [labels[i]])
                    for i in range(n) if i != flex)
        room = max(6, labels[flex], width - SCROLLBAR - CELL_PADDING * n - fixed)
        for key, cells in rows:
            cells = list(cells)
            cells[flex] = ellipsize(cells[flex], room)
            self.add_row(*cells, key=key)
        self.call_after_refresh(self.show_more)
