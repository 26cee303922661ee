"""Demo safety (issue "first hour" item 8): `huifang demo` never silently throws away work
people did in the demo database; `--reuse` (what `make run` uses) opens the existing one."""

from __future__ import annotations

import json

from huifang_tui import cli


def _first_number(db, capsys) -> str:
    capsys.readouterr()
    assert cli.main(["--db", str(db), "--as", "agent1", "queue", "--json"]) == 0
    return json.loads(capsys.readouterr().out)[0]["number"]


def test_demo_refuses_to_rebuild_over_recorded_work_unless_forced(tmp_path, capsys):
    db = tmp_path / "demo.db"
    assert cli.main(["--db", str(db), "demo", "--no-open", "--customers", "30"]) == 0
    assert cli.main(["--db", str(db), "demo", "--no-open", "--customers", "30"]) == 0  # nothing done yet
    number = _first_number(db, capsys)
    assert cli.main(["--db", str(db), "--as", "agent1", "record", number, "--outcome", "no_answer"]) == 0
    capsys.readouterr()
    assert cli.main(["--db", str(db), "demo", "--no-open", "--customers", "30"]) == 2
    err = capsys.readouterr().err
    assert "通话记录" in err and "--force" in err
    assert _first_number(db, capsys)  # still there, unchanged
    assert cli.main(["--db", str(db), "demo", "--no-open", "--customers", "30", "--force"]) == 0


def test_reuse_keeps_the_existing_demo(tmp_path, capsys):
    db = tmp_path / "demo.db"
    assert cli.main(["--db", str(db), "demo", "--no-open", "--customers", "30"]) == 0
    number = _first_number(db, capsys)
    assert cli.main(["--db", str(db), "--as", "agent1", "record", number, "--outcome", "no_answer"]) == 0
    capsys.readouterr()
    assert cli.main(["--db", str(db), "demo", "--no-open", "--reuse"]) == 0
    assert "已有的演示数据库" in capsys.readouterr().out
    assert cli.main(["--db", str(db), "demo", "--no-open", "--customers", "30"]) == 2  # the work is kept
