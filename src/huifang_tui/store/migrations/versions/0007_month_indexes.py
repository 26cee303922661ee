"""Indexes that give a month's records in 回访编号 order without reading every row.

``ix_callback_planned_due_on`` and ``ix_callback_completed`` grow a trailing ``number`` (the
old ones are replaced, nothing else changes); call attempts get an index on when they happened
(a month's attempted callbacks were found by reading every attempt).

Revision ID: 0007_month_indexes
Revises: 0006_report_month
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0007_month_indexes"
down_revision = "0006_report_month"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_callback_planned_number", "callback", ["planned_due_on", "number"])
    op.create_index("ix_callback_completed_number", "callback", ["status", "completed_at", "number"])
    op.create_index("ix_call_attempt_at", "call_attempt", ["at", "callback_id"])
    op.drop_index("ix_callback_planned_due_on", table_name="callback")
    op.drop_index("ix_callback_completed", table_name="callback")


def downgrade() -> None:
    op.create_index("ix_callback_completed", "callback", ["status", "completed_at"])
    op.create_index("ix_callback_planned_due_on", "callback", ["planned_due_on"])
    op.drop_index("ix_call_attempt_at", table_name="call_attempt")
    op.drop_index("ix_callback_completed_number", table_name="callback")
    op.drop_index("ix_callback_planned_number", table_name="callback")
