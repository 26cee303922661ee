"""The issue ledger (问题跟踪台账, 001 六): raising, working and closing issues (SPEC §3, §4).

Every action is one write transaction: the permission matrix is checked inside it, the
event is appended, the issue's columns are re-derived from its event log by the pure
``domain.issues.issue_state``, and escalations that fell due by the clock are written,
dated when each deadline passed (never under ``--when``/``--now``).  Reading never writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from ..domain.calendar import WorkCalendar
from ..domain.issues import (
    APPLIES_IN,
    CATEGORIES,
    LEVELS,
    RAISE_FOR_CUSTOMER,
    SYSTEM_KINDS,
    IssueFacts,
    IssueState,
    Written,
    can_close,
    issue_deadlines,
    issue_roles,
    issue_state,
    last_action_at,
    may,
    reconcile,
)
from ..domain.masking import notify_text
from ..domain.outcomes import is_late_entry
from ..domain.policy import ISSUE_PRIORITIES, Policy
from ..core.errors import IssueInputError, IssueRefused
from ..core.i18n import t
from ..store.queries import chunked
from ..store.models import Callback, Customer, Issue, IssueEvent
from .base import (SYSTEM, Actor, Conflict, NotFound, PermissionDenied, ServiceError, Store, acting,  # noqa: F401
                   audit, denied, get_user, next_number, require, serialize)
from .access import may_work
from . import outbox
from .calendar import load_calendar, load_policy
from .departments import active_department, default_departments
from .limits import bound
from .report import ensure_month_open


# -- reading ------------------------------------------------------------------------------


@dataclass
class IssueView:
    """One issue as the ledger, ``issue show`` and ``--json`` present it, as of *now*."""

    issue: Issue
    customer: str
    callback: str | None
    state: IssueState
    events: list[IssueEvent] = field(default_factory=list)
    reopened: int = 0  # times reopened (a failed verification included)
    solutions: list[dict] = field(default_factory=list)  # every solution given (issue_history)
    late_entry: bool = False  # an action of it entered more than one working day late (补录)

    def as_json(self, with_events: bool = False) -> dict:
        i, st = self.issue, self.state

        def iso(v: datetime | date | None) -> str | None:
            return v.isoformat() if v is not None else None

        out = {
            "number": i.number, "customer": self.customer, "callback": self.callback,
            "title": i.title, "category": i.category, "priority": i.priority,
            "complaint": i.is_complaint, "department": i.department or None,
            "owner": i.owner_login, "status": st.status, "level": st.level,
            "raised_at": iso(i.raised_at), "ack_by": iso(st.ack_by), "solve_by": iso(st.solve_by),
            "next_update_by": iso(st.next_update_by), "acknowledged_at": iso(st.acknowledged_at),
            "solved_at": iso(st.solved_at), "told_on": iso(i.customer_told_on),
            "satisfaction": i.satisfaction, "closed_at": iso(i.closed_at),
            "verified_at": iso(i.verified_at), "overdue": list(st.overdue), "at_risk": st.at_risk,
            "raised_by": i.raised_by, "reopened": self.reopened, "solutions": self.solutions,
            "late_entry": self.late_entry,
        }
        if with_events:
            out["events"] = [{"kind": e.kind, "at": iso(e.at), "login": e.login, "text": event_text(e),
                              "id": e.id, "entered_at": iso(e.entered_at), "late_entry": e.late_entry,
                              "withdrawn_at": iso(e.withdrawn_at), "withdrawn_by": e.withdrawn_by}
                             for e in self.events]
        return out


def event_text(e: IssueEvent) -> str:
    """A timeline entry's text for this reader: the system's in their language (a stored code),
    a person's as typed (issue 22 item 9)."""
    from ..core.i18n import stored

    return stored(e.code, e.params, e.text)


def event_marks(e: IssueEvent, events: Iterable[IssueEvent]) -> list[str]:
    """What a timeline entry is marked with for this reader (issue 23): 补录 (entered more than
    one working day late), or withdrawn (an escalation a later entry showed was not due), naming
    the entry that withdrew it."""
    marks = [t("ledger.late_mark")] if is_late(e) else []
    if e.withdrawn_at is not None:
        by = next((x for x in events if x.id == e.withdrawn_by), None)
        marks.append(t("ledger.withdrawn", by=t(f"ledger.event.{by.kind}") if by else "-",
                       by_at=by.at.strftime("%m-%d %H:%M") if by else e.withdrawn_at.strftime("%m-%d %H:%M")))
    return marks


