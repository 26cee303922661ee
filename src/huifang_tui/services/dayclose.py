"""日清日结 — day close (000 §4.11, SPEC §4): refused while anything due today is untouched."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time

from sqlmodel import select

from ..core.i18n import t
from ..store.models import CallAttempt, Callback, DayClose
from .base import Actor, Conflict, ServiceError, Store, acting, audit
from .calendar import load_calendar
from .queue import OPEN_STATES, QueueRow, queue_rows


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
    """Items assigned to the actor, due by today, with no attempt today and not deferred today.
    Pool items never block a day close (issue 12)."""
    rows = [r for r in queue_rows(store, actor, day) if r.agent == actor.login]
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
    """``due``, ``completed`` and ``overdue`` are the board's figures for this login and day
    (services.figures: due = done + remaining). ``rescheduled`` (tried today and moved to a later
    day or closed without completion) and ``deferred`` are told apart, outside ``due``."""
    from .figures import login_figures

    start, end = datetime.combine(day, time.min), datetime.combine(day, time.max)
    now = store.now()
    with store.read() as s:
        acting(s, actor)
        fig = login_figures(s, actor.login, day, now)
        attempts = s.exec(
            select(CallAttempt.callback_id, CallAttempt.outcome)
            .where(CallAttempt.at >= start, CallAttempt.at <= end, CallAttempt.agent_login == actor.login)
        ).all()
        remaining_ids = set(s.exec(select(Callback.id).where(
            Callback.agent_login == actor.login, Callback.status.in_(OPEN_STATES), Callback.due_on <= day)))
        deferred_ids = set(s.exec(select(Callback.id).where(Callback.deferred_on == day,
                                                            Callback.agent_login == actor.login)))
        cal = load_calendar(s)
    completed = {cid for cid, o in attempts if o == "completed"}
    attempted = {cid for cid, _ in attempts} - completed - remaining_ids
    deferred = deferred_ids - completed - attempted - remaining_ids
    tomorrow = cal.next_working_day(day)
    tomorrow_rows = queue_rows(store, actor, tomorrow, now=datetime.combine(tomorrow, time(9, 0)))
    return DaySummary(day, fig.due, fig.done, len(attempted), len(deferred), fig.overdue, tomorrow,
                      len(tomorrow_rows))


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
