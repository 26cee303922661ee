"""A failed export never leaves half a file (issue 24 item 4): every export is written through
the checked-file module to a temporary file beside the target, renamed into place only once
whole. Failures here come midway, after the first chunk has reached the disk."""

from __future__ import annotations

import errno
from types import SimpleNamespace

import pytest

from huifang_tui.core import checked_files
from huifang_tui.exporting import COLUMNS, sheets


def _record(i: int) -> SimpleNamespace:
    values = {attr: f"值{i}-{attr}" for attr, _ in COLUMNS}
    values.update(kind="work_order", channel="phone", issues=[], agent="agent1", late_entry=False)
    return SimpleNamespace(**values, part_text=lambda: "计划并完成")  # 本月计入 in words (RecordLine.part_text)


class _Records(list):
    """The report's records; reading past ``fail_at`` raises, as a builder failing midway would."""

    def __init__(self, n: int, fail_at: int):
        super().__init__(_record(i) for i in range(n))
        self.fail_at = fail_at

    def __iter__(self):  # noqa: ANN204
        for i, r in enumerate(super().__iter__()):
            if i == self.fail_at:
                raise RuntimeError("the export failed midway")
            yield r


def _report(records: list) -> SimpleNamespace:
    return SimpleNamespace(records=records, agent_names={"agent1": "张三"})


def _left(folder) -> list[str]:  # noqa: ANN001
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def chunks_written(monkeypatch):
    """How many chunks reached the temporary file before the failure."""
    seen = {"n": 0}
    real = checked_files.AtomicWriter.write

    def counting(self, data: bytes) -> None:  # noqa: ANN001
        seen["n"] += 1
        real(self, data)

    monkeypatch.setattr(checked_files.AtomicWriter, "write", counting)
    return seen


# about 6000 rows of 19 columns: several chunks of CHUNK_BYTES before row 5000 fails
ROWS, FAIL_AT = 6000, 5000


def test_a_csv_export_failing_midway_leaves_no_file(tmp_path, chunks_written):
    out = tmp_path / "2026-11.csv"
    with pytest.raises(RuntimeError, match="midway"):
        sheets.write_csv(out, _report(_Records(ROWS, FAIL_AT)))
    assert chunks_written["n"] >= 1  # part of it was on the disk, in the temporary file
    assert _left(tmp_path) == []  # neither the export nor its temporary file


def test_a_csv_export_failing_midway_keeps_the_old_file(tmp_path, chunks_written):
    out = tmp_path / "2026-11.csv"
    out.write_bytes(b"the export of last week\n")
    with pytest.raises(RuntimeError, match="midway"):
        sheets.write_csv(out, _report(_Records(ROWS, FAIL_AT)))
    assert chunks_written["n"] >= 1
    assert out.read_bytes() == b"the export of last week\n"
    assert _left(tmp_path) == ["2026-11.csv"]


def test_a_full_disk_midway_leaves_no_file(tmp_path, monkeypatch):
    """The disk fills after the first chunk: the write fails, nothing is left behind."""
    real = checked_files.AtomicWriter.write
    calls = {"n": 0}

    def first_then_full(self, data: bytes) -> None:  # noqa: ANN001
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, data)

    monkeypatch.setattr(checked_files.AtomicWriter, "write", first_then_full)
    out = tmp_path / "2026-11.csv"
    with pytest.raises(OSError, match="No space left"):
        sheets.write_csv(out, _report(_Records(ROWS, ROWS)))
    assert calls["n"] > 1
    assert _left(tmp_path) == []
    old = tmp_path / "2026.xlsx"
    old.write_bytes(b"last year's workbook")
    calls["n"] = 0
    with pytest.raises(OSError, match="No space left"), checked_files.open_write(old) as f:
        for _ in range(3):
            f.write(b"x" * checked_files.CHUNK_BYTES)
    assert old.read_bytes() == b"last year's workbook"
    assert _left(tmp_path) == ["2026.xlsx"]


def test_a_workbook_that_fails_to_build_leaves_the_old_file(tmp_path, monkeypatch):
    """The .xlsx exports are rendered whole in memory first: a failure while building one
    never opens the person's file at all."""
    old = tmp_path / "2026.xlsx"
    old.write_bytes(b"last year's workbook")

    def broken(*_args: object) -> bytes:
        raise RuntimeError("the workbook failed midway")

    monkeypatch.setattr(sheets, "_yearly_bytes", broken)
    with pytest.raises(RuntimeError, match="midway"):
        sheets.write_yearly_xlsx(old, 2026, {})
    assert old.read_bytes() == b"last year's workbook"
    assert _left(tmp_path) == ["2026.xlsx"]


@pytest.mark.sqlite_only
def test_a_backup_failing_midway_leaves_nothing(tmp_path, monkeypatch):
    """``huifang db backup``: the copy is made in a private folder beside the target and linked
    into place whole; a copy failing after its first pages leaves neither file nor folder."""
    from factories import add_user

    from huifang_tui.core.identity import os_login
    from huifang_tui.services import maintenance
    from huifang_tui.services.base import Store

    store_dir = tmp_path / "store"
    store_dir.mkdir()
    st = Store("sqlite:///" + str(store_dir / "huifang.db"))
    st.ensure_schema()
    add_user(st, os_login(), "admin")
    actor = maintenance.db_actor(st, None)
    out = tmp_path / "out"
    out.mkdir()
    real = maintenance._sqlite_backup

    def half_then_fail(src, dest) -> None:  # noqa: ANN001
        real(src, dest)
        with open(dest, "r+b") as f:
            f.truncate(dest.stat().st_size // 2)  # half a copy on the disk
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(maintenance, "_sqlite_backup", half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        maintenance.backup(st, actor, out / "copy.db")
    assert _left(out) == []
    monkeypatch.setattr(maintenance, "_sqlite_backup", real)
    assert maintenance.backup(st, actor, out / "copy.db") == out / "copy.db"
    assert _left(out) == ["copy.db"]
