"""``huifang db backup`` on PostgreSQL runs pg_dump (issue 15)."""

from __future__ import annotations

import shutil
import stat
import subprocess

import pytest

from huifang_tui import cli
from huifang_tui.services.base import Store
from huifang_tui.services.users import os_login
from huifang_tui.store import db

from conftest import NOW
from factories import add_callback, add_customer, add_user


def test_backup_is_a_pg_dump_archive_that_lists_every_table(pg_url, tmp_path, capsys):
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    st = Store(pg_url, clock=lambda: NOW)
    try:
        st.ensure_schema()
        add_user(st, os_login(), "admin")
        add_callback(st, add_customer(st, "甲公司"), "HF202611001")
        dest = tmp_path / "huifang.dump"
        assert cli.main(["--db", pg_url, "db", "backup", str(dest)]) == 0, capsys.readouterr().err
        assert stat.S_IMODE(dest.stat().st_mode) == 0o640
        listing = subprocess.run(["pg_restore", "--list", str(dest)], capture_output=True, text=True, check=True).stdout
        for table in ("callback", "customer", "audit_entry", "alembic_version"):
            assert f"TABLE DATA public {table}" in listing
        assert cli.main(["--db", pg_url, "db", "backup", str(dest)]) == 1  # never overwrites
    finally:
        db.dispose(st.engine)
