"""Delivering the outbox (issue 26 item 3): what is due is sent through its channel, each try
recorded with the server's answer; retries with growing pauses, a robot's rate window, giving
up (a ``delivery_failed`` notification and the board's ``notify_failed`` alert); the outbox as
``huifang notify status`` lists it; the routes (kind → channels).

A run (:func:`run_due`) never holds a transaction while it talks to a server:

1. a short write: ``unrouted`` rows whose kind has a route now go to its channels;
2. a short write takes a batch of due rows: a lease (``domain.notify.LEASE``) in the sender's
   name, so a second run leaves them alone;
3. for each, outside any transaction: a robot's rate window (its tries of the last minute, from
   ``notification_attempt``), the message rendered in the channel's language, ``send``;
4. a short write records the try and the row (sent; rate limited: again after the window; failed:
   again after ``pause_after``, or failed for good) and releases the lease.

Delivery is at least once: a sender killed between 3 and 4 leaves its lease to expire, and the
message goes again under the same number (#N in its title) — a visible duplicate, never a loss.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from ..channels.message import ANSWER_MAX, Answer, Outgoing, one_line, plain
from ..core.i18n import NOTE_CODE, Msg, in_lang, note_line, note_text, render, t
from ..domain import notify as rules
from ..store.models import Notification, NotificationAttempt, Setting
from . import outbox
from .base import Actor, NotFound, Store, ValidationError, acting, audit, serialize
from .calendar import load_calendar, load_policy

if TYPE_CHECKING:
    from ..channels.config import ChannelConfig

    Send = Callable[[ChannelConfig, Outgoing], Answer]
    Attachment = Callable[[str], tuple[str, bytes] | None]

BATCH = 20  # rows taken per lease: a batch is sent well within LEASE even when every server times out
STATUS_LIMIT = rules.STATUS_LIMIT  # rows ``notify status`` lists by default, newest first
EMAIL = "email"  # the one channel type that carries files and has no rate window
MARKDOWN = ("dingtalk", "wecom")  # the robots whose message is markdown: what people typed is escaped
RETRY_ROLE = "supervisor"  # who may send a given-up notification again (and the admin)
SENT, RATE_LIMITED, FAILED = "sent", "rate_limited", "failed"  # a try's outcome
SENDER_ERROR_KEY = "notify.sender_error"  # Setting: why the last run could not send at all (the board's alert)


@dataclass
class RunReport:
    """What one run did: sent; retried (failed, tried again later); failed (given up);
    waiting (held back by a robot's rate window, not a try); rate_limited (the server said so)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0
    rate_limited: int = 0

    @property
    def did_something(self) -> bool:
        return any(asdict(self).values())

    def as_json(self) -> dict[str, int]:
        return asdict(self)

    def message(self) -> str:
        return t("notifysend.run_report", **asdict(self))


@dataclass(frozen=True)
class _Job:
    id: int
    kind: str
    channel: str
    code: str
    params: dict
    attach: str


def _params(text: str) -> dict:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _sender(actor: Actor) -> str:
    """The lease holder's name: the acting login, this machine and process, and a random tail
    (two runs of one login never take each other's lease for their own)."""
    return f"{actor.login}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_due(store: Store, actor: Actor, channels: Mapping[str, ChannelConfig], *,
            send: Send | None = None, attachment: Attachment | None = None, limit: int = 200,
            now: datetime | None = None) -> RunReport:
    """Send what is due (at most ``limit`` tries), as supervisors, admins or the system (the
    scheduled runs). ``channels`` are the notify file's; ``attachment`` builds what a row's
    ``attach`` names (``month:YYYY-MM``: the month's .xlsx) for channels that carry files.
    ``now`` fixed (``notify run --now``) or the store's clock at each step."""
    if send is None:
        from ..channels.send import send as send_real

        send = send_real
    clock: Callable[[], datetime] = (lambda: now) if now is not None else store.now
    report = RunReport()
    with store.write() as s:
        acting(s, actor, "supervisor")
        routes = outbox.load_routes(s)
        s.exec(delete(Setting).where(Setting.key == SENDER_ERROR_KEY))  # this run can send: the alert goes
    _write_escalations(store, actor)
    _route_unrouted(store, actor, routes, clock())
    token = _sender(actor)
    tried = 0
    dead: set[str] = set()  # channels that did not answer at all in this run: not tried again in it
    while tried < limit:
        jobs = _claim(store, actor, token, clock(), min(BATCH, limit - tried), skip=dead)
        if not jobs:
            break
        for job in jobs:
            if job.channel in dead:
                _release(store, actor, token, job)
                continue
            if _deliver(store, actor, token, job, channels, send, attachment, clock, report):
                dead.add(job.channel)
        tried += len(jobs)
    return report


