"""客户回访汇总记录表 — the month's records, totals and sign-off (SPEC §4; issue 11 §1).

One row per record as on the paper form; month switching (p / n), filter by agent (a), the
totals and the score distribution in the footer. Enter edits a record, i enters a call or
visit made outside the queue, x exports, v approves (supervisors), s / m spot checks.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ..domain.follow_up import DEFAULT_THRESHOLD, is_low_score
from ..domain.kpi import Month
from ..core.i18n import t
from ..core.safe_text import literal
from ..widgets.header import AppHeader
from ..widgets.cells import ellipsize, fit_widths
from ..widgets.keybar import KeyBar
from .background import in_thread

PAGE_SIZE = 300
#: how often the screen asks whether another process committed (PRAGMA data_version, as the
#: queue and the board do); an approval, an amendment or a new version reloads at once, other
#: changes to a month not approved at most every STALE_SECONDS (the month is counted whole)
POLL_SECONDS, STALE_SECONDS = 2.0, 30.0
# While a large month is counted the screen shows its first rows: a terminal's height of them
# (adding all 300 of a page first doubles the time to the first useful frame).
EARLY_ROWS = 60
# (key, the most it takes; the customer takes the rest). Below 100 columns the ones in
# WIDE_ONLY go and the type and 跟进状态 are in their short forms (issue 16: nothing cut at 80
# columns). The headers are the paper form's words; its two scores share one column, "4/5"
# (问题解决效果/服务态度, issue 25 item 17).
COLUMNS = (("number", 12), ("day", 5), ("customer", None), ("contact", 10), ("phone", 11),
           ("kind", 12), ("channel", 8), ("scores", 3), ("issues", 11), ("follow_status", 11),
           ("agent", 8), ("late_entry", 3), ("amended", 4), ("note", 30))
WIDE_ONLY = ("contact", "phone", "issues", "channel", "note")
CUSTOMER_MIN = 10
HEADS = {"scores": "monthview.col.scores", "late_entry": "monthview.col.late", "day": "monthview.col.day",
         "amended": "report.amended_mark"}
#: below 100 columns: the type's header beside its short forms
NARROW_HEADS = {"kind": "monthview.col.kind"}
#: the 跟进状态 codes of domain.follow_up, each with its word below 100 columns
FOLLOW_CODES = ("needed", "in_progress", "done", "none")
#: shown only when a record of the month was corrected while it was amending (issue 22 §1)
ONLY_WHEN_AMENDED = "amended"
#: shown only when a record of the month was entered late (the footer counts them either way)
ONLY_WHEN_LATE = "late_entry"
#: the keys of a supervisor: approval and spot checks (services.report.approve and
#: services.spotcheck refuse anyone else); an agent is not offered them
SUPERVISOR_ACTIONS = ("approve", "spot_draw", "spot_mark")


@dataclass
class _Loaded:
    report: object  # services.report.MonthReport
    due_state: str
    spot: dict[str, bool | None]


def score_pair(resolution: int | None, attitude: int | None, threshold: int) -> Text:
    """The two scores of the paper form in one cell, "4/5" ("–" for one not given, nothing when
    neither is), each red when it is low."""
    if resolution is None and attitude is None:
        return Text("", justify="center")
    out = Text(justify="center")
    for i, v in enumerate((resolution, attitude)):
        if i:
            out.append("/")
        out.append("–" if v is None else str(v), style="bold red" if is_low_score(v, threshold) else "")
    return out


def shift(month: Month, delta: int) -> Month:
    i = month.year * 12 + month.month - 1 + delta
    return Month(i // 12, i % 12 + 1)


class MonthScreen(Screen):
    TITLE_KEY = "month.title"
    HELP_NOTE_KEY = "monthview.help"  # F1: the headers' words and what i enters
    CSS_PATH = "month.tcss"  # read when the screen is first shown, not at every start
    BINDINGS = [
        Binding("p", "month(-1)", t("month.key.prev"), id="month_prev"),
        Binding("n", "month(1)", t("month.key.next"), id="month_next"),
        Binding("a", "cycle_agent", t("month.key.agent"), id="month_agent"),
        Binding("enter", "edit", t("month.key.edit"), show=False, id="month_edit"),
        Binding("i", "adhoc", t("month.key.adhoc"), id="month_adhoc"),
        Binding("x", "export", t("month.key.export"), id="month_export"),
        Binding("v", "approve", t("month.key.approve"), id="month_approve"),
        Binding("s", "spot_draw", t("month.key.spot_draw"), show=False, id="month_spot_draw"),
        Binding("m", "spot_mark", t("month.key.spot_mark"), show=False, id="month_spot_mark"),
        Binding("y", "yearly", t("month.key.yearly"), show=False, id="month_yearly"),
        Binding("r", "reload", t("key.reload"), show=False, id="month_reload"),
        Binding("pagedown", "page(1)", t("key.next_page"), show=False, id="month_next_page"),
        Binding("pageup", "page(-1)", t("key.prev_page"), show=False, id="month_prev_page"),
        Binding("escape", "app.pop_screen", t("month.key.back"), id="month_back"),
    ]

    class Loaded(Message):
        def __init__(self, data: _Loaded) -> None:
            super().__init__()
            self.data = data

    def __init__(self, month: Month | None = None) -> None:
        super().__init__()
        self.month = month
        self.report = None
        self.due_state = ""
        self.spot: dict[str, bool | None] = {}
        self.agent_filter: str | None = None
        self.low_threshold = DEFAULT_THRESHOLD  # the policy's, read by the loading worker
        self.page = 0
        self._wide: int | None = None
        self._layout: list[tuple[str, int]] = []
        self._shown: list = []
        self._early: list = []  # the first page, shown while the whole month loads
        # set once the first page is on screen: the worker counts the month only then, so the
        # paint does not share the interpreter with a second of KPI arithmetic
        self._early_shown = threading.Event()
        self._dv: int | None = None  # the data_version the shown month was read at
        self._loaded_at = 0.0
        # 跟进状态 as the service words it → its short form below 100 columns (a record's own
        # state, e.g. 待回访, stays as it is)
        self._follow_short = {t(f"report.follow.{c}"): t(f"monthview.follow.{c}") for c in FOLLOW_CODES}

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static(id="month-status")
        yield DataTable(id="month-table", cursor_type="row", zebra_stripes=True)
        yield Static(t("month.empty"), id="month-empty")
        yield Static(id="month-footer")
        yield KeyBar()

    def on_mount(self) -> None:
        if self.month is None:
            today = self.app.today()
            self.month = Month(today.year, today.month)
        self.query_one("#month-empty").display = False
        self._setup_columns()
        self.action_reload()
        self.set_interval(POLL_SECONDS, self._check_changes)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A key is offered (key bar, F1) and answers only when the user may use it (issue 25,
        as item 20 for the ledger): approval and spot checks only to a supervisor."""
        if action in SUPERVISOR_ACTIONS:
            return self.app.actor.is_supervisor
        return True

    def on_resize(self) -> None:
        if self._wide != self.app.size.width:
            self._wide = self.app.size.width
            self._paint()

    def _columns(self) -> list[tuple[str, int | None]]:
        wide = (self._wide or 0) >= 100
        records = self._records()
        amended = any(getattr(r, "amended", False) for r in records)
        late = any(r.late_entry for r in records)
        return [(k, w) for k, w in COLUMNS if (wide or k not in WIDE_ONLY) and (amended or k != ONLY_WHEN_AMENDED)
                and (late or k != ONLY_WHEN_LATE)]

    def _setup_columns(self, rows: list[dict[str, Text]] | None = None) -> list[tuple[str, int]]:
        """Each column as wide as its header and widest cell (up to its cap), the customer the rest."""
        self._wide = width = self.app.size.width
        cols = self._columns()
        heads = {k: t(HEADS[k]) if k in HEADS else t(f"report.col.{k}") for k, _ in cols}
        if width < 100:
            heads.update({k: t(v) for k, v in NARROW_HEADS.items() if k in heads})
        caps = {k: w for k, w in cols if w}
        layout = fit_widths([k for k, _ in cols], heads, rows or [], caps, "customer", width, CUSTOMER_MIN)
        if layout != self._layout:
            self._layout = layout
            table = self.query_one(DataTable)
            table.clear(columns=True)
            for key, w in layout:
                table.add_column(heads[key], key=key, width=w)
        return layout

    # -- loading ----------------------------------------------------------------------
    def action_reload(self) -> None:
        self._early_shown.clear()
        self._load(self.month)

    class Page(Message):
        def __init__(self, month: Month, records: list) -> None:
            super().__init__()
            self.month, self.records = month, records

    @in_thread("month-load", exclusive=True)
    def _load(self, month: Month) -> None:
        from ..services import report as svc
        from ..services import spotcheck

        store, actor = self.app.store, self.app.actor
        self.low_threshold = svc.low_score_threshold(store)  # before any row is painted
        if self.report is None:  # a large month: show its first page while the totals are counted
            page = svc.first_page(store, actor, month, EARLY_ROWS)
            if page:
                self.post_message(self.Page(month, page))
                self._early_shown.wait(1.0)
        version = store.data_version()  # first: a commit during the reads is not taken as seen
        rep = svc.monthly_report(store, actor, month)
        self._dv, self._loaded_at = version, time.monotonic()
        due = svc.summary_state(store, month, store.today())
        spot = {s.number: s.accurate for s in spotcheck.sample(store, month)} if actor.is_supervisor else {}
        self.post_message(self.Loaded(_Loaded(rep, due, spot)))

    @in_thread("month-poll", exclusive=True)
    def _check_changes(self) -> None:
        """Another process committed (``report approve`` in another terminal, a call recorded):
        reload when the month's state moved, else (a month not approved) now and then."""
        from ..services import report as svc

        rep, seen = self.report, self._dv
        if rep is None or seen is None:
            return
        store = self.app.store
        version = store.data_version()
        if version == seen:
            return
        now = svc.status_of(store, rep.month)
        shown = rep.status
        moved = shown is None or (now.state, now.version) != (shown.state, shown.version)
        if moved or (now.state != svc.APPROVED and time.monotonic() - self._loaded_at >= STALE_SECONDS):
            self._dv = version  # one reload per change
            self.app.call_from_thread(self._reload_if, rep.month)

    def _reload_if(self, month: Month) -> None:
        if month == self.month:
            self.action_reload()

    @on(Page)
    def _on_page(self, event: Page) -> None:
        if event.month != self.month or self.report is not None:
            return
        self._early = event.records
        self._paint()
        self.call_after_refresh(self._early_shown.set)

    @on(Loaded)
    def _on_loaded(self, event: Loaded) -> None:
        if event.data.report.month != self.month:
            return  # an older load that finished late
        again = self.report is not None  # a reload: the cursor stays on its row
        table = self.query_one(DataTable)
        row = table.cursor_row
        self.report, self.due_state, self.spot = event.data.report, event.data.due_state, event.data.spot
        self._paint()
        if again and table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    # -- rendering --------------------------------------------------------------------
    def _records(self) -> list:
        if self.report is None:
            return self._early
        if self.agent_filter is None:
            return self.report.records
        return [r for r in self.report.records if r.login == self.agent_filter]

    def _cell(self, key: str, r) -> Text:
        if key == "day":
            return Text(r.day[5:])
        if key == "kind":
            return Text(t(f"kind.{r.kind}") if (self._wide or 0) >= 100 else t(f"kindshort.{r.kind}"))
        if key == "channel":
            return Text(t(f"channel.{r.channel}"))
        if key == "scores":  # 问题解决效果/服务态度, each red when low
            return score_pair(r.score_resolution, r.score_attitude, self.low_threshold)
        if key == "follow_status" and (self._wide or 0) < 100:
            return Text(self._follow_short.get(r.follow_status, r.follow_status))
        if key == "issues":
            return Text("、".join(r.issues))
        if key == "agent":
            names = self.report.agent_names if self.report else {}
            return literal(names.get(r.agent, r.agent))
        if key == "late_entry":
            return Text(t("report.yes") if r.late_entry else "")
        if key == "note":  # 备注 on one line: a 拒访's reason, the attempts' notes
            return literal(" / ".join(getattr(r, "note", "").splitlines()))
        if key == ONLY_WHEN_AMENDED:
            return Text(t("report.amended_mark") if r.amended else "", style="bold yellow")
        if key == "number":
            mark = {True: "✓", False: "✗"}.get(self.spot.get(r.number), "")
            if r.number in self.spot and not mark:
                mark = "?"
            return Text(r.number + mark)
        return literal(getattr(r, key))

    def _paint(self) -> None:
        table = self.query_one(DataTable)
        records = self._records()
        pages = max(1, (len(records) + PAGE_SIZE - 1) // PAGE_SIZE)
        self.page = min(self.page, pages - 1)
        shown = records[self.page * PAGE_SIZE : (self.page + 1) * PAGE_SIZE]
        self._shown = shown
        cols = [k for k, _ in self._columns()]
        rows = [{k: self._cell(k, r) for k in cols} for r in shown]
        layout = self._setup_columns(rows)
        table.clear()
        for r, cells in zip(shown, rows):
            table.add_row(*(ellipsize(cells[k], w) for k, w in layout), key=r.number)
        table.display = bool(shown)
        self.query_one("#month-empty").display = not shown
        self._render_status(len(records), pages)
        self._render_footer()

    def _render_status(self, count: int, pages: int) -> None:
        rep = self.report
        out = Text()
        out.append(t("month.heading", month=str(self.month)), style="bold")
        if rep is not None:
            out.append("  ")
            state = rep.status.state if rep.status else ""
            out.append(rep.state_text(short=True), style={"approved": "bold green", "amending": "bold yellow"}.get(state, ""))
            if self.due_state in ("due", "overdue") and self.app.actor.is_supervisor:
                out.append("  ")
                out.append(t(f"month.due.{self.due_state}"), style="bold yellow" if self.due_state == "due" else "bold red")
        out.append("  ·  " + t("month.count", n=count))
        if self.agent_filter:
            out.append("  ·  " + t("month.filter", agent=self._agent_label(self.agent_filter)))
        if pages > 1:
            out.append("  ·  " + t("queue.page", page=self.page + 1, pages=pages))
        self.query_one("#month-status", Static).update(out)

    def _agent_label(self, login: str) -> str:
        if login == "_pool":
            return t("report.pool")
        names = self.report.agent_names if self.report else {}
        return names.get(login, login)

    def _figures(self) -> dict | None:
        if self.report is None:
            return None
        if self.agent_filter is None:
            return self.report.overall
        return self.report.agents.get(self.agent_filter)

    def _render_footer(self) -> None:
        from ..exporting.sheets import totals_line

        figs = self._figures()
        footer = self.query_one("#month-footer", Static)
        if figs is None:
            footer.update(Text(t("month.counting"), style="italic") if self.report is None else "")
            return
        out = Text(totals_line(figs), no_wrap=False)
        counts = figs["score_counts"]
        out.append("\n" + t("month.dist", res=" ".join(str(n) for n in counts["resolution"]),
                           att=" ".join(str(n) for n in counts["attitude"])))
        footer.update(out)

    # -- actions ------------------------------------------------------------------------
    def action_month(self, delta: int) -> None:
        self.month = shift(self.month, delta)
        self.page, self.agent_filter, self.report, self._early = 0, None, None, []
        self._paint()
        self.action_reload()

    def action_cycle_agent(self) -> None:
        if self.report is None:
            return
        logins: list[str | None] = [None, *self.report.agents]
        i = logins.index(self.agent_filter) if self.agent_filter in logins else 0
        self.agent_filter = logins[(i + 1) % len(logins)]
        self.page = 0
        self._paint()

    def action_page(self, delta: int) -> None:
        self.page = max(0, self.page + delta)
        self._paint()

    def selected(self):
        table = self.query_one(DataTable)
        if not table.row_count or table.cursor_row is None:
            return None
        number = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return next((r for r in self._shown if r.number == number), None)

    @on(DataTable.RowSelected)
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        r = self.selected()
        if r is None:
            return
        if r.status != "completed":
            self.notify(t("form.not_completed", number=r.number, state=t(f"report.state.{r.status}")),
                        severity="warning")
            return
        from .record_form import RecordFormScreen

        self.app.push_screen(RecordFormScreen(number=r.number), self._form_done)

    def action_adhoc(self) -> None:
        from .record_form import RecordFormScreen

        self.app.push_screen(RecordFormScreen(), self._form_done)

    def _form_done(self, result: str | None) -> None:
        if result:
            self.notify(result)
            self.action_reload()

    def action_export(self) -> None:
        from .dialogs import TextDialog

        default = str(Path.cwd() / f"回访汇总表-{self.month}.xlsx")

        def done(text: str | None) -> None:
            if text:
                self._export(Path(text.strip()).expanduser())

        self.app.push_screen(TextDialog(t("month.export_title"), t("month.export_hint"), default), done)

    @in_thread("month-export")
    def _export(self, path: Path) -> None:
        from ..exporting.sheets import write_csv, write_xlsx
        from ..services import report as svc

        if path.suffix.lower() not in (".xlsx", ".csv"):
            self.app.call_from_thread(self.notify, t("report.err.out_ext", file=path), severity="warning")
            return
        from ..core.broker import failure_text
        from ..core.errors import ServiceError

        rep = svc.monthly_report(self.app.store, self.app.actor, self.month)
        try:
            (write_xlsx if path.suffix.lower() == ".xlsx" else write_csv)(path, rep)
        except (OSError, ServiceError) as e:  # the person's file: one plain line, nothing half-written
            msg = str(e) if isinstance(e, ServiceError) else failure_text(e, path)
            self.app.call_from_thread(self.notify, msg, severity="error", markup=False)
            return
        self.app.call_from_thread(self.notify, t("report.exported", file=path, n=len(rep.records)))

    def action_approve(self) -> None:
        from ..core.errors import Refused
        from ..services.report import AMENDING, check_approvable
        from .dialogs import ConfirmDialog, MessageDialog

        if not self.app.actor.is_supervisor:
            self.notify(t("err.permission", role=t(f"role.{self.app.actor.role}")), severity="warning")
            return
        month = self.month
        try:  # a month not over yet: the dialog says when approval opens (the service's rule)
            check_approvable(month, self.app.today())
        except Refused as e:
            self.app.push_screen(MessageDialog(t("month.approve_not_yet"), str(e)))
            return

        def done(yes: bool | None) -> None:
            if yes:
                self._approve(month)

        st = self.report.status if self.report is not None else None
        if st is not None and st.state == AMENDING:
            question = t("month.approve_confirm_amend", month=str(month), version=st.next_version)
        else:
            question = t("month.approve_confirm", month=str(month))
        self.app.push_screen(ConfirmDialog(question), done)

    @in_thread("month-approve")
    def _approve(self, month: Month) -> None:
        from ..core.errors import ServiceError
        from ..services import report as svc

        try:
            version = svc.approve(self.app.store, self.app.actor, month)
        except ServiceError as e:
            self.app.call_from_thread(self.notify, str(e), severity="warning", timeout=8)
            return
        self.app.call_from_thread(self.notify, t("report.approved_done", month=str(month), version=version))
        self._load(month)

    def action_spot_draw(self) -> None:
        from .dialogs import TextDialog

        month = self.month

        def done(text: str | None) -> None:
            if text:
                self._spot_draw(month, text)

        self.app.push_screen(TextDialog(t("month.spot_title", month=str(month)), t("month.spot_hint"), "5"), done)

    @in_thread("month-spot")
    def _spot_draw(self, month: Month, text: str) -> None:
        from ..core.errors import ServiceError
        from ..services import spotcheck

        try:
            drawn = spotcheck.draw(self.app.store, self.app.actor, month, int(text.strip()))
        except ValueError:
            self.app.call_from_thread(self.notify, t("spotcheck.err_n", value=text), severity="warning")
            return
        except ServiceError as e:
            self.app.call_from_thread(self.notify, str(e), severity="warning")
            return
        total = spotcheck.drawn_count(self.app.store, month)
        self.app.call_from_thread(self.notify, t("spotcheck.drawn", n=len(drawn), month=str(month), total=total))
        self._load(month)

    def action_spot_mark(self) -> None:
        from .dialogs import ConfirmDialog

        r = self.selected()
        if r is None:
            return
        if r.number not in self.spot:
            self.notify(t("spotcheck.not_drawn", number=r.number), severity="warning")
            return

        def done(yes: bool | None) -> None:
            if yes is not None:
                self._spot_mark(r.number, yes)

        self.app.push_screen(ConfirmDialog(t("month.spot_mark_q", number=r.number)), done)

    @in_thread("month-spot")
    def _spot_mark(self, number: str, accurate: bool) -> None:
        from ..core.errors import ServiceError
        from ..services import spotcheck

        try:
            spotcheck.mark(self.app.store, self.app.actor, number, accurate)
        except ServiceError as e:
            self.app.call_from_thread(self.notify, str(e), severity="warning")
            return
        self._load(self.month)

    def action_yearly(self) -> None:
        from .yearly import YearlyScreen

        self.app.push_screen(YearlyScreen(self.month.year))
