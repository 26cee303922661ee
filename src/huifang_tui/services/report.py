"""客户回访汇总记录表: the month's records, its KPIs, sign-off and lock (SPEC §4, §7; 000 §4.9).

Reading loads plain rows with a few set-based queries (a month may hold tens of thousands of
records) and hands them to ``domain.kpi``; nothing here counts on its own.

The lock: once month M is approved, a change *dated* in M (an attempt or completion whose
stated time is in M, an edit of such a record, an issue event with its own time in M) is
refused. :func:`ensure_month_open` is the one check; the services that write those things call
it inside their transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import String, and_, func, or_, type_coerce
from sqlmodel import Session, select

from ..domain.kpi import (
    DONE,
    KPI_KEYS,
    PARTS,
    PLANNED,
    POOL,
    CallbackRow,
    IssueRow,
    Month,
    as_json_number,
    empty_figures,
    is_late_entry,
    month_part,
    monthly_kpis,
)
from ..domain.as_of import (
    Attempt,
    CallbackLog,
    IssueEventAt,
    existed_at,
    issue_at,
    left_open_at,
    parent_number,
    spot_check_at,
    state_at,
)
from ..domain.follow_up import follow_up_state, owed_kinds
from ..domain.issues import SYSTEM_KINDS
from ..domain.summary import summary_due
from ..core.errors import MonthLocked
from ..core.i18n import DEFAULT as DEFAULT_LANG, LANGS, catalog, t
from ..core.safe_text import mask_phone
from ..store.queries import chunked
from ..store.models import (
    AuditEntry,
    CallAttempt,
    Callback,
    Contact,
    Customer,
    Issue,
    IssueEvent,
    ReportSnapshot,
    Sale,
    Setting,
    SpotCheck,
    User,
    WorkOrder,
)
from .base import Actor, Conflict, NotFound, PermissionDenied, Refused, ServiceError, Store, acting, audit, require
from .calendar import load_calendar, load_policy
from .follow_up import following_of

#: audit actions that record when a completion was typed in (for 补录, SPEC §7 late_entries)
ENTRY_ACTIONS = ("callback.completed", "callback.adhoc")
REOPEN_EVENTS = ("reopen", "reopened", "not_held")
_CHUNK = 500


class BadMonth(ServiceError):
    """``--month`` not in YYYY-MM form."""


def parse_month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError:
        raise BadMonth(t("report.err.month", value=text)) from None


def _planned(cb_planned: date | None, due_on: date) -> date:
    return cb_planned or due_on  # a row written around the ORM without it: its due date


# -- the lock ---------------------------------------------------------------------------
#
# A month's state is read from its report_snapshot rows (issue 22 §1; no schema change): none →
# ``open``; the latest version holding a snapshot → ``approved``; the latest version without
# one (``report amend`` wrote it, ``data`` empty) → ``amending``. ``report approve`` fills that
# row in, so version N+1 is issued and the month locks again. An approved row is never changed.

OPEN, APPROVED, AMENDING = "open", "approved", "amending"
#: the audit ``after`` keys of a change made while its month is amending (``base.audit`` adds them)
AMEND_KEY, AMEND_REASON, AMEND_VERSION = "amend", "amend_reason", "amend_version"


@dataclass(frozen=True)
class MonthStatus:
    """Where a month stands: its state and its latest approved version (who, when)."""

    month: str
    state: str = OPEN
    version: int | None = None  # the latest approved version
    approved_by: str | None = None
    approved_at: datetime | None = None
    reason: str = ""  # amending: the amendment's reason
    amended_by: str | None = None
    amended_at: datetime | None = None

    @property
    def next_version(self) -> int:
        return (self.version or 0) + 1

    def as_json(self) -> dict:
        out = {"state": self.state, "version": self.version, "approved_by": self.approved_by,
               "approved_at": self.approved_at.isoformat(timespec="seconds") if self.approved_at else None}
        if self.state == AMENDING:
            out.update({"amend_reason": self.reason, "amended_by": self.amended_by,
                        "amended_at": self.amended_at.isoformat(timespec="seconds") if self.amended_at else None})
        return out


def month_status(s: Session, month: Month | str) -> MonthStatus:
    """The month's state from its snapshot rows (read without their data)."""
    rows = s.exec(select(ReportSnapshot.version, ReportSnapshot.login, txt(ReportSnapshot.at), ReportSnapshot.reason,
                         func.length(ReportSnapshot.data))
                  .where(ReportSnapshot.month == str(month)).order_by(ReportSnapshot.version.desc()).limit(2)).all()
    if not rows:
        return MonthStatus(str(month))
    version, login, at, reason, size = rows[0]
    if size:
        return MonthStatus(str(month), APPROVED, version, login, _dt(at))
    prev = rows[1] if len(rows) > 1 else None
    return MonthStatus(str(month), AMENDING, prev[0] if prev else None, prev[1] if prev else None,
                       _dt(prev[2]) if prev else None, reason, login, _dt(at))


def approved_version(s: Session, month: Month | str) -> int | None:
    """The version that locks *month*, None while it is open or being amended."""
    st = month_status(s, month)
    return st.version if st.state == APPROVED else None


def approval_opens(month: Month) -> date:
    """The first day month M may be approved: the first day of M+1 (issue 22 §1)."""
    return month.next_first


def check_approvable(month: Month, today: date) -> None:
    """Refuse approving a month that has not ended (a future one too), naming the day it opens."""
    opens = approval_opens(month)
    if today < opens:
        raise Refused(t("report.not_over", month=str(month), day=opens.isoformat()))


