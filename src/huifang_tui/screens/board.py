"""主管看板 — the supervisor board (SPEC §4; issue 12), and the drill-down into one queue.

Refreshes by itself (``screens.live``): it reloads when another connection commits and once a minute.
"""

from __future__ import annotations

from datetime import date, timedelta

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from ..core.i18n import t, t_or
from ..core.safe_text import literal
from ..widgets.header import AppHeader
from ..widgets.cells import ellipsize, fit_row
from ..widgets.keybar import KeyBar
from .background import in_thread
from .live import LiveScreen, table_key

BAR = 10
OPTIONAL = ("bar", "projected")  # the agents' columns that give way, in this order, when the row is too wide
DAY_FIGURES = ("due", "attempted", "done", "left")  # the day's figures (services.figures), words dayfig.*
AGENT_NAME = 8  # cells of an agent's name on the board; longer ones end in "…"
ALERT_KINDS = ("overdue", "low_score_followup", "low_score", "unreachable", "issue_at_risk", "issue_escalated",
               "complaint", "summary_due", "stale", "disabled_owner", "disk_low", "supervisor_request", "notify_failed",
               "notify_sender")
FULL_ALERTS = 120  # from here the alerts' full names; below, the catalog's short ones (alertshort.*)
ALERT_AGENT, ALERT_AGENT_WIDE = 8, 18  # the alerts' agent column: the name; from FULL_ALERTS name (login)


