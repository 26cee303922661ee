"""SQLModel tables (SPEC §5). Naive local datetimes throughout (the centre runs on local time).

Names follow SPEC §2. Only the services layer writes these tables.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import ConfigDict, NaiveDatetime

from sqlalchemy import Index, UniqueConstraint, event
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 1  # the pre-migration marker; the schema revision is store/revision.py


class _Table(SQLModel):
    """The base of every table. Rows are made and read through SQLAlchemy; pydantic validation
    is never run on them, so its schema is built only if something asks for it (``defer_build``):
    that is a fifth of what importing this module costs, on every command."""

    model_config = ConfigDict(defer_build=True)


class SchemaVersion(_Table, table=True):
    __tablename__ = "schema_version"
    id: int = Field(default=1, primary_key=True)
    version: int


class Counter(_Table, table=True):
    """Per-month sequence for document numbers (SX/HF/WT + YYYYMM + seq)."""

    __tablename__ = "counter"
    key: str = Field(primary_key=True)  # e.g. "HF202405"
    value: int = 0


class User(_Table, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(unique=True, index=True)
    name: str
    role: str  # agent | supervisor | admin | sales_manager
    active: bool = True
    created_at: NaiveDatetime
    department: str | None = None  # a supervisor of a department is its head (issue ledger)


class Department(_Table, table=True):
    """A responsible department of the issue ledger (001 六(二)1 相关责任部门)."""

    __tablename__ = "department"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    active: bool = True
    created_at: NaiveDatetime


def _initials_default(ctx):  # noqa: ANN001, ANN202 - SQLAlchemy context-sensitive default
    from .search_key import initials

    return initials(ctx.get_current_parameters().get("name"))


class Customer(_Table, table=True):
    __tablename__ = "customer"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    # Pinyin initials of the name for search (sxht finds 绍兴恒泰化工); filled on insert.
    name_initials: str | None = Field(default=None, sa_column_kwargs={"default": _initials_default})
    tier: str = "standard"  # standard | key | major | strategic
    is_member: bool = True
    agent_login: str | None = Field(default=None, index=True)
    region: str = ""
    registered_on: date | None = None
    last_activity_on: date | None = None
    created_at: NaiveDatetime
    updated_at: NaiveDatetime


class Contact(_Table, table=True):
    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("customer_id", "name", name="uq_contact_name"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str
    role: str = ""  # 技术负责人 / 行政负责人 / 主要使用人员 (or the position as given)
    phone: str = ""
    email: str = ""
    needs_correction: bool = False  # set by a wrong_number outcome
    is_primary: bool = False


class WorkOrder(_Table, table=True):
    """售后服务记录表 (003 表1) plus service type and contract number."""

    __tablename__ = "work_order"
    # open work orders whose planned completion has just passed (the planner's time trigger)
    __table_args__ = (Index("ix_work_order_open", "actual_completion", "planned_completion"),)
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, index=True)  # SX202405001
    customer_id: int = Field(foreign_key="customer.id", index=True)
    contact_name: str = ""
    contact_phone: str = ""
    product: str = ""
    description: str = ""
    priority: str = "normal"  # urgent | normal | low
    group_name: str = ""
    owner: str = ""
    accepted_at: NaiveDatetime | None = None
    planned_completion: NaiveDatetime | None = None
    actual_completion: NaiveDatetime | None = None
    feedback_at: NaiveDatetime | None = None  # when the service staff reported completion
    solution: str = ""
    customer_confirmed: str = ""
    status: str = ""
    service_type: str | None = None  # install | commission | repair | consult
    contract_no: str = ""
    updated_at: NaiveDatetime = Field(index=True)  # the planner reads what changed since its last run


class Sale(_Table, table=True):
    __tablename__ = "sale"
    id: int | None = Field(default=None, primary_key=True)
    contract_no: str = Field(unique=True, index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    product: str = ""
    sold_on: date
    quantity: int = 1
    amount: Decimal = Field(default=Decimal("0"), max_digits=14, decimal_places=2)
    # when an import wrote it (NULL: before the planner followed changes; planned then)
    updated_at: NaiveDatetime | None = Field(default=None, index=True)


class NonMemberEvent(_Table, table=True):
    __tablename__ = "non_member_event"
    __table_args__ = (
        UniqueConstraint("customer_id", "kind", "occurred_on", name="uq_event"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    kind: str  # registration | activity | inquiry
    occurred_on: date
    note: str = ""
    updated_at: NaiveDatetime | None = Field(default=None, index=True)  # as Sale.updated_at


def _planned_default(ctx):  # noqa: ANN001, ANN202 - SQLAlchemy context-sensitive default
    return ctx.get_current_parameters().get("due_on")


class Callback(_Table, table=True):
    """客户回访记录表 (003 表2) plus scheduling state."""

    __tablename__ = "callback"
    __table_args__ = (
        UniqueConstraint("customer_id", "kind", "trigger_ref", name="uq_callback_trigger"),
        Index("ix_callback_queue", "agent_login", "status", "due_on"),
        Index("ix_callback_status_due", "status", "due_on"),
        # the month's records in 回访编号 order without reading each row (report.first_page)
        Index("ix_callback_completed_number", "status", "completed_at", "number"),
        Index("ix_callback_planned_number", "planned_due_on", "number"),
        Index("ix_callback_agent_updated", "agent_login", "updated_at"),
        Index("ix_callback_status_updated", "status", "updated_at"),  # links closed since the last run
        Index("ix_callback_status_deadline", "status", "deadline_on"),  # open work gone stale since the last run
        Index("ix_callback_kind_status", "kind", "status"),  # open progress checks (few, in any centre)
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, index=True)  # HF202405001
    customer_id: int = Field(foreign_key="customer.id")  # reads by customer use uq_callback_trigger
    work_order_id: int | None = Field(default=None, foreign_key="work_order.id")
    kind: str
    trigger_ref: str
    channel: str = "phone"  # phone | email | online | onsite
    assignee: str = "agent"  # agent | supervisor | sales_manager | followup
    agent_login: str | None = None  # None = the shared pool
    priority: int = 50
    due_on: date
    # The due_on it was created with: never moved by retries, 改约 or deferral (SPEC §7 counts
    # months by it). Filled from due_on on insert when not given (ORM and Core inserts alike).
    planned_due_on: date | None = Field(
        default=None, sa_column_kwargs={"default": _planned_default})
    deadline_on: date
    deadline_at: NaiveDatetime | None = None  # hour-based deadlines only
    estimated: bool = False  # dates computed on an estimated (Mon–Fri) calendar
    status: str = "open"  # open | completed | unreachable | waiting_data | refused | cancelled
    attempts: int = 0
    next_attempt_at: NaiveDatetime | None = None
    outcome: str | None = None
    completed_at: NaiveDatetime | None = None
    contact_name: str = ""
    reached_name: str = ""
    reached_position: str = ""
    score_resolution: int | None = None
    score_attitude: int | None = None
    answers: str = ""  # JSON: answers to the script's questions
    suggestions: str = ""
    improvement: str = ""
    needs: str = ""
    sales_lead: bool = False
    competitor: str = ""
    needs_onsite: bool = False
    negative_feedback: bool = False
    follow_status: str = ""  # not read: 跟进状态 is derived from what follows (domain.follow_up)
    note: str = ""
    deferred_reason: str = ""
    deferred_on: date | None = None
    claimed_by: str | None = None
    claim_pid: int | None = None
    claim_host: str | None = None
    claimed_at: NaiveDatetime | None = None
    version: int = 0
    created_at: NaiveDatetime
    updated_at: NaiveDatetime


class CallAttempt(_Table, table=True):
    __tablename__ = "call_attempt"
    __table_args__ = (
        Index("ix_call_attempt_at", "at", "callback_id"),
        # one login's attempts of a day (the queue's "done today", my calls today): read from
        # that login's own rows, whatever the size of the centre
        Index("ix_call_attempt_agent_at", "agent_login", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    callback_id: int = Field(foreign_key="callback.id", index=True)
    at: NaiveDatetime
    agent_login: str
    outcome: str
    reached_name: str = ""
    reached_position: str = ""
    note: str = ""
    reason: str = ""  # 拒访: the reason the customer gave (required, one line; migration 0012)
    rescheduled_to: NaiveDatetime | None = None
    # When it was typed in; ``at`` is when the call happened (``--when``). Entered more than one
    # working day after ``at``: a late entry (补录, SPEC §7). NULL on rows from before this.
    entered_at: NaiveDatetime | None = None
    late_entry: bool = False


class CallDraft(_Table, table=True):
    """A half-entered call, saved as it is typed (SPEC §4 call script)."""

    __tablename__ = "call_draft"
    __table_args__ = (UniqueConstraint("callback_id", "login", name="uq_draft"),)
    id: int | None = Field(default=None, primary_key=True)
    callback_id: int = Field(foreign_key="callback.id", index=True)
    login: str
    data: str  # JSON
    updated_at: NaiveDatetime


class Issue(_Table, table=True):
    """问题跟踪台账 entry (001 六)."""

    __tablename__ = "issue"
    __table_args__ = (Index("ix_issue_status_raised", "status", "raised_at"),)
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, index=True)  # WT202405001
    customer_id: int = Field(foreign_key="customer.id", index=True)
    callback_id: int | None = Field(default=None, foreign_key="callback.id")
    title: str
    description: str = ""
    category: str = "other"  # product | service | need | other
    priority: str = "normal"  # urgent | normal | low
    is_complaint: bool = False
    department: str = ""
    owner_login: str | None = None
    status: str = "open"  # open | acknowledged | waiting | solved | closed
    level: int = 0  # escalations written so far: 0 owner · 1 部门负责人 · 2 总经理
    raised_at: NaiveDatetime
    raised_by: str
    ack_by: NaiveDatetime
    solve_by: date  # moved later by the working days spent waiting (SPEC §3)
    acknowledged_at: NaiveDatetime | None = None
    last_update_at: NaiveDatetime | None = None
    solution: str = ""
    solved_at: NaiveDatetime | None = None
    customer_told_on: date | None = None
    satisfaction: int | None = None
    closed_at: NaiveDatetime | None = None
    verified_at: NaiveDatetime | None = None  # improvement verified on a later callback
    waiting_since: NaiveDatetime | None = None  # 挂起: waiting on the customer since
    verify_result: str | None = None  # held | not_held (001 五(四)2)
    verify_callback: str | None = None  # the callback (HF…) that verified it


class IssueEvent(_Table, table=True):
    __tablename__ = "issue_event"
    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    at: NaiveDatetime
    login: str
    kind: str  # raised | assigned | acknowledged | note | waiting | resumed | solution | told |
    #            closed | reopened | escalated | verified  (domain.issues.EVENT_KINDS)
    text: str = ""  # what a person typed, as typed (or an old system text the upgrade could not read)
    # what the system wrote: a catalog key and its parameters (JSON), shown in each reader's
    # language (issue 22 item 9; migration 0013)
    code: str = ""
    params: str = ""
    # when it was entered (its ``at`` is when it happened); 补录 when more than one working day
    # later (issue 23; migration 0014). NULL: entered before that was kept.
    entered_at: NaiveDatetime | None = None
    late_entry: bool = False
    # an escalation a late entry showed was not due: when, and the event that withdrew it
    withdrawn_at: NaiveDatetime | None = None
    withdrawn_by: int | None = None


class DayClose(_Table, table=True):
    """日清日结 (000 §4.11): one agent's closed day."""

    __tablename__ = "day_close"
    __table_args__ = (UniqueConstraint("login", "day", name="uq_day_close"),)
    id: int | None = Field(default=None, primary_key=True)
    login: str
    day: date
    due: int
    completed: int
    rescheduled: int
    deferred: int
    overdue: int
    summary: str = ""  # JSON detail
    closed_at: NaiveDatetime


