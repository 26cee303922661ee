"""Issue 23 item 1: one reader of every time and date field (``timephrase.read_time`` /
``read_day``): ISO 8601 date-times (``T`` or a space, seconds or without), ISO dates (the first
working hour as a time, the day as a date) and the spoken phrases, for every option alike."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from huifang_tui.domain.calendar import WorkCalendar
from huifang_tui.domain.outcomes import OutcomeError, parse_when
from huifang_tui.domain.policy import Policy
from huifang_tui.domain.timephrase import PhraseError, parse_phrase, read_day, read_time

HOURS = Policy().work_hours  # the first working hour is whatever the policy says
FIRST = HOURS[0][0]
REF = datetime(2026, 1, 21, 10, 0)  # Wednesday 10:00
DAY = date(2026, 1, 22)


def at(h: int, m: int = 0, s: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(h, m, s))


# (text, as a time, as a date)
TABLE = [
    ("2026-01-22T15:00", at(15), DAY),
    ("2026-01-22t15:00", at(15), DAY),
    ("2026-01-22 15:00", at(15), DAY),
    ("2026-01-22T15:00:30", at(15, 0, 30), DAY),
    ("2026-01-22 15:00:30", at(15, 0, 30), DAY),
    ("2026-01-22T09:05:00.250", at(9, 5), DAY),
    (" 2026-01-22T15:00 ", at(15), DAY),
    ("2026-1-22 9:05", at(9, 5), DAY),
    ("2026/01/22 15:00", at(15), DAY),
    ("2026-01-22", datetime.combine(DAY, FIRST), DAY),
    ("明天 15:00", at(15), DAY),
    ("明天", datetime.combine(DAY, FIRST), DAY),
    ("tomorrow 3pm", at(15), DAY),
    ("周四下午3点", at(15), DAY),
    ("thursday", datetime.combine(DAY, FIRST), DAY),
    ("1-22 15:00", at(15), DAY),
    ("1月22日", datetime.combine(DAY, FIRST), DAY),
]


@pytest.mark.parametrize("text, moment, day", TABLE)
def test_each_format_as_a_time_and_as_a_date(text, moment, day):
    assert read_time(text, REF, HOURS) == moment
    if text in LOOKING_AHEAD:  # a stated time reads back: the latest such day on or before REF
        assert read_time(text, REF, HOURS, ahead=False) == LOOKING_AHEAD[text]
    else:
        assert read_time(text, REF, HOURS, ahead=False) == moment
    assert read_day(text, REF.date()) == day


# a weekday or month-day alone names a day to come for a time to come (改约, --to), and the
# latest one on or before the reference for a stated time of what happened (--when)
LOOKING_AHEAD = {
    "周四下午3点": datetime(2026, 1, 15, 15), "thursday": datetime.combine(date(2026, 1, 15), FIRST),
    "1-22 15:00": datetime(2025, 1, 22, 15), "1月22日": datetime.combine(date(2025, 1, 22), FIRST),
}


@pytest.mark.parametrize("text", ["2026-01-22T15:00", "2026-01-22 15:00", "2026-01-22T15:00:30", "2026-01-22"])
def test_iso_needs_no_reference_day_for_dates(text):
    assert read_day(text) == DAY


@pytest.mark.parametrize("text", ["2026-01-22T15:00", "2026-01-22 15:00:30", "2026-01-22", "明天 15:00"])
def test_reschedule_and_stated_times_read_the_same_text(text):
    """``--to`` (改约, checked against the rules) and ``--when`` read one text to one moment."""
    cal = WorkCalendar({})
    assert parse_phrase(text, REF, cal, HOURS) == read_time(text, REF, HOURS).replace(second=0)  # to the minute
    assert parse_when(text, REF, HOURS) == read_time(text, REF, HOURS)


def test_a_time_alone_looks_ahead_only_for_a_time_to_come():
    assert read_time("09:00", REF, HOURS) == datetime(2026, 1, 22, 9)  # 改约: the next 09:00
    assert read_time("09:00", REF, HOURS, ahead=False) == datetime(2026, 1, 21, 9)  # what happened: today


def test_phrases_are_read_relative_to_the_reference_passed_in():
    ref = datetime(2026, 3, 2, 16, 0)
    assert read_time("明天 15:00", ref, HOURS, ahead=False) == datetime(2026, 3, 3, 15)
    assert read_time("3-4 15:00", ref, HOURS) == datetime(2026, 3, 4, 15)  # --to from a stated 03-02
    assert read_time("3-1 15:00", ref, HOURS, ahead=False) == datetime(2026, 3, 1, 15)


@pytest.mark.parametrize("text", ["", "  ", "x", "2026-02-30", "2026-01-22T25:00", "2026-01-22T15", "13",
                                  "2026-01-22T15:00+08:00", "下下下周"])
def test_unreadable_text_is_unknown(text):
    with pytest.raises(PhraseError) as e:
        read_time(text, REF, HOURS)
    assert e.value.code == "unknown"
    with pytest.raises(PhraseError):
        read_day(text, REF.date())


@pytest.mark.parametrize("text", ["9999-12-31", "2100-01-01T08:00", "1999-12-31 10:00:00"])
def test_outside_2000_2099_is_out_of_range(text):
    with pytest.raises(PhraseError) as e:
        read_time(text, REF, HOURS)
    assert e.value.code == "range"
    with pytest.raises(PhraseError) as e:
        read_day(text)
    assert e.value.code == "range"
    with pytest.raises(OutcomeError) as o:
        parse_when(text, REF, HOURS)
    assert o.value.code == "date_range"


def test_a_date_alone_is_the_policys_first_working_hour():
    late = ((time(10, 0), time(12, 0)), (time(13, 0), time(19, 0)))
    assert read_time("2026-01-22", REF, late) == datetime(2026, 1, 22, 10)
    assert parse_when("2026-01-22", REF, late) == datetime(2026, 1, 22, 10)


# Issue 23 item 2: a stated time (what happened: --when, --now) is read backwards from the
# reference — the agent typing on Monday 11-23 about last week.
STATED_REF = datetime(2026, 11, 23, 14, 0)  # a Monday


@pytest.mark.parametrize("text, stated, ahead", [
    ("11-16 09:00", datetime(2026, 11, 16, 9), datetime(2027, 11, 16, 9)),
    ("12-1", datetime(2025, 12, 1, 8, 30), datetime(2026, 12, 1, 8, 30)),
    ("周一 9:00", datetime(2026, 11, 23, 9), datetime(2026, 11, 30, 9)),
    ("周三 10:00", datetime(2026, 11, 18, 10), datetime(2026, 11, 25, 10)),
    ("monday 9am", datetime(2026, 11, 23, 9), datetime(2026, 11, 30, 9)),
    ("昨天 15:00", datetime(2026, 11, 22, 15), datetime(2026, 11, 22, 15)),
    ("前天", datetime(2026, 11, 21, 8, 30), datetime(2026, 11, 21, 8, 30)),
    ("yesterday 3pm", datetime(2026, 11, 22, 15), datetime(2026, 11, 22, 15)),
    ("上周一 10:00", datetime(2026, 11, 16, 10), datetime(2026, 11, 16, 10)),
    ("last friday 3pm", datetime(2026, 11, 20, 15), datetime(2026, 11, 20, 15)),
    ("-2d", datetime(2026, 11, 21, 8, 30), datetime(2026, 11, 21, 8, 30)),
    ("-3h", datetime(2026, 11, 23, 11), datetime(2026, 11, 23, 11)),
])
def test_a_stated_time_reads_back_a_time_to_come_reads_ahead(text, stated, ahead):
    hours = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
    assert read_time(text, STATED_REF, hours, ahead=False) == stated
    assert parse_when(text, STATED_REF, hours) == stated
    assert read_time(text, STATED_REF, hours) == ahead
