"""审计日志 — the audit viewer for supervisors (SPEC §6; issue 12 §4): who, what, when, which
customer; newest first, phones masked. Read only: nothing here edits or deletes an entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from ..core.i18n import t
from ..core.safe_text import literal
from ..widgets.cells import fit_row
from ..widgets.header import AppHeader
from ..widgets.keybar import KeyBar
from .live import LiveScreen, table_key

LIMIT = 500
WIDE = 100
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

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static(id="audit-status")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        width = self.app.size.width
        # below 100 columns the time without seconds (Enter shows them) leaves room for the
        # whole object ("callback HF202611001"); longer cells end in "…"
        self._narrow = width < WIDE
        # who: the display name; from 100 columns with the login too (issue 22 §15)
        cols = (("at", 11 if self._narrow else 14), ("login", 8 if self._narrow else 18), ("action", 16),
                ("entity", 20 if self._narrow else 14))
        fixed = sum(w for _, w in cols) + 2 * (len(cols) + 1) + 2
        for key, w in (*cols, ("detail", None)):
            table.add_column(t(f"audit.col.{key}"), key=key, width=w or max(8, width - fixed))
        super().on_mount()

    def fetch(self) -> object:
        from ..services.audit_log import audit_log

        f = self.audit_filter
        return audit_log(self.app.store, self.app.actor, login=f.login, action=f.action, customer=f.customer,
                         since=datetime.combine(f.since, time.min) if f.since else None,
                         until=datetime.combine(f.until, time.max) if f.until else None, limit=LIMIT), self.read_names()

    @on(LiveScreen.Loaded)
    def _loaded(self, event: LiveScreen.Loaded) -> None:
        self.rows, self.names = event.data
        table = self.query_one(DataTable)
        keep = table_key(table)
        table.clear()
        for i, r in enumerate(self.rows):
            at = r.at.strftime("%m-%d %H:%M" if self._narrow else "%m-%d %H:%M:%S")
            table.add_row(*fit_row(table, (Text(at), literal(self.who(r.login, room=not self._narrow)),
                                           Text(r.action, style="bold red" if r.action == "refused" else ""),
                                           literal(f"{r.entity} {r.entity_id}"), literal(r.after or r.before))),
                          key=str(i))
        if keep is not None and int(keep) < len(self.rows):
            table.move_cursor(row=int(keep))
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

    def action_detail(self) -> None:
        from .dialogs import MessageDialog

        key = table_key(self.query_one(DataTable))
        if key is None:
            return
        r = self.rows[int(key)]
        body = "\n".join([f"{r.at.isoformat(' ')}  {self.who(r.login, room=True)}  {r.action}", f"{r.entity} {r.entity_id}",
                          "", f"- {r.before}" if r.before else "", f"+ {r.after}" if r.after else ""])
        self.app.push_screen(MessageDialog(t("audit.title"), body))

    @on(DataTable.RowSelected)
    def _selected(self, _event: DataTable.RowSelected) -> None:
        self.action_detail()
