"""Find a customer (name, pinyin initials or phone tail) and look back at today's calls.

Search stays inside what the acting user's role may see (SPEC §6): supervisors and admins
every customer; an agent the customers assigned to them and those of their own or pool
callbacks; a sales manager the customers of their visits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, or_
from sqlmodel import select

from ..core.i18n import t
from ..core.safe_text import mask_phone
from ..store.models import CallAttempt, Callback, Contact, Customer, Issue
from .access import own_and_pool
from .base import Actor, NotFound, Store, acting

LIMIT = 50
_DIGITS = re.compile(r"^\d{3,}$")
_LETTERS = re.compile(r"^[A-Za-z]+$")


@dataclass
class CustomerHit:
    id: int
    name: str
    tier: str
    agent: str | None
    contact: str
    phone_masked: str
    open_callbacks: int


@dataclass
class CustomerCard:
    id: int
    name: str
    tier: str
    is_member: bool
    region: str
    agent: str | None
    contacts: list[tuple[str, str, str, bool]] = field(default_factory=list)  # name, role, masked, flagged
    callbacks: list[tuple[str, str, str, date, int | None, int | None]] = field(default_factory=list)
    issues: list[tuple[str, str, str, str]] = field(default_factory=list)  # number, title, priority, status
    callbacks_more: int = 0  # the customer's older callbacks not on the card (CARD_CALLBACKS shown)
    issues_more: int = 0  # open issues not on the card (CARD_ISSUES shown)


@dataclass
class TodayCall:
    at: datetime
    number: str
    customer: str
    kind: str
    outcome: str
    score_resolution: int | None
    score_attitude: int | None


def _visible(actor: Actor):  # noqa: ANN202 - a SQL condition on Customer
    if actor.is_supervisor:
        return True
    mine = exists().where(Callback.customer_id == Customer.id, own_and_pool(actor, actor.login))
    return or_(Customer.agent_login == actor.login, mine)


def search_customers(store: Store, actor: Actor, text: str, limit: int = LIMIT) -> list[CustomerHit]:
    """Customers matching ``text``: phone tail (3+ digits), pinyin initials (letters, prefix
    matches first) or part of the name."""
    q = text.strip()
    if not q:
        return []
    with store.read() as s:
        acting(s, actor)
        if _DIGITS.match(q):
            phone_hit = exists().where(Contact.customer_id == Customer.id, Contact.phone.like(f"%{q}"))
            cond, order = phone_hit, (Customer.name,)
        elif _LETTERS.match(q):
            low = q.lower()
            cond = or_(Customer.name_initials.like(f"%{low}%"), func.lower(Customer.name).like(f"%{low}%"))
            order = (Customer.name_initials.like(f"{low}%").desc(), Customer.name)
        else:
            like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            cond, order = Customer.name.like(like, escape="\\"), (func.length(Customer.name), Customer.name)
        rows = s.exec(select(Customer.id, Customer.name, Customer.tier, Customer.agent_login)
                      .where(cond, _visible(actor)).order_by(*order).limit(limit)).all()
        ids = [r[0] for r in rows]
        contacts: dict[int, tuple[str, str]] = {}
        for cid, name, phone, primary in s.exec(
                select(Contact.customer_id, Contact.name, Contact.phone, Contact.is_primary)
                .where(Contact.customer_id.in_(ids))).all():
            if cid not in contacts or primary or (_DIGITS.match(q) and phone.endswith(q)):
                contacts[cid] = (name, phone)
        open_n = dict(s.exec(select(Callback.customer_id, func.count())
                             .where(Callback.customer_id.in_(ids), Callback.status.in_(("open", "waiting_data")))
                             .group_by(Callback.customer_id)).all())
    return [CustomerHit(cid, name, tier, agent, contacts.get(cid, ("", ""))[0],
                        mask_phone(contacts.get(cid, ("", ""))[1]), open_n.get(cid, 0))
            for cid, name, tier, agent in rows]


CARD_CALLBACKS = 12  # the newest callbacks a customer's card lists (the rest are counted)
CARD_ISSUES = 10  # the newest open issues it lists


def customer_card(store: Store, actor: Actor, customer_id: int) -> CustomerCard:
    """The customer's card as a search result opens it: contacts (phones masked), the last
    callbacks with their scores, open issues."""
    with store.read() as s:
        acting(s, actor)
        c = s.exec(select(Customer).where(Customer.id == customer_id, _visible(actor))).first()
        if c is None:
            raise NotFound(t("search.not_found"))
        card = CustomerCard(c.id, c.name, c.tier, c.is_member, c.region, c.agent_login)
        for ct in s.exec(select(Contact).where(Contact.customer_id == c.id)
                         .order_by(Contact.is_primary.desc(), Contact.id)).all():
            card.contacts.append((ct.name, ct.role, mask_phone(ct.phone), ct.needs_correction))
        for cb in s.exec(select(Callback).where(Callback.customer_id == c.id)
                         .order_by(Callback.due_on.desc(), Callback.id.desc()).limit(CARD_CALLBACKS)).all():
            card.callbacks.append((cb.number, cb.kind, cb.status, cb.due_on, cb.score_resolution, cb.score_attitude))
        if len(card.callbacks) == CARD_CALLBACKS:  # the card says how many more there are, never hides them
            total = s.exec(select(func.count()).select_from(Callback).where(Callback.customer_id == c.id)).one()
            card.callbacks_more = total - CARD_CALLBACKS
        open_issue = (Issue.customer_id == c.id, Issue.status != "closed")
        for i in s.exec(select(Issue).where(*open_issue)
                        .order_by(Issue.raised_at.desc()).limit(CARD_ISSUES)).all():
            card.issues.append((i.number, i.title, i.priority, i.status))
        if len(card.issues) == CARD_ISSUES:
            card.issues_more = s.exec(select(func.count()).select_from(Issue).where(*open_issue)).one() - CARD_ISSUES
    return card


def my_calls_today(store: Store, actor: Actor, day: date | None = None) -> list[TodayCall]:
    """What this user recorded on ``day`` (default today), newest first."""
    day = day or store.today()
    start = datetime.combine(day, time.min)
    with store.read() as s:
        acting(s, actor)
        rows = s.exec(
            select(CallAttempt.at, Callback.number, Customer.name, Callback.kind, CallAttempt.outcome,
                   Callback.score_resolution, Callback.score_attitude)
            .join(Callback, Callback.id == CallAttempt.callback_id)
            .join(Customer, Customer.id == Callback.customer_id)
            .where(CallAttempt.agent_login == actor.login, CallAttempt.at >= start,
                   CallAttempt.at < start + timedelta(days=1))
            .order_by(CallAttempt.at.desc(), CallAttempt.id.desc())).all()
    return [TodayCall(at, number, name, kind, outcome,
                      res if outcome == "completed" else None, att if outcome == "completed" else None)
            for at, number, name, kind, outcome, res, att in rows]