def _write_escalations(store: Store, actor: Actor) -> None:
    """The escalations due by the clock (never by ``--now``), written in a short write of their
    own as the planner writes them: the planner runs only within the working hours, but a level-2
    escalation reaches the GM at any hour — this every-minute run writes it and tells it."""
    from .issues import write_due_escalations

    with store.write() as s:
        acting(s, actor, "supervisor")
        write_due_escalations(s, store.now())


def _route_unrouted(store: Store, actor: Actor, routes: dict[str, list[str]], now: datetime) -> None:
    """Rows written while their kind had no route, within ``ROUTE_BACK``, go to the channels it
    has now: the row itself to the first channel not told yet, a copy to each other one; a row
    every channel has already told is dropped (it was never sent). Older rows stay unrouted.

    One short write per row, under the lock ``outbox.emit`` takes for the same event: an event
    told at this moment, or a second sender routing the same row, takes turns with it (on
    PostgreSQL, instead of failing on the unique key), and the channels told are read after it."""
    routed = list({outbox.route_kind(k)[0] for k, v in routes.items() if v})  # KIND@DEPARTMENT too
    if not routed:
        return  # the rows kept unrouted are not even read (a centre that routes nothing)
    with store.read() as s:
        found = s.exec(select(Notification.id, Notification.kind, Notification.ref).where(
            Notification.state == rules.UNROUTED, Notification.kind.in_(routed),
            Notification.created_at >= now - rules.ROUTE_BACK).order_by(Notification.id)).all()
    for nid, kind, ref in found:
        with store.write() as s:
            acting(s, actor, "supervisor")
            serialize(s, f"outbox:{kind}:{ref}")
            row = s.get(Notification, nid, with_for_update=True, populate_existing=True)
            if row is None or row.state != rules.UNROUTED:
                continue  # routed, or taken back, by someone else meanwhile
            told = set(s.exec(select(Notification.channel).where(
                Notification.kind == kind, Notification.ref == ref)).all())
            want = outbox.channels_for(routes, kind, outbox.department_of(s, kind, ref))
            if not want:
                continue  # routed for other departments only: stays unrouted
            todo = [c for c in dict.fromkeys(want) if c not in told]
            if not todo:
                s.exec(delete(Notification).where(Notification.id == nid))
                continue
            due = max(row.next_try_at, rules.due_at(kind, now, load_calendar(s), load_policy(s).work_hours))
            row.channel, row.state, row.next_try_at = todo[0], rules.PENDING, due
            s.add(row)
            for channel in todo[1:]:
                s.add(Notification(kind=kind, ref=ref, channel=channel, code=row.code, params=row.params,
                                   attach=row.attach, created_at=row.created_at, created_by=row.created_by,
                                   state=rules.PENDING, next_try_at=due, answer=""))


