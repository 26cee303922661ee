"""Undoing the last outcome recorded (issue 16 item 3).

Its author may undo it within ``undo_minutes`` (policy.toml): the callback goes back to the
audit's before-image of that outcome (status, attempts, due_on, next attempt, outcome,
reached, scores, …), the attempt row goes, and what the outcome created that nobody has
touched since (follow-up callbacks with no attempt) is cancelled. Every step is audited.
The callback must not have changed since the outcome (its version is the outcome's).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from ..domain.record import RECORD_FIELDS
from ..core.i18n import t
from ..store.models import AuditEntry, CallAttempt, Callback, Contact
from .base import Actor, Conflict, NotFound, Refused, Store, acting, audit, snapshot
from .calendar import load_policy
from . import outbox
from .recording import UNDO_NOTE, low_score_ref, unreachable_ref
from .report import ensure_month_open

# What an outcome changes on its callback (recording._save), restored from the before-image.
_DATES = ("due_on",)
_MOMENTS = ("next_attempt_at", "completed_at")
_RESTORED = ("status", "attempts", "outcome", "reached_name", "reached_position", "answers", "follow_status",
             "note", "agent_login", *_DATES, *_MOMENTS, *(f.name for f in RECORD_FIELDS))


@dataclass
class UndoResult:
    number: str
    outcome: str
    status: str
    attempts: int
    due_on: date
    next_attempt_at: datetime | None
    cancelled: list[str] = field(default_factory=list)  # follow-ups nobody had touched
    kept: list[str] = field(default_factory=list)  # follow-ups already worked: left alone
    also: list[str] = field(default_factory=list)  # the same attempt undone on these too


def _last_attempt(s: Session, cb: Callback) -> CallAttempt | None:
    return s.exec(select(CallAttempt).where(CallAttempt.callback_id == cb.id)
                  .order_by(col(CallAttempt.id).desc())).first()


def _entry(s: Session, number: str, action: str, at: datetime) -> AuditEntry | None:
    return s.exec(select(AuditEntry).where(AuditEntry.entity == "callback", AuditEntry.entity_id == number,
                                           AuditEntry.action == action, AuditEntry.at == at)
                  .order_by(col(AuditEntry.id).desc())).first()


def _value(name: str, v: object) -> object:
    if v is None or not isinstance(v, str):
        return v
    if name in _DATES:
        return date.fromisoformat(v)
    if name in _MOMENTS:
        return datetime.fromisoformat(v)
    return v


def _undo_one(s: Session, actor: Actor, cb: Callback, now: datetime, undo_minutes: int) -> tuple[CallAttempt, dict]:
    """Put one callback back to before its last attempt; returns the attempt and its effects note."""
    a = _last_attempt(s, cb)
    if a is None:
        raise Refused(t("undo.nothing", number=cb.number))
    if a.agent_login != actor.login:
        raise Refused(t("undo.not_author", number=cb.number, who=a.agent_login))
    entered = a.entered_at or a.at
    if now - entered > timedelta(minutes=undo_minutes):
        raise Refused(t("undo.too_late", number=cb.number, minutes=undo_minutes, at=f"{entered:%H:%M}"))
    ensure_month_open(s, a.at)  # the attempt is dated in its month: approved since, it stays
    rec = _entry(s, cb.number, f"callback.{a.outcome}", entered)
    if rec is None or not rec.before:
        raise Refused(t("undo.no_image", number=cb.number))
    before, after = json.loads(rec.before), json.loads(rec.after or "{}")
    if after.get("version") != cb.version:
        raise Conflict(t("undo.changed", number=cb.number))
    note = _entry(s, cb.number, UNDO_NOTE, entered)
    effects = json.loads(note.after) if note is not None and note.after else {}
    if effects.get("issues"):  # the ledger moved on (verified, reopened): a supervisor corrects it
        raise Refused(t("undo.issues", number=cb.number))
    now_image = {**snapshot(cb), "attempt": snapshot(a)}
    for name in _RESTORED:
        if name in before:
            setattr(cb, name, _value(name, before[name]))
    cb.updated_at, cb.version = now, cb.version + 1
    s.add(cb)
    s.delete(a)
    s.flush()
    audit(s, actor, now, "callback.undo", "callback", cb.number, now_image, cb)
    # what this outcome told the supervisor and nobody has read yet is taken back (issue 26)
    if a.outcome == "completed":
        outbox.withdraw(s, actor, now, ("low_score",), low_score_ref(cb.number))
    if after.get("status") == "unreachable" and before.get("status") != "unreachable":
        outbox.withdraw(s, actor, now, ("unreachable",), unreachable_ref(cb.number))
    return a, effects


def _cancel_followups(s: Session, actor: Actor, now: datetime, numbers: list[str], res: UndoResult) -> None:
    for number in numbers:
        f = s.exec(select(Callback).where(Callback.number == number)).first()
        if f is None:
            continue
        if f.status != "open" or f.attempts or s.exec(select(CallAttempt.id).where(
                CallAttempt.callback_id == f.id)).first() is not None:
            res.kept.append(number)
            continue
        before = f.model_dump()
        f.status, f.outcome = "cancelled", "cancelled"
        f.updated_at, f.version = now, f.version + 1
        s.add(f)
        s.flush()
        audit(s, actor, now, "callback.cancel_undone", "callback", number, before, f)
        res.cancelled.append(number)


def _named(s: Session, actor: Actor, cb: Callback) -> Callback:
    """The callback the call was recorded on, when ``cb``'s last attempt came with it as the
    rest of that call (``calls.same_call``; issue 22 §3): undoing any part of one call undoes
    all of it. ``cb`` itself otherwise."""
    a = _last_attempt(s, cb)
    if a is None or a.agent_login != actor.login:
        return cb
    entered = a.entered_at or a.at
    for note in s.exec(select(AuditEntry).where(AuditEntry.at == entered, AuditEntry.action == UNDO_NOTE,
                                                AuditEntry.entity == "callback", AuditEntry.login == actor.login,
                                                AuditEntry.entity_id != cb.number)):
        if cb.number in json.loads(note.after or "{}").get("also", []):
            named = s.exec(select(Callback).where(Callback.number == note.entity_id)).first()
            last = _last_attempt(s, named) if named is not None else None
            if last is not None and (last.entered_at or last.at) == entered:  # still that call's
                return named
    return cb


def undo_last(store: Store, actor: Actor, number: str | None = None) -> UndoResult:
    """Undo the last outcome recorded on ``number`` (default: the actor's own last one)."""
    now = store.now()
    with store.write() as s:
        acting(s, actor)
        policy = load_policy(s)
        if number is None:
            mine = s.exec(select(CallAttempt).where(CallAttempt.agent_login == actor.login)
                          .order_by(col(CallAttempt.id).desc())).first()
            if mine is None:
                raise Refused(t("undo.nothing_mine"))
            cb = s.get(Callback, mine.callback_id)
        else:
            cb = s.exec(select(Callback).where(Callback.number == number)).first()
            if cb is None:
                raise NotFound(t("call.not_found", number=number))
        cb = _named(s, actor, cb)
        attempt, effects = _undo_one(s, actor, cb, now, policy.undo_minutes)
        res = UndoResult(cb.number, attempt.outcome, cb.status, cb.attempts, cb.due_on, cb.next_attempt_at)
        followups = list(effects.get("followups", []))
        for other_no in effects.get("also", []):
            other = s.exec(select(Callback).where(Callback.number == other_no)).first()
            if other is None:
                continue
            try:
                _, other_effects = _undo_one(s, actor, other, now, policy.undo_minutes)
            except Refused:
                continue  # changed since: it keeps that attempt
            res.also.append(other_no)
            followups += other_effects.get("followups", [])
        _cancel_followups(s, actor, now, followups, res)
        for cid in effects.get("flagged_contacts", []):  # 号码错误 flagged it: no longer
            c = s.get(Contact, cid)
            if c is not None and c.needs_correction:
                before = c.model_dump()
                c.needs_correction = False
                s.add(c)
                s.flush()
                audit(s, actor, now, "contact.unflag_undone", "contact", cid, before, c)
        return res


def undo_text(res: UndoResult) -> str:
    """The same words on the queue screen and from ``huifang undo``."""
    lines = [t("undo.done", number=res.number, outcome=t(f"outcome.{res.outcome}"),
               state=t(f"cbstate.{res.status}"), attempts=res.attempts)]
    if res.cancelled:
        lines.append(t("undo.cancelled", numbers=", ".join(res.cancelled)))
    if res.kept:
        lines.append(t("undo.kept", numbers=", ".join(res.kept)))
    if res.also:
        lines.append(t("undo.also", numbers=", ".join(res.also)))
    return "\n".join(lines)
