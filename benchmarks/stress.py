"""Stress harness (issue 12 §5): N agent processes on one database while a supervisor keeps the
board open.

Each agent process reads its queue and then, every 2–5 s at random (no pause with
``--saturate``), does one of: claim (open the call, then leave it), complete with scores, retry
(no answer / busy / phone off), raise an issue. A separate process runs the real board screen
(headless Textual, 80×24, its own 2-second ``data_version`` poll) for the whole run.

Reported: operations, expected refusals (a rule said no: already retried, claimed …), errors
(anything else, e.g. "database is locked": must be 0), lost or duplicated writes (every write a
process saw succeed must be in the database exactly once: must be 0), commit latency from BEGIN
to COMMIT of every write transaction (p50 / p95 / max), and how long after a completion's commit
the board showed it (p50 / p95 / max; target within 5 s).

    .venv/bin/python benchmarks/stress.py                     # 30 agents, 60 s, SQLite
    .venv/bin/python benchmarks/stress.py --agents 10 --seconds 20 --saturate
    .venv/bin/python benchmarks/stress.py --url postgresql+psycopg://…/huifang_stress

``--url`` must point at an empty database (it is filled with a fresh centre). Without it a
SQLite file under ``benchmarks/out/`` is (re)created.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import random
import sys
import time
import traceback
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

DAY = date(2026, 11, 23)  # a Monday, a working day
START_AT = datetime(2026, 11, 23, 9, 0)
RETRY_OUTCOMES = ("no_answer", "busy", "phone_off")
OPS = ("claim", "complete", "retry", "issue")


def make_clock(t0: float, real: bool = False):
    """The services' clock: 09:00 on a working day, moving with real time since the run began
    (the real clock on an existing centre, e.g. the demo database)."""
    if real:
        return datetime.now

    def clock() -> datetime:
        return START_AT + timedelta(seconds=time.time() - t0)

    return clock


# -- setup --------------------------------------------------------------------------------


def build_centre(url: str, agents: int, per_agent: int) -> None:
    from huifang_tui.services.base import Store
    from huifang_tui.store.models import Callback, Contact, Customer, User

    store = Store(url, clock=lambda: START_AT)
    store.ensure_schema()
    with store.write() as s:
        s.add(User(login="supervisor", name="主管", role="supervisor", created_at=START_AT))
        for a in range(agents):
            s.add(User(login=f"agent{a:02d}", name=f"回访员{a:02d}", role="agent", created_at=START_AT))
    n = 0
    for a in range(agents):
        login = f"agent{a:02d}"
        with store.write() as s:
            for i in range(per_agent):
                n += 1
                c = Customer(name=f"压测客户{n:05d}", agent_login=login, created_at=START_AT, updated_at=START_AT)
                s.add(c)
                s.flush()
                s.add(Contact(customer_id=c.id, name="王经理", phone=f"138{n:08d}", is_primary=True))
                s.add(Callback(number=f"HF202611{n:05d}", customer_id=c.id, kind="completion", trigger_ref=f"stress:{n}",
                               agent_login=login, priority=20, due_on=DAY, deadline_on=DAY + timedelta(days=3),
                               contact_name="王经理", created_at=START_AT, updated_at=START_AT))
    store.engine.dispose()


# -- commit latency -----------------------------------------------------------------------


def instrument(engine) -> list[float]:
    """Record BEGIN→COMMIT of every write transaction on ``engine`` (seconds). The begin hook
    runs before the engine's own (which sends BEGIN IMMEDIATE and may wait for the lock)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    latencies: list[float] = []
    state = {"t0": None}

    def on_begin(conn) -> None:
        if conn.get_execution_options().get("huifang_begin", "IMMEDIATE") != "DEFERRED":
            state["t0"] = time.perf_counter()

    def after_commit(_session) -> None:
        if state["t0"] is not None:
            latencies.append(time.perf_counter() - state["t0"])
            state["t0"] = None

    def after_rollback(_session) -> None:
        state["t0"] = None

    event.listen(engine, "begin", on_begin, insert=True)
    event.listen(Session, "after_commit", after_commit)
    event.listen(Session, "after_rollback", after_rollback)
    return latencies


# -- agent process --------------------------------------------------------------------------


