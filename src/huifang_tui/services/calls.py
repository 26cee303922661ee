"""Opening a call: the call card, and the claim that keeps a customer to one agent (SPEC §4, §6).

A claim covers the *customer*: while an agent has one of a customer's callbacks open, nobody
else can open, claim or record any callback of that customer. Claims expire (store.claims).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from ..domain.follow_up import DEFAULT_THRESHOLD
from ..domain.status import OPEN_STATES  # noqa: F401 (re-exported)
from ..core.i18n import t
from ..store.claims import HOST, claim_alive
from ..store.models import AuditEntry, Callback, CallDraft, Contact, Customer, Issue
from .access import get_callback, may_work, may_work_on
from .base import Actor, Conflict, NotFound, PermissionDenied, Store, acting, audit, denied  # noqa: F401

# A customer reached after the callback became unreachable can still be recorded (SPEC §3;
# issue 22 §12): the call can be opened and a reached outcome recorded on it.
REOPENABLE = ("unreachable",)


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
    low_score_threshold: int = DEFAULT_THRESHOLD  # the policy's: the card's red scores
    # outcome → the status it would close this callback with for good (domain.outcomes.
    # closing_status, at the attempts and policy read with the card): the screen confirms these
    closing: dict[str, str] = field(default_factory=dict)


def claim_holds(cb: Callback, now: datetime) -> bool:
    return claim_alive(cb.claimed_by, cb.claimed_at, cb.claim_pid, cb.claim_host, now)


def customer_claim(s: Session, actor: Actor, cb: Callback, now: datetime, *, pid: int | None = None) -> Callback | None:
    """Another holder's live claim on any open callback of this customer, if there is one.

    ``pid`` set (opening a call): this login's claim from another process also counts, so one
    agent cannot open the same callback in two terminals.
    """
    for other in s.exec(select(Callback).where(Callback.customer_id == cb.customer_id, Callback.claimed_by.is_not(None),
                                               Callback.status.in_((*OPEN_STATES, *REOPENABLE)))):
        if not claim_holds(other, now):
            continue
        if other.claimed_by != actor.login:
            return other
        if pid is not None and other.id == cb.id and (other.claim_pid != pid or other.claim_host != HOST):
            return other
    return None


def claim_since(s: Session, holder: Callback) -> datetime:
    """When the holder opened the call: their latest claim of it (``callback.claim`` audit row).
    ``claimed_at`` moves with the holder's keys, so it says when they were last active, not
    since when they have the call. Read only to name a holder, through the audit's time index
    (a call is not open for more than a working day); ``claimed_at`` if no row is found."""
    at = holder.claimed_at
    row = s.exec(select(AuditEntry.at).where(
        AuditEntry.at >= at - timedelta(hours=12), AuditEntry.at <= at, AuditEntry.action == "callback.claim",
        AuditEntry.entity == "callback", AuditEntry.entity_id == holder.number, AuditEntry.login == holder.claimed_by,
    ).order_by(AuditEntry.at.desc()).limit(1)).first()
    return row or at


class ClaimedElsewhere(Conflict):
    """Someone else has the customer's call open now: try again once they leave it."""


def _refuse_claimed(s: Session, holder: Callback, cb: Callback) -> ClaimedElsewhere:
    at = claim_since(s, holder).strftime("%H:%M")
    if holder.id == cb.id:
        return ClaimedElsewhere(t("call.claimed", number=cb.number, who=holder.claimed_by, at=at))
    return ClaimedElsewhere(t("rules.customer_claimed", number=cb.number, customer=_customer_name(s, cb),
                              who=holder.claimed_by, other=holder.number, at=at))


def claim_conflict(s: Session, actor: Actor, cb: Callback, now: datetime) -> ClaimedElsewhere | None:
    """The refusal for moving or closing ``cb`` under someone (assign, reassign, lapse, defer):
    another user has this customer's call open right now. Names who and since when; None once
    the claim is released or has expired (issue 22 §2). Every door asks this one function."""
    holder = customer_claim(s, actor, cb, now)
    if holder is None:
        return None
    at = claim_since(s, holder).strftime("%H:%M")
    return ClaimedElsewhere(t("claim.moving_refused", number=cb.number, customer=_customer_name(s, cb), who=holder.claimed_by,
                      other=holder.number, at=at))


def refuse_if_claimed(s: Session, actor: Actor, cb: Callback, now: datetime) -> None:
    conflict = claim_conflict(s, actor, cb, now)
    if conflict is not None:
        raise conflict


def check_state(s: Session, cb: Callback, *, reached: bool = False) -> None:
    """Refuse a callback that is no longer open, saying what it is: "already completed by X
    at …", "unreachable since …" (issue 22 §12), else its state. ``reached`` (the customer was
    reached, or a call is being opened to reach them): an unreachable callback is still
    workable. Asked before whose it is, so a pool callback someone completed is not said to
    "belong" to them."""
    if cb.status in OPEN_STATES or (reached and cb.status in REOPENABLE):
        return
    raise Conflict(state_line(s, cb))