class AuditEntry(_Table, table=True):
    """Append-only audit log: who, when, what, before/after (SPEC §6)."""

    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    at: NaiveDatetime = Field(index=True)
    login: str
    action: str
    entity: str
    entity_id: str = ""
    before: str = ""  # JSON
    after: str = ""  # JSON


class CalendarOverride(_Table, table=True):
    __tablename__ = "calendar_override"
    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    is_working_day: bool
    note: str = ""


class Setting(_Table, table=True):
    """Database-wide settings (e.g. demo flag, policy overrides as TOML text)."""

    __tablename__ = "setting"
    key: str = Field(primary_key=True)
    value: str = ""


@event.listens_for(Callback, "before_insert")
def _planned_from_due(_mapper, _conn, target: Callback) -> None:  # noqa: ANN001
    if target.planned_due_on is None:
        target.planned_due_on = target.due_on


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _customer_initials(_mapper, _conn, target: Customer) -> None:  # noqa: ANN001
    from .search_key import initials

    target.name_initials = initials(target.name)


class ReportSnapshot(_Table, table=True):
    """A signed-off month of the 回访汇总表 (000 §4.9): records and KPIs as they stood.

    Version 1 is the approval; each amendment adds a version (the old ones are kept).
    """

    __tablename__ = "report_snapshot"
    __table_args__ = (UniqueConstraint("month", "version", name="uq_report_snapshot"),)
    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(index=True)  # YYYY-MM
    version: int
    action: str  # approve | amend
    reason: str = ""
    login: str
    at: NaiveDatetime
    data: str  # JSON: {"overall", "agents", "records"}


