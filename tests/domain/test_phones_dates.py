"""Phone numbers an agent can dial (SPEC §5, issue 13) and the accepted date range."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from huifang_tui.domain.dates import in_range
from huifang_tui.domain.outcomes import OutcomeError, parse_when
from huifang_tui.domain.phones import phone_ok


@pytest.mark.parametrize("text, ok", [
    ("13812345678", True), ("138 1234 5678", True), ("+86 138-1234-5678", True), ("0086 13812345678", True),
    ("19912345678", True),
    ("010-62345678", True), ("(0755)12345678", True), ("0571-8888888", True), ("０２１－６２３４５６７８", True),
    ("021-62345678转801", True), ("0571-8888888 ext 12", True), ("010-62345678 x3", True), ("13812345678#2", True),
    ("400-123-4567", True), ("800 123 4567", True),
    ("5678", False), ("1399012", False), ("62345678", False),  # masked / no area code
    ("12812345678", False), ("23812345678", False), ("1381234567", False), ("138123456789", False),
    ("010-1234567", False), ("abc", False), ("", False), ("转801", False),
])
def test_phone_ok(text, ok):
    assert phone_ok(text) is ok


@pytest.mark.parametrize("d, ok", [(date(2000, 1, 1), True), (date(2099, 12, 31), True), (date(1999, 12, 31), False),
                                   (date(2100, 1, 1), False), (datetime(9999, 12, 31, 23, 59), False)])
def test_date_range(d, ok):
    assert in_range(d) is ok


@pytest.mark.parametrize("text", ["9999-12-31", "2100-01-01 10:00", "1999-12-31", "+99999d", "+999999999999d"])
def test_when_outside_the_range_is_refused(text):
    with pytest.raises(OutcomeError) as e:
        parse_when(text, datetime(2026, 11, 23, 9, 30))
    assert e.value.code in ("date_range", "bad_time")


@pytest.mark.parametrize(("day", "n", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),   # clipped to the month's end
    (date(2028, 1, 31), 1, date(2028, 2, 29)),   # leap year
    (date(2100 - 1, 11, 30), -1, date(2099, 10, 30)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),  # across the year
    (date(2026, 1, 15), -1, date(2025, 12, 15)),
    (date(2000, 2, 29), 12, date(2001, 2, 28)),
    (date(2026, 5, 31), 0, date(2026, 5, 31)),
])
def test_add_months(day: date, n: int, expected: date) -> None:
    from huifang_tui.domain.dates import add_months

    assert add_months(day, n) == expected
