"""The Textual app: modes, global keys, the header, opening a call, and the one place a failed worker is shown.

Screens live in ``screens/``; their workers report failures through ``screens/background.py``.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from collections import deque
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import App
from textual.binding import Binding

from .core import config
from .core.errors import ServiceError
from .core.i18n import t
from .core.identity import Actor
from .screens.background import WorkFailed, reporting

if TYPE_CHECKING:
    from .services.base import Store


def _queue_screen():  # noqa: ANN202 - imported on first use, keeps start-up light
    from .screens.queue import QueueScreen

    return QueueScreen()


def _board_screen():  # noqa: ANN202
    from .screens.board import BoardScreen

    return BoardScreen()


def _audit_screen():  # noqa: ANN202
    from .screens.audit import AuditScreen

    return AuditScreen()


def _ledger_screen():  # noqa: ANN202
    from .screens.ledger import LedgerScreen

    return LedgerScreen()


class HuifangApp(App):
    CSS_PATH = "app.tcss"
    MODES = {"queue": _queue_screen, "board": _board_screen, "audit": _audit_screen, "ledger": _ledger_screen}
    DEFAULT_MODE = "queue"  # the first screen is the queue itself: one full paint, not two
    TITLE = t("app.title")
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("f1", "help", t("key.help"), id="help"),
        Binding("question_mark", "help", t("key.help"), show=False, id="help_alt"),
        Binding("f2", "switch_mode('queue')", t("key.queue"), show=False, id="mode_queue"),
        Binding("f3", "supervise('board')", t("key.board"), show=False, id="mode_board"),
        Binding("f4", "supervise('audit')", t("key.audit"), show=False, id="mode_audit"),
        Binding("ctrl+q", "quit", t("key.quit"), priority=True, id="quit"),
    ]

    def __init__(self, store: Store | str, actor: Actor, *, clock: Callable[[], datetime] | None = None,
                 cursor_blink: bool = True, first_paint: tuple | None = None, resume_gc: bool = False):
        """``store`` is a Store, or a database URL whose Store (and ORM) is made on first use, off
        the UI thread. ``first_paint`` is a fast read-only queue snapshot for the first screen.
        ``resume_gc``: the caller turned the garbage collector off for the start; turn it back
        on once the app is up. Supervisors and admins open on the board (SPEC §4), agents on
        their queue."""
        if actor.is_supervisor:
            self.DEFAULT_MODE = "board"
        super().__init__(driver_class=_locked_driver())
        from textual import constants

        if constants.COLOR_SYSTEM == "standard":
            # 16 colours (TEXTUAL_COLOR_SYSTEM=standard, e.g. some SSH terminals): the theme made
            # of the terminal's own ANSI colours reads better than truecolor squeezed into 16.
            self.theme = "ansi-dark"
        self._store: Store | None = None if isinstance(store, str) else store
        self._url = store if isinstance(store, str) else store.url
        self._clock = clock
        self._store_lock = threading.Lock()
        self.actor = actor
        self.cursor_blink = cursor_blink  # off for snapshots: a blinking cursor is not reproducible
        self.first_paint = first_paint
        self._resume_gc = resume_gc
        self._opening = False
        if clock is not None and self._store is not None:
            self._store.clock = clock
        self.title_parts = dict(user=actor.name or actor.login, role=t(f"role.{actor.role}"),
                                date=self.today().isoformat(), db=config.display_db(self._url))
        self.sub_title = t("app.subtitle", **self.title_parts)  # widgets/header.py fits it

    last_active: datetime | None = None  # the person's last key or click (store clock)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            await self._key_in_order(event)
            return
        if isinstance(event, events.MouseDown) and not event.is_forwarded:
            self._person_active()
        await super().on_event(event)

    # -- keys in the order typed (issue 25 item 10) -------------------------------------
    # Textual hands a key to the widget focused when the app reads it; Tab and Enter move the focus
    # only once the key has bubbled back up to the app (the bindings), or later still (Input's
    # Submitted → the form's focus_next). Keys that came in the same burst (a paste, a fast typist)
    # were read before that and went to the old field. So a key that may move the focus or change
    # the screen holds the keys after it until every widget has handled what it was sent.
    _keys_held: deque[events.Key] | None = None
    _key_released: events.Key | None = None
    _keys_waiter: asyncio.Task | None = None
    KEY_HOLD_MAX = 1.0  # seconds: a widget that never answers does not stop the keyboard
    OPEN_HOLD_MAX = 5.0  # seconds: while Enter on the queue claims a call, the keys after it are the call's

    async def _key_in_order(self, event: events.Key) -> None:
        if self._keys_held is None:
            self._keys_held = deque()
        if event is self._key_released:
            self._key_released = None
        elif self._keys_waiter is not None or self._key_released is not None or self._keys_held:
            self._keys_held.append(event)
            return
        from textual.widgets import Input, TextArea

        # a character typed into a text field changes only that field: the next key waits for it alone
        field = self.focused if event.is_printable and isinstance(self.focused, Input | TextArea) else None
        self._person_active()
        try:
            await super().on_event(event)
        finally:
            self._keys_waiter = asyncio.create_task(self._release_keys_when_quiet(field))

    @property
    def keys_pending(self) -> bool:
        """Keys read but not yet handed on (held behind one still being handled)."""
        return bool(self._keys_held) or self._keys_waiter is not None or self._key_released is not None

    def _release_next_key(self) -> None:
        if self._keys_held and self._key_released is None:
            self._key_released = self._keys_held.popleft()
            if not self.post_message(self._key_released):
                self._key_released = None

    async def _release_keys_when_quiet(self, field=None) -> None:  # noqa: ANN001
        try:
            await self._quiet(asyncio.get_running_loop().time() + self.KEY_HOLD_MAX, field)
        finally:
            self._keys_waiter = None
            self._release_next_key()

    async def _quiet(self, deadline: float, field=None) -> None:  # noqa: ANN001
        """Until the app and every widget of the screen on top (or only ``field``) have handled the
        messages they hold, and no more came while they did (rounds of a callback at the end of
        each queue)."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        while loop.time() < deadline and not self._closing:
            if field is None and (self._opening or self._key_workers_running()):
                # a call being claimed, or a save whose answer may be a dialog (workers): it comes next
                deadline = max(deadline, start + self.OPEN_HOLD_MAX)
                await asyncio.sleep(0.02)
                continue
            try:
                nodes = [field] if field is not None else [self, *self.screen.walk_children(with_self=True)]
            except Exception:  # noqa: BLE001 - no screen yet, or the app is closing
                return
            more = await self._one_round(nodes, deadline)
            if more is None or (not more and not any(node.message_queue_size for node in nodes)):
                return

    _key_workers: list | None = None

    def hold_keys_for(self, worker) -> None:  # noqa: ANN001
        """Keys typed after this worker started wait until it has ended and what it opened (a
        dialog) has settled, within OPEN_HOLD_MAX (screens/background.in_thread(holds_keys=True))."""
        if self._key_workers is None:
            self._key_workers = []
        self._key_workers.append(worker)

    def _key_workers_running(self) -> bool:
        from textual.worker import WorkerState

        if not self._key_workers:
            return False
        self._key_workers = [w for w in self._key_workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        return bool(self._key_workers)

    @staticmethod
    async def _one_round(nodes: list, deadline: float) -> bool | None:
        """A callback at the end of each node's queue, awaited: whether any node had more behind
        it (None: not all answered by the loop time ``deadline``)."""
        left, more, done = 0, False, asyncio.Event()

        def reached(node) -> None:  # noqa: ANN001
            nonlocal left, more
            more = more or node.message_queue_size > 0
            left -= 1
            if left == 0:
                done.set()

        for node in nodes:
            if node.call_later(reached, node):
                left += 1
        if left:
            try:
                async with asyncio.timeout_at(deadline):
                    await done.wait()
            except TimeoutError:
                return None
        return more

    def _person_active(self) -> None:
        """A key or a click: the person is at the terminal. Claims follow the person, not the
        connection (issue 21 §4): a screen holding one hears of it (``person_active(now, before)``)."""
        now = self.now()
        before, self.last_active = self.last_active, now
        for screen in list(self.screen_stack):
            hook = getattr(screen, "person_active", None)
            if hook is not None:
                hook(now, before)

    @property
    def store(self) -> Store:
        if self._store is None:
            with self._store_lock:
                if self._store is None:
                    from .services.base import Store

                    self._store = Store(self._url, clock=self._clock)
        return self._store

    def on_mount(self) -> None:
        # After the first paint: load the ORM and reconcile facts with callbacks.
        # (half a second later, so that importing the ORM does not hold up the first frame)
        self.set_timer(0.5, self._after_start)

    def _after_start(self) -> None:
        if self._resume_gc:
            gc.enable()  # off while starting (cli._fast_open)
        self.run_worker(reporting(self, "db", self._plan_at_start), thread=True, group="db", exit_on_error=False)

    def _plan_at_start(self) -> None:
        """Reconcile facts with callbacks at start (SPEC §3 planner), then refresh the queue."""
        from .services.planner import run_planner

        self.store.check_schema()  # an older database is refused: `huifang db upgrade` (admin)
        run_planner(self.store)
        self.call_from_thread(self.refresh_queue)  # created, cancelled or reopened callbacks

    def settle_inputs(self, root) -> None:  # noqa: ANN001
        """Apply the app's cursor-blink setting to every Input under ``root``."""
        if not self.cursor_blink:
            for widget in root.query("Input"):
                widget.cursor_blink = False

    def now(self) -> datetime:
        if self._store is not None:
            return self._store.now()
        return (self._clock or datetime.now)().replace(microsecond=0)

    def today(self) -> date:
        return self.now().date()

    # -- background database work ----------------------------------------------------
    def db_task(self, fn: Callable, *args: object, **kw: object) -> None:
        """Run a blocking service call in a thread worker owned by the app (outlives screens)."""
        self.run_worker(reporting(self, "db", partial(fn, *args, **kw)), thread=True, group="db", exit_on_error=False)

    @on(WorkFailed)
    def _work_failed(self, event: WorkFailed) -> None:
        """Every failed worker of the app and its screens ends here (screens/background.py),
        after the screen it came from has undone what it must and perhaps named a title."""
        self.notify_failure(event.error, title=event.title)

    def notify_failure(self, err: BaseException | None, *, title: str | None = None) -> None:
        """The one error path for a failed worker, in plain words, never read as markup: a
        refusal by a rule is a notice (the user goes on); anything else — a read-only or full
        disk, a lock held too long, a damaged database — is one dialog naming what to do and
        the log (a second failure while it is open does not stack another). With ``title`` (the
        screen named what failed, e.g. the call screen's "cannot save") any error is one error
        notice under it."""
        from .core.errors import ServiceError
        from .screens.dialogs import MessageDialog

        text = self.error_text(err)
        if title is not None:
            self.notify(text, title=title, severity="error", timeout=10, markup=False)
            return
        if isinstance(err, ServiceError):
            self.notify(text, title=t("err.title"), severity="warning", timeout=10, markup=False)
            return
        if any(isinstance(s, MessageDialog) and s.error for s in self.screen_stack):
            return
        self.push_screen(MessageDialog(t("err.title"), text, error=True))

    def _handle_exception(self, error: Exception) -> None:
        """An error nothing else caught stops the app without Textual's traceback on the
        terminal: ``cli`` raises it again after the run (``stopped_by``), which writes one plain
        line and logs the traceback (issue 21). ``HUIFANG_DEBUG=1`` keeps Textual's own report."""
        import os

        if os.environ.get("HUIFANG_DEBUG"):
            super()._handle_exception(error)
            return
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        self._close_messages_no_wait()

    def stopped_by(self) -> BaseException | None:
        """The error that stopped the app, if one did."""
        return self._exception

    def error_text(self, err: BaseException | None) -> str:
        """One plain message for any failed worker (crash.user_message; traceback to the log)."""
        from .core.config import sqlite_file
        from .core.crash import user_message

        url = getattr(self.store, "url", "") if getattr(self, "store", None) is not None else ""
        file = sqlite_file(url)
        path = Path(file) if file is not None else None
        return user_message(err or RuntimeError("?"), path.name if path else "", path)

    def refresh_queue(self) -> None:
        from .screens.queue import QueueScreen

        for screen in self.screen_stack:
            if isinstance(screen, QueueScreen):
                screen.action_reload()

    # -- the call screen --------------------------------------------------------------
    def open_call(self, number: str, carry: dict | None = None) -> None:
        """Claim and load the callback in a worker, then show the call screen. ``carry``: what the
        previous callback of the same call offers this one (the person reached, the scores)."""
        if self._opening:
            return  # a double Enter: the first one is still claiming
        self._opening = True
        self.run_worker(reporting(self, "open-call", partial(self._open_call, number, carry)), thread=True,
                        group="open-call", exclusive=True, exit_on_error=False)

    def _open_call(self, number: str, carry: dict | None = None) -> None:
        view = None
        try:
            from .services.calls import open_call

            view = open_call(self.store, self.actor, number)
        except ServiceError as e:
            self.call_from_thread(self.notify, str(e), severity="warning", timeout=8)
        finally:
            self.call_from_thread(self._opened, view, carry)  # always clears the double-Enter guard

    def _opened(self, view, carry: dict | None = None) -> None:  # noqa: ANN001
        self._opening = False
        if view is None:
            return
        from .screens.call import CallScreen

        if any(isinstance(s, CallScreen) for s in self.screen_stack):
            from .services.calls import release

            self.db_task(release, self.store, self.actor, view.callback.number)  # one call at a time
            return
        self.push_screen(CallScreen(view, carry=carry))

    def action_open_month(self) -> None:
        """客户回访汇总记录表 of the current month (issue 11), from the queue's m."""
        from .screens.month import MonthScreen

        if not isinstance(self.screen, MonthScreen):
            self.push_screen(MonthScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "supervise" and not self.actor.is_supervisor:
            return False  # no board or audit keys for agents (the services refuse them anyway)
        return True

    def action_supervise(self, mode: str) -> None:
        """The board and the audit log: supervisors and admins (the services refuse others too)."""
        if not self.actor.is_supervisor:
            self.notify(t("err.permission", role=t(f"role.{self.actor.role}")), severity="warning")
            return
        self.switch_mode(mode)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen) or getattr(self.screen, "_busy", False):
            return
        self.push_screen(HelpScreen(self.screen))


def _locked_driver():  # noqa: ANN202
    """In the shared install's elevated process: Textual's Linux driver without job control.
    Textual answers SIGTSTP (Ctrl+Z, or one relayed by sudo from the person) and SIGTTIN/SIGTTOU
    by stopping its own process, which could then hold the store's write lock in a worker
    thread; this process keeps them ignored (``system.lock``). None elsewhere (the default)."""
    from .core import system

    if system.locked() is None or not sys.platform.startswith("linux"):
        return None
    import signal

    from textual.drivers.linux_driver import LinuxDriver

    def ignore() -> None:
        for sig in (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU):
            signal.signal(sig, signal.SIG_IGN)

    class LockedDriver(LinuxDriver):
        def __init__(self, *a, **kw) -> None:  # noqa: ANN002, ANN003
            super().__init__(*a, **kw)
            ignore()

        def start_application_mode(self) -> None:
            super().start_application_mode()
            ignore()

        def _sigcont_application(self, *_) -> None:  # noqa: ANN002
            """Never suspended, so nothing to resume: a SIGCONT the person has sudo relay must not
            restart the terminal handling under the running app."""

        @property
        def can_suspend(self) -> bool:
            return False

    return LockedDriver
