"""日清日结 — day close (000 §4.11, SPEC §4): refused while anything due today is untouched."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time

from sqlmodel import select

from ..core.i18n import t
from ..domain.queue import DayFigures
from ..store.models import DayClose
from . import outbox
from .base import Actor, Conflict, ServiceError, Store, acting, audit
from .calendar import load_calendar
from .queue import OPEN_STATES, QueueRow, queue_rows


class DayCloseRefused(ServiceError):
    """The day cannot be closed: ``untouched`` (the day's *left*) is the whole list, in queue order."""

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
    rescheduled: int  # tried today and not completed (moved, retried, refused, unreachable…)
    deferred: int  # put off today without a try
    overdue: int
    tomorrow: date
    tomorrow_due: int
    attempted: int = 0
    left: int = 0

    @property
    def figures(self) -> DayFigures:
        return DayFigures(self.due, self.attempted, self.completed, self.left, self.deferred)


def untouched(store: Store, actor: Actor, day: date) -> list[QueueRow]:
    """The day's *left* (``domain.queue.day_figures``): the actor's own callbacks due by the day
    that they neither tried nor put off that day, in queue order. Pool items never block a day
    close (issue 12)."""
    from .figures import login_work

    rows = [r for r in queue_rows(store, actor, day) if r.agent == actor.login]
    if not rows:
        return []
    with store.read() as s:
        acting(s, actor)
        work = login_work(s, actor.login, day, store.now())
    return [r for r in rows if r.id not in work.tried and r.id not in work.deferred]


def summarize(store: Store, actor: Actor, day: date) -> DaySummary:
    """The day's figures (``services.figures``, as the board, the queue header and `t` show
    them); ``rescheduled`` = attempted − done, the day's tries that did not complete."""
    from .figures import login_figures

    now = store.now()
    with store.read() as s:
        acting(s, actor)
        fig = login_figures(s, actor.login, day, now)
        cal = load_calendar(s)
    tomorrow = cal.next_working_day(day)
    tomorrow_rows = queue_rows(store, actor, tomorrow, now=datetime.combine(tomorrow, time(9, 0)))
    return DaySummary(day, fig.due, fig.done, fig.attempted - fig.done, fig.deferred, fig.overdue, tomorrow,
                      len(tomorrow_rows), fig.attempted, fig.left)


def check_close(store: Store, actor: Actor, day: date) -> list[QueueRow]:
    """Before asking "close the day?": refused when the day is already closed (``Conflict``);
    otherwise what is left (empty: the day may be closed)."""
    with store.read() as s:
        acting(s, actor)
        if s.exec(select(DayClose.id).where(DayClose.login == actor.login, DayClose.day == day)).first() is not None:
            raise Conflict(t("dayclose.already", day=day.isoformat()))
    return untouched(store, actor, day)


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
        from .calls import person

        key, figures = summary.figures.message()  # the day's figures as every door says them
        outbox.emit(s, "day_close", f"dayclose:{actor.login}:{day.isoformat()}", t(
            "notify.msg.day_close", agent=person(s, actor.login), day=day.isoformat(), figures=t(key, **figures)),
            now, by=actor.login)
    return summary


def is_closed(store: Store, login: str, day: date) -> bool:
    with store.read() as s:
        return s.exec(select(DayClose).where(DayClose.login == login, DayClose.day == day)).first() is not None


__all__ = ["DayCloseRefused", "DaySummary", "check_close", "close_day", "is_closed", "summarize", "untouched", "OPEN_STATES"]