def agent_main(idx: int, login: str, url: str, t0_box, ready, go, seconds: float, saturate: bool, real: bool,
               out_q) -> None:
    random.seed(1000 + idx)
    try:
        from huifang_tui.core.errors import ServiceError
        from huifang_tui.core.i18n import set_lang
        from huifang_tui.services.base import Actor, Store
        from huifang_tui.services.recording import CallRecord, record_attempt
        from huifang_tui.services.calls import open_call, release
        from huifang_tui.services.issues import raise_issue
        from huifang_tui.services.queue import queue_rows

        set_lang("en")
        actor = Actor(login, "agent", login)
        ready.release()
        go.wait()
        t0 = t0_box.value
        store = Store(url, clock=make_clock(t0, real))
        lat = instrument(store.engine)
        res = {"login": login, "ops": dict.fromkeys(OPS, 0), "refused": dict.fromkeys(OPS, 0), "errors": [],
               "completed": [], "retries": 0, "issues": 0, "claims": 0, "op_seconds": []}
        end = t0 + seconds
        while time.time() < end:
            if not saturate:
                time.sleep(random.uniform(2.0, 5.0))
                if time.time() >= end:
                    break
            op = random.choice(OPS)
            started = time.perf_counter()
            try:
                now = store.now()
                rows = [r for r in queue_rows(store, actor, now.date(), now=now) if r.agent == login
                        and (r.next_attempt_at is None or r.next_attempt_at <= now)]
                if not rows:
                    res["refused"][op] += 1
                    continue
                number = random.choice(rows).number
                if op == "claim":
                    open_call(store, actor, number)
                    release(store, actor, number)
                    res["claims"] += 1
                elif op == "complete":
                    record_attempt(store, actor, number, CallRecord(
                        outcome="completed", reached_name="王经理", reached_position="经理",
                        score_resolution=random.randint(1, 5), score_attitude=random.randint(1, 5)))
                    res["completed"].append((number, time.time()))
                elif op == "retry":
                    record_attempt(store, actor, number, CallRecord(outcome=random.choice(RETRY_OUTCOMES)))
                    res["retries"] += 1
                else:
                    raise_issue(store, actor, number, title="压测问题", priority=random.choice(("urgent", "normal", "low")))
                    res["issues"] += 1
                res["ops"][op] += 1
            except ServiceError:
                res["refused"][op] += 1
            except Exception as e:  # noqa: BLE001 - every unexpected failure is counted and shown
                res["errors"].append(f"{op}: {type(e).__name__}: {e}"[:300])
            res["op_seconds"].append(time.perf_counter() - started)
        res["commit_seconds"] = lat
        out_q.put(res)
    except Exception:  # noqa: BLE001
        out_q.put({"login": login, "fatal": traceback.format_exc()})


# -- board process --------------------------------------------------------------------------


def board_main(url: str, supervisor: str, t0_box, ready, go, seconds: float, real: bool, out_q) -> None:
    try:
        from huifang_tui.app import HuifangApp
        from huifang_tui.core.i18n import set_lang
        from huifang_tui.screens import board as sb
        from huifang_tui.services.base import Actor, Store

        set_lang("en")
        loads: list[tuple[float, dict[str, int], float]] = []
        orig_paint = sb.BoardScreen._paint
        orig_fetch = sb.BoardScreen.fetch

        def fetch(self):
            t = time.perf_counter()
            data = orig_fetch(self)
            self._fetch_seconds = time.perf_counter() - t
            return data

        def paint(self) -> None:
            orig_paint(self)
            loads.append((time.time(), {r.login: r.figures.done for r in self.board.rows},
                          getattr(self, "_fetch_seconds", 0.0)))

        sb.BoardScreen._paint = paint
        sb.BoardScreen.fetch = fetch
        ready.release()
        go.wait()
        t0 = t0_box.value
        store = Store(url, clock=make_clock(t0, real))
        app = HuifangApp(store, Actor(supervisor, "supervisor", supervisor), cursor_blink=False)

        async def run() -> None:
            async with app.run_test(size=(80, 24)):
                await asyncio.sleep(max(0.0, t0 + seconds - time.time()) + 10)  # the last commits need their poll too

        asyncio.run(run())
        out_q.put({"board": loads})
    except Exception:  # noqa: BLE001
        out_q.put({"board_fatal": traceback.format_exc()})


# -- verification ---------------------------------------------------------------------------


def counts(url: str, logins: list[str]) -> dict[str, dict[str, int]]:
    """What the database holds per login (taken before and after the run)."""
    from sqlalchemy import func
    from sqlmodel import select

    from huifang_tui.services.base import Store
    from huifang_tui.store.models import AuditEntry, CallAttempt, Issue

    store = Store(url)
    out = {}
    with store.read() as s:
        for login in logins:
            out[login] = {
                "completions": s.exec(select(func.count()).select_from(CallAttempt).where(
                    CallAttempt.agent_login == login, CallAttempt.outcome == "completed")).one(),
                "retries": s.exec(select(func.count()).select_from(CallAttempt).where(
                    CallAttempt.agent_login == login, CallAttempt.outcome.in_(RETRY_OUTCOMES))).one(),
                "issues": s.exec(select(func.count()).select_from(Issue).where(Issue.raised_by == login)).one(),
                "claims": s.exec(select(func.count()).select_from(AuditEntry).where(
                    AuditEntry.login == login, AuditEntry.action == "callback.claim")).one(),
            }
    store.engine.dispose()
    return out


