"""``huifang record`` from a shell, against its floor, side by side.

Usage::

    python benchmarks/bench_record.py [--db benchmarks/out/large.db] [--runs 9] [--agent agent01] [--json OUT.json]

A = ``huifang --db COPY --as AGENT record NUMBER --outcome no_answer`` (a different callback of
a different customer each run, each on its first attempt, so every run records);
B = ``python benchmarks/record_floor.py COPY NUMBER``: the interpreter, ``import sqlmodel`` and
one write transaction (the floor any SQLModel program pays).

Whole processes, started by ``subprocess.run``: wall time from just before the start to just
after the exit, CPU (user + system) from ``RUSAGE_CHILDREN``. Runs alternate A B A B … after
one untimed warm-up of each; the ratio is the median of the per-pair ratios. Both run from
compiled bytecode, as an installed copy does (see ``common.as_installed``). One more run of
each with ``-X importtime`` gives how much of it is importing.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    HERE, LARGE, OUT, ROOT, as_installed, drop, ensure_large, median, table, upgraded_copy, write_json,
)


def _numbers(db: Path, agent: str, n: int) -> list[str]:
    """``n`` open callbacks of ``agent`` due by today, never tried, one per customer."""
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = c.execute(
        "SELECT min(number) FROM callback WHERE agent_login = ? AND status = 'open' AND attempts = 0"
        " AND next_attempt_at IS NULL AND due_on <= ? GROUP BY customer_id ORDER BY 1 LIMIT ?",
        (agent, date.today().isoformat(), n)).fetchall()
    c.close()
    if len(rows) < n:
        raise SystemExit(f"{agent} has only {len(rows)} untried callbacks of distinct customers; need {n}")
    return [r[0] for r in rows]


def _timed(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise RuntimeError(f"{cmd} exited {r.returncode}: {r.stderr or r.stdout}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _import_ms(cmd: list[str]) -> float:
    """Total import time of one run (-X importtime: the sum of the top-level imports' cumulative)."""
    r = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True)
    total = 0
    for line in r.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if m and not m.group(2).startswith(" "):
            total += int(m.group(1))
    return total / 1000


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=LARGE)
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--agent", default="agent01")
    p.add_argument("--json")
    a = p.parse_args(argv)
    if a.db == LARGE:
        ensure_large()
    os.chdir(ROOT)
    as_installed()
    db = upgraded_copy(a.db, OUT / "bench_record.db")
    numbers = _numbers(db, a.agent, a.runs + 2)
    py = sys.executable
    huifang = [py, str(Path(py).parent / "huifang"), "--db", str(db), "--as", a.agent, "record"]  # the installed command
    floor = [py, str(HERE / "record_floor.py"), str(db)]
    load_before = os.getloadavg()
    _timed([*huifang, numbers[0], "--outcome", "no_answer"])  # warm-up: bytecode, page cache
    _timed([*floor, numbers[0]])
    rec, flo = [], []
    for i in range(a.runs):
        rec.append(_timed([*huifang, numbers[i + 1], "--outcome", "no_answer"]))
        flo.append(_timed([*floor, numbers[i + 1]]))
        print(f"  run {i + 1}: record {rec[-1][0] * 1000:.0f} ms, floor {flo[-1][0] * 1000:.0f} ms", file=sys.stderr)
    load_after = os.getloadavg()
    imp_rec = _import_ms([*huifang, numbers[-1], "--outcome", "no_answer"])
    imp_floor = _import_ms([*floor, numbers[-1]])
    drop(db)
    wall_r, wall_f = median([w for w, _ in rec]), median([w for w, _ in flo])
    cpu_r, cpu_f = median([c for _, c in rec]), median([c for _, c in flo])
    ratio = median([r[0] / f[0] for r, f in zip(rec, flo)])
    ratio_cpu = median([r[1] / f[1] for r, f in zip(rec, flo)])
    rows = [
        ("huifang record … --outcome no_answer", f"{wall_r * 1000:.0f} ms", f"{cpu_r * 1000:.0f} ms", f"{imp_rec:.0f} ms"),
        ("floor: import sqlmodel + one transaction", f"{wall_f * 1000:.0f} ms", f"{cpu_f * 1000:.0f} ms",
         f"{imp_floor:.0f} ms"),
        ("ratio (median of pairs)", f"{ratio:.2f}×", f"{ratio_cpu:.2f}×", ""),
    ]
    load = f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    res = {"record_wall_s": wall_r, "floor_wall_s": wall_f, "record_cpu_s": cpu_r, "floor_cpu_s": cpu_f,
           "ratio_wall": ratio, "ratio_cpu": ratio_cpu, "record_import_ms": imp_rec, "floor_import_ms": imp_floor,
           "record_all": rec, "floor_all": flo, "loadavg_before": load_before, "loadavg_after": load_after,
           "table": table(rows, (f"median of {a.runs}, {a.db.name}", "wall", "CPU", "imports (-X importtime, one run)"))
           + f"\n\n({load})"}
    print(res["table"])
    write_json(a.json, res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
