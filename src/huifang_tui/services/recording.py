"""Recording what happened on a call, and putting a callback off (SPEC §3, §4).

One transaction per attempt: the attempt, the callback, the audit rows (and follow-ups when
completed). The rules live here and in ``domain.outcomes``, so the call screen, ``huifang
record`` and every later door behave the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, make_dataclass
from datetime import date, datetime, time

from sqlalchemy import func, update
from sqlmodel import Session, select

from ..domain.outcomes import (
    CLOSED_UNDONE, INPUT_CODES, NEEDS_REASON, OUTCOMES, PER_NUMBER, SPREADS, AttemptState, OutcomeError, Transition,
    apply_outcome, check_stated_time, is_late_entry, passed_when_entered, past_deadline, stated_floor,
)
from ..domain.follow_up import is_low_score, trigger_of
from ..domain.status import is_overdue
from ..domain.record import CONTENT_FIELDS, REACHED_FIELDS, RECORD_FIELDS, SCORE_FIELDS, SCORE_RANGE
from ..core.i18n import t
from ..core.errors import MonthLocked, NeedsSupervisor
from ..store.models import CallAttempt, Callback, Contact, Customer
from . import outbox
from .base import Actor, Conflict, Refused, Store, ValidationError, audit
from .calendar import load_calendar, load_policy
from .calls import same_call, workable
from .deferrals import DEFER_ACTION, STATED_KEY
from .deferrals import stated_at as deferral_stated_at
from .drafts import drop_draft
from .limits import bound
from .notes import callback_notes, note_text, notes_for  # noqa: F401  (re-exported)
from .report import APPROVED, ensure_month_open, month_status


def outcome_message(e: OutcomeError) -> str:
    """The domain's refusal in the user's language."""
    params = {**e.params, "usage": t("time_examples.moment")} if e.code == "bad_time" else e.params
    if "latest" in params:  # a stated time out of bounds names both ends (issue 23 item 5)
        params = {**params, "allowed": allowed_text(params["earliest"], params["latest"])}
    return t(f"outcome_err.{e.code}", **params)


def allowed_text(earliest: datetime | None, latest: datetime) -> str:
    """The times a record may be stated at, in words: from the earliest to the latest (now)."""
    if earliest is None:
        return t("outcome_err.window_to", latest=f"{latest:%Y-%m-%d %H:%M}")
    return t("outcome_err.window", earliest=f"{earliest:%Y-%m-%d %H:%M}", latest=f"{latest:%Y-%m-%d %H:%M}")


def outcome_error(e: OutcomeError) -> ValidationError | Refused:
    """Unreadable input is a ValidationError (exit 1); a rule saying no is a refusal (exit 2)."""
    return (ValidationError if e.code in INPUT_CODES else Refused)(outcome_message(e))


# What the agent entered for one attempt. Scores 1–5; both required when reached. The record's
# content fields come from ``domain.record`` (defined once).
CallRecord = make_dataclass(
    "CallRecord",
    [
        ("outcome", str),
        ("at", datetime | None, field(default=None)),  # stated time (--when); None = now
        ("to", datetime | None, field(default=None)),  # 改约 to
        *[(f.name, f.type, field(default=f.default)) for f in REACHED_FIELDS + RECORD_FIELDS],
        ("answers", dict, field(default_factory=dict)),
        ("note", str, field(default="")),
        ("reason", str, field(default="")),  # 拒访: the customer's reason (required, one line)
        ("verified_issue_ids", list, field(default_factory=list)),  # improvement held (001 五(四)2)
        ("not_held_issue_ids", list, field(default_factory=list)),  # not held: the issue reopens
    ],
)
CallRecord.__module__ = __name__


@dataclass
class AttemptResult:
    number: str
    status: str
    attempts: int
    due_on: date
    next_attempt_at: datetime | None
    followups: list[str]
    alert_supervisor: bool
    also: list[str] = field(default_factory=list)  # the same customer's callbacks given the same attempt
    late_entry: bool = False
    # issue 23 item 2: the 改约 or next attempt had already passed when entered (due at once),
    # and the callback's deadline too (overdue)
    due_now: bool = False
    overdue: bool = False
    # issue 25 item 4: the next attempt falls after the callback's deadline (it will be overdue)
    will_be_overdue: bool = False


def validate(rec: CallRecord) -> list[str]:
    """Messages naming each bad field (empty when the record may be saved)."""
    errors = []
    if rec.outcome not in OUTCOMES:
        errors.append(t("call.err.outcome", value=rec.outcome, codes=", ".join(OUTCOMES)))
    for f in SCORE_FIELDS:
        v = getattr(rec, f.name)
        if v is not None and v not in SCORE_RANGE:
            errors.append(t("call.err.score_range", field=t(f"call.field.{f.name}"), value=v))
    if rec.outcome == "completed":
        if not rec.reached_name.strip():
            errors.append(t("call.err.reached"))
        for f in SCORE_FIELDS:
            if getattr(rec, f.name) is None:
                errors.append(t("call.err.score_missing", field=t(f"call.field.{f.name}")))
    if rec.outcome == "reschedule" and rec.to is None:
        errors.append(t("call.err.to_missing"))
    if rec.outcome in NEEDS_REASON:
        errors.extend(reason_errors(rec.reason))
    errors.extend(too_long_errors(rec))
    return errors


def reason_errors(reason: str) -> list[str]:
    """A 拒访 reason: required, one line (SPEC §3; issue 22 §7). Its length is bounded with
    the other texts (``too_long_errors``)."""
    if not reason.strip():
        return [t("onecall.err.reason_missing")]
    if "\n" in reason or "\r" in reason:
        return [t("onecall.err.reason_one_line")]
    return []


def too_long_errors(rec: CallRecord) -> list[str]:
    """The bounds of ``domain.limits`` on what was typed (note, texts, names, script answers)."""
    from ..domain.limits import ANSWERS_MAX
    from .limits import problem, too_long_message

    errors = []
    texts = {"note": rec.note, "reason": rec.reason, **{f.name: getattr(rec, f.name) for f in CONTENT_FIELDS if f.kind == "text"}}
    names = {f.name: getattr(rec, f.name) for f in REACHED_FIELDS}
    e = problem(texts, names)
    if e is not None:
        errors.append(too_long_message(e))
    answers = rec.answers or {}
    if len(answers) > ANSWERS_MAX:
        errors.append(t("limits.too_many_answers", n=len(answers), limit=ANSWERS_MAX))
    for value in (*answers, *answers.values()):
        e = problem({"answer": value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)})
        if e is not None:
            errors.append(too_long_message(e))
            break
    return errors


def stated_time(store: Store, text: str, ref: datetime) -> datetime:
    """A stated time (``--when``) read by the one reader of time fields, a date alone meaning
    the policy's first working hour; raises ``OutcomeError`` (bad_time, date_range)."""
    from ..domain.outcomes import parse_when

    with store.read() as s:
        hours = load_policy(s).work_hours
    return parse_when(text, ref, hours)


