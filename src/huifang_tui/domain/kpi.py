"""Monthly KPIs of the 回访汇总表 (SPEC §7; 001 七(三), 八(二); 004 四(一)).

Pure: plain rows in, figures out. The services load the rows; every door (CLI, export,
screen, board) calls :func:`monthly_kpis` so nothing counts differently.

Populations (SPEC §7):
- ``due`` and what is "of ``due``": callbacks whose *planned* due date is in M, not cancelled.
- ``scored``, ``spot_checked``, ``leads``: callbacks completed in M by their stated time.
- issues: raised in M; ``issue_late_entries`` those with an action entered late (补录), as
  ``late_entries`` counts the completions entered late.
Attribution: a completed callback counts for the login on its completing attempt; any other
for its ``agent_login`` at report time, unassigned under ``"_pool"``; issues for the login
who raised them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from .calendar import WorkCalendar
from .follow_up import DEFAULT_THRESHOLD, any_low

POOL = "_pool"

#: every SPEC §7 key, in the table's order (the JSON and the exports keep this order)
KPI_KEYS: tuple[str, ...] = (
    "due", "completed", "completion_rate", "on_time", "on_time_rate", "unreachable",
    "late_entries", "scored", "avg_resolution", "avg_attitude", "satisfied_rate", "low_scores",
    "score_counts", "issues_raised", "issues_ack_on_time", "issue_ack_on_time_rate",
    "issues_closed", "issue_resolution_rate", "issues_on_time", "issue_on_time_rate",
    "issues_reopened", "issue_late_entries", "complaints", "complaint_rate", "spot_checked", "accurate_rate",
    "leads", "leads_converted",
)
RATE_KEYS = frozenset(k for k in KPI_KEYS if k.endswith("_rate"))
AVG_KEYS = frozenset({"avg_resolution", "avg_attitude"})
UNREACHABLE_STATES = frozenset({"unreachable", "refused", "waiting_data"})

_RATE_Q = Decimal("0.0001")
_AVG_Q = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM``; ValueError otherwise."""
        y, sep, m = text.strip().partition("-")
        if not sep or len(y) != 4 or len(m) != 2 or not (y.isdigit() and m.isdigit()):
            raise ValueError(text)
        mon = cls(int(y), int(m))
        if not 1 <= mon.month <= 12:
            raise ValueError(text)
        return mon

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next_first(self) -> date:
        return date(self.year + self.month // 12, self.month % 12 + 1, 1)

    def contains(self, d: date | datetime | None) -> bool:
        if d is None:
            return False
        if isinstance(d, datetime):
            d = d.date()
        return self.first <= d < self.next_first

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, slots=True)
class CallbackRow:
    """One callback as the KPIs need it (times are the *stated* times)."""

    number: str
    status: str
    planned_due_on: date
    deadline_on: date
    deadline_at: datetime | None = None
    agent_login: str | None = None  # at report time; None = the pool
    completed_by: str | None = None  # login on the completing attempt
    completed_at: datetime | None = None  # stated time of the completing attempt
    entered_at: datetime | None = None  # when that attempt was typed in
    score_resolution: int | None = None
    score_attitude: int | None = None
    sales_lead: bool = False
    customer_id: int = 0
    spot_check: bool | None = None  # None not marked · True accurate · False inaccurate


@dataclass(frozen=True, slots=True)
class IssueRow:
    """One issue as the KPIs need it; the service feeds it whatever the ledger knows.

    ``solve_by`` is already moved later by the time spent waiting on the customer.
    ``closed_at`` is the closure standing at report time (None if open or reopened).
    """

    number: str
    raised_by: str
    raised_at: datetime
    ack_by: datetime
    solve_by: date
    acknowledged_at: datetime | None = None
    solved_at: datetime | None = None
    closed_at: datetime | None = None
    reopened: bool = False
    is_complaint: bool = False
    late_entry: bool = False  # an action of it entered more than one working day late (补录)


def rate(num: int, den: int) -> Decimal | None:
    """A fraction rounded half-up to 4 places; None for a zero denominator (SPEC §7)."""
    if den == 0:
        return None
    return (Decimal(num) / Decimal(den)).quantize(_RATE_Q, rounding=ROUND_HALF_UP)


