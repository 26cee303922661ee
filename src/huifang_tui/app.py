"""App wiring: modes, global keys, header. Screens live in ``screens/``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from functools import partial

from textual import on
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from . import config
from .i18n import t
from .services.base import Actor, ServiceError, Store


class HuifangApp(App):
    CSS_PATH = "app.tcss"
    TITLE = t("app.title")
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("f1", "help", t("key.help"), id="help"),
        Binding("question_mark", "help", t("key.help"), show=False, id="help_alt"),
        Binding("f2", "switch_mode('queue')", t("key.queue"), id="mode_queue"),
        Binding("ctrl+q", "quit", t("key.quit"), priority=True, id="quit"),
    ]

    def __init__(self, store: Store, actor: Actor, *, clock: Callable[[], datetime] | None = None,
                 cursor_blink: bool = True):
        super().__init__()
        self.store = store
        self.actor = actor
        self.cursor_blink = cursor_blink  # off for snapshots: a blinking cursor is not reproducible
        if clock is not None:
            store.clock = clock

    # Modes are added in on_mount so each screen gets the store through the app.
    def on_mount(self) -> None:
        from .screens.queue import QueueScreen

        self.add_mode("queue", QueueScreen)
        self.sub_title = t(
            "app.subtitle", user=self.actor.name or self.actor.login, role=t(f"role.{self.actor.role}"),
            date=self.today().isoformat(), db=config.display_db(self.store.url),
        )
        self.switch_mode("queue")
        self.run_worker(self._plan_at_start, thread=True, group="db", exit_on_error=False)

    def _plan_at_start(self) -> None:
        """Reconcile facts with callbacks at start (SPEC §3 planner), then refresh the queue."""
        from .services.planner import run_planner

        if run_planner(self.store).created:
            self.call_from_thread(self.refresh_queue)

    def settle_inputs(self, root) -> None:  # noqa: ANN001
        """Apply the app's cursor-blink setting to every Input under ``root``."""
        if not self.cursor_blink:
            for widget in root.query("Input"):
                widget.cursor_blink = False

    def now(self) -> datetime:
        return self.store.now()

    def today(self) -> date:
        return self.store.today()

    # -- background database work ----------------------------------------------------
    def db_task(self, fn: Callable, *args: object, **kw: object) -> None:
        """Run a blocking service call in a thread worker owned by the app (outlives screens)."""
        self.run_worker(partial(fn, *args, **kw), thread=True, group="db", exit_on_error=False)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "db":
            self.notify(str(event.worker.error), title=t("err.title"), severity="error", timeout=10)

    def refresh_queue(self) -> None:
        from .screens.queue import QueueScreen

        for screen in self.screen_stack:
            if isinstance(screen, QueueScreen):
                screen.action_reload()

    # -- the call screen --------------------------------------------------------------
    def open_call(self, number: str) -> None:
        """Claim and load the callback in a worker, then show the call screen."""
        self.run_worker(partial(self._open_call, number), thread=True, group="open-call", exclusive=True,
                        exit_on_error=False)

    def _open_call(self, number: str) -> None:
        from .services.callbacks import open_call

        try:
            view = open_call(self.store, self.actor, number)
        except ServiceError as e:
            self.call_from_thread(self.notify, str(e), severity="warning", timeout=8)
            return
        self.call_from_thread(self._show_call, view)

    def _show_call(self, view) -> None:  # noqa: ANN001
        from .screens.call import CallScreen

        self.push_screen(CallScreen(view))

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))
