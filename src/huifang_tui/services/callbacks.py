"""Working a callback: claim, draft, attempt/outcome, issue raising, deferral (SPEC §3, §4)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, select

from ..domain.issues import issue_deadlines
from ..domain.outcomes import OUTCOMES, AttemptState, OutcomeError, apply_outcome, parse_when
from ..i18n import t
from ..queue_view import HOST, ROLE_QUEUES, claim_alive
from ..store.models import CallAttempt, CallDraft, Callback, Contact, Customer, Issue, IssueEvent
from .base import Actor, Conflict, NotFound, PermissionDenied, ServiceError, Store, audit, denied, next_number  # noqa: F401
from .calendar import load_calendar, load_policy
from .planner import plan_after_completion



class ValidationError(ServiceError):
    """Bad input from the call form or the command line; names the field and the fix."""


def outcome_message(e: OutcomeError) -> str:
    """The domain's refusal in the user's language."""
    return t(f"outcome_err.{e.code}", **e.params)


# -- reading ---------------------------------------------------------------------------


@dataclass
class CallView:
    """Everything the call screen shows about one callback (full phones: the reveal is audited)."""

    callback: Callback
    customer: Customer
    contacts: list[Contact]
    history: list[Callback]
    open_issues: list[Issue]
    to_verify: list[Issue]
    same_day: list[Callback]
    draft: dict | None
    work_order: object | None = None
    agent_name: str = ""
    trigger: dict = field(default_factory=dict)  # what the script needs of the trigger (sale date, event)
    company: str = ""  # our company's name for the script (Setting 'company_name')


def _get(s: Session, number: str) -> Callback:
    cb = s.exec(select(Callback).where(Callback.number == number)).first()
    if cb is None:
        raise NotFound(t("call.not_found", number=number))
    return cb


def _may_work(actor: Actor, cb: Callback) -> None:
    """Own work, the shared agent pool, or unassigned work meant for the actor's role."""
    if actor.is_supervisor or cb.agent_login == actor.login:
        return
    if cb.agent_login is None and cb.assignee in ROLE_QUEUES.get(actor.role, ("agent",)):
        return
    owner = cb.agent_login or t(f"assignee.{cb.assignee}")
    raise denied(actor, t("call.not_yours", number=cb.number, agent=owner), "callback", cb.number)


def _workable(s: Session, actor: Actor, number: str, now: datetime) -> Callback:
    """The callback, if this actor may act on it now: theirs, still open, not claimed by another."""
    cb = _get(s, number)
    _may_work(actor, cb)
    if cb.status not in ("open", "waiting_data"):
        raise Conflict(t("call.closed_already", number=number, state=t(f"cbstate.{cb.status}")))
    if _claim_alive(cb, now) and cb.claimed_by != actor.login:
        raise Conflict(t("call.claimed", number=number, who=cb.claimed_by, at=cb.claimed_at.strftime("%H:%M")))
    return cb


def _claim_alive(cb: Callback, now: datetime) -> bool:
    return claim_alive(cb.claimed_by, cb.claimed_at, cb.claim_pid, cb.claim_host, now)


def open_call(store: Store, actor: Actor, number: str, *, pid: int | None = None) -> CallView:
    """Claim the callback for this process and load the call card (SPEC §4, §6)."""
    now = store.now()
    pid = pid or os.getpid()
    with store.write() as s:
        cb = _get(s, number)
        _may_work(actor, cb)
        if cb.status not in ("open", "waiting_data"):
            raise Conflict(t("call.closed_already", number=number, state=t(f"cbstate.{cb.status}")))
        mine = cb.claimed_by == actor.login and cb.claim_pid == pid and cb.claim_host == HOST
        if _claim_alive(cb, now) and not mine:
            raise Conflict(t("call.claimed", number=number, who=cb.claimed_by, at=cb.claimed_at.strftime("%H:%M")))
        before = {"claimed_by": cb.claimed_by}
        cb.claimed_by, cb.claim_pid, cb.claim_host, cb.claimed_at = actor.login, pid, HOST, now
        s.add(cb)
        audit(s, actor, now, "callback.claim", "callback", number, before, {"claimed_by": actor.login})
        audit(s, actor, now, "phone.reveal", "customer", cb.customer_id, None, {"callback": number})
        view = _view(s, actor, cb)
    return view


