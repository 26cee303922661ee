"""Issue events keep when they were entered, and escalations can be withdrawn (issue 23).

An issue action is stated at the time it happened (``--when``) and entered later; the event
keeps both, and one entered more than one working day late is marked 补录 (``late_entry``).
An escalation the clock wrote for a deadline that a late entry shows was met is withdrawn,
not deleted: ``withdrawn_at`` says when, ``withdrawn_by`` names the event that withdrew it.
Existing rows: when they were entered is not known (NULL, not late); none is withdrawn.

Revision ID: 0014_issue_event_timeline
Revises: 0013_message_codes
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_issue_event_timeline"
down_revision = "0013_message_codes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issue_event") as batch:
        batch.add_column(sa.Column("entered_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("late_entry", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("withdrawn_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issue_event") as batch:
        batch.drop_column("withdrawn_by")
        batch.drop_column("withdrawn_at")
        batch.drop_column("late_entry")
        batch.drop_column("entered_at")
