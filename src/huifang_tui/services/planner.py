"""Planner: reconciles dated facts with callbacks, idempotently (SPEC §3).

Running it any number of times over the same facts gives the same callbacks: one per
(customer, kind, trigger_ref), enforced both here and by a unique constraint. It looks
only at facts that can still produce work (recent or changed since the last run), so a
day's run stays fast on a large centre's history.
"""

from __future__ import annotations

import time

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, text, update
from sqlmodel import Session, select

from ..domain import rules
from ..domain.facts import (
    CompletedCallback,
    CustomerFact,
    EventFact,
    PlannedCallback,
    SaleFact,
    WorkOrderFact,
)
from ..domain.outcomes import CLOSED_UNDONE
from ..store import db
from ..store.bulk import insert_many
from ..store.models import Callback, Contact, Customer, NonMemberEvent, Sale, Setting, User, WorkOrder
from ..core.i18n import t
from ..domain.kpi import Month
from ..domain.summary import summary_due
from . import outbox
from .base import SYSTEM, Actor, Store, acting, audit, reserve, serialize
from .calendar import load_calendar, load_policy

WATERMARK = "planner.watermark"
CYCLES_ON = "planner.cycles_on"
# Without a watermark (first run, back-fill) look far enough back to pick up usage callbacks
# (completion + 2–3 months) and quarterly links of history that was never planned.
FIRST_RUN_DAYS = 200
# A run reads what changed since the previous run began, less this margin: a change stamped
# just before that run read the store may have been committed just after (every write
# transaction is short), and the thin clients' clocks may differ a little on PostgreSQL.
MARGIN = timedelta(minutes=5)
_BATCH = 400
STALE_NAMED = 10  # a stale-work notification names this many callbacks, then "and more"


@dataclass
class PlanReport:
    created: int
    cancelled: int
    now: datetime


def customer_fact(c: Customer) -> CustomerFact:
    return CustomerFact(
        id=c.id, name=c.name, tier=c.tier, is_member=c.is_member, agent=c.agent_login,
        registered_on=c.registered_on, last_activity_on=c.last_activity_on,
    )


def completed_fact(cb: Callback, number: str | None = None) -> CompletedCallback:
    return CompletedCallback(
        number=number or cb.number, customer_id=cb.customer_id, kind=cb.kind,
        trigger_ref=cb.trigger_ref, completed_at=cb.completed_at,
        score_resolution=cb.score_resolution, score_attitude=cb.score_attitude,
        negative_feedback=cb.negative_feedback, needs_onsite=cb.needs_onsite,
    )


PLAN_CHUNK = 500  # planned callbacks per insert (duplicate check, numbers, one executemany)
HOLD_S = 0.3  # a write transaction takes chunks for at most this long (issue 13: agents never wait long)
YIELD_S = 0.1  # pause between two of them, so agents waiting for the lock get it
ASIDE_ROWS = 500  # from this many callbacks in a slice, its WAL pages are checkpointed in a thread
FIRST_BATCH = 2000  # callbacks prepared for the first slice; then what a slice was seen to take


