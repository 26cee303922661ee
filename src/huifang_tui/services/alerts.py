"""The supervisor board's alerts: one small function per kind, and the order they are listed in.

Overdue work, low scores, unreachable customers, complaints, escalated and at-risk issues, stale
work, the monthly summary due, a low disk (SPEC §3, §4; issue 12).

Alerts are produced by small functions registered in ``ALERT_SOURCES``; each takes the read
session and the ``BoardContext`` and returns ``Alert`` rows. Add a kind by adding a function.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, select

from ..core.i18n import t
from ..domain import queue as dq
from ..domain.board import overdue_since
from ..domain.limits import DiskReading, disk_low
from ..domain.notify import FAILED as NOTIFY_FAILED
from ..domain.policy import Policy
from ..domain.queue import ALERT_DAYS
from ..domain.status import OPEN_STATES
from ..store.models import AuditEntry, CallAttempt, Callback, Customer, Issue, Notification, NotificationAttempt, User
from .figures import day_bounds, overdue_expr


@dataclass
class Alert:
    kind: str
    number: str
    customer: str
    agent: str | None
    since: datetime
    until: datetime | None = None  # a countdown's end (low-score follow-up: 24 h)
    detail: str = ""
    data: dict | None = None  # what an alert about no callback or issue says (disk_low: the bytes)

    def as_json(self) -> dict:
        out = {"kind": self.kind, "number": self.number, "customer": self.customer, "agent": self.agent,
               "since": self.since.isoformat(timespec="seconds")}
        if self.detail:
            out["detail"] = self.detail
        if self.data:
            out.update(self.data)
        return out


@dataclass
class BoardContext:
    day: date
    now: datetime
    judge: datetime
    policy: object = None
    calendar: object = None
    store_dir: str | None = None  # the SQLite store's directory (None: PostgreSQL)
    then: dict | None = None  # a past day: each callback's state at its end (``past_day_states``)


def _open_then(s: Session, ctx: BoardContext, keep: Callable[[object], bool]) -> list[tuple[Callback, str]] | None:
    """A past day's callback alerts from the callbacks open at its end that *keep* says; None
    for today (the sources read the callbacks as they are)."""
    if ctx.then is None:
        return None
    ids = [cid for cid, x in ctx.then.items() if x.status in OPEN_STATES and x.deadline and keep(x)]
    return [cb for i in range(0, len(ids), 400) for cb in s.exec(
        select(Callback, Customer.name).join(Customer, Customer.id == Callback.customer_id)
        .where(Callback.id.in_(ids[i:i + 400])))]


AlertSource = Callable[[Session, BoardContext], list[Alert]]


def _cb_alerts(s: Session, kind: str, q, since: Callable[[Callback], datetime],
               until: Callable[[Callback], datetime | None] = lambda cb: None) -> list[Alert]:
    out = []
    for cb, name in s.exec(q.join(Customer, Customer.id == Callback.customer_id)):
        out.append(Alert(kind, cb.number, name, cb.agent_login, since(cb), until(cb)))
    return out


def alerts_overdue(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open callbacks past their deadline (SPEC §3: overdue escalates to the supervisor)."""
    from ..domain.status import is_overdue

    then = _open_then(s, ctx, lambda x: is_overdue(*x.deadline, ctx.judge))
    if then is not None:  # a past day: open at its end and overdue then
        return [Alert("overdue", cb.number, name, cb.agent_login, overdue_since(cb.deadline_on, cb.deadline_at))
                for cb, name in then]
    q = select(Callback, Customer.name).where(Callback.status.in_(OPEN_STATES), overdue_expr(ctx.judge) == 1)
    return _cb_alerts(s, "overdue", q, lambda cb: overdue_since(cb.deadline_on, cb.deadline_at))


