"""Dated facts the rules read, and the callbacks they plan (SPEC §3, §5).

Trigger refs are natural, stable strings so that re-running a rule on the same facts yields
the same ``PlannedCallback.key`` (no duplicates however often an import is repeated):
``wo:<number>``, ``sale:<contract_no>``, ``cb:<callback number>``, ``onsite:<YYYY>-<i>``,
``reg:<YYYY-MM-DD>``, ``event:<kind>:<YYYY-MM-DD>``, ``inactive:<YYYY-MM-DD>``,
``annual:<YYYY>-<n>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .policy import KINDS, SERVICE_TYPES, TIERS

__all__ = [
    "ASSIGNEES",
    "EVENT_KINDS",
    "KINDS",
    "SERVICE_TYPES",
    "TIERS",
    "CompletedCallback",
    "CustomerFact",
    "EventFact",
    "PlannedCallback",
    "SaleFact",
    "WorkOrderFact",
]

EVENT_KINDS: tuple[str, ...] = ("registration", "activity", "inquiry")
ASSIGNEES: tuple[str, ...] = ("agent", "supervisor", "sales_manager", "followup")


@dataclass(frozen=True, slots=True)
class CustomerFact:
    id: int
    name: str
    tier: str  # standard | key | major | strategic
    is_member: bool
    agent: str | None
    registered_on: date | None
    last_activity_on: date | None


@dataclass(frozen=True, slots=True)
class WorkOrderFact:
    id: int
    number: str
    customer_id: int
    service_type: str | None  # install | commission | repair | consult
    planned_completion: datetime | None
    actual_completion: datetime | None


@dataclass(frozen=True, slots=True)
class SaleFact:
    id: int
    contract_no: str
    customer_id: int
    sold_on: date


@dataclass(frozen=True, slots=True)
class EventFact:
    id: int
    customer_id: int
    kind: str  # registration | activity | inquiry
    occurred_on: date


@dataclass(frozen=True, slots=True)
class CompletedCallback:
    number: str
    customer_id: int
    kind: str
    trigger_ref: str
    completed_at: datetime
    score_resolution: int | None
    score_attitude: int | None
    negative_feedback: bool
    needs_onsite: bool


@dataclass(frozen=True, slots=True)
class PlannedCallback:
    kind: str
    customer_id: int
    trigger_ref: str
    due_on: date
    deadline_on: date
    deadline_at: datetime | None  # only for hour-based deadlines (low_score)
    priority: int
    assignee: str  # agent | supervisor | sales_manager | followup
    estimated: bool  # a date fell in a year without official calendar data (预估)

    @property
    def key(self) -> tuple[int, str, str]:
        """Identity for de-duplication: one callback per (customer, kind, trigger)."""
        return (self.customer_id, self.kind, self.trigger_ref)
