"""Plain-text tables of the command line: the queue and the callbacks (same catalog as the UI)."""

from __future__ import annotations

from datetime import date

from ..core.i18n import t
from ..core.safe_text import literal
from ..domain.queue import QueueRow
from .output import console_text

# Rich is imported inside each rendering (not here): ``--json`` output never loads it.


def render_queue_text(rows: list[QueueRow], day: date, asked: list | None = None) -> str:
    """``huifang queue``: the state column in the queue screen's words (``widgets.rowstate``)."""
    from rich.table import Table

    from ..widgets.rowstate import row_words

    newest = {}
    for q in asked or ():  # the first of a number is its mark, as on the queue screen
        newest.setdefault(q.number, q)

    table = Table(title=t("queue.cli_title", day=day.isoformat(), n=len(rows)), show_lines=False)
    for key in ("number", "kind", "customer", "contact", "phone", "attempts", "deadline", "state"):
        table.add_column(t(f"queue.col.{key}"))
    for r in rows:
        deadline = r.deadline_iso + (t("queue.overdue_mark") if r.overdue else "")
        table.add_row(r.number, t(f"kind.{r.kind}"), literal(r.customer), literal(r.contact), r.phone_masked,
                      str(r.attempts), deadline, row_words(r, newest.get(r.number))[1])
    return console_text(table, width=120)


def render_callbacks_text(rows: list) -> str:
    """``huifang callbacks`` as a table (phones never shown; 补录 marked)."""
    if not rows:
        return t("work.none")
    from rich.table import Table

    table = Table(show_lines=False)
    for col in t("work.cols").split("\t"):
        table.add_column(col)
    for r in rows:
        q = r.row
        scores = f"{r.score_resolution}/{r.score_attitude}" if r.score_resolution is not None else ""
        done = r.completed_at.isoformat(" ", timespec="minutes") if r.completed_at else ""
        if r.late_entry:
            done += f" ({t('rules.late_mark')})"
        table.add_row(q.number, t(f"kind.{q.kind}"), literal(q.customer), t(f"cbstate.{q.status}"),
                      r.planned_due_on.isoformat() if r.planned_due_on else "", q.deadline_iso,
                      literal(q.agent or t("cli.pool")), done, scores)
    return console_text(table, width=140)
