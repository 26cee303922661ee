"""审计日志 — the audit viewer for supervisors (SPEC §6; issue 12 §4): who, what, when, which
customer; newest first, phones masked. Read only: nothing here edits or deletes an entry.

Rows come in words from ``services.audit_log`` (issue 25 item 16): the action as people say it,
the entity by its name or number, the change field by field ("field: before → after"). Below
140 columns the selected row's changes stand under the table; Enter opens the whole entry in a
dialog that scrolls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from ..core.i18n import t
from ..core.safe_text import literal
from ..widgets.cells import fit_row
from ..widgets.header import AppHeader
from ..widgets.keybar import KeyBar
from .dialogs import MessageDialog
from .live import LiveScreen, table_key

LIMIT = 500
WIDE = 100
ACTION_MIN, ACTION_MAX = 8, 22  # the action column: its longest words, within these
DETAIL_FROM = 140  # the changes get a column of their own from here; below, the line under the table
FILTER_KEYS = ("login", "action", "customer", "since", "until")


@dataclass
class AuditFilter:
    login: str | None = None
    action: str | None = None
    customer: str | None = None
    since: date | None = None
    until: date | None = None

    def describe(self) -> str:
        parts = [f"{k}={getattr(self, k)}" for k in FILTER_KEYS if getattr(self, k)]
        return " ".join(parts) or t("audit.no_filter")


def parse_filter(text: str) -> AuditFilter:
    """``login=agent1 action=refused customer=甲公司 since=2026-11-01`` → AuditFilter. A bare
    word is taken as a login. Raises ValueError naming what it could not read."""
    from ..domain.timephrase import read_day

    f = AuditFilter()
    for word in text.split():
        key, sep, value = word.partition("=")
        if not sep:
            key, value = "login", word
        if key not in FILTER_KEYS or not value:
            raise ValueError(word)
        if key in ("since", "until"):
            setattr(f, key, read_day(value))
        else:
            setattr(f, key, value)
    return f


class AuditScreen(LiveScreen):
    TITLE_KEY = "audit.title"
    CSS_PATH = "audit.tcss"  # read when the screen is first shown, not at every start
    BINDINGS = [
        Binding("slash", "filter", t("key.filter"), id="audit_filter"),
        Binding("enter", "detail", t("key.open_detail"), id="audit_detail"),
        Binding("c", "clear", t("key.clear_filter"), id="audit_clear"),
        Binding("r", "reload", t("key.reload"), show=False, id="audit_reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.audit_filter = AuditFilter()
        self.rows: list = []
        self._narrow = False
        self._detail = False  # a column for the changes (wide terminals)
        self._action_width = 0

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static(id="audit-status")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="audit-info")
        yield KeyBar()

    def on_mount(self) -> None:
        # below 100 columns the time without seconds (Enter shows them); below DETAIL_FROM the
        # changes of the selected row under the table (#audit-info), not in a column a few cells wide
        self._narrow = self.app.size.width < WIDE
        self._detail = self.app.size.width >= DETAIL_FROM
        self._setup_columns(ACTION_MIN)
        self.query_one("#audit-info").display = not self._detail
        super().on_mount()

    def _setup_columns(self, action: int) -> None:
        """The columns, the action's as wide as its longest words (up to ``ACTION_MAX``: words
        are not cut at 80 columns); the object takes the rest."""
        action = max(action, cell_len(t("audit.col.action")))
        if action == self._action_width:
            return
        self._action_width = action
        table = self.query_one(DataTable)
        table.clear(columns=True)
        width = self.app.size.width
        # who: the display name; from 100 columns with the login too (issue 22 §15)
        cols = (("at", 11 if self._narrow else 14), ("login", 8 if self._narrow else 18), ("action", action),
                ("entity", 30 if self._detail else None))
        if self._detail:
            cols = (*cols, ("detail", None))
        fixed = sum(w or 0 for _, w in cols) + 2 * (len(cols) + 1) + 2
        for key, w in cols:
            table.add_column(t(f"audit.col.{key}"), key=key, width=w or max(8, width - fixed))

    def fetch(self) -> object:
        from ..services.audit_log import audit_log

        f = self.audit_filter
        return audit_log(self.app.store, self.app.actor, login=f.login, action=f.action, customer=f.customer,
                         since=datetime.combine(f.since, time.min) if f.since else None,
                         until=datetime.combine(f.until, time.max) if f.until else None, limit=LIMIT)  # people named by the service

    @on(LiveScreen.Loaded)
    def _loaded(self, event: LiveScreen.Loaded) -> None:
        self.rows = event.data
        table = self.query_one(DataTable)
        keep = table_key(table)
        self._setup_columns(min(ACTION_MAX, max((cell_len(r.action_text) for r in self.rows), default=ACTION_MIN)))
        table.clear()
        for i, r in enumerate(self.rows):
            at = r.at.strftime("%m-%d %H:%M" if self._narrow else "%m-%d %H:%M:%S")
            cells = [Text(at), literal(_person(r, room=not self._narrow)),
                     Text(r.action_text, style="bold red" if r.action.startswith("refused") else ""),
                     literal(r.subject)]
            if self._detail:
                cells.append(literal(r.change_text))
            table.add_row(*fit_row(table, cells), key=str(i))
        if keep is not None and int(keep) < len(self.rows):
            table.move_cursor(row=int(keep))
        self._render_info()
        status = t("audit.filters", what=self.audit_filter.describe()) + "  ·  " + t("audit.count", n=len(self.rows), limit=LIMIT)
        if not self.rows:
            status += "  ·  " + t("audit.empty")
        self.query_one("#audit-status", Static).update(literal(status))

    def action_filter(self) -> None:
        from .dialogs import TextDialog

        dialog = TextDialog(t("audit.filter_title"), t("audit.filter_hint"),
                            value="" if self.audit_filter.describe() == t("audit.no_filter") else self.audit_filter.describe())

        def done(text: str | None) -> None:
            if text is None:
                return
            try:
                self.audit_filter = parse_filter(text)
            except ValueError:
                self.notify(t("audit.bad_filter", text=text), severity="warning", timeout=8)
                return
            self.request_load()

        self.app.push_screen(dialog, done)

    def action_clear(self) -> None:
        self.audit_filter = AuditFilter()
        self.request_load()

    def _selected_row(self):  # noqa: ANN202
        key = table_key(self.query_one(DataTable))
        return self.rows[int(key)] if key is not None and int(key) < len(self.rows) else None

    def _render_info(self) -> None:
        """The selected row's changes under the table (below 100 columns), as many lines as fit."""
        r = self._selected_row()
        text = Text()
        if r is not None:
            text = literal(t("auditlog.sep").join(c.text() for c in r.changes) or t("auditlog.entry_none"))
        self.query_one("#audit-info", Static).update(text)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._render_info()

    def action_detail(self) -> None:
        r = self._selected_row()
        if r is not None:
            self.app.push_screen(AuditEntryDialog(entry_text(r, _person(r, room=True))))

    @on(DataTable.RowSelected)
    def _selected(self, _event: DataTable.RowSelected) -> None:
        self.action_detail()


