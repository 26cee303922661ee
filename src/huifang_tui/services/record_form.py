"""One record of the 客户回访汇总记录表 entered or corrected in the form (issue 11 §2).

- ``enter_adhoc``: a call or visit made outside the queue becomes a completed callback of kind
  ``adhoc`` (其他回访) with trigger ``adhoc:<回访编号>``; its own date is its planned due date
  and deadline (SPEC §7).
- ``edit_record``: the author within ``edit_minutes`` (policy.toml, default 30) of entering
  it, or a supervisor, corrects a completed record; audited. A save that changes nothing
  writes nothing (no audit row, no version, no follow-up touched; the time counts as unchanged
  when it is the stored one to the minute, as the form shows it). Otherwise the rules run on
  the old and the new values: a follow-up the old values created, still untouched, is
  cancelled with reason "edited" only if the new values no longer call for it as planned, and
  only what the new values call for anew is created (a score moved across the threshold
  creates or cancels exactly its low-score follow-up).

Both refuse anything dated in an approved month (``report.ensure_month_open``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import update
from sqlmodel import Session, select

from ..domain import rules
from ..domain.follow_up import any_low
from ..domain.outcomes import is_late_entry
from ..core.i18n import note_line, t
from ..store.models import AuditEntry, CallAttempt, Callback, Contact, Customer
from .base import (
    Actor,
    Conflict,
    NotFound,
    PermissionDenied,
    ServiceError,
    Store,
    acting,
    audit,
    next_number,
)
from .calendar import load_calendar, load_policy
from .limits import problem, too_long_message
from .planner import completed_fact, customer_fact, plan_after_completion
from .report import ENTRY_ACTIONS, ensure_month_open

CHANNELS = ("phone", "email", "online", "onsite")
EDITABLE = ("completed_at", "channel", "reached_name", "reached_position", "score_resolution",
            "score_attitude", "suggestions", "improvement", "needs", "sales_lead", "needs_onsite",
            "negative_feedback")


class FormError(ServiceError):
    """A bad field in the form; ``field`` names it so the form can show the message beside it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass
class RecordInput:
    """What the form holds for one record (the paper form's fields)."""

    completed_at: datetime
    channel: str = "phone"
    reached_name: str = ""
    reached_position: str = ""
    score_resolution: int | None = None
    score_attitude: int | None = None
    suggestions: str = ""
    improvement: str = ""
    needs: str = ""
    sales_lead: bool = False
    needs_onsite: bool = False
    negative_feedback: bool = False
    customer: str = ""  # ad-hoc records only: the customer's name
    agent: str | None = None  # ad-hoc records: whose record (supervisors may enter for an agent)
    extra: dict = field(default_factory=dict)


def validate(inp: RecordInput, now: datetime) -> list[FormError]:
    errs: list[FormError] = []
    if inp.channel not in CHANNELS:
        errs.append(FormError("channel", t("form.err.channel", value=inp.channel)))
    if inp.completed_at > now:
        errs.append(FormError("completed_at", t("form.err.future", at=inp.completed_at.isoformat(" ", timespec="minutes"))))
    if not inp.reached_name.strip():
        errs.append(FormError("reached_name", t("form.err.reached")))
    for name in ("score_resolution", "score_attitude"):
        v = getattr(inp, name)
        if v is None or not 1 <= v <= 5:
            errs.append(FormError(name, t("form.err.score", field=t(f"report.col.{name}"))))
    long = problem({"suggestions": inp.suggestions, "improvement": inp.improvement, "needs": inp.needs},
                   {"reached_name": inp.reached_name, "reached_position": inp.reached_position,
                    "customer": inp.customer})
    if long is not None:
        errs.append(FormError(long.field, too_long_message(long)))
    return errs


def _check(inp: RecordInput, now: datetime, *, timeline: bool = False) -> None:
    """``timeline``: the time is judged against the callback's stated timeline in the write
    (``_check_stated``, naming both bounds), not here."""
    errs = [e for e in validate(inp, now) if not (timeline and e.field == "completed_at")]
    if errs:
        raise errs[0]


