"""The outbox (issue 26 item 1): a notification written in the same transaction as the event it
tells of, so a rolled-back event sends nothing and a committed one cannot be lost.

``emit`` is called by the service that writes the event, inside its write session: it reads the
routes (``Setting`` ``notify.routes``, set by ``huifang notify route``), writes one row per
routed channel (one ``unrouted`` row when no route names a channel yet, sent once one does) and
stores the message as a code with parameters (``core/i18n`` ``notify.toml``), rendered in each
channel's language when sent. An event already told (same kind, ref and channel) is not told
again. Delivery is ``services/notify.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from ..core.i18n import encode
from ..domain import notify as rules
from ..domain.masking import mask_phone
from ..store.models import Contact, Notification, NotificationAttempt, Setting
from .base import Actor, audit, serialize
from .calendar import load_calendar, load_policy

ROUTES_KEY = "notify.routes"


def load_routes(s: Session) -> dict[str, list[str]]:
    """kind → channel names, as the admin set them (unknown kinds dropped)."""
    row = s.get(Setting, ROUTES_KEY)
    if row is None or not row.value.strip():
        return {}
    try:
        data = json.loads(row.value)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: [str(c) for c in v if str(c)] for k, v in data.items()
            if k in rules.KINDS and isinstance(v, list)}


def emit(s: Session, kind: str, ref: str, message: str, now: datetime, *, by: str = "",
         attach: str = "") -> list[Notification]:
    """Write the notifications of one event (``kind`` of ``domain.notify.KINDS``, ``ref`` naming
    the event) inside the caller's write transaction. ``message`` is a ``t(...)`` text: its code
    and parameters are stored, never its words. Returns the rows written (none when this event
    was already told)."""
    if kind not in rules.KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    coded = encode(message)
    if coded is None:
        raise ValueError("a notification's message must be a catalog text (t(...))")
    channels = load_routes(s).get(kind) or [""]
    due = rules.due_at(kind, now, load_calendar(s), load_policy(s).work_hours)
    # PostgreSQL: two transactions telling the same event (two planners at once) take turns, so
    # the second sees the first's rows and writes none (instead of failing on the unique key)
    serialize(s, f"outbox:{kind}:{ref}")
    told = set(s.exec(select(Notification.channel).where(
        Notification.kind == kind, Notification.ref == ref)).all())
    rows = []
    for channel in dict.fromkeys(channels):
        if channel in told:
            continue
        row = Notification(
            kind=kind, ref=ref, channel=channel, code=coded["code"],
            params=json.dumps(coded["params"], ensure_ascii=False), attach=attach,
            created_at=now, created_by=by, state=rules.PENDING if channel else rules.UNROUTED,
            next_try_at=due, answer="")
        s.add(row)
        rows.append(row)
    if rows:
        s.flush()
    return rows


# -- what the events' messages say (issue 26 item 2) ------------------------------------------


def phone_of(s: Session, customer_id: int, contact_name: str = "") -> str:
    """The phone of the customer's contact *contact_name* (else its primary contact) as lists
    show it (``domain.masking``): a notification leaves the app, never with a whole number."""
    rows = s.exec(select(Contact.name, Contact.phone).where(Contact.customer_id == customer_id)
                  .order_by(col(Contact.is_primary).desc(), Contact.id)).all()
    phone = next((p for n, p in rows if n == contact_name), rows[0][1] if rows else "")
    return mask_phone(phone or "")


def retell(s: Session, kind: str, ref: str, message: str) -> int:
    """An event told but not sent yet whose words changed (a request replaced while it waits):
    the rows not sent yet say the new *message*. Returns how many."""
    coded = encode(message)
    if coded is None:
        raise ValueError("a notification's message must be a catalog text (t(...))")
    rows = s.exec(select(Notification).where(
        Notification.kind == kind, Notification.ref == ref,
        col(Notification.state).in_((rules.PENDING, rules.UNROUTED)))).all()
    for row in rows:
        row.code, row.params = coded["code"], json.dumps(coded["params"], ensure_ascii=False)
        s.add(row)
    return len(rows)


def withdraw(s: Session, actor: Actor, now: datetime, kinds: Iterable[str], ref: str) -> list[int]:
    """Take back the notifications of an event that no longer stands (an outcome undone, an
    escalation withdrawn) while nobody has been told: rows not sent, never tried and not held by
    a sender are deleted, each audited. What was sent, or is being sent, stays (it cannot be
    unsent; the app shows how things stand). Returns the ids taken back."""
    rows = s.exec(select(Notification).where(
        col(Notification.kind).in_(list(kinds)), Notification.ref == ref,
        col(Notification.state).in_((rules.PENDING, rules.UNROUTED)), Notification.tries == 0,
        or_(col(Notification.lease_until).is_(None), col(Notification.lease_until) <= now))
        .with_for_update()).all()  # PostgreSQL: a sender's claim committed meanwhile is seen
    tried = set(s.exec(select(NotificationAttempt.notification_id).where(
        col(NotificationAttempt.notification_id).in_([r.id for r in rows])))) if rows else set()
    gone = []
    for row in rows:
        if row.id in tried:  # a rate-limited try already reached a server: left as it is
            continue
        s.delete(row)
        audit(s, actor, now, "notification.withdraw", "notification", row.id,
              {"kind": row.kind, "ref": row.ref, "channel": row.channel, "state": row.state}, None)
        gone.append(row.id)
    if gone:
        s.flush()
    return gone
