"""One word for closing overdue work (issue 25 item 14): the state is 逾期未回访 (SPEC, README);
the action that makes it is 关闭为逾期未回访 everywhere — the board's key and F1, its dialog, the
audit log, ``huifang lapse --help``, the README — and the board's alert says the same thing is
waiting (逾期未回访待关闭). The old words (失效处理, 积压待失效) are said nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from huifang_tui.core.i18n import catalog, get_lang, set_lang, t

ROOT = Path(__file__).resolve().parents[2]
ACTION = {"zh_CN": "关闭为逾期未回访", "en": "Close as lapsed"}
# where the action or the alert waiting for it is named
NAMED = ("key.lapse", "board.lapse_title", "board.lapsed", "board.alert.stale", "alertshort.stale",
         "keyshort.board_lapse", "auditlog.action.callback_lapse", "auditlog.action.alert_stale", "work.cli_lapse")


@pytest.fixture
def lang():
    was = get_lang()
    yield
    set_lang(was)


def test_no_catalog_says_the_old_words():
    said = {k: v for k, v in catalog("zh_CN").items() if "失效" in v or "积压" in v}
    assert not said
    said = {k: v for k, v in catalog("en").items() if re.search(r"\bstale\b", v, re.I) and "state" not in k
            and not k.startswith(("requests.", "auditlog.action.request"))}
    assert not said


@pytest.mark.parametrize("language", ("zh_CN", "en"))
def test_the_action_and_its_alert_use_the_state_word(lang, language):
    set_lang(language)
    assert t("key.lapse") == ACTION[language] == t("auditlog.action.callback_lapse").replace("Closed", "Close")
    state = t("cbstate.lapsed")
    for key in NAMED:
        text = t(key)
        if language == "zh_CN":
            assert "逾期" in text, (key, text)
        else:
            assert "laps" in text.lower(), (key, text)
    if language == "zh_CN":
        assert state in t("board.alert.stale") and state in t("work.cli_lapse") and state in t("key.lapse")


def test_the_readme_names_the_board_key_with_the_same_word():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (row,) = [line for line in readme.splitlines() if line.startswith("| board | `x` |")]
    assert f"| {ACTION['zh_CN']}:" in row