def ensure_month_open(s: Session, when: date | datetime | None, *, system: bool = False) -> None:
    """Refuse a change dated *when* if its month is approved (SPEC §4 sign-off, issue 11 §4).

    Call inside the write transaction of anything dated by the user: recording an attempt or
    completion (its stated time), editing a record (the record's stated time and the new one),
    an issue event with its own time. Escalations written by the system pass ``system=True``.
    While the month is amending the change goes through, and every audit row of the same
    transaction carries the amendment (month, reason, the version it will be part of).
    """
    if when is None or system:
        return
    d = when.date() if isinstance(when, datetime) else when
    month = Month(d.year, d.month)
    st = month_status(s, month)
    if st.state == APPROVED:
        raise MonthLocked(t("report.locked", month=str(month), day=d.isoformat(), version=st.version))
    if st.state == AMENDING:
        s.info["amendment"] = {AMEND_KEY: str(month), AMEND_REASON: st.reason, AMEND_VERSION: st.next_version}


def status_text(st: MonthStatus, names: dict[str, str] | None = None, *, short: bool = False) -> str:
    """The month's state in words: open; approved vN · who when; amending (vN who when; reason).
    *short* (the month view's one line at 80 columns): the day without the year, no reason."""
    if st.state == OPEN or st.version is None:
        return t(f"report.month_state.{st.state}")
    who = (names or {}).get(st.approved_by or "", st.approved_by or "")
    at = f"{st.approved_at:{'%m-%d %H:%M' if short else '%Y-%m-%d %H:%M'}}" if st.approved_at else ""
    if st.state == APPROVED:
        return t("report.status_approved", version=st.version, who=who, at=at)
    if short:
        return t("report.status_amending_short", version=st.version, who=who, at=at)
    return t("report.status_amending", version=st.version, who=who, at=at, reason=st.reason)


def month_locked(store: Store, month: Month | str) -> bool:
    with store.read() as s:
        return approved_version(s, month) is not None


def status_of(store: Store, month: Month | str) -> MonthStatus:
    with store.read() as s:
        return month_status(s, month)


#: writers' clocks a little apart (the planner's watermark allows the same)
CLOCK_SLACK = timedelta(minutes=5)


def _amended_numbers(s: Session, month: Month) -> set[str]:
    """Records changed while *month* was being amended (any amendment): shown as 更正.

    Read only while it is amending: the audit rows since this amendment began (a range on the
    audit's time index, however old the month), plus the marks the latest approved version
    kept from the amendments before."""
    st = month_status(s, month)
    if st.state != AMENDING or st.amended_at is None:
        return set()
    tag = json.dumps({AMEND_KEY: str(month)}, ensure_ascii=False)[1:-1]  # '"amend": "2026-11"'
    numbers = set(s.exec(select(AuditEntry.entity_id).where(
        AuditEntry.at >= st.amended_at - CLOCK_SLACK, AuditEntry.entity == "callback",
        AuditEntry.action.startswith("callback."),  # a spot check corrects no record
        AuditEntry.after.contains(tag))).all())
    if (st.version or 0) > 1:
        prev = _latest_snapshot(s, month)
        numbers.update(r["number"] for r in json.loads(prev.data)["records"] if r.get("amended"))
    return numbers


# -- records ------------------------------------------------------------------------------


@dataclass
class RecordLine:
    """One row of the paper form (客户回访汇总记录表), as shown and exported."""

    number: str
    day: str  # ISO date: the stated completion time's date, else the planned due date
    customer: str
    contact: str  # 联系人/职位
    phone: str  # masked unless an admin asked for full numbers
    ref: str  # 工单编号/合同号
    service_staff: str  # 服务人员
    kind: str
    channel: str
    score_resolution: int | None
    score_attitude: int | None
    suggestions: str
    issues: list[str]  # WT numbers
    improvement: str
    owner: str  # 责任人
    follow_status: str  # 跟进状态 (domain.follow_up), or the record's state while nothing follows it
    agent: str  # 回访员 (login)
    late_entry: bool  # 补录
    status: str
    login: str = ""  # the login the record counts for (SPEC §7 attribution)
    note: str = ""  # 备注: the attempts' notes and a 拒访's reason (recording.note_text; issue 22 §7)
    amended: bool = False  # 更正: changed while its month was being amended (issue 22 §1)
    #: 本月计入: which of the month's figures it counts in (``domain.kpi.month_part``: planned
    #: in M → 完成率; done in M → its scores; both; neither, only attempted in M) (issue 25 item 26)
    part: str = ""
    planned_on: str = ""  # ISO date it was planned for (planned_due_on, never moved)

    def as_json(self) -> dict:
        return asdict(self)

    def part_text(self) -> str:
        """本月计入 in words, naming the other month of a record that belongs to two: the sheet,
        the .csv and the month view say the same."""
        if self.part == PLANNED and self.status == "completed":  # done in another month: its day
            return t("sheet.part.planned_done_in", month=self.day[:7])
        if self.part == DONE and self.planned_on:
            return t("sheet.part.done_planned_in", month=self.planned_on[:7])
        return t(f"sheet.part.{self.part}") if self.part else ""


def part_counts(records: list[RecordLine]) -> dict[str, int]:
    """How many of the month's records are in each part (``report monthly --json``'s ``rows``)."""
    out = {"total": len(records), **dict.fromkeys(PARTS, 0)}
    for r in records:
        if r.part in out:
            out[r.part] += 1
    return out


@dataclass
class MonthReport:
    month: Month
    approved: bool
    version: int | None
    overall: dict
    agents: dict[str, dict]
    records: list[RecordLine]
    company: str = ""
    generated_at: datetime | None = None
    agent_names: dict[str, str] = field(default_factory=dict)
    status: MonthStatus | None = None  # the state; an approved version's own (issue 22 §1)

    def state_text(self, *, short: bool = False) -> str:
        """The state as the screen, the text output and the .xlsx say it (who approved, when)."""
        return status_text(self.status or MonthStatus(str(self.month)), self.agent_names, short=short)

    def as_json(self) -> dict:
        """The ``--json`` contract: month, state, version, approved (by, at), overall, agents
        (issue 11 §6, issue 22 §1). An approved version reads back the same every time."""
        st = self.status or MonthStatus(str(self.month))
        return {
            "month": str(self.month),
            "approved": self.approved,
            **st.as_json(),
            "overall": as_json_number(self.overall),
            "agents": {k: as_json_number(v) for k, v in self.agents.items()},
            "rows": part_counts(self.records),  # the sheet's rows by 本月计入 (issue 25 item 26)
        }


