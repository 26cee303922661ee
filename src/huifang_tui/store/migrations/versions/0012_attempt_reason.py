"""Call attempts keep the reason a customer gave for refusing the callback (拒访, SPEC §3).

A 拒访 closes the callback with its reason (required, one line, issue 22 §7). The reason is
what the agent typed; it is shown in the 备注 of the month view and the exports. Existing
rows: no reason is known (empty).

Revision ID: 0012_attempt_reason
Revises: 0011_attempt_notes
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_attempt_reason"
down_revision = "0011_attempt_notes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("call_attempt", sa.Column("reason", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("call_attempt", "reason")