def new_event(issue_id: int, at: datetime, login: str, kind: str, text: str = "", *,
              entered_at: datetime | None = None, late_entry: bool = False) -> IssueEvent:
    """A timeline entry stated at *at*, entered at *entered_at* (补录 when *late_entry*): a catalog
    text (``t()``) is stored as its code and parameters, what a person typed as typed."""
    import json

    from ..core.i18n import encode

    when = {"entered_at": entered_at, "late_entry": late_entry}
    code = encode(text)
    if code is None:
        return IssueEvent(issue_id=issue_id, at=at, login=login, kind=kind, text=text, **when)
    return IssueEvent(issue_id=issue_id, at=at, login=login, kind=kind, text="", code=code["code"],
                      params=json.dumps(code["params"], ensure_ascii=False), **when)


def facts_of(issue: Issue, events: Iterable[IssueEvent]) -> IssueFacts:
    """The stated timeline of what people did (escalations are derived from it, never fed in)."""
    return IssueFacts(issue.priority, issue.is_complaint, issue.raised_at,
                      tuple((e.kind, e.at) for e in events if e.kind not in SYSTEM_KINDS))


def is_late(e: IssueEvent) -> bool:
    """An action of a person entered more than one working day after its stated time (补录)."""
    return bool(e.late_entry) and e.kind not in SYSTEM_KINDS


def _events(s: Session, issue_ids: list[int]) -> dict[int, list[IssueEvent]]:
    out: dict[int, list[IssueEvent]] = {i: [] for i in issue_ids}
    for chunk in range(0, len(issue_ids), 500):
        ids = issue_ids[chunk:chunk + 500]
        for e in s.exec(select(IssueEvent).where(col(IssueEvent.issue_id).in_(ids))
                        .order_by(IssueEvent.at, IssueEvent.id)):
            out[e.issue_id].append(e)
    return out


def _get(s: Session, number: str, *, lock: bool = False) -> Issue:
    """The issue by number; ``lock`` holds its row until the transaction ends (PostgreSQL)."""
    q = select(Issue).where(Issue.number == number.strip().upper())
    if lock:
        q = q.with_for_update()
    issue = s.exec(q).first()
    if issue is None:
        raise NotFound(t("ledger.err.not_found", number=number))
    return issue


def issue_views(s: Session, issues: list[Issue], now: datetime, policy: Policy, cal: WorkCalendar,
                with_events: bool = False, as_of: bool = False) -> list[IssueView]:
    events = _events(s, [i.id for i in issues])
    if as_of:  # ``issues --now``: each issue as it stood then (issue 23 item 6)
        events = {iid: [e for e in evs if e.at <= now] for iid, evs in events.items()}
        issues = [_as_it_stood(i, events[i.id], issue_state(facts_of(i, events[i.id]), policy, cal, now).status, now)
                  for i in issues]
    cust = {c.id: c.name for c in s.exec(select(Customer).where(
        col(Customer.id).in_({i.customer_id for i in issues})))} if issues else {}
    cb_ids = {i.callback_id for i in issues if i.callback_id}
    cbs = {c.id: c.number for c in s.exec(select(Callback).where(col(Callback.id).in_(cb_ids)))} if cb_ids else {}
    from .issue_history import histories

    past = histories(s, issues, events)
    return [IssueView(i, cust.get(i.customer_id, ""), cbs.get(i.callback_id),
                      issue_state(facts_of(i, events[i.id]), policy, cal, now),
                      events[i.id] if with_events else [], *past[i.id],
                      late_entry=any(is_late(e) and e.at <= now for e in events[i.id]))
            for i in issues]


def _as_it_stood(i: Issue, events: list[IssueEvent], status: str, at: datetime) -> Issue:
    """A detached copy of *i* with the fields the ledger showed at *at* (``domain.as_of``)."""
    import json

    from ..domain.as_of import issue_record_at

    def params(e: IssueEvent) -> dict:
        try:
            p = json.loads(e.params) if e.params else {}
        except ValueError:
            return {}
        return p if isinstance(p, dict) else {}

    rec = issue_record_at(((e.kind, e.at, params(e)) for e in events), status, at,
                          told_on=i.customer_told_on, satisfaction=i.satisfaction)
    return Issue(**{**i.model_dump(), "status": status, "closed_at": rec.closed_at, "customer_told_on": rec.told_on,
                    "satisfaction": rec.satisfaction,
                    "verified_at": i.verified_at if i.verified_at is not None and i.verified_at <= at else None})


def show_issue(store: Store, number: str, now: datetime | None = None) -> IssueView:
    now = now or store.now()
    with store.read() as s:
        issue = _get(s, number)
        return issue_views(s, [issue], now, load_policy(s), load_calendar(s), with_events=True)[0]


@dataclass(frozen=True)
class IssueFilter:
    """The ledger's filters (issue 10 §1); computed ones (overdue, at risk, escalated) are
    judged as of *now* by the domain."""

    mine: bool = False  # raised by me or owned by me
    my_department: bool = False
    overdue: bool = False
    at_risk: bool = False
    escalated: bool = False
    complaints: bool = False
    waiting: bool = False
    status: str | None = None
    category: str | None = None
    customer: str = ""  # search: a part of the customer's name


