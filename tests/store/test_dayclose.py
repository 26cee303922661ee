"""日清日结 (000 §4.11; SPEC §4): each callback counted once in the day's summary."""

from __future__ import annotations

from datetime import date

import pytest

from huifang_tui.services.recording import CallRecord, defer, record_attempt
from huifang_tui.services.dayclose import DayCloseRefused, close_day

from factories import add_callback, add_customer, add_user


def test_summary_counts_each_callback_once(store):
    agent = add_user(store, "agent1")
    for n in range(1, 5):
        add_callback(store, add_customer(store, f"客户{n}"), f"HF20261100{n}", deadline_on=date(2026, 11, 27))
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="busy"))  # retried later today
    record_attempt(store, agent, "HF202611002", CallRecord(outcome="wrong_number"))  # waits for data
    record_attempt(store, agent, "HF202611003", CallRecord(outcome="completed", reached_name="王经理",
                                                           score_resolution=4, score_attitude=5))
    with pytest.raises(DayCloseRefused) as refused:
        close_day(store, agent, date(2026, 11, 23))
    assert [r.number for r in refused.value.untouched] == ["HF202611004"]
    defer(store, agent, "HF202611004", "客户出差")
    s = close_day(store, agent, date(2026, 11, 23))
    # Issue 25 item 1: the day's due stays what was due, however it was handled: 001 (busy,
    # retried today), 002 (waiting for data) and 003 (completed) tried, 004 put off; nothing left.
    assert (s.due, s.attempted, s.completed, s.deferred, s.left) == (4, 3, 1, 1, 0)
    assert s.rescheduled == 2  # tried and not completed
    assert s.tomorrow == date(2026, 11, 24)


def test_defer_refuses_today_and_closed_callbacks(store):
    from huifang_tui.services.base import Conflict
    from huifang_tui.core.errors import ValidationError

    agent = add_user(store, "agent1")
    add_callback(store, add_customer(store, "客户1"), "HF202611001", deadline_on=date(2026, 11, 27))
    with pytest.raises(ValidationError):
        defer(store, agent, "HF202611001", "理由", date(2026, 11, 23))  # not a move at all
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="refused", reason="客户不需要回访"))
    with pytest.raises(Conflict):
        defer(store, agent, "HF202611001", "理由")