@dataclass
class _Loaded:
    kpi_rows: list[CallbackRow]
    issue_rows: list[IssueRow]
    records: list[RecordLine]
    sales: dict[int, list[date]]


def low_score_threshold(store: Store) -> int:
    """The policy's low-score threshold (the month view's red scores)."""
    with store.read() as s:
        return load_policy(s).low_score_threshold


def follow_label(code: str | None, status: str) -> str:
    """The 跟进状态 cell: the word for ``domain.follow_up``'s state; a record not completed
    with nothing following it shows its own state there (待回访, 无法联系 …)."""
    return t(f"report.follow.{code}") if code is not None else t(f"report.state.{status}")


#: the catalog sections a stored 跟进状态 is a word of (issue 25: stored as its key)
_FOLLOW_SECTIONS = ("report.follow.", "report.state.")


def _follow_key(label: str) -> str:
    """The catalog key of a 跟进状态 word, as an approved version stores it: a word from
    :func:`follow_label` knows its key; one an older version froze (in the approver's language)
    is looked up in the catalogs, Chinese first; a word no catalog has is kept as it is."""
    key = getattr(label, "key", "")
    if key.startswith(_FOLLOW_SECTIONS):
        return key
    return _follow_words().get(label, label)


@lru_cache(maxsize=1)
def _follow_words() -> dict[str, str]:
    """跟进状态 word → its catalog key, in every language (a Chinese word wins)."""
    out: dict[str, str] = {}
    for lang in reversed((DEFAULT_LANG, *(x for x in LANGS if x != DEFAULT_LANG))):
        out.update((v, k) for k, v in catalog(lang).items() if k.startswith(_FOLLOW_SECTIONS))
    return out


def _follow_text(stored: str) -> str:
    """A stored 跟进状态 (its key, or an older version's word) in the reader's language."""
    key = _follow_key(stored) if not stored.startswith(_FOLLOW_SECTIONS) else stored
    return t(key) if key.startswith(_FOLLOW_SECTIONS) and key in catalog(DEFAULT_LANG) else stored


def _dt(v: object) -> datetime | None:
    """A datetime from a column read as text (SQLite) or as a datetime (PostgreSQL)."""
    if v is None or isinstance(v, datetime):
        return v
    return datetime.fromisoformat(v)


def _d(v: object) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(v[:10])


def txt(col):  # noqa: ANN001, ANN201
    """A date or datetime column read as its stored text (parsed by ``_d``/``_dt``)."""
    return type_coerce(col, String)


def _first_ids(s: Session, start: date, end: date, t0: datetime, t1: datetime, limit: int) -> list[int]:
    """The ids of the month's first *limit* records in 回访编号 order.

    The month's condition is an OR of three ranges; sorting its ~30,000 matches by number
    reads every row (~150 ms). Each range alone comes in number order from its own index
    (ix_callback_planned_number, ix_callback_completed_number, ix_call_attempt_at), so three
    small ordered reads, merged here, give the same first page in a few milliseconds.
    """
    branches = (
        select(Callback.number, Callback.id)
        .where(Callback.planned_due_on >= start, Callback.planned_due_on < end),
        select(Callback.number, Callback.id)
        .where(Callback.status == "completed", Callback.completed_at >= t0, Callback.completed_at < t1),
        select(Callback.number, Callback.id)
        .where(Callback.id.in_(select(CallAttempt.callback_id).where(CallAttempt.at >= t0, CallAttempt.at < t1))),
    )
    found: dict[str, int] = {}
    conn = s.connection()
    for stmt in branches:
        found.update(conn.execute(stmt.order_by(Callback.number).limit(limit)).all())
    return [found[n] for n in sorted(found)[:limit]]


