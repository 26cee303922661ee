"""Callback status rules read from one place (SPEC §3; issue 22 item 6).

- ``OPEN_STATES``: work still to do (the queue, the board, the first paint, stale work);
- ``is_overdue``: an open callback past its deadline — past ``deadline_at`` when it has one
  (hour deadlines), else once the day is after ``deadline_on``;
- ``overdue_sql``: the same rule as SQL text for the queries that count or list overdue work
  (the board's figures and alerts through SQLAlchemy, the first paint through sqlite3). The
  caller binds ``overdue_args(now)`` under the names in ``OVERDUE_PARAMS`` (or, positionally,
  in that order), each stored as its column stores it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from .words import CALLBACK_STATUSES  # noqa: F401 (re-exported)

OPEN_STATES: tuple[str, ...] = ("open", "waiting_data")

#: the bound values of ``overdue_sql``, in the order they appear in its text
OVERDUE_PARAMS: tuple[str, ...] = ("overdue_at", "overdue_day")


def is_overdue(deadline_on: date, deadline_at: datetime | None, now: datetime) -> bool:
    """Past deadline_at, or (date deadline) once now's date is after deadline_on."""
    if deadline_at is not None:
        return now > deadline_at
    return now.date() > deadline_on


def overdue_args(now: datetime) -> dict[str, date | datetime]:
    """The values ``overdue_sql`` compares with: the moment, and its day."""
    return {"overdue_at": now, "overdue_day": now.date()}


def overdue_sql(deadline_on: str, deadline_at: str,
                placeholder: Callable[[str], str] = lambda name: f":{name}") -> str:
    """``is_overdue`` as an SQL expression (1 or 0) over the two named columns."""
    at, day = (placeholder(n) for n in OVERDUE_PARAMS)
    return (f"(CASE WHEN {deadline_at} IS NOT NULL THEN (CASE WHEN {deadline_at} < {at} THEN 1 ELSE 0 END)"
            f" WHEN {deadline_on} < {day} THEN 1 ELSE 0 END)")
