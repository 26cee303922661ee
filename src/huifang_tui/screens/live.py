"""A screen that reloads itself when another connection commits: the board and the audit log.

Every 2 s a worker reads ``PRAGMA data_version`` (one cheap statement, no table read) and reloads
only when another connection has committed; a full reload also runs once a minute, because overdue
and time-in-state move with the clock alone. Reassigning and the detail dialogs live here too,
as the board's drill-down and the audit log share them.
"""

from __future__ import annotations

from textual import on
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable

from ..core.i18n import t
from .background import WorkFailed, in_thread

POLL_SECONDS = 2.0
FULL_RELOAD_SECONDS = 60.0


class LiveScreen(Screen):
    """A screen that reloads when the database changes (data_version) and once a minute."""

    class Loaded(Message):
        def __init__(self, data: object, seq: int) -> None:
            super().__init__()
            self.data, self.seq = data, seq

    names: dict[str, str] = {}  # login → display name, read with the screen's data

    def __init__(self) -> None:
        super().__init__()
        self._dv: int | None = None
        self._loading = False  # one load at a time: a slow read never overwrites a newer one
        self._again = False  # a change (or a request) came in while loading: load once more after
        self._seq = 0

    def on_mount(self) -> None:
        self.request_load()
        self.set_interval(POLL_SECONDS, self._check_changes)
        self.set_interval(FULL_RELOAD_SECONDS, self.request_load)

    def action_reload(self) -> None:
        self.request_load()

    def read_names(self) -> dict[str, str]:
        """Every login's display name (worker thread): people are named as people know them."""
        from ..services.assignment import display_names

        return display_names(self.app.store, self.app.actor)

    def who(self, login: str | None, room: bool = False) -> str:
        """A person as people know them: the display name, with the login where *room* allows."""
        if not login:
            return ""
        name = self.names.get(login) or login
        return f"{name} ({login})" if room and name != login else name

    def request_load(self) -> None:
        """Load now, or right after the load in progress (UI thread only)."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        self._seq += 1
        self._load(self._seq)

    @in_thread("live-poll", exclusive=True)
    def _check_changes(self) -> None:
        version = self.app.store.data_version()
        if self._dv is not None and version != self._dv:
            self.app.call_from_thread(self.request_load)

    @in_thread("live-load")
    def _load(self, seq: int) -> None:
        version = self.app.store.data_version()  # first: a commit during the reads is not taken as seen
        data = self.fetch()
        self._dv = version
        self.post_message(self.Loaded(data, seq))

    def fetch(self) -> object:  # pragma: no cover - each screen reads its own data
        raise NotImplementedError

    def _load_done(self) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.request_load()

    @on(Loaded)
    def _loaded_any(self, event: Loaded) -> None:
        self._load_done()

    @on(WorkFailed)
    def _load_failed(self, event: WorkFailed) -> None:
        """A failed load still ends the load (the app shows the failure)."""
        if event.doing == "live-load":
            self._load_done()

    # -- reassigning (shared by the board and the drill-down) -----------------------------
    def ask_reassign(self, numbers: list[str], future_of: str | None = None) -> None:
        from .dialogs import TextDialog

        if not numbers:
            self.notify(t("board.err.nothing_selected"), severity="warning")
            return
        title = (t("board.reassign_future_title", customer=future_of) if future_of
                 else t("board.reassign_title", n=len(numbers)))

        def done(text: str | None) -> None:
            if text:
                login = None if text.strip().lower() in ("pool", "-", t("board.pool")) else text.strip()
                self._reassign(numbers, login, future_of is not None)

        self.app.push_screen(TextDialog(title, t("board.reassign_hint")), done)

    @in_thread("board-reassign")
    def _reassign(self, numbers: list[str], login: str | None, future: bool) -> None:
        from ..core.errors import ServiceError
        from ..services.board import reassign

        try:
            res = reassign(self.app.store, self.app.actor, numbers, login, customer_future=future)
        except ServiceError as e:
            self.app.call_from_thread(self.notify, str(e), severity="error", timeout=8)
            return
        to = res.to or t("board.pool")
        self.app.call_from_thread(self.notify, t("board.reassigned", n=len(res.moved), to=to))
        if res.skipped:
            detail = "; ".join(f"{n} {why}" for n, why in res.skipped[:5])
            self.app.call_from_thread(self.notify, t("board.reassign_skipped", n=len(res.skipped), detail=detail),
                                      severity="warning", timeout=8)
        self.app.call_from_thread(self.after_reassign)
        self.app.call_from_thread(self.request_load)

    def after_reassign(self) -> None:
        pass

    def show_detail(self, number: str, *, issue: bool = False) -> None:
        self._detail(number, issue)

    @in_thread("board-detail")
    def _detail(self, number: str, issue: bool) -> None:
        from ..core.errors import ServiceError
        from ..services.board import callback_detail, issue_detail
        from .dialogs import MessageDialog

        try:
            lines = (issue_detail if issue else callback_detail)(self.app.store, self.app.actor, number)
        except ServiceError as e:
            self.app.call_from_thread(self.notify, str(e), severity="warning", timeout=8)
            return
        body = "\n".join(f"{k}：{v}" for k, v in lines)
        title = t("board.issue.title_of", number=number) if issue else t("board.detail.title", number=number)
        self.app.call_from_thread(self.app.push_screen, MessageDialog(title, body))


def table_key(table: DataTable) -> str | None:
    if not table.row_count or table.cursor_row is None:
        return None
    try:
        return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
    except Exception:  # noqa: BLE001 - the cursor row may be gone after a reload
        return None
