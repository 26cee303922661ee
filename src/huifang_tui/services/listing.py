"""Every callback whatever its status (``huifang callbacks``; SPEC §7 history)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from sqlmodel import select

from ..domain import queue as dq
from ..domain.queue import QueueRow
from ..domain.dates import first_of_month
from ..domain.words import CALLBACK_STATUSES
from ..core.i18n import t
from ..core.safe_text import mask_phone
from ..store.models import CallAttempt, Callback, Customer, SpotCheck, WorkOrder
from .access import own_and_pool
from .base import Actor, PermissionDenied, Store, ValidationError, acting, denied  # noqa: F401
from .follow_up import states_of
from .deferrals import late_deferrals
from .queue import contact_phones

STATUSES = CALLBACK_STATUSES


@dataclass(slots=True)
class CallbackRow:
    """A queue row plus what the history needs (``queue --json`` fields + these)."""

    row: QueueRow
    planned_due_on: date | None
    completed_at: datetime | None
    score_resolution: int | None
    score_attitude: int | None
    late_entry: bool
    follow_up: str | None = None  # 跟进状态 (domain.follow_up): needed, in_progress, done, none
    # what recomputing the monthly KPIs needs (issue 22 §10)
    completed_by: str | None = None  # the login on the completing attempt
    lead: bool = False  # a sales lead
    spot_check: str | None = None  # None not marked · accurate · inaccurate
    work_order: str | None = None  # 工单编号
    trigger: str = ""  # the trigger ref (wo:…, sale:…, reg:…)
    completed_late: bool = False  # the completion itself entered late (the KPI late_entries)

    def as_json(self) -> dict:
        return {
            **self.row.as_json(),
            "status": self.row.status,
            "planned_due_on": self.planned_due_on.isoformat() if self.planned_due_on else None,
            "completed_at": self.completed_at.isoformat(timespec="minutes") if self.completed_at else None,
            "score_resolution": self.score_resolution,
            "score_attitude": self.score_attitude,
            "late_entry": self.late_entry,
            "completed_by": self.completed_by,
            "lead": self.lead,
            "spot_check": self.spot_check,
            "work_order": self.work_order,
            "trigger": self.trigger,
            "completed_late": self.completed_late,
            "follow_up": self.follow_up,
            "agent": self.row.agent,
        }


def parse_month(text: str) -> date:
    """``YYYY-MM`` → the first day of that month; bad input names the option and the fix."""
    try:
        return first_of_month(text)
    except ValueError:
        raise ValidationError("--month: " + t("cli.expect.month", value=text)) from None


def list_callbacks(store: Store, actor: Actor, *, status: str | None = None, customer: str | None = None,
                   agent: str | None = None, month: date | None = None) -> list[CallbackRow]:
    """An agent sees their own and the pool (``agent`` another login is refused); supervisors
    and admins everything, or one agent's. ``month`` filters on ``planned_due_on``."""
    if status is not None and status not in STATUSES:
        raise ValidationError("--status: " + t("call.err.outcome", value=status, codes=", ".join(STATUSES)))
    now = store.now()
    q = select(Callback, Customer.name, Customer.tier).join(Customer, Customer.id == Callback.customer_id)
    if actor.is_supervisor:
        if agent:
            q = q.where(Callback.agent_login == agent)
    else:
        if agent and agent != actor.login:
            raise denied(actor, t("work.other_agent"), "callbacks", agent)
        q = q.where(own_and_pool(actor, actor.login))
    if status:
        q = q.where(Callback.status == status)
    if customer:
        q = q.where(Customer.name.contains(customer.strip()))
    if month:
        q = q.where(Callback.planned_due_on >= month, Callback.planned_due_on < month + relativedelta(months=1))
    q = q.order_by(Callback.planned_due_on, Callback.number)
    with store.read() as s:
        acting(s, actor)
        found = s.exec(q).all()
        phones = contact_phones(s, {cb.customer_id for cb, _, _ in found})
        late = _late(s, [cb.id for cb, _, _ in found]) | late_deferrals(
            s, {cb.number: (cb.id, cb.deferred_on) for cb, _, _ in found if cb.deferred_on is not None})
        extras = _recomputable(s, [cb for cb, _, _ in found])
        follow = states_of(s, [cb for cb, _, _ in found])
    out = []
    for cb, name, tier in found:
        row = QueueRow(
            id=cb.id, number=cb.number, kind=cb.kind, customer_id=cb.customer_id, customer=name, tier=tier,
            contact=cb.contact_name, phone_masked=mask_phone(phones.get((cb.customer_id, cb.contact_name), "")),
            due_on=cb.due_on, deadline_on=cb.deadline_on, deadline_at=cb.deadline_at,
            overdue=cb.status in ("open", "waiting_data") and dq.is_overdue(cb.deadline_on, cb.deadline_at, now),
            attempts=cb.attempts, status=cb.status, agent=cb.agent_login, assignee=cb.assignee,
            priority=cb.priority, estimated=cb.estimated, next_attempt_at=cb.next_attempt_at, claimed_by=None,
        )
        out.append(CallbackRow(row, cb.planned_due_on, cb.completed_at, cb.score_resolution, cb.score_attitude,
                               cb.id in late, follow.get(cb.number)))
    for r in out:
        r.completed_by, r.lead, r.spot_check, r.work_order, r.trigger, r.completed_late = extras[r.row.id]
    return out


