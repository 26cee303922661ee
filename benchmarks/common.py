"""Shared helpers of the benchmark scripts (paths, the large DB, copies, timing, reporting)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import sys
from datetime import date, datetime, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
LARGE = OUT / "large.db"
PY = sys.executable

sys.path.insert(0, str(HERE))


def ensure_large(path: Path = LARGE, **kw) -> dict:  # noqa: ANN003
    from gen_large import ensure

    return ensure(path, **kw)


def db_today(path: Path) -> date:
    """The ``today`` the large DB was generated for."""
    c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    row = c.execute("SELECT value FROM setting WHERE key='bench.params'").fetchone()
    c.close()
    return date.fromisoformat(json.loads(row[0])["today"])


def fresh_copy(src: Path, dst: Path) -> Path:
    """A byte copy of a checkpointed DB (the generator leaves no WAL behind; checkpoint if one appeared)."""
    for p in (dst, Path(f"{dst}-wal"), Path(f"{dst}-shm")):
        p.unlink(missing_ok=True)
    wal = Path(f"{src}-wal")
    if wal.exists() and wal.stat().st_size:
        c = sqlite3.connect(src)
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()
    shutil.copyfile(src, dst)
    return dst


def upgraded_copy(src: Path, dst: Path) -> Path:
    """A byte copy of ``src`` brought to this code's schema (``huifang db upgrade``; a no-op when
    current). The generator made the OS login an admin, so the upgrade is allowed."""
    import subprocess

    dst.parent.mkdir(parents=True, exist_ok=True)
    db = fresh_copy(src, dst)
    r = subprocess.run([sys.executable, "-m", "huifang_tui.cli", "--db", str(db), "db", "upgrade"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"db upgrade of {db} failed: {r.stderr or r.stdout}")
    for backup in dst.parent.glob(dst.name.removesuffix(".db") + ".before-upgrade-*"):
        backup.unlink()
    return db


def as_installed() -> None:
    """Run child interpreters from compiled bytecode, as an installed copy does: the first
    (untimed) run writes it under ``benchmarks/out/pycache``, whatever PYTHONDONTWRITEBYTECODE says."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")


def drop(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def fixed_clock(day: date, at: time = time(11, 0)):  # noqa: ANN201
    now = datetime.combine(day, at)
    return lambda: now


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "FAIL"


def table(rows: list[tuple], headers: tuple) -> str:
    """A small fixed-width (markdown-compatible) table."""
    cells = [tuple(str(c) for c in r) for r in [headers, *rows]]
    w = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "|" + "|".join("-" * (x + 2) for x in w) + "|", *map(line, cells[1:])])


def write_json(path: str | None, data: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def machine() -> dict:
    import platform

    return {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "sqlite": sqlite3.sqlite_version}