@dataclass
class IssuePage:
    rows: list[IssueView]
    total: int
    offset: int
    limit: int


def list_issues(store: Store, actor: Actor, flt: IssueFilter = IssueFilter(), now: datetime | None = None,
                offset: int = 0, limit: int | None = None, *, as_of: bool = False) -> IssuePage:
    """Issues matching *flt*, newest first, one page.  Reads only.  *as_of* (``issues --now``):
    the ledger as it stood at *now*, from the actions stated by then."""
    as_of = as_of and now is not None
    now = now or store.now()
    if flt.status is not None and flt.status not in ("open", "acknowledged", "waiting", "solved", "closed"):
        raise IssueInputError(t("ledger.err.status", value=flt.status))
    if flt.category is not None and flt.category not in CATEGORIES:
        raise IssueInputError(t("issue.err.category", value=flt.category))
    with store.read() as s:
        acting(s, actor)
        q = select(Issue)
        if flt.mine:
            q = q.where(or_(Issue.raised_by == actor.login, Issue.owner_login == actor.login))
        if flt.my_department:
            u = get_user(s, actor.login)
            q = q.where(Issue.department == ((u.department if u else None) or "\x00"))
        if flt.complaints:
            q = q.where(Issue.is_complaint == True)  # noqa: E712
        if flt.category:
            q = q.where(Issue.category == flt.category)
        if flt.customer.strip():
            q = q.join(Customer, Customer.id == Issue.customer_id).where(
                col(Customer.name).contains(flt.customer.strip(), autoescape=True))
        computed = flt.overdue or flt.at_risk or flt.escalated or flt.waiting or flt.status
        # status is derived from the log as of *now*: closed ones never reopen by themselves,
        # so "not closed" narrows the rows the domain has to judge
        if as_of:  # raised by then; its status then is judged from the log, not today's column
            q = q.where(Issue.raised_at <= now)
        elif flt.overdue or flt.at_risk or flt.waiting or flt.status in ("open", "acknowledged", "waiting", "solved"):
            q = q.where(Issue.status != "closed")
        elif flt.status == "closed":
            q = q.where(Issue.status == "closed")
        q = q.order_by(col(Issue.raised_at).desc(), col(Issue.id).desc())
        policy, cal = load_policy(s), load_calendar(s)
        if not computed:
            total = s.exec(select(func.count()).select_from(q.order_by(None).subquery())).one()
            page = q.offset(offset)
            if limit is not None:
                page = page.limit(limit)
            return IssuePage(issue_views(s, list(s.exec(page)), now, policy, cal, as_of=as_of), total, offset,
                             limit or total)
        views = []
        for chunk in chunked(list(s.exec(q)), 500):
            for v in issue_views(s, chunk, now, policy, cal, as_of=as_of):
                st = v.state
                if flt.overdue and not st.overdue:
                    continue
                if flt.at_risk and not st.at_risk:
                    continue
                if flt.escalated and st.level == 0:
                    continue
                if flt.waiting and st.status != "waiting":
                    continue
                if flt.status and st.status != flt.status:
                    continue
                views.append(v)
        end = len(views) if limit is None else offset + limit
        return IssuePage(views[offset:end], len(views), offset, limit or len(views))


# -- escalations written by writes and the planner -------------------------------------------


