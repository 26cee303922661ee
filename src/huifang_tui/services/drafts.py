"""Drafts of a call being typed: saved as typed, offered back on reopen (SPEC §4, §6)."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from ..store.models import CallDraft
from .base import Actor, Store, acting


def save_draft(store: Store, actor: Actor, callback_id: int, data: dict) -> None:
    """Saved as typed (debounced by the screen): survives a crash or a dropped SSH session."""
    now = store.now()
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    bound_draft(text)
    with store.write() as s:
        acting(s, actor)
        row = s.exec(select(CallDraft).where(CallDraft.callback_id == callback_id, CallDraft.login == actor.login)).first()
        if row is None:
            row = CallDraft(callback_id=callback_id, login=actor.login, data=text, updated_at=now)
        elif row.data == text:
            return
        row.data, row.updated_at = text, now
        s.add(row)


def bound_draft(text: str) -> None:
    """A draft is refused (exit 1) over ``DRAFT_MAX`` characters: it lives in the shared store."""
    from ..domain.limits import DRAFT_MAX
    from .limits import bound_to

    bound_to({"draft": text}, DRAFT_MAX)


def discard_draft(store: Store, actor: Actor, callback_id: int) -> None:
    with store.write() as s:
        acting(s, actor)
        drop_draft(s, actor, callback_id)


def drop_draft(s: Session, actor: Actor, callback_id: int) -> None:
    row = s.exec(select(CallDraft).where(CallDraft.callback_id == callback_id, CallDraft.login == actor.login)).first()
    if row is not None:
        s.delete(row)
