"""Turn a copy of a generated centre into a working day in progress (for the start-up benchmark).

Usage::

    python benchmarks/day_in_progress.py DB [--now 'YYYY-MM-DD HH:MM'] [--agent agent01] [--seed 1]

``gen_large.py`` leaves a centre as it stands at the start of a day: nothing has been called yet
today, so every "today" count on the start path reads nothing. A centre at work has a day behind
it, and it grows with the centre. This writes, on the file given (use a copy), with plain sqlite3:

* callbacks completed today: 2 % of the customer count (200 at 10k customers, 6,000 at 300k),
  spread over every agent and the pool, each with its completing attempt dated today; of them,
  exactly ``--done`` (default 25) are ``--agent``'s, so that agent's own day is the same at every
  centre size;
* callbacks that became unreachable today: 0.2 % of the customer count, with their attempts.

The callbacks are taken from the history (already completed ones, re-dated), so the open queues
are left exactly as generated. Times fall between midnight and ``--now`` (default: now).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
from datetime import datetime, time, timedelta
from pathlib import Path

DONE_SHARE = 0.02
UNREACHABLE_SHARE = 0.002


def _fdt(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S.000000")


def apply(path: Path, now: datetime, agent: str = "agent01", done_own: int = 25, seed: int = 1) -> dict:
    rng = random.Random(seed)
    start = datetime.combine(now.date(), time.min)
    span = max(60, int((now - start).total_seconds()) - 60)

    def at_today() -> datetime:
        return start + timedelta(seconds=rng.randrange(span))

    con = sqlite3.connect(path, isolation_level=None)
    customers = con.execute("SELECT count(*) FROM customer").fetchone()[0]
    agents = [r[0] for r in con.execute("SELECT login FROM app_user WHERE role = 'agent' ORDER BY login")]
    others_agents = [a for a in agents if a != agent]
    n_done = max(done_own + 1, int(customers * DONE_SHARE))
    n_unreach = max(1, int(customers * UNREACHABLE_SHARE))
    own = [r[0] for r in con.execute(
        "SELECT id FROM callback WHERE status = 'completed' AND agent_login = ? AND completed_at < ? "
        "ORDER BY id LIMIT ?", (agent, _fdt(start), done_own))]
    others = [r[0] for r in con.execute(
        "SELECT id FROM callback WHERE status = 'completed' AND (agent_login IS NULL OR agent_login != ?) "
        "AND completed_at < ? ORDER BY random() LIMIT ?", (agent, _fdt(start), n_done - len(own) + n_unreach))]
    done_ids, unreach_ids = own + others[: n_done - len(own)], others[n_done - len(own):]
    owner = dict(con.execute(
        f"SELECT id, agent_login FROM callback WHERE id IN ({','.join('?' * len(done_ids + unreach_ids))})",
        done_ids + unreach_ids).fetchall())
    cb_rows, attempts = [], []
    for cid in done_ids:
        who = owner[cid] or rng.choice(others_agents)  # a pool item completed today becomes its agent's
        at = at_today()
        cb_rows.append((who, _fdt(at), _fdt(at), "completed", "completed", cid))
        attempts.append((cid, _fdt(at), who, "completed", _fdt(at)))
    for cid in unreach_ids:
        who = owner[cid] or rng.choice(others_agents)
        at = at_today()
        cb_rows.append((who, None, _fdt(at), "unreachable", "no_answer", cid))
        for k in (2, 1):
            attempts.append((cid, _fdt(at - timedelta(days=k)), who, "no_answer", _fdt(at - timedelta(days=k))))
        attempts.append((cid, _fdt(at), who, "no_answer", _fdt(at)))
    con.execute("BEGIN")
    con.executemany("UPDATE callback SET agent_login = ?, completed_at = ?, updated_at = ?, status = ?, outcome = ?,"
                    " attempts = attempts + 1, version = version + 1 WHERE id = ?", cb_rows)
    con.executemany("INSERT INTO call_attempt (callback_id, at, agent_login, outcome, reached_name, reached_position,"
                    " note, reason, entered_at, late_entry) VALUES (?, ?, ?, ?, '', '', '', '', ?, 0)", attempts)
    con.execute("COMMIT")
    con.close()
    return {"customers": customers, "completed_today": len(done_ids), "of_which_agent": len(own),
            "unreachable_today": len(unreach_ids), "attempts_written": len(attempts)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("db", type=Path)
    p.add_argument("--now", type=datetime.fromisoformat, default=None)
    p.add_argument("--agent", default="agent01")
    p.add_argument("--done", type=int, default=25)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    print(apply(a.db, a.now or datetime.now().replace(microsecond=0), a.agent, a.done, a.seed), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
