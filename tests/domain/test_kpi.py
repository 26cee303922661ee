"""SPEC §7 monthly KPIs on a small hand-checked fixture (November 2026: no holidays).

Every figure below was worked out by hand from the rows, not by running the code.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from huifang_tui.domain.kpi import (
    KPI_KEYS,
    CallbackRow,
    IssueRow,
    Month,
    average,
    monthly_kpis,
    rate,
)

NOV = Month(2026, 11)
NOW = datetime(2026, 12, 1, 9, 0)


def cb(number, status, planned, deadline, agent=None, **kw) -> CallbackRow:
    return CallbackRow(number=number, status=status, planned_due_on=planned, deadline_on=deadline,
                       agent_login=agent, **kw)


D = date
T = datetime

CALLBACKS = [
    # li: on time, entered at once, lead (its customer bought only on the same day → not converted)
    cb("A1", "completed", D(2026, 11, 2), D(2026, 11, 5), "li", completed_by="li",
       completed_at=T(2026, 11, 4, 10), entered_at=T(2026, 11, 4, 10, 5), score_resolution=5,
       score_attitude=4, sales_lead=True, customer_id=1, spot_check=True),
    # li: late (after deadline_on), entered 11-10 > 11-06 + 1 working day (Mon 11-09) → 补录; low score
    cb("A2", "completed", D(2026, 11, 3), D(2026, 11, 5), "li", completed_by="li",
       completed_at=T(2026, 11, 6, 9), entered_at=T(2026, 11, 10, 9), score_resolution=2,
       score_attitude=3, spot_check=False),
    cb("A3", "open", D(2026, 11, 10), D(2026, 11, 13), "li"),
    cb("A4", "unreachable", D(2026, 11, 11), D(2026, 11, 16), "li"),
    cb("A5", "cancelled", D(2026, 11, 12), D(2026, 11, 17), "li"),  # not counted at all
    # assigned to wang now, but li completed it: li's. Hour deadline met to the minute (≤).
    cb("A6", "completed", D(2026, 11, 16), D(2026, 11, 17), "wang", deadline_at=T(2026, 11, 17, 10),
       completed_by="li", completed_at=T(2026, 11, 17, 10), entered_at=T(2026, 11, 17, 10, 1),
       score_resolution=4, score_attitude=4),
    # wang: planned in October, completed in November → scored in Nov, not due in Nov; converted lead
    cb("B1", "completed", D(2026, 10, 28), D(2026, 10, 30), "wang", completed_by="wang",
       completed_at=T(2026, 11, 2, 9), entered_at=T(2026, 11, 2, 9), score_resolution=3,
       score_attitude=5, sales_lead=True, customer_id=2),
    # wang: due in Nov, completed late in December → completed for Nov, not scored in Nov
    cb("B2", "completed", D(2026, 11, 20), D(2026, 11, 24), "wang", completed_by="wang",
       completed_at=T(2026, 12, 1, 8), entered_at=T(2026, 12, 1, 8, 30), score_resolution=5,
       score_attitude=5),
    cb("B3", "refused", D(2026, 11, 25), D(2026, 11, 30), "wang"),
    cb("L1", "lapsed", D(2026, 11, 5), D(2026, 11, 9), "wang"),  # due, neither completed nor unreachable
    cb("P1", "open", D(2026, 11, 30), D(2026, 12, 3)),  # the pool
    cb("P2", "waiting_data", D(2026, 11, 27), D(2026, 12, 2)),
    cb("X1", "open", D(2026, 12, 1), D(2026, 12, 4), "li"),  # December: nothing in November
]
ISSUES = [
    IssueRow("I1", "li", T(2026, 11, 3, 10), ack_by=T(2026, 11, 4, 10), solve_by=D(2026, 11, 6),
             acknowledged_at=T(2026, 11, 3, 11), solved_at=T(2026, 11, 5, 15), closed_at=T(2026, 11, 6, 9)),
    IssueRow("I2", "li", T(2026, 11, 10, 10), ack_by=T(2026, 11, 10, 12), solve_by=D(2026, 11, 11),
             acknowledged_at=T(2026, 11, 10, 13), solved_at=T(2026, 11, 13, 9), reopened=True,
             is_complaint=True, late_entry=True),  # an action of it entered late (补录)
    IssueRow("I3", "wang", T(2026, 10, 30, 9), ack_by=T(2026, 10, 31, 9), solve_by=D(2026, 11, 4)),
    # solved on its (waiting-moved) solve_by; closed only after the report time
    IssueRow("I4", "wang", T(2026, 11, 20, 9), ack_by=T(2026, 11, 21, 9), solve_by=D(2026, 11, 25),
             solved_at=T(2026, 11, 25, 17), closed_at=T(2026, 12, 2, 9)),
]
SALES = {1: [D(2026, 11, 4), D(2026, 12, 5)], 2: [D(2026, 11, 20)]}

LI = {
    "due": 5, "completed": 3, "completion_rate": 0.6, "on_time": 2, "on_time_rate": 0.4,
    "unreachable": 1, "late_entries": 1, "scored": 3, "avg_resolution": 3.67, "avg_attitude": 3.67,
    "satisfied_rate": 0.6667, "low_scores": 1,
    "score_counts": {"resolution": [0, 1, 0, 1, 1], "attitude": [0, 0, 1, 2, 0]},
    "issues_raised": 2, "issues_ack_on_time": 1, "issue_ack_on_time_rate": 0.5, "issues_closed": 1,
    "issue_resolution_rate": 0.5, "issues_on_time": 1, "issue_on_time_rate": 0.5,
    "issues_reopened": 1, "issue_late_entries": 1, "complaints": 1, "complaint_rate": 0.3333, "spot_checked": 2,
    "accurate_rate": 0.5, "leads": 1, "leads_converted": 0,
}
WANG = {
    "due": 3, "completed": 1, "completion_rate": 0.3333, "on_time": 0, "on_time_rate": 0.0,
    "unreachable": 1, "late_entries": 0, "scored": 1, "avg_resolution": 3.0, "avg_attitude": 5.0,
    "satisfied_rate": 0.0, "low_scores": 0,
    "score_counts": {"resolution": [0, 0, 1, 0, 0], "attitude": [0, 0, 0, 0, 1]},
    "issues_raised": 1, "issues_ack_on_time": 0, "issue_ack_on_time_rate": 0.0, "issues_closed": 0,
    "issue_resolution_rate": 0.0, "issues_on_time": 1, "issue_on_time_rate": 1.0,
    "issues_reopened": 0, "issue_late_entries": 0, "complaints": 0, "complaint_rate": 0.0, "spot_checked": 0,
    "accurate_rate": None, "leads": 1, "leads_converted": 1,
}
POOL = {
    "due": 2, "completed": 0, "completion_rate": 0.0, "on_time": 0, "on_time_rate": 0.0,
    "unreachable": 1, "late_entries": 0, "scored": 0, "avg_resolution": None, "avg_attitude": None,
    "satisfied_rate": None, "low_scores": 0,
    "score_counts": {"resolution": [0] * 5, "attitude": [0] * 5},
    "issues_raised": 0, "issues_ack_on_time": 0, "issue_ack_on_time_rate": None, "issues_closed": 0,
    "issue_resolution_rate": None, "issues_on_time": 0, "issue_on_time_rate": None,
    "issues_reopened": 0, "issue_late_entries": 0, "complaints": 0, "complaint_rate": None, "spot_checked": 0,
    "accurate_rate": None, "leads": 0, "leads_converted": 0,
}
OVERALL = {
    "due": 10, "completed": 4, "completion_rate": 0.4, "on_time": 2, "on_time_rate": 0.2,
    "unreachable": 3, "late_entries": 1, "scored": 4, "avg_resolution": 3.5, "avg_attitude": 4.0,
    "satisfied_rate": 0.5, "low_scores": 1,
    "score_counts": {"resolution": [0, 1, 1, 1, 1], "attitude": [0, 0, 1, 2, 1]},
    "issues_raised": 3, "issues_ack_on_time": 1, "issue_ack_on_time_rate": 0.3333, "issues_closed": 1,
    "issue_resolution_rate": 0.3333, "issues_on_time": 2, "issue_on_time_rate": 0.6667,
    "issues_reopened": 1, "issue_late_entries": 1, "complaints": 1, "complaint_rate": 0.25, "spot_checked": 2,
    "accurate_rate": 0.5, "leads": 2, "leads_converted": 1,
}


def _plain(figs: dict) -> dict:
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in figs.items()}


@pytest.fixture(scope="module")
def result(cal):
    return monthly_kpis(NOV, CALLBACKS, ISSUES, now=NOW, cal=cal, sales_by_customer=SALES)


@pytest.mark.parametrize("login, expected", [("li", LI), ("wang", WANG), ("_pool", POOL)])
def test_every_key_per_login(result, login, expected):
    assert list(result.agents[login]) == list(KPI_KEYS)
    assert _plain(result.agents[login]) == expected


def test_every_key_overall(result):
    assert list(result.overall) == list(KPI_KEYS)
    assert _plain(result.overall) == OVERALL


def test_agents_hold_exactly_the_logins_counted(result):
    assert list(result.agents) == ["_pool", "li", "wang"]


def test_rates_are_decimals_with_four_places_and_averages_two(result):
    assert result.agents["li"]["satisfied_rate"] == Decimal("0.6667")
    assert result.agents["li"]["avg_resolution"] == Decimal("3.67")


def test_empty_month_gives_nulls_never_zero_or_hundred(cal):
    r = monthly_kpis(Month(2026, 9), CALLBACKS, ISSUES, now=NOW, cal=cal)
    assert r.agents == {}
    for key in KPI_KEYS:
        if key.endswith("_rate") or key.startswith("avg_"):
            assert r.overall[key] is None, key
        elif key == "score_counts":
            assert r.overall[key] == {"resolution": [0] * 5, "attitude": [0] * 5}
        else:
            assert r.overall[key] == 0, key


@pytest.mark.parametrize("fn, num, den, expected", [
    (rate, 1, 32, Decimal("0.0313")),     # 0.03125: half-up, not banker's 0.0312
    (rate, 5, 6, Decimal("0.8333")),
    (rate, 2, 3, Decimal("0.6667")),
    (rate, 0, 5, Decimal("0.0000")),
    (rate, 1, 0, None),
    (average, 17, 8, Decimal("2.13")),    # 2.125: half-up, not 2.12
    (average, 0, 0, None),
])
def test_rounding_half_up(fn, num, den, expected):
    assert fn(num, den) == expected


def test_half_up_through_the_report(cal):
    """Eight scores summing to 17 average 2.125 → 2.13; 1 of 32 completed → 0.0313."""
    scores = [3, 2, 2, 2, 2, 2, 2, 2]
    rows = [cb(f"S{i}", "completed", D(2026, 11, 2), D(2026, 11, 5), "li", completed_by="li",
               completed_at=T(2026, 11, 3, 9), entered_at=T(2026, 11, 3, 9), score_resolution=s,
               score_attitude=4) for i, s in enumerate(scores[:1])]
    rows += [cb(f"S{i}", "completed", D(2026, 10, 2), D(2026, 10, 5), "li", completed_by="li",
                completed_at=T(2026, 11, 3, 9), entered_at=T(2026, 11, 3, 9), score_resolution=s,
                score_attitude=4) for i, s in enumerate(scores[1:], 1)]
    rows += [cb(f"O{i}", "open", D(2026, 11, 20), D(2026, 11, 25), "li") for i in range(31)]
    r = monthly_kpis(NOV, rows, [], now=NOW, cal=cal)
    assert r.overall["avg_resolution"] == Decimal("2.13")
    assert r.overall["completion_rate"] == Decimal("0.0313")


def test_include_limits_to_one_login(cal):
    r = monthly_kpis(NOV, CALLBACKS, ISSUES, now=NOW, cal=cal, sales_by_customer=SALES,
                     include=lambda login: login == "wang")
    assert list(r.agents) == ["wang"]
    assert _plain(r.overall) == WANG


def test_low_score_threshold_comes_from_policy(cal):
    r = monthly_kpis(NOV, CALLBACKS, [], now=NOW, cal=cal, low_score_threshold=4)
    # A2 (2,3), B1 (3,5): any score under 4
    assert r.overall["low_scores"] == 2


@pytest.mark.parametrize("text, ok", [("2026-11", True), ("2026-1", False), ("2026-13", False),
                                      ("202611", False), ("abcd-ef", False)])
def test_month_parse(text, ok):
    if ok:
        assert str(Month.parse(text)) == text
    else:
        with pytest.raises(ValueError):
            Month.parse(text)