def _view(s: Session, actor: Actor, cb: Callback) -> CallView:
    from ..store.models import User, WorkOrder

    customer = s.get(Customer, cb.customer_id)
    contacts = list(s.exec(select(Contact).where(Contact.customer_id == cb.customer_id).order_by(Contact.is_primary.desc(), Contact.id)))
    history = list(
        s.exec(
            select(Callback)
            .where(Callback.customer_id == cb.customer_id, Callback.status == "completed")
            .order_by(Callback.completed_at.desc())
            .limit(8)
        )
    )
    issues = list(s.exec(select(Issue).where(Issue.customer_id == cb.customer_id).order_by(Issue.raised_at.desc())))
    open_issues = [i for i in issues if i.status != "closed"]
    to_verify = [i for i in issues if i.status == "closed" and i.verified_at is None]
    # The same customer's other phone callbacks due by now, from this actor's own queue only.
    from .queue import _scope

    same_day = list(
        s.exec(
            select(Callback).where(
                Callback.customer_id == cb.customer_id, Callback.id != cb.id,
                Callback.status.in_(("open", "waiting_data")), Callback.due_on <= cb.due_on,
                Callback.channel == "phone", _scope(actor, None, False),
            ).order_by(Callback.priority, Callback.deadline_on, Callback.number)
        )
    )
    draft_row = s.exec(select(CallDraft).where(CallDraft.callback_id == cb.id, CallDraft.login == actor.login)).first()
    wo = s.get(WorkOrder, cb.work_order_id) if cb.work_order_id else None
    u = s.exec(select(User).where(User.login == actor.login)).first()
    return CallView(cb, customer, contacts, history, open_issues, to_verify, same_day,
                    json.loads(draft_row.data) if draft_row else None, wo, u.name if u else actor.login,
                    _trigger_info(s, cb), _company(s))


def _company(s: Session) -> str:
    from ..store.models import Setting

    row = s.get(Setting, "company_name")
    return row.value if row else ""


def _trigger_info(s: Session, cb: Callback) -> dict:
    """Facts behind the trigger for the script's placeholders ({sale_date}, {event}, {product})."""
    from ..store.models import NonMemberEvent, Sale

    kind, _, ref = cb.trigger_ref.partition(":")
    if kind == "sale":
        sale = s.exec(select(Sale).where(Sale.contract_no == ref)).first()
        if sale is not None:
            return {"sale_date": sale.sold_on.isoformat(), "product": sale.product}
    if kind == "event":
        ev_kind, _, day = ref.partition(":")
        try:
            on = date.fromisoformat(day)
        except ValueError:
            return {}
        ev = s.exec(select(NonMemberEvent).where(NonMemberEvent.customer_id == cb.customer_id,
                                                 NonMemberEvent.kind == ev_kind,
                                                 NonMemberEvent.occurred_on == on)).first()
        if ev is not None:
            return {"event": ev.note or t(f"event.{ev.kind}"), "event_on": on.isoformat()}
    return {}


def release(store: Store, actor: Actor, number: str, *, pid: int | None = None) -> None:
    """Leaving the call screen releases this process's claim (not a newer one, nor another
    terminal's of the same login)."""
    with store.write() as s:
        s.exec(
            update(Callback)
            .where(Callback.number == number, Callback.claimed_by == actor.login,
                   Callback.claim_pid == (pid or os.getpid()), Callback.claim_host == HOST)
            .values(claimed_by=None, claim_pid=None, claim_host=None, claimed_at=None)
        )


def heartbeat(store: Store, actor: Actor, number: str) -> None:
    with store.write() as s:
        s.exec(update(Callback).where(Callback.number == number, Callback.claimed_by == actor.login)
               .values(claimed_at=store.now()))