def write_due_escalations(s: Session, now: datetime, issue: Issue | None = None,
                          issue_at: datetime | None = None, *, actor: Actor | None = None,
                          entry: IssueEvent | None = None) -> int:
    """Append the escalation events that fell due by *now* (the clock), dated when each
    deadline passed; raise ``Issue.level`` to match.  Returns how many were written.

    Escalations follow the stated timeline of what people did (issue 23 item 3).  The *issue*
    being written is reconciled with it: an escalation written earlier that the timeline no
    longer makes due by the clock (the late *entry* showed its deadline was met) is withdrawn —
    kept, marked with when and by which entry, audited as ``issue.escalation_withdrawn`` — and
    its level follows (the only way a level drops).  What it owes is judged as of its stated
    time *issue_at* (a back-filled fact is judged with the facts known then), or of the clock
    once an entry withdrew something (the rest of what the clock had judged is written again as
    it follows now).  Every other issue is judged as of the clock; withdrawn escalations never
    count as written.
    """
    # PostgreSQL: one writer of escalations at a time (so none is written twice), and issues
    # another transaction holds are left to it or the next write: this never waits on a row
    # while holding the lock (a writer holding its issue's row may be waiting for the lock).
    serialize(s, "escalations")
    policy, cal = load_policy(s), load_calendar(s)
    day = now.date()
    judge: dict[int, tuple[Issue, datetime]] = {}
    # Only open/acknowledged issues can pass a deadline unseen (waiting pauses the clock; a
    # solution or close is itself a write that judges its issue); level 1 can still rise only
    # when the acknowledgement was missed and the solution deadline has passed.
    ack_missed = or_(col(Issue.acknowledged_at).is_(None), Issue.acknowledged_at > Issue.ack_by)
    q = select(Issue).where(col(Issue.status).in_(("open", "acknowledged")), Issue.level < 2, or_(
        Issue.is_complaint == True,  # noqa: E712
        (Issue.level == 0) & (col(Issue.acknowledged_at).is_(None)) & (Issue.ack_by < now),
        (Issue.level == 0) & (Issue.acknowledged_at > Issue.ack_by),
        (Issue.level == 0) & (Issue.solve_by < day),
        (Issue.level == 1) & ack_missed & (Issue.solve_by < day))).with_for_update(skip_locked=True)
    for i in s.exec(q):
        judge[i.id] = (i, now)
    if issue is not None:
        judge[issue.id] = (issue, min(issue_at or now, now))
    if not judge:
        return 0
    written = 0
    events = _events(s, list(judge))
    for iid, (item, at) in judge.items():
        facts = facts_of(item, events[iid])
        standing = [e for e in events[iid] if e.kind == "escalated" and e.withdrawn_at is None]
        gone: list[int] = []
        if issue is not None and iid == issue.id:
            gone, _ = reconcile([_written(e) for e in standing], issue_state(facts, policy, cal, now).escalations)
            for n in gone:
                _withdraw(s, item, standing[n], now, actor, entry)
            standing = [e for n, e in enumerate(standing) if n not in gone]
            _, due = reconcile([_written(e) for e in standing],
                               issue_state(facts, policy, cal, now if gone else at).escalations)
        else:
            due = list(issue_state(facts, policy, cal, at).escalations[len(standing):])
        for esc in due:
            ev = new_event(iid, esc.at, SYSTEM.login, "escalated",
                           t(f"ledger.escalated.{esc.reason}", level=t(f"ledger.level.{LEVELS[esc.level]}")),
                           entered_at=now)
            s.add(ev)
            written += 1
            if esc.reason != "complaint":  # a complaint's own notification tells the GM at once
                s.flush()
                _tell_escalation(s, item, esc.level, esc.reason, now)
        level = max([_written(e).level or 0 for e in standing] + [e.level for e in due], default=0)
        if level > item.level or (gone and level != item.level):
            before = item.model_dump()
            item.level = level
            s.add(item)
            if level > before["level"]:
                audit(s, SYSTEM, now, "issue.escalate", "issue", item.number, before, item)
    s.flush()
    return written


def escalation_ref(issue: Issue, level: int, reason: str) -> str:
    """The event an escalation's notification names (``services.outbox``): the issue's level and
    why. A timeline has at most one escalation of each (level, reason), so an escalation withdrawn
    and written again at a moved time for the same reason is the same event, told once; written
    again at another level or for another reason it is news (the first message was wrong)."""
    return f"issue:{issue.number}:escalation:{level}:{reason}"


def _legacy_escalation_ref(issue: Issue, e: IssueEvent) -> str:
    """The ref notifications written before refs named the level and reason carry (by event)."""
    return f"issue:{issue.number}:escalation:{e.id}"


ESCALATION_KINDS = ("escalation.1", "escalation.2")


def _tell_escalation(s: Session, issue: Issue, level: int, reason: str, now: datetime) -> None:
    """The department head (level 1) or the general manager (level 2) is told, in the
    escalation's own transaction (issue 26 item 2)."""
    kind = f"escalation.{level}"
    if kind not in ESCALATION_KINDS:
        return
    cust = s.get(Customer, issue.customer_id)
    outbox.emit(s, kind, escalation_ref(issue, level, reason), t(
                f"notify.msg.{kind}", number=issue.number, customer=cust.name if cust else "",
                reason=t(f"notify.msg.reason_{reason}"), title=notify_text(issue.title)),
                now, by=SYSTEM.login, department=issue.department)  # its department's head, when routed so


def _written(e: IssueEvent) -> Written:
    """An escalation event as it stands: its time, and the reason and level its stored code names."""
    import json

    prefix = "ledger.escalated."
    if not (e.code or "").startswith(prefix):
        return Written(e.at)
    try:
        key = json.loads(e.params or "{}")["level"]["t"]
        level = LEVELS.index(key.rpartition(".")[2])
    except (ValueError, KeyError, TypeError, AttributeError):
        level = None
    return Written(e.at, e.code[len(prefix):], level)


