"""The schema revision this code needs, readable without importing alembic (start-up speed).

``REVISIONS`` lists every migration in ``store/migrations/versions`` oldest first; a test
checks it against alembic's own history. Normal commands compare the database's
``alembic_version`` with ``HEAD`` on a plain read: they never migrate and never take the
write lock to do so (``huifang db upgrade`` migrates).
"""

from __future__ import annotations

REVISIONS: tuple[str, ...] = (
    "0001_baseline",
    "0002_planned_due_on",
    "0003_customer_initials",
    "0004_issue_ledger",
    "0005_attempt_entered_at",
    "0006_report_month",
    "0007_month_indexes",
    "0008_planner_marks",
    "0009_attempt_agent_index",
    "0010_callback_customer_index",
    "0011_attempt_notes",
    "0012_attempt_reason",
    "0013_message_codes",
    "0014_issue_event_timeline",
    "0015_supervisor_request",
    "0016_notification",
)
HEAD = REVISIONS[-1]

# What a database's stored revision means for this code.
CURRENT, BEHIND, AHEAD, EMPTY = "current", "behind", "ahead", "empty"


def classify(stored: str | None, has_tables: bool) -> str:
    """``stored`` is alembic_version's value (None when that table is missing).

    A database made before migrations existed has tables but no alembic_version: it is the
    baseline, hence behind.
    """
    if stored is None:
        return BEHIND if has_tables else EMPTY
    if stored == HEAD:
        return CURRENT
    if stored in REVISIONS:
        return BEHIND
    return AHEAD
