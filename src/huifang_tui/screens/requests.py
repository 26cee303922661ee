"""Requests to a supervisor on the screens (issue 25 item 5): asking one when a 改约 or a deferral
is past the deadline (the call screen and the queue), and the board's dialogs for deciding.

``AskSupervisorDialog`` is what the refusal ``NeedsSupervisor`` opens: titled for what it is,
with the time wanted and the reason typed carried over; Enter asks (``services.requests.ask``).
"""

from __future__ import annotations

from datetime import date, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from ..core.errors import NeedsSupervisor, ServiceError, ValidationError
from ..core.i18n import t
from ..domain.limits import TEXT_MAX
from .background import in_thread
from .dialogs import MessageDialog, QuestionDialog, TextDialog


def wanted_text(wanted: object) -> str:
    """The time asked for as the dialog shows it (a day, or a day and time)."""
    if isinstance(wanted, datetime):
        return f"{wanted:%Y-%m-%d %H:%M}"
    if isinstance(wanted, date):
        return wanted.isoformat()
    return str(wanted or "")


class AskSupervisorDialog(QuestionDialog):
    """The refusal of a 改约 or deferral past the deadline, and the offer to ask a supervisor:
    the time wanted and the reason (carried over, editable). Enter asks; Esc does not. Returns
    the request made (``services.requests.RequestView``), None when not asked."""

    BINDINGS = [
        Binding("enter", "submit", t("requests.key.ask"), priority=True, id="ask_submit"),
        Binding("escape", "cancel", t("key.cancel"), id="dialog_cancel"),
    ]

    def __init__(self, error: NeedsSupervisor, reason: str = "") -> None:
        super().__init__(t(f"requests.ask.title_{error.kind}"))
        self.error, self.reason = error, reason

    def compose(self) -> ComposeResult:
        kind = self.error.kind
        with Vertical(classes="dialog dialog-wide"):
            yield Static(Text(t(f"requests.ask.title_{kind}"), style="bold"), classes="dialog-title", id="ask-title")
            yield Static(Text(t("requests.ask.body", message=str(self.error))), classes="dialog-body")
            # each field under its label; the one being typed into is marked (.ask-field.-typing,
            # dialogs.tcss). Tab between the two keeps their text, the cursor at its end (not selected)
            with Vertical(classes="ask-field", id="ask-wanted-field"):
                yield Label(t(f"requests.ask.wanted_{kind}"), classes="ask-label", id="ask-wanted-label")
                yield Input(value=wanted_text(self.error.wanted), compact=True, id="ask-wanted", max_length=40,
                            select_on_focus=False)
            with Vertical(classes="ask-field", id="ask-reason-field"):
                yield Label(t("requests.ask.reason"), classes="ask-label", id="ask-reason-label")
                yield Input(value=self.reason, compact=True, id="ask-reason", max_length=TEXT_MAX,
                            select_on_focus=False)
            yield Static(Text(t("requests.ask.hint")), classes="dialog-hint", id="ask-error")

    def on_mount(self) -> None:
        self.app.settle_inputs(self)
        # the time asked for is filled in from the refusal: the cursor starts where the agent types
        # next, the reason (the time only when it is missing)
        field = "#ask-reason" if self.query_one("#ask-wanted", Input).value.strip() else "#ask-wanted"
        self.query_one(field, Input).focus()

    def on_descendant_focus(self, event) -> None:  # noqa: ANN001
        """Mark the field the keys now go to (its label and line), unmark the other."""
        for box in self.query(".ask-field"):
            box.set_class(event.widget in box.query(Input), "-typing")

    def show_error(self, message: str) -> None:
        self.query_one("#ask-error", Static).update(Text(message, style="bold red"))

    def action_submit(self) -> None:
        wanted = self.query_one("#ask-wanted", Input).value.strip()
        reason = self.query_one("#ask-reason", Input).value.strip()
        if not reason:
            self.show_error(t("requests.err.reason"))
            self.query_one("#ask-reason", Input).focus()
            return
        self._ask(wanted, reason)

    @in_thread("ask-supervisor", exclusive=True)
    def _ask(self, wanted: str, reason: str) -> None:
        from ..services.requests import ask

        try:
            when = self._read(wanted)
            view = ask(self.app.store, self.app.actor, self.error.number, self.error.kind, when, reason)
        except ServiceError as e:  # shown in the dialog: the agent corrects it or leaves with Esc
            self.app.call_from_thread(self.show_error, str(e))
            return
        self.app.call_from_thread(self.dismiss, view)

    def _read(self, text: str) -> datetime | date:
        """The time wanted, read as the 改约 and deferral read theirs."""
        if self.error.kind == "defer":
            from ..domain.timephrase import read_day

            try:
                return read_day(text)
            except ValueError:
                raise ValidationError(t("requests.err.wanted", value=text, usage=t("time_examples.day"))) from None
        from ..services.recording import reschedule_time

        return reschedule_time(self.app.store, text)


class OptionalReasonDialog(TextDialog):
    """One line that may stay empty (a refusal's answer): Enter gives the text, "" included;
    Esc gives None."""

    def action_submit(self) -> None:
        self.dismiss(self.query_one("#dialog-input", Input).value.strip())


class RequestDetail(MessageDialog):
    """A request alert of the board in full: who asked what for whom, the deadline, the reason,
    every callback approving it moves (the rest of the call a 改约 is recorded on), and the keys
    that decide it: ``a`` and ``n`` here dismiss with "approve" / "refuse" (the board then does
    what its own keys do); Esc/Enter close (None)."""

    BINDINGS = [
        *MessageDialog.BINDINGS,
        Binding("a", "decide('approve')", t("requests.key.approve"), id="request_detail_approve"),
        Binding("n", "decide('refuse')", t("requests.key.refuse"), id="request_detail_refuse"),
    ]

    def __init__(self, number: str, who: str, customer: str, detail: str, moves: list[str] | None = None) -> None:
        keys = f"a {t('requests.key.approve')} · n {t('requests.key.refuse')}"
        moved = t("requests.detail_moves", n=len(moves), numbers=", ".join(moves)) if moves and len(moves) > 1 else ""
        super().__init__(t("board.alert.supervisor_request") + f"  {number}",
                         "\n".join(x for x in (f"{who} · {customer}", detail, moved, keys) if x.strip()))

    def action_decide(self, choice: str) -> None:
        self.dismiss(choice)


__all__ = ["AskSupervisorDialog", "OptionalReasonDialog", "RequestDetail", "wanted_text"]
