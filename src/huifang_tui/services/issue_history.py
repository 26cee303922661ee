"""What an issue's exports keep of its past (issue 22 §10): every solution given, with when the
customer was told and how satisfied they were, and how often it was reopened.

A reopen clears the issue's solution columns (the solution that stands is owed again); the
timeline keeps each ``solution`` event, and each ``issue.tell`` audit row keeps the 告知日期 and
满意度 it set, so the history is read from those — nothing is stored twice.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from ..store.models import AuditEntry, Issue, IssueEvent

#: timeline kinds that reopen an issue (a failed verification writes ``reopened`` too)
REOPEN_KINDS = frozenset({"reopened", "reopen", "not_held"})
_CHUNK = 500


def _tells(s: Session, numbers: list[str], since: datetime) -> dict[str, list[dict]]:
    """Per issue number, the ``after`` of each ``issue.tell`` audit row, oldest first. An audit
    row is stamped by the clock when it was written, never before the told event's stated time,
    so ``since`` (the earliest of those) bounds the read on the audit log's time index."""
    out: dict[str, list[dict]] = defaultdict(list)
    for i in range(0, len(numbers), _CHUNK):
        part = numbers[i:i + _CHUNK]
        for number, after in s.exec(select(AuditEntry.entity_id, AuditEntry.after)
                                    .where(AuditEntry.at >= since, AuditEntry.entity == "issue",
                                           AuditEntry.action == "issue.tell", col(AuditEntry.entity_id).in_(part))
                                    .order_by(AuditEntry.id)):
            try:
                out[number].append(json.loads(after) if after else {})
            except ValueError:
                out[number].append({})
    return out


def histories(s: Session, issues: Sequence[Issue], events: Mapping[int, Iterable[IssueEvent]]
              ) -> dict[int, tuple[int, list[dict]]]:
    """issue id → (times reopened, solutions as ``{at, by, text, told_on, satisfaction}``).

    The audit log is read only for issues told of a solution that a reopen then cleared (the
    standing solution's told date and satisfaction are the issue's own columns)."""
    cleared: dict[str, datetime] = {}  # issue number → its earliest told event later reopened
    for issue in issues:
        told_at = None
        for e in events.get(issue.id, ()):
            if e.kind == "told" and told_at is None:
                told_at = e.at
            elif e.kind in REOPEN_KINDS and told_at is not None:
                cleared[issue.number] = told_at
                break
    tells = _tells(s, sorted(cleared), min(cleared.values())) if cleared else {}
    out: dict[int, tuple[int, list[dict]]] = {}
    for issue in issues:
        told = iter(tells.get(issue.number, ()))
        reopened, solutions, standing = 0, [], False
        for e in events.get(issue.id, ()):
            if e.kind == "solution":
                solutions.append({"at": e.at.isoformat(), "by": e.login, "text": e.text,
                                  "told_on": None, "satisfaction": None})
                standing = True
            elif e.kind == "told" and solutions:
                after = next(told, {})
                last = solutions[-1]
                last["told_on"] = after.get("customer_told_on", last["told_on"])
                last["satisfaction"] = after.get("satisfaction", last["satisfaction"])
            elif e.kind in REOPEN_KINDS:
                reopened += 1
                standing = False
        if standing and solutions:  # the solution that stands: the issue's own columns say it
            last = solutions[-1]
            if issue.customer_told_on is not None:
                last["told_on"] = issue.customer_told_on.isoformat()
            if issue.satisfaction is not None:
                last["satisfaction"] = issue.satisfaction
        out[issue.id] = (reopened, solutions)
    return out