def _load(s: Session, month: Month, now: datetime, *, full_phones: bool, limit: int | None = None,
          as_of: datetime | None = None) -> _Loaded:
    """Every record of M in a few set-based queries (no per-row round trips).

    *as_of*: the records as they stood then, by the stated timeline (``domain.as_of``).

    Dates and times are read as text and parsed with ``fromisoformat`` (the ORM's SQLite
    datetime processor costs ~10 µs a value: 0.5 s on a month of 30,000 records).
    """
    cal = load_calendar(s)
    start, end = month.first, month.next_first
    t0, t1 = datetime.combine(start, datetime.min.time()), datetime.combine(end, datetime.min.time())
    attempted = select(CallAttempt.callback_id).where(CallAttempt.at >= t0, CallAttempt.at < t1)
    cond = or_(
        and_(Callback.planned_due_on >= start, Callback.planned_due_on < end),
        and_(Callback.status == "completed", Callback.completed_at >= t0, Callback.completed_at < t1),
        Callback.id.in_(attempted),
    )
    if limit is not None:
        cond = Callback.id.in_(_first_ids(s, start, end, t0, t1, limit))
    # the completing attempt: the latest by stated time (entry order is not the record's order)
    completer = (select(CallAttempt.agent_login)
                 .where(CallAttempt.callback_id == Callback.id, CallAttempt.outcome == "completed")
                 .order_by(CallAttempt.at.desc(), CallAttempt.id.desc()).limit(1).scalar_subquery())
    typed_at = (select(txt(CallAttempt.entered_at))
                .where(CallAttempt.callback_id == Callback.id, CallAttempt.outcome == "completed")
                .order_by(CallAttempt.at.desc(), CallAttempt.id.desc()).limit(1).scalar_subquery())
    stmt = (
        select(Callback.id, Callback.number, Callback.customer_id, Callback.kind, Callback.trigger_ref,
               Callback.channel, Callback.agent_login, txt(Callback.due_on), txt(Callback.planned_due_on),
               txt(Callback.deadline_on), txt(Callback.deadline_at), Callback.status, txt(Callback.completed_at),
               Callback.contact_name, Callback.reached_name, Callback.reached_position,
               Callback.score_resolution, Callback.score_attitude, Callback.suggestions, Callback.improvement,
               Callback.sales_lead, Customer.name, Contact.phone, WorkOrder.number, WorkOrder.contract_no,
               WorkOrder.owner, SpotCheck.accurate, completer, typed_at, Callback.negative_feedback,
               Callback.needs_onsite)
        .join(Customer, Customer.id == Callback.customer_id)
        .outerjoin(Contact, and_(Contact.customer_id == Callback.customer_id, Contact.name == Callback.contact_name))
        .outerjoin(WorkOrder, WorkOrder.id == Callback.work_order_id)
        .outerjoin(SpotCheck, SpotCheck.callback_id == Callback.id)
        .where(cond).order_by(Callback.number)
    )
    if limit is not None:  # a first page for the screen: no late-entry flags, no KPIs
        stmt = stmt.limit(limit)
    conn = s.connection()
    rows = conn.execute(stmt).all()
    # issues raised from these records (需处理问题, 责任人, 跟进状态)
    cb_issues: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    ids = [r[0] for r in rows] if limit is not None else select(Callback.id).where(cond)
    for cid, number, status, owner, dept in conn.execute(
        select(Issue.callback_id, Issue.number, Issue.status, Issue.owner_login, Issue.department)
        .where(Issue.callback_id.in_(ids), *(() if as_of is None else (Issue.raised_at <= as_of,)))
        .order_by(Issue.number)
    ):
        cb_issues[cid].append((number, status, owner or dept or ""))
    # what follows each record (跟进状态, domain.follow_up)
    by_customer: dict[int, set[str]] = defaultdict(set)
    for r in rows:
        by_customer[r[2]].add(r[1])
    following = following_of(conn, by_customer, {r[1]: [i[1] for i in cb_issues.get(r[0], ())] for r in rows})
    threshold = load_policy(s).low_score_threshold
    from .notes import notes_for

    notes = notes_for(s, ids) if as_of is None else _notes_then(s, ids, as_of)  # 备注 (a 拒访's reason with it)
    # when each completion was typed in: the attempt's entered_at, else (rows from before that
    # column) the audit log's own clock
    entered: dict[str, datetime] = {}
    done_at = [r[12] for r in rows if r[11] == "completed" and r[12] and not r[28]]
    if done_at and limit is None:
        earliest = _dt(min(done_at))
        for number, at in conn.execute(select(AuditEntry.entity_id, txt(AuditEntry.at))
                                       .where(AuditEntry.at >= earliest, AuditEntry.action.in_(ENTRY_ACTIONS))
                                       .order_by(AuditEntry.id)):
            if number not in entered:
                entered[number] = at
    # sales for converted leads
    sales: dict[int, list[date]] = defaultdict(list)
    lead_customers = sorted({r[2] for r in rows if r[20]})
    for chunk in chunked(lead_customers, _CHUNK):
        for cust, sold in conn.execute(select(Sale.customer_id, txt(Sale.sold_on)).where(Sale.customer_id.in_(chunk))):
            sales[cust].append(_d(sold))

    then = states_at(s, [r[0] for r in rows], as_of) if as_of is not None else {}
    # 补录 on the record: any of its records (attempt, 改约, completion) entered late (issue 23 item 4)
    late_any = ({cid for cid, past in then.items() if past.late_entry} if as_of is not None else
                set(conn.execute(select(CallAttempt.callback_id).where(CallAttempt.callback_id.in_(ids),
                                                                       CallAttempt.late_entry == True)).scalars()))  # noqa: E712
    if limit is None:  # and a deferral (推迟) entered late, put off by then
        from .deferrals import late_deferrals

        deferred = {n: (cid, _d(day)) for cid, n, day in conn.execute(
            select(Callback.id, Callback.number, txt(Callback.deferred_on))
            .where(Callback.id.in_(ids), Callback.deferred_on.is_not(None)))}
        late_any |= late_deferrals(s, {n: v for n, v in deferred.items() if as_of is None or v[1] <= as_of.date()})
    kpi_rows: list[CallbackRow] = []
    records: list[RecordLine] = []
    late_cache: dict = {}
    for (cid, number, cust_id, kind, trigger, channel, agent, due_on, planned, deadline_on, deadline_at, status,
         completed_at, contact_name, reached_name, reached_position, s_res, s_att, suggestions, improvement,
         lead, cust_name, phone, wo_number, wo_contract, wo_owner, accurate, completer_login, typed, negative,
         onsite) in rows:
        if as_of is not None:  # as it stood then: left out if it did not exist yet
            past = then.get(cid)
            if past is None:
                continue
            status, completed_at, accurate = past.status, past.completed_at, past.spot_check
            if past.completing is not None:
                completer_login, typed = past.completing.login, past.completing.entered_at
            if status != "completed":  # what the completion wrote was not there yet
                s_res = s_att = None
                lead = negative = onsite = False
                suggestions = improvement = reached_name = reached_position = ""
        done = status == "completed"
        planned_d = _d(planned or due_on)
        done_at_dt = _dt(completed_at) if done else None
        by = (completer_login or agent) if done else None
        row = CallbackRow(
            number=number, status=status, planned_due_on=planned_d, deadline_on=_d(deadline_on),
            deadline_at=_dt(deadline_at), agent_login=agent, completed_by=by, completed_at=done_at_dt,
            entered_at=_dt(typed or entered.get(number)) if done else None, score_resolution=s_res, score_attitude=s_att,
            sales_lead=bool(lead), customer_id=cust_id, spot_check=accurate,
        )
        kpi_rows.append(row)
        if status == "cancelled":
            continue
        ref = wo_number or ""
        contract = wo_contract or (trigger[5:] if trigger.startswith("sale:") else "")
        if contract:
            ref = f"{ref}/{contract}" if ref else contract
        iss = cb_issues.get(cid, ())
        contact = reached_name or contact_name
        if reached_position:
            contact = f"{contact}/{reached_position}"
        owed = owed_kinds(score_resolution=s_res, score_attitude=s_att, negative_feedback=bool(negative),
                          needs_onsite=bool(onsite), threshold=threshold)
        follows = following[number]
        if as_of is not None and not done:  # what a completion made was not there yet
            follows = replace(follows, follow_ups=())
        follow = follow_label(follow_up_state(completed=done, owed=owed, following=follows), status)
        phone = phone or ""
        records.append(RecordLine(
            number=number, day=(done_at_dt.date() if done_at_dt else planned_d).isoformat(), customer=cust_name,
            contact=contact, phone=phone if full_phones else mask_phone(phone), ref=ref,
            service_staff=wo_owner or "", kind=kind, channel=channel or "phone",
            score_resolution=s_res, score_attitude=s_att, suggestions=suggestions or "",
            issues=[i[0] for i in iss], improvement=improvement or "",
            owner="、".join(dict.fromkeys(i[2] for i in iss if i[2])), follow_status=follow,
            agent=by or agent or "", late_entry=cid in late_any or is_late_entry(row, cal, late_cache), status=status,
            login=by or agent or POOL, note=notes.get(cid, ""),
            part=month_part(month, planned_d, status, done_at_dt), planned_on=planned_d.isoformat(),
        ))
    issue_rows = _issue_rows(s, month, as_of) if limit is None else []
    return _Loaded(kpi_rows, issue_rows, records, dict(sales))


