"""``huifang migrate-to URL`` (issue 15): a SQLite store copied to an empty PostgreSQL database
with matching counts and checksums, the same queue on both, and a non-empty target refused."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest
from sqlalchemy import text

from huifang_tui import cli
from huifang_tui.demo import build_demo
from huifang_tui.services import migrate_to as mig
from huifang_tui.services.base import Store, next_number
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.issues import raise_issue
from huifang_tui.services.queue import queue_progress, queue_rows
from huifang_tui.services.users import resolve_actor
from huifang_tui.store import db

from conftest import NOW
from factories import add_customer


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "huifang.db"
    st = Store("sqlite:///" + str(path), clock=lambda: NOW)
    st.ensure_schema()
    build_demo(st, date(2026, 11, 23), seed=7, customers=30, admin_login="boss")
    agent = resolve_actor(st, "agent1")
    first = queue_rows(st, agent, NOW.date(), now=NOW)[0].number
    record_attempt(st, agent, first, CallRecord(outcome="no_answer", note="无人接听\t第一次"))
    raise_issue(st, agent, first, title="打印机\n卡纸", priority="urgent")
    yield st, path
    db.dispose(st.engine)


def _migrate(path, url, capsys, login="boss") -> tuple[int, str, str]:
    code = cli.main(["--db", str(path), "--as", login, "migrate-to", url])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_table_copied_with_matching_counts_and_checksums(source, pg_url, capsys):
    st, path = source
    code, out, err = _migrate(path, pg_url, capsys)
    assert code == 0, err
    target = Store(pg_url, clock=lambda: NOW)
    try:
        with db.read_connection(st.engine) as s, db.read_connection(target.engine) as d:
            for table in mig.tables():
                src = mig.table_checksum(s, table)
                assert mig.table_checksum(d, table) == src, table.name
                # printed: the table, both counts and the checksum's first 16 hex digits
                assert any(line.split()[:4] == [table.name, str(src[0]), str(src[0]), src[1][:16]]
                           for line in out.splitlines()), table.name
        assert "✗" not in out
        # The queue reads the same on both back ends.
        for login in ("agent1", "agent2", "supervisor"):
            a, b = resolve_actor(st, login), resolve_actor(target, login)
            assert [asdict(r) for r in queue_rows(target, b, NOW.date(), now=NOW)] == \
                   [asdict(r) for r in queue_rows(st, a, NOW.date(), now=NOW)]
            assert queue_progress(target, b, NOW.date(), now=NOW) == queue_progress(st, a, NOW.date(), now=NOW)
        # Sequences and counters continue after the copied rows.
        add_customer(target, "迁移后新客户")
        with st.write() as s1, target.write() as s2:
            assert next_number(s2, "HF", NOW.date()) == next_number(s1, "HF", NOW.date())
    finally:
        db.dispose(target.engine)


def test_a_non_empty_target_is_refused_and_left_alone(source, pg_url, capsys):
    _st, path = source
    assert _migrate(path, pg_url, capsys)[0] == 0
    target = Store(pg_url, clock=lambda: NOW)
    try:
        with target.engine.connect() as c:
            before = c.execute(text("SELECT count(*) FROM audit_entry")).scalar()
        code, out, err = _migrate(path, pg_url, capsys)
        assert code == 2
        assert "不是空的" in err and err.count("\n") == 1
        with target.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM audit_entry")).scalar() == before
    finally:
        db.dispose(target.engine)


def test_only_an_admin_may_move_the_store(source, pg_url, capsys):
    _st, path = source
    code, _out, err = _migrate(path, pg_url, capsys, login="agent1")
    assert code == 2 and "管理员" in err


def test_a_difference_rolls_everything_back(source, pg_url, capsys, monkeypatch):
    """The check can fail: a copy that loses a row is reported and nothing is committed."""
    _st, path = source
    real = mig._copy_table

    def lossy(src, dst, table):  # noqa: ANN001
        real(src, dst, table)
        if table.name == "call_attempt":
            dst.execute(text("DELETE FROM call_attempt WHERE id = (SELECT max(id) FROM call_attempt)"))

    monkeypatch.setattr(mig, "_copy_table", lossy)
    code, _out, err = _migrate(path, pg_url, capsys)
    assert code == 1 and "call_attempt" in err
    target = Store(pg_url, clock=lambda: NOW)
    try:
        assert not target.is_initialised()
    finally:
        db.dispose(target.engine)


def test_the_target_must_be_postgresql(source, tmp_path, capsys):
    _st, path = source
    code, _out, err = _migrate(path, "sqlite:///" + str(tmp_path / "other.db"), capsys)
    assert code == 1 and "PostgreSQL" in err


def test_canonical_text_is_the_same_for_equal_values():
    from decimal import Decimal

    assert mig._canon(Decimal("12.5"), 2) == mig._canon(Decimal("12.50"), 2) == "12.50"
    assert mig._canon(NOW, None) == "2026-11-23 09:30:00"
    assert mig._canon(True, None) is True and mig._canon(None, None) is None
