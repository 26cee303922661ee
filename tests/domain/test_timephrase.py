"""Times typed as people say them (issue "first hour" item 5; SPEC §3 working hours).

``now`` is Monday 2026-11-23 09:30; the working hours are the policy's defaults
(08:30–12:00, 13:30–17:30); the calendar is the PRC one with its 调休 make-up Saturdays.
"""

from __future__ import annotations

from datetime import datetime as DT

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huifang_tui.domain.calendar import WorkCalendar
from huifang_tui.domain.policy import Policy
from huifang_tui.domain.timephrase import PhraseError, check_moment, next_allowed, parse_phrase

NOW = DT(2026, 11, 23, 9, 30)  # a Monday
CAL = WorkCalendar()
HOURS = Policy().work_hours


@pytest.mark.parametrize("text, expected", [
    ("明天", DT(2026, 11, 24, 8, 30)),              # a date without a time: first working hour
    ("明天 15:00", DT(2026, 11, 24, 15, 0)),
    ("后天", DT(2026, 11, 25, 8, 30)),
    ("大后天下午3点", DT(2026, 11, 26, 15, 0)),
    ("下周一", DT(2026, 11, 30, 8, 30)),             # Monday of next week
    ("周三下午3点", DT(2026, 11, 25, 15, 0)),         # a weekday: its next future occurrence
    ("星期五 上午10点半", DT(2026, 11, 27, 10, 30)),
    ("周一", DT(2026, 11, 30, 8, 30)),               # today is Monday: the next one
    ("+2d", DT(2026, 11, 25, 8, 30)),
    ("+2h", DT(2026, 11, 23, 11, 30)),
    ("12-1 15:00", DT(2026, 12, 1, 15, 0)),          # M-D is month-day
    ("5-6 15:00", DT(2027, 5, 6, 15, 0)),            # passed this year: next year
    ("12月2日 9:00", DT(2026, 12, 2, 9, 0)),
    ("2026-12-03", DT(2026, 12, 3, 8, 30)),
    ("15:00", DT(2026, 11, 23, 15, 0)),
    ("下午3点", DT(2026, 11, 23, 15, 0)),
    ("tomorrow", DT(2026, 11, 24, 8, 30)),
    ("tomorrow 3pm", DT(2026, 11, 24, 15, 0)),
    ("next monday", DT(2026, 11, 30, 8, 30)),
    ("wednesday 10:30am", DT(2026, 11, 25, 10, 30)),
    ("3pm", DT(2026, 11, 23, 15, 0)),
])
def test_phrases(text, expected):
    assert parse_phrase(text, NOW, CAL, HOURS) == expected


@pytest.mark.parametrize("text, code, suggestion", [
    ("明天 20:00", "outside_hours", DT(2026, 11, 25, 8, 30)),   # after hours: next working hour
    ("明天 12:30", "outside_hours", DT(2026, 11, 24, 13, 30)),  # lunch break
    ("+3h", "outside_hours", DT(2026, 11, 23, 13, 30)),         # 12:30 today: lunch break
    ("周六", "not_working_day", DT(2026, 11, 30, 8, 30)),       # 2026-11-28 Saturday
    ("9:00", None, None),  # 09:00 today has passed: tomorrow 09:00 (allowed)
    ("2026-10-01", "past", DT(2026, 11, 23, 9, 30)),
    ("下班后", "unknown", None),
    ("13", "unknown", None),  # a bare number is not a time
    ("2-30", "unknown", None),
])
def test_refusals_suggest_the_next_allowed_time(text, code, suggestion):
    if code is None:
        assert parse_phrase(text, NOW, CAL, HOURS) == DT(2026, 11, 24, 9, 0)
        return
    with pytest.raises(PhraseError) as e:
        parse_phrase(text, NOW, CAL, HOURS)
    assert e.value.code == code
    assert e.value.suggestion == suggestion


def test_make_up_saturday_is_a_working_day():
    """调休: Saturday 2026-02-14 is a working day (SPEC §3), so 改约 to it is allowed."""
    now = DT(2026, 2, 12, 10, 0)
    assert parse_phrase("2-14 10:00", now, CAL, HOURS) == DT(2026, 2, 14, 10, 0)
    with pytest.raises(PhraseError) as e:
        parse_phrase("2-17 10:00", now, CAL, HOURS)  # 春节 holiday
    assert e.value.code == "not_working_day"
    assert CAL.is_working_day(e.value.suggestion.date())


@given(st.datetimes(min_value=DT(2025, 1, 1), max_value=DT(2026, 12, 20)))
def test_next_allowed_is_allowed_and_not_earlier(moment):
    nxt = next_allowed(moment, CAL, HOURS)
    assert nxt >= moment.replace(second=0, microsecond=0)
    assert CAL.is_working_day(nxt.date())
    assert any(s <= nxt.time() < e for s, e in HOURS)
    check_moment(nxt, nxt.replace(year=nxt.year - 1), CAL, HOURS)  # accepted as is