# -- as of a past moment (issue 23 item 6): the rows; the rule is domain.as_of --------------------


@dataclass(frozen=True)
class _Then:
    """A record as it stood at the report's moment."""

    status: str
    completed_at: datetime | None
    completing: Attempt | None
    spot_check: bool | None
    late_entry: bool  # a record of it stated by then was entered late
    due_on: date | None = None  # when it was due then
    last_attempt_at: datetime | None = None  # its last attempt stated by then
    agent_login: str | None = None  # whose it is (today's assignment: not part of the timeline)
    deadline: tuple[date, datetime | None] | None = None  # (deadline_on, deadline_at): never moves


def _callback_logs(s: Session, where) -> dict[int, tuple[str, CallbackLog]]:  # noqa: ANN001
    """callback id → (回访编号, its stated timeline) for the callbacks *where* selects."""
    return {cid: (number, log) for cid, (number, _, log) in _callback_rows(s, where).items()}


def _callback_rows(s: Session, where) -> dict[int, tuple[str, str | None, CallbackLog]]:  # noqa: ANN001
    """callback id → (回访编号, agent login, its stated timeline)."""
    conn = s.connection()
    found = conn.execute(select(
        Callback.id, Callback.number, Callback.status, txt(Callback.planned_due_on), txt(Callback.due_on),
        txt(Callback.deadline_on), txt(Callback.deadline_at), txt(Callback.completed_at), txt(Callback.updated_at),
        txt(Callback.created_at), Callback.kind, Callback.trigger_ref, txt(Callback.deferred_on),
        Callback.agent_login).where(where)).all()
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for chunk in chunked([r[0] for r in found], _CHUNK):
        for cid, at, outcome, login, entered_at, late, to in conn.execute(
                select(CallAttempt.callback_id, txt(CallAttempt.at), CallAttempt.outcome, CallAttempt.agent_login,
                       txt(CallAttempt.entered_at), CallAttempt.late_entry, txt(CallAttempt.rescheduled_to))
                .where(CallAttempt.callback_id.in_(chunk)).order_by(CallAttempt.at, CallAttempt.id)):
            attempts[cid].append(Attempt(_dt(at), outcome, login, _dt(entered_at), bool(late), _dt(to)))
    return {cid: (number, agent, CallbackLog(
        status=status, due_on=_d(planned or due_on), deadline_on=_d(deadline_on), deadline_at=_dt(deadline_at),
        attempts=tuple(attempts.get(cid, ())), completed_at=_dt(completed_at) if status == "completed" else None,
        changed_at=_dt(changed), created_at=_dt(created), kind=kind, trigger_ref=trigger,
        deferred_on=_d(deferred_on), deferred_to=_d(due_on)))
        for cid, number, status, planned, due_on, deadline_on, deadline_at, completed_at, changed, created, kind,
        trigger, deferred_on, agent in found}


def _notes_then(s: Session, ids, at: datetime) -> dict[int, str]:  # noqa: ANN001
    """The 备注 as it read at *at*: the notes of the attempts stated by then; the callback's own
    text (a lapse's reason) once it was written."""
    from .notes import note_text

    attempts: dict[int, list[CallAttempt]] = defaultdict(list)
    for a in s.exec(select(CallAttempt).where(CallAttempt.callback_id.in_(ids), CallAttempt.at <= at,
                                              or_(CallAttempt.note != "", CallAttempt.reason != ""))):
        attempts[a.callback_id].append(a)
    own = {cid: note for cid, note, status, changed in s.exec(
        select(Callback.id, Callback.note, Callback.status, Callback.updated_at)
        .where(Callback.id.in_(ids), Callback.note != "")) if status != "lapsed" or changed <= at}
    return {cid: note_text(attempts.get(cid, []), own.get(cid, "")) for cid in {*attempts, *own}}