# -- drafts ----------------------------------------------------------------------------


def save_draft(store: Store, actor: Actor, callback_id: int, data: dict) -> None:
    """Saved as typed (debounced by the screen): survives a crash or a dropped SSH session."""
    now = store.now()
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    with store.write() as s:
        row = s.exec(select(CallDraft).where(CallDraft.callback_id == callback_id, CallDraft.login == actor.login)).first()
        if row is None:
            row = CallDraft(callback_id=callback_id, login=actor.login, data=text, updated_at=now)
        elif row.data == text:
            return
        row.data, row.updated_at = text, now
        s.add(row)


def discard_draft(store: Store, actor: Actor, callback_id: int) -> None:
    with store.write() as s:
        _drop_draft(s, actor, callback_id)


def _drop_draft(s: Session, actor: Actor, callback_id: int) -> None:
    row = s.exec(select(CallDraft).where(CallDraft.callback_id == callback_id, CallDraft.login == actor.login)).first()
    if row is not None:
        s.delete(row)


# -- outcomes --------------------------------------------------------------------------


@dataclass
class CallRecord:
    """What the agent entered for one attempt. Scores 1–5; both required when reached."""

    outcome: str
    at: datetime | None = None
    to: datetime | None = None
    reached_name: str = ""
    reached_position: str = ""
    score_resolution: int | None = None
    score_attitude: int | None = None
    answers: dict = field(default_factory=dict)
    suggestions: str = ""
    improvement: str = ""
    needs: str = ""
    sales_lead: bool = False
    competitor: str = ""
    needs_onsite: bool = False
    negative_feedback: bool = False
    note: str = ""
    verified_issue_ids: list[int] = field(default_factory=list)


@dataclass
class AttemptResult:
    number: str
    status: str
    attempts: int
    due_on: date
    next_attempt_at: datetime | None
    followups: list[str]
    alert_supervisor: bool


def validate(rec: CallRecord) -> list[str]:
    """Messages naming each bad field (empty when the record may be saved)."""
    errors = []
    if rec.outcome not in OUTCOMES:
        errors.append(t("call.err.outcome", value=rec.outcome, codes=", ".join(OUTCOMES)))
    for name, v in (("score_resolution", rec.score_resolution), ("score_attitude", rec.score_attitude)):
        if v is not None and not (1 <= v <= 5):
            errors.append(t("call.err.score_range", field=t(f"call.field.{name}"), value=v))
    if rec.outcome == "completed":
        if not rec.reached_name.strip():
            errors.append(t("call.err.reached"))
        for name, v in (("score_resolution", rec.score_resolution), ("score_attitude", rec.score_attitude)):
            if v is None:
                errors.append(t("call.err.score_missing", field=t(f"call.field.{name}")))
    if rec.outcome == "reschedule" and rec.to is None:
        errors.append(t("call.err.to_missing"))
    return errors


