"""问题跟踪台账 — the issue ledger (SPEC §4; 001 六) and one issue's detail with its timeline.

The ledger reads through ``services.issues`` in thread workers; every action key calls the
same services as ``huifang issue …`` (refusals show as notifications).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList, Static

from ..domain.issues import LEVELS, solve_deadline_passes
from ..domain.words import ISSUE_CATEGORIES, ISSUE_PRIORITIES
from ..core.errors import ServiceError
from ..core.i18n import t
from ..core.identity import SYSTEM
from ..core.safe_text import literal
from ..services import issue_actions
from ..widgets.header import AppHeader
from ..widgets.issue_cells import deadline_countdown, level_text
from ..widgets.cells import fit_row
from ..widgets.keybar import KeyBar
from .background import in_thread
from .dialogs import TextDialog

PAGE_SIZE = 100
POLL_SECONDS = 3.0
TICK_SECONDS = 30.0  # countdowns are re-rendered from the clock; no database read
FILTERS = ("all", "mine", "my_department", "overdue", "at_risk", "escalated", "complaints", "waiting")
STATUSES = (None, "open", "acknowledged", "waiting", "solved", "closed")
CATEGORIES = (None, *ISSUE_CATEGORIES)
# (key, width); None = takes the rest.  Below 120 columns the ones in WIDE_ONLY go to the
# line under the table (the selected issue's details). Category, priority, status and level are
# as wide as their header and the longest of their words (SIZED); below 150 columns status and
# level use the catalog's short forms (ledgershort.*) (issue 16: words whole, never cut).
COLUMNS = (("number", 12), ("customer", None), ("category", 4), ("priority", 4), ("department", 10),
           ("owner", 8), ("status", 8), ("level", 10), ("ack", 8), ("solve", 8), ("update", 8))
WIDE_ONLY = ("category", "priority", "department", "owner")
WIDE = 120
FULL_WORDS = 150
PRIORITIES = ISSUE_PRIORITIES


def _sized_widths(full: bool) -> dict[str, int]:
    """Columns as wide as their header and their longest word: full or short forms."""
    from rich.cells import cell_len

    status = "ledger.status" if full else "ledgershort.status"
    level = "ledger.level" if full else "ledgershort.level"
    words = {"category": [t(f"issue.category.{c}") for c in CATEGORIES[1:]],
             "priority": [t(f"issue.priority.{p}") for p in PRIORITIES],
             "status": [t(f"{status}.{x}") + (t("ledger.risk_flag") if full else "") for x in STATUSES[1:]],
             "level": [t(f"{level}.{x}") for x in LEVELS]}
    return {key: max(cell_len(x) for x in [t(f"ledger.head.{key}"), *texts]) for key, texts in words.items()}


def _cells(v, now: datetime, wide: bool, full: bool = False) -> tuple:  # noqa: ANN001
    i, st = v.issue, v.state
    number = Text(i.number, style="bold red" if st.overdue else ("bold" if i.is_complaint else ""))
    if i.is_complaint:
        number.append(t("ledger.complaint_flag"), style="bold magenta")
    ack = deadline_countdown(st.ack_by, now, done=st.acknowledged_at is not None,
                             overdue="ack" in st.overdue, at_risk=st.at_risk)
    solved = st.solved_at is not None or st.status == "closed"
    solve = deadline_countdown(solve_deadline_passes(st.solve_by), now, done=solved,
                               overdue="solve" in st.overdue, at_risk=st.at_risk)
    if st.status == "waiting":
        solve = Text(t("ledger.cd.paused"), style="italic cyan")
    update = deadline_countdown(st.next_update_by, now, overdue="update" in st.overdue)
    status = Text(t(f"ledger.status.{st.status}") if full else t(f"ledgershort.status.{st.status}"),
                  style="bold yellow" if st.at_risk else ("cyan" if st.status == "waiting" else ""))
    if st.at_risk and full:
        status.append(t("ledger.risk_flag"), style="bold yellow")
    cells = {
        "number": number, "customer": literal(v.customer), "category": Text(t(f"issue.category.{i.category}")),
        "priority": Text(t(f"issue.priority.{i.priority}"), style="bold red" if i.priority == "urgent" else ""),
        "department": literal(i.department), "owner": literal(i.owner_login or "-"), "status": status,
        "level": level_text(st.level, short=not full), "ack": ack, "solve": solve, "update": update,
    }
    return tuple(cells[k] for k, _ in COLUMNS if wide or k not in WIDE_ONLY)


def _summary(v) -> Text:  # noqa: ANN001
    """The selected issue in two lines: what the narrow table leaves out."""
    i, st = v.issue, v.state
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(i.number + " ", style="bold")
    if v.late_entry:  # an action of it entered more than one working day late (issue 23)
        out.append(t("ledger.late_mark") + " ", style="bold cyan")
    out.append_text(literal(v.customer, style="bold"))
    out.append(" · ")
    out.append_text(literal(i.title))
    out.append("\n")
    parts = [t(f"issue.category.{i.category}"), t(f"issue.priority.{i.priority}"),
             i.department or "-", t("ledger.owner_is", owner=i.owner_login or "-"),
             t("ledger.from_callback", number=v.callback) if v.callback else t("ledger.no_callback"),
             t("ledger.deadlines", ack=st.ack_by.strftime("%m-%d %H:%M"), solve=st.solve_by.strftime("%m-%d"))]
    out.append(" · ".join(parts), style="dim")
    if st.at_risk:
        out.append(" " + t("ledger.risk_flag"), style="bold yellow")
    return out


@dataclass
class _Page:
    rows: list
    total: int
    now: datetime


class LedgerScreen(Screen):
    TITLE_KEY = "ledger.title"
    CSS_PATH = "ledger.tcss"
    BINDINGS = [
        Binding("enter", "open_issue", t("ledger.key.open"), id="ledger_open"),
        Binding("f", "cycle_filter", t("ledger.key.filter"), id="ledger_filter"),
        Binding("s", "cycle_status", t("ledger.key.status"), id="ledger_status"),
        Binding("k", "cycle_category", t("ledger.key.category"), id="ledger_category"),
        Binding("slash", "search", t("ledger.key.search"), id="ledger_search"),
        Binding("a", "raise_issue", t("ledger.key.raise"), id="ledger_raise"),
        Binding("n", "page(1)", t("key.next_page"), show=False, id="ledger_next_page"),
        Binding("p", "page(-1)", t("key.prev_page"), show=False, id="ledger_prev_page"),
        Binding("r", "reload", t("key.reload"), show=False, id="ledger_reload"),
        Binding("escape", "app.switch_mode('queue')", t("ledger.key.back"), id="ledger_back"),
    ]

    class Loaded(Message):
        def __init__(self, page: _Page) -> None:
            super().__init__()
            self.page = page

    def __init__(self) -> None:
        super().__init__()
        self.filter_kind = "all"
        self.status_filter: str | None = None
        self.category_filter: str | None = None
        self.customer = ""
        self.page = 0
        self.rows: list = []
        self.total = 0
        self._now: datetime | None = None
        self._data_version: int | None = None
        self._width: int | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static(id="ledger-status")
        yield DataTable(id="ledger-table", cursor_type="row", zebra_stripes=True)
        yield Static(t("ledger.empty"), id="ledger-empty")
        yield Static(id="ledger-info")
        yield KeyBar()

    def on_mount(self) -> None:
        self._setup_columns()
        self.query_one("#ledger-empty").display = False
        self.action_reload()
        self.set_interval(POLL_SECONDS, self._check_changes)
        self.set_interval(TICK_SECONDS, self._render_table)

    def on_screen_resume(self) -> None:
        if self._data_version is not None:
            self.action_reload()

    def on_resize(self) -> None:
        if self._setup_columns():
            self._render_table()

    @property
    def _wide(self) -> bool:
        return (self._width or 0) >= WIDE

    @property
    def _full(self) -> bool:
        return (self._width or 0) >= FULL_WORDS

    def _setup_columns(self) -> bool:
        width = self.app.size.width
        if width == self._width:
            return False
        self._width = width
        table = self.query_one(DataTable)
        table.clear(columns=True)
        sized = _sized_widths(self._full)
        cols = [(k, sized.get(k, w)) for k, w in COLUMNS if self._wide or k not in WIDE_ONLY]
        fixed = sum(w for _, w in cols if w) + 2 * len(cols) + 2
        for key, w in cols:
            table.add_column(t(f"ledger.head.{key}"), key=key, width=w or max(8, width - fixed))
        return True

    # -- loading --------------------------------------------------------------------
    def _make_filter(self):  # noqa: ANN202
        from ..services.issues import IssueFilter

        f = self.filter_kind
        return IssueFilter(mine=f == "mine", my_department=f == "my_department", overdue=f == "overdue",
                           at_risk=f == "at_risk", escalated=f == "escalated", complaints=f == "complaints",
                           waiting=f == "waiting", status=self.status_filter, category=self.category_filter,
                           customer=self.customer)

    def action_reload(self) -> None:
        self._load(self._make_filter(), self.page)

    @in_thread("ledger-load", exclusive=True)
    def _load(self, flt, page: int) -> None:  # noqa: ANN001
        from ..services.issues import list_issues

        store = self.app.store
        version = store.data_version()
        now = store.now()
        result = list_issues(store, self.app.actor, flt, now=now, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
        self._data_version = version
        self.post_message(self.Loaded(_Page(result.rows, result.total, now)))

    @in_thread("ledger-poll", exclusive=True)
    def _check_changes(self) -> None:
        version = self.app.store.data_version()
        if self._data_version is not None and version != self._data_version:
            self.app.call_from_thread(self.action_reload)

    @on(Loaded)
    def _on_loaded(self, event: Loaded) -> None:
        self.rows, self.total, self._now = event.page.rows, event.page.total, event.page.now
        self._render_table()

    # -- rendering --------------------------------------------------------------------
    def _render_table(self) -> None:
        table = self.query_one(DataTable)
        keep = self.selected_number()
        now = self.app.now()
        table.clear()
        for v in self.rows:
            table.add_row(*fit_row(table, _cells(v, now, self._wide, self._full)), key=v.issue.number)
        if keep is not None and any(v.issue.number == keep for v in self.rows):
            table.move_cursor(row=table.get_row_index(keep))
        self.query_one("#ledger-empty").display = not self.rows
        table.display = bool(self.rows)
        self._render_status()
        self._render_info()
        self._keys_changed()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A key is offered (key bar, F1) and answers only when it can do something now (issue 25
        item 20): Enter on an issue, raising for those the rule lets raise
        (``services.issue_actions.offered_on_ledger``), the next or previous page where there is one."""
        if action == "open_issue":
            return bool(self.rows) and self.selected_number() is not None
        if action == "raise_issue":
            return "raise" in issue_actions.offered_on_ledger(self.app.actor)
        if action == "page":
            delta = int(parameters[0]) if parameters else 0
            pages = max(1, (self.total + PAGE_SIZE - 1) // PAGE_SIZE)
            return 0 <= self.page + delta < pages
        return True

    def _keys_changed(self) -> None:
        self.refresh_bindings()
        self.query_one(KeyBar).refresh()

    def _render_status(self) -> None:
        pages = max(1, (self.total + PAGE_SIZE - 1) // PAGE_SIZE)
        parts = [t("ledger.count", n=self.total), t(f"ledger.filter.{self.filter_kind}")]
        if self.status_filter:
            parts.append(t(f"ledger.status.{self.status_filter}"))
        if self.category_filter:
            parts.append(t(f"issue.category.{self.category_filter}"))
        if self.customer:
            parts.append(t("ledger.searching", text=self.customer))
        if pages > 1:
            parts.append(t("ledger.page", page=self.page + 1, pages=pages))
        self.query_one("#ledger-status", Static).update(Text("  ·  ".join(parts)))

    def _render_info(self) -> None:
        v = self.selected()
        self.query_one("#ledger-info", Static).update(_summary(v) if v is not None else Text(""))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._render_info()
        self._keys_changed()

    def selected_number(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        except Exception:  # noqa: BLE001 - the cursor row may be gone
            return None

    def selected(self):  # noqa: ANN201
        number = self.selected_number()
        return next((v for v in self.rows if v.issue.number == number), None)

    # -- actions --------------------------------------------------------------------
    def _refilter(self) -> None:
        self.page = 0
        self.action_reload()

    def action_cycle_filter(self) -> None:
        self.filter_kind = FILTERS[(FILTERS.index(self.filter_kind) + 1) % len(FILTERS)]
        self._refilter()

    def action_cycle_status(self) -> None:
        self.status_filter = STATUSES[(STATUSES.index(self.status_filter) + 1) % len(STATUSES)]
        self._refilter()

    def action_cycle_category(self) -> None:
        self.category_filter = CATEGORIES[(CATEGORIES.index(self.category_filter) + 1) % len(CATEGORIES)]
        self._refilter()

    def action_page(self, delta: int) -> None:
        pages = max(1, (self.total + PAGE_SIZE - 1) // PAGE_SIZE)
        page = min(max(0, self.page + delta), pages - 1)
        if page != self.page:
            self.page = page
            self.action_reload()

    def action_search(self) -> None:
        def done(text: str | None) -> None:
            self.customer = (text or "").strip()
            self._refilter()

        self.app.push_screen(TextDialog(t("ledger.search_title"), t("ledger.search_hint"), self.customer), done)

    def action_open_issue(self) -> None:
        number = self.selected_number()
        if number is not None:
            self.app.push_screen(IssueScreen(number))

    @on(DataTable.RowSelected)
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_issue()

    def action_raise_issue(self) -> None:
        """An issue for a customer outside a call (issue 10 §2)."""
        from .dialogs import IssueDialog

        def got_customer(name: str | None) -> None:
            if not name:
                return

            def got_issue(value) -> None:  # noqa: ANN001
                if value is not None:
                    self._raise(name, value)

            self.app.push_screen(IssueDialog(), got_issue)

        self.app.push_screen(TextDialog(t("ledger.raise_customer"), t("ledger.raise_customer_hint")), got_customer)

    @in_thread("ledger-raise")
    def _raise(self, customer: str, value) -> None:  # noqa: ANN001
        from ..services.issue_actions import run_action

        try:  # through the one table of issue actions, as ``huifang issue raise --customer``
            issue = run_action(self.app.store, self.app.actor, "raise", None, {
                "customer": customer, "title": value.title, "description": value.description,
                "category": value.category, "priority": value.priority, "complaint": value.is_complaint,
                "department": value.department})
        except ServiceError as e:
            self.app.call_from_thread(self.notify, str(e), severity="error", timeout=10)
            return
        self.app.call_from_thread(self.notify, t("ledger.raised", number=issue.number, department=issue.department))
        self.app.call_from_thread(self.action_reload)


# -- one issue ------------------------------------------------------------------------------

# action → its key; the actions, in order, and what each asks come from the one table of issue
# actions (``services.issue_actions``, which ``huifang issue …`` runs from too)
KEYS = {"assign": "g", "ack": "k", "note": "n", "wait": "w", "resume": "u", "solve": "s", "tell": "t",
        "close": "c", "reopen": "o"}
# (action, key, prompt kind): "text" asks one line (read by the table: "tell" takes "DATE SCORE"),
# None asks nothing
ACTION_KEYS = tuple((a.name, KEYS[a.name], "text" if a.line is not None else None)
                    for a in issue_actions.ACTIONS if a.on_issue)


class IssueScreen(Screen):
    """One issue: every field, the timeline of events, a key per action."""

    TITLE_KEY = "ledger.detail_title"
    CSS_PATH = "ledger.tcss"
    BINDINGS = [
        *(Binding(key, f"act('{action}')", t(f"ledger.action.{action}"), id=f"issue_{action}")
          for action, key, _ in ACTION_KEYS),
        Binding("escape", "back", t("ledger.key.back"), id="issue_back"),
    ]

    class Loaded(Message):
        def __init__(self, view, allowed: set[str], names: dict[str, str]) -> None:  # noqa: ANN001
            super().__init__()
            self.view, self.allowed, self.names = view, allowed, names

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.view = None
        self.allowed: set[str] = set()
        self.names: dict[str, str] = {}  # login → display name, read with the issue (the worker)
        self._data_version: int | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with VerticalScroll(id="issue-body"):
            yield Static(id="issue-fields")
            yield Static(Text(t("ledger.timeline"), style="bold underline"), id="issue-timeline-title")
            yield DataTable(id="issue-timeline", cursor_type="row", show_cursor=False, zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#issue-timeline", DataTable)
        for key, w in (("at", 16), ("kind", 8), ("login", 10), ("text", None)):
            table.add_column(t(f"ledger.head.ev_{key}"), key=key, width=w or max(16, self.app.size.width - 46))
        self._load()
        # acknowledged, assigned or escalated elsewhere (another terminal, ``huifang issue``): read
        # again, so the keys offered follow the issue's state (issue 25 item 20)
        self.set_interval(POLL_SECONDS, self._check_changes)

    @in_thread("issue-poll", exclusive=True)
    def _check_changes(self) -> None:
        version = self.app.store.data_version()
        if self._data_version is not None and version != self._data_version:
            self.app.call_from_thread(self._load)

    @in_thread("issue-load", exclusive=True)
    def _load(self) -> None:
        from ..services.assignment import display_names
        from ..services.issues import show_issue

        store = self.app.store
        self._data_version = store.data_version()  # first: a commit during the reads is not taken as seen
        now = store.now()
        view = show_issue(store, self.number, now)
        allowed = issue_actions.offered(store, self.app.actor, self.number, now)
        names = display_names(store, self.app.actor)  # people by name, as the board and the audit log
        self.post_message(self.Loaded(view, allowed, names))

    @on(Loaded)
    def _on_loaded(self, event: Loaded) -> None:
        self.view, self.allowed, self.names = event.view, event.allowed, event.names
        self._show()
        self.refresh_bindings()  # the key bar and F1 offer only the actions the rule allows
        self.query_one(KeyBar).refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """An action key is offered (key bar, F1) and answers only when the user may do it
        (``services.issues.offered_actions``: the rule the service checks, in a status the action
        applies in)."""
        if action == "act":
            return bool(parameters) and parameters[0] in self.allowed
        return True

    def _show(self) -> None:
        from ..services.issues import event_marks, event_text

        v, now = self.view, self.app.now()
        i, st = v.issue, v.state
        out = Text()
        out.append(i.number + "  ", style="bold")
        out.append_text(literal(i.title))
        if i.is_complaint:
            out.append("  " + t("ledger.complaint"), style="bold magenta")
        out.append("\n")

        def line(*pairs) -> None:  # noqa: ANN002
            for n, (label, value) in enumerate(pairs):
                if n:
                    out.append("  ")
                out.append(label + ": ", style="dim")
                out.append_text(value if isinstance(value, Text) else literal(value))
            out.append("\n")

        line((t("ledger.col.customer"), v.customer), (t("ledger.col.callback"), v.callback or "-"))
        line((t("ledger.col.category"), t(f"issue.category.{i.category}")),
             (t("ledger.col.priority"), t(f"issue.priority.{i.priority}")),
             (t("ledger.col.status"), t(f"ledger.status.{st.status}")),
             (t("ledger.col.level"), level_text(st.level)))
        line((t("ledger.col.department"), i.department or "-"), (t("ledger.col.owner"), self.who(i.owner_login) or "-"),
             (t("ledger.raised_by"), self.who(i.raised_by)))
        ack = deadline_countdown(st.ack_by, now, done=st.acknowledged_at is not None, overdue="ack" in st.overdue,
                                 at_risk=st.at_risk)
        solve = deadline_countdown(solve_deadline_passes(st.solve_by), now,
                                   done=st.solved_at is not None or st.status == "closed",
                                   overdue="solve" in st.overdue, at_risk=st.at_risk)
        line((t("ledger.col.ack_by"), Text(st.ack_by.strftime("%Y-%m-%d %H:%M") + " ").append_text(ack)),
             (t("ledger.col.solve_by"), Text(st.solve_by.isoformat() + " ").append_text(solve)))
        nxt = st.next_update_by.strftime("%Y-%m-%d %H:%M") + " " if st.next_update_by else ""
        line((t("ledger.col.next_update_by"), Text(nxt).append_text(
            deadline_countdown(st.next_update_by, now, overdue="update" in st.overdue))))
        if i.solution:
            line((t("ledger.missing.solution"), i.solution))
        if i.customer_told_on or i.satisfaction:
            line((t("ledger.missing.told_on"), _iso(i.customer_told_on)),
                 (t("ledger.missing.satisfaction"), str(i.satisfaction or "-")))
        if i.description:
            out.append_text(literal(i.description))
            out.append("\n")
        keys = [f"{key} {t(f'ledger.action.{a}')}" for a, key, _ in ACTION_KEYS if a in self.allowed]
        out.append(t("ledger.your_keys", keys=" · ".join(keys) or "-"), style="italic dim")
        self.query_one("#issue-fields", Static).update(out)
        table = self.query_one("#issue-timeline", DataTable)
        table.clear()
        for e in v.events:
            # 补录 and withdrawn escalations (issue 23): the mark first, then the text
            withdrawn = e.withdrawn_at is not None
            text = Text(no_wrap=True, overflow="ellipsis")
            for mark in event_marks(e, v.events):
                text.append(mark + " ", style="bold cyan" if not withdrawn else "italic")
            text.append_text(literal(event_text(e), style="dim strike" if withdrawn else ""))
            kind_style = "dim strike" if withdrawn else ("bold red" if e.kind == "escalated" else "")
            table.add_row(Text(e.at.strftime("%Y-%m-%d %H:%M"), style="dim" if withdrawn else ""),
                          Text(t(f"ledger.event.{e.kind}"), style=kind_style), literal(self.who(e.login)), text)

    def who(self, login: str | None) -> str:
        """A person by name, as the board and the audit log name them; the system by its word."""
        if not login:
            return ""
        if login == SYSTEM.login:
            return self.names.get(login) or t("auditlog.system")
        return self.names.get(login) or login

    # -- actions --------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_act(self, action: str) -> None:
        if self.view is None:
            return
        if action not in self.allowed:
            from ..services.issues import refusal

            self.notify(refusal(action, self.number), severity="warning", timeout=8)
            return
        if action == "assign":  # picked from lists, not typed (issue 25 item 13)
            self._assign_choices()
            return
        prompt = dict((a, p) for a, _, p in ACTION_KEYS)[action]
        if prompt is None:
            self._do(action, "")
            return

        def done(text: str | None) -> None:
            if text:
                self._do(action, text)

        self.app.push_screen(TextDialog(t(f"ledger.prompt.{action}", number=self.number),
                                        t(f"ledger.prompt_hint.{action}")), done)

    @in_thread("issue-assign-choices", exclusive=True)
    def _assign_choices(self) -> None:
        from ..services.departments import assign_choices

        try:
            departments, people = assign_choices(self.app.store, self.app.actor)
        except ServiceError as e:
            self.app.call_from_thread(self.notify, str(e), title=t("ledger.refused"), severity="error", timeout=10)
            return
        self.app.call_from_thread(self._ask_assign, departments, people)

    def _ask_assign(self, departments: list, people: list) -> None:
        i = self.view.issue

        def done(picked: tuple[str, str | None] | None) -> None:
            if picked is not None:
                self._do("assign", "", {"department": picked[0], "owner": picked[1]})

        self.app.push_screen(AssignDialog(self.number, departments, people, i.department, i.owner_login), done)

    @in_thread("issue-act")
    def _do(self, action: str, text: str, values: dict | None = None) -> None:
        store, actor, n = self.app.store, self.app.actor, self.number
        try:  # the line read into the action's arguments (or the values picked) and run by the table,
            # as ``huifang issue``
            if values is None:
                values = issue_actions.read_line(action, text, store.today())
            issue_actions.run_action(store, actor, action, n, values)
        except ServiceError as e:
            self.app.call_from_thread(self.notify, str(e), title=t("ledger.refused"), severity="error", timeout=10)
            return
        self.app.call_from_thread(self.notify, t("ledger.done", number=n, action=t(f"ledger.action.{action}")))
        self._load()


def _iso(d: date | None) -> str:
    return d.isoformat() if d else "-"


# -- assigning: a department, then a person, picked from lists ---------------------------------

def _matches(text: str, *fields: str | None) -> bool:
    """Typing filters: every word typed is found in one of the fields (case ignored)."""
    hay = " ".join(f for f in fields if f).casefold()
    return all(w in hay for w in text.casefold().split())


class AssignDialog(TextDialog):
    """分派 (issue 25 item 13): the departments, then the people, each a list that typing filters.
    ↑ ↓ move, Enter picks; the first Enter picks the department, the second the person (or "no
    owner": the department alone); Esc on the people goes back to the departments. Returns
    ``(department, login or None)``; the service (``assign_issue``, through the table of issue
    actions) checks what is picked as it checks ``huifang issue assign``."""

    CSS_PATH = ["dialogs.tcss", "ledger.tcss"]
    BINDINGS = [
        Binding("down", "move(1)", t("assignpick.key.move"), show=False, id="assign_down"),
        Binding("up", "move(-1)", t("assignpick.key.move"), show=False, id="assign_up"),
    ]
    NO_OWNER = "\x00"  # the option id of "no owner" (never a login)

    def __init__(self, number: str, departments: list[tuple[str, list[str]]], people: list,
                 department: str, owner: str | None) -> None:
        super().__init__(t("assignpick.title_department", number=number), t("assignpick.hint_department"),
                         placeholder=t("assignpick.filter"))
        self.number, self.departments, self.people = number, departments, people
        self.current, self.owner = department, owner
        self.department: str | None = None  # picked: the people's stage

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide", id="assign-box"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title", id="assign-title")
            yield Input(placeholder=self.placeholder, compact=True, id="dialog-input")
            yield OptionList(id="assign-list")
            yield Static(Text(self.hint), classes="dialog-hint", id="assign-hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#assign-list").can_focus = False  # the filter keeps the keys: ↑ ↓ move the list
        self._fill()

    def _options(self) -> list:
        from textual.widgets.option_list import Option

        text = self.query_one("#dialog-input").value
        if self.department is None:
            out = []
            for name, heads in self.departments:
                if not _matches(text, name, *heads):
                    continue
                prompt = literal(name)
                if heads:
                    prompt.append("  " + t("assignpick.heads", names="、".join(heads)), style="dim")
                if name == self.current:
                    prompt.append("  " + t("assignpick.current"), style="italic cyan")
                out.append(Option(prompt, id=name))
            return out
        members = [p for p in self.people if p.department == self.department]
        others = [p for p in self.people if p.department != self.department]
        out = []
        if not text.strip():
            out.append(Option(Text(t("assignpick.no_owner"), style="italic"), id=self.NO_OWNER))
        for group, label in ((members, None), (others, t("assignpick.others"))):
            shown = [p for p in group if _matches(text, p.login, p.name, p.department, t(f"role.{p.role}"))]
            if shown and label is not None:
                out.append(Option(Text(label, style="bold dim"), disabled=True))
            for p in shown:
                prompt = literal(f"{p.name} ({p.login})" if p.name != p.login else p.login)
                prompt.append("  " + t(f"role.{p.role}"), style="dim")
                if p.department and p.department != self.department:
                    prompt.append(" · ", style="dim")
                    prompt.append_text(literal(p.department, style="dim"))
                if p.login == self.owner:
                    prompt.append("  " + t("assignpick.current"), style="italic cyan")
                out.append(Option(prompt, id=p.login))
        return out

    def _fill(self) -> None:
        box = self.query_one("#assign-list", OptionList)
        options = self._options()
        box.clear_options()
        box.add_options(options)
        ids = [o.id for o in options]
        keep = self.current if self.department is None else (self.owner if self.owner in ids else None)
        first = next((n for n, o in enumerate(options) if not o.disabled), None)
        box.highlighted = ids.index(keep) if keep is not None and keep in ids else first
        hint = t("assignpick.hint_department") if self.department is None else t("assignpick.hint_person")
        if not options:
            hint = t("assignpick.none_match")
        self.query_one("#assign-hint", Static).update(Text(hint))

    @on(Input.Changed, "#dialog-input")
    def _typed(self, _event: Input.Changed) -> None:
        self._fill()

    def action_move(self, step: int) -> None:
        box = self.query_one("#assign-list", OptionList)
        (box.action_cursor_down if step > 0 else box.action_cursor_up)()

    @on(OptionList.OptionSelected, "#assign-list")
    def _clicked(self, event: OptionList.OptionSelected) -> None:  # a mouse click picks too
        event.stop()
        self.query_one("#assign-list", OptionList).highlighted = event.option_index
        self.action_submit()

    def action_submit(self) -> None:
        box = self.query_one("#assign-list", OptionList)
        if box.highlighted is None or not box.option_count:
            return
        option = box.get_option_at_index(box.highlighted)
        if option.disabled or option.id is None:
            return
        if self.department is None:
            self.department = option.id
            self.query_one("#assign-title", Static).update(
                Text(t("assignpick.title_person", number=self.number, department=self.department), style="bold"))
            self.query_one("#dialog-input").value = ""  # Input.Changed fills the people's list
            self._fill()
            return
        self.dismiss((self.department, None if option.id == self.NO_OWNER else option.id))

    def action_cancel(self) -> None:
        if self.department is not None:  # back to the departments
            self.department = None
            self.query_one("#assign-title", Static).update(
                Text(t("assignpick.title_department", number=self.number), style="bold"))
            self.query_one("#dialog-input").value = ""
            self._fill()
            return
        self.dismiss(None)