def states_at(s: Session, ids: list[int], at: datetime) -> dict[int, _Then]:
    """callback id → its state at *at*, for those of *ids* that existed then (spot-check marks
    made by then). The month's report as of a time and the board of a past day read these."""
    policy, cal = load_policy(s), load_calendar(s)
    logs: dict[int, tuple[str, str | None, CallbackLog]] = {}
    marks: dict[int, tuple[bool | None, datetime | None]] = {}
    conn = s.connection()
    for chunk in chunked(ids, _CHUNK):
        logs.update(_callback_rows(s, Callback.id.in_(chunk)))
        for cid, accurate, marked_at in conn.execute(select(SpotCheck.callback_id, SpotCheck.accurate,
                                                            txt(SpotCheck.marked_at))
                                                     .where(SpotCheck.callback_id.in_(chunk))):
            marks[cid] = (accurate, _dt(marked_at))
    wanted = sorted({p for _, _, log in logs.values() if (p := parent_number(log))})
    parents: dict[str, CallbackLog] = {}
    for chunk in chunked(wanted, _CHUNK):
        parents.update(_callback_logs(s, Callback.number.in_(chunk)).values())
    out: dict[int, _Then] = {}
    for cid, (_, agent, log) in logs.items():
        parent = parents.get(parent_number(log) or "")
        if not existed_at(log, at, parent_completed_at=parent.completed_at if parent else None,
                          parent_left_open_at=left_open_at(parent, policy, cal) if parent else None):
            continue
        st = state_at(log, at, policy, cal)
        stated = [a for a in log.attempts if a.at <= at]
        out[cid] = _Then(st.status, st.completed_at, st.completing, spot_check_at(*marks.get(cid, (None, None)), at),
                         any(a.late_entry for a in stated), st.due_on, stated[-1].at if stated else None, agent,
                         (log.deadline_on, log.deadline_at))
    return out


def _issue_rows(s: Session, month: Month, as_of: datetime | None = None) -> list[IssueRow]:
    """The month's issues; *as_of*: as they stood then, from the actions stated by then."""
    t0 = datetime.combine(month.first, datetime.min.time())
    t1 = datetime.combine(month.next_first, datetime.min.time())
    raised = (Issue.raised_at >= t0, Issue.raised_at < t1, *(() if as_of is None else (Issue.raised_at <= as_of,)))
    issues = s.exec(select(Issue).where(*raised)).all()
    ids = [i.id for i in issues]
    if as_of is not None:
        policy, cal = load_policy(s), load_calendar(s)
        events: dict[int, list[IssueEventAt]] = defaultdict(list)
        for chunk in chunked(ids, _CHUNK):
            for iid, kind, at, late in s.connection().execute(
                    select(IssueEvent.issue_id, IssueEvent.kind, txt(IssueEvent.at), IssueEvent.late_entry)
                    .where(IssueEvent.issue_id.in_(chunk)).order_by(IssueEvent.at, IssueEvent.id)):
                events[iid].append(IssueEventAt(kind, _dt(at), bool(late)))
        rows = (issue_at(i.number, i.raised_by, i.priority, i.is_complaint, i.raised_at, events[i.id], policy, cal,
                         as_of) for i in issues)
        return [r for r in rows if r is not None]
    reopened: set[int] = set()
    late: set[int] = set()
    for chunk in chunked(ids, _CHUNK):
        reopened.update(s.exec(select(IssueEvent.issue_id).where(IssueEvent.issue_id.in_(chunk),
                                                                  IssueEvent.kind.in_(REOPEN_EVENTS))).all())
        late.update(s.exec(select(IssueEvent.issue_id).where(IssueEvent.issue_id.in_(chunk),
                                                              IssueEvent.late_entry == True,  # noqa: E712
                                                              IssueEvent.kind.notin_(SYSTEM_KINDS))).all())
    return [issue_row(i, i.id in reopened, i.id in late) for i in issues]


def issue_row(i: Issue, reopened: bool, late_entry: bool = False) -> IssueRow:
    """The KPI view of an issue. ``solve_by`` is the ledger's current one (moved by waiting)."""
    return IssueRow(
        number=i.number, raised_by=i.raised_by, raised_at=i.raised_at, ack_by=i.ack_by,
        solve_by=i.solve_by, acknowledged_at=i.acknowledged_at, solved_at=i.solved_at,
        closed_at=i.closed_at if i.status == "closed" else None,
        reopened=reopened or bool(getattr(i, "reopen_count", 0)), is_complaint=i.is_complaint,
        late_entry=late_entry,
    )


# -- the report ------------------------------------------------------------------------------


def _scope(actor: Actor):
    """Supervisors and admins see every login; anyone else only their own row."""
    if actor.is_supervisor:
        return None
    return lambda login: login == actor.login


def compute(s: Session, month: Month, now: datetime, *, full_phones: bool = False,
            include=None, as_of: datetime | None = None) -> tuple[dict, dict[str, dict], list[RecordLine]]:
    """The month's figures and records now, or *as_of* a past moment (then *now* is that moment)."""
    loaded = _load(s, month, now, full_phones=full_phones, as_of=as_of)
    policy = load_policy(s)
    k = monthly_kpis(month, loaded.kpi_rows, loaded.issue_rows, now=now, cal=load_calendar(s),
                     low_score_threshold=policy.low_score_threshold,
                     sales_by_customer=loaded.sales, include=include)
    agents = dict(k.agents)
    if include is None and POOL not in agents:
        agents[POOL] = empty_figures()
        agents = dict(sorted(agents.items()))
    records = loaded.records if include is None else [r for r in loaded.records if include(r.login)]
    _mark_amended(s, month, records)
    return k.overall, agents, records


def _mark_amended(s: Session, month: Month, records: list[RecordLine]) -> None:
    amended = _amended_numbers(s, month)
    for r in records:
        r.amended = r.number in amended


