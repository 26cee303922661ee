"""Issue 16 item 4: an outcome's message says what happens next (same text on screen and CLI)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from huifang_tui.services.recording import AttemptResult, next_step

NOW = datetime(2026, 5, 4, 10, 0)  # a Monday


def _res(status, attempts=1, nxt=None, followups=(), alert=False):
    return AttemptResult("HF1", status, attempts, date(2026, 5, 5), nxt, list(followups), alert)


@pytest.mark.parametrize(("outcome", "res", "expected"), [
    ("reschedule", _res("open", 0, datetime(2026, 5, 8, 15, 0)), "HF1：已改约到 5月8日 15:00"),
    ("no_answer", _res("open", 2, datetime(2026, 5, 5, 8, 30)), "HF1：第2次未接通，明天 08:30 再拨"),
    ("busy", _res("open", 1, datetime(2026, 5, 4, 13, 30)), "HF1：第1次占线，今天 13:30 再拨"),
    ("no_answer", _res("unreachable", 3, alert=True), "HF1：第3次未接通，已达最大尝试次数，标记为无法联系，已通知主管"),
    ("completed", _res("completed", 1, followups=["HF2", "HF3"]), "HF1：已完成，已生成 2 条后续回访：HF2, HF3"),
    ("refused", _res("refused"), "HF1：客户拒访，本条回访结束"),
    ("wrong_number", _res("waiting_data"), "HF1：号码错误，已标记联系人待更正，等待新号码后再回访"),
])
def test_next_step_says_what_happens_next(outcome, res, expected):
    assert next_step(res, outcome, NOW) == expected


def test_next_step_in_english():
    from huifang_tui.core.i18n import set_lang

    set_lang("en")
    try:
        text = next_step(_res("open", 2, datetime(2026, 5, 5, 8, 30)), "no_answer", NOW)
    finally:
        set_lang("zh_CN")
    assert text == "HF1: try 2 — No answer; calling again tomorrow 08:30"
