"""Issue (问题) deadlines, escalation and closing (SPEC §3; 001 六, 003 二, 000 §4.11).

Spans: ``h``/``d`` are counted from ``raised_at``; an acknowledgement in ``wd`` is due by the
end (23:59:59) of the n-th working day after the day it was raised; a solution is due by a
date (n-th working day after, or n calendar days moved back to a working day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .calendar import WorkCalendar
from .policy import ISSUE_PRIORITIES, Policy, Span

LEVELS: tuple[str, ...] = ("owner", "supervisor", "general_manager")  # 责任人 / 部门负责人 / 总经理
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True, slots=True)
class IssueDeadlines:
    ack_by: datetime
    solve_by: date
    update_every: timedelta


def _ack_by(span: Span, raised_at: datetime, cal: WorkCalendar) -> datetime:
    if span.unit == "wd":
        return datetime.combine(cal.add_working_days(raised_at.date(), span.amount), END_OF_DAY)
    return raised_at + span.as_timedelta()


def issue_deadlines(priority: str, raised_at: datetime, policy: Policy,
                    cal: WorkCalendar) -> IssueDeadlines:
    """Deadlines of an issue raised at *raised_at* with priority urgent / normal / low."""
    if priority not in ISSUE_PRIORITIES:
        raise ValueError(f"unknown issue priority {priority!r}")
    rule = policy.issue_rules[priority]
    day = raised_at.date()
    if rule.solve.unit == "wd":
        solve_by = cal.add_working_days(day, rule.solve.amount)
    else:
        solve_by = max(cal.on_or_before(day + rule.solve.as_timedelta()), cal.on_or_after(day))
    return IssueDeadlines(_ack_by(rule.ack, raised_at, cal), solve_by, rule.update.as_timedelta())


def escalation_level(is_complaint: bool, ack_by: datetime, acknowledged_at: datetime | None,
                     solve_by: date, solved_at: datetime | None, now: datetime) -> int:
    """0 owner, 1 supervisor/部门负责人, 2 总经理.

    A complaint is level 2 at once (000 §4.11).  Each missed deadline (acknowledgement,
    solution) raises the level by one; a deadline met late stays missed (levels never drop).
    """
    if is_complaint:
        return 2
    ack_missed = (acknowledged_at or now) > ack_by
    solve_missed = (solved_at or now).date() > solve_by
    return min(2, int(ack_missed) + int(solve_missed))


def update_overdue(last_update_at: datetime, update_every: timedelta, now: datetime) -> bool:
    """A progress update is owed (SPEC §3; 003 二 每24小时). Pass raised_at if none yet."""
    return now > last_update_at + update_every


def can_close(solution: str | None, told_on: date | None, satisfaction: int | None) -> list[str]:
    """Missing-field codes blocking closure (001 六(二)3): solution, told_on, satisfaction."""
    missing = []
    if not (solution or "").strip():
        missing.append("solution")
    if told_on is None:
        missing.append("told_on")
    if satisfaction is None or not 1 <= satisfaction <= 5:
        missing.append("satisfaction")
    return missing
