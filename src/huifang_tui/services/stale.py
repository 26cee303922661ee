"""Stale work (SPEC §7): nothing disappears by itself; a supervisor closes it as lapsed.

Past its deadline open work is overdue; ``stale_days`` later the supervisor is alerted (the
planner writes ``alert.stale``) and may close it as ``lapsed`` (逾期未回访), one or many,
with a reason — all or nothing, audited. Lapsed callbacks leave the queues, are never
deleted, count in ``due`` and not in ``completed``. A chain continues past the lapsed link.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from ..domain.queue import is_overdue
from ..core.i18n import t
from ..store.models import Callback
from .base import Actor, Conflict, Store, ValidationError, acting, audit
from .calendar import load_calendar, load_policy
from .access import get_callback
from .calls import OPEN_STATES, refuse_if_claimed
from .limits import bound
from .planner import plan_after_closing
from .report import ensure_month_open


def lapse(store: Store, actor: Actor, numbers: list[str], reason: str) -> list[str]:
    """Close open or waiting_data callbacks that are past their deadline as lapsed."""
    if not reason.strip():
        raise ValidationError(t("work.reason_missing"))
    bound({"reason": reason})
    now = store.now()
    with store.write() as s:
        acting(s, actor, "supervisor")
        ensure_month_open(s, now)  # closing is dated now (a month approved early stays shut)
        cal, policy = load_calendar(s), load_policy(s)
        cbs = [get_callback(s, n) for n in dict.fromkeys(numbers)]
        # PostgreSQL: hold them all, taken in one statement in id order (no deadlock between two
        # supervisors lapsing overlapping lists), and re-read under the lock.
        s.exec(select(Callback).where(Callback.id.in_([cb.id for cb in cbs])).order_by(Callback.id)
               .with_for_update().execution_options(populate_existing=True)).all()
        for cb in cbs:  # check all before changing any: all or nothing
            if cb.status not in OPEN_STATES:
                raise Conflict(t("work.not_lapsable", number=cb.number, state=t(f"cbstate.{cb.status}")))
            if not is_overdue(cb.deadline_on, cb.deadline_at, now):
                deadline = cb.deadline_at.isoformat(" ", timespec="minutes") if cb.deadline_at else cb.deadline_on.isoformat()
                raise Conflict(t("work.not_overdue", number=cb.number, deadline=deadline))
            refuse_if_claimed(s, actor, cb, now)  # nothing is closed under an agent on the call
        for cb in cbs:
            before = cb.model_dump()
            cb.status, cb.next_attempt_at = "lapsed", None
            cb.claimed_by = cb.claim_pid = cb.claim_host = cb.claimed_at = None
            cb.note = (cb.note + "\n" if cb.note else "") + f"{now:%m-%d %H:%M} {reason.strip()}"
            cb.updated_at, cb.version = now, cb.version + 1
            s.add(cb)
            s.flush()
            audit(s, actor, now, "callback.lapse", "callback", cb.number, before,
                  {**cb.model_dump(), "reason": reason.strip()})
            plan_after_closing(s, actor, cb, now, cal, policy)
    return [cb.number for cb in cbs]


def stale(s: Session, now: datetime, stale_days: int) -> list[Callback]:
    """Open work more than ``stale_days`` past its deadline."""
    from datetime import timedelta

    limit = now.date() - timedelta(days=stale_days)
    return list(s.exec(select(Callback).where(Callback.status.in_(OPEN_STATES), Callback.deadline_on < limit)
                       .order_by(Callback.deadline_on, Callback.number)))
