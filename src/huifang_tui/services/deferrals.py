"""A deferral (推迟) as a stated record (SPEC §3; issue 23 items 2 and 4).

A deferral has no row of its own: the callback keeps the day it was put off on
(``deferred_on``) and its ``callback.defer`` audit row keeps the stated time (``stated_at``;
before issue 23 the row's own time, which was then the same) and whether it was entered late
(``late_entry``). Both readers go through the audit's time index from the day stated on: an
entry is never made before what it states. The recording service writes these rows; the
callbacks listing and the month report read them.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time

from sqlmodel import Session, select

from ..store.models import AuditEntry

DEFER_ACTION = "callback.defer"
STATED_KEY = "stated_at"  # a deferral's stated time, on its audit row (no column: issue 23)


def stated_at(s: Session, number: str, day: date) -> datetime | None:
    """When the callback's last deferral (put off on *day*) was stated to have happened."""
    row = s.exec(select(AuditEntry.at, AuditEntry.after).where(
        AuditEntry.at >= datetime.combine(day, time.min), AuditEntry.action == DEFER_ACTION,
        AuditEntry.entity == "callback", AuditEntry.entity_id == number,
    ).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(1)).first()
    if row is None:
        return None
    return _stated(row[1]) or row[0]


def _stated(after: str) -> datetime | None:
    try:
        value = json.loads(after or "{}").get(STATED_KEY)
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except (ValueError, AttributeError):
        return None


def late_deferrals(s: Session, deferred: dict[str, tuple[int, date]]) -> set[int]:
    """Of the callbacks put off (回访编号 → (id, the day put off)), the ids of those put off in
    an entry made late (its audit row says so), read from the earliest of those days on."""
    if not deferred:
        return set()
    since = datetime.combine(min(day for _, day in deferred.values()), time.min)
    flag = json.dumps({"late_entry": True})[1:-1]  # '"late_entry": true'
    numbers = s.exec(select(AuditEntry.entity_id).where(AuditEntry.at >= since, AuditEntry.action == DEFER_ACTION,
                                                        AuditEntry.after.contains(flag))).all()
    return {deferred[n][0] for n in numbers if n in deferred}
