"""Start-to-interactive-queue time in a pseudo-terminal, against a bare Textual app (target ≤ 1.2×).

Usage::

    python benchmarks/bench_startup.py [--db benchmarks/out/large.db ...] [--runs 9] [--agent agent01]
        [--no-day] [--no-bytecode] [--before OLD/src] [--json OUT.json]

``--db`` may be given several times (centres of several sizes from ``gen_large.py``): they are
measured in the same run, each app start paired with a bare start just before it. Each centre is
copied, brought to this code's schema (``huifang db upgrade`` on the copy) and, unless
``--no-day``, given a working day in progress (``day_in_progress.py``: 2 % of the customer count
completed today, the agent's own 25 among them), so that "today" counts have rows to read.

Each run forks a child on a fresh pty (``pty.fork``; window 100×30 set with TIOCSWINSZ in the
child before ``exec``; ``TERM=xterm-256color``) and reads its output until a marker appears:

* 回访台: ``huifang --lang zh_CN --db <copy of the large DB> --as agentNN`` — interactive when
  the queue's status line ``今日 应办 N …`` is painted, i.e. the bytes ``今日 应办 `` followed by a digit
  (``今日 N/M`` before issue 25: both are recognised, for ``--before``)
  (that line is only written after the queue worker has loaded the rows and the table is filled).
* bare: ``python benchmarks/bare_app.py`` (Header + 30-row DataTable + Footer) — marker
  ``BARE-READY 30``, written once its table is filled.

The clock starts just before the fork; the child is killed (SIGKILL) as soon as the marker
is seen. The CPU time the child had used by then (all its threads, from
``/proc/PID/task/*/schedstat``) is read at that moment too: on a busy machine it moves far
less than the wall time, so it is reported beside it. Runs alternate bare/app so machine noise hits both alike; the ratio reported is the
median of the per-pair ratios (robust to the machine's speed drifting during the run), next to
the medians of each. The DB is a byte copy so the cached large DB never gets WAL files.

Bytecode: both programs run as an installed copy does, from compiled bytecode (written by the
untimed warm-up under ``benchmarks/out/pycache``; ``PYTHONDONTWRITEBYTECODE`` is dropped for the
children). ``--no-bytecode`` keeps the environment's setting: then every start of 回访台 also
compiles its own ~60 source files, which the bare app (one small file) hardly pays.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    HERE, LARGE, OUT, ROOT, as_installed, drop, ensure_large, median, table, upgraded_copy, verdict, write_json,
)

TARGET_RATIO = 1.2
COLS, ROWS = 100, 30
APP_MARKER = re.compile("今日 ".encode() + b"(?:" + "应办 ".encode() + rb")?\d")  # 今日 应办 18 (and before issue 25: 今日 0/18)
BARE_MARKER = re.compile(rb"BARE-READY 30")


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by every thread of ``pid`` (``/proc/PID/task/*/schedstat``, ns)."""
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e9


def time_to_marker(argv: list[str], marker: re.Pattern, timeout: float = 60.0,
                   cpu: list[float] | None = None, env_extra: dict | None = None) -> tuple[float, bytes]:
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS), LANG="zh_CN.UTF-8",
               LC_ALL="C.UTF-8", HUIFANG_LANG="zh_CN", **(env_extra or {}))
    env.pop("TEXTUAL", None)
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    buf = b""
    found = None
    try:
        while time.perf_counter() - t0 < timeout:
            r, _, _ = select.select([fd], [], [], 0.5)
            if not r:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # child gone
                break
            if not chunk:
                break
            buf += chunk
            if marker.search(buf, max(0, len(buf) - len(chunk) - 16)):
                found = time.perf_counter() - t0
                if cpu is not None:
                    cpu.append(cpu_seconds(pid))
                break
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    if found is None:
        tail = buf[-2000:].decode("utf-8", "replace")
        raise RuntimeError(f"marker {marker.pattern!r} not seen in {timeout}s from {argv}; output tail:\n{tail}")
    return found, buf