def run_planner(store: Store, now: datetime | None = None, actor: Actor = SYSTEM, *, full: bool = False) -> PlanReport:
    """Plan everything the facts call for at ``now`` (default: the store's clock).

    A run costs what changed since the previous one (issue 13 §2): work orders, sales and
    events stamped since its watermark, callbacks completed or closed since, open work
    orders whose planned completion has passed since. ``full`` (``huifang plan --full``, and
    any run without a watermark or under a ``--now`` in the past) instead reconciles every
    fact that can still produce work, as a repair: rows written around the app (a restore,
    another tool) are planned too.

    The facts are read in one read transaction (no lock); the new callbacks are written in
    write transactions of at most ``HOLD_S``, with pauses between them, so a planner run after
    a 100,000-row import never holds the write lock for long. Two runs at once still create
    each callback once (the unique trigger key, and a re-check under the lock). The watermark
    moves only after the last slice: an interrupted run is simply re-done by the next one.

    Automatic runs (start-up, after an import) act as the system; ``huifang plan`` passes the
    user, who must be a supervisor or an admin."""
    wall = store.now()
    now = now or wall
    with store.read() as s:
        acting(s, actor, "supervisor")
        serialize(s, "planner")  # two planners at once never insert the same callback (PostgreSQL)
        row = s.get(Setting, WATERMARK)
        since = now - timedelta(days=FIRST_RUN_DAYS)
        if row and row.value and now >= wall - MARGIN and not full:
            since = max(since, datetime.fromisoformat(row.value) - MARGIN)
        else:
            full = True
        cycles_done = _setting(s, CYCLES_ON) == now.date().isoformat() and not full
        planned, customers, wo_ids = _gather(s, now, since, cycles=not cycles_done, full=full)
        # In customer order: consecutive inserts then touch neighbouring pages of the index keyed
        # by customer (the unique trigger key), so each page is written once per run rather than
        # once per transaction (on a large centre the commits were most of the cost).
        planned = sorted(_unique(planned).values(), key=lambda p: p.customer_id)
    with store.write() as s:  # before the new callbacks, as in one transaction
        _alert_stale(s, actor, now, since, load_policy(s).stale_days)
    # Each write slice is prepared while the lock is free: which of the next callbacks exist,
    # and what their rows copy, are read in the pause that lets agents in between two slices.
    created, i, todo, batch, wrote = 0, 0, [], FIRST_BATCH, False
    looked = _Lookups({}, wo_ids)
    checkpoints = db.Checkpointer(store.engine)  # SQLite: the WAL copied aside, not in the commits
    while i < len(planned) or todo:
        paused = time.monotonic()
        if i < len(planned) and len(todo) < batch:
            take = planned[i : i + batch - len(todo)]
            i += len(take)
            with store.read() as r:
                todo += _not_existing(r, take, looked)
        if not todo:
            continue
        if wrote:  # the rest of the pause (SQLite polls a waiting writer every ~100 ms)
            time.sleep(max(0.0, YIELD_S - (time.monotonic() - paused)))
        aside = len(todo) >= ASIDE_ROWS  # a few rows' pages are left to SQLite's own checkpoint
        with store.write() as s:
            if aside:
                checkpoints.defer(s)
            began, j = time.monotonic(), 0
            while j < len(todo) and (not j or time.monotonic() - began < HOLD_S):  # a chunk at least
                created += len(_insert_new(s, actor, now, todo[j : j + PLAN_CHUNK], customers, looked))
                j += PLAN_CHUNK
            held = time.monotonic() - began
        if aside:
            checkpoints.kick()
        todo, wrote = todo[j:], True
        batch = max(PLAN_CHUNK, int(j * HOLD_S / max(held, 0.01)))  # what the next slice will take
    with store.write() as s:
        cancelled = _cancel_progress_checks(s, actor, now)
        _reopen_corrected(s, actor, now)
        s.merge(Setting(key=WATERMARK, value=wall.isoformat()))
        s.merge(Setting(key=CYCLES_ON, value=now.date().isoformat()))
        from .issues import write_due_escalations

        write_due_escalations(s, wall)  # by the clock, never under --now (SPEC §3)
        _tell_summary_due(s, actor, wall)
    checkpoints.join()  # the last slice's copy ran alongside this transaction
    return PlanReport(created, cancelled, now)


def plan_after_completion(s: Session, actor: Actor, cb: Callback, now: datetime, cal=None, policy=None,  # noqa: ANN001
                          only=None) -> list[str]:  # noqa: ANN001
    """Inside a completion's own transaction: create what follows it (low_score, quarterly, …);
    ``only`` (a test of a planned callback) limits it to some of them (an edit's changes)."""
    serialize(s, "planner")
    cal, policy = cal or load_calendar(s), policy or load_policy(s)
    cust = customer_fact(s.get(Customer, cb.customer_id))
    planned = rules.after_completion(completed_fact(cb), cust, policy, cal)
    if only is not None:
        planned = [p for p in planned if only(p)]
    return _insert(s, actor, now, planned, {cust.id: cust})