def average(total: int, n: int) -> Decimal | None:
    """A mean rounded half-up to 2 places; None for no values (SPEC §7)."""
    if n == 0:
        return None
    return (Decimal(total) / Decimal(n)).quantize(_AVG_Q, rounding=ROUND_HALF_UP)


def is_on_time(row: CallbackRow) -> bool:
    """Stated completion time ≤ ``deadline_at`` when hour-based, else its date ≤ ``deadline_on``."""
    if row.completed_at is None:
        return False
    if row.deadline_at is not None:
        return row.completed_at <= row.deadline_at
    return row.completed_at.date() <= row.deadline_on


def is_late_entry(row: CallbackRow, cal: WorkCalendar, cache: dict | None = None) -> bool:
    """补录: typed in more than one working day after its stated time. *cache* memoises the
    calendar per stated date (a month has few dates and many records)."""
    if row.completed_at is None or row.entered_at is None:
        return False
    day = row.completed_at.date()
    limit = cache.get(day) if cache is not None else None
    if limit is None:
        limit = cal.add_working_days(day, 1)
        if cache is not None:
            cache[day] = limit
    return row.entered_at.date() > limit


def counts_in_due(month: Month, planned_due_on: date | None, status: str) -> bool:
    """Of M's ``due`` (完成率, 及时率): planned in M, not cancelled (SPEC §7)."""
    return month.contains(planned_due_on) and status != "cancelled"


def counts_in_scored(month: Month, status: str, completed_at: date | datetime | None) -> bool:
    """Of M's completed work (scores, spot checks, leads): completed in M by its stated time."""
    return status == "completed" and month.contains(completed_at)


#: which of month M's populations a record of its sheet belongs to (issue 25 item 26): planned
#: and done in M; planned in M (done in another month, or not done); done in M (planned in
#: another); neither (only attempted in M: it counts in no figure of M)
PLANNED_AND_DONE, PLANNED, DONE, CALLS_ONLY = "planned_and_done", "planned", "done", "calls_only"
PARTS: tuple[str, ...] = (PLANNED_AND_DONE, PLANNED, DONE, CALLS_ONLY)


def month_part(month: Month, planned_due_on: date | None, status: str,
               completed_at: date | datetime | None) -> str:
    """The record's part in M: the same two tests :func:`monthly_kpis` counts with."""
    due = counts_in_due(month, planned_due_on, status)
    done = counts_in_scored(month, status, completed_at)
    if due and done:
        return PLANNED_AND_DONE
    return PLANNED if due else DONE if done else CALLS_ONLY


def callback_login(row: CallbackRow) -> str:
    if row.status == "completed" and row.completed_by:
        return row.completed_by
    return row.agent_login or POOL


class _Tally:
    __slots__ = ("due", "completed", "on_time", "unreachable", "late", "scored", "sum_res",
                 "sum_att", "satisfied", "low", "res_counts", "att_counts", "spot", "accurate",
                 "leads", "converted", "issues", "ack_ok", "closed", "solve_ok", "reopened",
                 "issue_late", "complaints")

    def __init__(self) -> None:
        for name in self.__slots__:
            setattr(self, name, 0)
        self.res_counts = [0] * 5
        self.att_counts = [0] * 5

    def figures(self) -> dict:
        return {
            "due": self.due,
            "completed": self.completed,
            "completion_rate": rate(self.completed, self.due),
            "on_time": self.on_time,
            "on_time_rate": rate(self.on_time, self.due),
            "unreachable": self.unreachable,
            "late_entries": self.late,
            "scored": self.scored,
            "avg_resolution": average(self.sum_res, self.scored),
            "avg_attitude": average(self.sum_att, self.scored),
            "satisfied_rate": rate(self.satisfied, self.scored),
            "low_scores": self.low,
            "score_counts": {"resolution": list(self.res_counts), "attitude": list(self.att_counts)},
            "issues_raised": self.issues,
            "issues_ack_on_time": self.ack_ok,
            "issue_ack_on_time_rate": rate(self.ack_ok, self.issues),
            "issues_closed": self.closed,
            "issue_resolution_rate": rate(self.closed, self.issues),
            "issues_on_time": self.solve_ok,
            "issue_on_time_rate": rate(self.solve_ok, self.issues),
            "issues_reopened": self.reopened,
            "issue_late_entries": self.issue_late,
            "complaints": self.complaints,
            "complaint_rate": rate(self.complaints, self.scored),
            "spot_checked": self.spot,
            "accurate_rate": rate(self.accurate, self.spot),
            "leads": self.leads,
            "leads_converted": self.converted,
        }


