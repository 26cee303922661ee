"""The planner follows what changed: sales and events get an ``updated_at`` stamp, and the
stamps it reads are indexed (issue 13 §2).

Existing sales and events keep a NULL stamp: the planner has already planned them. The
planner's watermark is rewound (``planner.watermark`` emptied) so that the first
run after the upgrade is a full one, as the code before this change would have done; no
record is changed or removed.

Revision ID: 0008_planner_marks
Revises: 0007_month_indexes
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_planner_marks"
down_revision = "0007_month_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # add_column, not a table rebuild: nothing else in these tables is touched
    op.add_column("sale", sa.Column("updated_at", sa.DateTime(), nullable=True))
    op.add_column("non_member_event", sa.Column("updated_at", sa.DateTime(), nullable=True))
    op.create_index("ix_sale_updated_at", "sale", ["updated_at"])
    op.create_index("ix_non_member_event_updated_at", "non_member_event", ["updated_at"])
    op.create_index("ix_work_order_updated_at", "work_order", ["updated_at"])
    op.create_index("ix_work_order_open", "work_order", ["actual_completion", "planned_completion"])
    op.create_index("ix_callback_status_updated", "callback", ["status", "updated_at"])
    op.create_index("ix_callback_status_deadline", "callback", ["status", "deadline_on"])
    op.create_index("ix_callback_kind_status", "callback", ["kind", "status"])
    op.execute("UPDATE setting SET value = '' WHERE key = 'planner.watermark'")


def downgrade() -> None:
    op.drop_index("ix_callback_kind_status", table_name="callback")
    op.drop_index("ix_callback_status_deadline", table_name="callback")
    op.drop_index("ix_callback_status_updated", table_name="callback")
    op.drop_index("ix_work_order_open", table_name="work_order")
    op.drop_index("ix_work_order_updated_at", table_name="work_order")
    op.drop_index("ix_non_member_event_updated_at", table_name="non_member_event")
    op.drop_index("ix_sale_updated_at", table_name="sale")
    op.drop_column("non_member_event", "updated_at")
    op.drop_column("sale", "updated_at")