def _withdraw(s: Session, issue: Issue, e: IssueEvent, now: datetime, actor: Actor | None,
              entry: IssueEvent | None) -> None:
    """An escalation the stated timeline no longer makes due: kept, marked withdrawn by *entry*."""
    e.withdrawn_at, e.withdrawn_by = now, entry.id if entry is not None else None
    s.add(e)
    row = {"event": e.id, "at": e.at, "text": encode_text(e), "withdrawn_at": now, "withdrawn_by": e.withdrawn_by}
    if entry is not None:  # the entry that showed the deadline was met
        row["by"] = {"event": entry.id, "kind": entry.kind, "at": entry.at.isoformat(), "login": entry.login,
                     "entered_at": entry.entered_at.isoformat() if entry.entered_at else None}
    audit(s, actor or SYSTEM, now, "issue.escalation_withdrawn", "issue", issue.number, None, row)
    # not told yet: nobody will be. Told already: it stays, and the same level written again for
    # the same reason (its time moved) is not told again — its ref names the level and reason,
    # not this event; another level or reason is told (``escalation_ref``)
    w = _written(e)
    if w.level is not None and w.reason:
        outbox.withdraw(s, actor or SYSTEM, now, ESCALATION_KINDS, escalation_ref(issue, w.level, w.reason))
    outbox.withdraw(s, actor or SYSTEM, now, ESCALATION_KINDS, _legacy_escalation_ref(issue, e))


def encode_text(e: IssueEvent) -> object:
    """An event's text as the audit keeps it: its message code and parameters, or as typed."""
    import json

    if e.code:
        return {"code": e.code, "params": json.loads(e.params) if e.params else {}}
    return e.text


# -- permissions --------------------------------------------------------------------------


def _parts(s: Session, actor: Actor, issue: Issue) -> frozenset[str]:
    u = get_user(s, actor.login)
    o = get_user(s, issue.owner_login) if issue.owner_login else None
    return issue_roles(actor.login, actor.role, u.department if u else None, raised_by=issue.raised_by,
                       owner=issue.owner_login, issue_department=issue.department,
                       owner_department=o.department if o else None)


def who_may(action: str) -> str:
    """Who may do *action*, in words, from the one rule (``domain.issues.WHO_MAY``)."""
    from ..domain.issues import WHO_MAY
    from ..core.i18n import or_list

    return or_list([t(f"ledger.part.{p}") for p in WHO_MAY[action]])


def refusal(action: str, number: str) -> str:
    """The refusal of *action* on issue *number*: it names who may (the screen says the same)."""
    return t("ledger.err.not_allowed", action=t(f"ledger.action.{action}"), number=number, who=who_may(action))


def _require(s: Session, actor: Actor, issue: Issue, action: str) -> None:
    if not may(action, _parts(s, actor, issue)):
        raise denied(actor, refusal(action, issue.number), "issue", issue.number)


def allowed_actions(store: Store, actor: Actor, number: str) -> set[str]:
    """What the actor may do to the issue (for the screen's key hints)."""
    from ..domain.issues import ACTIONS

    with store.read() as s:
        acting(s, actor)
        issue = _get(s, number)
        parts = _parts(s, actor, issue)
    return {a for a in ACTIONS if may(a, parts)}


def offered_actions(store: Store, actor: Actor, number: str, now: datetime | None = None) -> set[str]:
    """The actions the issue screen offers a key for: the actor may do them (``allowed_actions``)
    and they apply in the issue's status now (``domain.issues.APPLIES_IN``)."""
    from ..domain.issues import ACTIONS, APPLIES_IN

    now = now or store.now()
    with store.read() as s:
        acting(s, actor)
        issue = _get(s, number)
        parts = _parts(s, actor, issue)
        status = issue_state(facts_of(issue, _events(s, [issue.id])[issue.id]), load_policy(s),
                             load_calendar(s), now).status
    return {a for a in ACTIONS if may(a, parts) and status in APPLIES_IN[a]}


# -- writing ------------------------------------------------------------------------------


def _hm(at: datetime) -> str:
    return at.isoformat(" ", timespec="seconds" if at.second else "minutes")