def plan_after_closing(s: Session, actor: Actor, cb: Callback, now: datetime, cal=None, policy=None) -> list[str]:  # noqa: ANN001
    """Inside the transaction that lapsed, refused or gave up on a link: its chain's next link."""
    serialize(s, "planner")
    cal, policy = cal or load_calendar(s), policy or load_policy(s)
    cust = customer_fact(s.get(Customer, cb.customer_id))
    planned = rules.after_closing(cb.number, cb.customer_id, cb.kind, cb.trigger_ref, cb.deadline_on, cust, policy, cal)
    return _insert(s, actor, now, planned, {cust.id: cust})


_FACT_COLS = (Customer.id, Customer.name, Customer.tier, Customer.is_member, Customer.agent_login,
              Customer.registered_on, Customer.last_activity_on)


def _facts(rows) -> dict[int, CustomerFact]:  # noqa: ANN001
    return {r[0]: CustomerFact(*r) for r in rows}


def _gather(s: Session, now: datetime, since: datetime, *, cycles: bool = True, full: bool = False
            ) -> tuple[list[PlannedCallback], dict[int, CustomerFact], dict[str, int]]:
    """What the facts changed since ``since`` call for (read only), the customers they concern,
    and the ids of the work orders read (by number). Every read below is a range on an index of
    a change stamp, so a run with nothing new reads next to nothing; ``full`` adds the windows
    of every fact that can still produce work."""
    cal, policy = load_calendar(s), load_policy(s)
    today = now.date()
    horizon = today - timedelta(days=policy.history_days)
    horizon_at = datetime.combine(horizon, datetime.min.time())
    planned: list[PlannedCallback] = []
    customers: dict[int, CustomerFact] = {}
    conn = s.connection()

    def rows(stmt) -> list:  # noqa: ANN001
        return conn.execute(stmt).all()  # plain rows: the ORM's row loading cost ~20 µs a row

    def preload(ids: Iterable[int]) -> None:
        missing = list({i for i in ids if i not in customers})
        for i in range(0, len(missing), _BATCH):
            customers.update(_facts(rows(select(*_FACT_COLS).where(Customer.id.in_(missing[i : i + _BATCH])))))

    # Work orders changed since the last run (imports stamp updated_at), and open ones whose
    # planned completion has just passed (a time trigger: nothing else changes for them).
    passed_from = horizon_at if full else max(horizon_at, since)
    wos = rows(
        select(WorkOrder.id, WorkOrder.number, WorkOrder.customer_id, WorkOrder.service_type,
               WorkOrder.planned_completion, WorkOrder.actual_completion).where(
            or_(
                WorkOrder.updated_at >= since,
                WorkOrder.actual_completion.is_(None) & (WorkOrder.planned_completion < now)
                & (WorkOrder.planned_completion >= passed_from),
            )
        )
    )
    preload(w[2] for w in wos)
    wo_ids = {w[1]: w[0] for w in wos}
    for w in wos:
        planned += rules.for_work_order(WorkOrderFact(*w), customers[w[2]], policy, cal, now)

    changed_sale = Sale.updated_at >= since
    if full:
        changed_sale = or_(changed_sale, Sale.sold_on >= today - relativedelta(months=1, days=policy.history_days))
    sales = rows(select(Sale.id, Sale.contract_no, Sale.customer_id, Sale.sold_on).where(changed_sale))
    preload(x[2] for x in sales)
    for x in sales:
        planned += rules.for_sale(SaleFact(*x), customers[x[2]], policy, cal)

    changed_event = NonMemberEvent.updated_at >= since
    if full:
        changed_event = or_(changed_event, NonMemberEvent.occurred_on >= horizon)
    events = rows(select(NonMemberEvent.id, NonMemberEvent.customer_id, NonMemberEvent.kind,
                         NonMemberEvent.occurred_on).where(changed_event))
    preload(e[1] for e in events)
    for e in events:
        planned += rules.for_event(EventFact(*e), customers[e[1]], policy, cal)

    # Customer-level cycles (sleeping non-members, on-site cycles of major/strategic customers)
    # move with the date only: once a day is enough.
    if cycles:
        cyc = _facts(rows(select(*_FACT_COLS).where(
            or_(Customer.is_member == False, Customer.tier.in_(("major", "strategic"))))))  # noqa: E712
        for fact in cyc.values():
            customers.setdefault(fact.id, fact)
            planned += rules.for_customer(fact, policy, cal, today)

    # Chains and follow-ups of callbacks completed outside this app's own completion path.
    done = list(s.exec(select(Callback).where(Callback.status == "completed", Callback.completed_at >= since)))
    preload(c.customer_id for c in done)
    for cb in done:
        planned += rules.after_completion(completed_fact(cb), customers[cb.customer_id], policy, cal)

    # Chains continue past a lapsed, refused or unreachable link (SPEC §7).
    closed = list(s.exec(select(Callback).where(Callback.status.in_(CLOSED_UNDONE), Callback.updated_at >= since)))
    preload(c.customer_id for c in closed)
    for cb in closed:
        planned += rules.after_closing(cb.number, cb.customer_id, cb.kind, cb.trigger_ref, cb.deadline_on,
                                       customers[cb.customer_id], policy, cal)

    # History imports must not flood today's queue with long-dead work.
    planned = [p for p in planned if p.deadline_on >= horizon]
    return planned, customers, wo_ids


