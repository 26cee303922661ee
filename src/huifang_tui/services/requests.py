"""Requests to a supervisor: a 改约 or a deferral past a callback's deadline (issue 25 item 5).

Moving a callback past its deadline is a supervisor's decision (``domain.outcomes.past_deadline``,
read by ``recording.record_attempt`` and ``recording.defer``, which refuse an agent with
``NeedsSupervisor``). An agent asks instead (``ask``): the request keeps the reason and the time
wanted, shows on the board as an alert (``services.alerts``), and the supervisor approves it
(``approve``: the 改约 or deferral applied through the same recording service on the agent's
behalf — the agent's attempt, the supervisor audited as approving it — in the same transaction as
the request's answer) or refuses it (``refuse``, an answer
optional). An approval checks that the callback is still the one asked about: still open and
still the same agent's; when it is not, the request is closed as ``stale`` and the supervisor told
why, nothing applied. The agent sees the answer in their queue (``mine``). The call screen, the
queue, the board and ``huifang request`` all go through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import or_
from sqlmodel import Session, select

from ..core.i18n import note_line, note_text, t
from ..domain.masking import notify_text
from ..domain.outcomes import past_deadline
from ..domain.queue import deadline_moment
from ..domain.status import OPEN_STATES
from ..domain.words import REQUEST_KINDS, REQUEST_STATES
from ..store.models import Callback, Customer, SupervisorRequest
from .access import get_callback, may_work
from .base import Actor, Conflict, NotFound, Refused, Store, ValidationError, acting, audit, get_user
from . import outbox
from .calendar import load_calendar
from .calls import check_state, same_call
from .limits import bound

KINDS = REQUEST_KINDS
STATES = REQUEST_STATES
PENDING, APPROVED, REFUSED, STALE = STATES
DECIDE_ROLES = ("supervisor",)  # and admin (base.require): who approves or refuses a request


@dataclass
class RequestView:
    id: int
    number: str
    customer: str
    kind: str
    wanted_at: datetime
    reason: str
    requested_by: str
    requested_at: datetime
    agent_login: str | None
    state: str
    decided_by: str | None
    decided_at: datetime | None
    answer: str  # the supervisor's words as typed, or why it went stale (in the reader's language)
    deadline: datetime | None = None  # the callback's deadline moment
    deadline_text: str = ""  # the deadline as the queue states it (a day, or a day and hour)
    decider: str = ""  # who decided, as people know them ("周主管 (supervisor)")

    @property
    def wanted_text(self) -> str:
        """A deferral's day, or a 改约's time."""
        return self.wanted_at.date().isoformat() if self.kind == "defer" else f"{self.wanted_at:%Y-%m-%d %H:%M}"

    def what(self) -> str:
        """What was asked, in words: 改约到 … / 推迟到 …"""
        return t(f"requests.what.{self.kind}", when=self.wanted_text)

    def answer_line(self) -> str:
        """The request and its answer in one line (the agent's queue, the command line); an
        approval that moved the rest of the call names those callbacks too."""
        key = f"requests.line.{self.state}" + ("_also" if self.state == APPROVED and self.answer else "")
        return t(key, number=self.number, what=self.what(), who=self.decider or self.decided_by or "",
                 answer=self.answer or t("requests.no_answer"))

    def as_json(self) -> dict:
        return {"id": self.id, "number": self.number, "customer": self.customer, "kind": self.kind,
                "wanted": self.wanted_at.date().isoformat() if self.kind == "defer"
                else self.wanted_at.isoformat(timespec="seconds"),
                "reason": self.reason, "requested_by": self.requested_by,
                "requested_at": self.requested_at.isoformat(timespec="seconds"), "agent": self.agent_login,
                "state": self.state, "decided_by": self.decided_by,
                "decided_at": self.decided_at.isoformat(timespec="seconds") if self.decided_at else None,
                "answer": self.answer or None,
                "deadline": (self.deadline.isoformat(timespec="seconds") if " " in self.deadline_text
                             else self.deadline_text or None)}  # a day, or an hour deadline's moment


def deadline_words(deadline_on: date, deadline_at: datetime | None) -> str:
    """A deadline as the queue states it: the day, or the day and hour of an hour deadline."""
    return f"{deadline_at:%Y-%m-%d %H:%M}" if deadline_at is not None else deadline_on.isoformat()


def _view(r: SupervisorRequest, customer: str = "", cb: Callback | None = None) -> RequestView:
    return RequestView(r.id, r.number, customer, r.kind, r.wanted_at, r.reason, r.requested_by, r.requested_at,
                       r.agent_login, r.state, r.decided_by, r.decided_at, note_text(r.answer),
                       deadline_moment(cb.deadline_on, cb.deadline_at) if cb is not None else None,
                       deadline_words(cb.deadline_on, cb.deadline_at) if cb is not None else "")


def _moment(kind: str, wanted: datetime | date) -> datetime:
    if kind == "defer":
        day = wanted.date() if isinstance(wanted, datetime) else wanted
        return datetime.combine(day, time.min)
    if not isinstance(wanted, datetime):
        return datetime.combine(wanted, time.min)
    return wanted


def ask(store: Store, actor: Actor, number: str, kind: str, wanted: datetime | date, reason: str) -> RequestView:
    """An agent asks a supervisor to move ``number`` past its deadline: a 改约 to ``wanted`` (a
    time) or a deferral to ``wanted`` (a day), with a reason (required). Only when the rule needs
    a supervisor (``domain.outcomes.past_deadline``); a supervisor does it themselves. A request
    still waiting on the same callback is replaced (the newest reason and time)."""
    if kind not in KINDS:
        raise ValidationError(t("requests.err.kind", value=kind, kinds=", ".join(KINDS)))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(t("requests.err.reason"))
    bound({"reason": reason})
    now = store.now()
    wanted_at = _moment(kind, wanted)
    with store.write() as s:
        acting(s, actor)
        cb = get_callback(s, number, lock=True)
        check_state(s, cb)
        may_work(actor, cb)
        if actor.is_supervisor:
            raise Refused(t("requests.err.yourself"))
        if (wanted_at.date() <= now.date()) if kind == "defer" else (wanted_at <= now):
            raise ValidationError(t("requests.err.past", when=_view_when(kind, wanted_at)))
        if not past_deadline(wanted_at, cb.deadline_on, cb.deadline_at):
            raise Refused(t("requests.err.not_needed", number=number,
                            deadline=deadline_words(cb.deadline_on, cb.deadline_at)))
        old = s.exec(select(SupervisorRequest).where(SupervisorRequest.callback_id == cb.id,
                                                     SupervisorRequest.state == PENDING)).first()
        before = old.model_dump() if old is not None else None
        row = old or SupervisorRequest(callback_id=cb.id, number=cb.number, kind=kind, wanted_at=wanted_at,
                                       reason=reason, requested_by=actor.login, requested_at=now)
        row.kind, row.wanted_at, row.reason = kind, wanted_at, reason
        row.requested_by, row.requested_at, row.agent_login = actor.login, now, cb.agent_login
        s.add(row)
        s.flush()
        audit(s, actor, now, "request.ask", "request", row.id, before, row)
        view = _view(row, _customer(s, cb), cb)
        _tell(s, actor, view, cb, now, replaced=old is not None)
        return view


def request_ref(request_id: int) -> str:
    """The event a request's notification names (``services.outbox``)."""
    return f"request:{request_id}"


def _tell(s: Session, actor: Actor, view: RequestView, cb: Callback, now: datetime, *, replaced: bool) -> None:
    """The supervisors are told a request waits (issue 26 item 2), in the request's transaction.
    A request replaced while waiting is the same request: a notification not sent yet says the
    newest reason and time; one already sent is not sent again (the app shows the newest)."""
    from .calls import person

    message = t("notify.msg.request", agent=person(s, actor.login), number=view.number, customer=view.customer,
                what=view.what(), reason=notify_text(view.reason))
    ref = request_ref(view.id)
    if replaced:
        outbox.retell(s, "request", ref, message)
    outbox.emit(s, "request", ref, message, now, by=actor.login)


def _view_when(kind: str, at: datetime) -> str:
    return at.date().isoformat() if kind == "defer" else f"{at:%Y-%m-%d %H:%M}"


def _customer(s: Session, cb: Callback) -> str:
    c = s.get(Customer, cb.customer_id)
    return c.name if c is not None else ""


def _find(s: Session, request_id: int) -> SupervisorRequest:
    row = s.get(SupervisorRequest, request_id)
    if row is None:
        raise NotFound(t("requests.err.unknown", id=request_id))
    return row


def _decided(s: Session, row: SupervisorRequest) -> None:
    """Refuse deciding a request already decided (another supervisor, a second key)."""
    if row.state != PENDING:
        from .calls import person

        raise Conflict(t(f"requests.err.already_{row.state}", id=row.id, number=row.number,
                         who=person(s, row.decided_by or ""), answer=note_text(row.answer)))


def _changed(s: Session, row: SupervisorRequest, cb: Callback) -> str | None:
    """Why the callback is no longer the one asked about (a message code), else None."""
    if cb.status not in OPEN_STATES:
        return note_line(t("requests.stale.closed", number=cb.number, state=t(f"cbstate.{cb.status}")))
    if cb.agent_login != row.agent_login:
        return note_line(t("requests.stale.reassigned", number=cb.number, agent=cb.agent_login or t("board.pool")))
    return None


def requester(s: Session, row: SupervisorRequest) -> Actor:
    """The agent who asked, as an actor (whose call outcome an approval records)."""
    u = get_user(s, row.requested_by)
    return Actor(u.login, u.role, u.name) if u is not None else Actor(row.requested_by, "agent")


def moves(s: Session, row: SupervisorRequest, cb: Callback, at: datetime) -> list[str]:
    """The callbacks approving ``row`` at ``at`` moves, its own first: a 改约 is the call's
    outcome, recorded on the rest of the call as the agent's own would be (``calls.same_call``
    in the agent's scope, as ``recording.record_attempt`` spreads it); a deferral moves one."""
    if row.kind != "reschedule":
        return [cb.number]
    return [cb.number, *(o.number for o in same_call(s, requester(s, row), cb, at))]


def pending(store: Store, actor: Actor) -> list[RequestView]:
    """The requests waiting for an answer, oldest first (a supervisor's)."""
    return list_requests(store, actor, PENDING)


def list_requests(store: Store, actor: Actor, state: str | None = PENDING) -> list[RequestView]:
    """Requests in ``state`` (None: every one), oldest first: a supervisor sees everyone's, an
    agent their own."""
    if state is not None and state not in STATES:
        raise ValidationError(t("requests.err.state", value=state, states=", ".join(STATES)))
    with store.read() as s:
        acting(s, actor)
        q = (select(SupervisorRequest, Callback, Customer.name)
             .join(Callback, Callback.id == SupervisorRequest.callback_id)
             .join(Customer, Customer.id == Callback.customer_id))
        if state is not None:
            q = q.where(SupervisorRequest.state == state)
        if not actor.is_supervisor:
            q = q.where(SupervisorRequest.requested_by == actor.login)
        q = q.order_by(SupervisorRequest.requested_at, SupervisorRequest.id)
        return _named(s, [_view(r, name, cb) for r, cb, name in s.exec(q)])


def _named(s: Session, views: list[RequestView]) -> list[RequestView]:
    """The deciders by their names (as the board names people)."""
    from .calls import person

    for v in views:
        if v.decided_by:
            v.decider = person(s, v.decided_by)
    return views


def mine(s: Session, actor: Actor, now: datetime) -> list[RequestView]:
    """The actor's requests the queue shows: those waiting, and those answered since the start of
    the previous working day (an answer given late yesterday is still seen this morning); those
    that leave the agent work first (``ATTENTION``), newest first within each. Read in the
    caller's transaction (by the requester index)."""
    cal = load_calendar(s)
    since = datetime.combine(cal.previous_working_day(now.date()), time.min)
    q = (select(SupervisorRequest, Callback, Customer.name)
         .join(Callback, Callback.id == SupervisorRequest.callback_id)
         .join(Customer, Customer.id == Callback.customer_id)
         .where(SupervisorRequest.requested_by == actor.login,
                or_(SupervisorRequest.state == PENDING, SupervisorRequest.decided_at >= since))
         .order_by(SupervisorRequest.requested_at.desc(), SupervisorRequest.id.desc()))
    views = _named(s, [_view(r, name, cb) for r, cb, name in s.exec(q)])
    return sorted(views, key=lambda v: ATTENTION.index(v.state))  # stable: newest first within a state


# The order an agent reads their requests in: those that leave them work (refused, void) first.
ATTENTION = (REFUSED, STALE, PENDING, APPROVED)


def my_requests(store: Store, actor: Actor) -> list[RequestView]:
    """``mine`` in a read transaction of its own (the queue screen's worker)."""
    now = store.now()
    with store.read() as s:
        acting(s, actor)
        return mine(s, actor, now)


def approve(store: Store, actor: Actor, request_id: int) -> tuple[RequestView, str]:
    """A supervisor approves: the 改约 or deferral is applied by the supervisor on the requesting
    agent's behalf (the recording service, its rules and audit: the attempt is the agent's, in
    the agent's day figures; the audit names the supervisor) and the request answered, in one
    transaction. When the callback
    changed meanwhile (closed, reassigned) nothing is applied: the request is closed as stale and
    the refusal says why. Returns the request and what the recording service says happened."""
    from . import recording

    now = store.now()
    with store.write() as s:  # who may decide, which request, and whether it still holds
        acting(s, actor, *DECIDE_ROLES)
        row = _find(s, request_id)
        _decided(s, row)
        cb = get_callback(s, row.number, lock=True)
        why = _changed(s, row, cb)
        if why is not None:
            before = row.model_dump()
            row.state, row.decided_by, row.decided_at, row.answer = STALE, actor.login, now, why
            s.add(row)
            s.flush()
            audit(s, actor, now, "request.stale", "request", row.id, before, row)
            _decided_told(s, actor, now, row)
        kind, number, wanted, reason = row.kind, row.number, row.wanted_at, row.reason
        agent = requester(s, row)
    if why is not None:
        raise Conflict(t("requests.err.stale", id=request_id, why=note_text(why)))

    def guard(s: Session, cb: Callback) -> None:  # inside the recording's transaction
        row = _find(s, request_id)
        _decided(s, row)
        why = _changed(s, row, cb)
        if why is not None:
            raise Conflict(t("requests.err.stale", id=request_id, why=note_text(why)))
        before = row.model_dump()
        row.state, row.decided_by, row.decided_at = APPROVED, actor.login, now
        also = moves(s, row, cb, now)[1:]  # the rest of the call, named in the agent's answer
        row.answer = note_line(t("requests.moved_also", numbers=", ".join(also))) if also else ""
        s.add(row)
        s.flush()
        audit(s, actor, now, "request.approve", "request", row.id, before, row)
        _decided_told(s, actor, now, row)

    if kind == "defer":
        day = recording.defer(store, actor, number, reason, wanted.date(), guard=guard, on_behalf=agent)
        said = t("dayclose.deferred", number=number, day=day.isoformat())
    else:
        rec = recording.CallRecord(outcome="reschedule", to=wanted, note=reason)
        res = recording.record_attempt(store, actor, number, rec, guard=guard, on_behalf=agent)
        said = recording.next_step(res, "reschedule", now)
    return _one(store, request_id), said


def refuse(store: Store, actor: Actor, request_id: int, answer: str = "") -> RequestView:
    """A supervisor refuses, with an answer or none; the callback is not touched."""
    answer = (answer or "").strip()
    bound({"reason": answer})
    now = store.now()
    with store.write() as s:
        acting(s, actor, *DECIDE_ROLES)
        row = _find(s, request_id)
        _decided(s, row)
        before = row.model_dump()
        row.state, row.decided_by, row.decided_at, row.answer = REFUSED, actor.login, now, answer
        s.add(row)
        s.flush()
        audit(s, actor, now, "request.refuse", "request", row.id, before, row)
        _decided_told(s, actor, now, row)
    return _one(store, request_id)


def _decided_told(s: Session, actor: Actor, now: datetime, row: SupervisorRequest) -> None:
    """A request decided before its notification went out (a quiet night, a supervisor at the
    board): nobody is asked for a decision already made."""
    outbox.withdraw(s, actor, now, ("request",), request_ref(row.id))


def _one(store: Store, request_id: int) -> RequestView:
    with store.read() as s:
        row = _find(s, request_id)
        cb = s.get(Callback, row.callback_id)
        return _named(s, [_view(row, _customer(s, cb) if cb else "", cb)])[0]

