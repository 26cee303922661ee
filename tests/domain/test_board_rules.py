"""The board's pure rules (issue 12: overdue judged at now for today, at the end of a past day;
`since` = when the condition began; projected end-of-day completion from the pace so far)."""

from datetime import date, datetime, time

import pytest

from huifang_tui.domain.board import (
    judge_moment,
    overdue_since,
    projected_completion,
    working_minutes,
)

D = date(2026, 11, 23)


@pytest.mark.parametrize(("day", "now", "judged"), [
    (D, datetime(2026, 11, 23, 10, 0), datetime(2026, 11, 23, 10, 0)),          # today: now
    (date(2026, 11, 20), datetime(2026, 11, 23, 10, 0), datetime.combine(date(2026, 11, 20), time.max)),
])
def test_judge_moment(day, now, judged):
    assert judge_moment(day, now) == judged


@pytest.mark.parametrize(("on", "at", "since"), [
    (D, None, datetime(2026, 11, 24, 0, 0)),                                 # date deadline: next day
    (D, datetime(2026, 11, 23, 14, 5), datetime(2026, 11, 23, 14, 5)),       # low_score 24 h: the hour
])
def test_overdue_since(on, at, since):
    assert overdue_since(on, at) == since


@pytest.mark.parametrize(("start", "end", "minutes"), [
    (time(0, 0), time(23, 59), 450),     # 3.5 h + 4 h
    (time(9, 0), time(10, 0), 60),
    (time(11, 0), time(14, 0), 90),      # lunch does not count
    (time(18, 0), time(19, 0), 0),
])
def test_working_minutes(start, end, minutes):
    assert working_minutes(D, datetime.combine(D, start), datetime.combine(D, end)) == minutes


@pytest.mark.parametrize(("done", "due", "now", "expected"), [
    (0, 10, datetime(2026, 11, 23, 8, 0), None),          # no working time yet: no pace
    (3, 20, datetime(2026, 11, 23, 10, 0), 0.75),         # 3 in 90 min → 15 in 450 min → 15/20
    (10, 10, datetime(2026, 11, 23, 10, 0), 1.0),         # capped at 100 %
    (0, 5, datetime(2026, 11, 23, 12, 30), 0.0),
    (4, 8, datetime(2026, 11, 24, 9, 0), 0.5),            # a past day: what was done
    (0, 0, datetime(2026, 11, 23, 10, 0), None),          # nothing due
])
def test_projected_completion(done, due, now, expected):
    got = projected_completion(done, due, D, now)
    assert got == (pytest.approx(expected) if expected is not None else None)
