"""Text wrapped by the Chinese line-breaking rules (``domain/linebreak.py``) at the width it is
drawn at: a number or a code stays whole, no line starts with ，。？） … (issue 25 item 7).

``Wrapped`` is a Rich renderable: Textual draws it again at every width (a resize re-wraps it),
and its height follows. The styles of the text are kept, line by line.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual.visual import RichVisual, VisualType
from textual.widgets import Static

from ..domain.linebreak import line_spans


class Wrapped:
    """One ``Text`` (or plain string) broken into lines by the rules, at the render width."""

    def __init__(self, text: Text | str, style: str = "") -> None:
        self.text = text if isinstance(text, Text) else Text(text, style=style)

    def __str__(self) -> str:
        return self.text.plain

    def lines(self, width: int) -> list[Text]:
        plain = self.text.plain
        out = []
        for a, b in line_spans(plain, width, cells=cell_len):
            line = self.text[a:b]
            line.no_wrap, line.overflow, line.end = True, "crop", "\n"
            out.append(line)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.lines(options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        plain = self.text.plain
        widest = max((cell_len(line) for line in plain.splitlines()), default=0)
        # the narrowest it can go is its widest character (a code is cut only when it must)
        narrowest = max((cell_len(ch) for ch in plain), default=0)
        return Measurement(narrowest, widest).clamp(max_width=options.max_width)



class _ProseVisual(RichVisual):
    def __str__(self) -> str:
        return str(self._renderable)


class Prose(Static):
    """A ``Static`` of text broken by the rules at its width (a dialog's body, a help note): the
    text is literal (no markup), re-wrapped on resize; ``str(render())`` is its plain text."""

    def __init__(self, text: Text | str = "", *, style: str = "", **kw) -> None:  # noqa: ANN003
        super().__init__(Wrapped(text, style=style), **kw)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(content if isinstance(content, Wrapped) else Wrapped(content), layout=layout)

    def render(self) -> RichVisual:
        return _ProseVisual(self, self.content)