def monthly_report(store: Store, actor: Actor, month: Month, *, now: datetime | None = None,
                   full_phones: bool = False, version: int | None = None) -> MonthReport:
    """The month as it stands, or an approved version (SPEC §7; issue 11 §4, §6; issue 22 §1).

    Without *version*: an approved month gives its latest version, an open or amending one the
    live figures. With it: that version exactly as approved (figures, records, who, when).

    *now* given (``--now T``): the month as it stood at T, by the stated timeline (issue 23
    item 6) — the version approved by then if there was one, else what had been stated by T.
    Reading never writes (a full-phone reveal is audited as made now)."""
    as_of = now
    now = now or store.now()
    if full_phones and actor.role != "admin":
        raise PermissionDenied(t("report.err.full_phones"))
    include = _scope(actor)
    with store.read() as s:
        company = _setting(s, "company_name")
        names = {u.login: u.name for u in s.exec(select(User))}
        status = month_status(s, month)
        snap = None
        if version is not None:
            snap = s.exec(select(ReportSnapshot).where(ReportSnapshot.month == str(month),
                                                       ReportSnapshot.version == version,
                                                       func.length(ReportSnapshot.data) > 0)).first()
            if snap is None:
                raise NotFound(_no_version(s, month, version))
        elif as_of is not None:
            snap = _latest_snapshot(s, month, by=as_of)
            if snap is None:  # not approved yet then: open, as far as T knew
                status = MonthStatus(str(month))
        elif status.state == APPROVED:
            snap = _latest_snapshot(s, month)
        if snap is not None:
            data = json.loads(snap.data)
            overall, agents = _every_key(data["overall"]), {k: _every_key(v) for k, v in data["agents"].items()}
            records = [RecordLine(**r) for r in data["records"]]
            for r in records:  # stored as its key; older versions froze the approver's words
                r.follow_status = _follow_text(r.follow_status)
            _fill_parts(s, month, records)
            if include is not None:
                agents = {k: v for k, v in agents.items() if include(k)}
                overall = agents.get(actor.login) or _plain_empty()
                records = [r for r in records if include(r.login)]
            if full_phones:
                records = _with_full_phones(s, records)
            own = MonthStatus(str(month), APPROVED, snap.version, snap.login, snap.at)
            report = MonthReport(month, True, snap.version, overall, agents, records, company,
                                 snap.at, names, own)
        else:
            overall, agents, records = compute(s, month, now, full_phones=full_phones, include=include, as_of=as_of)
            report = MonthReport(month, False, None, overall, agents, records, company, now, names, status)
    if full_phones:
        with store.write() as s:
            audit(s, actor, store.now(), "phone.reveal", "report", str(month), None,
                  {"records": len(report.records)})
    return report


def _fill_parts(s: Session, month: Month, records: list[RecordLine]) -> None:
    """A version approved before records kept their 本月计入: read from the planned date (which
    never moves) and the record's own state and day, as it was approved."""
    missing = [r for r in records if not r.part]
    planned: dict[str, date] = {}
    for chunk in chunked([r.number for r in missing], _CHUNK):
        for number, day, due in s.connection().execute(
                select(Callback.number, txt(Callback.planned_due_on), txt(Callback.due_on))
                .where(Callback.number.in_(chunk))):
            planned[number] = _d(day or due)
    for r in missing:
        p = planned.get(r.number)
        r.planned_on = p.isoformat() if p else ""
        r.part = month_part(month, p, r.status, date.fromisoformat(r.day) if r.status == "completed" else None)


def _every_key(figures: dict) -> dict:
    """An approved version's figures with every key of today, in order: a key added since it
    was approved (``issue_late_entries``, issue 23) reads null — not counted then."""
    return {k: figures.get(k) for k in KPI_KEYS}


def _no_version(s: Session, month: Month, version: int) -> str:
    have = s.exec(select(ReportSnapshot.version).where(ReportSnapshot.month == str(month),
                                                       func.length(ReportSnapshot.data) > 0)
                  .order_by(ReportSnapshot.version)).all()
    if not have:
        return t("report.err.no_versions", month=str(month), version=version)
    return t("report.err.version", month=str(month), version=version, versions=", ".join(map(str, have)))


def first_page(store: Store, actor: Actor, month: Month, limit: int) -> list[RecordLine] | None:
    """The first *limit* records of an unapproved month for a supervisor's screen, before the
    whole month and its KPIs are ready (None when that shortcut does not apply)."""
    if not actor.is_supervisor:
        return None
    with store.read() as s:
        if approved_version(s, month) is not None:
            return None
        records = _load(s, month, store.now(), full_phones=False, limit=limit).records
        _mark_amended(s, month, records)
        return records


def _plain_empty() -> dict:
    return as_json_number(empty_figures())


def _with_full_phones(s: Session, records: list[RecordLine]) -> list[RecordLine]:
    numbers = [r.number for r in records]
    full: dict[str, str] = {}
    for chunk in chunked(numbers, _CHUNK):
        for number, phone in s.exec(select(Callback.number, Contact.phone)
                                    .join(Contact, and_(Contact.customer_id == Callback.customer_id,
                                                        Contact.name == Callback.contact_name))
                                    .where(Callback.number.in_(chunk))):
            full[number] = phone
    for r in records:
        r.phone = full.get(r.number, r.phone)
    return records


def _setting(s: Session, key: str) -> str:
    row = s.get(Setting, key)
    return row.value if row else ""


def _latest_snapshot(s: Session, month: Month, *, by: datetime | None = None) -> ReportSnapshot | None:
    """The latest approved version (an amendment's row holds no snapshot until approved);
    *by*: the latest one approved by then."""
    q = select(ReportSnapshot).where(ReportSnapshot.month == str(month), func.length(ReportSnapshot.data) > 0)
    if by is not None:
        q = q.where(ReportSnapshot.at <= by)
    return s.exec(q.order_by(ReportSnapshot.version.desc())).first()


# -- sign-off -----------------------------------------------------------------------------------


def _snapshot_data(overall: dict, agents: dict, records: list[RecordLine]) -> str:
    return json.dumps({"overall": as_json_number(overall), "agents": as_json_number(agents),
                       "records": [{**r.as_json(), "follow_status": _follow_key(r.follow_status)}
                                   for r in records]}, ensure_ascii=False)


