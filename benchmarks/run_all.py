"""Run every benchmark and write ``benchmarks/RESULTS.md``.

Usage::

    .venv/bin/python benchmarks/run_all.py [--skip planner,startup,record,keystroke]

Generates (or reuses) ``benchmarks/out/large.db`` first, then runs each benchmark script as a
subprocess (fresh interpreter, JSON results in ``benchmarks/out/*.json``) and writes the figures,
the date, the machine and the exact commands into ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HERE, LARGE, OUT, ROOT, machine  # noqa: E402

PY = ".venv/bin/python"


def run(cmd: list[str]) -> tuple[int, str, float]:
    print("$ " + " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr[-4000:])
    return p.returncode, p.stdout, dt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip", default="")
    ap.add_argument("--reuse", action="store_true", help="rebuild RESULTS.md from the last JSON results, run nothing")
    a = ap.parse_args(argv)
    skip = set(filter(None, a.skip.split(",")))
    OUT.mkdir(parents=True, exist_ok=True)
    rel = lambda p: str(Path(p).relative_to(ROOT))  # noqa: E731
    sections: list[str] = []
    cmds: list[str] = []

    gen_cmd = [PY, "benchmarks/gen_large.py", rel(LARGE)]
    rc, out, dt = run(gen_cmd)
    cmds.append(" ".join(gen_cmd))
    counts = json.loads(out.strip().splitlines()[-1]) if rc == 0 else {}
    sections.append("## Large database\n\n" + (
        f"`{rel(LARGE)}` ({LARGE.stat().st_size / 2**20:.0f} MiB). "
        + ("Reused from cache" if counts.get("cached") else f"Generated in {dt:.0f} s") + " — generation itself took "
        f"{counts.get('seconds', '?')} s when it ran.\n\n"
        + "| table | rows |\n|---|---|\n"
        + "\n".join(f"| {k} | {v:,} |" for k, v in counts.items() if isinstance(v, int) and not isinstance(v, bool))
        + "\n"))

    benches = [
        ("planner", "Planner and queue", ["benchmarks/bench_planner.py"]),
        ("startup", "Startup to interactive queue (pty, 100×30)", ["benchmarks/bench_startup.py"]),
        ("record", "huifang record against its floor (import sqlmodel + one transaction)", ["benchmarks/bench_record.py"]),
        ("keystroke", "Keystroke to repaint (call screen, headless)", ["benchmarks/bench_keystroke.py"]),
    ]
    for key, title, script in benches:
        if key in skip:
            continue
        js = OUT / f"{key}.json"
        cmd = [PY, *script, "--json", rel(js)]
        if a.reuse and js.exists():
            rc, out, dt = 0, "", float("nan")
        else:
            js.unlink(missing_ok=True)
            rc, out, dt = run(cmd)
        cmds.append(" ".join(cmd))
        wall = "" if dt != dt else f", {dt:.0f} s wall"
        body = f"## {title}\n\nCommand: `{' '.join(cmd)}` (exit {rc}{wall})\n\n"
        if js.exists():
            res = json.loads(js.read_text(encoding="utf-8"))
            if "table" in res:
                body += res["table"] + "\n"
            else:
                body += "```\n" + out.strip() + "\n```\n"
            if key == "planner":
                body += (f"\nPlanner runs (s): {', '.join(f'{t:.2f}' for t in res['planner_s_all'])}; "
                         f"callbacks created per run: {res['planner_created']}.\n")
                if res.get("profiles"):
                    body += "Profiles: " + ", ".join(f"`{rel(v)}`" for v in res["profiles"].values()) + "\n"
            if key == "startup":
                body += (f"\nRuns (ms) — bare: {', '.join(f'{t * 1000:.0f}' for t in res['bare_all'])}; "
                         f"app: {', '.join(f'{t * 1000:.0f}' for t in res['app_all'])}.\n")
            if key == "keystroke" and res.get("available"):
                body += f"\nMean {res['mean_ms']:.1f} ms over {res['keys']} keys.\n"
        else:
            body += "```\n" + out.strip()[-3000:] + "\n```\n"
        sections.append(body)

    m = machine()
    stamps = [datetime.fromtimestamp((OUT / f"{k}.json").stat().st_mtime) for k, _, _ in benches
              if (OUT / f"{k}.json").exists()]
    when = (min(stamps) if stamps else datetime.now()).isoformat(timespec="seconds")
    head = (
        "# Benchmark results\n\n"
        f"Date (figures measured): {when} · machine: nproc={m['nproc']}, "
        f"Python {m['python']}, SQLite {m['sqlite']}, {m['platform']} (shared, noisy: medians reported).\n\n"
        "Regenerate with `.venv/bin/python benchmarks/run_all.py`. Commands run:\n\n"
        + "\n".join(f"    {c}" for c in cmds) + "\n"
    )
    notes_file = HERE / "NOTES.md"
    notes = ("\n" + notes_file.read_text(encoding="utf-8")) if notes_file.exists() else ""
    (HERE / "RESULTS.md").write_text(head + "\n" + "\n".join(sections) + notes, encoding="utf-8")
    print(f"wrote {rel(HERE / 'RESULTS.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