def merge_by_login(results: list[dict]) -> list[dict]:
    """Several processes may share a login (two terminals of one agent): add them up."""
    merged: dict[str, dict] = {}
    for r in results:
        m = merged.setdefault(r["login"], {"login": r["login"], "completed": [], "retries": 0, "issues": 0, "claims": 0})
        m["completed"] += r["completed"]
        for k in ("retries", "issues", "claims"):
            m[k] += r[k]
    for m in merged.values():
        m["completed"].sort(key=lambda x: x[1])
    return list(merged.values())


def verify(url: str, results: list[dict], before: dict[str, dict[str, int]]) -> dict:
    """Every write a process saw succeed is in the database exactly once."""
    from sqlalchemy import func
    from sqlmodel import select

    from huifang_tui.services.base import Store
    from huifang_tui.store.models import CallAttempt, Callback

    after = counts(url, [r["login"] for r in results])
    store = Store(url)
    lost = dup = 0
    detail: list[str] = []
    with store.read() as s:
        for r in results:
            login = r["login"]
            done = {n for n, _ in r["completed"]}
            if len(done) != len(r["completed"]):
                dup += len(r["completed"]) - len(done)
                detail.append(f"{login}: the same callback reported completed twice")
            rows = dict(s.exec(select(Callback.number, Callback.status).where(Callback.number.in_(done))).all()) if done else {}
            for n in done:
                if rows.get(n) != "completed":
                    lost += 1
                    detail.append(f"{login}: completion of {n} missing")
            now = after[login]
            base = before.get(login, dict.fromkeys(now, 0))
            for what, want in (("completions", len(r["completed"])), ("retries", r["retries"]),
                               ("issues", r["issues"]), ("claims", r["claims"])):
                got = now[what] - base[what]
                if got < want:
                    lost += want - got
                    detail.append(f"{login}: {what} {want} reported, {got} stored")
                elif got > want:
                    dup += got - want
                    detail.append(f"{login}: {what} {want} reported, {got} stored")
        twice = s.exec(select(CallAttempt.callback_id, func.count()).where(CallAttempt.outcome == "completed")
                       .group_by(CallAttempt.callback_id).having(func.count() > 1)).all()
        if twice:
            dup += len(twice)
            detail.append(f"{len(twice)} callbacks completed more than once")
    store.engine.dispose()
    return {"lost": lost, "duplicated": dup, "detail": detail[:20]}


def board_delays(results: list[dict], loads: list[tuple[float, dict[str, int], float]],
                 done_before: dict[str, int]) -> list[float]:
    """For each completion: time from its commit to the first board paint showing it."""
    delays = []
    for r in results:
        login = r["login"]
        base = done_before.get(login, 0)
        for k, (_, at) in enumerate(r["completed"], start=1):
            shown = next((t for t, done, _ in loads if t >= at and done.get(login, 0) >= base + k), None)
            if shown is not None:
                delays.append(shown - at)
            else:
                delays.append(float("inf"))
    return delays


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))]


def existing_logins(url: str) -> tuple[list[str], str]:
    from sqlmodel import select

    from huifang_tui.services.base import Store
    from huifang_tui.store.models import User

    store = Store(url)
    with store.read() as s:
        users = list(s.exec(select(User).where(User.active == True)))
    store.engine.dispose()
    agents = sorted(u.login for u in users if u.role == "agent")
    sups = sorted(u.login for u in users if u.role == "supervisor")
    if not agents or not sups:
        raise SystemExit("the database needs at least one agent and one supervisor")
    return agents, sups[0]


def today_done(url: str, real: bool) -> dict[str, int]:
    from huifang_tui.services.base import Store
    from huifang_tui.services.figures import done_by_login

    store = Store(url)
    day = datetime.now().date() if real else DAY
    with store.read() as s:
        out = {k: v[0] for k, v in done_by_login(s, day).items()}
    store.engine.dispose()
    return out


