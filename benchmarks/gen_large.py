"""Generate a large centre database for the benchmarks (fictional, deterministic).

Usage::

    python benchmarks/gen_large.py OUT.db [--customers N] [--callbacks N] [--today YYYY-MM-DD] [--seed S] [--force]

What it writes (defaults):

* 50 agents ``agent01`` … ``agent50``, one supervisor ``sup01`` (also the follow-up login), the OS
  login as admin; ``Setting(demo=1)`` so ``huifang --as agentNN`` is allowed.
* 100k customers over all tiers (≈60% standard, 25% key, 10% major, 5% strategic), ≈30%
  non-members, 1–3 contacts each; ≈0.5% are unassigned (their work goes to the shared pool).
* Work orders (≈0.26 × callbacks, ≈260k) over the last 3 years, almost all completed long ago;
  sales (≈0.05 × callbacks); non-member events (registrations, activities, inquiries).
* ≈1M historical callbacks (``HF`` + YYYYMM + seq, unique), almost all completed: completion /
  usage / progress_check per work order, first_sale + quarterly chains per sale, on-site cycles
  of major/strategic customers, low_score follow-ups, non-member callbacks.

History stops a few days before ``today``; the real planner (``run_planner``) is then run twice
with the clock at ``today 10:00`` to reach steady state (it creates the open callbacks the
recent facts call for, and sets the planner watermark), and each queue is trimmed to a random
30–60 open callbacks due today/overdue per agent (the rest are marked completed, as if worked).

Rows are written with plain ``sqlite3`` ``executemany`` (journal off, secondary indexes dropped
during the load and rebuilt after), so the whole thing takes a couple of minutes on 2 cores.
The parameters are stored in ``setting['bench.params']``; a second call with the same
parameters on an existing file does nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import time as _time
from datetime import date, datetime, time, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta

GEN_VERSION = 3  # bump when the generated shape changes (invalidates the cache)
N_AGENTS = 50
SUPERVISOR = "sup01"
CHUNK = 50_000

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁龙林欣佳琪晨阳雪梅"
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "重庆", "武汉", "西安", "天津",
          "长沙", "郑州", "青岛", "济南", "合肥", "福州", "厦门", "昆明", "沈阳", "大连", "宁波", "无锡"]
WORDS = ["华信", "恒达", "宏远", "鑫源", "瑞丰", "嘉禾", "天成", "中科", "海川", "博远", "金泰", "汇通",
         "德润", "长城", "东方", "新锐", "启明", "同创", "永盛", "安泰", "明德", "卓越", "星河", "正邦"]
TRADES = ["科技", "精密机械", "电子", "自动化", "医疗器械", "新材料", "环保设备", "仪器仪表", "智能制造", "化工"]
REGIONS = ["华北", "华东", "华南", "华中", "西南", "西北", "东北"]
PRODUCTS = ["HF-200 检测仪", "HF-350 分析系统", "HF-500 在线监测站", "HX-10 控制器", "HX-20 采集模块",
            "HS-8 传感器套件", "HP-1 软件平台", "HP-2 数据服务"]
ROLES = ["技术负责人", "行政负责人", "主要使用人员", "设备科长", "采购经理"]
SERVICE_TYPES = ["install", "commission", "repair", "consult"]
SERVICE_W = [25, 15, 45, 15]
TIERS = ["standard", "key", "major", "strategic"]
TIER_W = [60, 25, 10, 5]
PRIORITY = {"low_score": 0, "progress_check": 1, "completion": 2, "nm_new": 3, "nm_event": 3,
            "first_sale": 4, "onsite": 4, "usage": 5, "quarterly": 5, "nm_inactive": 6, "annual_visit": 6}
ONSITE_MONTHS = {"major": 6, "strategic": 3}


def fdt(d: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME storage format."""
    return d.strftime("%Y-%m-%d %H:%M:%S.000000")


def fd(d: date) -> str:
    return d.isoformat()


