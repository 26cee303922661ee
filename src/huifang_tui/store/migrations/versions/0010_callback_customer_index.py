"""Drop the callback index on ``customer_id`` alone: the unique key
``uq_callback_trigger (customer_id, kind, trigger_ref)`` begins with the same column and serves
every read by customer (SQLite and PostgreSQL use an index's leading column).

Every callback the planner creates went into both. On a centre of 300,000 customers, 16,000
new callbacks land on about 9,000 pages of this index, as many as a quarter of what a run
writes. No row changes; the downgrade rebuilds the index.

Revision ID: 0010_callback_customer_index
Revises: 0009_attempt_agent_index
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0010_callback_customer_index"
down_revision = "0009_attempt_agent_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_callback_customer_id", table_name="callback")


def downgrade() -> None:
    op.create_index("ix_callback_customer_id", "callback", ["customer_id"])
