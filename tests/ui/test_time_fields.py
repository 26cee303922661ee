"""Issue 23 item 1: the screens' time and date fields read text with the same one reader as the
command line (the record form's 回访时间, the defer dialog's date, the ledger's 告知 date, the
audit filter's since/until; F8 改约 goes through ``reschedule_time`` like ``--to``)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from huifang_tui.domain.policy import Policy
from huifang_tui.screens.audit import parse_filter
from huifang_tui.services.issue_actions import tell_line as _tell_input
from huifang_tui.screens.queue import _split_date
from huifang_tui.screens.record_form import parse_when

REF = datetime(2026, 11, 23, 16, 0)
DAY = date(2026, 11, 20)


@pytest.mark.parametrize("text, expected", [
    ("2026-11-20T14:30", datetime(2026, 11, 20, 14, 30)),
    ("2026-11-20 14:30", datetime(2026, 11, 20, 14, 30)),
    ("2026-11-20T14:30:15", datetime(2026, 11, 20, 14, 30, 15)),
    ("2026-11-20", datetime.combine(DAY, Policy().work_hours[0][0])),
    ("今天 15:00", datetime(2026, 11, 23, 15)),
    ("today 3pm", datetime(2026, 11, 23, 15)),
])
def test_record_form_time_takes_every_format(text, expected):
    assert parse_when(text, REF) == expected


@pytest.mark.parametrize("text", ["2026-11-20", "2026-11-20T09:00", "2026-11-20T09:00:00"])
def test_date_fields_take_a_date_or_a_date_time(text):
    assert _split_date(f"{text} 客户出差") == (DAY, "客户出差")
    assert _tell_input(f"{text} 4", REF.date()) == (DAY, 4)
    f = parse_filter(f"since={text} until={text}")
    assert (f.since, f.until) == (DAY, DAY)


def test_unreadable_form_time_is_none():
    assert parse_when("下下下周", REF) is None
    assert _split_date("下下下周 客户出差") == (None, "下下下周 客户出差")
