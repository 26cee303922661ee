"""Issue 23 item 6, "Must show": ``report monthly --month M --now T --json`` for a T inside M
is the report that was produced at T. The history (``history.py``) is typed in time up to T and
the report made then; the rest of the month is typed, and at 2026-11-03 the report as of T must
give the same figures. The same history typed afterwards with ``--when`` gives them too, but
for the late-entry counts. ``issues --now T`` likewise lists the issues as they stood at T.
Both back ends."""

from __future__ import annotations

from pprint import pformat

from datetime import datetime

import pytest

from timeline.history import AFTER, command_line, fresh, replay_afterwards, replay_in_time, second_store  # noqa: F401
from timeline.history import differences, report, strip_late

pytestmark = pytest.mark.both_backends

TIMES = [
    datetime(2026, 10, 8, 12, 0),  # the first working day after the holiday, mid-morning's work done
    datetime(2026, 10, 9, 12, 0),  # A completed, B unreachable, 停机故障 acknowledged late, not solved
    datetime(2026, 10, 12, 17, 0),  # every issue solved, one not yet closed
]


def _at(desk, t: datetime) -> dict:  # noqa: ANN001
    """The report and the issue list made with the clock at *t* (no ``--now``)."""
    desk.clock.now = t
    return {"report": report(desk), "issues": desk.json("sup1", "issues")}


def _as_of(desk, t: datetime) -> dict:  # noqa: ANN001
    """The report and the issue list as of *t*, asked at ``AFTER``."""
    desk.clock.now = AFTER
    return {"report": report(desk, now=t), "issues": desk.json("sup1", "issues", "--now", t.isoformat(timespec="minutes"))}


@pytest.mark.parametrize("t", TIMES, ids=lambda t: t.strftime("%m%d-%H%M"))
def test_the_report_as_of_t_is_the_report_made_at_t(store, command_line, t):  # noqa: F811
    desk = fresh(store, command_line)
    replay_in_time(desk, until=t)
    made = _at(desk, t)
    replay_in_time(desk, since=t)
    asked = _as_of(desk, t)
    assert not (d := differences(made["report"], asked["report"])), pformat(d)
    # something happened after t in the month: the report as of now differs
    desk.clock.now = AFTER
    assert report(desk)["overall"] != made["report"]["overall"]


@pytest.mark.parametrize("t", TIMES, ids=lambda t: t.strftime("%m%d-%H%M"))
def test_issues_as_of_t_are_the_issues_listed_at_t(store, command_line, t):  # noqa: F811
    desk = fresh(store, command_line)
    replay_in_time(desk, until=t)
    made = _at(desk, t)
    replay_in_time(desk, since=t)
    asked = _as_of(desk, t)
    assert not (d := differences(made["issues"], asked["issues"])), pformat(d)


@pytest.mark.parametrize("t", TIMES, ids=lambda t: t.strftime("%m%d-%H%M"))
def test_typed_afterwards_the_report_as_of_t_is_the_same_but_the_late_entries(store, second_store, command_line, t):  # noqa: F811
    now = fresh(store, command_line)
    replay_in_time(now, until=t)
    made = _at(now, t)
    later = fresh(second_store, command_line)
    replay_afterwards(later)
    asked = _as_of(later, t)
    assert not (d := differences(strip_late(made["report"]), strip_late(asked["report"]))), pformat(d)
    assert not (d := differences(strip_late(made["issues"]), strip_late(asked["issues"]))), pformat(d)


DAYS = [datetime(2026, 10, 8, 23, 59), datetime(2026, 10, 9, 23, 59), datetime(2026, 10, 10, 23, 59)]


def _boards(desk, end: datetime) -> tuple[dict, dict]:  # noqa: ANN001
    """The board made at the end of *end*'s day, and ``board --date`` of that day asked at
    ``AFTER`` once the rest of the history is typed."""
    replay_in_time(desk, until=end)
    desk.clock.now = end
    made = desk.json("sup1", "board")
    replay_in_time(desk, since=end)
    desk.clock.now = AFTER
    return made, desk.json("sup1", "board", "--date", end.date().isoformat())


@pytest.mark.parametrize("end", DAYS, ids=lambda t: t.strftime("%m%d"))
def test_the_boards_figures_of_a_day_are_those_at_its_end(store, command_line, end):  # noqa: F811
    """``board --date D``: every agent's due / done / remaining / overdue / unreachable as they
    stood at the end of D."""
    made, asked = _boards(fresh(store, command_line), end)
    assert not (d := differences(made["agents"], asked["agents"])), pformat(d)


@pytest.mark.parametrize("end", DAYS, ids=lambda t: t.strftime("%m%d"))
def test_the_boards_alerts_of_a_day_are_those_at_its_end(store, command_line, end):  # noqa: F811
    """…and its alerts: 停机故障 was escalated (acknowledged late) on 10-08 and closed on 10-10;
    the board of 10-08 and 10-09 shows it escalated."""
    made, asked = _boards(fresh(store, command_line), end)
    assert not (d := differences(made["alerts"], asked["alerts"])), pformat(d)
