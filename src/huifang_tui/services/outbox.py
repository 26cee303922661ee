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

from ..core.errors import ValidationError
from ..core.i18n import encode, t
from ..domain import notify as rules
from ..domain.masking import mask_phone
from ..store.models import Contact, Department, Issue, Notification, NotificationAttempt, Setting
from .base import Actor, audit, serialize
from .calendar import load_calendar, load_policy

ROUTES_KEY = "notify.routes"


# the kinds told of an issue, which belongs to a department (``Issue.department``, by its name
# as ``huifang department`` lists it): a route ``KIND@DEPARTMENT`` wins over the plain ``KIND``
# for that department's issues (issue 26 walk item 1) — the 技术支持组 head is not told of
# 投诉处理组's escalations. The other kinds belong to no department.
DEPARTMENT_KINDS = ("complaint", "escalation.1", "escalation.2")
AT = "@"


def route_kind(key: str) -> tuple[str, str]:
    """A route key's kind and department (``"escalation.1@技术支持组"`` → both; a plain kind →
    ``(kind, "")``)."""
    kind, _, department = key.partition(AT)
    return kind, department


def is_route_key(key: str) -> bool:
    """A kind, or a kind that belongs to a department followed by ``@`` and a department name
    (whether that department exists is :func:`check_route_key`'s)."""
    kind, department = route_kind(key)
    if AT not in key:
        return kind in rules.KINDS
    return kind in DEPARTMENT_KINDS and bool(department.strip()) and department == department.strip()


def check_route_key(s: Session, key: str) -> None:
    """Refuse a route key that names no kind, a department on a kind that has none, or a
    department ``huifang department`` does not list (naming the ones it does)."""
    kind, department = route_kind(key)
    if AT not in key:
        if kind not in rules.KINDS:
            raise ValidationError(t("notifysend.err.kind", kind=key, kinds=", ".join(rules.KINDS)))
        return
    if kind not in DEPARTMENT_KINDS:
        raise ValidationError(t("notify.route.err_no_department", route=key, kinds=", ".join(DEPARTMENT_KINDS)))
    known = list(s.exec(select(Department.name).where(Department.active == True)  # noqa: E712
                        .order_by(Department.id)))
    if department not in known:
        raise ValidationError(t("notify.route.err_department", department=department,
                                names="、".join(known) or "—"))


def route_keys(have: dict[str, list[str]]) -> list[str]:
    """Every kind in ``KINDS`` order, each followed by its departments' routes (by name)."""
    out = []
    for kind in rules.KINDS:
        out.append(kind)
        out += sorted(k for k in have if AT in k and route_kind(k)[0] == kind)
    return out


def channels_for(routes: dict[str, list[str]], kind: str, department: str = "") -> list[str]:
    """The channels an event of *kind* goes to: its department's route when it has one, else
    the kind's."""
    if department and kind in DEPARTMENT_KINDS:
        own = routes.get(f"{kind}{AT}{department}")
        if own:
            return own
    return routes.get(kind) or []


def department_of(s: Session, kind: str, ref: str) -> str:
    """The department an event already written belongs to (an unrouted row routed late): the
    issue its ref names (``issue:<number>…``), as that issue stands now."""
    if kind not in DEPARTMENT_KINDS or not ref.startswith("issue:"):
        return ""
    number = ref.split(":")[1]
    return s.exec(select(Issue.department).where(Issue.number == number)).first() or ""


def load_routes(s: Session) -> dict[str, list[str]]:
    """kind (or ``KIND@DEPARTMENT``) → channel names, as the admin set them (unknown kinds
    dropped)."""
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
            if is_route_key(k) and isinstance(v, list)}


def emit(s: Session, kind: str, ref: str, message: str, now: datetime, *, by: str = "",
         attach: str = "", department: str = "") -> list[Notification]:
    """Write the notifications of one event (``kind`` of ``domain.notify.KINDS``, ``ref`` naming
    the event) inside the caller's write transaction. ``message`` is a ``t(...)`` text: its code
    and parameters are stored, never its words. ``department``: the department the event's issue
    belongs to (``DEPARTMENT_KINDS``), whose own route ``KIND@DEPARTMENT`` wins over ``KIND``.
    Returns the rows written (none when this event was already told)."""
    if kind not in rules.KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    coded = encode(message)
    if coded is None:
        raise ValueError("a notification's message must be a catalog text (t(...))")
    channels = channels_for(load_routes(s), kind, department) or [""]
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