@dataclass(frozen=True, slots=True)
class MonthlyKpis:
    overall: dict
    agents: dict[str, dict]  # login (or "_pool") -> figures; sorted by login


def empty_figures() -> dict:
    return _Tally().figures()


def monthly_kpis(
    month: Month,
    callbacks: Iterable[CallbackRow],
    issues: Iterable[IssueRow],
    *,
    now: datetime,
    cal: WorkCalendar,
    low_score_threshold: int = DEFAULT_THRESHOLD,
    sales_by_customer: Mapping[int, Sequence[date]] | None = None,
    include: Callable[[str], bool] | None = None,
) -> MonthlyKpis:
    """The SPEC §7 figures for *month*, overall and per login.

    *callbacks* may hold more than M's (only the ones that belong are counted): those due in M
    by planned date and those completed in M. *include* limits the logins counted (an agent
    sees only their own row); the overall then covers only what is included.
    """
    sales = sales_by_customer or {}
    late_cache: dict = {}
    overall = _Tally()
    per: dict[str, _Tally] = {}

    def tallies(login: str) -> tuple[_Tally, ...]:
        if include is not None and not include(login):
            return ()
        t = per.get(login)
        if t is None:
            t = per[login] = _Tally()
        return (overall, t)

    for row in callbacks:
        login = callback_login(row)
        done = row.status == "completed"
        if counts_in_due(month, row.planned_due_on, row.status):
            on_time = done and is_on_time(row)
            late = done and is_late_entry(row, cal, late_cache)
            for t in tallies(login):
                t.due += 1
                if done:
                    t.completed += 1
                    t.on_time += on_time
                    t.late += late
                elif row.status in UNREACHABLE_STATES:
                    t.unreachable += 1
        if counts_in_scored(month, row.status, row.completed_at):
            both = row.score_resolution is not None and row.score_attitude is not None
            converted = row.sales_lead and any(
                row.completed_at.date() < d <= now.date() for d in sales.get(row.customer_id, ())
            )
            for t in tallies(login):
                if both:
                    r, a = row.score_resolution, row.score_attitude
                    t.scored += 1
                    t.sum_res += r
                    t.sum_att += a
                    t.satisfied += r >= 4 and a >= 4
                    t.low += any_low((r, a), low_score_threshold)
                    if 1 <= r <= 5:
                        t.res_counts[r - 1] += 1
                    if 1 <= a <= 5:
                        t.att_counts[a - 1] += 1
                if row.spot_check is not None:
                    t.spot += 1
                    t.accurate += row.spot_check
                if row.sales_lead:
                    t.leads += 1
                    t.converted += converted
    for iss in issues:
        if not month.contains(iss.raised_at):
            continue
        ack_ok = iss.acknowledged_at is not None and iss.acknowledged_at <= iss.ack_by
        closed = iss.closed_at is not None and iss.closed_at <= now
        solve_ok = iss.solved_at is not None and iss.solved_at.date() <= iss.solve_by
        for t in tallies(iss.raised_by):
            t.issues += 1
            t.ack_ok += ack_ok
            t.closed += closed
            t.solve_ok += solve_ok
            t.reopened += iss.reopened
            t.issue_late += iss.late_entry
            t.complaints += iss.is_complaint
    agents = {login: per[login].figures() for login in sorted(per)}
    return MonthlyKpis(overall.figures(), agents)


def as_json_number(v: object) -> object:
    """Decimal → float for JSON (0.8333 stays 0.8333); everything else unchanged."""
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, dict):
        return {k: as_json_number(x) for k, x in v.items()}
    if isinstance(v, list):
        return [as_json_number(x) for x in v]
    return v
