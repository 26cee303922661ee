"""A one-line key bar built from the screen's and the app's bindings (those with show=True).

Textual's Footer composes one widget per key. With the queue's keys that cost ~65 ms of
start-up, more than the rest of the first paint together. The full list with descriptions is
on F1.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def on_mount(self) -> None:
        self.update(self.render_keys())

    def render_keys(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        for b in (*type(self.screen).BINDINGS, *type(self.app).BINDINGS):
            if isinstance(b, Binding) and b.show and b.description:
                out.append(self.app.get_key_display(b), style="bold reverse")
                out.append(f" {b.description} ")
        return out