def _claim(store: Store, actor: Actor, token: str, now: datetime, n: int,
           skip: set[str] | frozenset[str] = frozenset()) -> list[_Job]:
    """Lease up to ``n`` due rows (pending, due, no live lease), oldest due first. On
    PostgreSQL rows another sender is claiming are skipped (FOR UPDATE SKIP LOCKED); SQLite's
    write transaction is the one writer. Quiet hours hold what is not urgent: outside the working
    hours those rows are moved to the next working moment (not a try) and not taken."""
    with store.write() as s:
        acting(s, actor, "supervisor")
        free = (Notification.lease_until.is_(None)) | (Notification.lease_until <= now)
        cal, hours = load_calendar(s), load_policy(s).work_hours
        quiet = {k: at for k in rules.KINDS if (at := rules.due_at(k, now, cal, hours)) > now}
        if quiet:
            serialize(s, "notify:quiet")  # PostgreSQL: two senders' bulk moves take turns (no deadlock)
            s.exec(update(Notification).where(
                Notification.state == rules.PENDING, Notification.next_try_at <= now, free,
                Notification.kind.in_(list(quiet))).values(next_try_at=min(quiet.values())))
        q = (select(Notification).where(
            Notification.state == rules.PENDING, Notification.next_try_at <= now,
            free, *([Notification.kind.not_in(list(quiet))] if quiet else []),
            *([Notification.channel.not_in(sorted(skip))] if skip else []))
            .order_by(Notification.next_try_at, Notification.id).limit(n))
        if s.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        rows = list(s.exec(q))
        out = []
        for row in rows:
            row.lease_until, row.leased_by = now + rules.LEASE, token
            s.add(row)
            out.append(_Job(row.id, row.kind, row.channel, row.code, _params(row.params), row.attach))
        return out


def _robot_wait(store: Store, channel: str, now: datetime) -> timedelta:
    """How long the robot ``channel`` must be left alone: its tries of the last minute, by every
    sender (``ix_notification_attempt_channel``): those in (now − RATE_WINDOW, now] only."""
    with store.read() as s:
        times = s.exec(select(NotificationAttempt.at).where(
            NotificationAttempt.channel == channel, NotificationAttempt.at > now - rules.RATE_WINDOW,
            NotificationAttempt.at <= now)).all()  # tries stamped later (``notify run --now``) are not this minute's
    return rules.rate_wait(times, now)


def safe_params(value: object, markdown: bool) -> object:
    """A message's parameters (what people typed, names; nested catalog texts' too) as they
    leave the app: control characters and terminal escape sequences removed for every channel
    (``channels.message.plain``), and for a markdown robot made literal (``escape_markdown``).
    The catalog's own text is left as it is (the title's "回访台 #12" stays "#12")."""
    if isinstance(value, dict):
        if isinstance(value.get("t"), str):  # a nested catalog text (``i18n.encode``)
            return {**value, "p": safe_params(value.get("p") or {}, markdown)}
        return {k: safe_params(v, markdown) for k, v in value.items()}
    if isinstance(value, list):
        return [safe_params(x, markdown) for x in value]
    if isinstance(value, str):
        text = plain(value)
        return rules.escape_markdown(text) if markdown else text
    return value


def _message(job: _Job, cfg: ChannelConfig, attachment: Attachment | None) -> Outgoing:
    from ..core.errors import ServiceError

    markdown = cfg.type in MARKDOWN
    params = {k: safe_params(v, markdown) for k, v in job.params.items()}
    title = t("notify.prefix", n=job.id) + " " + render(f"notify.title.{job.kind}", params)
    lines = [render(job.code, params)]
    if "phone" in job.params:
        lines.append(t("notify.masked_note"))
    attached = None
    if job.attach:
        if cfg.type != EMAIL:
            lines.append(t("notify.no_attachment"))
        else:
            try:
                attached = attachment(job.attach) if attachment is not None else None
            except (ServiceError, OSError):
                attached = None
            lines.append(t("notify.attached", name=attached[0]) if attached
                         else t("notifysend.attachment_missing"))
    return Outgoing(job.id, title, tuple(lines), attached, escaped=markdown)


def stored_answer(text: object) -> str:
    """An answer as it is stored: a server's words on one line as it said them; our own words
    (a catalog ``Msg``: no connection, a timeout …) as their code, shown to each reader in their
    language (``i18n.note_text``)."""
    if isinstance(text, Msg) and text.key:
        return note_line(text)
    return one_line(text)[:ANSWER_MAX]


