"""Callbacks keep the due date they were created with (SPEC §7 counts months by it).

Existing rows get their current due_on: the best that is known of them.

Revision ID: 0002_planned_due_on
Revises: 0001_baseline
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_planned_due_on"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # add_column, not a table rebuild: nothing else in the callback table is touched.
    op.add_column("callback", sa.Column("planned_due_on", sa.Date(), nullable=True))
    op.execute("UPDATE callback SET planned_due_on = due_on WHERE planned_due_on IS NULL")
    op.create_index(op.f("ix_callback_planned_due_on"), "callback", ["planned_due_on"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_callback_planned_due_on"), table_name="callback")
    op.drop_column("callback", "planned_due_on")
