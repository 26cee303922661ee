"""`/` find a customer (name, pinyin initials, phone tail) and open their card; "my calls today".

Every lookup runs in a thread worker (services.search) and comes back as a message.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from ..core.i18n import t
from ..core.safe_text import clean, literal
from ..widgets.header import figures_text
from ..widgets.rowtable import RowTable


class SearchScreen(ModalScreen[None]):
    """Type to search; ↓ or Enter moves to the results; Enter on a result opens the card."""

    TITLE_KEY = "search.title"
    CSS_PATH = "search.tcss"
    BINDINGS = [
        Binding("escape", "dismiss", t("key.close"), id="search_close"),
        Binding("down", "to_results", t("search.key_results"), show=False, id="search_results"),
        Binding("f1", "app.help", t("key.help"), show=False, id="search_help"),
    ]

    class Found(Message):
        def __init__(self, query: str, hits: list) -> None:
            super().__init__()
            self.query, self.hits = query, hits

    def __init__(self) -> None:
        super().__init__()
        self.hits: list = []

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Static(t("search.title"), id="search-title")
            yield Input(placeholder=t("search.placeholder"), id="search-input")
            yield DataTable(id="search-table", cursor_type="row", zebra_stripes=True)
            yield Static(t("search.hint"), id="search-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(t("search.col_customer"), t("search.col_contact"), t("search.col_phone"),
                          t("search.col_open"))
        self.app.settle_inputs(self) if hasattr(self.app, "settle_inputs") else None
        self.query_one(Input).focus()

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        self.action_to_results()

    def action_to_results(self) -> None:
        if self.hits:
            self.query_one(DataTable).focus()

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, text: str) -> None:
        from ..services.search import search_customers

        hits = search_customers(self.app.store, self.app.actor, text) if text.strip() else []
        self.post_message(self.Found(text, hits))

    @on(Found)
    def _found(self, event: Found) -> None:
        if event.query != self.query_one(Input).value:
            return  # typed on since: a newer search is on its way
        self.hits = event.hits
        table = self.query_one(DataTable)
        table.clear()
        for h in event.hits:
            table.add_row(literal(h.name), literal(h.contact), Text(h.phone_masked), Text(str(h.open_callbacks)))
        hint = t("search.none") if event.query.strip() and not event.hits else t("search.hint")
        self.query_one("#search-hint", Static).update(hint)

    @on(DataTable.RowSelected, "#search-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.hits):
            self.app.push_screen(CustomerCardScreen(self.hits[event.cursor_row].id))


class CustomerCardScreen(ModalScreen[None]):
    TITLE_KEY = "search.card_title"
    CSS_PATH = "search.tcss"
    BINDINGS = [Binding("escape", "dismiss", t("key.close"), id="card_close"),
                Binding("f1", "app.help", t("key.help"), show=False, id="card_help")]

    class Loaded(Message):
        def __init__(self, card) -> None:  # noqa: ANN001
            super().__init__()
            self.card = card

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.card = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card-box"):
            yield Static(t("search.loading"), id="card-body")

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="card", exit_on_error=False)
    def _load(self) -> None:
        from ..services.search import customer_card

        try:
            card = customer_card(self.app.store, self.app.actor, self.customer_id)
        except Exception as e:  # noqa: BLE001 - shown in the card, never half-drawn
            self.post_message(self.Loaded(e))
            return
        self.post_message(self.Loaded(card))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        body = self.query_one("#card-body", Static)
        if isinstance(event.card, Exception):
            body.update(literal(str(event.card), "red"))
            return
        self.card = event.card
        body.update(card_group(event.card))


def card_group(card) -> Group:  # noqa: ANN001 - services.search.CustomerCard
    parts: list = [Text(clean(card.name), style="bold")]
    member = t("card.member") if card.is_member else t("card.non_member")
    parts.append(Text(f"{t(f'tier.{card.tier}')} · {member}" + (f" · {clean(card.region)}" if card.region else "")))
    parts.append(Text(t("search.card_agent", agent=clean(card.agent) if card.agent else t("cli.pool"))))
    parts.append(Text(t("search.card_contacts"), style="bold"))
    for name, role, phone, flagged in card.contacts:
        line = Text("  ")
        line.append(clean(name))
        if role:
            line.append(f" ({clean(role)})", style="dim")
        line.append(f"  {phone}")
        if flagged:
            line.append("  " + t("search.card_flagged"), style="yellow")
        parts.append(line)
    parts.append(Text(t("search.card_callbacks"), style="bold"))
    if not card.callbacks:
        parts.append(Text("  " + t("search.card_none"), style="dim"))
    for number, kind, status, due_on, res, att in card.callbacks:
        scores = f"  {res}/{att}" if res is not None and att is not None else ""
        parts.append(Text(f"  {number} {due_on.isoformat()} {t(f'kind.{kind}')} · {t(f'search.status.{status}')}{scores}"))
    if card.callbacks_more:  # the service lists the newest; the rest are counted, never hidden
        parts.append(Text("  " + t("searchcard.callbacks_more", n=card.callbacks_more), style="dim"))
    parts.append(Text(t("search.card_issues"), style="bold"))
    if not card.issues:
        parts.append(Text("  " + t("search.card_none"), style="dim"))
    for number, title, priority, status in card.issues:
        line = Text(f"  {number} ")
        line.append(clean(title))
        line.append(f" · {t(f'search.priority.{priority}')} · {t(f'search.issue_status.{status}')}", style="dim")
        parts.append(line)
    if card.issues_more:
        parts.append(Text("  " + t("searchcard.issues_more", n=card.issues_more), style="dim"))
    return Group(*parts)


TODAY_WIDTH = 72  # #search-box's inside (search.tcss: 76 wide, its border and padding)


class MyCallsScreen(ModalScreen[None]):
    """What this agent recorded today, newest first, with outcomes and scores."""

    TITLE_KEY = "search.today_title"
    CSS_PATH = "search.tcss"
    BINDINGS = [Binding("escape", "dismiss", t("key.close"), id="today_close"),
                Binding("f1", "app.help", t("key.help"), show=False, id="today_help")]

    class Loaded(Message):
        def __init__(self, calls: list, figures=None) -> None:  # noqa: ANN001 - services.figures.Figures
            super().__init__()
            self.calls, self.figures = calls, figures

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Static(t("search.today_title"), id="search-title")
            yield Static("", id="today-figures")  # the day's figures, as the queue's top line shows them
            yield RowTable(id="today-table", cursor_type="row", zebra_stripes=True, edge_box="search-box")
            yield Static("", id="search-hint")

    def on_mount(self) -> None:
        self.query_one(RowTable).add_columns(
            t("search.col_time"), t("search.col_number"), t("search.col_customer"), t("search.col_outcome"),
            t("search.col_scores"))
        self._load()

    @work(thread=True, exclusive=True, group="today", exit_on_error=False)
    def _load(self) -> None:
        from ..services.figures import my_day
        from ..services.search import my_calls_today

        day = self.app.today()
        calls = my_calls_today(self.app.store, self.app.actor, day)
        self.post_message(self.Loaded(calls, my_day(self.app.store, self.app.actor, day)))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        table = self.query_one(RowTable)
        table.clear()
        rows = []
        for i, c in enumerate(event.calls):
            scores = f"{c.score_resolution}/{c.score_attitude}" if c.score_resolution is not None else ""
            rows.append((str(i), [Text(c.at.strftime("%H:%M")), Text(c.number), literal(c.customer),
                                  Text(t(f"outcome.{c.outcome}")), Text(scores)]))
        table.fill(rows, TODAY_WIDTH, flex=2)  # fitted: it never scrolls sideways
        if event.figures is not None:  # issue 25 item 1: the same figures and words as the queue
            self.query_one("#today-figures", Static).update(
                t("dayfig.today", figures=figures_text(event.figures.day)))
        # one call to a customer records each of their callbacks: calls are counted by customer
        # and time (issue 25 item 4 of the agent's walk), records one by one
        calls = len({(c.customer, c.at) for c in event.calls})
        self.query_one("#search-hint", Static).update(t("dayfig.calls", calls=calls, n=len(event.calls)))
