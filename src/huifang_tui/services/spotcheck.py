"""抽查 spot checks (SPEC §7): a random sample of month M's completed callbacks, marked
accurate or not. A second draw adds to the sample and never repeats a callback."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from ..domain.kpi import Month
from ..core.i18n import t
from ..store.models import CallAttempt, Callback, Customer, SpotCheck
from .base import Actor, NotFound, ServiceError, Store, audit, require
from .limits import bound
from .report import ensure_month_open


@dataclass
class Drawn:
    number: str
    customer: str
    agent: str

    def as_json(self) -> dict:
        return {"number": self.number, "customer": self.customer, "agent": self.agent}


def draw(store: Store, actor: Actor, month: Month, n: int, *, seed: int | None = None) -> list[Drawn]:
    """Draw up to *n* more of M's completed callbacks (by stated completion time)."""
    require(actor, "supervisor")
    if n < 1:
        raise ServiceError(t("spotcheck.err_n", value=n))
    now = store.now()
    t0 = datetime.combine(month.first, datetime.min.time())
    t1 = datetime.combine(month.next_first, datetime.min.time())
    with store.write() as s:
        ensure_month_open(s, month.first)  # the sample is part of M's figures (SPEC §7 accuracy)
        taken = set(s.exec(select(SpotCheck.callback_id)).all())
        pool = [r for r in s.exec(
            select(Callback.id, Callback.number, Customer.name, Callback.agent_login)
            .join(Customer, Customer.id == Callback.customer_id)
            .where(Callback.status == "completed", Callback.completed_at >= t0, Callback.completed_at < t1)
            .order_by(Callback.number)
        ) if r.id not in taken]
        rng = random.Random(seed)
        picked = rng.sample(pool, min(n, len(pool)))
        picked.sort(key=lambda r: r.number)
        completers = {}
        if picked:
            for cid, login in s.exec(select(CallAttempt.callback_id, CallAttempt.agent_login)
                                     .where(CallAttempt.callback_id.in_([r.id for r in picked]),
                                            CallAttempt.outcome == "completed")):
                completers[cid] = login
        out = []
        for r in picked:
            s.add(SpotCheck(month=str(month), callback_id=r.id, number=r.number, drawn_by=actor.login,
                            drawn_at=now))
            out.append(Drawn(r.number, r.name, completers.get(r.id, r.agent_login or "")))
        audit(s, actor, now, "spotcheck.draw", "report", str(month), None,
              {"n": n, "seed": seed, "numbers": [d.number for d in out]})
    return out


def mark(store: Store, actor: Actor, number: str, accurate: bool, note: str = "") -> SpotCheck:
    require(actor, "supervisor")
    bound({"note": note})
    now = store.now()
    with store.write() as s:
        row = s.exec(select(SpotCheck).where(SpotCheck.number == number)).first()
        if row is None:
            raise NotFound(t("spotcheck.not_drawn", number=number))
        ensure_month_open(s, Month.parse(row.month).first)
        before = row.model_dump()
        row.accurate, row.note, row.marked_by, row.marked_at = accurate, note.strip(), actor.login, now
        s.add(row)
        s.flush()
        audit(s, actor, now, "spotcheck.mark", "callback", number, before, row)
        s.expunge(row)
    return row


def sample(store: Store, month: Month) -> list[SpotCheck]:
    with store.read() as s:
        rows = list(s.exec(select(SpotCheck).where(SpotCheck.month == str(month)).order_by(SpotCheck.number)))
        for r in rows:
            s.expunge(r)
    return rows


def drawn_count(store: Store, month: Month) -> int:
    return len(sample(store, month))