#: Our own words (``channels.answer.*``) for a try the channel never answered: no connection
#: (refused, unreachable), a timeout, a TLS handshake that failed, a proxy down / without a route
#: / timing out. Not these: a server's reply (``channels.answer.http``, an SMTP reply), a
#: refusal it spoke (no STARTTLS, an SMTP error mid-talk), a rate limit, an adapter's own fault.
NO_ANSWER = frozenset({"channels.answer.no_connection", "channels.answer.timeout", "channels.answer.tls",
                       "channels.answer.proxy_down", "channels.answer.proxy_no_route",
                       "channels.answer.proxy_timeout"})


def _deliver(store: Store, actor: Actor, token: str, job: _Job, channels: Mapping[str, ChannelConfig],
             send: Send, attachment: Attachment | None, clock: Callable[[], datetime],
             report: RunReport) -> bool:
    """One row's try. True when the channel did not answer at all: the try failed by connection
    (refused, timeout, TLS, proxy), i.e. a failed ``Answer`` whose text is our own catalog ``Msg``
    of ``NO_ANSWER``, never a server's reply. The run then leaves that channel's other rows
    for the next run, so one dead channel never holds the others."""
    cfg = channels.get(job.channel)
    said: str  # the answer as stored: the server's words, or our own as a message code
    if cfg is None:
        answer = Answer(False, "")
        said = note_line(t("notifysend.no_channel", channel=job.channel))
    else:
        if cfg.is_robot:
            now = clock()
            wait = _robot_wait(store, job.channel, now)
            if wait > timedelta(0):
                _hold(store, actor, token, job, now + wait)
                report.waiting += 1
                return False
        if not _renew(store, actor, token, job, clock()):
            return False  # no longer ours (another sender took it after our lease ran out), or quiet hours began
        with in_lang(cfg.lang):
            msg = _message(job, cfg, attachment)
        try:
            answer = send(cfg, msg)
        except Exception as e:  # noqa: BLE001 - a channel's fault never stops the run; its type only (its words may hold a URL)
            answer = Answer(False, type(e).__name__)
        said = stored_answer(answer.text)
    _record(store, actor, token, job, answer, said, clock(), report)
    return (cfg is not None and not answer.ok and not answer.rate_limited
            and isinstance(answer.text, Msg) and answer.text.key in NO_ANSWER)


def _release(store: Store, actor: Actor, token: str, job: _Job) -> None:
    """A claimed row of a channel that did not answer in this run: its lease is let go, no try
    and ``next_try_at`` as it is (quiet hours were applied when it was claimed): the next run."""
    with store.write() as s:
        acting(s, actor, "supervisor")
        row = s.get(Notification, job.id, with_for_update=True, populate_existing=True)
        if row is not None and row.leased_by == token:
            row.lease_until, row.leased_by = None, ""
            s.add(row)


def _renew(store: Store, actor: Actor, token: str, job: _Job, now: datetime) -> bool:
    """Just before a send, a short write: the lease is ours still (else another sender took the
    row once it ran out, or it was taken back: not sent) and runs ``LEASE`` from now, so neither
    a second sender nor ``outbox.withdraw`` touches the row while it is being sent. A kind held
    by quiet hours that began during the batch waits for them instead (not a try)."""
    with store.write() as s:
        acting(s, actor, "supervisor")
        row = s.get(Notification, job.id, with_for_update=True, populate_existing=True)
        if row is None or row.state != rules.PENDING or row.leased_by != token:
            return False
        due = rules.due_at(row.kind, now, load_calendar(s), load_policy(s).work_hours)
        if due > now:
            row.next_try_at, row.lease_until, row.leased_by = due, None, ""
        else:
            row.lease_until = now + rules.LEASE
        s.add(row)
        return due <= now


def _hold(store: Store, actor: Actor, token: str, job: _Job, until: datetime) -> None:
    """A robot's rate window is full: the row waits (not a try; quiet hours, when the window
    ends in them) and its lease is released."""
    with store.write() as s:
        acting(s, actor, "supervisor")
        row = s.get(Notification, job.id)
        if row is None or row.state != rules.PENDING:
            return
        until = rules.due_at(row.kind, until, load_calendar(s), load_policy(s).work_hours)
        row.next_try_at = max(row.next_try_at, until)
        if row.leased_by == token:
            row.lease_until, row.leased_by = None, ""
        s.add(row)


