"""The issue ledger: departments, a user's department, waiting and verification on issues,
event kinds named as the ledger shows them (SPEC §3, §4; 001 六; issue 10).

Existing data: the default departments are added, plus every department name already typed
on an issue (so none becomes invalid); event kinds of the first release are renamed
(escalate → escalated, verify → verified, …). Nothing is dropped.

Revision ID: 0004_issue_ledger
Revises: 0003_customer_initials
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0004_issue_ledger"
down_revision = "0003_customer_initials"
branch_labels = None
depends_on = None

DEFAULT_DEPARTMENTS = ("售后服务部", "技术支持组", "退换货组", "投诉处理组", "销售部", "市场部", "质量部")
RENAMED_KINDS = {"assign": "assigned", "ack": "acknowledged", "solve": "solution", "close": "closed",
                 "escalate": "escalated", "verify": "verified"}


def upgrade() -> None:
    department = op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_department_name"), "department", ["name"], unique=True)
    op.add_column("app_user", sa.Column("department", sa.String(), nullable=True))
    op.add_column("issue", sa.Column("waiting_since", sa.DateTime(), nullable=True))
    op.add_column("issue", sa.Column("verify_result", sa.String(), nullable=True))
    op.add_column("issue", sa.Column("verify_callback", sa.String(), nullable=True))
    op.create_index("ix_issue_status_raised", "issue", ["status", "raised_at"], unique=False)

    conn = op.get_bind()
    typed = [r[0] for r in conn.execute(sa.text(
        "SELECT DISTINCT department FROM issue WHERE department IS NOT NULL AND department != ''"))]
    names = list(DEFAULT_DEPARTMENTS) + [n for n in typed if n not in DEFAULT_DEPARTMENTS]
    now = datetime.now().replace(microsecond=0)
    op.bulk_insert(department, [{"name": n, "active": True, "created_at": now} for n in names])
    for old, new in RENAMED_KINDS.items():
        conn.execute(sa.text("UPDATE issue_event SET kind = :new WHERE kind = :old"), {"old": old, "new": new})


def downgrade() -> None:
    conn = op.get_bind()
    for old, new in RENAMED_KINDS.items():
        conn.execute(sa.text("UPDATE issue_event SET kind = :old WHERE kind = :new"), {"old": old, "new": new})
    op.drop_index("ix_issue_status_raised", table_name="issue")
    with op.batch_alter_table("issue") as batch:
        batch.drop_column("verify_callback")
        batch.drop_column("verify_result")
        batch.drop_column("waiting_since")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("department")
    op.drop_index(op.f("ix_department_name"), table_name="department")
    op.drop_table("department")