def _alert_stale(s: Session, actor: Actor, now: datetime, since: datetime, stale_days: int) -> None:
    """SPEC §7: open work that became ``stale_days`` past its deadline since the last run
    alerts the supervisor (one ``alert.stale`` audit row per run listing them)."""
    lo, hi = since.date() - timedelta(days=stale_days), now.date() - timedelta(days=stale_days)
    numbers = list(s.exec(select(Callback.number).where(
        Callback.status.in_(("open", "waiting_data")), Callback.deadline_on >= lo, Callback.deadline_on < hi)))
    if numbers:
        audit(s, actor, now, "alert.stale", "callback", f"{len(numbers)}", None,
              {"numbers": numbers[:200], "count": len(numbers), "stale_days": stale_days})
        # told once per crossing: two runs judging the same days write one notification
        named = ", ".join(numbers[:STALE_NAMED])
        outbox.emit(s, "stale", f"stale:{lo.isoformat()}:{hi.isoformat()}", t(
            "notify.msg.stale", count=len(numbers), days=stale_days,
            numbers=t("notify.msg.stale_more", numbers=named) if len(numbers) > STALE_NAMED else named),
            now, by=actor.login)


def _tell_summary_due(s: Session, actor: Actor, now: datetime) -> None:
    """000 §4.9: from the month's last working day (``domain.summary``) until it is approved or
    its due day has passed, the supervisor is told the 汇总表 is due — once a month (the ref is
    the month). The month before is looked at too: a run first made after its last working day."""
    from .report import OPEN, month_status

    cal, policy, today = load_calendar(s), load_policy(s), now.date()
    prev = today.replace(day=1) - timedelta(days=1)
    for month in (Month(prev.year, prev.month), Month(today.year, today.month)):
        due = summary_due(month.year, month.month, cal, policy)
        if due.visible_from <= today <= due.due_on and month_status(s, month).state == OPEN:
            outbox.emit(s, "summary_due", f"month:{month}", t(
                "notify.msg.summary_due", month=str(month), due=due.due_on.isoformat()), now, by=actor.login)


def _existing(s: Session, keys: list[tuple]) -> set[tuple]:
    """Which (customer_id, kind, trigger_ref) keys already have a callback, in any status.

    A VALUES list joined on the unique index: one index probe per key (a row-value IN list
    makes SQLite scan the whole index per chunk).
    """
    found: set[tuple] = set()
    for i in range(0, len(keys), _BATCH):
        chunk = keys[i : i + _BATCH]
        if len(keys) > _BATCH:  # every chunk the same size (the last repeats a key): one statement to compile
            chunk += [chunk[-1]] * (_BATCH - len(chunk))
        params = {}
        for j, (cid, kind, ref) in enumerate(chunk):
            params[f"c{j}"], params[f"k{j}"], params[f"r{j}"] = cid, kind, ref
        found.update(tuple(r) for r in s.connection().execute(_existing_query(len(chunk)), params))
    return found


