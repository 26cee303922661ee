"""The command line speaks the user's language, argparse's own words included (issue "first
hour" item 9)."""

from __future__ import annotations

import pytest

from huifang_tui import cli
from huifang_tui.i18n import catalog
from huifang_tui.i18n.argparse_words import WORDS


def test_help_is_chinese_by_default(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：huifang")
    assert "选项" in out and "显示此帮助并退出" in out
    for english in ("usage:", "options:", "show this help message", "positional arguments"):
        assert english not in out


def test_argparse_errors_in_chinese_and_english(capsys):
    with pytest.raises(SystemExit):
        cli.main(["queue", "--date", "x"])
    assert "错误：参数 --date：无效的值" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["--lang", "en", "queue", "--date", "x"])
    assert "error: argument --date: invalid value" in capsys.readouterr().err


def test_every_argparse_word_is_in_both_catalogs():
    for lang in ("zh_CN", "en"):
        words = catalog(lang)
        assert all(key in words for key in WORDS.values()), lang
