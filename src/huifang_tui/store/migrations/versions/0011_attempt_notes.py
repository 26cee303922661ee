"""Each attempt keeps its own note; the callback's note no longer repeats them (issue 21 §3).

Until now every attempt's note was also appended to ``callback.note`` as ``"MM-DD HH:MM
note"``, so the callback's note grew with each attempt (and every audit row copied it). The
attempts have always kept their own note (``call_attempt.note``), so the copies are taken out
of ``callback.note``: what is left there is the callback's own text (lapse reasons, notes
written by other means). No note is lost: each removed copy is still its attempt's note, and
readers show the attempts' notes followed by the callback's own (``recording.note_text``).
No schema change; the downgrade puts the copies back in front of what is left.

Revision ID: 0011_attempt_notes
Revises: 0010_callback_customer_index
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0011_attempt_notes"
down_revision = "0010_callback_customer_index"
branch_labels = None
depends_on = None


def _moment(v: object) -> datetime:
    return v if isinstance(v, datetime) else datetime.fromisoformat(str(v))


def _copies(conn: sa.engine.Connection, callback_id: int) -> list[str]:
    rows = conn.execute(sa.text("SELECT at, note FROM call_attempt WHERE callback_id = :c AND note <> '' "
                                "ORDER BY at, id"), {"c": callback_id}).all()
    return [f"{_moment(at):%m-%d %H:%M} {note}" for at, note in rows]


def strip_copies(note: str, copies: list[str]) -> str:
    """``note`` without each of ``copies`` (once each, in order) and the line break it came with."""
    pos = 0
    for copy in copies:
        i = note.find(copy, pos)
        if i < 0:
            continue
        j = i + len(copy)
        if j < len(note) and note[j] == "\n":
            j += 1
        elif i > 0 and note[i - 1] == "\n":
            i -= 1
        note, pos = note[:i] + note[j:], i
    return note


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, note FROM callback WHERE note <> '' AND id IN "
                                "(SELECT callback_id FROM call_attempt WHERE note <> '')")).all()
    for cid, note in rows:
        left = strip_copies(note, _copies(conn, cid))
        if left != note:
            conn.execute(sa.text("UPDATE callback SET note = :n WHERE id = :c"), {"n": left, "c": cid})


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, note FROM callback WHERE id IN "
                                "(SELECT callback_id FROM call_attempt WHERE note <> '')")).all()
    for cid, note in rows:
        full = "\n".join([*_copies(conn, cid), *([note] if note else [])])
        if full != note:
            conn.execute(sa.text("UPDATE callback SET note = :n WHERE id = :c"), {"n": full, "c": cid})