class Table:
    """Column order and Python-side defaults of one SQLModel table, for raw inserts."""

    def __init__(self, model):  # noqa: ANN001
        t = model.__table__
        self.name = t.name
        self.cols = [c.name for c in t.columns]
        self.idx = {c: i for i, c in enumerate(self.cols)}
        tpl = []
        for c in t.columns:
            v = None
            if c.default is not None and not callable(c.default.arg):
                v = c.default.arg
            if isinstance(v, bool):
                v = int(v)
            tpl.append(v)
        self.tpl = tpl
        self.sql = f"INSERT INTO {t.name} ({', '.join(self.cols)}) VALUES ({', '.join('?' * len(self.cols))})"

    def row(self, **kw) -> list:  # noqa: ANN003
        r = list(self.tpl)
        for k, v in kw.items():
            r[self.idx[k]] = int(v) if isinstance(v, bool) else v
        return r


def params_of(args: argparse.Namespace) -> dict:
    return {"gen": GEN_VERSION, "customers": args.customers, "callbacks": args.callbacks,
            "today": args.today.isoformat(), "seed": args.seed}


def cached(out: Path, params: dict) -> bool:
    if not out.exists():
        return False
    try:
        c = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
        row = c.execute("SELECT value FROM setting WHERE key='bench.params'").fetchone()
        c.close()
    except sqlite3.Error:
        return False
    return bool(row) and json.loads(row[0]) == params