def record_attempt(store: Store, actor: Actor, number: str, rec: CallRecord) -> AttemptResult:
    """One transaction: attempt + callback + audit (+ follow-ups when completed)."""
    errors = validate(rec)
    if errors:
        raise ValidationError("\n".join(errors))
    now = store.now()
    at = rec.at or now
    with store.write() as s:
        cb = _workable(s, actor, number, now)
        cal, policy = load_calendar(s), load_policy(s)
        state = AttemptState(cb.attempts, cb.due_on, cb.deadline_on, cb.deadline_at)
        try:
            tr = apply_outcome(state, rec.outcome, at, policy, cal, to=rec.to, may_exceed_deadline=actor.is_supervisor)
        except OutcomeError as e:
            raise ValidationError(outcome_message(e)) from e
        before = cb.model_dump()
        version = cb.version
        # Optimistic guard: nobody else may have changed it since we read it (PostgreSQL too;
        # on SQLite BEGIN IMMEDIATE already serialises the whole read-modify-write).
        res = s.exec(update(Callback).where(Callback.id == cb.id, Callback.version == version)
                     .values(version=version + 1).execution_options(synchronize_session=False))
        if res.rowcount != 1:
            raise Conflict(t("call.changed", number=number))
        cb.status, cb.attempts, cb.due_on = tr.status, tr.attempts, tr.due_on
        cb.next_attempt_at, cb.outcome = tr.next_attempt_at, rec.outcome
        cb.reached_name, cb.reached_position = rec.reached_name.strip(), rec.reached_position.strip()
        if rec.outcome == "completed":
            cb.completed_at = at
            cb.score_resolution, cb.score_attitude = rec.score_resolution, rec.score_attitude
            cb.answers = json.dumps(rec.answers, ensure_ascii=False)
            cb.suggestions, cb.improvement, cb.needs = rec.suggestions, rec.improvement, rec.needs
            cb.sales_lead, cb.competitor = rec.sales_lead, rec.competitor
            cb.needs_onsite, cb.negative_feedback = rec.needs_onsite, rec.negative_feedback
            cb.follow_status = t("call.follow.done")
            if cb.agent_login is None:
                cb.agent_login = actor.login  # a pool item belongs to whoever completed it
        if rec.note:
            cb.note = (cb.note + "\n" if cb.note else "") + f"{at:%m-%d %H:%M} {rec.note}"
        cb.claimed_by = cb.claim_pid = cb.claim_host = cb.claimed_at = None
        cb.updated_at, cb.version = now, version + 1
        s.add(cb)
        s.add(CallAttempt(callback_id=cb.id, at=at, agent_login=actor.login, outcome=rec.outcome,
                          reached_name=cb.reached_name, reached_position=cb.reached_position,
                          note=rec.note, rescheduled_to=rec.to))
        if tr.flag_contact:
            for c in s.exec(select(Contact).where(Contact.customer_id == cb.customer_id, Contact.name == cb.contact_name)):
                c.needs_correction = True
                s.add(c)
        for iid in rec.verified_issue_ids:
            issue = s.get(Issue, iid)
            if issue is not None and issue.customer_id == cb.customer_id and issue.verified_at is None:
                issue.verified_at = at
                s.add(issue)
                s.add(IssueEvent(issue_id=iid, at=at, login=actor.login, kind="verify", text=number))
        _drop_draft(s, actor, cb.id)
        s.flush()
        audit(s, actor, now, f"callback.{rec.outcome}", "callback", number, before, cb)
        if tr.alert_supervisor:
            audit(s, actor, now, "alert.unreachable", "callback", number, None, {"attempts": tr.attempts})
        followups = []
        if tr.status == "completed":
            followups = plan_after_completion(s, actor, cb, now, cal, policy)
        return AttemptResult(number, tr.status, tr.attempts, tr.due_on, tr.next_attempt_at, followups, tr.alert_supervisor)


def defer(store: Store, actor: Actor, number: str, reason: str, to: date | None = None) -> date:
    """Put a callback off with a reason (counts as handled for the day close)."""
    if not reason.strip():
        raise ValidationError(t("call.err.defer_reason"))
    now = store.now()
    with store.write() as s:
        cb = _workable(s, actor, number, now)
        cal = load_calendar(s)
        new_due = to or cal.next_working_day(now.date())
        if new_due <= now.date():
            raise ValidationError(t("call.err.defer_past", day=new_due.isoformat()))
        if new_due > cb.deadline_on and not actor.is_supervisor:
            raise ValidationError(t("call.err.defer_deadline", deadline=cb.deadline_on.isoformat()))
        before = cb.model_dump()
        cb.deferred_reason, cb.deferred_on, cb.due_on = reason.strip(), now.date(), new_due
        cb.updated_at, cb.version = now, cb.version + 1
        s.add(cb)
        s.flush()
        audit(s, actor, now, "callback.defer", "callback", number, before, cb)
    return new_due


