"""Call scripts in data/scripts/ (SPEC §3 kinds, §4 通话脚本): one valid TOML file per kind."""

from __future__ import annotations

import string
import tomllib
import unicodedata
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "data" / "scripts"

# code -> 中文 (SPEC §3 kinds table)
KINDS = {
    "progress_check": "进度查询",
    "completion": "完工回访",
    "usage": "使用回访",
    "first_sale": "首次回访",
    "quarterly": "常规回访",
    "onsite": "现场回访",
    "annual_visit": "年度走访",
    "low_score": "低分跟进",
    "nm_new": "新注册回访",
    "nm_inactive": "沉睡客户回访",
    "nm_event": "事件回访",
}

ALLOWED = {
    "company", "agent", "customer", "contact", "product", "work_order",
    "completed_on", "sale_date", "event", "due_on",
}

KEYS = {"title", "purpose", "opening", "questions", "score_prompts", "closing", "tips"}

# realistic, fairly long record values, to check what the agent actually sees
SAMPLE = {
    "company": "华东机电设备有限公司",
    "agent": "王丽",
    "customer": "杭州明达精细化工有限公司",
    "contact": "张建国",
    "product": "XAZ-800压滤机",
    "work_order": "SX202405001",
    "completed_on": "2026-11-20",
    "sale_date": "2026-10-15",
    "event": "参加2026年用户技术交流会",
    "due_on": "2026-12-01",
}

MAX_COLUMNS = 76  # ≤ 38 Chinese characters: a filled line fits an 80-column terminal

# phrases that put words in the customer's mouth (003 关键执行要点: no leading questions)
LEADING = ("是不是", "对吧", "对不对", "很满意吧", "没问题吧", "应该")


def load(kind: str) -> dict:
    return tomllib.loads((SCRIPTS / f"{kind}.toml").read_text(encoding="utf-8"))


def texts(script: dict) -> list[tuple[str, str]]:
    """Every agent-facing string of a script, with where it comes from."""
    out = [("title", script["title"]), ("purpose", script["purpose"]),
           ("opening", script["opening"]), ("closing", script["closing"])]
    out += [(f"questions[{i}]", q) for i, q in enumerate(script["questions"])]
    out += [(f"score_prompts.{k}", v) for k, v in script["score_prompts"].items()]
    out += [(f"tips[{i}]", t) for i, t in enumerate(script["tips"])]
    return out


def width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def test_exactly_the_eleven_kinds():
    assert {p.stem for p in SCRIPTS.glob("*.toml")} == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_keys_and_types(kind):
    s = load(kind)
    assert set(s) == KEYS
    for key in ("title", "purpose", "opening", "closing"):
        assert isinstance(s[key], str) and s[key].strip(), key
    assert s["title"] == KINDS[kind]
    assert "\n" not in s["purpose"]
    assert isinstance(s["questions"], list) and 3 <= len(s["questions"]) <= 6
    assert all(isinstance(q, str) and q.strip() for q in s["questions"])
    assert isinstance(s["score_prompts"], dict)
    assert set(s["score_prompts"]) == {"resolution", "attitude"}
    assert isinstance(s["tips"], list) and 1 <= len(s["tips"]) <= 3
    assert all(isinstance(t, str) and t.strip() for t in s["tips"])


@pytest.mark.parametrize("kind", KINDS)
def test_placeholders_are_allowed_and_braces_balanced(kind):
    for where, text in texts(load(kind)):
        for _literal, field, spec, conv in string.Formatter().parse(text):  # raises on a stray brace
            if field is None:
                continue
            assert field in ALLOWED, f"{kind} {where}: unknown placeholder {{{field}}}"
            assert not spec and conv is None, f"{kind} {where}: {{{field}}} with a format spec"


@pytest.mark.parametrize("kind", KINDS)
def test_tips_and_titles_have_no_placeholders(kind):
    # the call screen shows title and tips as typed, without filling them
    s = load(kind)
    for text in [s["title"], *s["tips"]]:
        assert "{" not in text and "}" not in text


@pytest.mark.parametrize("kind", KINDS)
def test_opening_identity_and_purpose(kind):
    opening = load(kind)["opening"]
    assert "您好" in opening
    assert "{company}" in opening and "{agent}" in opening  # who is calling
    assert "{contact}" in opening  # confirm who was reached
    assert "职务" in opening  # … and their position (000 §4.11)
    assert "方便" in opening  # asks whether now is convenient


@pytest.mark.parametrize("kind", KINDS)
def test_closing_is_polite(kind):
    closing = load(kind)["closing"]
    assert "再见" in closing and "您" in closing and "请" in closing  # 002 三要
    assert "感谢" in closing


@pytest.mark.parametrize("kind", KINDS)
def test_score_prompts_state_the_scale(kind):
    for key, prompt in load(kind)["score_prompts"].items():
        assert "1分" in prompt and "很不满意" in prompt, key
        assert "5分" in prompt and "非常满意" in prompt, key


@pytest.mark.parametrize("kind", KINDS)
def test_questions_are_open(kind):
    for q in load(kind)["questions"]:
        assert q.endswith("？"), q
        assert not any(w in q for w in LEADING), q


@pytest.mark.parametrize("kind", KINDS)
def test_lines_fit_an_80_column_terminal(kind):
    for where, text in texts(load(kind)):
        filled = string.Formatter().vformat(text, (), SAMPLE)
        for line in filled.splitlines():
            assert width(line) <= MAX_COLUMNS, f"{kind} {where}: {line!r} is {width(line)} columns"


def test_kind_specific_content():
    assert "道歉" in load("low_score")["opening"].split("{customer}")[0]  # apology first
    assert "补救" in load("low_score")["purpose"] + load("low_score")["opening"]
    assert "补偿" in "".join(load("low_score")["questions"])
    assert "进展" in load("progress_check")["opening"]
    assert "{work_order}" in load("progress_check")["opening"]
    assert "{completed_on}" in load("usage")["opening"]
    assert "{event}" in load("nm_event")["opening"]
    for kind in ("nm_new", "nm_inactive", "nm_event"):
        qs = "".join(load(kind)["questions"])
        assert "厂家" in qs  # competitor info (001 三(四)5)
        assert "联系人" in qs and "电话" in qs  # basic info confirmed (001 三(四)1)
    for kind in ("onsite", "annual_visit"):  # a visit, not a phone call
        s = load(kind)
        assert "接待" in s["opening"]
        assert "电话回访" not in s["opening"]