def alerts_low_score_followup(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open low-score follow-ups with their 24 h countdown (003 四)."""
    q = select(Callback, Customer.name).where(Callback.status.in_(OPEN_STATES), Callback.kind == "low_score",
                                              Callback.created_at <= ctx.judge)
    return _cb_alerts(s, "low_score_followup", q, lambda cb: cb.created_at,
                      lambda cb: dq.deadline_moment(cb.deadline_on, cb.deadline_at))


def alerts_low_score(s: Session, ctx: BoardContext) -> list[Alert]:
    """Any score under the policy's low-score threshold recorded on the day, from the moment it
    is recorded (``domain.follow_up.is_low_score``)."""
    start, _ = day_bounds(ctx.day)
    threshold = (ctx.policy or Policy()).low_score_threshold
    q = select(Callback, Customer.name).where(
        Callback.status == "completed", Callback.completed_at >= start, Callback.completed_at <= ctx.judge,
        or_(Callback.score_resolution < threshold, Callback.score_attitude < threshold))
    return _cb_alerts(s, "low_score", q, lambda cb: cb.completed_at)


def alerts_unreachable(s: Session, ctx: BoardContext) -> list[Alert]:
    """Customers who could not be reached within max_attempts (last ALERT_DAYS days)."""
    start = datetime.combine(ctx.day - timedelta(days=ALERT_DAYS), time.min)
    found = list(s.exec(select(Callback, Customer.name).join(Customer, Customer.id == Callback.customer_id)
                        .where(Callback.status == "unreachable", Callback.updated_at >= start)))
    last = _last_attempts(s, [cb.id for cb, _ in found])
    return [Alert("unreachable", cb.number, name, cb.agent_login, last[cb.id]) for cb, name in found
            if cb.id in last and start <= last[cb.id] <= ctx.judge]


def _last_attempts(s: Session, ids: list[int]) -> dict[int, datetime]:
    """callback id → its last attempt (by the callback_id index, a few ids at a time)."""
    out: dict[int, datetime] = {}
    for i in range(0, len(ids), 400):
        q = (select(CallAttempt.callback_id, func.max(CallAttempt.at))
             .where(CallAttempt.callback_id.in_(ids[i:i + 400])).group_by(CallAttempt.callback_id))
        out.update(dict(s.exec(q).all()))
    return out


def alerts_complaint(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open complaints (投诉: level 2 at once, 000 §4.11)."""
    if ctx.then is not None:  # a past day: open at its end
        return [Alert("complaint", v.issue.number, v.customer, v.issue.owner_login or v.issue.raised_by,
                      v.issue.raised_at) for v in _open_issue_views(s, ctx) if v.issue.is_complaint]
    q = (select(Issue, Customer.name).join(Customer, Customer.id == Issue.customer_id)
         .where(Issue.is_complaint.is_(True), Issue.status != "closed", Issue.raised_at <= ctx.judge))
    return [Alert("complaint", i.number, name, i.owner_login or i.raised_by, i.raised_at) for i, name in s.exec(q)]


def alerts_disabled_owner(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open work still assigned to a login that has been disabled: it needs reassigning."""
    q = (select(Callback, Customer.name, User.login)
         .join(User, User.login == Callback.agent_login)
         .join(Customer, Customer.id == Callback.customer_id)
         .where(User.active.is_(False), Callback.status.in_(OPEN_STATES)))
    rows = list(s.exec(q))
    since: dict[str, datetime] = {}
    for login in {u for _, _, u in rows}:
        at = s.exec(select(func.max(AuditEntry.at)).where(AuditEntry.entity == "user",
                                                          AuditEntry.entity_id == login)).one()
        user = s.exec(select(User).where(User.login == login)).one()
        since[login] = at or user.created_at
    return [Alert("disabled_owner", cb.number, name, login, since[login]) for cb, name, login in rows]


def alerts_stale(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open work more than ``stale_days`` (policy) past its deadline: to be lapsed (SPEC §7)."""
    days = int(getattr(ctx.policy, "stale_days", 30))
    limit = ctx.judge.date() - timedelta(days=days)
    then = _open_then(s, ctx, lambda x: x.deadline[0] < limit)
    if then is not None:  # a past day: open at its end
        return [Alert("stale", cb.number, name, cb.agent_login,
                      datetime.combine(cb.deadline_on + timedelta(days=days + 1), time.min)) for cb, name in then]
    q = select(Callback, Customer.name).where(Callback.status.in_(OPEN_STATES), Callback.deadline_on < limit)
    return _cb_alerts(s, "stale", q, lambda cb: datetime.combine(cb.deadline_on + timedelta(days=days + 1), time.min))


def _open_issue_views(s: Session, ctx: BoardContext) -> list:
    """Open issues judged at the board's moment (SPEC §3 deadlines, waiting, escalation)."""
    from .issues import issue_views

    if ctx.then is not None:  # a past day: the issues raised by its end as they stood then
        issues = list(s.exec(select(Issue).where(Issue.raised_at <= ctx.judge)))
        if not issues or ctx.policy is None or ctx.calendar is None:
            return []
        return [v for v in issue_views(s, issues, ctx.judge, ctx.policy, ctx.calendar, as_of=True)
                if v.state.status != "closed"]
    issues = list(s.exec(select(Issue).where(Issue.status != "closed", Issue.raised_at <= ctx.judge)))
    if not issues or ctx.policy is None or ctx.calendar is None:
        return []
    return issue_views(s, issues, ctx.judge, ctx.policy, ctx.calendar)


def alerts_issue_escalated(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open issues above level 0 (部门负责人 / 总经理); since = when the first deadline was
    missed (a complaint: when it was raised)."""
    out = []
    for v in _open_issue_views(s, ctx):
        if v.state.level > 0 and not v.issue.is_complaint:
            since = v.state.escalations[0].at if v.state.escalations else v.issue.raised_at
            out.append(Alert("issue_escalated", v.issue.number, v.customer,
                             v.issue.owner_login or v.issue.raised_by, since))
    return out


def alerts_issue_at_risk(s: Session, ctx: BoardContext) -> list[Alert]:
    """Open issues with 75 % or more of the time to a deadline used (not yet escalated);
    since = the 75 % moment of the deadline still outstanding, in clock time."""
    from ..domain.issues import solve_deadline_passes

    out = []
    for v in _open_issue_views(s, ctx):
        st = v.state
        if not st.at_risk or st.level > 0:
            continue
        start = v.issue.raised_at
        deadline = st.ack_by if st.acknowledged_at is None else solve_deadline_passes(st.solve_by)
        since = start + (deadline - start) * 0.75 if deadline > start else start
        out.append(Alert("issue_at_risk", v.issue.number, v.customer, v.issue.owner_login or v.issue.raised_by,
                         min(since, ctx.judge).replace(microsecond=0)))
    return out


def alerts_summary_due(s: Session, ctx: BoardContext) -> list[Alert]:
    """The monthly 回访汇总表 of the last finished (or finishing) month, from its last working day
    until the supervisor approves it (000 §4.9: by the 2nd of the next month)."""
    from ..domain.summary import summary_due
    from .report import AMENDING, APPROVED, month_status

    if ctx.calendar is None:
        return []
    out = []
    first = ctx.day.replace(day=1)
    for year, month in ((first.year, first.month), ((first - timedelta(days=1)).year, (first - timedelta(days=1)).month)):
        key = f"{year:04d}-{month:02d}"
        due = summary_due(year, month, ctx.calendar, ctx.policy)
        st = month_status(s, key)
        if due.visible_from <= ctx.day and st.state != APPROVED:  # open, or amending (issue 22 §1)
            # the state, the version and the day it was approved (80 columns; --json has the
            # moment); the approver is the alert's person, shown by name
            detail = (t("report.status_amending_alert", version=st.version, at=f"{st.approved_at:%m-%d}")
                      if st.state == AMENDING and st.approved_at else t(f"report.month_state.{st.state}"))
            out.append(Alert("summary_due", key, "", st.approved_by, datetime.combine(due.visible_from, time.min),
                             detail=detail, data=st.as_json()))
    return out


def statvfs(path: str) -> os.statvfs_result:
    """The filesystem reading the disk alert uses (a test replaces it)."""
    return os.statvfs(path)


def disk_reading(path: str) -> DiskReading | None:
    try:
        st = statvfs(path)
    except OSError:
        return None
    return DiskReading(st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize)


def size_text(n: int) -> str:
    """Bytes as people read them: 850 MB, 3.2 GB."""
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    return f"{n // 1024**2} MB"


def alerts_disk_low(s: Session, ctx: BoardContext) -> list[Alert]:
    """The store's filesystem has less than 10 % or 1 GB free (``domain.limits``): a full disk
    stops every write of the centre. SQLite only (PostgreSQL's disk is its server's)."""
    if ctx.store_dir is None or ctx.day != ctx.now.date():
        return []
    reading = disk_reading(ctx.store_dir)
    if reading is None or not disk_low(reading):
        return []
    detail = t("board.disk.detail", free=size_text(reading.free_bytes), pct=f"{reading.free_ratio * 100:.0f}")
    return [Alert("disk_low", "", "", None, ctx.now, detail=detail, data={
        "free_bytes": reading.free_bytes, "total_bytes": reading.total_bytes})]


def alerts_supervisor_request(s: Session, ctx: BoardContext) -> list[Alert]:
    """Agents' requests waiting for a supervisor: a 改约 or deferral past the deadline
    (``services.requests``; issue 25 item 5); a past day: those waiting at its end. ``data``
    carries the request (its id is what the board's approve and refuse keys act on)."""
    from ..store.models import SupervisorRequest
    from .requests import PENDING, deadline_words, moves

    q = (select(SupervisorRequest, Callback, Customer.name)
         .join(Callback, Callback.id == SupervisorRequest.callback_id)
         .join(Customer, Customer.id == Callback.customer_id)
         .where(SupervisorRequest.requested_at <= ctx.judge))
    if ctx.then is None:
        q = q.where(SupervisorRequest.state == PENDING)
    else:
        q = q.where(or_(SupervisorRequest.state == PENDING, SupervisorRequest.decided_at > ctx.judge))
    out = []
    for r, cb, name in s.exec(q):
        what = t(f"requests.what.{r.kind}", when=r.wanted_at.date().isoformat() if r.kind == "defer"
                 else f"{r.wanted_at:%Y-%m-%d %H:%M}")
        detail = t("requests.alert_detail", what=what, deadline=deadline_words(cb.deadline_on, cb.deadline_at),
                   reason=r.reason)
        out.append(Alert("supervisor_request", cb.number, name, r.requested_by, r.requested_at, detail=detail,
                         data={"request": r.id, "request_kind": r.kind,
                               "wanted": r.wanted_at.isoformat(timespec="seconds"), "reason": r.reason,
                               "moves": moves(s, r, cb, ctx.judge)}))  # what approving it moves
    return out


def alerts_notify_failed(s: Session, ctx: BoardContext) -> list[Alert]:
    """Notifications given up on (issue 26: ``services.notify``) within the last ALERT_DAYS days,
    since they failed; ``data`` says which, through which channel, and the last answer (the
    admin fixes the channel: ``huifang notify test``, ``huifang notify status --failed``)."""
    from ..core.i18n import note_text, stored

    start = datetime.combine(ctx.day - timedelta(days=ALERT_DAYS), time.min)
    q = select(Notification).where(Notification.state == NOTIFY_FAILED, Notification.failed_at >= start,
                                   Notification.failed_at <= ctx.judge)
    out = []
    rows = list(s.exec(q.order_by(Notification.failed_at)))
    made = dict(s.exec(select(NotificationAttempt.notification_id, func.count()).where(
        NotificationAttempt.notification_id.in_([n.id for n in rows]))
        .group_by(NotificationAttempt.notification_id)).all()) if rows else {}
    for n in rows:
        kind = t(f"notify.kind.{n.kind}")
        out.append(Alert("notify_failed", f"#{n.id}", "", None, n.failed_at,
                         detail=t("notifysend.alert_detail", kind=kind, channel=n.channel),
                         data={"notification": n.id, "notify_kind": n.kind, "channel": n.channel,
                               "tries": n.tries, "attempts": made.get(n.id, 0), "answer": note_text(n.answer),
                               "title": stored(f"notify.title.{n.kind}", n.params)}))
    return out


def alerts_notify_sender(s: Session, ctx: BoardContext) -> list[Alert]:
    """The sender could not send at all at its last run (the notify file unsafe or unreadable:
    ``services.notify.sender_failed``), since then, with its words; gone at the next run that
    can send. Nothing is lost meanwhile: the outbox waits."""
    from .notify import sender_error

    found = sender_error(s)
    if found is None or found[0] > ctx.judge:
        return []
    at, error = found
    return [Alert("notify_sender", "", "", None, at, detail=error, data={"error": error})]  # data: nobody's


# Every alert kind the board knows, each a small function.
ALERT_SOURCES: dict[str, AlertSource] = {
    "issue_escalated": alerts_issue_escalated,
    "issue_at_risk": alerts_issue_at_risk,
    "summary_due": alerts_summary_due,
    "overdue": alerts_overdue,
    "low_score_followup": alerts_low_score_followup,
    "low_score": alerts_low_score,
    "unreachable": alerts_unreachable,
    "complaint": alerts_complaint,
    "disabled_owner": alerts_disabled_owner,
    "stale": alerts_stale,
    "disk_low": alerts_disk_low,
    "supervisor_request": alerts_supervisor_request,
    "notify_failed": alerts_notify_failed,
    "notify_sender": alerts_notify_sender,
}
# The order alerts are listed in (most urgent first); kinds not listed go last.
ALERT_ORDER = ("disk_low", "supervisor_request", "notify_sender", "notify_failed", "low_score_followup", "low_score", "complaint",
               "issue_escalated", "issue_at_risk", "overdue", "unreachable", "disabled_owner", "stale", "summary_due")


def alert_key(a: Alert) -> tuple:
    """Sorts alerts in ``ALERT_ORDER``, then oldest first."""
    rank = ALERT_ORDER.index(a.kind) if a.kind in ALERT_ORDER else len(ALERT_ORDER)
    return (rank, a.since, a.number)
