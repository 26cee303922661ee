"""Start-to-interactive-queue time in a pseudo-terminal, against a bare Textual app (target ≤ 1.5×).

Usage::

    python benchmarks/bench_startup.py [--db benchmarks/out/large.db] [--runs 5] [--agent agent01] [--json OUT.json]

Each run forks a child on a fresh pty (``pty.fork``; window 100×30 set with TIOCSWINSZ in the
child before ``exec``; ``TERM=xterm-256color``) and reads its output until a marker appears:

* 回访台: ``huifang --lang zh_CN --db <copy of the large DB> --as agentNN`` — interactive when
  the queue's status line ``今日 N/M`` is painted, i.e. the bytes ``今日 `` followed by a digit
  (that line is only written after the queue worker has loaded the rows and the table is filled).
* bare: ``python benchmarks/bare_app.py`` (Header + 30-row DataTable + Footer) — marker
  ``BARE-READY 30``, written once its table is filled.

The clock starts just before the fork; the child is killed (SIGKILL) as soon as the marker
is seen. Runs alternate bare/app so machine noise hits both alike; medians of ``--runs``.
The DB is a byte copy so the cached large DB never gets WAL files.
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
from common import HERE, LARGE, OUT, ROOT, drop, ensure_large, fresh_copy, median, table, verdict, write_json  # noqa: E402

TARGET_RATIO = 1.5
COLS, ROWS = 100, 30
APP_MARKER = re.compile("今日 ".encode() + rb"\d")
BARE_MARKER = re.compile(rb"BARE-READY 30")


def time_to_marker(argv: list[str], marker: re.Pattern, timeout: float = 60.0) -> tuple[float, bytes]:
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS), LANG="zh_CN.UTF-8",
               LC_ALL="C.UTF-8", HUIFANG_LANG="zh_CN")
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=LARGE)
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--agent", default="agent01")
    p.add_argument("--json")
    a = p.parse_args(argv)
    if a.db == LARGE:
        ensure_large()
    db = fresh_copy(a.db, OUT / "bench_startup.db")
    bindir = Path(sys.executable).parent
    huifang = bindir / "huifang"
    app_cmd = [str(huifang), "--lang", "zh_CN", "--db", str(db), "--as", a.agent]
    bare_cmd = [sys.executable, str(HERE / "bare_app.py")]
    os.chdir(ROOT)
    # One untimed warm-up of each (bytecode caches, page cache), as a user's second start would be.
    time_to_marker(bare_cmd, BARE_MARKER)
    time_to_marker(app_cmd, APP_MARKER)
    bare, app = [], []
    for i in range(a.runs):
        bare.append(time_to_marker(bare_cmd, BARE_MARKER)[0])
        app.append(time_to_marker(app_cmd, APP_MARKER)[0])
        print(f"  run {i + 1}: bare {bare[-1] * 1000:.0f} ms, app {app[-1] * 1000:.0f} ms", file=sys.stderr)
    drop(db)
    mb, ma = median(bare), median(app)
    ratio = ma / mb
    rows = [
        ("bare Textual app (Header+DataTable 30+Footer)", f"median of {a.runs}", f"{mb * 1000:.0f} ms", "-", "-"),
        (f"huifang --as {a.agent} on large DB", f"median of {a.runs}", f"{ma * 1000:.0f} ms", "-", "-"),
        ("ratio app / bare", "", f"{ratio:.2f}×", f"≤ {TARGET_RATIO}×", verdict(ratio, TARGET_RATIO)),
    ]
    res = {"bare_s": mb, "app_s": ma, "ratio": ratio, "bare_all": bare, "app_all": app,
           "target_ratio": TARGET_RATIO, "app_cmd": app_cmd, "bare_cmd": bare_cmd,
           "table": table(rows, ("measure", "runs", "median", "target", "result"))}
    print(res["table"])
    write_json(a.json, res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
