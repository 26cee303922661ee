"""Working a callback (SPEC §3, §4): one module per concern, re-exported here.

- ``calls``: opening a call, the call card, claims (a claim covers the customer)
- ``drafts``: what is typed, saved as typed
- ``recording``: attempts and outcomes, deferral
- ``assignment``: who works a callback
- issue raising, below
"""

from __future__ import annotations

from ..domain.issues import issue_deadlines
from ..i18n import t
from ..store.models import Issue, IssueEvent
from .assignment import assign  # noqa: F401
from .base import Actor, Store, ValidationError, audit, next_number
from .calendar import load_calendar, load_policy
from .calls import CallView, heartbeat, open_call, release  # noqa: F401
from .calls import get_callback as _get  # noqa: F401
from .calls import may_work as _may_work
from .calls import workable as _workable  # noqa: F401
from .drafts import discard_draft, save_draft  # noqa: F401
from .drafts import drop_draft as _drop_draft  # noqa: F401
from .recording import AttemptResult, CallRecord, defer, outcome_message, record_attempt, validate  # noqa: F401


# -- issues raised from a call ---------------------------------------------------------


def raise_issue(store: Store, actor: Actor, number: str, *, title: str, description: str = "",
                category: str = "other", priority: str = "normal", is_complaint: bool = False,
                department: str = "") -> Issue:
    """An Issue linked to the callback with its SPEC §3 deadlines; a complaint goes to 总经理 at once."""
    if not title.strip():
        raise ValidationError(t("issue.err.title"))
    if category not in ("product", "service", "need", "other"):
        raise ValidationError(t("issue.err.category", value=category))
    if priority not in ("urgent", "normal", "low"):
        raise ValidationError(t("issue.err.priority", value=priority))
    now = store.now()
    with store.write() as s:
        cb = _get(s, number)
        _may_work(actor, cb)
        cal, policy = load_calendar(s), load_policy(s)
        dl = issue_deadlines(priority, now, policy, cal)
        issue = Issue(
            number=next_number(s, "WT", now.date()), customer_id=cb.customer_id, callback_id=cb.id,
            title=title.strip(), description=description.strip(), category=category, priority=priority,
            is_complaint=is_complaint, department=department.strip(), owner_login=None,
            level=2 if is_complaint else 0, raised_at=now, raised_by=actor.login,
            ack_by=dl.ack_by, solve_by=dl.solve_by, last_update_at=now,
        )
        s.add(issue)
        s.flush()
        s.add(IssueEvent(issue_id=issue.id, at=now, login=actor.login, kind="raised", text=title.strip()))
        if is_complaint:
            s.add(IssueEvent(issue_id=issue.id, at=now, login=actor.login, kind="escalate", text=t("issue.complaint_gm")))
        audit(s, actor, now, "issue.raise", "issue", issue.number, None, issue)
    return issue