@lru_cache(maxsize=8)
def _existing_query(n: int):  # noqa: ANN202
    # Plain text, built once per size: compiling 400 VALUES rows through the expression
    # language costs ~45 ms a chunk.
    rows = ", ".join(f"(:c{j}, :k{j}, :r{j})" for j in range(n))
    return text(f"WITH k(cid, kind, ref) AS (VALUES {rows}) "
                "SELECT c.customer_id, c.kind, c.trigger_ref FROM k JOIN callback c "
                "ON c.customer_id = k.cid AND c.kind = k.kind AND c.trigger_ref = k.ref")


@dataclass
class _Lookups:
    """What a callback row copies from elsewhere: the customer's primary contact, the work order's id."""

    contacts: dict[int, str]
    work_orders: dict[str, int]


def _lookups(s: Session, planned: list[PlannedCallback], known: dict[str, int] | None = None) -> _Lookups:
    """Contacts and work-order ids for ``planned``; work orders already in ``known`` are not read again."""
    known = known or {}
    return _Lookups(_primary_contacts(s, {p.customer_id for p in planned}),
                    _work_order_ids(s, [p.trigger_ref[3:] for p in planned
                                        if p.trigger_ref.startswith("wo:") and p.trigger_ref[3:] not in known]))


def _not_existing(s: Session, planned: list[PlannedCallback], looked: _Lookups) -> list[PlannedCallback]:
    """Those of ``planned`` (unique keys) that have no callback yet; their lookups are added to ``looked``."""
    existing = _existing(s, [p.key for p in planned])
    new = [p for p in planned if p.key not in existing]
    more = _lookups(s, new, looked.work_orders)
    looked.contacts.update(more.contacts)
    looked.work_orders.update(more.work_orders)
    return new


def _unique(planned: Iterable[PlannedCallback]) -> dict[tuple, PlannedCallback]:
    unique: dict[tuple, PlannedCallback] = {}
    for p in planned:
        unique.setdefault(p.key, p)
    return unique


def _insert(
    s: Session, actor: Actor, now: datetime, planned: list[PlannedCallback], customers: dict[int, CustomerFact],
    looked: _Lookups | None = None,
) -> list[str]:
    """Insert the planned callbacks that do not exist yet; returns their numbers. ``looked``:
    contacts and work orders read beforehand for these (a planner run reads them once, outside
    the write lock); read here otherwise."""
    unique = _unique(planned)
    if not unique:
        return []
    existing = _existing(s, list(unique))
    todo = [p for k, p in unique.items() if k not in existing]
    if not todo:
        return []
    numbers = _reserve_numbers(s, "HF", now.date(), len(todo))
    insert_many(s.connection(), Callback.__table__, _rows(s, now, todo, numbers, customers, looked or _lookups(s, todo)))
    _audit_created(s, actor, now, numbers)
    return numbers


