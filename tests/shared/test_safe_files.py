"""safe_files: a file a person names is never a symlink, a FIFO, or anything of the store's
(issue 14 §3). The checks are made on the opened descriptors."""

from __future__ import annotations

import os
import stat

import pytest

from huifang_tui.core import checked_files as safe_files
from huifang_tui.core import system
from huifang_tui.core.checked_files import FileRefused, _Guard

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="needs root to give files another group")
OTHER_GID = 1  # 'daemon' on Debian: a group the test files do not otherwise have


@pytest.fixture
def store_dir(tmp_path, monkeypatch):
    d = tmp_path / "srv" / "huifang"
    d.mkdir(parents=True)
    st = os.stat(d)
    monkeypatch.setattr(safe_files, "_guard", lambda: _Guard(OTHER_GID if ROOT else None, (st.st_dev, st.st_ino)))
    return d


def test_plain_files_read_and_write(tmp_path, store_dir):
    p = tmp_path / "in.csv"
    p.write_bytes(b"a,b\n")
    assert safe_files.read_bytes(p) == b"a,b\n"
    with safe_files.open_write(tmp_path / "out.csv", text=True) as f:
        f.write("x")
    assert (tmp_path / "out.csv").read_text() == "x"
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o600


def test_symlink_is_refused_for_reading_and_writing(tmp_path, store_dir):
    target = tmp_path / "secret.csv"
    target.write_text("keep")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    with pytest.raises(FileRefused, match="符号链接"):
        safe_files.read_bytes(link)
    with pytest.raises(FileRefused, match="符号链接"):
        safe_files.open_write(link)
    assert target.read_text() == "keep"


def test_fifo_is_refused_without_blocking(tmp_path, store_dir):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(FileRefused, match="不是普通文件"):
        safe_files.read_bytes(fifo)


@pytest.mark.parametrize("where", ["in_store", "below_store", "through_dir_symlink"])
def test_anything_under_the_store_directory_is_refused(tmp_path, store_dir, where):
    sub = store_dir / "backups"
    sub.mkdir()
    (store_dir / "b.csv").write_text("keep")
    (sub / "b.csv").write_text("keep")
    link = tmp_path / "innocent"
    link.symlink_to(sub)
    path = {"in_store": store_dir / "b.csv", "below_store": sub / "b.csv",
            "through_dir_symlink": link / "b.csv"}[where]
    with pytest.raises(FileRefused, match="共享数据库"):
        safe_files.read_bytes(path)
    with pytest.raises(FileRefused, match="共享数据库"):
        safe_files.open_write(path)
    with pytest.raises(FileRefused, match="共享数据库"):
        safe_files.open_write(path.with_name("new.csv"))  # nothing is created there either
    assert path.read_text() == "keep"
    assert not path.with_name("new.csv").exists()


@needs_root
def test_a_file_or_directory_of_the_store_group_is_refused_and_not_truncated(tmp_path, store_dir):
    f = tmp_path / "backup.csv"
    f.write_text("keep")
    os.chown(f, -1, OTHER_GID)
    with pytest.raises(FileRefused):
        safe_files.read_bytes(f)
    with pytest.raises(FileRefused):
        safe_files.open_write(f)
    assert f.read_text() == "keep"
    d = tmp_path / "grouped"
    d.mkdir()
    (d / "x.csv").write_text("keep")
    os.chown(d, -1, OTHER_GID)
    with pytest.raises(FileRefused):
        safe_files.read_bytes(d / "x.csv")


@needs_root
def test_guard_comes_from_the_system_config(tmp_path, monkeypatch):
    import grp

    cfg = tmp_path / "etc" / "config.toml"
    cfg.parent.mkdir()
    store = tmp_path / "srv"
    store.mkdir()
    name = grp.getgrgid(OTHER_GID).gr_name
    cfg.write_text(f'database = "{store}/huifang.db"\nstore_group = "{name}"\nagents_group = "root"\n')
    monkeypatch.setattr(system, "DEFAULT_CONFIG", cfg)
    g = safe_files._guard()
    assert g.gid == OTHER_GID and g.store_dir == (store.stat().st_dev, store.stat().st_ino)


def test_a_config_others_may_write_is_not_trusted(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text('database = "/srv/huifang/huifang.db"\nagents_group = "agents"\n')
    cfg.chmod(0o666)
    with pytest.raises(system.SystemConfigError):
        system.load(cfg)


def test_db_backup_into_the_store_directory_is_refused(tmp_path, store_dir, monkeypatch, capsys):
    from huifang_tui import cli
    from huifang_tui.services.base import Store
    from huifang_tui.services.users import os_login

    import factories

    st = Store("sqlite:///" + str(store_dir / "huifang.db"))
    st.ensure_schema()
    factories.add_user(st, os_login(), "admin")
    monkeypatch.setenv("HUIFANG_DATABASE_URL", st.url)
    assert cli.main(["db", "backup", str(store_dir / "copy.db")]) == 2
    assert "共享数据库" in capsys.readouterr().err
    assert not (store_dir / "copy.db").exists()
    assert cli.main(["db", "backup", str(tmp_path / "copy.db")]) == 0  # the person's own directory