def duration(seconds: float) -> str:
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return t("board.dur.m", n=minutes)
    return t("board.dur.h", h=minutes // 60, m=minutes % 60)


def age_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return t("board.age_s", n=seconds) if seconds < 120 else t("board.age_m", n=seconds // 60)


def bar(done: int, due: int, width: int = BAR) -> Text:
    filled = 0 if due <= 0 else min(width, round(done / due * width))
    out = Text("█" * filled, style="green")
    out.append("░" * (width - filled), style="dim")
    return out



class BoardScreen(LiveScreen):
    TITLE_KEY = "board.title"
    HELP_NOTE_KEY = "boardhelp.note"  # F1: what the agents' columns and the state say
    _rest_day = False  # the day shown is not a working day (read with the board; issue 25 item 15)
    CSS_PATH = "board.tcss"  # read when the screen is first shown, not at every start
    BINDINGS = [
        Binding("enter", "open", t("key.drill"), id="board_open"),
        # on an alert Enter shows it in full (a request's dialog decides it): its own words
        Binding("enter", "open_alert", t("key.open_detail"), id="board_open_alert"),
        Binding("space", "mark", t("key.mark"), id="board_mark"),
        Binding("t", "reassign", t("key.reassign"), id="board_reassign"),
        Binding("f", "reassign_future", t("key.reassign_future"), show=False, id="board_reassign_future"),
        Binding("x", "lapse", t("key.lapse"), id="board_lapse"),
        Binding("l", "app.switch_mode('ledger')", t("ledger.key.ledger"), show=False, id="board_ledger"),
        Binding("m", "app.open_month", t("month.key.open"), show=False, id="board_month"),
        Binding("left_square_bracket", "day(-1)", t("key.prev_day"), show=False, id="board_prev_day"),
        Binding("right_square_bracket", "day(1)", t("key.next_day"), show=False, id="board_next_day"),
        Binding("r", "reload", t("key.reload"), show=False, id="board_reload"),
        # an agent's request (改约/推迟 past the deadline) under the cursor: one key each (issue 25 item 5),
        # offered (key bar, F1) only there (``check_action``)
        Binding("a", "approve_request", t("requests.key.approve"), id="board_approve_request"),
        Binding("n", "refuse_request", t("requests.key.refuse"), id="board_refuse_request"),
    ]
    REQUEST_ACTIONS = ("approve_request", "refuse_request")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter's words follow the table the cursor is in (an agent's queue, an alert's details);
        ``a``/``n`` are offered and answer only on a request alert."""
        if action not in ("open", "open_alert", *self.REQUEST_ACTIONS) or not self.is_mounted:
            return True
        on_alerts = self._focused_table().id == "board-alerts"
        if action == "open":
            return not on_alerts
        if action == "open_alert":
            return on_alerts
        alert = self._alert_at_cursor() if on_alerts else None
        return alert is not None and alert.kind == "supervisor_request"

    def _keys_changed(self) -> None:
        self.refresh_bindings()
        self.query_one(KeyBar).refresh()

    @on(DataTable.RowHighlighted)
    def _cursor_moved(self, _event: DataTable.RowHighlighted) -> None:
        self._keys_changed()

    def on_descendant_focus(self, _event) -> None:  # noqa: ANN001
        self._keys_changed()

    def __init__(self) -> None:
        super().__init__()
        self.day: date | None = None
        self.board = None
        self.marked: set[str] = set()
        self._alert_words = "alertshort"  # set for the width at mount
        self._shown: set[str] = set(OPTIONAL)  # of OPTIONAL, the agents' columns that fit (the width at mount)

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static(id="board-status")
        yield DataTable(id="board-agents", cursor_type="row")
        yield Static(id="board-alerts-title")
        yield DataTable(id="board-alerts", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        agents = self.query_one("#board-agents", DataTable)
        # The day's figures under the words the queue, `t` and the day close use (issue 25 item 1);
        # the bar (the day handled) and the projection give way when the row is wider than the screen.
        cols = [(key, w, t(f"dayfig.{key}") if key in DAY_FIGURES else t(f"board.col.{key}"))
                for key, w in (("agent", AGENT_NAME), ("state", 11), *((k, 3) for k in DAY_FIGURES), ("overdue", 4),
                               ("unreachable", 4), ("scores", 7), ("bar", BAR), ("projected", 4))]
        for drop in (None, *OPTIONAL):
            cols = [c for c in cols if c[0] != drop]
            if sum(max(w, cell_len(head)) + 2 for _, w, head in cols) + 1 <= self.app.size.width:
                break
        self._shown = {key for key, _, _ in cols} & set(OPTIONAL)
        for key, w, head in cols:
            agents.add_column(head, key=key, width=max(w, cell_len(head)))
        alerts = self.query_one("#board-alerts", DataTable)
        width = self.app.size.width
        self._alert_words = "board.alert" if width >= FULL_ALERTS else "alertshort"
        kind = max(cell_len(x) for x in [t("board.col.kind"), *(t(f"{self._alert_words}.{k}") for k in ALERT_KINDS)])
        agent = ALERT_AGENT_WIDE if width >= FULL_ALERTS else ALERT_AGENT  # room for the login too
        for key, w in (("mark", 1), ("kind", kind), ("number", 11), ("customer", None), ("agent", agent), ("since", 11)):
            label = "" if key == "mark" else t(f"board.col.{key}")
            alerts.add_column(label, key=key, width=w or max(8, width - 44 - agent - kind))
        self.set_interval(1.0, self._tick_age)
        super().on_mount()

    def fetch(self) -> object:
        from ..services.board import board

        from ..services.calendar import is_working_day

        # a rest day (weekend, holiday) is said so on the status line: its 0 % is no shortfall
        self._rest_day = not is_working_day(self.app.store, self.app.actor, self.day or self.app.today())
        return board(self.app.store, self.app.actor, self.day), self.read_names()

    @on(LiveScreen.Loaded)
    def _loaded(self, event: LiveScreen.Loaded) -> None:
        self.board, self.names = event.data
        self.marked &= {a.number for a in self.board.alerts}
        self._paint()
        self._keys_changed()  # the alert under the cursor may be another now

    # -- rendering ------------------------------------------------------------------------
    def _paint(self) -> None:
        b = self.board
        agents = self.query_one("#board-agents", DataTable)
        keep = table_key(agents)
        agents.clear()
        for r in [*b.rows, b.pool]:
            f = r.figures
            name = ellipsize(literal(r.name if r.login != "_pool" else t("board.pool"), style="" if r.active else "dim"),
                             AGENT_NAME)
            pool = r.login == "_pool"
            day = [Text("" if pool and k in ("attempted", "done") else str(n), justify="right")
                   for k, n in zip(DAY_FIGURES, (f.due, f.attempted, f.done, f.left))]
            handled = [bar(f.due - f.left, f.due) if not pool else Text("")] if "bar" in self._shown else []
            projected = Text(f"{round(r.projected * 100)}%" if r.projected is not None else "", justify="right")
            agents.add_row(
                name, self._state(r), *day,
                Text(str(f.overdue), style="bold red" if f.overdue else "", justify="right"),
                Text(str(f.unreachable), style="bold yellow" if f.unreachable else "", justify="right"),
                Text(_avg(r.avg_resolution, r.avg_attitude)), *handled,
                *([projected] if "projected" in self._shown else []),
                key=r.login,
            )
        agents.styles.height = len(b.rows) + 2
        if keep is not None:
            try:
                agents.move_cursor(row=agents.get_row_index(keep))
            except Exception:  # noqa: BLE001 - that login left the board
                pass
        self._render_alerts()
        self._tick_age()

    def _render_alerts(self) -> None:
        b = self.board
        table = self.query_one("#board-alerts", DataTable)
        keep = table_key(table)
        table.clear()
        seen: set[str] = set()
        for a in b.alerts:
            key = f"{a.kind}:{a.number}"
            if key in seen:
                continue
            seen.add(key)
            if a.until is not None and a.until > b.now:  # a countdown (low-score follow-up: 24 h)
                left = (a.until - b.now).total_seconds()
                when = Text(t("board.alert.left", t=duration(left)), style="bold red" if left < 4 * 3600 else "bold yellow")
            else:
                when = Text(a.since.strftime("%m-%d %H:%M"))
            style = "bold red" if a.kind in ("low_score", "low_score_followup", "complaint", "issue_escalated", "disk_low") else ""
            table.add_row(*fit_row(table, (Text("✓" if a.number in self.marked else ""),
                                           Text(self._alert_name(a.kind), style=style), Text(a.number),
                                           literal(a.customer or a.detail),
                                           literal(self._alert_person(a)),
                                           when)), key=key)
        if keep is not None and keep in seen:
            table.move_cursor(row=table.get_row_index(keep))
        title = t("board.alerts_title", n=len(b.alerts)) if b.alerts else t("board.no_alerts")
        if self.marked:
            title += "  ·  " + t("board.marked", n=len(self.marked))
        self.query_one("#board-alerts-title", Static).update(Text(title, style="bold"))

    def _alert_person(self, a) -> str:  # noqa: ANN001
        """Whose the alert is: the agent or the issue's owner by name; the monthly summary is owed by
        the supervisors, who approve it (issue 25 item 15: never "the pool"); the pool for
        unassigned work; nobody for the disk."""
        if a.kind == "summary_due":
            return t("role.supervisor")
        return self.who(a.agent, self.app.size.width >= FULL_ALERTS) or ("" if a.data else t("board.pool"))

    def _alert_name(self, kind: str) -> str:
        return t_or(f"{self._alert_words}.{kind}", f"board.alert.{kind}")

    def _state(self, r) -> Text:
        if r.state == "pool":
            return Text(t("board.pool_state"))
        label = t(f"board.{r.state}")
        if r.state in ("calling", "idle") and r.state_since is not None:
            label += " " + duration((self.board.now - r.state_since).total_seconds())
        style = {"calling": "bold green", "closed": "dim"}.get(r.state, "")
        if not r.active:
            label = t("board.inactive").strip("（）() ") or label
            style = "bold red"
        return Text(label, style=style)

    def _tick_age(self) -> None:
        b = self.board
        if b is None:
            return
        age = age_text((self.app.now() - b.now).total_seconds())
        if b.day < b.now.date():
            text = t("board.status_past", date=b.day.isoformat(), age=age)
        else:
            text = t("board.status", date=b.day.isoformat(), age=age, n=len(b.rows))
        if self._rest_day:  # issue 25 item 15: a weekend or holiday says so, beside its figures
            text = t("boardday.rest_day", status=text, weekday=t(f"boardday.weekday.{b.day.weekday()}"))
        self.query_one("#board-status", Static).update(text)

    # -- actions ---------------------------------------------------------------------------
    def _focused_table(self) -> DataTable:
        focused = self.focused
        return focused if isinstance(focused, DataTable) else self.query_one("#board-agents", DataTable)

    def _alert_at_cursor(self):
        key = table_key(self.query_one("#board-alerts", DataTable))
        if key is None or self.board is None:
            return None
        kind, _, number = key.partition(":")
        return next((a for a in self.board.alerts if a.kind == kind and a.number == number), None)

    def action_open_alert(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        table = self._focused_table()
        if table.id == "board-agents":
            login = table_key(table)
            if login:
                self.app.push_screen(AgentQueueScreen(login, self.day))
            return
        alert = self._alert_at_cursor()
        if alert is not None and alert.kind == "summary_due":
            from ..domain.kpi import Month
            from .month import MonthScreen

            # the alert's month's 客户回访汇总记录表, where it is approved (or its amendment)
            self.app.push_screen(MonthScreen(Month.parse(alert.number)))
            return
        if alert is not None and alert.kind == "supervisor_request":
            from .requests import RequestDetail

            def decided(choice: str | None) -> None:  # a / n in the dialog: what the board's keys do
                if choice == "approve":
                    self._approve(alert.data["request"], alert.number)
                elif choice == "refuse":
                    self._ask_refuse(alert)

            self.app.push_screen(RequestDetail(alert.number, self.who(alert.agent, True) or "", alert.customer,
                                               alert.detail, alert.data.get("moves")), decided)
            return
        if alert is not None and alert.kind == "notify_failed":  # what was not sent, where, the last answer
            from ..services.notify import failed_advice
            from .dialogs import MessageDialog

            d = alert.data
            self.app.push_screen(MessageDialog(t("notifysend.alert_title", id=d["notification"]), t(
                "notifysend.alert_body", kind=t(f"notify.kind.{d['notify_kind']}"), channel=d["channel"],
                title=d["title"], attempts=d["attempts"], failed_at=f"{alert.since:%Y-%m-%d %H:%M}",
                answer=d["answer"] or t("notifysend.no_answer"),
                advice=failed_advice(self.app.actor, d["notification"], d["channel"]))))
            return
        if alert is not None and alert.kind == "notify_sender":  # why the sender cannot send, whole
            from .dialogs import MessageDialog

            self.app.push_screen(MessageDialog(t("board.alert.notify_sender"), alert.detail))
            return
        if alert is not None and alert.number:
            self.show_detail(alert.number, issue=alert.kind in ("complaint", "issue_at_risk", "issue_escalated"))

    @on(DataTable.RowSelected)
    def _selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_mark(self) -> None:
        alert = self._alert_at_cursor()
        if alert is None or self.focused is not self.query_one("#board-alerts"):
            return
        self.marked ^= {alert.number}
        row = self.query_one("#board-alerts", DataTable).cursor_row
        self._render_alerts()
        self.query_one("#board-alerts", DataTable).move_cursor(row=min(row + 1, max(0, len(self.board.alerts) - 1)))

    def _selected_numbers(self) -> list[str]:
        if self._focused_table().id == "board-agents":
            login = table_key(self._focused_table())
            return self._agent_numbers(login) if login else []
        if self.marked:
            return sorted(self.marked)
        alert = self._alert_at_cursor()
        return [alert.number] if alert is not None else []

    def _agent_numbers(self, login: str) -> list[str]:
        """Every open callback of that login due by the day (for moving a whole queue)."""
        from ..services.board import agent_queue

        rows = agent_queue(self.app.store, self.app.actor, login, self.day)
        return [r.number for r in rows if (r.agent or "_pool") == login]

    def action_reassign(self) -> None:
        self.ask_reassign(self._selected_numbers())

    def action_reassign_future(self) -> None:
        alert = self._alert_at_cursor()
        if alert is None or self._focused_table().id != "board-alerts":
            return
        self.ask_reassign([alert.number], future_of=alert.customer)

    def after_reassign(self) -> None:
        self.marked.clear()

    def action_lapse(self) -> None:
        """Close stale work as lapsed (逾期未回访) with a reason: the marked alerts or the one under
        the cursor (SPEC §7; services.stale.lapse refuses anything not past its deadline)."""
        from .dialogs import TextDialog

        if self._focused_table().id != "board-alerts":
            return
        numbers = [n for n in self._selected_numbers() if n.startswith("HF")]
        if not numbers:
            self.notify(t("board.err.nothing_selected"), severity="warning")
            return

        def done(reason: str | None) -> None:
            if reason:
                self._lapse(numbers, reason)

        self.app.push_screen(TextDialog(t("board.lapse_title", n=len(numbers)), t("board.lapse_hint")), done)

    @in_thread("board-lapse")
    def _lapse(self, numbers: list[str], reason: str) -> None:
        from ..core.errors import ServiceError
        from ..services.stale import lapse

        try:
            done = lapse(self.app.store, self.app.actor, numbers, reason)
        except ServiceError as e:
            self.app.call_from_thread(self.notify, str(e), severity="error", timeout=8)
            return
        self.app.call_from_thread(self.notify, t("board.lapsed", n=len(done)))
        self.app.call_from_thread(self.after_reassign)
        self.app.call_from_thread(self.request_load)

    # -- requests to the supervisor (issue 25 item 5) -------------------------------------
    def _request_at_cursor(self):
        """The request alert under the cursor of the alerts table, else None (and a notice)."""
        alert = self._alert_at_cursor() if self._focused_table().id == "board-alerts" else None
        if alert is None or alert.kind != "supervisor_request":
            self.notify(t("requests.err.not_a_request"), severity="warning")
            return None
        return alert

    def action_approve_request(self) -> None:
        alert = self._request_at_cursor()
        if alert is not None:
            self._approve(alert.data["request"], alert.number)

    @in_thread("board-request")
    def _approve(self, request_id: int, number: str) -> None:
        from ..core.errors import ServiceError
        from ..services.requests import approve

        try:
            _view, said = approve(self.app.store, self.app.actor, request_id)
        except ServiceError as e:  # changed meanwhile (closed, reassigned, in a call), decided already
            self.app.call_from_thread(self.notify, str(e), title=t("requests.key.approve"), severity="error",
                                      timeout=12, markup=False)
            self.app.call_from_thread(self.request_load)
            return
        self.app.call_from_thread(self.notify, t("requests.approved", number=number, said=said), timeout=8,
                                  markup=False)
        self.app.call_from_thread(self.request_load)

    def action_refuse_request(self) -> None:
        alert = self._request_at_cursor()
        if alert is not None:
            self._ask_refuse(alert)

    def _ask_refuse(self, alert) -> None:  # noqa: ANN001
        from .requests import OptionalReasonDialog

        request_id, number = alert.data["request"], alert.number

        def done(reason: str | None) -> None:
            if reason is not None:
                self._refuse(request_id, number, reason)

        self.app.push_screen(OptionalReasonDialog(t("requests.refuse_title", number=number),
                                                  t("requests.refuse_hint")), done)

    @in_thread("board-request")
    def _refuse(self, request_id: int, number: str, reason: str) -> None:
        from ..core.errors import ServiceError
        from ..services.requests import refuse

        try:
            refuse(self.app.store, self.app.actor, request_id, reason)
        except ServiceError as e:
            self.app.call_from_thread(self.notify, str(e), title=t("requests.key.refuse"), severity="error",
                                      timeout=12, markup=False)
            self.app.call_from_thread(self.request_load)
            return
        self.app.call_from_thread(self.notify, t("requests.refused", number=number), timeout=8)
        self.app.call_from_thread(self.request_load)

    def action_day(self, delta: int) -> None:
        base = self.day or self.app.today()
        self.day = base + timedelta(days=delta)
        if self.day >= self.app.today():
            self.day = None  # today: overdue at now
        self.request_load()


def _avg(r: float | None, a: float | None) -> str:
    if r is None or a is None:
        return "—"
    return f"{r:.1f}/{a:.1f}"


class AgentQueueScreen(LiveScreen):
    """One agent's queue (or the pool) as the supervisor sees it: mark, reassign, details."""

    TITLE_KEY = "board.title"
    CSS_PATH = "board.tcss"  # read when the screen is first shown, not at every start
    BINDINGS = [
        Binding("escape", "back", t("key.back"), id="drill_back"),
        Binding("enter", "detail", t("key.open_detail"), id="drill_detail"),
        Binding("space", "mark", t("key.mark"), id="drill_mark"),
        Binding("t", "reassign", t("key.reassign"), id="drill_reassign"),
        Binding("f", "reassign_future", t("key.reassign_future"), id="drill_reassign_future"),
        Binding("r", "reload", t("key.reload"), show=False, id="drill_reload"),
    ]

    def __init__(self, login: str, day: date | None = None) -> None:
        super().__init__()
        self.login, self.day = login, day
        self.rows: list = []
        self.marked: set[str] = set()

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static(id="drill-status")
        yield DataTable(id="drill-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        width = self.app.size.width
        for key, w in (("mark", 1), ("number", 11), ("kind", 10), ("customer", None), ("phone", 11),
                       ("deadline", 10)):
            label = "" if key == "mark" else t(f"queue.col.{key}")
            table.add_column(label, key=key, width=w or max(8, width - 65))
        super().on_mount()

    def fetch(self) -> object:
        from ..services.board import agent_queue

        return agent_queue(self.app.store, self.app.actor, self.login, self.day), self.read_names()

    @on(LiveScreen.Loaded)
    def _loaded(self, event: LiveScreen.Loaded) -> None:
        self.rows, self.names = event.data
        self.marked &= {r.number for r in self.rows}
        self._paint()

    def _paint(self) -> None:
        table = self.query_one(DataTable)
        keep = table_key(table)
        table.clear()
        for r in self.rows:
            table.add_row(*fit_row(table, (Text("✓" if r.number in self.marked else ""),
                                           Text(r.number, style="bold red" if r.overdue else ""),
                                           Text(t(f"kind.{r.kind}") if self.app.size.width >= 100
                                                else t(f"kindshort.{r.kind}")), literal(r.customer), Text(r.phone_masked),
                                           Text(r.deadline_iso[:10]))), key=r.number)
        if keep is not None and keep in {r.number for r in self.rows}:
            table.move_cursor(row=table.get_row_index(keep))
        who = t("board.pool") if self.login == "_pool" else self.who(self.login, room=True)
        day = (self.day or self.app.today()).isoformat()
        status = t("board.drill_title", who=who, date=day)
        if self.marked:
            status += "  ·  " + t("board.marked", n=len(self.marked))
        if not self.rows:
            status += "  ·  " + t("board.empty_queue")
        self.query_one("#drill-status", Static).update(literal(status))

    def _current(self) -> str | None:
        return table_key(self.query_one(DataTable))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_detail(self) -> None:
        number = self._current()
        if number:
            self.show_detail(number)

    @on(DataTable.RowSelected)
    def _selected(self, _event: DataTable.RowSelected) -> None:
        self.action_detail()

    def action_mark(self) -> None:
        number = self._current()
        if number is None:
            return
        self.marked ^= {number}
        row = self.query_one(DataTable).cursor_row
        self._paint()
        self.query_one(DataTable).move_cursor(row=min(row + 1, len(self.rows) - 1))

    def action_reassign(self) -> None:
        numbers = sorted(self.marked) or ([self._current()] if self._current() else [])
        self.ask_reassign(numbers)

    def action_reassign_future(self) -> None:
        number = self._current()
        row = next((r for r in self.rows if r.number == number), None)
        if row is not None:
            self.ask_reassign([row.number], future_of=row.customer)

    def after_reassign(self) -> None:
        self.marked.clear()


__all__ = ["AgentQueueScreen", "BoardScreen", "age_text", "bar", "duration"]
