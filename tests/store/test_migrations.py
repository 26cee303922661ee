"""Schema migrations, backups and checks (issue: Alembic; SPEC §6 "schema changes never lose data").

The legacy fixture ``tests/data/legacy/v1.db`` was made by the code before migrations existed
(`huifang demo --date 2026-11-23 --customers 40`, then one completion with scores 4,2 and one
no_answer recorded by agent1); the JSON beside it is that code's `queue --json` for agent1.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert
from sqlmodel import SQLModel

from huifang_tui import cli
from huifang_tui.core.errors import SchemaMismatch
from huifang_tui.services.base import Store
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.store import db, migrate, revision
from huifang_tui.store.models import Callback
from huifang_tui.services.users import os_login

from conftest import NOW
from factories import add_callback, add_customer, add_user

LEGACY = Path(__file__).parent.parent / "data" / "legacy"
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def legacy(tmp_path) -> Path:
    path = tmp_path / "v1.db"
    shutil.copy(LEGACY / "v1.db", path)
    return path


def _cli(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC), "LANG": "zh_CN.UTF-8"}
    env.pop("HUIFANG_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "huifang_tui.cli", "--db", str(db_path), *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_revision_list_matches_alembic_history():
    assert migrate.script_revisions() == list(revision.REVISIONS)
    assert migrate.current_head() == revision.HEAD
    assert all(len(r) <= 32 for r in revision.REVISIONS)  # alembic_version.version_num is VARCHAR(32)


def test_migrations_from_empty_build_exactly_the_models(tmp_path):
    """Running every migration gives the schema that a new database gets from the models."""
    engine = db.make_engine("sqlite:///" + str(tmp_path / "m.db"), foreign_keys=False)
    with engine.begin() as conn:
        migrate.upgrade(conn)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata)
        assert diff == []
        assert db.stored_revision(conn) == revision.HEAD


def test_new_database_is_stamped_at_head(store):
    assert store.schema_state() == revision.CURRENT
    with db.read_connection(store.engine) as conn:
        assert db.stored_revision(conn) == revision.HEAD


def test_legacy_database_is_refused_then_upgraded_with_every_row_and_the_same_queue(legacy):
    before = _cli(legacy, "--as", "agent1", "queue", "--date", "2026-11-23", "--json")
    assert before.returncode == 1
    assert "huifang db upgrade" in before.stderr and "Traceback" not in before.stderr
    assert before.stderr.strip().count("\n") == 0  # one line
    app = _cli(legacy, "--as", "agent1")  # opening the app (fast first-paint path) says the same
    assert app.returncode == 1 and "huifang db upgrade" in app.stderr
    con = sqlite3.connect(legacy)
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
              for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()

    refused = _cli(legacy, "--as", "agent1", "db", "upgrade")
    assert refused.returncode == 2, refused.stderr  # a refusal: only an admin upgrades

    up = _cli(legacy, "--as", "root", "db", "upgrade")  # `root` is the fixture's admin
    assert up.returncode == 0, up.stderr
    assert revision.HEAD in up.stdout
    backups = list(legacy.parent.glob("v1.before-upgrade-v1-*.db"))
    assert len(backups) == 1 and stat.S_IMODE(backups[0].stat().st_mode) == 0o640

    con = sqlite3.connect(legacy)
    for t, n in counts.items():
        assert con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] >= n, t
    assert con.execute("SELECT count(*) FROM callback WHERE planned_due_on IS NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM callback WHERE planned_due_on != due_on").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM call_attempt").fetchone()[0] == counts["call_attempt"]
    con.close()

    after = _cli(legacy, "--as", "agent1", "queue", "--date", "2026-11-23", "--json")
    assert after.returncode == 0, after.stderr
    expected = json.loads((LEGACY / "v1_queue_agent1_2026-11-23.json").read_text(encoding="utf-8"))
    got = json.loads(after.stdout)
    keys = ("number", "kind", "customer", "due_on", "deadline", "attempts", "status", "agent")
    assert [{k: r[k] for k in keys} for r in got] == [{k: r[k] for k in keys} for r in expected]

    again = _cli(legacy, "--as", "root", "db", "upgrade")
    assert again.returncode == 0 and "无需升级" in again.stdout

    check = _cli(legacy, "--as", "root", "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.sqlite_only
def test_checking_the_revision_never_takes_the_write_lock(store, monkeypatch):
    """Normal commands compare revisions on a plain read: a writer holding the lock does not
    block them (with a near-zero busy timeout, taking the lock would fail at once)."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.05)
    path = db.sqlite_path(store.url)
    holder = sqlite3.connect(str(path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        Store(store.url).check_schema()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_database_from_a_newer_version_is_refused(store):
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    with pytest.raises(SchemaMismatch, match="更新版本"):
        store.check_schema()


def test_planned_due_on_is_set_on_insert_and_never_moves(store):
    """SPEC §7: a callback keeps the due date it was created with, whatever retries and 改约 do."""
    agent = add_user(store, "agent1")
    cid = add_customer(store, "甲公司")
    cb_id = add_callback(store, cid, "HF202611001", due_on=NOW.date(), deadline_on=NOW.date() + timedelta(days=7))
    with store.write() as s:  # a Core insert (the planner's path) gets it too
        s.execute(insert(Callback.__table__).values(
            number="HF202611002", customer_id=cid, kind="usage", trigger_ref="t2", channel="phone",
            assignee="agent", priority=5, due_on=date(2026, 11, 24), deadline_on=date(2026, 12, 24),
            estimated=False, status="open", attempts=0, contact_name="", created_at=NOW, updated_at=NOW,
            reached_name="", reached_position="", answers="", suggestions="", improvement="", needs="",
            sales_lead=False, competitor="", needs_onsite=False, negative_feedback=False, follow_status="",
            note="", deferred_reason="", version=0))
    with store.read() as s:
        assert s.get(Callback, cb_id).planned_due_on == NOW.date()
        core = s.exec(__import__("sqlmodel").select(Callback).where(Callback.number == "HF202611002")).one()
        assert core.planned_due_on == date(2026, 11, 24)
    record_attempt(store, agent, "HF202611001",
                   CallRecord(outcome="reschedule", to=NOW.replace(hour=15) + timedelta(days=2)))
    with store.read() as s:
        cb = s.get(Callback, cb_id)
        assert cb.due_on == NOW.date() + timedelta(days=2)
        assert cb.planned_due_on == NOW.date()


@pytest.mark.sqlite_only
def test_backup_while_another_process_writes_passes_the_check(store, tmp_path):
    """SPEC §6: backups can be taken while agents work."""
    add_user(store, os_login(), "admin")
    path = db.sqlite_path(store.url)
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, time
        con = sqlite3.connect({str(path)!r}, isolation_level=None, timeout=30)
        con.execute("PRAGMA busy_timeout=30000")
        end = time.time() + 3
        i = 0
        while time.time() < end:
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO audit_entry (at, login, action, entity, entity_id, before, after)"
                        " VALUES ('2026-11-23 09:30:00', 'w', 'test.write', 'x', ?, '', '')", (str(i),))
            con.execute("COMMIT")
            i += 1
        print(i)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        import time as _t

        _t.sleep(0.5)  # let the writer get going (not a timing assertion)
        dest = tmp_path / "backup.db"
        assert cli.main(["--db", str(path), "db", "backup", str(dest)]) == 0
    finally:
        written = int(writer.communicate(timeout=60)[0])
    assert written > 0
    assert stat.S_IMODE(dest.stat().st_mode) == 0o640
    assert dest.stat().st_gid == path.stat().st_gid
    assert cli.main(["--db", str(dest), "db", "check"]) == 0
    assert cli.main(["--db", str(path), "db", "backup", str(dest)]) == 1  # never overwrites


@pytest.mark.sqlite_only
def test_check_reports_a_broken_foreign_key(store, capsys):
    add_user(store, os_login(), "admin")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # no effect inside a transaction
    raw = sqlite3.connect(str(db.sqlite_path(store.url)), isolation_level=None)
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("INSERT INTO contact (customer_id, name, role, phone, email, needs_correction, is_primary)"
                " VALUES (999, 'x', '', '', '', 0, 0)")
    raw.close()
    assert cli.main(["--db", str(db.sqlite_path(store.url)), "db", "check"]) == 1
    out = capsys.readouterr().out
    assert "✗ 外键" in out and "contact" in out


@pytest.mark.sqlite_only
def test_backup_and_check_need_their_roles(store, tmp_path):
    add_user(store, os_login(), "agent")
    path = str(db.sqlite_path(store.url))
    assert cli.main(["--db", path, "db", "backup", str(tmp_path / "b.db")]) == 2
    assert not (tmp_path / "b.db").exists()
    assert cli.main(["--db", path, "db", "check"]) == 2


def test_attempts_from_before_entered_at_are_entered_when_they_happened(legacy):
    """0005: existing call attempts get entered_at = at and are not late entries."""
    up = _cli(legacy, "--as", "root", "db", "upgrade")
    assert up.returncode == 0, up.stderr
    con = sqlite3.connect(legacy)
    try:
        rows = con.execute("SELECT at, entered_at, late_entry FROM call_attempt").fetchall()
    finally:
        con.close()
    assert rows and all(entered == at and late == 0 for at, entered, late in rows)
