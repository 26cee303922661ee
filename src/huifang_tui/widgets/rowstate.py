"""A queue row's type and state in words: the queue screen's columns and ``huifang queue``'s
state column say the same (issue 25 item 6 of the agent's walk)."""

from __future__ import annotations

from datetime import time

from rich.cells import cell_len
from rich.text import Text

from ..core.i18n import t
from ..domain.queue import QueueRow
from .cells import ellipsize


def request_shown(r: QueueRow, asked) -> bool:  # noqa: ANN001
    """A request's mark shows while it waits, and after the answer until the callback has an
    attempt newer than the answer (then the row says what that attempt left: 再拨, …)."""
    if asked is None:
        return False
    if asked.state == "pending" or asked.decided_at is None:
        return True
    return r.last_attempt_at is None or r.last_attempt_at <= asked.decided_at


def row_words(r: QueueRow, asked=None, wide: bool = False, claimed_room: int = 0) -> tuple[str, str]:  # noqa: ANN001
    """(type, state) of one row: the pool (in the type column when ``wide``, else the state's),
    the next attempt, who is calling it, the newest request to a supervisor on it (``asked``,
    a ``services.requests.RequestView``) and the ✎ of a saved draft. ``claimed_room``: the
    narrow state column's width, which the caller's login gives way to."""
    pool = r.agent is None and r.assignee == "agent"
    if wide:
        kind = t(f"kind.{r.kind}") + (t("queue.pool_mark") if pool else "")
        state = t(f"cbstate.{r.status}")
    else:  # the pool moves to the state column: the type column stays narrow
        kind = t(f"kindshort.{r.kind}")
        state = t("fit.pool") if pool and r.status == "open" else t(f"cbstate.{r.status}")
    if r.next_attempt_at is not None and r.status == "open" and r.next_attempt_at.time() != time(0):
        # a try moved to a later day (the 已尝试 filter lists it) says the day, not only the hour
        at = r.next_attempt_at.strftime("%H:%M" if r.in_queue else "%m-%d")
        state = t("queue.next_attempt", at=at) if wide else t("colshort.next_attempt", at=at)
    if r.claimed_by:
        if wide or not claimed_room:
            state = t("queue.claimed", login=r.claimed_by)
        else:  # the login gives way ("agent…在拨"), never the words around it
            room = claimed_room - cell_len(t("colshort.claimed", login=""))
            state = t("colshort.claimed", login=ellipsize(Text(r.claimed_by), room).plain)
    if request_shown(r, asked):  # the newest request on it and its answer (issue 25 item 5)
        state = t(f"requests.mark.{asked.state}")
    if r.draft:  # a saved draft of this call (issue 25 item 11; F1 explains the mark)
        state = t("queuehelp.draft_mark") + state
    return kind, state