def _record(store: Store, actor: Actor, token: str, job: _Job, answer: Answer, said: str, now: datetime,
            report: RunReport) -> None:
    outcome = SENT if answer.ok else RATE_LIMITED if answer.rate_limited else FAILED
    with store.write() as s:
        acting(s, actor, "supervisor")
        row = s.get(Notification, job.id, with_for_update=True)  # PostgreSQL: one recorder at a time
        if row is None:  # taken back meanwhile (outbox.withdraw, or deleted): what went out is still said
            if answer.ok:
                audit(s, actor, now, "notification.sent_withdrawn", "notification", job.id, None,
                      {"kind": job.kind, "channel": job.channel, "state": rules.SENT})
            return
        s.add(NotificationAttempt(notification_id=row.id, at=now, channel=job.channel, ok=answer.ok,
                                  outcome=outcome, answer=said, by=actor.login))
        row.answer = said
        if row.leased_by == token:
            row.lease_until, row.leased_by = None, ""
        if answer.ok:
            if row.state != rules.SENT:
                row.state, row.sent_at = rules.SENT, now
            report.sent += 1
        elif row.state == rules.PENDING:  # another sender may have recorded it meanwhile
            policy, cal = load_policy(s), load_calendar(s)
            retry = rules.retry_rules(policy)
            if outcome == FAILED:
                row.tries += 1
            since = [NotificationAttempt.at > row.failed_at] if row.failed_at else []  # sent again: anew
            first = s.exec(select(NotificationAttempt.at).where(NotificationAttempt.notification_id == row.id, *since)
                           .order_by(NotificationAttempt.at).limit(1)).first() or now
            spent = rules.trying_time(row.kind, min(first, now), now, cal, policy.work_hours)
            if rules.gives_up(row.tries, min(first, now), now, retry, spent=spent):
                row.state, row.failed_at = rules.FAILED, now
                report.failed += 1
                if row.kind != "delivery_failed":
                    _tell_failed(s, row, said, now, actor)
            elif outcome == RATE_LIMITED:
                row.next_try_at = rules.due_at(row.kind, now + rules.RATE_WINDOW, cal, policy.work_hours)
                report.rate_limited += 1
            else:
                row.next_try_at = rules.due_at(row.kind, now + rules.pause_after(row.tries, retry), cal,
                                               policy.work_hours)
                report.retried += 1
        s.add(row)


def _tell_failed(s: Session, row: Notification, said: str, now: datetime, actor: Actor) -> None:
    """A notification given up on is itself told (kind ``delivery_failed``, to the admin's
    route), in the same transaction that marks it failed."""
    answer: str = said
    if said.startswith(NOTE_CODE):  # our own words: nested, so the message renders them in its language
        coded = json.loads(said[len(NOTE_CODE):])
        answer = t(coded["code"], **(coded.get("params") or {}))
    ref = f"notification:{row.id}"
    told = s.exec(select(func.count(func.distinct(Notification.ref))).where(
        Notification.kind == "delivery_failed",
        (Notification.ref == ref) | Notification.ref.startswith(ref + ":"))).one()
    if told:  # given up again after ``notify retry``: told again, under a ref of its own
        ref = f"{ref}:{told + 1}"
    outbox.emit(s, "delivery_failed", ref,
                t("notify.msg.delivery_failed", id=row.id, kind=t(f"notify.kind.{row.kind}"),
                  channel=row.channel, tries=row.tries, answer=answer or "—"),
                now, by=actor.login)


# -- a sender that cannot send at all ---------------------------------------------------------

def sender_failed(store: Store, actor: Actor, message: str, now: datetime | None = None) -> None:
    """A run that could not start (the notify file unsafe or unreadable): ``message`` (a catalog
    text) and when, kept for the board's ``notify_sender`` alert until a run can send again."""
    at = now or store.now()
    with store.write() as s:
        acting(s, actor, "supervisor")
        s.merge(Setting(key=SENDER_ERROR_KEY, value=json.dumps(
            {"at": _iso(at), "error": note_line(message)}, ensure_ascii=False)))


