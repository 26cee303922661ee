"""SPEC §6: the OS login is the user; unknown logins are refused with exit status 2."""

from __future__ import annotations


import pytest

from huifang_tui import cli
from huifang_tui.services.users import os_login

from factories import add_user


@pytest.fixture
def db_env(store, monkeypatch):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    return store


def test_unknown_login_is_refused_with_how_to_fix(db_env, capsys):
    add_user(db_env, "someone_else", "admin")
    assert cli.main(["queue", "--json"]) == 2
    err = capsys.readouterr().err
    assert os_login() in err
    assert "huifang user add" in err


def test_known_login_gets_its_queue(db_env, capsys):
    add_user(db_env, os_login(), "agent")
    assert cli.main(["queue", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"


def test_as_is_refused_on_a_real_database(db_env, capsys):
    add_user(db_env, os_login(), "admin")
    add_user(db_env, "agent1", "agent")
    assert cli.main(["--as", "agent1", "queue"]) != 0
    assert "--as" in capsys.readouterr().err


def test_init_makes_current_login_admin(tmp_path, capsys):
    db = tmp_path / "new.db"
    assert cli.main(["--db", str(db), "init", "--name", "张三"]) == 0
    out = capsys.readouterr().out
    assert os_login() in out
    assert cli.main(["--db", str(db), "user", "list"]) == 0
    assert f"{os_login()}\tadmin\t张三" in capsys.readouterr().out


def test_demo_refuses_to_overwrite_a_real_database(tmp_path, capsys):
    db = tmp_path / "prod.db"
    assert cli.main(["--db", str(db), "init"]) == 0
    assert cli.main(["--db", str(db), "demo", "--no-open"]) == 1
    assert "不是演示数据库" in capsys.readouterr().err
    assert cli.main(["--db", str(db), "user", "list"]) == 0  # still the real database
    assert os_login() in capsys.readouterr().out


def test_a_mistyped_database_path_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "sub" / "typo.db"
    assert cli.main(["--db", str(missing), "queue"]) == 1
    assert cli.main(["--db", str(missing)]) == 1
    assert "huifang init" in capsys.readouterr().err
    assert not missing.exists() and not missing.parent.exists()
