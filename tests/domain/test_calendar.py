"""WorkCalendar: SPEC §3 "Working-day calendar" (001, 003: 工作日)."""

from datetime import date, timedelta

import pytest

from huifang_tui.domain.calendar import WorkCalendar

D = date


@pytest.mark.parametrize("d", [D(2025, 10, 11), D(2026, 2, 14), D(2026, 2, 28), D(2025, 9, 28)])
def test_makeup_saturdays_are_working_days(cal, d):
    # SPEC §3: 调休 make-up working days
    assert cal.is_working_day(d) and not cal.is_estimated(d)


@pytest.mark.parametrize("day", range(1, 9))
def test_national_day_2025_is_holiday(cal, day):
    # SPEC §3: PRC official holidays (国庆+中秋 2025-10-01…08)
    assert not cal.is_working_day(D(2025, 10, day))


def test_unknown_year_is_estimated_monday_to_friday(cal):
    # SPEC §3: a year with no data → Monday–Friday, shown as estimated
    assert 2026 in cal.known_years and 2027 not in cal.known_years
    assert cal.is_estimated(D(2027, 3, 1)) and cal.is_working_day(D(2027, 3, 1))  # Monday
    assert not cal.is_working_day(D(2027, 3, 6))  # Saturday
    assert not cal.is_estimated(D(2026, 3, 2))


def test_override_wins_and_is_not_estimated():
    # SPEC §3: admin table of company holidays / next year's notice overlays the library
    cal = WorkCalendar({D(2027, 3, 1): False, D(2025, 10, 11): False, D(2025, 10, 4): True})
    assert not cal.is_working_day(D(2027, 3, 1)) and not cal.is_estimated(D(2027, 3, 1))
    assert cal.is_estimated(D(2027, 3, 2))
    assert not cal.is_working_day(D(2025, 10, 11))
    assert cal.is_working_day(D(2025, 10, 4))


@pytest.mark.parametrize("d, nxt, prev", [
    (D(2025, 9, 30), D(2025, 10, 9), D(2025, 9, 29)),
    (D(2025, 10, 5), D(2025, 10, 9), D(2025, 9, 30)),
    (D(2025, 10, 10), D(2025, 10, 11), D(2025, 10, 9)),  # Sat 10-11 is a make-up day
    (D(2026, 12, 31), D(2027, 1, 1), D(2026, 12, 30)),  # crosses into an estimated year
    (D(2027, 1, 1), D(2027, 1, 4), D(2026, 12, 31)),
])
def test_next_and_previous(cal, d, nxt, prev):
    assert cal.next_working_day(d) == nxt
    assert cal.previous_working_day(d) == prev


def test_on_or_after_before(cal):
    assert cal.on_or_after(D(2025, 10, 3)) == D(2025, 10, 9)
    assert cal.on_or_before(D(2025, 10, 3)) == D(2025, 9, 30)
    assert cal.on_or_after(D(2025, 10, 9)) == cal.on_or_before(D(2025, 10, 9)) == D(2025, 10, 9)


@pytest.mark.parametrize("d, n, expected", [
    (D(2025, 9, 30), 0, D(2025, 9, 30)),
    (D(2025, 10, 3), 0, D(2025, 10, 9)),
    (D(2025, 9, 30), 1, D(2025, 10, 9)),
    (D(2025, 9, 30), 3, D(2025, 10, 11)),  # 003 四 across 国庆: 10-09, 10-10, 10-11 (Sat, 调休)
    (D(2025, 9, 30), -1, D(2025, 9, 29)),
    # 12-31, then 2027 is Monday–Friday (estimated, so even 01-01 counts): 01-01, 04, 05, 06
    (D(2026, 12, 30), 5, D(2027, 1, 6)),
    (D(2026, 1, 1), 1, D(2026, 1, 4)),  # 2026 元旦 1-1…1-3, Sunday 1-4 is 调休
])
def test_add_working_days(cal, d, n, expected):
    assert cal.add_working_days(d, n) == expected


def test_working_days_and_count(cal):
    days = list(cal.working_days(D(2025, 9, 29), D(2025, 10, 12)))
    assert days == [D(2025, 9, 29), D(2025, 9, 30), D(2025, 10, 9), D(2025, 10, 10), D(2025, 10, 11)]
    assert cal.count_working_days(D(2025, 9, 29), D(2025, 10, 12)) == 4  # (start, end]
    assert cal.count_working_days(D(2025, 10, 12), D(2025, 9, 29)) == 0
    span = list(cal.working_days(D(2024, 12, 30), D(2026, 1, 5)))
    assert len(span) == cal.count_working_days(D(2024, 12, 29), D(2026, 1, 5))
    assert span[:2] == [D(2024, 12, 30), D(2024, 12, 31)] and span[-2:] == [D(2026, 1, 4), D(2026, 1, 5)]
    assert all(cal.is_working_day(d) for d in span)


def test_all_holiday_overrides_do_not_hang():
    year = {D(2030, 1, 1) + timedelta(days=i): False for i in range(366 * 13)}
    with pytest.raises(ValueError):
        WorkCalendar(year).next_working_day(D(2030, 1, 1))


def test_add_working_days_is_cached_per_day():
    """Speed is measured in benchmarks/, never asserted here; this pins the answers the cache
    gives against a plain day-by-day walk."""
    cal = WorkCalendar()
    for i in range(60):
        start = D(2025, 9, 1) + timedelta(days=i)
        day, left = start, 10
        while left:
            day += timedelta(days=1)
            left -= cal.is_working_day(day)
        assert cal.add_working_days(start, 10) == day
