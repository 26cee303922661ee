"""Queue order, overdue and countdown: SPEC §4 今日队列, SPEC §3 overdue / grouping."""

from dataclasses import dataclass
from datetime import date as D
from datetime import datetime as T

import pytest

from huifang_tui.domain.queue import Countdown, countdown, group_same_customer, is_overdue, sort_key


@pytest.mark.parametrize("deadline_on, deadline_at, now, expected", [
    (D(2025, 10, 11), None, T(2025, 10, 11, 23, 59), False),  # SPEC §3: met on the day itself
    (D(2025, 10, 11), None, T(2025, 10, 12, 0, 0), True),
    (D(2025, 10, 11), T(2025, 10, 11, 16), T(2025, 10, 11, 16), False),  # 003 四: 24 h exactly
    (D(2025, 10, 11), T(2025, 10, 11, 16), T(2025, 10, 11, 16, 1), True),
])
def test_is_overdue(deadline_on, deadline_at, now, expected):
    assert is_overdue(deadline_on, deadline_at, now) is expected


def test_sort_order_follows_spec_4():
    now = T(2025, 10, 13, 9)
    rows = [  # (number, priority, deadline_on, deadline_at)
        ("HF4", 5, D(2025, 10, 20), None),  # ordinary, late deadline
        ("HF3", 2, D(2025, 10, 14), None),  # ordinary, early deadline
        ("HF2", 4, D(2025, 10, 10), None),  # overdue
        ("HF1", 0, D(2025, 10, 14), T(2025, 10, 14, 8)),  # low-score follow-up
        ("HF0", 0, D(2025, 10, 13), None),  # complaint follow-up, earlier deadline
    ]
    ordered = sorted(rows, key=lambda r: sort_key(r[1], is_overdue(r[2], r[3], now), r[2], r[3], r[0]))
    assert [r[0] for r in ordered] == ["HF0", "HF1", "HF2", "HF3", "HF4"]


@pytest.mark.parametrize("deadline_on, deadline_at, now, expected", [
    # 剩2天: Thu 10-09 → Fri 10-10, Sat 10-11 (调休)
    (D(2025, 10, 11), None, T(2025, 10, 9, 10), Countdown(2, None, False)),
    (D(2025, 10, 11), None, T(2025, 10, 11, 10), Countdown(0, None, False)),  # due today
    (D(2025, 9, 30), None, T(2025, 10, 9, 10), Countdown(1, None, True)),  # 逾期1天 (holidays skipped)
    (D(2025, 10, 10), None, T(2025, 10, 12, 10), Countdown(1, None, True)),  # Sunday, Sat was working
    (D(2025, 10, 17), None, T(2025, 10, 18, 10), Countdown(1, None, True)),  # rest day: at least 1
    (D(2025, 10, 11), T(2025, 10, 11, 16), T(2025, 10, 11, 11), Countdown(None, 5.0, False)),  # 剩5小时
    (D(2025, 10, 11), T(2025, 10, 11, 16), T(2025, 10, 11, 17, 30), Countdown(None, 1.5, True)),
])
def test_countdown(deadline_on, deadline_at, now, expected, cal):
    assert countdown(deadline_on, deadline_at, now, cal) == expected


@dataclass
class Item:
    number: str
    customer_id: int


def test_group_same_customer_keeps_first_appearance_order():
    # SPEC §3: two open callbacks of one customer on one day are presented together
    items = [Item("HF1", 5), Item("HF2", 9), Item("HF3", 5), Item("HF4", 2)]
    groups = group_same_customer(items)
    assert [[i.number for i in g] for g in groups] == [["HF1", "HF3"], ["HF2"], ["HF4"]]
    assert group_same_customer(items, key=lambda i: i.number[-1]) == [[i] for i in items]