def _insert_new(
    s: Session, actor: Actor, now: datetime, planned: list[PlannedCallback], customers: dict[int, CustomerFact],
    looked: _Lookups,
) -> list[str]:
    """Insert callbacks that a read moments ago (outside the write lock) found not to exist.

    On SQLite they are inserted as they are, skipping any key that exists after all, under a
    savepoint: if a writer planned one of them in between (fewer rows went in than were given),
    the chunk is undone, its numbers with it, and done the careful way, so numbers never have
    gaps. The check under the lock was a third of the planner's write time on a large centre.
    PostgreSQL takes the careful way (its planners serialise on an advisory lock)."""
    if not planned or s.get_bind().dialect.name != "sqlite":
        return _insert(s, actor, now, planned, customers, looked)
    s.flush()  # earlier chunks' audit rows belong before the savepoint
    conn = s.connection()
    conn.exec_driver_sql("SAVEPOINT plan_chunk")
    numbers = _reserve_numbers(s, "HF", now.date(), len(planned))
    stored = insert_many(conn, Callback.__table__, _rows(s, now, planned, numbers, customers, looked),
                         skip_existing=("customer_id", "kind", "trigger_ref"))
    if stored != len(planned):
        conn.exec_driver_sql("ROLLBACK TO plan_chunk")
        conn.exec_driver_sql("RELEASE plan_chunk")
        return _insert(s, actor, now, planned, customers, looked)
    conn.exec_driver_sql("RELEASE plan_chunk")
    _audit_created(s, actor, now, numbers)
    return numbers


def _rows(s: Session, now: datetime, todo: list[PlannedCallback], numbers: list[str],
          customers: dict[int, CustomerFact], looked: _Lookups) -> list[dict]:
    contacts, wo_ids = looked.contacts, looked.work_orders
    followup = _setting(s, "followup_login") or None
    inactive = set(s.exec(select(User.login).where(User.active == False)))  # noqa: E712
    rows = []
    for p, number in zip(todo, numbers, strict=True):
        agent = {"agent": customers[p.customer_id].agent, "followup": followup}.get(p.assignee)
        if agent in inactive:
            agent = None  # a disabled user gets no new work: it goes to the pool
        rows.append({  # columns left out take their plain defaults (store/bulk.py)
            "number": number, "customer_id": p.customer_id, "kind": p.kind, "trigger_ref": p.trigger_ref,
            "work_order_id": wo_ids.get(p.trigger_ref[3:]) if p.trigger_ref.startswith("wo:") else None,
            "channel": "onsite" if p.kind in ("onsite", "annual_visit") else "phone",
            "assignee": p.assignee, "agent_login": agent, "priority": p.priority, "due_on": p.due_on,
            "planned_due_on": p.due_on,
            "deadline_on": p.deadline_on, "deadline_at": p.deadline_at, "estimated": p.estimated,
            "contact_name": contacts.get(p.customer_id, ""), "created_at": now, "updated_at": now,
        })
    return rows


def _audit_created(s: Session, actor: Actor, now: datetime, numbers: list[str]) -> None:
    audit(s, actor, now, "plan.create", "callback", f"{len(numbers)}", None,
          {"numbers": numbers[:200], "count": len(numbers)})


def plan_annual_visit(store: Store, actor: Actor, customer_name: str, planned_on: date, n: int = 1) -> str:
    """年度走访 (000 二.3, §4.10): the supervisor approves the n-th visit of the year for a
    key/major/strategic customer; it lands in the sales manager's queue."""
    from ..core.i18n import t
    from .base import NotFound, ServiceError

    from ..domain import dates

    if not dates.in_range(planned_on):
        raise ServiceError(t("cli.date_range", option="date", value=planned_on.isoformat(),
                             first=dates.FIRST.isoformat(), last=dates.LAST.isoformat()))
    now = store.now()
    with store.write() as s:
        acting(s, actor, "supervisor")
        serialize(s, "planner")
        c = s.exec(select(Customer).where(Customer.name == customer_name)).first()
        if c is None:
            raise NotFound(t("visit.no_customer", name=customer_name))
        cal, policy = load_calendar(s), load_policy(s)
        if not 1 <= n <= policy.annual_visits_max:
            raise ServiceError(t("visit.bad_n", n=n, max=policy.annual_visits_max))
        planned = rules.annual_visit(customer_fact(c), planned_on, n, policy, cal)
        if not planned:
            raise ServiceError(t("visit.tier", name=customer_name, tier=t(f"tier.{c.tier}")))
        numbers = _insert(s, actor, now, planned, {c.id: customer_fact(c)})
        if not numbers:
            raise ServiceError(t("visit.exists", name=customer_name, year=planned_on.year, n=n))
    return numbers[0]