def assign(store: Store, actor: Actor, number: str, login: str | None) -> Callback:
    """A supervisor assigns pool work (or moves work) to an agent; ``None`` returns it to the pool."""
    from .base import get_user, require

    require(actor, "supervisor", store=store)
    now = store.now()
    with store.write() as s:
        cb = _get(s, number)
        if login is not None:
            u = get_user(s, login)
            if u is None or not u.active:
                raise NotFound(t("err.unknown_login", login=login))
        before = cb.model_dump()
        cb.agent_login, cb.updated_at, cb.version = login, now, cb.version + 1
        s.add(cb)
        s.flush()
        audit(s, actor, now, "callback.assign", "callback", number, before, cb)
    return cb


# -- issues raised from a call ---------------------------------------------------------


def raise_issue(store: Store, actor: Actor, number: str, *, title: str, description: str = "",
                category: str = "other", priority: str = "normal", is_complaint: bool = False,
                department: str = "") -> Issue:
    """An Issue linked to the callback with its SPEC §3 deadlines; a complaint goes to 总经理 at once."""
    if not title.strip():
        raise ValidationError(t("issue.err.title"))
    if category not in ("product", "service", "need", "other"):
        raise ValidationError(t("issue.err.category", value=category))
    if priority not in ("urgent", "normal", "low"):
        raise ValidationError(t("issue.err.priority", value=priority))
    now = store.now()
    with store.write() as s:
        cb = _get(s, number)
        _may_work(actor, cb)
        cal, policy = load_calendar(s), load_policy(s)
        dl = issue_deadlines(priority, now, policy, cal)
        issue = Issue(
            number=next_number(s, "WT", now.date()), customer_id=cb.customer_id, callback_id=cb.id,
            title=title.strip(), description=description.strip(), category=category, priority=priority,
            is_complaint=is_complaint, department=department.strip(), owner_login=None,
            level=2 if is_complaint else 0, raised_at=now, raised_by=actor.login,
            ack_by=dl.ack_by, solve_by=dl.solve_by, last_update_at=now,
        )
        s.add(issue)
        s.flush()
        s.add(IssueEvent(issue_id=issue.id, at=now, login=actor.login, kind="raised", text=title.strip()))
        if is_complaint:
            s.add(IssueEvent(issue_id=issue.id, at=now, login=actor.login, kind="escalate", text=t("issue.complaint_gm")))
        audit(s, actor, now, "issue.raise", "issue", issue.number, None, issue)
    return issue


# -- command line ----------------------------------------------------------------------


def record_from_cli(store: Store, actor: Actor, args) -> str:  # noqa: ANN001
    """``huifang record NUMBER --outcome CODE …`` through the same service as the screen."""
    now = store.now()
    rec = CallRecord(outcome=args.outcome, note=args.note or "")
    try:
        if args.when:
            rec.at = parse_when(args.when, now)
        if args.to:
            rec.to = parse_when(args.to, rec.at or now)
    except OutcomeError as e:
        raise ValidationError(outcome_message(e)) from e
    if args.scores:
        parts = [p.strip() for p in args.scores.replace("，", ",").split(",")]
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise ValidationError(t("call.err.scores_format", value=args.scores))
        rec.score_resolution, rec.score_attitude = int(parts[0]), int(parts[1])
    if args.reached:
        name, _, pos = args.reached.partition("/")
        rec.reached_name, rec.reached_position = name.strip(), pos.strip()
    res = record_attempt(store, actor, args.number, rec)
    lines = [t("call.recorded", number=res.number, state=t(f"cbstate.{res.status}"), attempts=res.attempts,
               due=res.due_on.isoformat())]
    if res.next_attempt_at and res.status == "open":
        lines.append(t("call.next_attempt", at=res.next_attempt_at.isoformat(" ", timespec="minutes")))
    if res.alert_supervisor:
        lines.append(t("call.alerted"))
    if res.followups:
        lines.append(t("call.followups", numbers=", ".join(res.followups)))
    return "\n".join(lines)