def _recomputable(s, cbs: list) -> dict[int, tuple]:  # noqa: ANN001
    """callback id → (completing login, lead, spot-check mark, 工单编号, trigger, completion
    entered late): what the monthly KPIs read besides the row itself. The completing login is
    the one on the completing attempt, as the report counts it (a supervisor's completion is the
    supervisor's); ``late_entries`` counts completions entered late (``late_entry`` is any record)."""
    ids = [cb.id for cb in cbs if cb.status == "completed"]
    done_by: dict[int, tuple[int, str, bool]] = {}
    marks: dict[int, tuple[int, bool | None]] = {}
    for i in range(0, len(ids), 400):
        part = ids[i : i + 400]
        for cid, aid, login, late in s.exec(
                select(CallAttempt.callback_id, CallAttempt.id, CallAttempt.agent_login, CallAttempt.late_entry)
                .where(CallAttempt.callback_id.in_(part), CallAttempt.outcome == "completed")):
            if cid not in done_by or aid > done_by[cid][0]:
                done_by[cid] = (aid, login, bool(late))
        for cid, sid, accurate in s.exec(select(SpotCheck.callback_id, SpotCheck.id, SpotCheck.accurate)
                                         .where(SpotCheck.callback_id.in_(part))):
            if cid not in marks or sid > marks[cid][0]:
                marks[cid] = (sid, accurate)
    wo_ids = sorted({cb.work_order_id for cb in cbs if cb.work_order_id})
    orders: dict[int, str] = {}
    for i in range(0, len(wo_ids), 400):
        orders.update(s.exec(select(WorkOrder.id, WorkOrder.number).where(WorkOrder.id.in_(wo_ids[i : i + 400]))).all())
    out = {}
    for cb in cbs:
        done = cb.status == "completed"
        mark = marks.get(cb.id, (0, None))[1]
        out[cb.id] = (
            (done_by[cb.id][1] if cb.id in done_by else cb.agent_login) if done else None,
            bool(cb.sales_lead),
            None if mark is None else ("accurate" if mark else "inaccurate"),
            orders.get(cb.work_order_id) if cb.work_order_id else None,
            cb.trigger_ref,
            done and cb.id in done_by and done_by[cb.id][2],
        )
    return out


def _late(s, ids: list[int]) -> set[int]:  # noqa: ANN001
    """Callbacks with any record entered late (补录): an attempt, a 改约 or the completion
    (issue 23 item 4)."""
    late: set[int] = set()
    for i in range(0, len(ids), 400):
        late.update(s.exec(select(CallAttempt.callback_id).where(CallAttempt.callback_id.in_(ids[i : i + 400]),
                                                                 CallAttempt.late_entry == True)).all())  # noqa: E712
    return late