def _stated(s: Session, when: datetime | None, now: datetime, events: list[IssueEvent] | None = None) -> datetime:
    """A stated time (``--when``, issue 23 items 3 and 5): no later than its entry (*now*), no
    earlier than the issue's previous action by a person (escalations the clock wrote do not
    count), and not in a month whose report is approved.  Out of these bounds it is refused
    (exit 2) in one line naming the earliest and latest times allowed.  *events* None: a new
    issue (nothing before it but the approved months)."""
    from ..domain.kpi import Month
    from ..core.errors import MonthLocked
    from .report import APPROVED, month_status

    at = (when or now).replace(microsecond=0)
    prev = last_action_at((e.kind, e.at) for e in events or ())

    def approved(m: Month) -> int | None:
        st = month_status(s, m)
        return st.version if st.state == APPROVED else None

    def allowed(start: datetime | None) -> str:
        """The earliest time allowed from *start* on (past approved months) to the latest."""
        if start is not None:
            m = Month(start.year, start.month)
            while m.next_first <= now.date() and approved(m) is not None:
                m = Month(m.next_first.year, m.next_first.month)
                start = max(start, datetime.combine(m.first, datetime.min.time()))
        if start is None:
            return t("ledger.err.when_until", latest=_hm(now))
        return t("ledger.err.when_range", earliest=_hm(start), latest=_hm(now))

    if at > now:
        raise IssueRefused(t("ledger.err.when_future", when=_hm(at), allowed=allowed(prev)))
    if prev is not None and at < prev:
        kind = next(e.kind for e in reversed(events or []) if e.at == prev and e.kind not in SYSTEM_KINDS)
        raise IssueRefused(t("ledger.err.when_before", when=_hm(at), what=t(f"ledger.event.{kind}"),
                             last=_hm(prev), allowed=allowed(prev)))
    month = Month(at.year, at.month)
    version = approved(month)
    if version is not None:
        start = prev if prev is not None else datetime.combine(month.first, datetime.min.time())
        raise MonthLocked(t("ledger.err.when_locked", locked=t(
            "report.locked", month=str(month), day=at.date().isoformat(), version=version), allowed=allowed(start)))
    ensure_month_open(s, at)  # an amending month: the audit rows carry the amendment
    return at


def _sync(issue: Issue, st: IssueState) -> None:
    """The issue's columns from its state (the event log is the truth)."""
    issue.status, issue.solve_by, issue.waiting_since = st.status, st.solve_by, st.waiting_since
    issue.acknowledged_at, issue.solved_at = st.acknowledged_at, st.solved_at


def _find_customer(s: Session, name: str) -> Customer:
    name = name.strip()
    c = s.exec(select(Customer).where(Customer.name == name)).first()
    if c is not None:
        return c
    found = list(s.exec(select(Customer).where(col(Customer.name).contains(name, autoescape=True)).limit(6)))
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFound(t("ledger.err.no_customer", name=name))
    raise IssueInputError(t("ledger.err.many_customers", name=name,
                            names="、".join(c.name for c in found[:5])))


def raise_issue(store: Store, actor: Actor, number: str | None = None, *, customer: str | None = None,
                title: str, description: str = "", category: str = "other", priority: str = "normal",
                is_complaint: bool = False, department: str = "", when: datetime | None = None) -> Issue:
    """An Issue from a callback (or for a customer outside a call) with its SPEC §3 deadlines;
    it goes to the category's default department (a complaint: 投诉处理组, level 2 at once)."""
    if not title.strip():
        raise IssueInputError(t("issue.err.title"))
    bound({"description": description}, {"title": title, "customer": customer, "department": department},
          error=IssueInputError)
    if category not in CATEGORIES:
        raise IssueInputError(t("issue.err.category", value=category))
    if priority not in ISSUE_PRIORITIES:
        raise IssueInputError(t("issue.err.priority", value=priority))
    if (number is None) == (customer is None):
        raise IssueInputError(t("ledger.err.callback_or_customer"))
    now = store.now()
    with store.write() as s:
        acting(s, actor)
        at = _stated(s, when, now)  # not ahead of the clock, nor in a signed-off month (issue 11 §4)
        if number is not None:
            cb = s.exec(select(Callback).where(Callback.number == number.strip().upper())).first()
            if cb is None:
                raise NotFound(t("call.not_found", number=number))
            may_work(actor, cb)  # the same rule as opening its call
            customer_id, callback_id = cb.customer_id, cb.id
        else:
            require(actor, *RAISE_FOR_CUSTOMER)
            customer_id, callback_id = _find_customer(s, customer or "").id, None
        dept = active_department(s, department).name if department.strip() else \
            default_departments(s)["complaint" if is_complaint else category]
        cal = load_calendar(s)
        dl = issue_deadlines(priority, at, load_policy(s), cal)
        issue = Issue(
            number=next_number(s, "WT", at.date()), customer_id=customer_id, callback_id=callback_id,
            title=title.strip(), description=description.strip(), category=category, priority=priority,
            is_complaint=is_complaint, department=dept, owner_login=None, level=0,
            raised_at=at, raised_by=actor.login, ack_by=dl.ack_by, solve_by=dl.solve_by, last_update_at=at,
        )
        s.add(issue)
        s.flush()
        late = is_late_entry(at, now, cal)
        s.add(IssueEvent(issue_id=issue.id, at=at, login=actor.login, kind="raised", text=title.strip(),
                         entered_at=now, late_entry=late))
        s.flush()
        write_due_escalations(s, now, issue, at)
        audit(s, actor, now, "issue.raise", "issue", issue.number, None,
              {**issue.model_dump(), "late_entry": True} if late else issue)
        if is_complaint:  # 000 §4.11: the general manager is told at once (issue 26 item 2)
            from .calls import person

            cust = s.get(Customer, customer_id)
            outbox.emit(s, "complaint", f"issue:{issue.number}", t(
                "notify.msg.complaint", customer=cust.name if cust else "", number=issue.number,
                phone=outbox.phone_of(s, customer_id, cb.contact_name if callback_id is not None else ""),
                title=notify_text(issue.title), by=person(s, actor.login)), now, by=actor.login,
                department=issue.department)
    return issue