class SpotCheck(_Table, table=True):
    """抽查 (SPEC §7): a completed callback of month M drawn for checking, then marked."""

    __tablename__ = "spot_check"
    __table_args__ = (UniqueConstraint("callback_id", name="uq_spot_check"),)
    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(index=True)  # YYYY-MM
    callback_id: int = Field(foreign_key="callback.id")
    number: str
    drawn_by: str
    drawn_at: NaiveDatetime
    accurate: bool | None = None
    note: str = ""
    marked_by: str | None = None
    marked_at: NaiveDatetime | None = None


class SupervisorRequest(_Table, table=True):
    """An agent's request to a supervisor (issue 25 item 5): a 改约 or a deferral past the
    callback's deadline, which only a supervisor may make. It keeps the reason and the time
    wanted; the supervisor approves it (applied as the supervisor, audited) or refuses it with
    an optional answer. ``agent_login`` is the callback's agent when asked: an approval checks
    that nobody reassigned or closed it meanwhile (state ``stale`` when they did)."""

    __tablename__ = "supervisor_request"
    __table_args__ = (
        Index("ix_supervisor_request_state", "state", "requested_at"),  # the board's pending ones
        Index("ix_supervisor_request_by", "requested_by", "requested_at"),  # an agent's own (the queue)
    )
    id: int | None = Field(default=None, primary_key=True)
    callback_id: int = Field(foreign_key="callback.id", index=True)
    number: str  # the callback's 回访编号, as asked
    kind: str  # reschedule | defer
    wanted_at: NaiveDatetime  # a 改约's time; a deferral's day at 00:00
    reason: str
    requested_by: str
    requested_at: NaiveDatetime
    agent_login: str | None = None  # the callback's agent when asked (None: the pool)
    state: str = "pending"  # pending | approved | refused | stale
    decided_by: str | None = None
    decided_at: NaiveDatetime | None = None
    answer: str = ""  # a refusal's reason (optional), or why it went stale (a message code)


