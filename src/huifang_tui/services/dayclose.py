"""日清日结 — day close (000 §4.11, SPEC §4): refused while anything due today is untouched."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time

from sqlmodel import select

from ..i18n import t
from ..store.models import CallAttempt, Callback, DayClose
from .base import Actor, Conflict, ServiceError, Store, acting, audit
from .calendar import load_calendar
from .queue import OPEN_STATES, QueueRow, _scope, queue_rows


class DayCloseRefused(ServiceError):
    def __init__(self, untouched: list[QueueRow]):
        self.untouched = untouched
        names = "\n".join(f"  {r.number}  {r.customer}" for r in untouched[:20])
        more = t("dayclose.more", n=len(untouched) - 20) if len(untouched) > 20 else ""
        super().__init__(t("dayclose.refused", n=len(untouched)) + "\n" + names + more)


@dataclass
class DaySummary:
    day: date
    due: int
    completed: int
    rescheduled: int
    deferred: int
    overdue: int
    tomorrow: date
    tomorrow_due: int


def untouched(store: Store, actor: Actor, day: date) -> list[QueueRow]:
    """Items in today's queue with no attempt today and not deferred today."""
    rows = queue_rows(store, actor, day)
    if not rows:
        return []
    start, end = datetime.combine(day, time.min), datetime.combine(day, time.max)
    with store.read() as s:
        acting(s, actor)
        tried = set(
            s.exec(select(CallAttempt.callback_id).where(CallAttempt.at >= start, CallAttempt.at <= end,
                                                         CallAttempt.callback_id.in_([r.id for r in rows])))
        )
        deferred = set(s.exec(select(Callback.id).where(Callback.deferred_on == day, Callback.id.in_([r.id for r in rows]))))
    return [r for r in rows if r.id not in tried and r.id not in deferred]


def summarize(store: Store, actor: Actor, day: date) -> DaySummary:
    """Each callback counted once: completed, else attempted and moved or closed, else deferred,
    else still open. ``due`` is all of them together."""
    start, end = datetime.combine(day, time.min), datetime.combine(day, time.max)
    scope = _scope(actor, None, False)
    with store.read() as s:
        acting(s, actor)
        attempts = s.exec(
            select(CallAttempt.callback_id, CallAttempt.outcome)
            .where(CallAttempt.at >= start, CallAttempt.at <= end, CallAttempt.agent_login == actor.login)
        ).all()
        deferred_ids = set(s.exec(select(Callback.id).where(Callback.deferred_on == day, scope)))
        cal = load_calendar(s)
    still_open = queue_rows(store, actor, day)
    open_ids = {r.id for r in still_open}
    completed = {cid for cid, o in attempts if o == "completed"}
    attempted = {cid for cid, _ in attempts} - completed - open_ids
    deferred = deferred_ids - completed - attempted - open_ids
    overdue = sum(1 for r in still_open if r.overdue)
    tomorrow = cal.next_working_day(day)
    tomorrow_rows = queue_rows(store, actor, tomorrow, now=datetime.combine(tomorrow, time(9, 0)))
    due = len(completed | attempted | deferred | open_ids)
    return DaySummary(day, due, len(completed), len(attempted), len(deferred), overdue, tomorrow, len(tomorrow_rows))


def close_day(store: Store, actor: Actor, day: date) -> DaySummary:
    left = untouched(store, actor, day)
    if left:
        raise DayCloseRefused(left)
    summary = summarize(store, actor, day)
    now = store.now()
    with store.write() as s:
        acting(s, actor)
        if s.exec(select(DayClose).where(DayClose.login == actor.login, DayClose.day == day)).first():
            raise Conflict(t("dayclose.already", day=day.isoformat()))
        row = DayClose(login=actor.login, day=day, due=summary.due, completed=summary.completed,
                       rescheduled=summary.rescheduled, deferred=summary.deferred, overdue=summary.overdue,
                       summary=json.dumps(asdict(summary), default=str, ensure_ascii=False), closed_at=now)
        s.add(row)
        s.flush()
        audit(s, actor, now, "day.close", "day_close", f"{actor.login}:{day}", None, row)
    return summary


def is_closed(store: Store, login: str, day: date) -> bool:
    with store.read() as s:
        return s.exec(select(DayClose).where(DayClose.login == login, DayClose.day == day)).first() is not None


__all__ = ["DayCloseRefused", "DaySummary", "close_day", "is_closed", "summarize", "untouched", "OPEN_STATES"]
