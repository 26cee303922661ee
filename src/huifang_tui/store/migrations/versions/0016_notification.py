"""Notifications (issue 26): the outbox of messages owed to people outside the app, and every
try at delivering them.

Two new tables; nothing existing changes.

Revision ID: 0016_notification
Revises: 0015_supervisor_request
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_notification"
down_revision = "0015_supervisor_request"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("ref", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("params", sa.String(), nullable=False),
        sa.Column("attach", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("leased_by", sa.String(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.Column("answer", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "ref", "channel", name="ux_notification_event"),
    )
    op.create_index("ix_notification_due", "notification", ["state", "next_try_at"], unique=False)
    op.create_index("ix_notification_created", "notification", ["created_at"], unique=False)
    op.create_table(
        "notification_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_notification_attempt_notification_id"), "notification_attempt",
                    ["notification_id"], unique=False)
    op.create_index("ix_notification_attempt_channel", "notification_attempt", ["channel", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notification_attempt_channel", table_name="notification_attempt")
    op.drop_index(op.f("ix_notification_attempt_notification_id"), table_name="notification_attempt")
    op.drop_table("notification_attempt")
    op.drop_index("ix_notification_created", table_name="notification")
    op.drop_index("ix_notification_due", table_name="notification")
    op.drop_table("notification")