def reschedule_time(store: Store, text: str, ref: datetime | None = None) -> datetime:
    """A 改约 time as people type it (``domain.timephrase``): after ``ref``, on a working day,
    inside the working hours; a date alone means its first working hour (SPEC §3). ``ref`` is
    the stated time of the call (``--when``; issue 23 item 2): ``明天 15:00`` in an entry stated on
    2026-03-02 means 2026-03-03 whenever it is typed, and a time already past when entered is
    accepted. Without one, the clock."""
    from ..domain.timephrase import PhraseError, parse_phrase

    with store.read() as s:
        cal, policy = load_calendar(s), load_policy(s)
    try:
        return parse_phrase(text, ref or store.now(), cal, policy.work_hours)
    except PhraseError as e:
        if e.code == "unknown" or e.suggestion is None:
            raise ValidationError("--to: " + t("outcome_err.bad_time", value=text, usage=t("time_examples.moment"))) from None
        raise Refused(t(f"rules.phrase_{e.code}", value=text,
                        allowed=f"{e.suggestion:%Y-%m-%d %H:%M}")) from None


def follows_from(s: Session, cb: Callback) -> datetime | None:
    """The moment of the event the callback follows (its trigger), when it has one."""
    from ..store.models import Sale, WorkOrder

    kind, _, ref = cb.trigger_ref.partition(":")
    if kind == "wo":
        wo = s.exec(select(WorkOrder).where(WorkOrder.number == ref)).first()
        if wo is not None:
            return wo.actual_completion or wo.planned_completion
    elif kind == "sale":
        sale = s.exec(select(Sale).where(Sale.contract_no == ref)).first()
        if sale is not None:
            return datetime.combine(sale.sold_on, time.min)
    elif kind == "cb":
        parent = s.exec(select(Callback).where(Callback.number == ref)).first()
        if parent is not None:
            return parent.completed_at
    elif kind in ("event", "reg", "inactive"):
        day = ref.rsplit(":", 1)[-1]
        try:
            return datetime.combine(date.fromisoformat(day), time.min)
        except ValueError:
            return None
    return None