class Notification(_Table, table=True):
    """A message owed to someone outside the app (issue 26): written in the same transaction as
    the event it tells of (the outbox), sent later by ``huifang notify run``. ``code``/``params``
    are the language-neutral message (rendered in the channel's language when sent); ``channel``
    is the route's channel when written ("" when no route named one: ``unrouted`` until one
    does). ``ref`` names the event, so one event writes one row per channel (unique)."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("kind", "ref", "channel", name="ux_notification_event"),
        Index("ix_notification_due", "state", "next_try_at"),  # what notify run sends next
        Index("ix_notification_created", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # domain.notify.KINDS
    ref: str  # the event: e.g. "issue:12:event:40", "cb:HF202612-0003", "month:2026-11"
    channel: str = ""  # the channel's name in the notify file ("" unrouted)
    code: str  # message code (core/i18n notify.toml)
    params: str = "{}"  # its parameters, JSON
    attach: str = ""  # what is attached where the channel carries files: "month:YYYY-MM"
    created_at: NaiveDatetime
    created_by: str = ""  # the login whose action wrote it ("system" for the planner)
    state: str = "pending"  # pending | sent | failed | unrouted
    next_try_at: NaiveDatetime  # not sent before this (quiet hours, the pause after a failure)
    tries: int = 0  # failed tries (a rate-limit answer not counted)
    lease_until: NaiveDatetime | None = None  # a sender holds it until then
    leased_by: str = ""
    sent_at: NaiveDatetime | None = None
    failed_at: NaiveDatetime | None = None
    answer: str = ""  # the channel's last answer


class NotificationAttempt(_Table, table=True):
    """One try at delivering a notification: when, through which channel, and what the server
    answered (issue 26 item 3)."""

    __tablename__ = "notification_attempt"
    __table_args__ = (
        Index("ix_notification_attempt_channel", "channel", "at"),  # a robot's rate window
    )
    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    at: NaiveDatetime
    channel: str
    ok: bool
    outcome: str  # sent | rate_limited | failed
    answer: str = ""
    by: str = ""  # who ran the sender
