"""A one-line choice: ← → or type the first character (or digit) of an option (issue 11 §2)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class ChoiceField(Widget, can_focus=True):
    """Options as (code, label); ``value`` is the chosen code or None."""

    DEFAULT_CSS = """
    ChoiceField { height: 1; width: 1fr; }
    ChoiceField:focus { background: $boost; }
    """
    BINDINGS = [
        Binding("left", "step(-1)", "←", show=False, id="choice_prev"),
        Binding("right", "step(1)", "→", show=False, id="choice_next"),
        Binding("delete,backspace", "clear", "⌫", show=False, id="choice_clear"),
        Binding("enter", "app.focus_next", "↵", show=False, id="choice_enter"),
    ]

    value: reactive[str | None] = reactive(None)

    class Changed(Message):
        def __init__(self, field: ChoiceField, value: str | None) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> ChoiceField:
            return self.field

    def __init__(self, options: list[tuple[str, str]], value: str | None = None, *,
                 meanings: dict[str, str] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.options = options
        self.meanings = meanings or {}  # shown after the options for the chosen one (scores)
        self.set_reactive(ChoiceField.value, value)

    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        for code, label in self.options:
            chosen = code == self.value
            out.append(f" {label} ", style="reverse bold" if chosen else "dim")
            out.append(" ")
        if self.value in self.meanings:
            out.append(" " + self.meanings[self.value], style="bold")
        return out

    def _index(self) -> int | None:
        codes = [c for c, _ in self.options]
        return codes.index(self.value) if self.value in codes else None

    def action_step(self, delta: int) -> None:
        i = self._index()
        n = len(self.options)
        i = (0 if delta > 0 else n - 1) if i is None else (i + delta) % n
        self.value = self.options[i][0]

    def action_clear(self) -> None:
        self.value = None

    def on_key(self, event: events.Key) -> None:
        ch = event.character
        if not ch or not ch.isprintable() or ch == " ":
            return
        for code, label in self.options:
            if ch.lower() in (code[:1].lower(), label[:1].lower()):
                self.value = code
                event.stop()
                event.prevent_default()
                return

    def watch_value(self, value: str | None) -> None:
        self.post_message(self.Changed(self, value))
