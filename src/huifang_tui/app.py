"""App wiring: modes, global keys, header. Screens live in ``screens/``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from textual.app import App
from textual.binding import Binding

from . import config
from .i18n import t
from .services.base import Actor, Store


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

    def __init__(self, store: Store, actor: Actor, *, clock: Callable[[], datetime] | None = None):
        super().__init__()
        self.store = store
        self.actor = actor
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

    def now(self) -> datetime:
        return self.store.now()

    def today(self) -> date:
        return self.store.today()

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))
