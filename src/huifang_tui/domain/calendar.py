"""Working-day calendar (SPEC §3 "Working-day calendar"; 001, 003: 工作日).

PRC official holidays and 调休 make-up days come from ``chinese_calendar`` (2004–2026),
overlaid by admin overrides.  Years without data fall back to Monday–Friday and are
reported as *estimated* (预估), never silently.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from types import MappingProxyType

from chinese_calendar import holidays as _CC_HOLIDAYS
from chinese_calendar import workdays as _CC_WORKDAYS

KNOWN_YEARS: frozenset[int] = frozenset(d.year for d in (*_CC_HOLIDAYS, *_CC_WORKDAYS))
_MAX_EMPTY_YEARS = 10  # give up after this many consecutive years without a working day


class WorkCalendar:
    """Answers working-day questions; per-year sorted ordinals make lookups O(log n)."""

    def __init__(self, overrides: Mapping[date, bool] = MappingProxyType({})) -> None:
        self._overrides: dict[date, bool] = dict(overrides)
        self._days: dict[int, list[int]] = {}  # year -> sorted ordinals of working days
        self._sets: dict[int, frozenset[int]] = {}
        # A planner run asks about the same few dates tens of thousands of times; the answers
        # never change (the overrides are fixed at construction).
        self._added: dict[tuple[date, int], date] = {}

    @property
    def known_years(self) -> frozenset[int]:
        """Years covered by official data (overrides do not make a year known)."""
        return KNOWN_YEARS

    # -- per-year cache -------------------------------------------------------------
    def _raw(self, d: date) -> bool:
        ov = self._overrides.get(d)
        if ov is not None:
            return ov
        if d.year in KNOWN_YEARS:
            if d in _CC_WORKDAYS:
                return True
            if d in _CC_HOLIDAYS:
                return False
        return d.weekday() < 5

    def _year(self, year: int) -> list[int]:
        days = self._days.get(year)
        if days is None:
            first = date(year, 1, 1)
            days = [
                first.toordinal() + i
                for i in range((date(year, 12, 31) - first).days + 1)
                if self._raw(first + timedelta(days=i))
            ]
            self._days[year] = days
            self._sets[year] = frozenset(days)
        return days

    # -- queries ----------------------------------------------------------------------
    def is_working_day(self, d: date) -> bool:
        if d.year not in self._sets:
            self._year(d.year)
        return d.toordinal() in self._sets[d.year]

    def is_estimated(self, d: date) -> bool:
        """True when *d* is judged by the Monday–Friday fallback (no data, no override)."""
        return d.year not in KNOWN_YEARS and d not in self._overrides

    def next_working_day(self, d: date) -> date:
        """First working day strictly after *d*."""
        return self.add_working_days(d, 1)

    def previous_working_day(self, d: date) -> date:
        """Last working day strictly before *d*."""
        return self.add_working_days(d, -1)

    def on_or_after(self, d: date) -> date:
        return d if self.is_working_day(d) else self.next_working_day(d)

    def on_or_before(self, d: date) -> date:
        return d if self.is_working_day(d) else self.previous_working_day(d)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day strictly after *d* (n < 0: strictly before); n=0 → on_or_after."""
        found = self._added.get((d, n))
        if found is None:
            found = self._added[(d, n)] = self._add_working_days(d, n)
        return found

    def _add_working_days(self, d: date, n: int) -> date:
        if n == 0:
            return self.on_or_after(d)
        o, year, empty = d.toordinal(), d.year, 0
        days = self._year(year)
        if n > 0:
            i = bisect_right(days, o) + n - 1
            while i >= len(days):
                i -= len(days)
                year += 1
                days = self._year(year)
                empty = empty + 1 if not days else 0
                if empty > _MAX_EMPTY_YEARS:
                    raise ValueError(f"no working day after {d}")
        else:
            i = bisect_left(days, o) + n
            while i < 0:
                year -= 1
                days = self._year(year)
                i += len(days)
                empty = empty + 1 if not days else 0
                if empty > _MAX_EMPTY_YEARS:
                    raise ValueError(f"no working day before {d}")
        return date.fromordinal(days[i])

    def working_days(self, start: date, end: date) -> Iterator[date]:
        """Working days in [start, end], both ends inclusive."""
        lo, hi = start.toordinal(), end.toordinal()
        for year in range(start.year, end.year + 1):
            days = self._year(year)
            for o in days[bisect_left(days, lo) : bisect_right(days, hi)]:
                yield date.fromordinal(o)

    def count_working_days(self, start: date, end: date) -> int:
        """Number of working days in (start, end]; 0 when end <= start."""
        if end <= start:
            return 0
        lo, hi = start.toordinal(), end.toordinal()
        total = 0
        for year in range(start.year, end.year + 1):
            days = self._year(year)
            total += bisect_right(days, hi) - bisect_right(days, lo)
        return total