@contextmanager
def _one_at_a_time(month: Month):
    """Two supervisors approving or amending the same month at once (PostgreSQL: both read the
    same state): the second one's version collides with the first's and is refused plainly."""
    from sqlalchemy.exc import IntegrityError

    try:
        yield
    except IntegrityError:
        raise Conflict(t("report.raced", month=str(month))) from None


def approve(store: Store, actor: Actor, month: Month) -> int:
    """The supervisor signs the month off: its records and KPIs are stored as they stand.

    Only once the month is over (from the first day of M+1). An amending month gets its next
    version and locks again."""
    require(actor, "supervisor")
    now = store.now()
    check_approvable(month, now.date())
    with _one_at_a_time(month), store.write() as s:
        acting(s, actor, "supervisor")
        st = month_status(s, month)
        if st.state == APPROVED:
            raise MonthLocked(t("report.already_approved", month=str(month), version=st.version))
        overall, agents, records = compute(s, month, now)
        data = _snapshot_data(overall, agents, records)
        version = st.next_version
        details = {"version": version, "records": len(records), "due": overall["due"]}
        if st.state == AMENDING:
            row = s.exec(select(ReportSnapshot).where(ReportSnapshot.month == str(month),
                                                      ReportSnapshot.version == version)
                         .with_for_update()).one()
            details.update(reason=row.reason, amended_by=row.login,
                           amended_at=row.at.isoformat(timespec="seconds"))
            row.action, row.login, row.at, row.data = "approve", actor.login, now, data
            s.add(row)
        else:
            s.add(ReportSnapshot(month=str(month), version=version, action="approve", login=actor.login, at=now,
                                 data=data))
        audit(s, actor, now, "report.approve", "report", str(month), None, details)
        _tell_approved(s, actor, month, version, overall, now, details.get("reason", ""))
    return version


def _tell_approved(s: Session, actor: Actor, month: Month, version: int, overall: dict,
                   now: datetime, reason: str = "") -> None:
    """000 §4.9 报总经理: the general manager is told the approved month, its .xlsx attached
    where the channel carries files (issue 26 item 2), in the approval's transaction. The
    figures are the KPI sheet's own (计划回访数, 完成数, 回访完成率: the sheet attached says the
    same); a version after ``report amend`` says it is a correction and why (the amend's reason,
    as typed text leaves the app: ``notify_text``)."""
    from ..domain.masking import notify_text
    from . import outbox
    from .calls import person

    outbox.withdraw(s, actor, now, ("summary_due",), f"month:{month}")  # "due" not sent yet: no longer
    rate = overall.get("completion_rate")
    again = version > 1
    outbox.emit(s, "month_approved", f"month:{month}:v{version}", t(
        "notify.msg.month_approved", month=str(month), by=person(s, actor.login), version=version,
        planned=overall.get("due", 0), completed=overall.get("completed", 0),
        rate="—" if rate is None else f"{float(rate) * 100:.2f}%",
        correction=t("notify.msg.month_correction", version=version, reason=notify_text(reason)) if again else "",
        corrected=t("notify.msg.month_corrected") if again else ""),
        now, by=actor.login, attach=f"month:{month}:v{version}")  # the version approved, not the live month


def amend(store: Store, actor: Actor, month: Month, reason: str) -> int:
    """Open an approved month for correction (state ``amending``); ``approve`` issues the next
    version. The approved versions are kept as they were. Returns the version being prepared."""
    require(actor, "supervisor")
    if not reason.strip():
        raise BadMonth(t("report.err.reason"))
    from .limits import bound

    bound({"reason": reason}, error=BadMonth)
    now = store.now()
    with _one_at_a_time(month), store.write() as s:
        acting(s, actor, "supervisor")
        st = month_status(s, month)
        if st.state == OPEN:
            raise MonthLocked(t("report.not_approved", month=str(month)))
        if st.state == AMENDING:
            raise MonthLocked(t("report.already_amending", month=str(month), reason=st.reason,
                                who=st.amended_by or ""))
        version = st.next_version
        s.add(ReportSnapshot(month=str(month), version=version, action="amend", reason=reason.strip(),
                             login=actor.login, at=now, data=""))
        audit(s, actor, now, "report.amend", "report", str(month), {"state": APPROVED, "version": st.version},
              {"state": AMENDING, "version": version, "reason": reason.strip()})
    return version


def snapshots(store: Store, month: Month) -> list[ReportSnapshot]:
    with store.read() as s:
        return list(s.exec(select(ReportSnapshot).where(ReportSnapshot.month == str(month))
                           .order_by(ReportSnapshot.version)))


def summary_state(store: Store, month: Month, today: date) -> str:
    """'due' from M's last working day until approved ('overdue' after the 2nd of M+1),
    'approved', 'amending' (being corrected after approval), or 'not_yet' (000 §4.9; SPEC §3
    Monthly summary)."""
    with store.read() as s:
        state = month_status(s, month).state
        if state != OPEN:
            return state
        due = summary_due(month.year, month.month, load_calendar(s), load_policy(s))
    if today < due.visible_from:
        return "not_yet"
    return "overdue" if today > due.due_on else "due"


# -- yearly ----------------------------------------------------------------------------------


def yearly_report(store: Store, actor: Actor, year: int, *, now: datetime | None = None) -> dict[str, dict]:
    """The KPIs month by month (000 §4.13): ``{"YYYY-MM": overall figures}``; approved
    months show their snapshot."""
    out: dict[str, dict] = {}
    for m in range(1, 13):
        rep = monthly_report(store, actor, Month(year, m), now=now)
        out[str(rep.month)] = {"approved": rep.approved, **as_json_number(rep.overall)}
    return out


__all__ = [
    "KPI_KEYS", "MonthReport", "MonthStatus", "RecordLine", "amend", "approve", "check_approvable",
    "ensure_month_open", "month_locked", "month_status", "monthly_report", "parse_month", "status_of",
    "yearly_report",
]
