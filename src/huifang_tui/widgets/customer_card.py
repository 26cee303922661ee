"""Customer card beside the call script: tier, contacts, past callbacks, open issues, improvements.

One section at a time (issue 25 item 7): at 80×24 the card is about 30 columns by 20 lines,
too small for everything at once. A tab line names the sections with their counts; the call
screen's key (``next_page``) pages the current section down, then moves on to the next
section, then back to the first. The focus stays in the form the agent is typing in. Every
line is wrapped by the Chinese line-breaking rules (``widgets/wrapped.py``).
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Static

from ..domain.follow_up import is_low_score
from ..core.i18n import t
from ..core.safe_text import clean
from .wrapped import Wrapped

SECTIONS = ("overview", "history", "issues", "verify")


def _line(label: str, value: object, style: str = "") -> Text:
    out = Text()
    out.append(label + t("card.colon"), style="dim")
    out.append(clean(value), style=style)
    return out


def _group(lines: list[Text]) -> Group:
    return Group(*(Wrapped(line) for line in lines))


def overview_lines(view) -> list[Text]:  # noqa: ANN001 - services.calls.CallView
    """Who the customer is, this callback, and the contacts (the numbers to dial)."""
    c, cb = view.customer, view.callback
    parts = [Text(clean(c.name), style="bold")]
    parts.append(_line(t("card.tier"), t(f"tier.{c.tier}") + " · " + (t("card.member") if c.is_member else t("card.non_member"))))
    if c.region:
        parts.append(_line(t("card.region"), c.region))
    parts.append(_line(t("card.callback"), f"{cb.number} · {t(f'kind.{cb.kind}')}"))
    deadline = cb.deadline_at.strftime("%Y-%m-%d %H:%M") if cb.deadline_at else cb.deadline_on.isoformat()
    parts.append(_line(t("card.due"), f"{cb.due_on.isoformat()} → {deadline}"))
    if cb.attempts:
        parts.append(_line(t("card.attempts"), str(cb.attempts)))
    if view.work_order is not None:
        wo = view.work_order
        parts.append(_line(t("card.work_order"), f"{wo.number} {wo.product}"))
        if wo.description:
            parts.append(_line(t("card.problem"), wo.description))
    if view.same_day:
        parts.append(_line(t("card.same_day"), "、".join(f"{o.number} {t(f'kind.{o.kind}')}" for o in view.same_day), "bold yellow"))
    parts.append(Text(""))
    parts.append(Text(t("card.contacts"), style="bold underline"))
    for ct in view.contacts:
        line = Text()
        line.append(clean(ct.name), style="bold" if ct.name == cb.contact_name else "")
        if ct.role:
            line.append(f" · {clean(ct.role)}", style="dim")
        line.append(f"  {clean(ct.phone)}")
        if ct.needs_correction:
            line.append(" " + t("card.phone_flagged"), style="bold red")
        parts.append(line)
    return parts


def _section(title: str, rows, line, heading: str = "bold underline") -> list[Text]:  # noqa: ANN001
    """A card section: its heading, then one ``line(row)`` per row (or "none")."""
    parts = [Text(title, style=heading)]
    if not rows:
        parts.append(Text(t("card.none"), style="dim"))
    parts.extend(line(row) for row in rows)
    return parts


def history_lines(view) -> list[Text]:  # noqa: ANN001
    def line_of(h) -> Text:  # noqa: ANN001
        line = Text()
        when = h.completed_at.strftime("%Y-%m-%d") if h.completed_at else ""
        line.append(f"{when} {t(f'kind.{h.kind}')} ")
        for s in (h.score_resolution, h.score_attitude):
            line.append(f"{s if s is not None else '-'}", style="bold red" if is_low_score(s, view.low_score_threshold) else "bold green")
            line.append(" ")
        if h.suggestions:
            line.append(clean(h.suggestions), style="dim")
        return line

    return _section(t("card.history"), view.history, line_of)


def issue_lines(view) -> list[Text]:  # noqa: ANN001
    return _section(t("card.open_issues"), view.open_issues, lambda i: Text(
        f"{i.number} {t(f'issue.priority.{i.priority}')} ", style="bold red" if i.is_complaint else "") + Text(clean(i.title)))


def verify_lines(view) -> list[Text]:  # noqa: ANN001
    return _section(t("card.to_verify"), view.to_verify, lambda i: Text(f"{i.number} ") + Text(clean(i.solution or i.title)),
                    heading="bold underline yellow")


_LINES = {"overview": overview_lines, "history": history_lines, "issues": issue_lines, "verify": verify_lines}


def counts(view) -> dict[str, int | None]:  # noqa: ANN001
    """What each section holds, as its tab says it (the overview: no count)."""
    return {"overview": None, "history": len(view.history), "issues": len(view.open_issues),
            "verify": len(view.to_verify)}


class CardTabs(Widget):
    """The sections' names on one line, the shown one highlighted; with their counts when
    they fit the card's width, else the names alone."""

    DEFAULT_CSS = """
    CardTabs {
        height: 1;
    }
    """

    def __init__(self, **kw) -> None:  # noqa: ANN003
        super().__init__(**kw)
        self.current = "overview"
        self.counts: dict[str, int | None] = {}

    def render(self) -> Text:
        width = self.size.width or 30
        for with_counts in (True, False):
            out = Text(no_wrap=True, overflow="crop")
            for i, name in enumerate(SECTIONS):
                if i:
                    out.append("│", style="dim")
                n = self.counts.get(name)
                label = t(f"card.tab.{name}") + (f" {n}" if with_counts and n is not None else "")
                if name == self.current:
                    style = "bold reverse"
                elif n == 0:
                    style = "dim"
                else:
                    style = "bold red" if name == "issues" else ("bold yellow" if name == "verify" else "")
                out.append(label, style=style)
            if out.cell_len <= width:
                return out
        return out


class CustomerCard(Vertical):
    """Shows a CallView; never queries the database itself."""

    def compose(self) -> ComposeResult:
        yield CardTabs(id="card-tabs")
        with ContentSwitcher(initial="card-overview", id="card-sections"):
            for name in SECTIONS:
                # Not in the Tab order: Tab walks the form; the card has its own key.
                with VerticalScroll(id=f"card-{name}", classes="card-section", can_focus=False):
                    yield Static(id=f"card-{name}-body", classes="card-body")

    @property
    def section(self) -> str:
        return self.query_one(CardTabs).current

    def show(self, view) -> None:  # noqa: ANN001
        for name in SECTIONS:
            self.query_one(f"#card-{name}-body", Static).update(_group(_LINES[name](view)))
        tabs = self.query_one(CardTabs)
        tabs.counts = counts(view)
        tabs.refresh()

    def show_section(self, name: str) -> None:
        self.query_one(ContentSwitcher).current = f"card-{name}"
        self.query_one(f"#card-{name}", VerticalScroll).scroll_home(animate=False)
        tabs = self.query_one(CardTabs)
        tabs.current = name
        tabs.refresh()

    def next_page(self) -> None:
        """The rest of the section when it is longer than the card, else the next section
        (after the last, the first)."""
        scroll = self.query_one(f"#card-{self.section}", VerticalScroll)
        if scroll.scroll_y < scroll.max_scroll_y:
            scroll.scroll_page_down(animate=False)
            return
        self.show_section(SECTIONS[(SECTIONS.index(self.section) + 1) % len(SECTIONS)])
