"""The audit log as supervisors read it: newest first, phones masked, refusals in their words.

SPEC §6. Read only — nothing in the app edits or deletes audit entries; a refusal's message code
is shown in the reader's language.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from ..domain.masking import mask_phone
from ..store.models import AuditEntry, Callback, Customer, Issue
from .base import Actor, Store, require


@dataclass
class AuditRow:
    at: datetime
    login: str
    action: str
    entity: str
    entity_id: str
    before: str
    after: str

    def as_json(self) -> dict:
        return {"at": self.at.isoformat(timespec="seconds"), "login": self.login, "action": self.action,
                "entity": self.entity, "entity_id": self.entity_id,
                "before": _json_or_text(self.before), "after": _json_or_text(self.after)}


def _json_or_text(text: str):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


_PHONE_RUN = re.compile(r"(?<![A-Za-z0-9])\+?\d[\d \-]{5,}\d(?![0-9])")


def mask_text(text: str) -> str:
    """Any phone-like run of digits in ``text`` masked (audit before/after snapshots)."""
    return _PHONE_RUN.sub(lambda m: mask_phone(m.group(0)) if sum(c.isdigit() for c in m.group(0)) >= 7
                          else m.group(0), text or "")


_DATEISH = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")


def _mask_snapshot(text: str) -> str:
    """Mask phones but keep ISO dates and times readable."""
    keep: list[str] = []

    def hold(m: re.Match) -> str:
        keep.append(m.group(0))
        return f"\x00{len(keep) - 1}\x00"

    held = _DATEISH.sub(hold, text or "")
    masked = mask_text(held)
    return re.sub(r"\x00(\d+)\x00", lambda m: keep[int(m.group(1))], masked)


def audit_log(store: Store, actor: Actor, *, since: datetime | None = None, until: datetime | None = None,
              login: str | None = None, action: str | None = None, customer: str | None = None,
              limit: int = 500) -> list[AuditRow]:
    """The audit log, newest first, phones masked (supervisors and admins; read only — nothing
    in the app edits or deletes audit entries)."""
    require(actor, "supervisor", store=store, what="audit")
    with store.read() as s:
        q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        if since is not None:
            q = q.where(AuditEntry.at >= since)
        if until is not None:
            q = q.where(AuditEntry.at <= until)
        if login:
            q = q.where(AuditEntry.login == login)
        if action:
            q = q.where(AuditEntry.action.like(f"{action}%"))
        if customer:
            cids = list(s.exec(select(Customer.id).where(Customer.name.like(f"%{customer}%"))))
            numbers = list(s.exec(select(Callback.number).where(Callback.customer_id.in_(cids)))) if cids else []
            issues = list(s.exec(select(Issue.number).where(Issue.customer_id.in_(cids)))) if cids else []
            q = q.where(or_(
                and_(AuditEntry.entity == "customer", AuditEntry.entity_id.in_([str(c) for c in cids])),
                and_(AuditEntry.entity == "callback", AuditEntry.entity_id.in_(numbers)),
                and_(AuditEntry.entity == "issue", AuditEntry.entity_id.in_(issues)),
            ))
        rows = list(s.exec(q))
        counted = _refusal_counts(s, rows)
    return [AuditRow(r.at, r.login, r.action, r.entity, r.entity_id, _mask_snapshot(audit_words(r.before)),
                     _mask_snapshot(audit_words(counted.get(r.id, r.after))))
            for r in rows]


def audit_words(snapshot: str) -> str:
    """An audit row's before/after with the system's message codes (a refusal's reason) in the
    reader's language; everything else as stored (issue 22 item 9)."""
    if not snapshot or '"code"' not in snapshot:
        return snapshot
    from ..core.i18n import is_code, render

    try:
        data = json.loads(snapshot)
    except ValueError:
        return snapshot
    if not isinstance(data, dict):
        return snapshot
    out = {k: render(v["code"], v.get("params")) if is_code(v) else v for k, v in data.items()}
    return json.dumps(out, ensure_ascii=False)


def _refusal_counts(s: Session, rows: list[AuditEntry]) -> dict[int, str]:
    """A ``refused.more`` row's ``after`` with ``count``: how many refusals of that login and action
    it stands for in its minute, beyond the first ``REFUSALS_KEPT`` (read from its counter)."""
    from ..domain.limits import REFUSALS_KEPT
    from ..store.models import Counter
    from .base import REFUSED_MORE

    more = {}
    for r in rows:
        if r.action == REFUSED_MORE:
            try:
                more[r.id] = json.loads(r.after)
            except ValueError:
                continue
    keys = [d.get("counter") for d in more.values() if isinstance(d, dict) and d.get("counter")]
    if not keys:
        return {}
    totals = dict(s.exec(select(Counter.key, Counter.value).where(Counter.key.in_(keys))).all())
    out = {}
    for rid, d in more.items():
        key = d.pop("counter", None)
        d["count"] = max(1, totals.get(key, REFUSALS_KEPT + 1) - REFUSALS_KEPT)
        out[rid] = json.dumps(d, ensure_ascii=False)
    return out