def entered_at(s: Session, number: str) -> datetime | None:
    """When the completion was typed in (the audit log's clock)."""
    return s.exec(select(AuditEntry.at).where(AuditEntry.entity_id == number, AuditEntry.action.in_(ENTRY_ACTIONS))
                  .order_by(AuditEntry.id)).first()


def may_edit(s: Session, actor: Actor, cb: Callback, now: datetime, edit_minutes: int) -> None:
    """Supervisors always; the author only within ``edit_minutes`` of entering the record."""
    if actor.is_supervisor:
        return
    author = s.exec(select(CallAttempt.agent_login).where(CallAttempt.callback_id == cb.id,
                                                          CallAttempt.outcome == "completed")
                    .order_by(CallAttempt.id.desc())).first()
    if author != actor.login:
        raise PermissionDenied(t("form.not_author", number=cb.number))
    at = entered_at(s, cb.number)
    if at is None or now - at > timedelta(minutes=edit_minutes):
        raise PermissionDenied(t("form.edit_expired", number=cb.number, minutes=edit_minutes))


def enter_adhoc(store: Store, actor: Actor, inp: RecordInput) -> str:
    """A call or visit made outside the queue (其他回访); returns its 回访编号."""
    now = store.now()
    _check(inp, now)
    if not inp.customer.strip():
        raise FormError("customer", t("form.err.customer"))
    login = inp.agent or actor.login
    if login != actor.login and not actor.is_supervisor:
        raise PermissionDenied(t("form.not_yours_agent", agent=login))
    day = inp.completed_at.date()
    with store.write() as s:
        acting(s, actor)  # still active, same role: a disabled user's open form is refused here
        ensure_month_open(s, inp.completed_at)
        cust = s.exec(select(Customer).where(Customer.name == inp.customer.strip())).first()
        if cust is None:
            raise FormError("customer", t("form.err.no_customer", name=inp.customer.strip()))
        contact = s.exec(select(Contact).where(Contact.customer_id == cust.id)
                         .order_by(Contact.is_primary.desc(), Contact.id)).first()
        number = next_number(s, "HF", day)
        while s.exec(select(Callback.id).where(Callback.number == number)).first() is not None:
            number = next_number(s, "HF", day)  # a number taken outside the counter (e.g. an import)
        cb = Callback(
            number=number, customer_id=cust.id, kind="adhoc", trigger_ref=f"adhoc:{number}",
            channel=inp.channel, assignee="agent", agent_login=login, priority=50, due_on=day,
            deadline_on=day, status="completed", attempts=1, outcome="completed", completed_at=inp.completed_at,
            contact_name=contact.name if contact else "", created_at=now, updated_at=now,
            follow_status=t("call.follow.done"), planned_due_on=day,
        )
        _apply(cb, inp)
        s.add(cb)
        s.flush()
        late = is_late_entry(inp.completed_at, now, load_calendar(s))
        s.add(CallAttempt(callback_id=cb.id, at=inp.completed_at, agent_login=login, outcome="completed",
                          reached_name=cb.reached_name, reached_position=cb.reached_position,
                          entered_at=now, late_entry=late))
        audit(s, actor, now, "callback.adhoc", "callback", number, None, cb)
        plan_after_completion(s, actor, cb, now, load_calendar(s), load_policy(s))
        from .recording import tell_low_score

        tell_low_score(s, cb, login, now)  # a low score entered in the form is told as a call's is
    return number


def _apply(cb: Callback, inp: RecordInput) -> None:
    cb.completed_at = inp.completed_at
    cb.channel = inp.channel
    cb.reached_name, cb.reached_position = inp.reached_name.strip(), inp.reached_position.strip()
    cb.score_resolution, cb.score_attitude = inp.score_resolution, inp.score_attitude
    cb.suggestions, cb.improvement, cb.needs = inp.suggestions.strip(), inp.improvement.strip(), inp.needs.strip()
    cb.sales_lead, cb.needs_onsite, cb.negative_feedback = inp.sales_lead, inp.needs_onsite, inp.negative_feedback


