"""Scheduling rules of SPEC §3: pure functions from dated facts to planned callbacks.

Conventions (SPEC §3): "within N working days after D" = ``cal.add_working_days(D, N)``;
months as ``relativedelta`` counts them (``dates.add_months``: the day clipped to the month's
end); a ``due_on`` on a non-working day moves forward, a date deadline moves back; if that
would put ``due_on`` after the deadline, ``due_on`` is clamped to it.  "due_on + 1 month" is
counted from the (moved) ``due_on``.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from datetime import date, datetime, timedelta

from .calendar import WorkCalendar
from .dates import add_months
from .facts import (
    CompletedCallback,
    CustomerFact,
    EventFact,
    PlannedCallback,
    SaleFact,
    WorkOrderFact,
)
from .follow_up import owed_kinds
from .policy import Policy

AGENT, SUPERVISOR, SALES_MANAGER, FOLLOWUP = "agent", "supervisor", "sales_manager", "followup"



def _check(customer: CustomerFact, customer_id: int) -> None:
    if customer.id != customer_id:
        raise ValueError(f"fact belongs to customer {customer_id}, not {customer.id}")


def _plan(kind: str, customer: CustomerFact, ref: str, due: date, deadline: date,
          policy: Policy, cal: WorkCalendar, *, assignee: str = AGENT,
          deadline_at: datetime | None = None) -> PlannedCallback:
    due_on, deadline_on = cal.on_or_after(due), cal.on_or_before(deadline)
    if due_on > deadline_on:  # hour deadlines keep due_on (it is "now"); dates clamp due_on
        if deadline_at is not None:
            deadline_on = due_on
        else:
            due_on = deadline_on
    return PlannedCallback(
        kind=kind, customer_id=customer.id, trigger_ref=ref, due_on=due_on,
        deadline_on=deadline_on, deadline_at=deadline_at, priority=policy.priority_of(kind),
        assignee=assignee, estimated=cal.is_estimated(due_on) or cal.is_estimated(deadline_on),
    )


def for_work_order(wo: WorkOrderFact, customer: CustomerFact, policy: Policy,
                   cal: WorkCalendar, now: datetime) -> list[PlannedCallback]:
    """progress_check (000 §4.5) while overdue and open; completion (003 四) + usage (000 §4.9)."""
    _check(customer, wo.customer_id)
    ref = f"wo:{wo.number}"
    if wo.actual_completion is None:
        if wo.planned_completion is None or wo.planned_completion >= now:
            return []
        due = cal.next_working_day(wo.planned_completion.date())
        deadline = cal.add_working_days(due, policy.progress_check_deadline_wd)
        return [_plan("progress_check", customer, ref, due, deadline, policy, cal)]
    done = wo.actual_completion.date()
    out = [_plan("completion", customer, ref, cal.next_working_day(done),
                 cal.add_working_days(done, policy.completion_deadline_wd), policy, cal)]
    if wo.service_type in policy.usage_service_types:
        out.append(_plan("usage", customer, ref, add_months(done, policy.usage_due_months),
                         add_months(done, policy.usage_deadline_months), policy, cal))
    return out


def for_sale(sale: SaleFact, customer: CustomerFact, policy: Policy,
             cal: WorkCalendar) -> list[PlannedCallback]:
    """first_sale: next working day, within one month of the sale (000 第4条)."""
    _check(customer, sale.customer_id)
    return [_plan("first_sale", customer, f"sale:{sale.contract_no}",
                  cal.next_working_day(sale.sold_on),
                  add_months(sale.sold_on, policy.first_sale_deadline_months), policy, cal)]


def for_event(ev: EventFact, customer: CustomerFact, policy: Policy,
              cal: WorkCalendar) -> list[PlannedCallback]:
    """nm_new (001 三(一)1) for a registration, nm_event (001 三(一)3) otherwise; non-members only."""
    _check(customer, ev.customer_id)
    if customer.is_member:
        return []
    day, nxt = ev.occurred_on, cal.next_working_day(ev.occurred_on)
    if ev.kind == "registration":
        return [_plan("nm_new", customer, f"reg:{day.isoformat()}", nxt,
                      cal.add_working_days(day, policy.nm_new_deadline_wd), policy, cal)]
    if ev.kind in ("activity", "inquiry"):
        return [_plan("nm_event", customer, f"event:{ev.kind}:{day.isoformat()}", nxt,
                      cal.add_working_days(day, policy.nm_event_deadline_wd), policy, cal)]
    raise ValueError(f"unknown event kind {ev.kind!r}")


def inactive_months(customer: CustomerFact, policy: Policy) -> int:
    """6 months of silence, 3 for tier key and above (001 三(一)2, 三(二)2)."""
    return policy.nm_inactive_months if customer.tier == "standard" else policy.nm_inactive_months_key_plus


def _nm_inactive(customer: CustomerFact, ref: str, due: date, policy: Policy,
                 cal: WorkCalendar) -> PlannedCallback:
    due_on = cal.on_or_after(due)
    return _plan("nm_inactive", customer, ref, due_on,
                 add_months(due_on, policy.nm_inactive_deadline_months), policy, cal)


def _cycle(customer: CustomerFact, year: int, index: int, policy: Policy,
           cal: WorkCalendar) -> list[PlannedCallback]:
    months = policy.onsite_cycle_months.get(customer.tier, 0)
    if not months:
        return []
    if index > 12 // months:  # cycle length changed under us: start the next year afresh
        year, index = year + 1, 1
    start = date(year, (index - 1) * months + 1, 1)
    end = add_months(start, months) - timedelta(days=1)
    return [_plan("onsite", customer, f"onsite:{year}-{index}", start, end, policy, cal,
                  assignee=SUPERVISOR)]


def for_customer(customer: CustomerFact, policy: Policy, cal: WorkCalendar,
                 today: date) -> list[PlannedCallback]:
    """nm_inactive once due (001 三(一)2) and the current on-site cycle (000 第6条1)."""
    out: list[PlannedCallback] = []
    last = customer.last_activity_on or customer.registered_on
    if not customer.is_member and last is not None:
        plan = _nm_inactive(customer, f"inactive:{last.isoformat()}",
                            add_months(last, inactive_months(customer, policy)), policy, cal)
        if plan.deadline_on < today:
            # A state that still holds is not history (SPEC §7): due at the run, a month to do it.
            plan = _nm_inactive(customer, plan.trigger_ref, today, policy, cal)
        if plan.due_on <= today:
            out.append(plan)
    months = policy.onsite_cycle_months.get(customer.tier, 0)
    if months:
        out += _cycle(customer, today.year, (today.month - 1) // months + 1, policy, cal)
    return out


def _is_low(cb: CompletedCallback, threshold: int) -> bool:
    return "low_score" in owed_kinds(score_resolution=cb.score_resolution, score_attitude=cb.score_attitude,
                                     negative_feedback=cb.negative_feedback, needs_onsite=False,
                                     threshold=threshold)


def after_completion(cb: CompletedCallback, customer: CustomerFact, policy: Policy,
                     cal: WorkCalendar) -> list[PlannedCallback]:
    """Follow-ups and next links of a completed callback (003 四; 000 第5条, 第6条, 第8条)."""
    _check(customer, cb.customer_id)
    ref, done = f"cb:{cb.number}", cb.completed_at.date()
    out: list[PlannedCallback] = []
    if _is_low(cb, policy.low_score_threshold):
        at = cb.completed_at + timedelta(hours=policy.low_score_hours)
        out.append(_plan("low_score", customer, ref, done, at.date(), policy, cal,
                         assignee=FOLLOWUP, deadline_at=at))
    if cb.kind in ("first_sale", "quarterly"):
        due_on = cal.on_or_after(add_months(done, policy.quarterly_months))
        out.append(_plan("quarterly", customer, ref, due_on,
                         add_months(due_on, policy.quarterly_deadline_months), policy, cal))
    if cb.needs_onsite:
        out.append(_plan("onsite", customer, ref, cal.next_working_day(done),
                         cal.add_working_days(done, policy.onsite_needs_deadline_wd), policy, cal,
                         assignee=SUPERVISOR))
    if cb.kind == "onsite" and cb.trigger_ref.startswith("onsite:"):
        year, index = (int(x) for x in cb.trigger_ref.removeprefix("onsite:").split("-"))
        months = policy.onsite_cycle_months.get(customer.tier, 0)
        if months:
            nxt = (year, index + 1) if index < 12 // months else (year + 1, 1)
            out += _cycle(customer, *nxt, policy, cal)
    if cb.kind == "nm_inactive" and not customer.is_member:
        out.append(_nm_inactive(customer, ref, add_months(done, inactive_months(customer, policy)),
                                policy, cal))
    return out


_CHAIN_KINDS = ("first_sale", "quarterly", "onsite", "nm_inactive")


def after_closing(number: str, customer_id: int, kind: str, trigger_ref: str, deadline_on: date,
                  customer: CustomerFact, policy: Policy, cal: WorkCalendar) -> list[PlannedCallback]:
    """The next link of a chain (quarterly, on-site cycle, inactivity) whose link was lapsed,
    refused or unreachable: planned from that link's deadline (SPEC §7). Nothing was said,
    so no low-score or on-site follow-up."""
    if kind not in _CHAIN_KINDS:
        return []
    link = CompletedCallback(number=number, customer_id=customer_id, kind=kind, trigger_ref=trigger_ref,
                             completed_at=datetime.combine(deadline_on, datetime.min.time()),
                             score_resolution=None, score_attitude=None, negative_feedback=False,
                             needs_onsite=False)
    return after_completion(link, customer, policy, cal)


def annual_visit(customer: CustomerFact, planned_on: date, n: int, policy: Policy,
                 cal: WorkCalendar, *, deadline_on: date | None = None) -> list[PlannedCallback]:
    """The n-th (1..annual_visits_max) yearly visit of a key+ customer (000 二.3, §4.10).

    The plan gives the date; the deadline defaults to planned_on + annual_visit_deadline_months.
    """
    if customer.tier not in policy.annual_visit_tiers:
        return []
    if not 1 <= n <= policy.annual_visits_max:
        raise ValueError(f"annual visit number must be 1..{policy.annual_visits_max}, got {n}")
    deadline = deadline_on or add_months(planned_on, policy.annual_visit_deadline_months)
    return [_plan("annual_visit", customer, f"annual:{planned_on.year}-{n}", planned_on,
                  deadline, policy, cal, assignee=SALES_MANAGER)]


def new_only(planned: Iterable[PlannedCallback],
             existing: Container[tuple[int, str, str]]) -> list[PlannedCallback]:
    """Drop plans whose key already exists (or repeats within *planned*): SPEC §3 no duplicates."""
    seen: set[tuple[int, str, str]] = set()
    out = []
    for p in planned:
        if p.key not in existing and p.key not in seen:
            seen.add(p.key)
            out.append(p)
    return out
