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
from datetime import datetime

from sqlmodel import Session, select

from ..core.i18n import encode
from ..domain import notify as rules
from ..store.models import Notification, Setting
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