def _prepare(src: Path, dst: Path, day: bool, agent: str) -> Path:
    """A copy of ``src`` at this code's schema, with a working day in progress (day_in_progress.py)."""
    from datetime import datetime

    db = upgraded_copy(src, dst)
    if day:
        from day_in_progress import apply

        print(f"  {src.name}: {apply(db, datetime.now().replace(microsecond=0), agent)}", file=sys.stderr)
    return db


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, action="append",
                   help="a generated centre (repeat for several sizes, measured side by side); default the large DB")
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--agent", default="agent01")
    p.add_argument("--no-day", action="store_true", help="measure the centre as generated (nothing done today)")
    p.add_argument("--no-bytecode", action="store_true",
                   help="keep PYTHONDONTWRITEBYTECODE from the environment (every start compiles the app's sources)")
    p.add_argument("--before", type=Path,
                   help="the src/ tree of an earlier version (e.g. `git archive main src`), measured in the same"
                        " loop: each round is bare, before, this code")
    p.add_argument("--json")
    a = p.parse_args(argv)
    sources = a.db or [LARGE]
    if sources == [LARGE]:
        ensure_large()
    os.chdir(ROOT)
    if not a.no_bytecode:
        as_installed()  # bytecode compiled by the warm-up, then read: for the bare app and 回访台 alike
    dbs = [_prepare(src, OUT / f"bench_startup_{i}.db", not a.no_day, a.agent) for i, src in enumerate(sources)]
    bindir = Path(sys.executable).parent
    huifang = bindir / "huifang"
    app_cmds = [[str(huifang), "--lang", "zh_CN", "--db", str(db), "--as", a.agent] for db in dbs]
    bare_cmd = [sys.executable, str(HERE / "bare_app.py")]
    load_before = os.getloadavg()
    # One untimed warm-up of each (bytecode caches, page cache), as a user's second start would be.
    time_to_marker(bare_cmd, BARE_MARKER)
    before_env = {"PYTHONPATH": str(a.before.resolve())} if a.before else None
    for cmd in app_cmds:
        time_to_marker(cmd, APP_MARKER)
        if before_env:
            time_to_marker(cmd, APP_MARKER, env_extra=before_env)
    before: list[list[float]] = [[] for _ in dbs]
    before_cpu: list[list[float]] = [[] for _ in dbs]
    bare: list[list[float]] = [[] for _ in dbs]
    app: list[list[float]] = [[] for _ in dbs]
    bare_cpu: list[list[float]] = [[] for _ in dbs]
    app_cpu: list[list[float]] = [[] for _ in dbs]
    for i in range(a.runs):
        for k, cmd in enumerate(app_cmds):  # bare, app, bare, app ...: each pair sees the same machine
            bare[k].append(time_to_marker(bare_cmd, BARE_MARKER, cpu=bare_cpu[k])[0])
            if before_env:
                before[k].append(time_to_marker(cmd, APP_MARKER, cpu=before_cpu[k], env_extra=before_env)[0])
            app[k].append(time_to_marker(cmd, APP_MARKER, cpu=app_cpu[k])[0])
            print(f"  run {i + 1} {sources[k].name}: bare {bare[k][-1] * 1000:.0f} ms, app {app[k][-1] * 1000:.0f} ms"
                  f" ({app[k][-1] / bare[k][-1]:.2f}×); CPU bare {bare_cpu[k][-1] * 1000:.0f} ms,"
                  f" app {app_cpu[k][-1] * 1000:.0f} ms", file=sys.stderr)
    load_after = os.getloadavg()
    for db in dbs:
        drop(db)
    rows, per_db = [], []
    for k, src in enumerate(sources):
        mb, ma = median(bare[k]), median(app[k])
        pair = median([x / y for x, y in zip(app[k], bare[k])])
        cb, ca = median(bare_cpu[k]), median(app_cpu[k])
        pair_cpu = median([x / y for x, y in zip(app_cpu[k], bare_cpu[k])])
        per_db.append({"db": str(src), "bare_s": mb, "app_s": ma, "ratio": pair, "bare_all": bare[k], "app_all": app[k],
                       "bare_cpu_s": cb, "app_cpu_s": ca, "ratio_cpu": pair_cpu, "bare_cpu_all": bare_cpu[k],
                       "app_cpu_all": app_cpu[k]})
        if before_env:
            per_db[-1].update({
                "before_s": median(before[k]), "before_all": before[k], "before_cpu_s": median(before_cpu[k]),
                "before_cpu_all": before_cpu[k], "ratio_before": median([x / y for x, y in zip(before[k], bare[k])]),
                "ratio_cpu_before": median([x / y for x, y in zip(before_cpu[k], bare_cpu[k])])})
            d = per_db[-1]
            print(f"  {src.name} before ({a.before}): {d['before_s'] * 1000:.0f} ms, {d['ratio_before']:.2f}×;"
                  f" CPU {d['before_cpu_s'] * 1000:.0f} ms, {d['ratio_cpu_before']:.2f}×")
        rows.append((src.name, f"median of {a.runs}", f"{mb * 1000:.0f} ms", f"{ma * 1000:.0f} ms", f"{pair:.2f}×",
                     f"{cb * 1000:.0f} / {ca * 1000:.0f} ms = {pair_cpu:.2f}×", f"≤ {TARGET_RATIO}×",
                     verdict(pair, TARGET_RATIO)))
    load = f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    res = {**per_db[0], "dbs": per_db, "target_ratio": TARGET_RATIO, "app_cmds": app_cmds, "bare_cmd": bare_cmd,
           "loadavg_before": load_before, "loadavg_after": load_after, "day_in_progress": not a.no_day,
           "bytecode": not a.no_bytecode,
           "table": table(rows, ("centre", "runs", "bare Textual app", "huifang --as " + a.agent,
                                 "ratio (median of pairs)", "CPU to ready: bare / app", "target", "result")) + f"\n\n({load})"}
    print(res["table"])
    write_json(a.json, res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
