"""今日队列 — the agent's daily queue screen (SPEC §4)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ..domain.queue import Countdown, countdown
from ..domain.calendar import WorkCalendar
from ..core.i18n import t, t_or
from ..domain.queue import Progress, QueueRow
from ..core.safe_text import literal
from ..widgets.header import AppHeader, figures_text, fit_parts
from ..widgets.keybar import KeyBar
from ..widgets.rowstate import row_words
from ..widgets.cells import countdown_text, countdown_words, ellipsize, fit_widths
from .background import in_thread

PAGE_SIZE = 200
REFRESH_SECONDS = 3.0
STATE_FILTERS = ("all", "new", "tried", "overdue")
COLUMNS = ("number", "kind", "customer", "contact", "phone", "attempts", "deadline", "state")
WIDE = 100  # from here on the callback number shows (below it the call screen shows it)
FULL_WORDS = 130  # from here on the full wording of type, deadline and state; below it the short forms
NARROW_HIDDEN = ("number",)  # below 100 columns the call screen shows it instead
# The most a column takes (cells), wide and narrow; longer text ends in "…". The customer
# column takes the rest, at least CUSTOMER_MIN.
CAPS = {"number": (11, 11), "kind": (16, 9), "contact": (10, 8), "phone": (11, 11), "attempts": (5, 5),
        "deadline": (18, 12), "state": (16, 10)}
CUSTOMER_MIN = 12
# Deadlines in whole words (cdwords.*: "in 3 workdays") below FULL_WORDS when, so written, the
# customer column keeps at least CUSTOMER_WORDS cells; else the short forms ("in 3wd") (issue 25 item 3).
CUSTOMER_WORDS = 18
DEADLINE_WORDS = 16  # the deadline column's cap in whole words
COLUMN_HELP = ("deadline", "state", "attempts")  # headers a click explains (queuehelp.*)
SCROLLBAR = 1  # the table's vertical scrollbar (app.tcss): one cell, left to the customer


@dataclass
class _Loaded:
    rows: list[QueueRow]
    cells: list[Countdown]
    progress: Progress
    requests: list | None = None  # the agent's requests to a supervisor and their answers (issue 25 item 5)


class QueueScreen(Screen):
    TITLE_KEY = "queue.title"
    HELP_NOTE_KEY = "queuehelp.note"  # F1: the countdown's ~ and working days, ✎, the day's figures
    BINDINGS = [
        Binding("enter", "open_call", t("key.open_call"), id="queue_open"),
        Binding("k", "cycle_kind", t("key.filter_kind"), id="queue_filter_kind"),
        Binding("s", "cycle_state", t("key.filter_state"), id="queue_filter_state"),
        Binding("d", "defer", t("key.defer"), id="queue_defer"),
        Binding("c", "day_close", t("key.day_close"), id="queue_day_close"),
        Binding("l", "app.switch_mode('ledger')", t("ledger.key.ledger"), id="queue_ledger"),
        Binding("m", "app.open_month", t("month.key.open"), show=False, id="queue_month"),
        Binding("r", "reload", t("key.reload"), show=False, id="queue_reload"),
        Binding("n", "page(1)", t("key.next_page"), show=False, id="queue_next_page"),
        Binding("p", "page(-1)", t("key.prev_page"), show=False, id="queue_prev_page"),
        Binding("slash", "search", t("search.key_search"), show=False, id="queue_search"),
        Binding("t", "my_calls", t("search.key_today"), show=False, id="queue_my_calls"),
        Binding("u", "undo_last", t("undo.key"), show=False, id="queue_undo"),
        Binding("escape", "clear_filters", t("queuefilter.key_clear"), show=False, id="queue_clear_filter"),
    ]

    class Loaded(Message):
        def __init__(self, data: _Loaded) -> None:
            super().__init__()
            self.data = data

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[QueueRow] = []
        self.page = 0
        self.kind_filter: str | None = None
        self.state_filter = "all"
        self._progress: Progress | None = None
        self._data_version: int | None = None
        self._cells: list[Countdown] = []  # one countdown per row (the clock and calendar of the load)
        self._layout: list[tuple[str, int]] = []
        self._text_cache: dict[tuple[bool, bool], list[dict[str, Text]]] = {}  # a load's cells, by wording
        self._rendered_width: int | None = None  # the terminal width the table was last laid out for
        self._requests: list = []  # the agent's requests to a supervisor (queue_snapshot.requests)

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static(id="queue-status")
        yield Static(id="queue-requests")
        yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        yield Static(t("queue.empty"), id="queue-empty")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#queue-empty").display = False
        self.query_one("#queue-requests").display = False
        if self.app.first_paint is not None:
            # The first mode's screen is mounted inside Textual's start-up batch, where a frame is
            # rendered but never written. Fill the table once the app's own start-up is over, so
            # that its rows are rendered once, into the first frame that reaches the terminal.
            self.app.call_later(self._first_paint)
        else:
            self._render_table()  # the headers while the first load runs
            self.action_reload()
        self.set_interval(REFRESH_SECONDS, self._check_changes)

    def on_resize(self) -> None:
        if self._rendered_width != self.app.size.width and self.app.first_paint is None:
            self._render_table()  # the columns fit the width: nothing to redo when only the height moved
            self._render_requests()

    def _layout_for(self, texts: list[dict[str, Text]], heads: dict[str, str], words: bool = False) -> list[tuple[str, int]]:
        """Fit the columns to the terminal (issue 16): every column but the customer is as wide
        as its header and its widest cell, up to its cap; the customer takes the rest. Below
        100 columns the callback number goes (the call screen shows it); below 130 the short
        forms are used, so that 80×24 shows type, customer, contact, phone, tries, deadline and state.
        Measured over every loaded row, so a filter or a page does not move the columns."""
        width = self.app.size.width
        keys = [k for k in COLUMNS if width >= WIDE or k not in NARROW_HIDDEN]
        caps = {k: c[0 if width >= FULL_WORDS else 1] for k, c in CAPS.items()}
        if words and width < FULL_WORDS:
            caps["deadline"] = DEADLINE_WORDS
        return fit_widths(keys, heads, texts, caps, "customer", width, CUSTOMER_MIN, scrollbar=SCROLLBAR)

    @staticmethod
    def _head(key: str, wide: bool) -> str:
        """A column's header; below FULL_WORDS the catalog's short one when it has one
        (queueshort.col.*: e.g. English "Due" over "in 3wd")."""
        return t(f"queue.col.{key}") if wide else t_or(f"queueshort.col.{key}", f"queue.col.{key}")

    # -- loading ------------------------------------------------------------------
    def action_search(self) -> None:
        from .search import SearchScreen

        self.app.push_screen(SearchScreen())

    def action_my_calls(self) -> None:
        from .search import MyCallsScreen

        self.app.push_screen(MyCallsScreen())

    def action_reload(self) -> None:
        self._load()

    def _first_paint(self) -> bool:
        """Paint the snapshot the command line read without the ORM (see store/fastread.py)."""
        snap, self.app.first_paint = self.app.first_paint, None
        if snap is None:
            return False
        rows, progress, cal = snap
        now = self.app.now()
        cells = [countdown(r.deadline_on, r.deadline_at, now, cal) for r in rows]
        self.rows, self._cells, self._progress, self._text_cache = rows, cells, progress, {}
        self._render_table()
        return True

    @in_thread("queue-load", exclusive=True)
    def _load(self) -> None:
        """Rows, progress and claims from one service call, in one read transaction."""
        from ..services.queue import queue_snapshot

        snap = queue_snapshot(self.app.store, self.app.actor)  # the requests and their answers too
        cells = [countdown(r.deadline_on, r.deadline_at, snap.now, snap.calendar) for r in snap.rows]
        self._data_version = snap.version
        self._calendar = snap.calendar  # the defer hint's example day
        self.post_message(self.Loaded(_Loaded(snap.rows, cells, snap.progress, snap.requests)))

    @in_thread("queue-poll", exclusive=True)
    def _check_changes(self) -> None:
        """Cheap change detection: PRAGMA data_version moves when another process commits."""
        version = self.app.store.data_version()
        if self._data_version is None:
            # After a first paint from the start-up snapshot: take the baseline and reload once,
            # so that commits made since that snapshot are not taken as already seen.
            self._data_version = version
            self.app.call_from_thread(self._load)
        elif version != self._data_version:
            self.app.call_from_thread(self._load)

    @on(Loaded)
    def _on_loaded(self, event: Loaded) -> None:
        self.rows, self._cells, self._progress = event.data.rows, event.data.cells, event.data.progress
        self._requests = event.data.requests or []
        self._text_cache = {}
        self._render_table()
        self._render_requests()

    # -- rendering ----------------------------------------------------------------
    def _texts(self, r: QueueRow, cd: Countdown, wide: bool, words: bool = False) -> dict[str, Text]:
        """The cells of one row; below FULL_WORDS columns with the catalog's short forms (the
        deadline in whole words when ``words``)."""
        asked = next((q for q in self._requests if q.number == r.number), None)
        kind, state = row_words(r, asked, wide, CAPS["state"][1])
        style = "bold red" if r.overdue and r.in_queue else ("bold" if r.priority == 0 else "")
        return {
            "number": Text(r.number, style=style),
            "kind": Text(kind, style="bold yellow" if r.priority == 0 else ""),
            "customer": literal(r.customer),
            "contact": literal(r.contact),
            "phone": Text(r.phone_masked),
            "attempts": Text(str(r.attempts), justify="right"),
            "deadline": _deadline(cd, r.estimated, "full" if wide else ("words" if words else "short")),
            "state": Text(state),
        }

    def _visible(self) -> list[int]:
        """The rows the filters let through. 已尝试 lists what the day's "tried" counts: every
        callback tried today, also those gone from the queue since; the others list the queue."""
        out = []
        for i, r in enumerate(self.rows):
            if self.kind_filter and r.kind != self.kind_filter:
                continue
            if self.state_filter == "tried":
                if not r.tried_today:
                    continue
            elif not r.in_queue:
                continue
            if self.state_filter == "new" and r.attempts:
                continue
            if self.state_filter == "overdue" and not r.overdue:
                continue
            out.append(i)
        return out

    def _render_table(self) -> None:
        table = self.query_one(DataTable)
        keep = None
        if table.row_count and table.cursor_row is not None:
            try:
                keep = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
            except Exception:  # noqa: BLE001 - the old cursor row may be gone
                keep = None
        visible = self._visible()
        pages = max(1, (len(visible) + PAGE_SIZE - 1) // PAGE_SIZE)
        self.page = min(self.page, pages - 1)
        shown = visible[self.page * PAGE_SIZE : (self.page + 1) * PAGE_SIZE]
        self._rendered_width = self.app.size.width
        wide = self.app.size.width >= FULL_WORDS
        heads = {k: self._head(k, wide) for k in COLUMNS}
        for words in (True, False):  # whole words where the customer column keeps its room (issue 25 item 3)
            texts = self._text_cache.get((wide, words))
            if texts is None:  # once per load and wording, not at every filter key or page
                texts = self._text_cache[(wide, words)] = [self._texts(r, cd, wide, words)
                                                           for r, cd in zip(self.rows, self._cells)]
            layout = self._layout_for(texts, heads, words)
            if wide or dict(layout).get("customer", 0) >= CUSTOMER_WORDS:
                break
        if layout != self._layout:
            self._layout = layout
            table.clear(columns=True)
            for key, w in layout:
                table.add_column(heads[key], key=key, width=w)
        else:
            table.clear()
        for i in shown:
            table.add_row(*(ellipsize(texts[i][k], w) for k, w in layout), key=self.rows[i].number)
        if keep is not None and keep in {self.rows[i].number for i in shown}:
            table.move_cursor(row=table.get_row_index(keep))
        empty = self.query_one("#queue-empty", Static)
        filters = self._filter_words()
        empty.update(t("queuefilter.none", what=" / ".join(filters)) if filters and self.rows else t("queue.empty"))
        empty.display = not shown
        table.display = bool(shown)
        self._render_status(len(visible), pages)

    def _filter_words(self, short: bool = False) -> list[str]:
        filters = []
        if self.kind_filter:
            filters.append(t(f"kindshort.{self.kind_filter}" if short else f"kind.{self.kind_filter}"))
        if self.state_filter != "all":
            filters.append(t(f"queue.state.{self.state_filter}"))
        return filters

    def _render_status(self, count: int, pages: int) -> None:
        """The day's figures (``widgets.header.figures_text``, as `t`, the board and the day close
        show them), overdue, then what fits of the filter, the page, the alert and the pool."""
        filters = self._filter_words()
        label = Text(t("queue.filtered", what=" / ".join(filters), n=count)) if filters else None
        width = self.app.size.width - 2
        # A filter's label always shows (else the header reads as the whole queue): the deferred
        # figure, then the 逾期 words (none overdue), then 逾期 give way to it first (issue 25
        # item 2 of the agent's walk); the page, the alert and the pool give way before those.
        shapes = [(False, "always"), (True, "always"), (True, "some"), (True, "never")] if label else [(False, "always")]
        for short, overdue in shapes:
            line = fit_parts(self._status_parts(pages, label, short, overdue), width)
            if label is None or label.plain in line.plain:
                break
        else:  # the label's own words give way last: the kind's short form, then "…"
            short_label = Text(t("queue.filtered", what=" / ".join(self._filter_words(short=True)), n=count))
            figures = self._status_parts(1, None, True, "never")[0][0] if self._progress else Text()
            line = fit_parts([(figures, 9), (ellipsize(short_label, max(8, width - figures.cell_len - 3)), 7)],
                             width)
        self.query_one("#queue-status", Static).update(line)

    def _status_parts(self, pages: int, label: Text | None, short: bool, overdue: str) -> list:
        """The header's parts (Text, importance: the lowest gives way first); ``short``: the day's
        figures without the deferred one; ``overdue``: always / some (only when any) / never."""
        p = self._progress
        parts: list[tuple[Text, int]] = []
        if p is not None:
            figures = replace(p.figures, deferred=0) if short else p.figures
            parts.append((Text(t("dayfig.today", figures=figures_text(figures))), 9))
        n_over = p.overdue if p else 0
        if overdue == "always" or (overdue == "some" and n_over):
            parts.append((Text(t("queue.overdue", n=n_over), style="bold red" if n_over else ""), 8))
        if label is not None:
            parts.append((label, 7))
        if pages > 1:
            parts.append((Text(t("queue.page", page=self.page + 1, pages=pages)), 6))
        if p and p.unreachable:
            parts.append((Text(t("queue.unreachable_alert", n=p.unreachable), style="bold yellow"), 5))
        if p and p.pool:
            parts.append((Text(t("queue.pool_count", n=p.pool)), 4))
        return parts

    REQUEST_LINES = 2  # the answers shown above the table (those needing work first); the rest counted

    def _render_requests(self) -> None:
        """The agent's requests to a supervisor and their answers, newest first (issue 25 item 5):
        what was asked, and who approved or refused it with what answer (typed text literal, never
        cut: a long answer wraps); the rest counted (``huifang request list`` lists them)."""
        box = self.query_one("#queue-requests", Static)
        asked = self._requests
        box.display = bool(asked)
        if not asked:
            return
        shown = asked if len(asked) <= self.REQUEST_LINES else asked[:self.REQUEST_LINES - 1]
        lines = []
        for q in shown:
            style = {"approved": "bold green", "refused": "bold red", "stale": "bold yellow"}.get(q.state, "")
            line = Text("▸ " + t(f"requests.mark.{q.state}") + "  ", style=style)
            line.append_text(literal(q.answer_line()))
            lines.append(line)
        if len(shown) < len(asked):
            lines.append(Text("▸ " + t("requests.queue_more", n=len(asked) - len(shown)), style="dim"))
        box.update(Text("\n").join(lines))  # an answer is read whole: a long one wraps

    # -- actions ------------------------------------------------------------------
    def action_cycle_kind(self) -> None:
        kinds = sorted({r.kind for r in self.rows})
        options: list[str | None] = [None, *kinds]
        i = options.index(self.kind_filter) if self.kind_filter in options else 0
        self.kind_filter = options[(i + 1) % len(options)]
        self.page = 0
        self._render_table()

    def action_cycle_state(self) -> None:
        i = STATE_FILTERS.index(self.state_filter)
        self.state_filter = STATE_FILTERS[(i + 1) % len(STATE_FILTERS)]
        self.page = 0
        self._render_table()

    def action_clear_filters(self) -> None:
        """Esc: back to the whole queue (issue 25 item 2)."""
        if self.kind_filter is None and self.state_filter == "all":
            return
        self.kind_filter, self.state_filter, self.page = None, "all", 0
        self._render_table()

    @on(DataTable.HeaderSelected, "#queue-table")
    def _header_help(self, event: DataTable.HeaderSelected) -> None:
        """A click on a column's header says what the column shows (issue 25 item 3)."""
        key = event.column_key.value
        if key in COLUMN_HELP:
            self.notify(t(f"queuehelp.{key}"), timeout=10, markup=False)

    def action_page(self, delta: int) -> None:
        self.page = max(0, self.page + delta)
        self._render_table()

    def selected_row(self) -> QueueRow | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        number = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return next((r for r in self.rows if r.number == number), None)

    def action_open_call(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self.app.open_call(row.number)

    @on(DataTable.RowSelected)
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_call()

    # -- defer and day close ------------------------------------------------------------
    def action_defer(self) -> None:
        from .dialogs import TextDialog

        row = self.selected_row()
        if row is None:
            return

        def done(text: str | None) -> None:
            if text:
                self._defer(row.number, text)

        cal = getattr(self, "_calendar", None) or WorkCalendar({})
        example = cal.next_working_day(self.app.store.today()).isoformat()
        self.app.push_screen(TextDialog(t("dayclose.defer_title", number=row.number),
                                        t("dayclose.defer_hint", example=example)), done)

    @in_thread("queue-defer", holds_keys=True)  # past the deadline: "ask the supervisor"
    def _defer(self, number: str, text: str) -> None:
        from ..core.errors import NeedsSupervisor
        from ..services.recording import defer

        to, reason = _split_date(text)
        try:
            day = defer(self.app.store, self.app.actor, number, reason, to)
        except NeedsSupervisor as e:  # past the deadline: offer to ask the supervisor (issue 25 item 5)
            self.app.call_from_thread(self._offer_request, e, reason)
            return
        self.app.call_from_thread(self.notify, t("dayclose.deferred", number=number, day=day.isoformat()))
        self._load()

    def _offer_request(self, error, reason: str) -> None:  # noqa: ANN001
        """The refusal, titled for what it is, with "ask the supervisor": the day wanted and the
        reason typed carried over."""
        from .requests import AskSupervisorDialog

        def done(view) -> None:  # noqa: ANN001
            if view is not None:
                self.notify(t("requests.asked", number=view.number, what=view.what()), timeout=8, markup=False)
                self._load()

        self.app.push_screen(AskSupervisorDialog(error, reason), done)

    # -- undo the last outcome (issue 16 item 3) ----------------------------------------
    def action_undo_last(self) -> None:
        self._undo()

    @in_thread("queue-undo", exclusive=True)
    def _undo(self) -> None:
        from ..core.errors import Refused
        from ..services.undo import undo_last, undo_text

        try:
            res = undo_last(self.app.store, self.app.actor)
        except Refused as e:
            self.app.call_from_thread(self.notify, str(e), title=t("undo.refused_title"), severity="error", timeout=10)
            return
        self.app.call_from_thread(self.notify, undo_text(res), timeout=8)
        self._load()

    def action_day_close(self) -> None:
        """日结 (issue 25 item 6): what is left is asked first; refused with the whole list when
        something is, "close the day?" only when nothing is."""
        self._check_close(self.app.today())

    @in_thread("queue-close", exclusive=True)
    def _check_close(self, day) -> None:  # noqa: ANN001
        from ..core.errors import Conflict
        from ..services.dayclose import check_close
        from .dialogs import MessageDialog

        try:
            left = check_close(self.app.store, self.app.actor, day)
        except Conflict as e:  # already closed
            self.app.call_from_thread(self.app.push_screen, MessageDialog(t("dayclose.refused_title"), str(e)))
            return
        self.app.call_from_thread(self._close_or_refuse, day, left)

    def _close_or_refuse(self, day, left: list[QueueRow]) -> None:  # noqa: ANN001
        from .dayclose import DayCloseRefusal
        from .dialogs import ConfirmDialog

        if left:
            cells = {r.number: cd for r, cd in zip(self.rows, self._cells)}

            def chosen(number: str | None) -> None:
                if number:
                    self.app.open_call(number)

            self.app.push_screen(DayCloseRefusal(left, self.app.now(), cells), chosen)
            return

        def done(yes: bool | None) -> None:
            if yes:
                self._close_day(day)

        self.app.push_screen(ConfirmDialog(t("dayclose.confirm", day=day.isoformat())), done)

    @in_thread("queue-close")
    def _close_day(self, day) -> None:  # noqa: ANN001
        from ..services.dayclose import DayCloseRefused, close_day
        from .dayclose import DayCloseRefusal
        from .dialogs import MessageDialog

        try:
            s = close_day(self.app.store, self.app.actor, day)
        except DayCloseRefused as e:  # something came due between the question and the answer
            self.app.call_from_thread(self.app.push_screen, DayCloseRefusal(e.untouched, self.app.now()))
            return
        body = t("dayfig.summary", day=s.day.isoformat(), figures=figures_text(s.figures), overdue=s.overdue,
                 tomorrow=s.tomorrow.isoformat(), tomorrow_due=s.tomorrow_due)
        self.app.call_from_thread(self.app.push_screen, MessageDialog(t("dayclose.title"), body))
        self._load()


def _deadline(cd: Countdown, estimated: bool, wording: str) -> Text:
    """The deadline cell: full (from FULL_WORDS columns), short ("~in 3wd"), or whole words
    ("~in 3 workdays", ``widgets.cells.countdown_words``) where the column has the room."""
    if wording != "words":
        return countdown_text(cd, estimated, short=wording == "short")
    return countdown_words(cd, estimated)


def _split_date(text: str) -> tuple[date | None, str]:
    """"2026-11-25 客户出差" → (2026-11-25, "客户出差"); otherwise (None, text)."""
    from ..domain.timephrase import read_day

    head, _, rest = text.strip().partition(" ")
    try:
        return read_day(head), rest.strip()
    except ValueError:
        return None, text.strip()