def state_line(s: Session, cb: Callback) -> str:
    """What a closed callback is, in plain words."""
    from ..store.models import CallAttempt

    last = s.exec(select(CallAttempt).where(CallAttempt.callback_id == cb.id)
                  .order_by(CallAttempt.at.desc(), CallAttempt.id.desc()).limit(1)).first()
    if cb.status == "completed":
        done = s.exec(select(CallAttempt.agent_login).where(CallAttempt.callback_id == cb.id,
                                                            CallAttempt.outcome == "completed")
                      .order_by(CallAttempt.id.desc()).limit(1)).first()
        at = cb.completed_at or (last.at if last else cb.updated_at)
        return t("onecall.completed_by", number=cb.number, who=person(s, done or cb.agent_login or ""),
                 at=f"{at:%Y-%m-%d %H:%M}")
    if cb.status == "unreachable":
        since = last.at if last else cb.updated_at
        return t("onecall.unreachable_since", number=cb.number, since=f"{since:%Y-%m-%d %H:%M}",
                 n=cb.attempts)
    return t("call.closed_already", number=cb.number, state=t(f"cbstate.{cb.status}"))


def person(s: Session, login: str) -> str:
    """A login as people know it: "王芳 (agent1)", the login alone when it has no name."""
    from ..store.models import User

    u = s.exec(select(User).where(User.login == login)).first() if login else None
    return f"{u.name} ({login})" if u is not None and u.name and u.name != login else login


def workable(s: Session, actor: Actor, number: str, now: datetime, outcome: str | None = None) -> Callback:
    """The callback, if this actor may act on it now: still open (or unreachable, when the
    ``outcome`` reached the customer), theirs, its customer not claimed by someone else.
    Checks the acting user inside the caller's transaction."""
    from ..domain.outcomes import REACHED

    acting(s, actor)
    cb = get_callback(s, number, lock=True)
    check_state(s, cb, reached=outcome in REACHED)
    may_work(actor, cb)
    holder = customer_claim(s, actor, cb, now)
    if holder is not None:
        raise _refuse_claimed(s, holder, cb)
    return cb


def _customer_name(s: Session, cb: Callback) -> str:
    c = s.get(Customer, cb.customer_id)
    return c.name if c else str(cb.customer_id)


def open_call(store: Store, actor: Actor, number: str, *, pid: int | None = None) -> CallView:
    """Claim the callback (and so its customer) for this process and load the call card."""
    now = store.now()
    with store.write() as s:
        cb = _claim(s, actor, number, now, pid or os.getpid())
        audit(s, actor, now, "phone.reveal", "customer", cb.customer_id, None, {"callback": number})
        view = _view(s, actor, cb, now)
    return view


def reclaim(store: Store, actor: Actor, number: str, *, pid: int | None = None) -> None:
    """Claim again a call whose screen stayed open after its claim was released (the person
    was idle) or expired: the same checks as opening it, the card is already on screen."""
    now = store.now()
    with store.write() as s:
        _claim(s, actor, number, now, pid or os.getpid())


def _claim(s: Session, actor: Actor, number: str, now: datetime, pid: int) -> Callback:
    acting(s, actor)
    cb = get_callback(s, number, lock=True)
    check_state(s, cb, reached=True)  # a call is opened to reach the customer
    may_work(actor, cb)
    holder = customer_claim(s, actor, cb, now, pid=pid)
    if holder is not None:
        raise _refuse_claimed(s, holder, cb)
    before = {"claimed_by": cb.claimed_by}
    cb.claimed_by, cb.claim_pid, cb.claim_host, cb.claimed_at = actor.login, pid, HOST, now
    s.add(cb)
    audit(s, actor, now, "callback.claim", "callback", number, before, {"claimed_by": actor.login})
    return cb


def same_call(s: Session, actor: Actor, cb: Callback, at: datetime, *, lock: bool = False) -> list[Callback]:
    """The rest of one call to ``cb``'s customer made at ``at`` (SPEC §3, issue 22 §3): every
    other open phone callback of the customer that the actor may work (``may_work_on``) and
    that is due that day or overdue, its next attempt allowed by then (``domain.outcomes.
    due_in_call``), in queue order. The one set for the call screen's 同日合并 line, the
    outcomes that spread (``domain.outcomes.SPREADS``), ``huifang record``'s output and undo.
    A callback waiting for a new number (号码错误) is not in it: nothing was learnt of that number.

    ``lock`` (recording): their rows are held until the transaction ends; one that another
    transaction holds right now (a supervisor moving it, say) is left out, not waited for
    (PostgreSQL ``SKIP LOCKED``)."""
    from ..domain.outcomes import due_in_call

    q = select(Callback).where(
        Callback.customer_id == cb.customer_id, Callback.id != cb.id,
        Callback.status == "open", Callback.channel == "phone",
    ).order_by(Callback.priority, Callback.deadline_on, Callback.number)
    if lock:
        q = q.with_for_update(skip_locked=True).execution_options(populate_existing=True)
    return [o for o in s.exec(q) if may_work_on(actor, o)
            and due_in_call(o.due_on, o.deadline_on, o.deadline_at, o.next_attempt_at, at)]