@dataclass
class EditResult:
    number: str
    cancelled: list[str]
    created: list[str]
    changed: bool = True  # False: the form held what was stored, nothing was written


def load_record(store: Store, actor: Actor, number: str) -> RecordInput:
    """The form's values for an existing completed record."""
    with store.read() as s:
        cb = s.exec(select(Callback).where(Callback.number == number)).first()
        if cb is None:
            raise NotFound(t("call.not_found", number=number))
        if not actor.is_supervisor and cb.agent_login != actor.login:
            raise PermissionDenied(t("form.not_author", number=number))
        cust = s.get(Customer, cb.customer_id)
        return RecordInput(
            completed_at=cb.completed_at or datetime.combine(cb.due_on, datetime.min.time()),
            channel=cb.channel or "phone", reached_name=cb.reached_name, reached_position=cb.reached_position,
            score_resolution=cb.score_resolution, score_attitude=cb.score_attitude, suggestions=cb.suggestions,
            improvement=cb.improvement, needs=cb.needs, sales_lead=cb.sales_lead, needs_onsite=cb.needs_onsite,
            negative_feedback=cb.negative_feedback, customer=cust.name if cust else "", agent=cb.agent_login,
        )


def edit_record(store: Store, actor: Actor, number: str, inp: RecordInput) -> EditResult:
    now = store.now()
    _check(inp, now, timeline=True)
    with store.write() as s:
        acting(s, actor)  # still active, same role (a supervisor's edit: still a supervisor)
        cb = s.exec(select(Callback).where(Callback.number == number)).first()
        if cb is None:
            raise NotFound(t("call.not_found", number=number))
        if cb.status != "completed":
            raise Conflict(t("form.not_completed", number=number, state=t(f"report.state.{cb.status}")))
        policy, cal = load_policy(s), load_calendar(s)
        may_edit(s, actor, cb, now, policy.edit_minutes)
        inp = _same_minute(cb, inp)
        if not _changes(cb, inp):  # nothing to write: no audit row, no version, no follow-up touched
            return EditResult(number, [], [], changed=False)
        if inp.completed_at != cb.completed_at:
            _check_stated(s, cb, inp.completed_at, now)
        ensure_month_open(s, cb.completed_at)  # an edit of a record dated in a signed-off month
        ensure_month_open(s, inp.completed_at)
        before = cb.model_dump()
        version = cb.version
        res = s.exec(update(Callback).where(Callback.id == cb.id, Callback.version == version)
                     .values(version=version + 1).execution_options(synchronize_session=False))
        if res.rowcount != 1:
            raise Conflict(t("call.changed", number=number))
        cust = customer_fact(s.get(Customer, cb.customer_id))
        old_plans = _plans(rules.after_completion(completed_fact(cb), cust, policy, cal))
        _apply(cb, inp)
        if cb.kind == "adhoc":
            cb.due_on = cb.deadline_on = cb.planned_due_on = inp.completed_at.date()
        cb.updated_at, cb.version = now, version + 1
        s.add(cb)
        new_plans = _plans(rules.after_completion(completed_fact(cb), cust, policy, cal))
        att = s.exec(select(CallAttempt).where(CallAttempt.callback_id == cb.id, CallAttempt.outcome == "completed")
                     .order_by(CallAttempt.id.desc())).first()
        if att is not None:
            att.at, att.reached_name, att.reached_position = cb.completed_at, cb.reached_name, cb.reached_position
            if att.entered_at is not None:  # 补录 follows the stated time (issue 23 item 4)
                att.late_entry = is_late_entry(att.at, att.entered_at, cal)
            s.add(att)
        # re-run the rules: a follow-up the old values created and nobody has touched yet goes
        # only when the new values no longer call for it as it is (issue 22 item 5)
        ref = f"cb:{number}"
        old = s.exec(select(Callback).where(Callback.trigger_ref == ref, Callback.customer_id == cb.customer_id,
                                            Callback.status == "open", Callback.attempts == 0)).all()
        changed = {k for k in old_plans.keys() | new_plans.keys()
                   if k not in old_plans or k not in new_plans or not _same_plan(old_plans[k], new_plans[k])}
        cancelled = []
        for f in old:
            key = (f.kind, f.trigger_ref)
            if key in new_plans and (key not in changed or _same_plan(new_plans[key], f)):
                continue  # still called for, as planned: kept
            changed.add(key)
            fb = f.model_dump()
            # the natural key is freed (suffix) so the new values may plan the same kind again
            f.trigger_ref = f"{ref}~edited:{f.number}"
            f.status, f.outcome, f.note = "cancelled", "cancelled", (f.note + "\n" if f.note else "") + note_line(t("form.note.edited"))
            f.deferred_reason = "edited"
            f.updated_at, f.version = now, f.version + 1
            s.add(f)
            cancelled.append(f.number)
            s.flush()
            audit(s, actor, now, "callback.cancel", "callback", f.number, fb, {"reason": "edited", "by": number})
        s.flush()
        audit(s, actor, now, "callback.edit", "callback", number, before, cb)
        created = plan_after_completion(s, actor, cb, now, cal, policy,
                                        only=lambda p: (p.kind, p.trigger_ref) in changed)
        was_low = any_low((before["score_resolution"], before["score_attitude"]), policy.low_score_threshold)
        now_low = any_low((cb.score_resolution, cb.score_attitude), policy.low_score_threshold)
        if was_low != now_low:  # a score corrected across the threshold: told, or taken back unsent
            from . import outbox
            from .recording import low_score_ref, tell_low_score

            if now_low:
                tell_low_score(s, cb, cb.agent_login or actor.login, now)
            else:
                outbox.withdraw(s, actor, now, ("low_score",), low_score_ref(number))
    return EditResult(number, cancelled, created)


