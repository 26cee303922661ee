"""Chinese line breaking by the usual rules (issue 25 item 7): cases, then properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from huifang_tui.domain.linebreak import NO_END, NO_START, cell_width, line_spans, wrap

SCRIPT = "我们的服务人员正在为贵单位处理工单SX202611032，按计划现在应该已经完成，想向您了解一下进展。"


@pytest.mark.parametrize(("text", "width", "lines"), [
    # the case: the number stays whole and the comma does not start a line
    (SCRIPT, 44, ["我们的服务人员正在为贵单位处理工单", "SX202611032，按计划现在应该已经完成，想向您", "了解一下进展。"]),
    # a closing mark takes the character before it to the next line
    ("请问您现在说话方便吗？", 20, ["请问您现在说话方便", "吗？"]),
    ("（请问您现在）好", 12, ["（请问您现", "在）好"]),
    ("配件（高压隔膜滤板）已到货", 18, ["配件（高压隔膜滤", "板）已到货"]),
    # an opening mark does not end a line: it goes down with what follows it
    ("您好（联系人）", 6, ["您好", "（联系", "人）"]),
    ("请问《使用手册》收到了吗", 6, ["请问", "《使用", "手册》", "收到了", "吗"]),
    # several closing marks in a row stay with the character before them
    ("他说好的。”然后", 8, ["他说好", "的。”然", "后"]),
    # codes, dates, times, decimals stay whole; the text around them breaks
    ("截止2026-12-04 15:00前", 12, ["截止", "2026-12-04", "15:00前"]),
    ("型号1250型，压力1.5MPa", 10, ["型号1250", "型，压力", "1.5MPa"]),
    # Latin text breaks at spaces, and the space at a break goes
    ("Hello world again", 11, ["Hello world", "again"]),
    ("Call SX202611032, please.", 12, ["Call", "SX202611032,", "please."]),
    # an ellipsis or a dash pair is not split
    ("好的……再见", 5, ["好", "的……", "再见"]),
    ("好的——再见", 6, ["好的——", "再见"]),
    # a piece wider than the whole line is the only thing ever cut
    ("ABCDEFGHIJ", 4, ["ABCD", "EFGH", "IJ"]),
    ("工单SX202611032", 6, ["工单", "SX2026", "11032"]),
    # the text's own line breaks stay; empty lines too
    ("第一行\n\n第三行", 20, ["第一行", "", "第三行"]),
    ("", 10, [""]),
    # an indent is kept when it fits; spaces at the end go
    ("  缩进", 10, ["  缩进"]),
    ("结尾   ", 10, ["结尾"]),
    # a run that may not be broken and is wider than the line: the width wins
    ("好，，，，，，", 6, ["好，，", "，，，", "，"]),
    # a date and its time stay together where the pair fits (issue 25, dialogs item 1) …
    ("改约到 2026-12-14 10:00。", 20, ["改约到", "2026-12-14 10:00。"]),
    ("截止时间 2026-12-08 23:59，请尽快", 24, ["截止时间", "2026-12-08 23:59，请尽快"]),
    ("on 2026/12/14 09:30:00 ok", 20, ["on", "2026/12/14 09:30:00", "ok"]),
    # … and only then: a time after a mere number, or a pair wider than a line, breaks as before
    ("编号 20261214 10:00 到", 14, ["编号 20261214", "10:00 到"]),
    ("2026-12-14 10:00", 12, ["2026-12-14", "10:00"]),
])
def test_cases(text, width, lines):
    assert wrap(text, width) == lines


def test_cell_width_is_the_east_asian_rule():
    assert cell_width("SX2026") == 6
    assert cell_width("工单，") == 6
    assert cell_width("ＳＸ") == 4  # full-width letters
    assert cell_width("e\u0301") == 1  # a combining accent takes no cell
    assert cell_width("") == 0


# -- properties ----------------------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
PUNCT = st.sampled_from(sorted(NO_START | NO_END | set("…—“”‘’ 　")))
ANY = st.text(st.one_of(CJK, ASCII, PUNCT, st.just("\n")), max_size=120)


def _check_cover(text: str, spans: list[tuple[int, int]]) -> None:
    """Nothing is lost: between and around the lines there are only spaces and line breaks."""
    pos = 0
    for a, b in spans:
        assert pos <= a <= b <= len(text)
        assert text[pos:a].strip(" \t\r\n") == "", (text, spans)
        pos = b
    assert text[pos:].strip(" \t\r\n") == ""


@settings(max_examples=300, deadline=None)
@given(ANY, st.integers(2, 60))
def test_nothing_is_lost(text, width):
    spans = line_spans(text, width)
    _check_cover(text, spans)
    # every character other than a space is on exactly one line, in order
    assert "".join(text[a:b] for a, b in spans).replace(" ", "") == re.sub(r"[ \t\r\n]", "", text)


@settings(max_examples=300, deadline=None)
@given(ANY, st.integers(2, 60))
def test_width_is_never_exceeded_in_cells(text, width):
    for line in wrap(text, width):
        assert cell_width(line) <= width
    for line in wrap(text, width, cells=cell_len):  # as Rich measures what it draws
        assert cell_len(line) <= width


@settings(max_examples=300, deadline=None)
@given(st.text(st.one_of(CJK, ASCII, PUNCT), max_size=80))
def test_our_width_is_richs_for_this_text(text):
    assert cell_width(text) == cell_len(text)


# Text whose every unbreakable run fits a line: one opening mark at most, a character or a
# code of up to 8 letters and digits, one closing mark at most; codes apart from each other.
OPENERS = sorted(c for c in NO_END if ord(c) > 0x2000)
CLOSERS = sorted(c for c in NO_START if ord(c) > 0x2000)
CODE = st.from_regex(r"[A-Z]{0,2}[0-9]{1,6}", fullmatch=True)
GROUP = st.tuples(st.one_of(st.just(""), st.sampled_from(OPENERS)), st.one_of(CJK, CODE),
                  st.one_of(st.just(""), st.sampled_from(CLOSERS)))


@st.composite
def ruled_text(draw) -> str:
    out = ""
    for opener, body, closer in draw(st.lists(GROUP, max_size=40)):
        if out and out[-1].isascii() and out[-1].isalnum() and not opener and body[0].isascii():
            out += " "  # two codes side by side would be one code
        out += opener + body + closer
    return out


@settings(max_examples=300, deadline=None)
@given(ruled_text(), st.integers(14, 50))
def test_the_rules_hold_when_every_run_fits(text, width):
    spans = line_spans(text, width)
    lines = [text[a:b] for a, b in spans]
    for i, line in enumerate(lines):
        assert cell_width(line) <= width
        if i > 0:
            assert line[:1] not in NO_START, (text, lines)
        if i < len(lines) - 1:
            assert line[-1:] not in NO_END, (text, lines)
    for m in re.finditer(r"[A-Za-z0-9]+", text):  # every code within one line
        assert any(a <= m.start() and m.end() <= b for a, b in spans), (m.group(), lines)