def _view(s: Session, actor: Actor, cb: Callback, now: datetime) -> CallView:
    from ..domain.outcomes import OUTCOMES, closing_status
    from ..store.models import User, WorkOrder
    from .calendar import load_policy

    customer = s.get(Customer, cb.customer_id)
    contacts = list(s.exec(select(Contact).where(Contact.customer_id == cb.customer_id)
                           .order_by(Contact.is_primary.desc(), Contact.id)))
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
    draft_row = s.exec(select(CallDraft).where(CallDraft.callback_id == cb.id, CallDraft.login == actor.login)).first()
    wo = s.get(WorkOrder, cb.work_order_id) if cb.work_order_id else None
    u = s.exec(select(User).where(User.login == actor.login)).first()
    policy = load_policy(s)
    closing = {o: st for o in OUTCOMES if (st := closing_status(o, cb.attempts, policy)) is not None}
    return CallView(cb, customer, contacts, history, open_issues, to_verify, same_call(s, actor, cb, now),
                    json.loads(draft_row.data) if draft_row else None, wo, u.name if u else actor.login,
                    _trigger_info(s, cb), _company(s), policy.low_score_threshold, closing)


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
    terminal's of the same login). Allowed even to a user disabled meanwhile."""
    with store.write() as s:
        s.exec(
            update(Callback)
            .where(Callback.number == number, Callback.claimed_by == actor.login,
                   Callback.claim_pid == (pid or os.getpid()), Callback.claim_host == HOST)
            .values(claimed_by=None, claim_pid=None, claim_host=None, claimed_at=None)
        )


@dataclass(frozen=True)
class Pulse:
    """What the call screen learns when it renews its claim."""

    held: bool  # this login still holds the claim (renewed to the person's last key)
    version: int  # the callback's version now: another than the one opened means it changed
    changes: tuple[str, ...] = ()  # what others changed on it since ``since`` (plain lines)


def heartbeat(store: Store, actor: Actor, number: str, *, active_at: datetime | None = None,
              seen_version: int | None = None, since: datetime | None = None) -> Pulse:
    """Renew this login's claim up to the person's last key (``active_at``; now if not given).

    A claim follows the person, not the connection (issue 21 §4): it holds CLAIM_TTL after the
    last key, however long the screen stays open. A claim already expired is not renewed here
    (someone may have taken the customer meanwhile): the screen claims again with ``reclaim``.
    With ``seen_version`` (the version the screen opened), a callback changed since by someone
    else is described from its audit rows written since ``since``."""
    now = store.now()
    at = min(active_at or now, now)
    with store.write() as s:
        acting(s, actor)
        cb = get_callback(s, number)
        held = cb.claimed_by == actor.login and claim_holds(cb, now)
        if held and cb.claimed_at < at:
            cb.claimed_at = at
            s.add(cb)
        changes: tuple[str, ...] = ()
        if seen_version is not None and cb.version != seen_version:
            changes = _changes(s, actor, cb, since or now)
        return Pulse(held, cb.version, changes)


def _changes(s: Session, actor: Actor, cb: Callback, since: datetime) -> tuple[str, ...]:
    """Plain lines saying what others did to the callback since ``since`` (its audit rows, oldest
    first, read through the audit's time index), then what it is now. Nothing if only this
    login changed it."""
    rows = s.exec(select(AuditEntry).where(
        AuditEntry.at >= since, AuditEntry.entity == "callback", AuditEntry.entity_id == cb.number,
        AuditEntry.login != actor.login, AuditEntry.action.like("callback.%"),
        AuditEntry.action.not_in(("callback.claim", "callback.outcome_effects")),
    ).order_by(AuditEntry.at, AuditEntry.id)).all()
    out = [t("claim.changed_by", who=row.login, at=row.at.strftime("%H:%M"), what=_what(row.action)) for row in rows]
    if not out:
        return ()  # only this login's own changes (an issue raised from the call, say)
    owner = cb.agent_login or t(f"assignee.{cb.assignee}")
    out.append(t("claim.changed_now", number=cb.number, state=t(f"report.state.{cb.status}"), owner=owner,
                 due=cb.due_on.isoformat()))
    return tuple(out)


def _what(action: str) -> str:
    from ..domain.outcomes import OUTCOMES

    name = action.removeprefix("callback.")
    if name in OUTCOMES:
        return t("claim.change.recorded", outcome=t(f"outcome.{name}"))
    if name in ("assign", "reassign", "lapse", "defer", "cancel", "edit", "undo"):
        return t(f"claim.change.{name}")
    return t("claim.change.other")