def _check_stated(s: Session, cb: Callback, at: datetime, now: datetime) -> None:
    """A completion's time changed in the form keeps to the callback's stated timeline (SPEC §3,
    issue 23 items 2 and 5): not before the fact it follows nor before its earlier attempts,
    not after now; the refusal names the earliest and latest allowed."""
    from sqlalchemy import func

    from ..domain.outcomes import OutcomeError, check_stated_time
    from .recording import follows_from, outcome_message, stated_window

    prev = s.exec(select(func.max(CallAttempt.at)).where(CallAttempt.callback_id == cb.id,
                                                        CallAttempt.outcome != "completed")).one()
    try:
        check_stated_time("completed", at, now, follows=follows_from(s, cb), last_attempt_at=prev, next_attempt_at=None)
    except OutcomeError as e:
        e.params["earliest"] = stated_window(s, e.params.get("earliest"), now)[0]
        raise FormError("completed_at", outcome_message(e)) from None


def _same_minute(cb: Callback, inp: RecordInput) -> RecordInput:
    """The form shows the time to the minute: the same minute is the stored time, unchanged."""
    at = cb.completed_at
    if at is not None and inp.completed_at == at.replace(second=0, microsecond=0):
        return replace(inp, completed_at=at)
    return inp


def _changes(cb: Callback, inp: RecordInput) -> list[str]:
    """The record's fields the form would change (as ``_apply`` would store them)."""
    new = SimpleNamespace(**{name: getattr(cb, name) for name in EDITABLE})
    _apply(new, inp)
    return [name for name in EDITABLE if getattr(new, name) != getattr(cb, name)]


def _plans(planned) -> dict:  # noqa: ANN001
    return {(p.kind, p.trigger_ref): p for p in planned}


def _same_plan(a, b) -> bool:  # noqa: ANN001 - planned or stored callbacks
    return (a.due_on, a.deadline_on, a.deadline_at) == (b.due_on, b.deadline_on, b.deadline_at)


def customer_names(store: Store, prefix: str, limit: int = 8) -> list[str]:
    """Customer lookup as the name is typed (contains, then by name)."""
    p = prefix.strip()
    if not p:
        return []
    with store.read() as s:
        rows = s.exec(select(Customer.name).where(Customer.name.contains(p)).order_by(Customer.name).limit(limit))
        return list(rows)
