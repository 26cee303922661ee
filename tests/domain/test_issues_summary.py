"""Issue deadlines / escalation (SPEC §3; 001 六, 003 二, 000 §4.11) and the monthly summary (000 §4.9)."""

from datetime import date as D
from datetime import datetime as T
from datetime import timedelta

import pytest

from huifang_tui.domain.issues import can_close, escalation_level, issue_deadlines, update_overdue
from huifang_tui.domain.summary import SummaryDue, summary_due


@pytest.mark.parametrize("priority, raised, ack_by, solve_by, every", [
    # 003 二/关键执行要点: urgent 2 h; SPEC: solve 1 wd; update every 24 h. 09-30 → 10-09 (国庆)
    ("urgent", T(2025, 9, 30, 15), T(2025, 9, 30, 17), D(2025, 10, 9), timedelta(hours=24)),
    # 003 关键执行要点: normal 24 h; 001 六(二)2 / SPEC: 3 wd → 10-11 (调休 Saturday)
    ("normal", T(2025, 9, 30, 15), T(2025, 10, 1, 15), D(2025, 10, 11), timedelta(hours=24)),
    # SPEC: low ack by end of the 3rd working day, solve 5 wd, weekly updates
    ("low", T(2025, 9, 30, 15), T(2025, 10, 11, 23, 59, 59), D(2025, 10, 14), timedelta(days=7)),
])
def test_issue_deadlines(priority, raised, ack_by, solve_by, every, policy, cal):
    d = issue_deadlines(priority, raised, policy, cal)
    assert (d.ack_by, d.solve_by, d.update_every) == (ack_by, solve_by, every)


def test_unknown_issue_priority(policy, cal):
    with pytest.raises(ValueError):
        issue_deadlines("critical", T(2025, 9, 30), policy, cal)


ACK, SOLVE = T(2025, 10, 9, 17), D(2025, 10, 11)


@pytest.mark.parametrize("complaint, acked, solved, now, level", [
    (True, None, None, T(2025, 10, 9, 9), 2),  # 000 §4.11: 投诉 → 总经理 at once
    (False, None, None, T(2025, 10, 9, 9), 0),
    (False, None, None, T(2025, 10, 9, 18), 1),  # ack missed → supervisor (003 关键执行要点 升级)
    (False, T(2025, 10, 9, 16), None, T(2025, 10, 12, 9), 1),  # solution missed
    (False, None, None, T(2025, 10, 12, 9), 2),  # both missed → 总经理
    (False, T(2025, 10, 9, 18), T(2025, 10, 10, 9), T(2025, 10, 20), 1),  # late ack stays escalated
    (False, T(2025, 10, 9, 16), T(2025, 10, 11, 20), T(2025, 10, 20), 0),
])
def test_escalation_level(complaint, acked, solved, now, level):
    assert escalation_level(complaint, ACK, acked, SOLVE, solved, now) == level


def test_update_overdue():
    # 003 二: 每24小时更新进度
    assert not update_overdue(T(2025, 10, 9, 9), timedelta(hours=24), T(2025, 10, 10, 9))
    assert update_overdue(T(2025, 10, 9, 9), timedelta(hours=24), T(2025, 10, 10, 9, 1))


@pytest.mark.parametrize("solution, told_on, satisfaction, missing", [
    ("更换压缩机", D(2025, 10, 9), 4, []),  # 001 六(二)3
    ("  ", None, None, ["solution", "told_on", "satisfaction"]),
    ("更换压缩机", D(2025, 10, 9), 6, ["satisfaction"]),
    (None, D(2025, 10, 9), 1, ["solution"]),
])
def test_can_close(solution, told_on, satisfaction, missing):
    assert can_close(solution, told_on, satisfaction) == missing


@pytest.mark.parametrize("year, month, visible, due", [
    # 000 §4.9: 次月2日前报总经理; visible from the last working day of M
    (2025, 9, D(2025, 9, 30), D(2025, 10, 2)),  # 10-02 is a holiday: kept as the seed says
    (2026, 1, D(2026, 1, 30), D(2026, 2, 2)),  # 01-31 is a Saturday
    (2025, 12, D(2025, 12, 31), D(2026, 1, 2)),
    (2026, 2, D(2026, 2, 28), D(2026, 3, 2)),  # 02-28 is a 调休 Saturday
])
def test_summary_due(year, month, visible, due, cal):
    assert summary_due(year, month, cal) == SummaryDue(visible, due)