def sender_error(s: Session) -> tuple[datetime, str] | None:
    """The last run's failure to send at all (when, and what, in the reader's language), or None."""
    row = s.get(Setting, SENDER_ERROR_KEY)
    if row is None:
        return None
    try:
        data = json.loads(row.value)
        return datetime.fromisoformat(data["at"]), note_text(str(data.get("error", "")))
    except (ValueError, KeyError, TypeError):
        return None


# -- the outbox as people read it ------------------------------------------------------------

def _iso(v: datetime | None) -> str | None:
    return v.isoformat(timespec="seconds") if v else None


def status(store: Store, actor: Actor, *, failed_only: bool = False, limit: int = STATUS_LIMIT) -> list[dict]:
    """The outbox, newest first (``notify status --json``): the first ``limit`` rows."""
    return status_page(store, actor, failed_only=failed_only, limit=limit)[0]


def status_page(store: Store, actor: Actor, *, failed_only: bool = False,
                limit: int = STATUS_LIMIT) -> tuple[list[dict], int]:
    """The outbox, newest first, at most ``limit`` rows, and how many more there are: each row's
    kind, audience, channel, state, times, tries and attempts, and last answer, and its title in
    the reader's language. ``tries`` are the failed tries (what giving up counts); ``attempts``
    every try made (``notification_attempt``: sent, rate limited or failed); ``sending``: a
    sender holds it now (its lease has not run out). No secrets (a channel is its name) and no
    raw parameters."""
    limit = max(0, limit)
    now = store.now()
    with store.read() as s:
        acting(s, actor, "supervisor")
        q = select(Notification)
        n = select(func.count()).select_from(Notification)
        if failed_only:
            q = q.where(Notification.state == rules.FAILED)
            n = n.where(Notification.state == rules.FAILED)
        rows = list(s.exec(q.order_by(Notification.id.desc()).limit(limit)))
        total = s.exec(n).one()
        made = dict(s.exec(select(NotificationAttempt.notification_id, func.count()).where(
            NotificationAttempt.notification_id.in_([r.id for r in rows]))
            .group_by(NotificationAttempt.notification_id)).all()) if rows else {}
    out = []
    for r in rows:
        params = _params(r.params)
        out.append({
            "id": r.id, "kind": r.kind, "audience": rules.KINDS[r.kind].audience if r.kind in rules.KINDS else "",
            "channel": r.channel, "state": r.state, "ref": r.ref, "created_at": _iso(r.created_at),
            "next_try_at": _iso(r.next_try_at) if r.state in (rules.PENDING, rules.UNROUTED) else None,
            "tries": r.tries, "attempts": made.get(r.id, 0),
            "sending": r.state == rules.PENDING and r.lease_until is not None and r.lease_until > now,
            "sent_at": _iso(r.sent_at), "failed_at": _iso(r.failed_at),
            "answer": note_text(r.answer), "title": render(f"notify.title.{r.kind}", params),
        })
    return out, max(0, total - len(rows))


def retry(store: Store, actor: Actor, ids: list[int] | None = None, *, every_failed: bool = False) -> list[int]:
    """Send given-up notifications again (``huifang notify retry``), supervisors' and admins':
    ``ids``, or every failed one (``every_failed``). Each goes back to pending with no failed try
    counted, due now (quiet hours hold what is not urgent); its attempts, the failure among them,
    are kept, and so is ``failed_at``: giving up again counts from the first try after it.
    Audited per notification. An id that is unknown or not failed refuses the whole (bad input,
    naming it). Returns the ids sent again."""
    now = store.now()
    with store.write() as s:
        acting(s, actor, RETRY_ROLE)
        if every_failed:
            rows = list(s.exec(select(Notification).where(Notification.state == rules.FAILED)
                               .order_by(Notification.id)))
        else:
            rows = []
            for nid in dict.fromkeys(ids or []):
                row = s.get(Notification, nid, with_for_update=True)
                if row is None:
                    raise ValidationError(t("notifysend.err.retry_unknown", id=nid))
                if row.state != rules.FAILED:
                    raise ValidationError(t("notifysend.err.retry_not_failed", id=nid,
                                            state=t(f"notifysend.state.{row.state}")))
                rows.append(row)
        cal, hours = load_calendar(s), load_policy(s).work_hours
        for row in rows:
            before = {"state": row.state, "tries": row.tries, "failed_at": _iso(row.failed_at)}
            row.state, row.tries = rules.PENDING, 0  # failed_at kept: the tries after it count for giving up
            row.next_try_at = rules.due_at(row.kind, now, cal, hours)
            row.lease_until, row.leased_by = None, ""
            s.add(row)
            audit(s, actor, now, "notify.retry", "notification", row.id, before,
                  {"state": rules.PENDING, "tries": 0, "kind": row.kind, "channel": row.channel})
        return [r.id for r in rows]


