"""跟进状态 read for many records at once (the rule is ``domain.follow_up``).

The month's records (``report``) and ``huifang callbacks --json`` (``listing``) both ask here
what follows each record: its follow-up callbacks (kind ``low_score`` / ``onsite``, trigger
``cb:<回访编号>``), read by customer on ``uq_callback_trigger`` (customer_id, kind), and the
statuses of the issues raised from it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sqlmodel import Session, select

from ..domain.follow_up import FOLLOW_UP_KINDS, Following, follow_up_state, owed_kinds
from ..store.queries import chunked
from ..store.models import Callback, Issue
from .calendar import load_policy

_CHUNK = 500


def following_of(conn, numbers_by_customer: Mapping[int, set[str]],  # noqa: ANN001
                 issue_statuses: Mapping[str, Sequence[str]]) -> dict[str, Following]:
    """What follows each record (by 回访编号); *conn* is the session's connection."""
    ups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for chunk in chunked(sorted(numbers_by_customer), _CHUNK):
        for ref, kind, status in conn.execute(
                select(Callback.trigger_ref, Callback.kind, Callback.status)
                .where(Callback.customer_id.in_(chunk), Callback.kind.in_(FOLLOW_UP_KINDS))):
            if ref.startswith("cb:"):
                ups[ref[3:]].append((kind, status))
    numbers: set[str] = set().union(*numbers_by_customer.values()) if numbers_by_customer else set()
    return {n: Following(tuple(ups.get(n, ())), tuple(issue_statuses.get(n, ()))) for n in numbers}


def states_of(s: Session, callbacks: Iterable[Callback]) -> dict[str, str | None]:
    """回访编号 → 跟进状态 code (``needed``, ``in_progress``, ``done``, ``none``; None for a
    record not completed that nothing follows yet)."""
    cbs = list(callbacks)
    if not cbs:
        return {}
    conn = s.connection()
    threshold = load_policy(s).low_score_threshold
    by_id = {cb.id: cb.number for cb in cbs}
    issues: dict[str, list[str]] = defaultdict(list)
    for chunk in chunked(sorted(by_id), _CHUNK):
        for cid, status in conn.execute(select(Issue.callback_id, Issue.status).where(Issue.callback_id.in_(chunk))):
            issues[by_id[cid]].append(status)
    by_customer: dict[int, set[str]] = defaultdict(set)
    for cb in cbs:
        by_customer[cb.customer_id].add(cb.number)
    following = following_of(conn, by_customer, issues)
    out: dict[str, str | None] = {}
    for cb in cbs:
        owed = owed_kinds(score_resolution=cb.score_resolution, score_attitude=cb.score_attitude,
                          negative_feedback=bool(cb.negative_feedback), needs_onsite=bool(cb.needs_onsite),
                          threshold=threshold)
        out[cb.number] = follow_up_state(completed=cb.status == "completed", owed=owed,
                                         following=following[cb.number])
    return out