def generate(out: Path, customers: int, callbacks: int, today: date, seed: int) -> dict:
    from huifang_tui.services.base import Store
    from huifang_tui.services.users import os_login
    from huifang_tui.store import models as M

    t0 = _time.perf_counter()
    rng = random.Random(seed)
    tmp = out.with_name(out.name + ".tmp")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    store = Store("sqlite:///" + str(tmp.resolve()))
    store.ensure_schema()
    store.engine.dispose()

    con = sqlite3.connect(tmp, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")
    con.execute("PRAGMA temp_store=MEMORY")
    # Drop secondary (non-unique, named) indexes during the load; rebuilt at the end.
    idx_sql = [r for r in con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL")]
    for name, _ in idx_sql:
        con.execute(f"DROP INDEX {name}")

    def insert(tbl: Table, rows) -> int:  # noqa: ANN001
        n, buf = 0, []
        for r in rows:
            buf.append(r)
            if len(buf) >= CHUNK:
                con.execute("BEGIN")
                con.executemany(tbl.sql, buf)
                con.execute("COMMIT")
                n += len(buf)
                buf = []
        if buf:
            con.execute("BEGIN")
            con.executemany(tbl.sql, buf)
            con.execute("COMMIT")
            n += len(buf)
        return n

    start = today - timedelta(days=3 * 365)
    created0 = datetime.combine(start - timedelta(days=400), time(9, 0))
    counts: dict[str, int] = {}

    # -- users ---------------------------------------------------------------------
    U = Table(M.User)
    agents = [f"agent{i:02d}" for i in range(1, N_AGENTS + 1)]
    users = [U.row(login=a, name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), role="agent",
                   created_at=fdt(created0)) for a in agents]
    users.append(U.row(login=SUPERVISOR, name="主管" + rng.choice(SURNAMES), role="supervisor", created_at=fdt(created0)))
    admin = os_login()
    if admin not in agents and admin != SUPERVISOR:
        users.append(U.row(login=admin, name=admin, role="admin", created_at=fdt(created0)))
    counts["users"] = insert(U, users)

    # -- customers and contacts ---------------------------------------------------------
    C = Table(M.Customer)
    K = Table(M.Contact)
    tier_of = [""] * (customers + 1)
    member_of = [True] * (customers + 1)
    agent_of: list[str | None] = [None] * (customers + 1)
    contact_of = [""] * (customers + 1)
    last_of: list[date | None] = [None] * (customers + 1)
    reg_of: list[date | None] = [None] * (customers + 1)
    cust_rows, contact_rows = [], []
    for cid in range(1, customers + 1):
        tier = rng.choices(TIERS, TIER_W)[0]
        member = rng.random() >= 0.30
        agent = None if rng.random() < 0.005 else agents[cid % N_AGENTS]
        reg = start - timedelta(days=400) + timedelta(days=rng.randrange(400 + 3 * 365 - 3))
        last = None
        if not member:
            last = reg + timedelta(days=rng.randrange(max(1, (today - reg).days - 2)))
        tier_of[cid], member_of[cid], agent_of[cid], reg_of[cid], last_of[cid] = tier, member, agent, reg, last
        name = f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(TRADES)}有限公司{cid:06d}"
        ts = fdt(datetime.combine(reg, time(9, 0)))
        cust_rows.append(C.row(id=cid, name=name, tier=tier, is_member=member, agent_login=agent,
                               region=rng.choice(REGIONS), registered_on=fd(reg),
                               last_activity_on=fd(last) if last else None, created_at=ts, updated_at=ts))
        names: set[str] = set()
        for j in range(rng.choice((1, 2, 2, 3))):
            while True:
                cn = rng.choice(SURNAMES) + rng.choice(GIVEN) + ("" if rng.random() < 0.4 else rng.choice(GIVEN))
                if cn not in names:
                    break
            names.add(cn)
            if j == 0:
                contact_of[cid] = cn
            contact_rows.append(K.row(customer_id=cid, name=cn, role=ROLES[j % len(ROLES)],
                                      phone=f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                                      email=f"c{cid}_{j}@example.com", is_primary=(j == 0)))
    counts["customers"] = insert(C, cust_rows)
    counts["contacts"] = insert(K, contact_rows)
    del cust_rows, contact_rows
    members = [c for c in range(1, customers + 1) if member_of[c]]
    nonmembers = [c for c in range(1, customers + 1) if not member_of[c]]
    print(f"  customers/contacts {_time.perf_counter() - t0:.1f}s", file=sys.stderr)

    # -- callback numbering -----------------------------------------------------------------
    seq: dict[str, int] = {}

    def number(prefix: str, on: date) -> str:
        key = f"{prefix}{on:%Y%m}"
        n = seq.get(key, 0) + 1
        seq[key] = n
        return f"{key}{n:03d}"

    CB = Table(M.Callback)
    horizon_done = today - timedelta(days=6)  # history stops here; the planner makes the rest

    def done_at(due: date) -> datetime:
        d = due + timedelta(days=rng.choice((0, 0, 0, 1, 1, 2)))
        return datetime.combine(d, time(rng.randrange(9, 18), rng.randrange(60)))

    def cb_row(cid: int, kind: str, ref: str, due: date, deadline: date, *, wo: int | None = None,
               assignee: str = "agent", agent: str | None = "", low: bool = False) -> list:
        at = done_at(due)
        if at.date() >= today:
            at = datetime.combine(today - timedelta(days=1), time(16, 0))
        if agent == "":
            agent = agent_of[cid] if assignee == "agent" else SUPERVISOR
        sr = rng.choice((1, 2)) if low else rng.choice((4, 5, 5, 5))
        sa = rng.choice((3, 4)) if low else rng.choice((4, 5, 5))
        created = datetime.combine(due - timedelta(days=1), time(7, 30))
        return CB.row(
            number=number("HF", due), customer_id=cid, work_order_id=wo, kind=kind, trigger_ref=ref,
            channel="onsite" if kind in ("onsite", "annual_visit") else "phone", assignee=assignee,
            agent_login=agent, priority=PRIORITY[kind], due_on=fd(due), deadline_on=fd(deadline),
            status="completed", attempts=rng.choice((1, 1, 1, 2, 3)), outcome="completed",
            completed_at=fdt(at), contact_name=contact_of[cid], reached_name=contact_of[cid],
            reached_position="技术负责人", score_resolution=sr, score_attitude=sa,
            answers="{}", version=1, created_at=fdt(created), updated_at=fdt(at),
        )

    # -- work orders ------------------------------------------------------------------------
    n_wo = int(callbacks * 0.26)
    n_sales = int(callbacks * 0.05)
    W = Table(M.WorkOrder)
    span_days = (today - start).days
    accepted = sorted(datetime.combine(start, time(8, 0)) + timedelta(minutes=rng.randrange(span_days * 1440 - 600))
                      for _ in range(n_wo))
    wo_rows, wo_info = [], []  # (id, number, cid, actual date, service type, planned)
    heavy = [c for c in range(1, customers + 1)]
    weights = [{"standard": 1, "key": 2, "major": 4, "strategic": 6}[tier_of[c]] for c in heavy]
    wo_cust = rng.choices(heavy, weights, k=n_wo)
    now = datetime.combine(today, time(10, 0))
    for i, acc in enumerate(accepted, start=1):
        cid = wo_cust[i - 1]
        num = number("SX", acc.date())
        planned = acc + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 8))
        actual = acc + timedelta(days=rng.uniform(0.3, 14))
        age = (now - acc).days
        if actual >= now or (age > 60 and rng.random() < 0.005) or (age <= 60 and rng.random() < 0.15):
            actual = None  # still open (a few stale ones in old history)
        stype = rng.choices(SERVICE_TYPES, SERVICE_W)[0]
        upd = actual or acc
        wo_rows.append(W.row(
            id=i, number=num, customer_id=cid, contact_name=contact_of[cid], contact_phone="",
            product=rng.choice(PRODUCTS), description="设备" + rng.choice(("报警", "校准", "安装", "升级", "维修")),
            priority=rng.choice(("urgent", "normal", "normal", "low")), group_name=rng.choice(REGIONS) + "服务组",
            owner=rng.choice(SURNAMES) + rng.choice(GIVEN), accepted_at=fdt(acc), planned_completion=fdt(planned),
            actual_completion=fdt(actual) if actual else None, feedback_at=fdt(actual) if actual else None,
            solution="已处理" if actual else "", customer_confirmed="是" if actual else "",
            status="已完成" if actual else "处理中", service_type=stype, updated_at=fdt(upd)))
        wo_info.append((i, num, cid, actual, stype, planned))
    counts["work_orders"] = insert(W, wo_rows)
    del wo_rows, accepted, wo_cust
    print(f"  work orders {_time.perf_counter() - t0:.1f}s", file=sys.stderr)

    # -- sales --------------------------------------------------------------------------------
    S = Table(M.Sale)
    sale_info = []
    sale_rows = []
    for i in range(1, n_sales + 1):
        cid = rng.choice(members) if rng.random() < 0.9 else rng.randrange(1, customers + 1)
        sold = start + timedelta(days=rng.randrange(span_days))
        contract = f"HT{sold:%Y%m}{i:06d}"
        q = rng.randint(1, 5)
        sale_rows.append(S.row(id=i, contract_no=contract, customer_id=cid, product=rng.choice(PRODUCTS),
                               sold_on=fd(sold), quantity=q, amount=round(q * rng.uniform(8000, 180000), 2)))
        sale_info.append((contract, cid, sold))
    counts["sales"] = insert(S, sale_rows)
    del sale_rows

    # -- non-member events --------------------------------------------------------------------
    E = Table(M.NonMemberEvent)
    ev_rows, ev_info, seen_ev = [], [], set()
    for cid in nonmembers:
        reg = reg_of[cid]
        if reg >= start:
            ev_rows.append(E.row(customer_id=cid, kind="registration", occurred_on=fd(reg)))
            ev_info.append((cid, "registration", reg))
        last = last_of[cid]
        days = [last] + [reg + timedelta(days=rng.randrange(max(1, (last - reg).days))) for _ in range(rng.randrange(3))]
        for d in days:
            kind = rng.choice(("activity", "inquiry"))
            if (cid, kind, d) in seen_ev or d <= reg:
                continue
            seen_ev.add((cid, kind, d))
            ev_rows.append(E.row(customer_id=cid, kind=kind, occurred_on=fd(d)))
            ev_info.append((cid, kind, d))
    counts["events"] = insert(E, ev_rows)
    del ev_rows, seen_ev

    # -- historical callbacks ------------------------------------------------------------------
    def history():  # noqa: ANN202
        for wid, num, cid, actual, stype, planned in wo_info:
            ref = f"wo:{num}"
            if actual is None or actual.date() >= horizon_done:
                continue
            if actual > planned and rng.random() < 0.3:
                pd_ = planned.date() + timedelta(days=1)
                if pd_ < horizon_done:
                    yield cb_row(cid, "progress_check", ref, pd_, pd_ + timedelta(days=1), wo=wid)
            due = actual.date() + timedelta(days=1)
            low = rng.random() < 0.03
            r = cb_row(cid, "completion", ref, due, due + timedelta(days=4), wo=wid, low=low)
            yield r
            if low:
                d0 = datetime.fromisoformat(r[CB.idx["completed_at"]]).date()
                if d0 < horizon_done:
                    yield cb_row(cid, "low_score", f"cb:{r[CB.idx['number']]}", d0, d0 + timedelta(days=1),
                                 assignee="followup", agent=SUPERVISOR)
            if stype != "consult":
                ud = actual.date() + relativedelta(months=2)
                if ud < horizon_done:
                    yield cb_row(cid, "usage", ref, ud, actual.date() + relativedelta(months=3), wo=wid)
        for contract, cid, sold in sale_info:
            due = sold + timedelta(days=1)
            if due >= horizon_done:
                continue
            r = cb_row(cid, "first_sale", f"sale:{contract}", due, sold + relativedelta(months=1))
            yield r
            while True:  # quarterly chain
                prev_done = datetime.fromisoformat(r[CB.idx["completed_at"]]).date()
                due = prev_done + relativedelta(months=3)
                if due >= horizon_done or rng.random() < 0.08:
                    break
                r = cb_row(cid, "quarterly", f"cb:{r[CB.idx['number']]}", due, due + relativedelta(months=1))
                yield r
        for cid in range(1, customers + 1):
            months = ONSITE_MONTHS.get(tier_of[cid])
            if not months:
                continue
            for year in range(start.year, today.year + 1):
                for idx in range(1, 12 // months + 1):
                    cs = date(year, (idx - 1) * months + 1, 1)
                    ce = cs + relativedelta(months=months) - timedelta(days=1)
                    if cs < start:
                        continue
                    if cs > today or (ce >= today and rng.random() < 0.05):
                        continue  # current cycle not yet visited for a few
                    due = cs + timedelta(days=rng.randrange(max(1, min((ce - cs).days, (today - cs).days - 1))))
                    if due >= today:
                        due = today - timedelta(days=1)
                    yield cb_row(cid, "onsite", f"onsite:{year}-{idx}", due, ce, assignee="supervisor", agent=None)
        for cid, kind, d in ev_info:
            due = d + timedelta(days=1)
            if due >= horizon_done:
                continue
            if kind == "registration":
                yield cb_row(cid, "nm_new", f"reg:{d.isoformat()}", due, d + timedelta(days=4))
            else:
                yield cb_row(cid, "nm_event", f"event:{kind}:{d.isoformat()}", due, d + timedelta(days=3))
        for cid in nonmembers:
            last = last_of[cid] or reg_of[cid]
            m = 6 if tier_of[cid] == "standard" else 3
            due = last + relativedelta(months=m)
            if due < horizon_done - timedelta(days=3):
                r = cb_row(cid, "nm_inactive", f"inactive:{last.isoformat()}", due, due + relativedelta(months=1))
                yield r
                d0 = datetime.fromisoformat(r[CB.idx["completed_at"]]).date()
                nd = d0 + relativedelta(months=m)
                if nd < horizon_done:
                    yield cb_row(cid, "nm_inactive", f"cb:{r[CB.idx['number']]}", nd, nd + relativedelta(months=1))

    counts["callbacks_history"] = insert(CB, history())
    print(f"  callbacks {_time.perf_counter() - t0:.1f}s", file=sys.stderr)

    # -- counters, settings, indexes -----------------------------------------------------------
    con.execute("BEGIN")
    con.executemany("INSERT INTO counter (key, value) VALUES (?, ?)", list(seq.items()))
    settings = [("demo", "1"), ("followup_login", SUPERVISOR)]
    con.executemany("INSERT INTO setting (key, value) VALUES (?, ?)", settings)
    con.execute("INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT(id) DO NOTHING",
                (M.SCHEMA_VERSION,))
    con.execute("COMMIT")
    for _, sql in idx_sql:
        con.execute(sql)
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    print(f"  indexes {_time.perf_counter() - t0:.1f}s", file=sys.stderr)

    # -- steady state: the planner, then work the queues down to a realistic size ---------------
    store = Store("sqlite:///" + str(tmp.resolve()), clock=lambda: now)
    from huifang_tui.services.planner import run_planner

    reps = []
    for _ in range(2):
        rep = run_planner(store)
        reps.append(rep.created)
        trim_queues(tmp, today, now, rng)
    store.engine.dispose()
    print(f"  planner settle {reps} {_time.perf_counter() - t0:.1f}s", file=sys.stderr)

    con = sqlite3.connect(tmp, isolation_level=None)
    counts["callbacks_total"] = con.execute("SELECT count(*) FROM callback").fetchone()[0]
    counts["callbacks_open"] = con.execute("SELECT count(*) FROM callback WHERE status IN ('open','waiting_data')").fetchone()[0]
    per_agent = [r[0] for r in con.execute(
        "SELECT count(*) FROM callback WHERE status IN ('open','waiting_data') AND due_on <= ? "
        "AND agent_login LIKE 'agent%' GROUP BY agent_login", (fd(today),))]
    counts["due_per_agent_min"] = min(per_agent) if per_agent else 0
    counts["due_per_agent_max"] = max(per_agent) if per_agent else 0
    counts["seconds"] = round(_time.perf_counter() - t0, 1)
    con.execute("ANALYZE")
    con.execute("INSERT OR REPLACE INTO setting (key, value) VALUES ('bench.counts', ?)", (json.dumps(counts),))
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return counts


def trim_queues(path: Path, today: date, now: datetime, rng: random.Random) -> None:
    """Keep 30–60 open callbacks due by today per agent (5–10 in each shared pool); complete the rest."""
    con = sqlite3.connect(path, isolation_level=None)
    rows = con.execute(
        "SELECT id, coalesce(agent_login, '~' || assignee), due_on FROM callback "
        "WHERE status IN ('open','waiting_data') AND due_on <= ?", (fd(today),)).fetchall()
    groups: dict[str, list[tuple[int, str]]] = {}
    for cid, g, due in rows:
        groups.setdefault(g, []).append((cid, due))
    done = []
    for g, items in groups.items():
        keep = rng.randint(30, 60) if g.startswith("agent") else rng.randint(5, 10) if g.startswith("~") else rng.randint(30, 60)
        rng.shuffle(items)
        for cid, due in items[keep:]:
            d = max(date.fromisoformat(due), today - timedelta(days=40))
            at = datetime.combine(min(d, today - timedelta(days=1)), time(rng.randrange(9, 18), rng.randrange(60)))
            done.append((fdt(at), fdt(at), cid))
    con.execute("BEGIN")
    con.executemany(
        "UPDATE callback SET status='completed', outcome='completed', completed_at=?, updated_at=?, attempts=1, "
        "score_resolution=5, score_attitude=5, version=version+1 WHERE id=?", done)
    con.execute("COMMIT")
    con.close()


def ensure(out: Path, customers: int = 100_000, callbacks: int = 1_000_000, today: date | None = None,
           seed: int = 42, force: bool = False) -> dict:
    """Generate OUT unless it already holds these parameters; return the stored counts."""
    ns = argparse.Namespace(customers=customers, callbacks=callbacks, today=today or date.today(), seed=seed)
    params = params_of(ns)
    if not force and cached(out, params):
        c = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
        row = c.execute("SELECT value FROM setting WHERE key='bench.counts'").fetchone()
        c.close()
        return {"cached": True, **(json.loads(row[0]) if row else {})}
    counts = generate(out, customers, callbacks, ns.today, seed)
    tmp = out.with_name(out.name + ".tmp")
    c = sqlite3.connect(tmp, isolation_level=None)
    c.execute("INSERT OR REPLACE INTO setting (key, value) VALUES ('bench.params', ?)", (json.dumps(params),))
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    for p in (out, Path(f"{out}-wal"), Path(f"{out}-shm"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    os.replace(tmp, out)
    return {"cached": False, **counts}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--callbacks", type=int, default=1_000_000)
    p.add_argument("--today", type=date.fromisoformat, default=date.today())
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--force", action="store_true", help="regenerate even if cached")
    a = p.parse_args(argv)
    counts = ensure(a.out, a.customers, a.callbacks, a.today, a.seed, a.force)
    print(json.dumps(counts, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