def last_record(s: Session, cb: Callback) -> datetime | None:
    """The stated time of the callback's previous record (SPEC §3, issue 23 item 2): its last
    attempt (a 改约 included) or its last deferral (``deferrals.stated_at``), whichever is later."""
    last = s.exec(select(func.max(CallAttempt.at)).where(CallAttempt.callback_id == cb.id)).one()
    if cb.deferred_on is None or (last is not None and last.date() > cb.deferred_on):
        return last
    stated = deferral_stated_at(s, cb.number, cb.deferred_on)
    return stated if stated is not None and (last is None or stated > last) else last


def check_when(s: Session, cb: Callback, outcome: str, at: datetime, now: datetime) -> None:
    """A record of ``cb`` stated at ``at``, entered at ``now`` (issue 23 items 2 and 5): not in a
    month whose report is approved, not in the future, not before the fact it follows nor
    before its previous stated record. Each refusal (exit 2) names the earliest and latest
    times that may be stated (``OutcomeError`` with ``earliest``/``latest``; ``MonthLocked``)."""
    follows, last = follows_from(s, cb), last_record(s, cb)
    try:
        ensure_month_open(s, at)  # a signed-off month takes nothing dated in it (issue 11 §4)
    except MonthLocked as e:
        earliest = _open_from(s, stated_floor(follows, last) or at, now)
        raise MonthLocked(f"{e} {allowed_text(earliest, now)}") from None
    try:
        check_stated_time(outcome, at, now, follows=follows, last_attempt_at=last, next_attempt_at=cb.next_attempt_at)
    except OutcomeError as e:
        if "latest" in e.params:  # from the floor on, an approved month is still shut
            e.params["earliest"] = stated_window(s, e.params["earliest"], now)[0]
        raise


def stated_window(s: Session, floor: datetime | None, now: datetime) -> tuple[datetime | None, datetime]:
    """The earliest and latest times a record may be stated at: from ``floor`` (the trigger or
    the previous record; None when nothing bounds it) on, past any month whose report is
    approved, up to now."""
    return (_open_from(s, floor, now) if floor is not None else None), now


