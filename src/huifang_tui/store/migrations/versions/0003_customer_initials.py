"""Customers get the pinyin initials of their name, for search (sxht finds 绍兴恒泰化工).

Revision ID: 0003_customer_initials
Revises: 0002_planned_due_on
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_customer_initials"
down_revision = "0002_planned_due_on"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from huifang_tui.store.search_key import initials

    op.add_column("customer", sa.Column("name_initials", sa.String(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM customer")).all()
    for i in range(0, len(rows), 1000):
        conn.execute(sa.text("UPDATE customer SET name_initials = :v WHERE id = :id"),
                     [{"v": initials(name), "id": cid} for cid, name in rows[i:i + 1000]])


def downgrade() -> None:
    op.drop_column("customer", "name_initials")
