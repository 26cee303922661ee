"""The notification rules (issue 26): who is told, quiet hours, retry pauses, giving up, a
robot's rate window, text made literal for markdown. Cases citing the seed/issue, then properties."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huifang_tui.domain import notify
from huifang_tui.domain.calendar import WorkCalendar
from huifang_tui.domain.policy import Policy

CAL = WorkCalendar({})
HOURS = Policy().work_hours  # 08:30-12:00, 13:30-17:30
RULES = notify.retry_rules(Policy())


@pytest.mark.parametrize(("kind", "audience", "urgent"), [
    ("complaint", notify.GM, True),  # 000 §4.11: 如遇客户投诉…第一时间 (the GM, at any hour)
    ("escalation.1", notify.HEAD, False),  # issue 26: level 1 to the department head
    ("escalation.2", notify.GM, True),  # level 2 to the GM, at any hour
    ("low_score", notify.SUPERVISOR, False),  # 003 四: 评分低于3分 … 由专人联系
    ("unreachable", notify.SUPERVISOR, False),
    ("request", notify.SUPERVISOR, False),
    ("day_close", notify.TEAM, False),
    ("summary_due", notify.SUPERVISOR, False),
    ("month_approved", notify.GM, False),  # 000 §4.9: 报总经理
    ("stale", notify.SUPERVISOR, False),
    ("delivery_failed", notify.ADMIN, False),
])
def test_each_kind_reaches_its_audience(kind, audience, urgent):
    assert notify.KINDS[kind].audience == audience and notify.KINDS[kind].urgent is urgent


def test_only_the_approved_month_carries_the_sheet():
    assert [k for k, v in notify.KINDS.items() if v.attaches_month] == ["month_approved"]


@pytest.mark.parametrize(("kind", "now", "due"), [
    # inside the working hours of a working day: now
    ("low_score", datetime(2026, 12, 7, 9, 0), datetime(2026, 12, 7, 9, 0)),
    # over lunch: the afternoon's first hour
    ("low_score", datetime(2026, 12, 7, 12, 30), datetime(2026, 12, 7, 13, 30)),
    # Friday evening: Monday morning (2026-12-05/06 are a weekend)
    ("day_close", datetime(2026, 12, 4, 18, 5), datetime(2026, 12, 7, 8, 30)),
    ("escalation.1", datetime(2026, 12, 5, 10, 0), datetime(2026, 12, 7, 8, 30)),
    # complaints and level-2 escalations do not wait (issue 26 item 3)
    ("complaint", datetime(2026, 12, 5, 23, 40), datetime(2026, 12, 5, 23, 40)),
    ("escalation.2", datetime(2026, 12, 4, 3, 0), datetime(2026, 12, 4, 3, 0)),
])
def test_quiet_hours(kind, now, due):
    assert notify.due_at(kind, now, CAL, HOURS) == due


def test_quiet_hours_follow_the_centres_calendar():
    # a Saturday made a working day (调休) is a work day for notifications too
    cal = WorkCalendar({datetime(2026, 12, 5).date(): True})
    assert notify.due_at("low_score", datetime(2026, 12, 5, 9, 0), cal, HOURS) == datetime(2026, 12, 5, 9, 0)


@pytest.mark.parametrize(("failures", "minutes"), [(1, 1), (2, 2), (3, 4), (4, 8), (6, 32), (7, 60), (30, 60)])
def test_pauses_grow_and_are_capped(failures, minutes):
    assert notify.pause_after(failures, RULES) == timedelta(minutes=minutes)


def test_giving_up_after_the_tries_or_the_hours():
    t0 = datetime(2026, 12, 7, 9, 0)
    assert not notify.gives_up(RULES.max_tries - 1, t0, t0 + timedelta(hours=1), RULES)
    assert notify.gives_up(RULES.max_tries, t0, t0 + timedelta(hours=1), RULES)
    assert not notify.gives_up(1, t0, t0 + timedelta(hours=RULES.give_up_hours) - timedelta(seconds=1), RULES)
    assert notify.gives_up(1, t0, t0 + timedelta(hours=RULES.give_up_hours), RULES)


def test_the_policy_sets_the_retry_rules():
    p = Policy.from_mapping({"notify": {"max_tries": 3, "give_up_hours": 2, "retry_first_minutes": 5,
                                        "retry_max_minutes": 7}})
    r = notify.retry_rules(p)
    assert (r.max_tries, r.give_up_hours) == (3, 2)
    assert notify.pause_after(1, r) == timedelta(minutes=5) and notify.pause_after(2, r) == timedelta(minutes=7)


def test_a_robot_takes_twenty_a_minute():
    now = datetime(2026, 12, 7, 9, 0, 30)
    nineteen = [now - timedelta(seconds=s) for s in range(1, 20)]
    assert notify.rate_wait(nineteen, now) == timedelta(0)
    twenty = [*nineteen, now - timedelta(seconds=50)]
    # the oldest of the twenty leaves the minute 10 s from now
    assert notify.rate_wait(twenty, now) == timedelta(seconds=10)
    # messages older than a minute do not count
    assert notify.rate_wait([now - timedelta(seconds=61)] * 40, now) == timedelta(0)


@given(st.lists(st.integers(0, 120), max_size=60), st.integers(1, 30))
def test_rate_wait_never_lets_more_than_the_limit_into_a_minute(offsets, limit):
    now = datetime(2026, 12, 7, 9, 0)
    sent = [now - timedelta(seconds=s) for s in offsets]
    wait = notify.rate_wait(sent, now, limit)
    assert wait >= timedelta(0)
    then = now + wait
    assert sum(1 for t in sent if then - t < notify.RATE_WINDOW) < limit


@given(st.sampled_from(sorted(notify.KINDS)),
       st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)))
def test_a_notification_is_never_due_before_it_is_written_and_waits_only_when_not_urgent(kind, now):
    due = notify.due_at(kind, now, CAL, HOURS)
    assert due >= now
    if notify.KINDS[kind].urgent:
        assert due == now
    else:
        assert CAL.is_working_day(due.date()) and any(a <= due.time() < b for a, b in HOURS)


@pytest.mark.parametrize(("typed", "shown"), [
    ("**重要**", "＊＊重要＊＊"),
    ("[点此](http://x.example)", "［点此］(http://x.example)"),
    ("陈晓雯 (agent1)", "陈晓雯 (agent1)"),
    ("回访台 #12 ~删除~ a|b c\\d", "回访台 ＃12 ～删除～ a｜b c＼d"),
    ("\x1b[31m红\x1b[0m色\x07", "红色"),
    ("标题\r\n第二行\t完", "标题 第二行 完"),
    ("# 标题\n> 引用", "＃ 标题 ＞ 引用"),
    ("张三_李四`代码`", "张三＿李四｀代码｀"),
    ("<font color=red>x</font>", "＜font color=red＞x＜/font＞"),
    ("@所有人", "＠所有人"),
    ("普通文字 2026-12-07 15:00", "普通文字 2026-12-07 15:00"),
])
def test_user_text_is_literal_in_markdown(typed, shown):
    assert notify.escape_markdown(typed) == shown


@given(st.text(max_size=80))
def test_escaped_text_has_no_markdown_marks_and_no_control_characters(text):
    out = notify.escape_markdown(text)
    assert not set(out) & set("*_#[]<>`~|\\@")
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in out)
    assert len(out) <= len(text)
    if "\x1b" not in text:  # an escape sequence goes whole, whatever it holds
        assert out.count("(") == text.count("(") and out.count(")") == text.count(")")  # no link without [ ]