def _open_from(s: Session, earliest: datetime, latest: datetime) -> datetime:
    """The first moment from ``earliest`` on that is not in a month whose report is approved."""
    from ..domain.kpi import Month

    at = earliest
    while at <= latest and month_status(s, Month(at.year, at.month)).state == APPROVED:
        at = datetime(at.year + at.month // 12, at.month % 12 + 1, 1)
    return at


def _transition(s: Session, actor: Actor, cb: Callback, rec: CallRecord, at: datetime, now: datetime,
                cal, policy) -> Transition:  # noqa: ANN001
    check_when(s, cb, rec.outcome, at, now)
    state = AttemptState(cb.attempts, cb.due_on, cb.deadline_on, cb.deadline_at)
    return apply_outcome(state, rec.outcome, at, policy, cal, to=rec.to, may_exceed_deadline=actor.is_supervisor)


def _save(s: Session, actor: Actor, cb: Callback, rec: CallRecord, tr: Transition, at: datetime, now: datetime,
          late: bool, by: Actor | None = None) -> list[int]:
    """Write one attempt onto one callback (optimistic version guard, attempt row, audit). ``by``:
    whose attempt it is when ``actor`` records it on their behalf (``ON_BEHALF_KEY``)."""
    doer = by or actor
    before = cb.model_dump()
    version = cb.version
    # Optimistic guard: nobody else may have changed it since we read it (PostgreSQL too;
    # on SQLite BEGIN IMMEDIATE already serialises the whole read-modify-write).
    res = s.exec(update(Callback).where(Callback.id == cb.id, Callback.version == version)
                 .values(version=version + 1).execution_options(synchronize_session=False))
    if res.rowcount != 1:
        raise Conflict(t("call.changed", number=cb.number))
    cb.status, cb.attempts, cb.due_on = tr.status, tr.attempts, tr.due_on
    cb.next_attempt_at, cb.outcome = tr.next_attempt_at, rec.outcome
    cb.reached_name, cb.reached_position = rec.reached_name.strip(), rec.reached_position.strip()
    if rec.outcome == "completed":
        cb.completed_at = at
        for f in RECORD_FIELDS:
            setattr(cb, f.name, getattr(rec, f.name))
        cb.answers = json.dumps(rec.answers, ensure_ascii=False)
        cb.follow_status = t("call.follow.done")
        if cb.agent_login is None:
            cb.agent_login = doer.login  # a pool item belongs to whoever completed it
    cb.claimed_by = cb.claim_pid = cb.claim_host = cb.claimed_at = None
    cb.updated_at, cb.version = now, version + 1
    s.add(cb)
    s.add(CallAttempt(callback_id=cb.id, at=at, agent_login=doer.login, outcome=rec.outcome,
                      reached_name=cb.reached_name, reached_position=cb.reached_position,
                      note=rec.note, reason=rec.reason.strip() if rec.outcome in NEEDS_REASON else "",
                      rescheduled_to=rec.to, entered_at=now, late_entry=late))
    flagged = []  # contacts this outcome flagged (an undo clears them again)
    if tr.flag_contact:
        for c in s.exec(select(Contact).where(Contact.customer_id == cb.customer_id, Contact.name == cb.contact_name)):
            if not c.needs_correction:
                flagged.append(c.id)
            c.needs_correction = True
            s.add(c)
    drop_draft(s, doer, cb.id)
    s.flush()
    after = {**cb.model_dump(), "late_entry": True} if late else cb
    if by is not None:
        after = {**(after if isinstance(after, dict) else cb.model_dump()), ON_BEHALF_KEY: by.login}
    audit(s, actor, now, f"callback.{rec.outcome}", "callback", cb.number, before, after)
    if tr.alert_supervisor:
        audit(s, actor, now, "alert.unreachable", "callback", cb.number, None, {"attempts": tr.attempts})
        tell_unreachable(s, cb, doer.login, now)
    if rec.outcome == "completed":
        tell_low_score(s, cb, doer.login, now)
    return flagged


def low_score_ref(number: str) -> str:
    """The event a low score's notification names (``services.outbox``)."""
    return trigger_of(number)


def unreachable_ref(number: str) -> str:
    return f"{trigger_of(number)}:unreachable"


def _customer_name(s: Session, cb: Callback) -> str:
    c = s.get(Customer, cb.customer_id)
    return c.name if c is not None else ""


def tell_low_score(s: Session, cb: Callback, agent: str, now: datetime) -> None:
    """A completed record scored under the threshold (``domain.follow_up``; 003 四): the
    supervisor is told, in the record's own transaction (issue 26 item 2)."""
    policy = load_policy(s)
    low = [v for v in (cb.score_resolution, cb.score_attitude) if is_low_score(v, policy.low_score_threshold)]
    if not low:
        return
    from .calls import person

    outbox.emit(s, "low_score", low_score_ref(cb.number), t(
        "notify.msg.low_score", number=cb.number, customer=_customer_name(s, cb),
        phone=outbox.phone_of(s, cb.customer_id, cb.contact_name), score=min(low),
        threshold=policy.low_score_threshold, hours=policy.low_score_hours, agent=person(s, agent)),
        now, by=agent)


def tell_unreachable(s: Session, cb: Callback, agent: str, now: datetime) -> None:
    """A callback turned 无法联系 after its last attempt: the supervisor is told."""
    from .calls import person

    outbox.emit(s, "unreachable", unreachable_ref(cb.number), t(
        "notify.msg.unreachable", number=cb.number, customer=_customer_name(s, cb),
        phone=outbox.phone_of(s, cb.customer_id, cb.contact_name), attempts=cb.attempts,
        agent=person(s, agent)), now, by=agent)


# The audit after-snapshot's key naming whose attempt or deferral a supervisor recorded on their
# behalf (an approved request to a supervisor: the agent's own call, the supervisor's approval).
ON_BEHALF_KEY = "by"


def record_attempt(store: Store, actor: Actor, number: str, rec: CallRecord,
                   guard: Callable[[Session, Callback], None] | None = None,
                   on_behalf: Actor | None = None) -> AttemptResult:
    """One transaction: attempt + callback + audit (+ follow-ups when completed).

    An outcome other than ``completed`` (``SPREADS``) is about the call: it is recorded on the
    rest of the call (``calls.same_call``: the customer's other callbacks due that day or
    overdue, those whose own timing allows it); a completion applies to this callback only
    (each has its own script and scores). A reached outcome may be recorded on a callback that
    became unreachable (issue 22 §12): it leaves 无法联系.

    ``guard`` runs in the transaction on the callback found (a supervisor's approval of a request
    checks and closes the request there, ``services.requests``); what it raises undoes it all.
    A 改约 past the deadline by someone who may not is ``NeedsSupervisor``. ``on_behalf``: the
    agent whose call outcome it is (an approved request): the attempts are theirs, the rest of
    the call is what theirs would be; ``actor`` (checked here, the one allowed past the
    deadline) is audited as the one who recorded it.
    """
    errors = validate(rec)
    if errors:
        raise ValidationError("\n".join(errors))
    now = store.now()
    at = rec.at or now
    if rec.outcome == "completed":
        _planner()  # imported before the write lock is taken, not while holding it
    with store.write() as s:
        cb = workable(s, actor, number, now, rec.outcome)
        if guard is not None:
            guard(s, cb)
        cal, policy = load_calendar(s), load_policy(s)
        try:  # the stated time's bounds (the month's lock among them) and the outcome's rules
            tr = _transition(s, actor, cb, rec, at, now, cal, policy)
        except OutcomeError as e:
            if e.code == "past_deadline":  # the screens offer to ask a supervisor (issue 25 item 5)
                raise NeedsSupervisor(outcome_message(e), kind="reschedule", number=number, wanted=rec.to,
                                      deadline=str(e.params["deadline"])) from e
            raise outcome_error(e) from e
        late = is_late_entry(at, now, cal)
        others = same_call(s, on_behalf or actor, cb, at, lock=True) if rec.outcome in SPREADS else []
        if rec.outcome in PER_NUMBER:  # 号码错误 is about the number dialled: its contact's callbacks
            others = [o for o in others if o.contact_name == cb.contact_name]
        flagged = _save(s, actor, cb, rec, tr, at, now, late, on_behalf)
        if rec.outcome == "completed" and (rec.verified_issue_ids or rec.not_held_issue_ids):
            from .issues import record_verifications

            record_verifications(s, actor, at, cb, rec.verified_issue_ids, rec.not_held_issue_ids, now=now)
        also = []
        same = CallRecord(outcome=rec.outcome, at=rec.at, to=rec.to, reached_name=rec.reached_name,
                          reached_position=rec.reached_position, note=rec.note, reason=rec.reason)
        for other in others:
            try:
                otr = _transition(s, actor, other, same, at, now, cal, policy)
            except OutcomeError:
                continue  # e.g. its next attempt is not due yet: it keeps its own schedule
            flagged += _save(s, actor, other, same, otr, at, now, late, on_behalf)
            also.append(other.number)
            if otr.status in CLOSED_UNDONE:
                _note_created(s, actor, now, other.number, _planner().plan_after_closing(s, actor, other, now, cal, policy))
        followups = []
        if tr.status == "completed":
            followups = _planner().plan_after_completion(s, actor, cb, now, cal, policy)
        elif tr.status in CLOSED_UNDONE:  # a chain continues past a refused or unreachable link
            followups = _planner().plan_after_closing(s, actor, cb, now, cal, policy)
        _note_created(s, actor, now, cb.number, followups, also, flagged,
                      [*rec.verified_issue_ids, *rec.not_held_issue_ids])
        due_now = tr.status == "open" and passed_when_entered(tr.next_attempt_at, now)
        overdue = due_now and is_overdue(cb.deadline_on, cb.deadline_at, now)
        will_be_overdue = (tr.status == "open" and tr.next_attempt_at is not None and not overdue
                           and not is_overdue(cb.deadline_on, cb.deadline_at, now)
                           and past_deadline(tr.next_attempt_at, cb.deadline_on, cb.deadline_at))
        return AttemptResult(number, tr.status, tr.attempts, tr.due_on, tr.next_attempt_at, followups,
                             tr.alert_supervisor, also, late, due_now, overdue, will_be_overdue)


def _planner():  # noqa: ANN202
    """The planner, imported when an outcome plans what comes next (a completion, a closed
    link): not answered, busy, 改约 and the like do not need it (``huifang record`` start-up)."""
    from . import planner

    return planner


def _note_created(s: Session, actor: Actor, now: datetime, number: str, followups: list[str],
                  also: list[str] | None = None, flagged: list[int] | None = None,
                  issues: list[int] | None = None) -> None:
    """What an outcome created or touched besides its callback, for ``undo_last``."""
    if followups or also or flagged or issues:
        audit(s, actor, now, UNDO_NOTE, "callback", number, None,
              {"followups": followups, "also": also or [], "flagged_contacts": flagged or [],
               "issues": issues or []})


UNDO_NOTE = "callback.outcome_effects"


def defer(store: Store, actor: Actor, number: str, reason: str, to: date | None = None,
          at: datetime | None = None, guard: Callable[[Session, Callback], None] | None = None,
          on_behalf: Actor | None = None) -> date:
    """Put a callback off with a reason (counts as handled for the day close of the day it was
    put off). ``at``: when it was put off (``--when``; None = now), a record of the callback's
    stated timeline like an attempt (issue 23 item 2): within the same bounds, judged at that
    time (the new day after it, inside the deadline), the floor of the next record, and marked
    补录 when entered more than one working day later. Its stated time is kept on the audit row
    (``stated_at``), ``deferred_on`` is its day. Past the deadline only a supervisor may put it
    off (``NeedsSupervisor`` otherwise); ``guard`` and ``on_behalf`` as in ``record_attempt`` (a
    deferral counts for the callback's agent)."""
    if not reason.strip():
        raise ValidationError(t("call.err.defer_reason"))
    bound({"reason": reason})
    now = store.now()
    at = at or now
    with store.write() as s:
        cb = workable(s, actor, number, now)
        if guard is not None:
            guard(s, cb)
        try:
            check_when(s, cb, "defer", at, now)
        except OutcomeError as e:
            raise outcome_error(e) from e
        cal = load_calendar(s)
        new_due = to or cal.next_working_day(at.date())
        if new_due <= at.date():
            raise ValidationError(t("call.err.defer_past", day=new_due.isoformat()) if at == now else
                                  t("call.err.defer_past_stated", day=new_due.isoformat(), when=f"{at:%Y-%m-%d %H:%M}"))
        if past_deadline(datetime.combine(new_due, time.min), cb.deadline_on, cb.deadline_at) \
                and not actor.is_supervisor:
            raise NeedsSupervisor(t("call.err.defer_deadline", deadline=cb.deadline_on.isoformat()), kind="defer",
                                  number=number, wanted=new_due, deadline=cb.deadline_on.isoformat())
        before = cb.model_dump()
        cb.deferred_reason, cb.deferred_on, cb.due_on = reason.strip(), at.date(), new_due
        cb.updated_at, cb.version = now, cb.version + 1
        s.add(cb)
        s.flush()
        late = is_late_entry(at, now, cal)
        after = {**cb.model_dump(), STATED_KEY: at, **({"late_entry": True} if late else {}),
                 **({ON_BEHALF_KEY: on_behalf.login} if on_behalf is not None else {})}
        audit(s, actor, now, DEFER_ACTION, "callback", number, before, after)
    return new_due



def when_text(at: datetime, now: datetime) -> str:
    """A time as people say it: 今天/明天/后天 08:30, else 5月6日 15:00 (en: tomorrow 08:30, May 6 15:00)."""
    days = (at.date() - now.date()).days
    if 0 <= days <= 2:
        day = t(f"firsthour.day.{days}")
    elif at.year == now.year:
        day = t("firsthour.day.md", d=at.day, mon=t(f"firsthour.month.{at.month}"))
    else:
        day = t("firsthour.day.ymd", y=at.year, d=at.day, mon=t(f"firsthour.month.{at.month}"))
    return f"{day} {at:%H:%M}"


def next_step(res: AttemptResult, outcome: str, now: datetime) -> str:
    """What was recorded and what happens next, in the user's language: the same words on the call
    screen's notification and in ``huifang record``'s output (issue 16 item 4)."""
    what = t(f"outcome.{outcome}")
    if outcome == "reschedule" and res.next_attempt_at is not None:
        lines = [t("firsthour.next.reschedule", number=res.number, when=when_text(res.next_attempt_at, now))]
    elif res.status == "unreachable":
        lines = [t("firsthour.next.unreachable", number=res.number, n=res.attempts, what=what)]
    elif res.status == "open" and res.next_attempt_at is not None:
        lines = [t("firsthour.next.retry", number=res.number, n=res.attempts, what=what,
                   when=when_text(res.next_attempt_at, now))]
    elif res.status == "completed":
        key = "firsthour.next.completed_followups" if res.followups else "firsthour.next.completed"
        lines = [t(key, number=res.number, numbers=", ".join(res.followups), n=len(res.followups))]
    elif res.status == "waiting_data":
        lines = [t("firsthour.next.wrong_number", number=res.number)]
    elif res.status == "refused":
        lines = [t("firsthour.next.refused", number=res.number)]
    else:
        lines = [t("firsthour.next.other", number=res.number, state=t(f"cbstate.{res.status}"),
                   due=res.due_on.isoformat())]
    if res.followups and res.status != "completed":
        lines.append(t("call.followups", numbers=", ".join(res.followups)))
    late = "_late" if res.late_entry else ""  # 已补录 only when it is one (more than a working day late)
    if res.overdue:
        lines.append(t(f"firsthour.next.passed_overdue{late}"))
    elif res.due_now:
        lines.append(t(f"firsthour.next.passed{late}"))
    elif res.late_entry:
        lines.append(t("rules.late_entry_saved"))
    if res.will_be_overdue:  # issue 25 item 4: the next attempt is after the deadline
        lines.append(t("requests.will_be_overdue"))
    if res.also:
        lines.append(t("call.also_recorded", numbers=", ".join(res.also)))
    return "\n".join(lines)
