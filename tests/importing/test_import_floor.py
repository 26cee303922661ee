"""Imports never block the floor (issue 13 item 1): the file is checked without holding any
lock, then written in short transactions; an interrupted import is resumed by importing the
same file again (idempotent); every audit row of an import carries its import id."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlmodel import select

from huifang_tui.services import imports
from huifang_tui.services.imports import import_file
from huifang_tui.store.models import AuditEntry, WorkOrder

from .conftest import WO_HEADER, counts, write_csv


def _rows(n: int) -> list[str]:
    return [f"SX{i:06d},客户{i % 7},联系人{i % 7},13800{i:06d},产品,描述,一般,组,人,2024-05-01 09:00,"
            f"2024-05-03,2024-05-02 10:00,,,已完成,维修,," for i in range(n)]


def _may_write_now(store) -> bool:  # noqa: ANN001
    """Another connection takes the write lock without waiting: no one else holds it."""
    c = sqlite3.connect(store.url[len("sqlite:///"):], timeout=0, isolation_level=None)
    try:
        c.execute("BEGIN IMMEDIATE")
        c.execute("COMMIT")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        c.close()


def test_no_lock_while_checking_and_between_chunks(store, admin, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 10)
    f = write_csv(tmp_path / "wo.csv", [WO_HEADER, *_rows(45)])
    free_while_checking: list[bool] = []
    chunks: list[int] = []
    real_write = imports._Writer.write

    def write(self, chunk):  # noqa: ANN001
        assert _may_write_now(store)  # nothing held between two chunks
        chunks.append(len(chunk))
        real_write(self, chunk)

    monkeypatch.setattr(imports._Writer, "write", write)

    def progress(done, total):  # noqa: ANN001
        if total is None:
            free_while_checking.append(_may_write_now(store))

    r = import_file(store, admin, "workorders", f, progress=progress)
    assert r.created == 45
    assert len(free_while_checking) == 45 and all(free_while_checking)
    assert chunks == [10, 10, 10, 10, 5]


def test_an_interrupted_import_is_finished_by_importing_again(store, admin, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 10)
    f = write_csv(tmp_path / "wo.csv", [WO_HEADER, *_rows(35)])
    real_write = imports._Writer.write
    calls = {"n": 0}

    def failing(self, chunk):  # noqa: ANN001
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        real_write(self, chunk)

    monkeypatch.setattr(imports._Writer, "write", failing)
    with pytest.raises(KeyboardInterrupt):
        import_file(store, admin, "workorders", f)
    with store.read() as s:
        assert len(s.exec(select(WorkOrder)).all()) == 20  # two chunks committed, the third rolled back
    monkeypatch.setattr(imports._Writer, "write", real_write)
    r = import_file(store, admin, "workorders", f)
    assert (r.created, r.unchanged) == (15, 20)
    before = counts(store)
    r = import_file(store, admin, "workorders", f)
    assert (r.created, r.updated, r.unchanged) == (0, 0, 35) and counts(store) == before


def test_every_audit_row_of_an_import_carries_its_id(store, admin, tmp_path):
    f = write_csv(tmp_path / "wo.csv", [WO_HEADER, *_rows(12)])
    r = import_file(store, admin, "workorders", f)
    assert r.import_id and r.import_id in r.describe()
    with store.read() as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.action.startswith("import."))).all()
    actions = [a.action for a in rows]
    assert actions[0] == "import.start" and actions[-1] == "import.done"
    assert actions.count("import.create") == 12 + 7 + 7  # work orders, customers, contacts
    assert {json.loads(a.after)["import_id"] for a in rows} == {r.import_id}
    done = json.loads(rows[-1].after)
    assert (done["created"], done["rows"], done["file"]) == (12, 12, str(f))