def _act(store: Store, actor: Actor, number: str, action: str, when: datetime | None, apply) -> Issue:  # noqa: ANN001
    now = store.now()
    with store.write() as s:
        acting(s, actor)
        issue = _get(s, number, lock=True)
        _require(s, actor, issue, action)
        events = _events(s, [issue.id])[issue.id]
        at = _stated(s, when, now, events)  # after the previous action by a person (issue 23)
        policy, cal = load_policy(s), load_calendar(s)
        st = issue_state(facts_of(issue, events), policy, cal, at)
        before = issue.model_dump()
        added = apply(s, issue, st, at)
        late = is_late_entry(at, now, cal)
        ev = None
        for kind, text in added:
            ev = new_event(issue.id, at, actor.login, kind, text, entered_at=now, late_entry=late)
            s.add(ev)
            events.append(ev)
        _sync(issue, issue_state(facts_of(issue, events), policy, cal, at))
        if any(k == "note" for k, _ in added) or action in ("ack", "resume"):
            issue.last_update_at = at
        s.add(issue)
        s.flush()
        write_due_escalations(s, now, issue, at, actor=actor, entry=ev)
        audit(s, actor, now, f"issue.{action}", "issue", issue.number, before,
              {**issue.model_dump(), "late_entry": True} if late else issue)
    return issue


def _refuse_status(issue: Issue, st: IssueState, *allowed: str) -> None:
    if st.status not in allowed:
        key = "ledger.err.status_closed" if st.status == "closed" else "ledger.err.status_wrong"
        raise IssueRefused(t(key, number=issue.number, status=t(f"ledger.status.{st.status}"),
                             allowed="、".join(t(f"ledger.status.{a}") for a in allowed)))


def assign_issue(store: Store, actor: Actor, number: str, department: str, owner: str | None = None,
                 when: datetime | None = None) -> Issue:
    def apply(s, issue, st, at):  # noqa: ANN001, ANN202
        _refuse_status(issue, st, *APPLIES_IN["assign"])
        dept = active_department(s, department).name
        if owner is not None:
            u = get_user(s, owner)
            if u is None or not u.active:
                raise IssueInputError(t("ledger.err.owner", login=owner))
        issue.department, issue.owner_login = dept, owner
        return [("assigned", f"{dept} · {owner}" if owner else dept)]
    return _act(store, actor, number, "assign", when, apply)


def acknowledge(store: Store, actor: Actor, number: str, when: datetime | None = None) -> Issue:
    def apply(s, issue, st, at):  # noqa: ANN001, ANN202
        _refuse_status(issue, st, *APPLIES_IN["ack"])
        if issue.owner_login is None and actor.login != issue.raised_by:
            issue.owner_login = actor.login  # whoever acknowledges an unowned issue owns it
        return [("acknowledged", "")]
    return _act(store, actor, number, "ack", when, apply)


def _text(value: str, key: str, field: str = "note") -> str:
    if not (value or "").strip():
        raise IssueInputError(t(key))
    bound({field: value}, error=IssueInputError)
    return value.strip()


def add_note(store: Store, actor: Actor, number: str, text: str, when: datetime | None = None) -> Issue:
    text = _text(text, "ledger.err.note")

    def apply(s, issue, st, at):  # noqa: ANN001, ANN202
        _refuse_status(issue, st, *APPLIES_IN["note"])
        return [("note", text)]
    return _act(store, actor, number, "note", when, apply)


def wait(store: Store, actor: Actor, number: str, reason: str, when: datetime | None = None) -> Issue:
    reason = _text(reason, "ledger.err.reason", "reason")

    def apply(s, issue, st, at):  # noqa: ANN001, ANN202
        _refuse_status(issue, st, *APPLIES_IN["wait"])
        return [("waiting", reason)]
    return _act(store, actor, number, "wait", when, apply)


def resume(store: Store, actor: Actor, number: str, when: datetime | None = None) -> Issue:
    def apply(s, issue, st, at):  # noqa: ANN001, ANN202
        _refuse_status(issue, st, *APPLIES_IN["resume"])
        return [("resumed", "")]
    return _act(store, actor, number, "resume", when, apply)


