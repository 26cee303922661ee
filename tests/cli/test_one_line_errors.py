"""Refusals and bad input are ONE plain line (issue 26): a line break in what was typed (a
channel name, a table named so in the notify file) does not break the message in two, and the
escape sequences stay out — at the one place the CLI prints an error, so every command has it."""

from __future__ import annotations

import pytest

from huifang_tui import cli
from huifang_tui.store.models import Setting

from factories import add_user


ROBOT = '[channel.{name}]\ntype = "dingtalk"\nurl = "http://127.0.0.1:9/robot/send?access_token=x"\n'


@pytest.fixture
def centre(store, admin, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, "supervisor", "supervisor", "周主管")
    with store.write() as s:
        s.add(Setting(key="demo", value="1"))
    path = tmp_path / "notify.toml"
    path.write_text(ROBOT.format(name="ding"), encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("HUIFANG_NOTIFY_FILE", str(path))
    capsys.readouterr()
    return path


def _err(capsys, *argv: str) -> tuple[int, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as e:
        code = e.code
    return code, capsys.readouterr().err


def test_a_typed_line_break_does_not_split_the_error(centre, capsys):
    code, err = _err(capsys, "--as", "admin1", "notify", "route", "stale", "a\nb\x1b[31mRED")
    assert code in (1, 2)
    assert err.count("\n") == 1 and err.endswith("\n"), repr(err)
    assert "\x1b" not in err and "a bRED" in err


def test_a_channel_table_named_with_a_line_break_does_not_split_the_error(centre, capsys):
    centre.write_text(ROBOT.format(name='"a\\nb"'), encoding="utf-8")
    code, err = _err(capsys, "--as", "admin1", "notify", "test", "ding")
    assert code in (1, 2)
    assert err.count("\n") == 1 and '"a b"' in err, repr(err)


def test_a_message_written_on_two_lines_reads_on_as_one():
    assert cli.one_line("第一行\n第二行\r\n第三行\n") == "第一行 第二行 第三行"
