"""The screens' header: the app's title and who is working, fitted to the terminal by us.

Textual's Header cuts the title at its end when it is too long, so a long name or a long
database URL pushed the role and the date out (issue 16 item 2). Here the line gives way in a
chosen order until it fits: the short app title, then the database, then the user's name ends in
"…" — the role and the date stay. Only when even one letter of the name does not fit is the
line cut as Textual would.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Header
from textual.widgets._header import HeaderClockSpace, HeaderIcon, HeaderTitle

from ..core.i18n import t
from .cells import ellipsize

MIN_NAME = 2  # cells of a name shown: at least one letter and "…" (one CJK character is 2 cells)


def title_lines(title: str, short_title: str, parts: dict[str, str]) -> list[tuple[str, str]]:
    """(title, sub-title) from the fullest to the barest, the name whole in each."""
    full = t("app.subtitle", **parts)
    bare = t("fit.subtitle", **parts)
    return [(title, full), (short_title, full), (short_title, bare)]


def fit_title(title: str, short_title: str, parts: dict[str, str], width: int) -> tuple[str, str]:
    """The first of ``title_lines`` that fits ``width`` cells; else the barest one with the
    user's name ellipsised to fit; else the barest one (Textual cuts it)."""
    from rich.cells import cell_len
    from rich.text import Text

    def cells(line: tuple[str, str]) -> int:
        return cell_len(line[0]) + cell_len(" — ") + cell_len(line[1])

    lines = title_lines(title, short_title, parts)
    for line in lines:
        if cells(line) <= width:
            return line
    room = width - cells((short_title, t("fit.subtitle", **{**parts, "user": ""})))
    if room >= MIN_NAME:
        name = ellipsize(Text(parts["user"]), room).plain
        return short_title, t("fit.subtitle", **{**parts, "user": name})
    return lines[-1]


class _FittedTitle(HeaderTitle):
    def render(self) -> Content:
        header = self.parent
        assert isinstance(header, AppHeader)
        return header.fitted(self.size.width)


class AppHeader(Header):
    """Header whose line is fitted by ``fit_title`` at every render (so also after a resize)."""

    def compose(self) -> ComposeResult:
        yield HeaderIcon().data_bind(Header.icon)
        yield _FittedTitle()
        yield HeaderClockSpace()

    def fitted(self, width: int) -> Content:
        app = self.app
        parts = getattr(app, "title_parts", None)
        if parts is None or self.screen.title is not None or self.screen.sub_title is not None:
            return self.format_title()  # not ours to fit: Textual's line
        title, sub = fit_title(app.title, t("fit.app_title"), parts, width)
        return app.format_title(title, sub)


def figures_text(f) -> str:  # noqa: ANN001 - domain.queue.DayFigures
    """The day's figures in words (issue 25 item 1; ``DayFigures.message``): the queue's top
    line, `t` (my calls today) and the day close; ``huifang queue`` says the same catalog line,
    the board has its words as columns."""
    key, values = f.message()
    return t(key, **values)


def fit_parts(parts: list, width: int, sep: str = "  ·  ", tight: str = " · ") -> Text:
    """``(Text, importance)`` parts joined in their order on one line of ``width`` cells: with
    wide separators when they fit, else narrow ones, else the least important parts left out
    (the first part always stays)."""
    kept = list(parts)
    while True:
        for joint in (sep, tight):
            line = Text(joint).join([p for p, _ in kept])
            if line.cell_len <= width or len(kept) <= 1:
                return line
        drop = min(range(1, len(kept)), key=lambda i: (kept[i][1], -i))
        kept.pop(drop)
