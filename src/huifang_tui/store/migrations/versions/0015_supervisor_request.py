"""Requests to a supervisor (issue 25 item 5): a 改约 or a deferral past a callback's deadline,
asked by an agent and approved or refused by a supervisor.

A new table; nothing existing changes.

Revision ID: 0015_supervisor_request
Revises: 0014_issue_event_timeline
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_supervisor_request"
down_revision = "0014_issue_event_timeline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervisor_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("callback_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("wanted_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("agent_login", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("answer", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["callback_id"], ["callback.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_supervisor_request_callback_id"), "supervisor_request", ["callback_id"], unique=False)
    op.create_index("ix_supervisor_request_state", "supervisor_request", ["state", "requested_at"], unique=False)
    op.create_index("ix_supervisor_request_by", "supervisor_request", ["requested_by", "requested_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_supervisor_request_by", table_name="supervisor_request")
    op.drop_index("ix_supervisor_request_state", table_name="supervisor_request")
    op.drop_index(op.f("ix_supervisor_request_callback_id"), table_name="supervisor_request")
    op.drop_table("supervisor_request")
