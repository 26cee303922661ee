"""The month's sign-off and spot checks (issue 11): report snapshots (a version per approval
or amendment, old ones kept) and 抽查 rows. New tables only; nothing existing is touched.

Revision ID: 0006_report_month
Revises: 0005_attempt_entered_at
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006_report_month"
down_revision = "0005_attempt_entered_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("data", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("month", "version", name="uq_report_snapshot"),
    )
    op.create_index(op.f("ix_report_snapshot_month"), "report_snapshot", ["month"], unique=False)
    op.create_table(
        "spot_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("callback_id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("drawn_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        sa.Column("accurate", sa.Boolean(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("marked_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("marked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["callback_id"], ["callback.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("callback_id", name="uq_spot_check"),
    )
    op.create_index(op.f("ix_spot_check_month"), "spot_check", ["month"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_spot_check_month"), table_name="spot_check")
    op.drop_table("spot_check")
    op.drop_index(op.f("ix_report_snapshot_month"), table_name="report_snapshot")
    op.drop_table("report_snapshot")
