"""A 1–5 score row: focus it, press 1–5 (SPEC §4; 003 表2 scores)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ..core.i18n import t
from .wrapped import Wrapped


class ScoreRow(Widget, can_focus=True):
    BINDINGS = [
        *(Binding(str(n), f"set({n})", t(f"score.{n}"), show=False, id=f"score_{n}") for n in range(1, 6)),
        Binding("left", "step(-1)", t("score.lower"), show=False, id="score_lower"),
        Binding("right", "step(1)", t("score.higher"), show=False, id="score_higher"),
        Binding("delete,backspace", "set(0)", t("score.clear"), show=False, id="score_clear"),
        Binding("enter", "app.focus_next", t("score.next"), show=False, id="score_next"),
    ]

    value: reactive[int | None] = reactive(None, layout=True)  # the label's line may wrap anew
    # A score offered from the same customer's previous callback of this call: shown, adopted only
    # when the agent presses Enter on the empty row (issue 16 item 6).
    offer: reactive[int | None] = reactive(None, layout=True)

    class Changed(Message):
        def __init__(self, row: ScoreRow, value: int | None) -> None:
            super().__init__()
            self.row = row
            self.value = value

        @property
        def control(self) -> ScoreRow:
            return self.row

    def __init__(self, label: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.label = label

    def _head(self) -> Wrapped:
        out = Text()
        out.append(self.label, style="bold")
        if self.value is None and self.offer:
            out.append("  " + t("firsthour.score_offer", n=self.offer), style="bold italic")
        elif self.value is None:
            out.append("  " + t("score.hint"), style="italic")
        else:
            out.append(f"  {self.value} {t(f'score.{self.value}')}", style="bold")
        return Wrapped(out)

    def render(self) -> Text:
        width = self.content_region.width or self.size.width
        out = Text("\n").join(self._head().lines(width))
        for line in self._choices(width):
            out.append("\n")
            for j, n in enumerate(line):
                if j:
                    out.append(" ")
                out.append(f"{n}{t(f'score.{n}')}", style="reverse bold" if self.value == n else "dim")
        out.no_wrap = True  # wrapped here, by the line-breaking rules
        return out

    @staticmethod
    def _choices(width: int) -> list[list[int]]:
        """The five choices on as many lines as the width needs, none cut in two (the English
        words of 1–5 take more than a line beside the script at 80 columns)."""
        lines: list[list[int]] = [[]]
        used = 0
        for n in range(1, 6):
            w = cell_len(f"{n}{t(f'score.{n}')} ")
            if lines[-1] and used + w - 1 > width:
                lines.append([])
                used = 0
            lines[-1].append(n)
            used += w
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._head().lines(width)) + len(self._choices(width))  # the label, then the choices

    def action_set(self, n: int) -> None:
        self.value = n or None

    def action_step(self, delta: int) -> None:
        self.value = min(5, max(1, (self.value or 3) + delta))

    def watch_value(self, value: int | None) -> None:
        self.post_message(self.Changed(self, value))
