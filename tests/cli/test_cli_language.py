"""The command line speaks the user's language, argparse's own words included (issue "first
hour" item 9)."""

from __future__ import annotations

import pytest

from huifang_tui import cli
from huifang_tui.core.i18n import catalog
from huifang_tui.core.i18n.argparse_words import WORDS


def test_help_is_chinese_by_default(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：huifang")
    assert "选项" in out and "显示此帮助并退出" in out
    for english in ("usage:", "options:", "show this help message", "positional arguments"):
        assert english not in out


def test_argparse_errors_in_chinese_and_english(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["queue", "--date", "x"])
    assert e.value.code == 1  # bad input: exit 1, one line naming the option and the fix
    err = capsys.readouterr().err
    assert "错误：参数 --date：" in err and "YYYY-MM-DD" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as e:
        cli.main(["--lang", "en", "queue", "--date", "x"])
    assert e.value.code == 1
    assert "error: argument --date: \"x\" is not a date; use YYYY-MM-DD" in capsys.readouterr().err


def test_every_argparse_word_is_in_both_catalogs():
    for lang in ("zh_CN", "en"):
        words = catalog(lang)
        assert all(key in words for key in WORDS.values()), lang


def test_every_command_and_option_has_a_help_text():
    from huifang_tui.cli.help import missing
    from huifang_tui.cli.parser import build

    assert missing(build()) == []


@pytest.mark.parametrize("lang, words", [("zh_CN", ("示例：", "结果：", "用法：")),
                                          ("en", ("examples:", "outcome:", "usage:"))])
def test_record_help_has_examples_in_the_language(lang, words, capsys):
    with pytest.raises(SystemExit):
        cli.main(["--lang", lang, "record", "--help"])
    out = capsys.readouterr().out
    assert all(w in out for w in words)
    assert out.count("huifang record HF") >= 3
