"""``huifang init --shared DIR --group AGENTS [--store-group G] [--admin LOGIN] [--install]``
(issue 14 §1), run in-process as root; the system config goes to a temporary path."""

from __future__ import annotations

import os
import secrets
import sqlite3
import stat
import tomllib
from pathlib import Path

import pytest

from huifang_tui import cli
from huifang_tui.core import system
from huifang_tui.install.setup import InitError, install_sudoers, sudoers_rule

from . import osusers

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (creates groups)")


@pytest.fixture
def groups():
    made: list[str] = []

    def make(prefix: str, create: bool = True) -> str:
        name = f"{prefix}{secrets.token_hex(3)}"
        if create:
            osusers.add_group(name)
        made.append(name)
        return name

    yield make
    for g in made:
        osusers.remove_group(g)


def _gid(name: str) -> int:
    import grp

    return grp.getgrnam(name).gr_gid


def test_init_creates_store_group_dir_config_and_first_admin(tmp_path, groups, capsys):
    agents, store_group = groups("hfag"), groups("hfdb", create=False)
    d = tmp_path / "srv" / "huifang"
    code = cli.main(["init", "--shared", str(d), "--group", agents, "--store-group", store_group,
                     "--admin", "root", "--name", "管理员"])
    out = capsys.readouterr()
    assert code == 0, out.err
    st = d.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, _gid(store_group), 0o2770)
    db = d / "huifang.db"
    assert (db.stat().st_gid, stat.S_IMODE(db.stat().st_mode)) == (_gid(store_group), 0o660)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT login, role FROM app_user").fetchall() == [("root", "admin")]
    conn.close()
    cfg = system.config_path()
    cst = cfg.stat()
    assert (cst.st_uid, stat.S_IMODE(cst.st_mode)) == (0, 0o644)
    data = tomllib.loads(cfg.read_text())
    assert data["database"] == str(db) and data["store_group"] == store_group
    assert data["agents_group"] == agents and data["timezone"]
    assert data["python"] == "/opt/huifang/venv/bin/python"  # this test's interpreter is not everyone's
    # without --install: the exact steps, the sudoers rule among them
    assert "visudo -c" in out.out and f"%{agents} ALL = (huifang-svc : {store_group})" in out.out
    assert "closefrom_override" in out.out and "useradd --system" in out.out  # the service account
    assert data["service_user"] == "huifang-svc"


def test_store_group_with_a_person_in_it_is_refused(tmp_path, groups, capsys):
    agents, store_group = groups("hfag"), groups("hfdb")
    login = f"hfm{secrets.token_hex(3)}"
    osusers.must(["useradd", "-M", "-N", "-G", store_group, login])
    try:
        code = cli.main(["init", "--shared", str(tmp_path / "s"), "--group", agents, "--store-group", store_group,
                         "--admin", "root"])
    finally:
        osusers.remove_user(login)
    assert code == 2
    assert login in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_upgrade_moves_an_existing_store_to_the_new_group_and_keeps_its_data(tmp_path, groups, capsys):
    """Before issue 14 agents were in the directory's group; init --shared again fixes that."""
    agents, store_group = groups("hfag"), groups("hfdb", create=False)
    d = tmp_path / "srv"
    d.mkdir()
    os.chown(d, -1, _gid(agents))
    os.chmod(d, 0o2770)
    assert cli.main(["--db", str(d / "huifang.db"), "init", "--admin", "root"]) == 0
    (d / "huifang-2026-11-30.db").write_bytes(b"backup")
    for p in d.iterdir():
        os.chown(p, -1, _gid(agents))
    capsys.readouterr()
    assert cli.main(["init", "--shared", str(d), "--group", agents, "--store-group", store_group]) == 0
    out = capsys.readouterr().out
    assert "保留" in out
    for p in (d, *d.iterdir()):
        assert p.stat().st_gid == _gid(store_group), p
    assert stat.S_IMODE((d / "huifang.db").stat().st_mode) == 0o660
    assert stat.S_IMODE((d / "huifang-2026-11-30.db").stat().st_mode) == 0o640
    conn = sqlite3.connect(d / "huifang.db")
    assert conn.execute("SELECT login FROM app_user").fetchall() == [("root",)]
    conn.close()


def test_init_shared_needs_the_agents_group(tmp_path, groups, capsys):
    assert cli.main(["init", "--shared", str(tmp_path / "s"), "--group", "no-such-group-hf"]) == 1
    assert "groupadd" in capsys.readouterr().err


def test_sudoers_rule_passes_visudo_and_keeps_only_the_display_variables(tmp_path):
    conf = system.SystemConfig(path=tmp_path / "c.toml", database=Path("/srv/huifang/huifang.db"),
                               store_group="huifang-db", agents_group="agents",
                               python=Path("/opt/huifang/venv/bin/python"))
    rule = sudoers_rule(conf)
    assert 'env_keep = "LANG LC_* TERM COLORTERM TEXTUAL_COLOR_SYSTEM"' in rule and "!env_check" in rule
    assert "/opt/huifang/venv/bin/python -I -m huifang_tui *" in rule
    target = tmp_path / "sudoers.d" / "huifang"
    install_sudoers(rule, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o440
    with pytest.raises(InitError):
        install_sudoers(rule + "this is not sudoers\n", tmp_path / "sudoers.d" / "broken")
    assert not (tmp_path / "sudoers.d" / "broken").exists()