def _person(r, room: bool) -> str:  # noqa: ANN001
    """Who acted, by name (the service names the system too), with the login where *room* allows."""
    return f"{r.who} ({r.login})" if room and r.who != r.login else r.who


def entry_text(r, who: str) -> Text:  # noqa: ANN001 - a services.audit_log.AuditRow
    """One audit entry whole: when, who, the action (and its code, which the filter takes), what,
    and every change on a line of its own. What people typed is shown literally."""
    out = Text()

    def line(label: str, value: str) -> None:
        out.append(t("auditlog.entry_label", label=label), style="bold")
        out.append_text(literal(value))
        out.append("\n")

    line(t("auditlog.entry_at"), r.at.isoformat(" ", timespec="seconds"))
    line(t("auditlog.entry_who"), who)
    line(t("auditlog.entry_action"), f"{r.action_text} ({r.action})" if r.action_text != r.action else r.action)
    line(t("auditlog.entry_subject"), r.subject)
    out.append(t("auditlog.entry_label", label=t("auditlog.entry_changes")), style="bold")
    out.append("\n")
    for c in r.changes or ():
        out.append("  ")
        out.append_text(literal(c.text()))
        out.append("\n")
    if not r.changes:
        out.append("  " + t("auditlog.entry_none") + "\n")
    out.rstrip()
    return out


class AuditEntryDialog(MessageDialog):
    """The whole of one audit entry; the text scrolls (arrows, PgUp/PgDn) when longer than the
    screen. Enter or Esc closes it."""

    CSS_PATH = ["dialogs.tcss", "audit.tcss"]

    def __init__(self, body: Text) -> None:
        super().__init__(t("auditlog.entry_title"), "")
        self.entry = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide", id="audit-entry"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            with VerticalScroll(id="audit-entry-body"):
                yield Static(self.entry)
            yield Static(t("auditlog.scroll_hint"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#audit-entry-body").focus()
