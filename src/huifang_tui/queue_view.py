"""Queue rows as the screens and the command line see them (no storage imports here)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import date, datetime

from .domain import queue as dq
from .domain.masking import mask_phone  # noqa: F401  (re-exported: lists mask phones, SPEC §6)


@dataclass(slots=True)
class QueueRow:
    id: int
    number: str
    kind: str
    customer_id: int
    customer: str
    tier: str
    contact: str
    phone_masked: str
    due_on: date
    deadline_on: date
    deadline_at: datetime | None
    overdue: bool
    attempts: int
    status: str
    agent: str | None
    assignee: str
    priority: int
    estimated: bool
    next_attempt_at: datetime | None
    claimed_by: str | None
    group: int = 0  # rows of one customer on one day share a group number (one call)

    @property
    def deadline_iso(self) -> str:
        return self.deadline_at.isoformat(timespec="minutes") if self.deadline_at else self.deadline_on.isoformat()

    def as_json(self) -> dict:
        return {
            "number": self.number, "kind": self.kind, "customer": self.customer,
            "contact": self.contact, "phone": self.phone_masked, "due_on": self.due_on.isoformat(),
            "deadline": self.deadline_iso, "overdue": self.overdue, "attempts": self.attempts,
            "status": self.status, "agent": self.agent, "assignee": self.assignee,
            "priority": self.priority, "estimated": self.estimated,
            "next_attempt_at": self.next_attempt_at.isoformat(timespec="minutes") if self.next_attempt_at else None,
        }


@dataclass(slots=True)
class Progress:
    """The queue header, counted as the board counts (issue 12): done = completed today by this
    login's attempt; due = done + open callbacks assigned to this login due by today; overdue =
    of those, past their deadline. Pool items are counted apart (they never block a day close)."""

    done_today: int
    due_today: int
    overdue: int
    unreachable: int = 0  # supervisors only: callbacks that ran out of attempts this week (alert)
    pool: int = 0  # unassigned items in this queue, due by today


ALERT_DAYS = 7  # how long an unreachable callback stays in the supervisor's alert count

# Unassigned callbacks each role works besides the agents' shared pool (assignee values).
ROLE_QUEUES = {"agent": ("agent",), "supervisor": ("agent", "supervisor", "followup"),
               "admin": ("agent", "supervisor", "followup"), "sales_manager": ("sales_manager",)}

CLAIM_TTL_SECONDS = 600
HOST = socket.gethostname()


def claim_alive(claimed_by: str | None, claimed_at: datetime | None, pid: int | None, host: str | None,
                now: datetime) -> bool:
    """A claim holds while it is fresh and, on this machine, its process still runs."""
    if not claimed_by or claimed_at is None or (now - claimed_at).total_seconds() > CLAIM_TTL_SECONDS:
        return False
    if host == HOST and pid:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False  # its process died: the claim has expired
        except PermissionError:
            return True
    return True


def order_queue(rows: list[QueueRow]) -> None:
    """SPEC §4 order (follow-ups and complaints, overdue, deadline), then one customer's items
    side by side, as one call (SPEC §3). In place; numbers each row's group."""
    rows.sort(key=lambda r: dq.sort_key(r.priority, r.overdue, r.deadline_on, r.deadline_at, r.number))
    groups = dq.group_same_customer(rows)
    rows[:] = [r for g in groups for r in g]
    for i, g in enumerate(groups):
        for r in g:
            r.group = i
