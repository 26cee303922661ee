"""Call attempts keep when they were entered besides when they happened (补录, SPEC §7).

Existing rows: entered when they happened (nothing better is known), not late.

Revision ID: 0005_attempt_entered_at
Revises: 0004_issue_ledger
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_attempt_entered_at"
down_revision = "0004_issue_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("call_attempt", sa.Column("entered_at", sa.DateTime(), nullable=True))
    op.add_column("call_attempt", sa.Column("late_entry", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE call_attempt SET entered_at = at WHERE entered_at IS NULL")


def downgrade() -> None:
    op.drop_column("call_attempt", "late_entry")
    op.drop_column("call_attempt", "entered_at")