def _cancel_progress_checks(s: Session, actor: Actor, now: datetime) -> int:
    """A progress_check is moot once the work order's completion has arrived (000 §4.5)."""
    ids = list(
        s.exec(
            select(Callback.id)
            .join(WorkOrder, WorkOrder.id == Callback.work_order_id)
            .where(Callback.kind == "progress_check", Callback.status == "open",
                   WorkOrder.actual_completion.is_not(None),
                   # one an agent has open right now waits for the next run
                   or_(Callback.claimed_by.is_(None), Callback.claimed_at < now - timedelta(minutes=10)))
            # PostgreSQL: lock them; one being saved right now waits for the next run (the planner
            # never waits on a row lock while it holds the planner lock: no deadlock with a save)
            .with_for_update(of=Callback, skip_locked=True)
        )
    )
    if not ids:
        return 0
    s.exec(
        update(Callback).where(Callback.id.in_(ids), Callback.status == "open")
        .values(status="cancelled", outcome="cancelled", updated_at=now, version=Callback.version + 1)
    )
    audit(s, actor, now, "plan.cancel", "callback", f"{len(ids)}", None, {"ids": ids[:200], "reason": "completed"})
    return len(ids)


def _reopen_corrected(s: Session, actor: Actor, now: datetime) -> int:
    """A callback waiting for a corrected number (号码错误) goes back to the queue once the
    contact's number has been corrected (e.g. by a customers import)."""
    waiting = list(s.exec(select(Callback).where(Callback.status == "waiting_data")
                          .with_for_update(skip_locked=True)))  # one being saved now: next run
    if not waiting:
        return 0
    cids = list({cb.customer_id for cb in waiting})
    corrected: set[tuple[int, str]] = set()
    for i in range(0, len(cids), _BATCH):
        corrected.update(s.exec(select(Contact.customer_id, Contact.name).where(
            Contact.customer_id.in_(cids[i : i + _BATCH]), Contact.needs_correction == False)))  # noqa: E712
    reopened = [cb for cb in waiting if (cb.customer_id, cb.contact_name) in corrected]
    for cb in reopened:
        cb.status, cb.due_on = "open", max(cb.due_on, now.date())
        cb.updated_at, cb.version = now, cb.version + 1
        s.add(cb)
    if reopened:
        audit(s, actor, now, "plan.reopen", "callback", f"{len(reopened)}", None,
              {"numbers": [c.number for c in reopened[:200]], "reason": "contact corrected"})
    return len(reopened)


def _reserve_numbers(s: Session, prefix: str, on: date, n: int) -> list[str]:
    key = f"{prefix}{on:%Y%m}"
    end = reserve(s, key, n, seed=lambda: _highest(s, key))
    width = max(3, len(str(end)))
    return [f"{key}{i:0{width}d}" for i in range(end - n + 1, end + 1)]


def _highest(s: Session, key: str) -> int:
    """Seed a missing month counter from numbers already stored (e.g. written by a restore)."""
    from sqlalchemy import func

    top = s.exec(select(func.max(Callback.number)).where(Callback.number.like(f"{key}%"))).one()
    return int(top[len(key):]) if top and top[len(key):].isdigit() else 0


def _primary_contacts(s: Session, cids: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    ids = list(cids)
    for i in range(0, len(ids), _BATCH):  # plain rows: building Contact objects costs ~50 µs each
        for cid, name, primary in s.connection().execute(
                select(Contact.customer_id, Contact.name, Contact.is_primary).where(Contact.customer_id.in_(ids[i : i + _BATCH]))):
            if primary or cid not in out:
                out[cid] = name
    return out


def _work_order_ids(s: Session, numbers: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    uniq = list(set(numbers))
    for i in range(0, len(uniq), _BATCH):
        for wid, num in s.connection().execute(
                select(WorkOrder.id, WorkOrder.number).where(WorkOrder.number.in_(uniq[i : i + _BATCH]))):
            out[num] = wid
    return out


def _setting(s: Session, key: str) -> str:
    row = s.get(Setting, key)
    return row.value if row else ""
