"""Thread workers of the app and its screens, whose failure comes back as one typed message (WorkFailed).

A worker posts its result as the screen's own message (``Loaded``, ``Recorded``, …) and its
failure as ``WorkFailed`` (what it raised, what it was doing). The message bubbles from the
screen to the app, where one handler shows it (``HuifangApp._work_failed``): a screen only adds
what it must undo (the call form back to editing) or the title it is shown under. The worker
still ends in ERROR, as a Textual worker does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from textual import work
from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import NoActiveWorker, get_current_worker


class WorkFailed(Message):
    """A worker failed: ``error`` is what it raised, ``doing`` what it was doing (its group).
    A screen it passes through may set ``title``: then it is shown as one error notice under
    that title (the call screen: "cannot save"), else by the app's one error path."""

    def __init__(self, error: BaseException, doing: str) -> None:
        super().__init__()
        self.error = error
        self.doing = doing
        self.title: str | None = None


def reporting(node: MessagePump, doing: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` for a thread worker: if it raises, ``WorkFailed`` is posted to ``node`` and the
    error raised on. A worker cancelled meanwhile (an exclusive one replaced) reports nothing."""

    @wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if not _cancelled():
                node.post_message(WorkFailed(e, doing))
            raise

    return run


def _cancelled() -> bool:
    try:
        return get_current_worker().is_cancelled
    except NoActiveWorker:  # called outside a worker
        return False


def in_thread(group: str, *, exclusive: bool = False, holds_keys: bool = False) -> Callable:
    """A screen method run as a thread worker of ``group`` (``exclusive``: a new one cancels the
    one running) whose failure is posted to the screen as ``WorkFailed``. ``holds_keys``: a
    worker whose answer may open a dialog (a save that a rule sends to "ask the supervisor"):
    the keys typed after the one that started it wait for it, so that they land in that dialog
    and not in the form behind it (``HuifangApp.hold_keys_for``; issue 25 item 10)."""

    def decorator(method: Callable) -> Callable:
        @wraps(method)
        def guarded(self: MessagePump, *args: Any, **kwargs: Any) -> Any:
            return reporting(self, group, method)(self, *args, **kwargs)

        worker = work(guarded, thread=True, group=group, exclusive=exclusive, exit_on_error=False)
        if not holds_keys:
            return worker

        @wraps(method)
        def start(self: MessagePump, *args: Any, **kwargs: Any) -> Any:
            started = worker(self, *args, **kwargs)
            hold = getattr(self.app, "hold_keys_for", None)
            if hold is not None:
                hold(started)
            return started

        return start

    return decorator