def failed_advice(actor: Actor, nid: int, channel: str) -> str:
    """What the reader of a given-up notification may do about it, as commands they may run:
    the admin tests the channel (``send_test``) and sends it again; a supervisor may send it
    again (``retry``) but asks the admin to test the channel; anyone else asks."""
    if actor.role == "admin":
        return t("notifysend.advice.admin", channel=channel, id=nid)
    if actor.role == RETRY_ROLE:
        return t("notifysend.advice.supervisor", channel=channel, id=nid)
    return t("notifysend.advice.other", channel=channel, id=nid)


# -- routes -----------------------------------------------------------------------------------

def routes(store: Store, actor: Actor) -> dict[str, list[str]]:
    """Every kind with the channels it is routed to (``[]``: unrouted), in ``KINDS`` order."""
    with store.read() as s:
        acting(s, actor, "supervisor")
        have = outbox.load_routes(s)
    return {k: have.get(k, []) for k in outbox.route_keys(have)}


def set_route(store: Store, actor: Actor, kind: str, channels: list[str]) -> dict[str, list[str]]:
    """Route ``kind`` to ``channels`` (none: the route removed) — the admin's; audited. Rows
    already written keep their channel; unrouted ones go to the new route at the next run."""
    if outbox.route_kind(kind)[0] not in rules.KINDS:
        raise ValidationError(t("notifysend.err.kind", kind=kind, kinds=", ".join(rules.KINDS)))
    names = list(dict.fromkeys(c.strip() for c in channels))
    if any(not c or c != "".join(c.split()) for c in names):
        raise ValidationError(t("notifysend.err.channel_name"))
    now = store.now()
    with store.write() as s:
        acting(s, actor, "admin")
        outbox.check_route_key(s, kind)  # KIND@DEPARTMENT: a department huifang department lists
        have = outbox.load_routes(s)
        before = {kind: have.get(kind, [])}
        if names:
            have[kind] = names
        else:
            have.pop(kind, None)
        s.merge(Setting(key=outbox.ROUTES_KEY, value=json.dumps(have, ensure_ascii=False, sort_keys=True)))
        audit(s, actor, now, "notify.route", "setting", outbox.ROUTES_KEY, before, {kind: names})
    return {k: have.get(k, []) for k in outbox.route_keys({**have, kind: names})}


def send_test(store: Store, actor: Actor, name: str, cfg: ChannelConfig | None,
                 send: Send | None = None) -> Answer:
    """``huifang notify test CHANNEL``: the catalog's test message through one channel, in its
    language (the admin's; audited with whether it went). Returns the server's answer."""
    if send is None:
        from ..channels.send import send as send_real

        send = send_real
    with store.read() as s:
        acting(s, actor, "admin")
    if cfg is None:
        raise NotFound(t("notifysend.no_channel", channel=name))
    with in_lang(cfg.lang):
        msg = Outgoing(0, t("notify.test_title"), (t("notify.test_body", channel=name),))
    try:
        answer = send(cfg, msg)
    except Exception as e:  # noqa: BLE001 - as in a run: the error's type only
        answer = Answer(False, type(e).__name__)
    with store.write() as s:
        acting(s, actor, "admin")
        audit(s, actor, store.now(), "notify.test", "channel", name, None,
              {"ok": answer.ok, "answer": one_line(answer.text)[:ANSWER_MAX]})
    return answer