# -- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--agents", type=int, default=30)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--per-agent", type=int, default=80, help="open callbacks due today per agent")
    p.add_argument("--saturate", action="store_true", help="no think time: report throughput")
    p.add_argument("--url", help="database URL (empty database); default a SQLite file in benchmarks/out/")
    p.add_argument("--no-board", action="store_true", help="without the supervisor's board process")
    p.add_argument("--existing", action="store_true",
                   help="work the centre already in --url (e.g. the demo database) with the real clock: "
                        "its agents' logins, one process per agent or more")
    p.add_argument("--json", type=Path, help="write the figures here too")
    args = p.parse_args(argv)

    url = args.url
    if args.existing and url is None:
        p.error("--existing needs --url")
    if url is None:
        out = HERE / "out"
        out.mkdir(exist_ok=True)
        path = out / ("stress-saturate.db" if args.saturate else "stress.db")
        for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            f.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    if args.existing:
        logins, supervisor = existing_logins(url)
    else:
        t = time.perf_counter()
        build_centre(url, args.agents, args.per_agent)
        print(f"centre built in {time.perf_counter() - t:.1f} s: {args.agents} agents × {args.per_agent} callbacks",
              flush=True)
        logins, supervisor = [f"agent{a:02d}" for a in range(args.agents)], "supervisor"
    real = args.existing
    before = counts(url, sorted(set(logins)))
    done_before = today_done(url, real)

    ctx = mp.get_context("spawn")
    t0_box = ctx.Value("d", 0.0)
    n_proc = args.agents + (0 if args.no_board else 1)
    ready, go, out_q = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=agent_main, args=(i, logins[i % len(logins)], url, t0_box, ready, go, args.seconds,
                                                  args.saturate, real, out_q))
             for i in range(args.agents)]
    if not args.no_board:
        procs.append(ctx.Process(target=board_main, args=(url, supervisor, t0_box, ready, go, args.seconds, real, out_q)))
    for pr in procs:
        pr.start()
    for _ in range(n_proc):
        ready.acquire()
    t0_box.value = time.time()
    go.set()
    print(f"{n_proc} processes running for {args.seconds:.0f} s …", flush=True)
    results, loads, fatal = [], [], []
    for _ in range(n_proc):
        msg = out_q.get()
        if "fatal" in msg or "board_fatal" in msg:
            fatal.append(msg.get("fatal") or msg.get("board_fatal"))
        elif "board" in msg:
            loads = msg["board"]
        else:
            results.append(msg)
    for pr in procs:
        pr.join()
    elapsed = time.time() - t0_box.value

    commits = [x for r in results for x in r["commit_seconds"]]
    ops = {op: sum(r["ops"][op] for r in results) for op in OPS}
    refused = {op: sum(r["refused"][op] for r in results) for op in OPS}
    errors = [e for r in results for e in r["errors"]]
    merged = merge_by_login(results)
    check = verify(url, merged, before)
    delays = board_delays(merged, loads, done_before) if loads else []
    shown = [d for d in delays if d != float("inf")]
    fetches = [f for _, _, f in loads]
    report = {
        "url": url if not url.startswith("postgresql") else url.split("@")[-1],
        "agents": args.agents, "seconds": args.seconds, "elapsed": round(elapsed, 1), "saturate": args.saturate,
        "operations": sum(ops.values()), "by_op": ops, "refused_by_rule": refused, "errors": len(errors),
        "error_samples": errors[:5], "fatal": [f[-500:] for f in fatal],
        "lost": check["lost"], "duplicated": check["duplicated"], "check_detail": check["detail"],
        "write_transactions": len(commits),
        "commit_ms": {"p50": round(pct(commits, 50) * 1000, 1), "p95": round(pct(commits, 95) * 1000, 1),
                      "max": round(max(commits, default=float("nan")) * 1000, 1)},
        "ops_per_s": round(sum(ops.values()) / args.seconds, 1),
        "commits_per_s": round(len(commits) / args.seconds, 1),
        "board_paints": len(loads),
        "board_show_s": {"p50": round(pct(delays, 50), 2), "p95": round(pct(delays, 95), 2),
                         "max_shown": round(max(shown, default=float("nan")), 2), "n": len(delays),
                         "not_shown": len(delays) - len(shown)},
        "not_shown_detail": [
            {"login": r["login"], "k": k, "committed_after_start_s": round(at - t0_box.value, 2),
             "board_last_done": loads[-1][1].get(r["login"]) if loads else None, "base": done_before.get(r["login"], 0),
             "reported": len(r["completed"])}
            for r in merged for k, (_, at) in enumerate(r["completed"], start=1)
            if loads and loads[-1][1].get(r["login"], 0) < done_before.get(r["login"], 0) + k][:5],
        "last_paint_after_end_s": round(loads[-1][0] - (t0_box.value + args.seconds), 1) if loads else None,
        "board_fetch_ms": {"p50": round(pct(fetches, 50) * 1000, 1), "max": round(max(fetches, default=0) * 1000, 1)},
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    ok = not errors and not fatal and check["lost"] == 0 and check["duplicated"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