def solve(store: Store, actor: Actor, number: str, solution: str, when: datetime | None = None) -> Issue:
    solution = _text(solution, "ledger.err.solution", "solution")

    def apply(s, issue, st, at):  # noqa: ANN001, ANN202
        _refuse_status(issue, st, *APPLIES_IN["solve"])
        issue.solution = solution
        return [("solution", solution)]
    return _act(store, actor, number, "solve", when, apply)


def tell(store: Store, actor: Actor, number: str, on: date, satisfaction: int,
         when: datetime | None = None) -> Issue:
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise IssueInputError(t("ledger.err.satisfaction", value=satisfaction))

    def apply(s, issue, st, at):  # noqa: ANN001, ANN202
        _refuse_status(issue, st, *APPLIES_IN["tell"])
        if on > at.date() or (st.solved_at is not None and on < st.solved_at.date()):
            raise IssueInputError(t("ledger.err.told_on", on=on.isoformat(),
                                    solved=st.solved_at.date().isoformat() if st.solved_at else "",
                                    today=at.date().isoformat()))
        issue.customer_told_on, issue.satisfaction = on, satisfaction
        return [("told", t("ledger.told_text", on=on.isoformat(), satisfaction=satisfaction))]
    return _act(store, actor, number, "tell", when, apply)


def close(store: Store, actor: Actor, number: str, when: datetime | None = None) -> Issue:
    def apply(s, issue, st, at):  # noqa: ANN001, ANN202
        if st.status == "closed":
            _refuse_status(issue, st, "solved")
        missing = can_close(issue.solution if st.solved_at else None, issue.customer_told_on, issue.satisfaction)
        if missing:
            raise IssueRefused(t("ledger.err.close_missing", number=issue.number,
                                 missing="、".join(t(f"ledger.missing.{m}") for m in missing)))
        issue.closed_at = at
        return [("closed", "")]
    return _act(store, actor, number, "close", when, apply)


def _reopen_fields(issue: Issue) -> None:
    issue.solution, issue.solved_at, issue.customer_told_on = "", None, None
    issue.satisfaction, issue.closed_at, issue.verified_at = None, None, None


def reopen(store: Store, actor: Actor, number: str, reason: str, when: datetime | None = None) -> Issue:
    reason = _text(reason, "ledger.err.reason", "reason")

    def apply(s, issue, st, at):  # noqa: ANN001, ANN202
        _refuse_status(issue, st, *APPLIES_IN["reopen"])
        _reopen_fields(issue)
        return [("reopened", reason)]
    return _act(store, actor, number, "reopen", when, apply)


def record_verifications(s: Session, actor: Actor, at: datetime, cb: Callback,
                         held: Iterable[int] = (), not_held: Iterable[int] = (), *,
                         now: datetime | None = None) -> list[str]:
    """The customer's next callback verifies closed issues (001 五(四)2): held closes the loop;
    not held reopens the issue (back to acknowledged, same deadlines and level).  Runs inside
    the call's write transaction (the call stated at *at*, entered at *now*: 补录 more than a
    working day later; by default when the call's completing attempt was entered); returns the
    numbers reopened."""
    from ..store.models import CallAttempt

    reopened = []
    policy, cal = load_policy(s), load_calendar(s)
    if now is None:
        now = s.exec(select(CallAttempt.entered_at).where(CallAttempt.callback_id == cb.id, CallAttempt.at == at)
                     .order_by(col(CallAttempt.id).desc())).first() or at
    for iid, ok in [*((i, True) for i in held), *((i, False) for i in not_held)]:
        issue = s.get(Issue, iid, with_for_update=True)
        if issue is None or issue.customer_id != cb.customer_id or issue.status != "closed" \
                or issue.verified_at is not None:
            continue
        before = issue.model_dump()
        events = _events(s, [iid])[iid]
        at_ = max(at, last_action_at((e.kind, e.at) for e in events) or at)
        new = [("verified", t("ledger.verified_held" if ok else "ledger.verified_not_held", number=cb.number))]
        if ok:
            issue.verified_at, issue.verify_result, issue.verify_callback = at_, "held", cb.number
        else:
            issue.verify_result, issue.verify_callback = "not_held", cb.number
            _reopen_fields(issue)
            new.append(("reopened", t("ledger.reopen_not_held", number=cb.number)))
            reopened.append(issue.number)
        for kind, text in new:
            ev = new_event(iid, at_, actor.login, kind, text, entered_at=now,
                           late_entry=is_late_entry(at_, now, cal))
            s.add(ev)
            events.append(ev)
        _sync(issue, issue_state(facts_of(issue, events), policy, cal, at_))
        s.add(issue)
        audit(s, actor, at_, "issue.verify", "issue", issue.number, before, issue)
    s.flush()
    return reopened
