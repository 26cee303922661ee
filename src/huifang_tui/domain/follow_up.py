"""What follows a callback record, and its 跟进状态 (SPEC §3; issue 22 items 4 and 6).

One definition, read by the month view, the .xlsx and .csv, ``callbacks --json``, the board,
the KPIs, the planner and the customer card:

- a score is *low* when it is under the policy's ``low_score.threshold`` (``is_low_score``);
- a completed record *owes* a low-score follow-up when any score is low or the customer gave
  negative feedback, and an on-site visit when one was flagged (``owed_kinds``);
- 跟进状态 (``follow_up_state``) from what is owed and what exists: the follow-up callbacks
  (kind ``low_score`` / ``onsite`` with trigger ``cb:<回访编号>``) and the issues raised from
  the record:

  ``needed``       需跟进   a follow-up is owed and none exists yet;
  ``in_progress``  跟进中   a follow-up callback or an issue is open;
  ``done``         已跟进   every one of them is closed;
  ``none``         无需跟进 nothing is owed and nothing follows.

  A record with any score under the threshold is never ``none``. A record not completed with
  nothing following it has no 跟进状态 yet (``None``): the form shows its own state there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .policy import Policy

#: the low-score threshold when no policy is at hand (the policy's own default, not a copy)
DEFAULT_THRESHOLD: int = Policy.low_score_threshold

#: the kinds of callback that follow a record (trigger ``cb:<回访编号>``); the chain links
#: (quarterly, inactivity) that share that trigger are the next visit, not a follow-up
FOLLOW_UP_KINDS: tuple[str, ...] = ("low_score", "onsite")

#: callback statuses of a follow-up still to be done; ``cancelled`` ones are as if never made
OPEN_FOLLOW_UP = ("open", "waiting_data")
#: issue statuses of a closed issue (solved is not closed: the customer has not been told)
CLOSED_ISSUE = ("closed",)

STATES: tuple[str, ...] = ("needed", "in_progress", "done", "none")


def is_low_score(score: int | None, threshold: int) -> bool:
    """A score under the threshold (a missing score is not low)."""
    return score is not None and score < threshold


def any_low(scores: Iterable[int | None], threshold: int) -> bool:
    return any(is_low_score(s, threshold) for s in scores)


def trigger_of(number: str) -> str:
    """The trigger ref of what follows the record *number*."""
    return f"cb:{number}"


def owed_kinds(*, score_resolution: int | None, score_attitude: int | None, negative_feedback: bool,
               needs_onsite: bool, threshold: int) -> tuple[str, ...]:
    """The follow-up kinds a completed record calls for (003 四; 000 第8条)."""
    out: list[str] = []
    if negative_feedback or any_low((score_resolution, score_attitude), threshold):
        out.append("low_score")
    if needs_onsite:
        out.append("onsite")
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Following:
    """What follows one record: ``(kind, status)`` of its follow-up callbacks, its issues' statuses."""

    follow_ups: tuple[tuple[str, str], ...] = ()
    issues: tuple[str, ...] = ()


def follow_up_state(*, completed: bool, owed: Iterable[str], following: Following) -> str | None:
    """跟进状态 of a record (see the module's docstring)."""
    live = [(k, st) for k, st in following.follow_ups if k in FOLLOW_UP_KINDS and st != "cancelled"]
    owed = tuple(owed) if completed else ()
    if any(k not in {lk for lk, _ in live} for k in owed):
        return "needed"
    if any(st in OPEN_FOLLOW_UP for _, st in live) or any(st not in CLOSED_ISSUE for st in following.issues):
        return "in_progress"
    if live or following.issues:
        return "done"
    return "none" if completed else None
