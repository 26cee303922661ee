"""A callback's 备注 as every reader shows it (month view, exports, the board's detail): each
attempt's own note and a 拒访's reason, then the callback's own text (issue 21 §3, issue 22 §7).
Read-only; kept apart from recording so the report reads notes without the recording service."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, select

from ..core.i18n import t
from ..store.models import Callback, CallAttempt


def note_text(attempts: list[CallAttempt], own: str = "") -> str:
    """A callback's 备注 as every reader shows it: each attempt's own note ("MM-DD HH:MM note",
    oldest first), then the callback's own (a lapse reason, notes from before attempts kept
    theirs). Nothing is copied onto the callback when an attempt is recorded (issue 21 §3)."""
    lines = [f"{a.at:%m-%d %H:%M} {_attempt_note(a)}" for a in sorted(attempts, key=lambda a: (a.at, a.id or 0))
             if a.note or getattr(a, "reason", "")]
    if own:
        from ..core.i18n import note_text as stored_note

        lines.append(stored_note(own))  # the system's lines in the reader's language (issue 22 item 9)
    return "\n".join(lines)


def _attempt_note(a: CallAttempt) -> str:
    """An attempt's line of the 备注: a 拒访's reason (labelled in the reader's language), then
    its note as typed."""
    reason = getattr(a, "reason", "")
    if not reason:
        return a.note
    said = t("onecall.refused_reason", reason=reason)
    return f"{said}；{a.note}" if a.note else said


def callback_notes(s: Session, callbacks: list[Callback]) -> dict[int, str]:
    """callback id → its 备注 (``note_text``), read a few hundred callbacks at a time."""
    by_id: dict[int, list[CallAttempt]] = {cb.id: [] for cb in callbacks}
    ids = list(by_id)
    for i in range(0, len(ids), 400):
        for a in s.exec(select(CallAttempt).where(CallAttempt.callback_id.in_(ids[i:i + 400]),
                                                  or_(CallAttempt.note != "", CallAttempt.reason != ""))):
            by_id[a.callback_id].append(a)
    return {cb.id: note_text(by_id[cb.id], cb.note) for cb in callbacks}


def notes_for(s: Session, ids) -> dict[int, str]:  # noqa: ANN001
    """callback id → its 备注 (``note_text``) for ``ids``, a list of ids or a select of them (the
    month's records): one read of the attempts with a note or a 拒访 reason, one of the
    callbacks' own notes. Callbacks with neither are left out."""
    from collections import defaultdict

    attempts: dict[int, list[CallAttempt]] = defaultdict(list)
    for a in s.exec(select(CallAttempt).where(CallAttempt.callback_id.in_(ids),
                                              or_(CallAttempt.note != "", CallAttempt.reason != ""))):
        attempts[a.callback_id].append(a)
    own = dict(s.exec(select(Callback.id, Callback.note).where(Callback.id.in_(ids), Callback.note != "")).all())
    return {cid: note_text(attempts.get(cid, []), own.get(cid, "")) for cid in {*attempts, *own}}
