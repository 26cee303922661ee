"""The demo centre's facts and history (fictional data from ``data/demo/*.toml``).

``build_demo`` writes a realistic centre in one write transaction: users, ~200 customers over
all tiers (members and non-members) with 2–3 contacts each, work orders in every state,
sales, non-member events and six months of completed callbacks with their call attempts.
Every date is relative to ``today`` so there is always work due, and the result is fully
determined by ``seed`` and ``today``. Open callbacks are not written here: the planner
(``services.planner.run_planner``) creates them from these facts afterwards.

Trigger references of the history follow ``domain.rules`` so the planner sees them as done:
``completion`` / ``usage`` → ``wo:<work order number>``; ``first_sale`` → ``sale:<contract no>``;
``quarterly`` / ``low_score`` → ``cb:<number of the callback that triggered it>``;
``onsite`` cycles → ``onsite:<year>-<index>``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from ..domain.calendar import WorkCalendar
from ..domain.dates import add_months
from ..domain.follow_up import DEFAULT_THRESHOLD, any_low
from ..store.models import CallAttempt, Callback, Contact, Counter, Customer, NonMemberEvent, Sale, WorkOrder

TIERS = ("standard", "key", "major", "strategic")
ONSITE_TYPES = ("install", "commission", "repair")
_TIER_WEIGHT = {"standard": 1, "key": 2, "major": 4, "strategic": 6}
_RETRY_OUTCOMES = ("no_answer", "busy", "phone_off")



# -- the generator --------------------------------------------------------------------


@dataclass(slots=True)
class _Hist:
    """A completed callback before numbering (trigger may be another _Hist)."""

    customer: Customer
    kind: str
    trigger: Any
    created_at: datetime
    due_on: date
    deadline_on: date
    completed_at: datetime
    agent: str
    work_order: WorkOrder | None = None
    assignee: str = "agent"
    deadline_at: datetime | None = None
    low: bool = False
    force_low: bool = False
    cb: Callback | None = None
    attempts: list[CallAttempt] = field(default_factory=list)


class DemoFacts:
    """The demo centre's facts and history, drawn from the templates with a seeded random."""

    def __init__(self, tpl: dict[str, Any], today: date, seed: int, n: int, cal: WorkCalendar):
        self.t = tpl
        self.cal = cal  # the store's own working-day calendar (PRC holidays, 调休, overrides)
        self.today = today
        self.rng = random.Random(f"huifang-demo:{seed}")
        self.n = n
        self.scale = n / 200
        self.users = tpl["users"]
        self.agents = [u["login"] for u in self.users if u["role"] == "agent"]
        sup = [u["login"] for u in self.users if u["role"] == "supervisor"]
        self.supervisor = sup[0] if sup else "supervisor"
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.customers: list[Customer] = []
        self.contacts: dict[int, list[Contact]] = {}
        self.work_orders: list[WorkOrder] = []
        self.sales: list[Sale] = []
        self.events: list[NonMemberEvent] = []
        self.hist: list[_Hist] = []
        self.members: list[Customer] = []
        self._last_activity: dict[int, date] = {}
        self._showcase_low: WorkOrder | None = None

    # small helpers ---------------------------------------------------------------
    def sub_wd(self, d: date, n: int) -> date:
        """The n-th working day strictly before d (n >= 1); n <= 0 rolls d back."""
        return self.cal.on_or_before(d) if n <= 0 else self.cal.add_working_days(d, -n)

    def k(self, base: int, minimum: int = 1) -> int:
        return max(minimum, round(base * self.scale))

    def at(self, d: date, lo: int = 9, hi: int = 17) -> datetime:
        """A working-hours moment on d (09:00–11:55, 13:30–17:25 by default)."""
        r = self.rng
        while True:
            h = r.randint(lo, hi)
            m = r.randrange(0, 60, 5)
            if h == 12 or (h == 13 and m < 30) or (h == 17 and m > 25):
                continue
            return datetime.combine(d, time(h, m))

    def person(self) -> tuple[str, str]:
        r = self.rng
        sur = r.choice(list(self.t["surnames"].items()))
        chars = list(self.t["given_chars"].items())
        given = [r.choice(chars) for _ in range(r.choice((1, 2, 2)))]
        name = sur[0] + "".join(c for c, _ in given)
        py = sur[1] + "".join(p for _, p in given)
        return name, py

    def phone(self) -> str:
        while True:
            p = self.rng.choice(self.t["phone_prefixes"]) + f"{self.rng.randrange(10**8):08d}"
            if p not in self.phones:
                self.phones.add(p)
                return p

    def email(self, py: str) -> str:
        dom = self.rng.choice(self.t["email_domains"])
        local = py
        while f"{local}@{dom}" in self.emails:
            local = f"{py}{self.rng.randint(1, 99)}"
        self.emails.add(f"{local}@{dom}")
        return f"{local}@{dom}"

    def touch(self, c: Customer, d: date) -> None:
        prev = self._last_activity.get(c.id)  # type: ignore[arg-type]
        if prev is None or d > prev:
            self._last_activity[c.id] = d  # type: ignore[index]

    def agent_for(self, c: Customer) -> str:
        return c.agent_login or self.rng.choice(self.agents)

    def pick_member(self, agent: str | None = None) -> Customer:
        pool = [c for c in self.members if agent is None or c.agent_login == agent] or self.members
        return self.rng.choices(pool, weights=[_TIER_WEIGHT[c.tier] for c in pool])[0]

    # customers -------------------------------------------------------------------
    def build_customers(self) -> None:
        r, today, n = self.rng, self.today, self.n
        n_str = self.k(4) if n >= 20 else 1
        n_maj = self.k(10) if n >= 20 else 1
        n_key = max(1, round(n * 0.17))
        tiers = ["strategic"] * n_str + ["major"] * n_maj + ["key"] * n_key
        tiers += ["standard"] * max(0, n - len(tiers))
        tiers = tiers[:n]
        r.shuffle(tiers)
        # ~30% non-members, all of them standard or key (major/strategic are members).
        idx_key = [i for i, t in enumerate(tiers) if t == "key"]
        idx_std = [i for i, t in enumerate(tiers) if t == "standard"]
        n_nm = round(n * 0.3)
        nm_key = min(len(idx_key), max(1, round(n_nm * 0.08)))
        nm_std = min(len(idx_std), n_nm - nm_key)
        non_members = set(r.sample(idx_key, nm_key) + r.sample(idx_std, nm_std))
        unassigned = set(r.sample(range(n), min(n, self.k(6))))

        regions = [(reg["province"], city) for reg in self.t["regions"] for city in reg["cities"]]
        names: set[str] = set()
        for i, tier in enumerate(tiers):
            prov, city = r.choice(regions)
            for _ in range(1000):
                name = city + r.choice(self.t["companies"]["cores"]) + r.choice(self.t["companies"]["suffixes"])
                if name not in names:
                    break
            else:  # pragma: no cover - templates far larger than any demo
                name = f"{name}{i}"
            names.add(name)
            agent = None if i in unassigned else self.agents[r.randrange(len(self.agents))]
            c = Customer(
                id=i + 1,
                name=name,
                tier=tier,
                is_member=i not in non_members,
                agent_login=agent,
                region=prov + city + "市",
                created_at=datetime.combine(today, time(8, 0)),
                updated_at=datetime.combine(today, time(8, 0)),
            )
            self.customers.append(c)
            self.build_contacts(c)
        self.members = [c for c in self.customers if c.is_member]
        # Make sure agent1 (the demo's main seat) has members of its own.
        if self.agents and not any(c.agent_login == self.agents[0] for c in self.members):
            self.members[0].agent_login = self.agents[0]

    def build_contacts(self, c: Customer) -> None:
        r = self.rng
        roles = list(self.t["contacts"]["roles"])
        first = r.choice([roles[0], roles[2]])
        rest = [x for x in roles if x != first]
        r.shuffle(rest)
        count = r.choice((2, 2, 3))
        out: list[Contact] = []
        used: set[str] = set()
        for j, role in enumerate([first, *rest][:count]):
            name, py = self.person()
            while name in used:
                name, py = self.person()
            used.add(name)
            out.append(
                Contact(
                    customer_id=c.id,  # type: ignore[arg-type]
                    name=name,
                    role=role,
                    phone=self.phone(),
                    email=self.email(py) if r.random() < 0.7 else "",
                    is_primary=j == 0,
                )
            )
        self.contacts[c.id] = out  # type: ignore[index]

    def set_customer_dates(self) -> None:
        """Registration and last activity; non-members shaped for nm_new / nm_inactive / nm_event."""
        r, today = self.rng, self.today
        nms = [c for c in self.customers if not c.is_member]
        r.shuffle(nms)
        n_new, n_inact, n_evt = self.k(4, 2), self.k(8, 2), self.k(9, 3)
        new, inact, evt = nms[:n_new], nms[n_new : n_new + n_inact], nms[n_new + n_inact : n_new + n_inact + n_evt]
        for j, c in enumerate(new):
            d = self.sub_wd(today, 1 + j % 3)
            c.registered_on = d
            c.last_activity_on = d
            c.created_at = c.updated_at = self.at(d)
            note = r.choice(self.t["events"]["registration"])
            self.events.append(NonMemberEvent(customer_id=c.id, kind="registration", occurred_on=d, note=note))
        for c in inact:
            if c.tier == "standard":
                last = add_months(today, -6) - timedelta(days=r.randint(0, 15))
            else:  # key and above: 3 months without activity
                last = add_months(today, -3) - timedelta(days=r.randint(0, 10))
            c.last_activity_on = last
            c.registered_on = last - timedelta(days=r.randint(30, 900))
        for j, c in enumerate(evt):
            d = self.sub_wd(today, 1 + j % 2)
            kind = "inquiry" if j % 2 == 0 else "activity"
            note = r.choice(self.t["events"][kind])
            self.events.append(NonMemberEvent(customer_id=c.id, kind=kind, occurred_on=d, note=note))
            c.last_activity_on = d
            c.registered_on = d - timedelta(days=r.randint(40, 1100))
        shaped = {c.id for c in new + inact + evt}
        for c in nms:
            if c.id in shaped:
                continue
            span = (10, 80) if c.tier != "standard" else (10, 170)
            c.last_activity_on = today - timedelta(days=r.randint(*span))
            c.registered_on = c.last_activity_on - timedelta(days=r.randint(20, 1100))
        for c in self.members:
            c.registered_on = today - timedelta(days=r.randint(200, 2200))
            base = today - timedelta(days=r.randint(1, 120))
            c.last_activity_on = max(base, self._last_activity.get(c.id, base))  # type: ignore[arg-type]
        for c in self.customers:
            if c.created_at.date() == today and c.registered_on and c.registered_on < today:
                c.created_at = self.at(c.registered_on)
            c.updated_at = max(c.created_at, datetime.combine(c.last_activity_on or today, time(17, 30)))
            c.updated_at = min(c.updated_at, datetime.combine(today, time(8, 0)))

    # sales -----------------------------------------------------------------------
    def build_sales(self) -> None:
        r, today = self.rng, self.today
        products = self.t["products"]
        by_kind = {k: [p for p in products if p["kind"] == k] for k in ("machine", "control", "part")}
        n_recent = self.k(4, 2)
        total = max(n_recent + 1, round(self.n * 0.4))
        plan: list[tuple[date, Customer]] = []
        for j in range(total):
            if j < n_recent:
                d = self.sub_wd(today, 1 + j % 4)
                c = self.pick_member(self.agents[0] if j == 0 else None)
            else:
                d = self.cal.on_or_before(today - timedelta(days=r.randint(8, 180)))
                c = self.pick_member()
            plan.append((d, c))
        plan.sort(key=lambda x: (x[0], x[1].id))
        seq: dict[str, int] = {}
        for d, c in plan:
            kind = r.choices(("machine", "control", "part"), weights=(45, 15, 40))[0]
            p = r.choice(by_kind[kind] or products)
            qty = r.randint(*p["quantity"])
            price = r.randint(*p["price"])
            amount = price * (qty if p["kind"] != "part" else 1)
            amount = (amount // 100) * 100
            ym = f"{d:%Y%m}"
            seq[ym] = seq.get(ym, 0) + 1
            self.sales.append(
                Sale(
                    id=len(self.sales) + 1,
                    contract_no=f"{self.t['sales']['contract_prefix']}{ym}{seq[ym]:03d}",
                    customer_id=c.id,  # type: ignore[arg-type]
                    product=p["name"],
                    sold_on=d,
                    quantity=qty,
                    amount=Decimal(amount).quantize(Decimal("0.01")),
                )
            )
            self.touch(c, d)

    # work orders -----------------------------------------------------------------
    def _product_for(self, problem: dict[str, Any]) -> str:
        products = self.t["products"]
        hint = problem.get("product_hint")
        pool = [p for p in products if hint in p["name"]] if hint else [p for p in products if p["kind"] == "machine"]
        return self.rng.choice(pool or products)["name"]

    def _problem(self, service_type: str) -> dict[str, Any]:
        pool = [p for p in self.t["problems"] if p["service_type"] == service_type]
        return self.rng.choice(pool)

    def _service_type(self, onsite_only: bool = False) -> str:
        if onsite_only:
            return self.rng.choices(ONSITE_TYPES, weights=(25, 25, 50))[0]
        return self.rng.choices((*ONSITE_TYPES, "consult"), weights=(15, 15, 50, 20))[0]

    def _wo(
        self,
        c: Customer,
        service_type: str,
        accepted: datetime,
        planned: datetime,
        actual: datetime | None,
        sale: Sale | None = None,
    ) -> WorkOrder:
        r = self.rng
        prob = self._problem(service_type)
        contact = r.choice(self.contacts[c.id])  # type: ignore[index]
        done = actual is not None
        if done:
            status = "已完成"
        elif accepted.date() >= self.sub_wd(self.today, 1):
            status = "已受理"
        else:
            status = "处理中"
        prio = r.choices(("urgent", "normal", "low"), weights=(15, 70, 15))[0]
        wo = WorkOrder(
            number="",
            customer_id=c.id,  # type: ignore[arg-type]
            contact_name=contact.name,
            contact_phone=contact.phone,
            product=sale.product if sale else self._product_for(prob),
            description=prob["description"],
            priority=prio,
            group_name=prob["group"],
            owner=r.choice(self.t["staff"]["service"]),
            accepted_at=accepted,
            planned_completion=planned,
            actual_completion=actual,
            feedback_at=(actual + timedelta(minutes=r.randrange(10, 120, 5))) if actual else None,
            solution=r.choice(prob["solutions"]) if done else "",
            customer_confirmed=r.choice(("已签字", "已确认", "已签字")) if done else "",
            status=status,
            service_type=service_type,
            contract_no=sale.contract_no if sale else "",
            updated_at=(actual or accepted) + timedelta(hours=1),
        )
        self.work_orders.append(wo)
        self.touch(c, accepted.date())
        return wo

    def _completed(self, c: Customer, st: str, done_day: date, sale: Sale | None = None) -> WorkOrder:
        """A work order completed on done_day, accepted a few working days before."""
        r = self.rng
        span = 0 if st == "consult" else r.randint(1, 4)
        acc_day = self.sub_wd(done_day, span) if span else done_day
        accepted = self.at(acc_day, 9, 11)
        actual = self.at(done_day, 13 if span == 0 else 9, 17)
        if actual <= accepted:
            actual = accepted + timedelta(hours=2)
        late = r.random() < 0.15 and span > 0
        planned_day = self.sub_wd(done_day, 1) if late else self.cal.add_working_days(done_day, r.choice((0, 0, 1)))
        planned = datetime.combine(max(planned_day, acc_day), time(18, 0))
        return self._wo(c, st, accepted, planned, actual, sale)

    def build_work_orders(self) -> None:
        r, today = self.rng, self.today
        total = max(20, round(self.n * 1.5))
        machine_sales = [
            s for s in self.sales if s.sold_on <= today - timedelta(days=30) and "机" in s.product
        ]
        cust_by_id = {c.id: c for c in self.customers}
        agent1 = self.agents[0] if self.agents else None

        # completed yesterday / a few working days ago -> completion callbacks
        n_recent = self.k(10, 3)
        for j in range(n_recent):
            back = 1 if j < max(1, n_recent * 2 // 5) else r.randint(2, 3)
            c = self.pick_member(agent1 if j == 0 else None)
            self._completed(c, self._service_type(), self.sub_wd(today, back))
        # on-site work completed 2–3 months ago -> usage callbacks
        for _ in range(self.k(12, 2)):
            done = self.cal.on_or_before(today - timedelta(days=r.randint(58, 75)))
            self._completed(self.pick_member(), self._service_type(onsite_only=True), done)
        # planned completion passed, nothing reported -> progress_check
        for j in range(self.k(8, 2)):
            c = self.pick_member(agent1 if j == 0 else None)
            planned_day = self.sub_wd(today, 1 + j % 4)
            acc_day = self.sub_wd(planned_day, r.randint(1, 5))
            st = self._service_type(onsite_only=True)
            self._wo(c, st, self.at(acc_day, 9, 11), datetime.combine(planned_day, time(17, 30)), None)
        # accepted / in progress, planned completion still ahead
        for j in range(self.k(30, 3)):
            acc_day = self.sub_wd(today, 1 + j % 5)  # never "today": the clock may still be at 08:00
            accepted = self.at(acc_day, 9, 11)
            planned_day = max(self.cal.add_working_days(acc_day, r.randint(2, 8)), self.cal.add_working_days(today, 1))
            self._wo(self.pick_member(), self._service_type(), accepted, datetime.combine(planned_day, time(18, 0)), None)
        # one completed a few days ago whose callback (yesterday) scored low -> low_score
        showcase = self._completed(self.pick_member(), "repair", self.sub_wd(today, 3))
        self._showcase_low = showcase
        # history: completed over the past six months
        while len(self.work_orders) < total:
            st = self._service_type()
            sale = None
            if st == "install" and machine_sales:
                sale = r.choice(machine_sales)
                c = cust_by_id[sale.customer_id]
                done = self.cal.add_working_days(sale.sold_on, r.randint(5, 15))
                if done > today - timedelta(days=16):
                    done = self.cal.on_or_before(today - timedelta(days=16))
            else:
                c = self.pick_member()
                done = self.cal.on_or_before(today - timedelta(days=r.randint(16, 178)))
            self._completed(c, st, done, sale)

    # callback history ------------------------------------------------------------
    def _scores(self, force_low: bool = False) -> tuple[int, int]:
        r = self.rng
        res = r.choices((1, 2, 3, 4, 5), weights=(2, 3, 10, 35, 50))[0]
        if force_low:
            res = 2
        att = min(5, max(1, res + r.choice((-1, 0, 0, 1, 1))))
        return res, att

    def _hist(
        self,
        c: Customer,
        kind: str,
        trigger: Any,
        created_at: datetime,
        due: date,
        deadline: date,
        *,
        wo: WorkOrder | None = None,
        force_low: bool = False,
        done_day: date | None = None,
    ) -> _Hist | None:
        """A completed callback; None when it would not be finished before today."""
        r = self.rng
        n_att = r.choices((1, 2, 3), weights=(70, 20, 10))[0]
        day = done_day or (self.cal.add_working_days(due, n_att - 1) if n_att > 1 else due)
        if day >= self.today:
            n_att, day = 1, due
        if day >= self.today:
            return None
        completed_at = self.at(day)
        if completed_at <= created_at:
            completed_at = created_at + timedelta(minutes=30)
            if completed_at.date() >= self.today:
                return None
        h = _Hist(
            customer=c,
            kind=kind,
            trigger=trigger,
            created_at=created_at,
            due_on=due,
            deadline_on=deadline,
            completed_at=completed_at,
            agent=self.agent_for(c),
            work_order=wo,
            force_low=force_low,
        )
        h.attempts = [CallAttempt(callback_id=0, at=completed_at, agent_login=h.agent, outcome="completed")]
        d = day
        for _ in range(n_att - 1):
            d = self.sub_wd(d, 1)
            if d < due:
                break
            at = self.at(d)
            if at >= h.attempts[0].at:
                continue
            h.attempts.insert(
                0, CallAttempt(callback_id=0, at=at, agent_login=h.agent, outcome=r.choice(_RETRY_OUTCOMES))
            )
        self.hist.append(h)
        return h

    def build_history(self) -> None:
        r, today = self.rng, self.today
        cust_by_id = {c.id: c for c in self.customers}
        horizon = today - timedelta(days=183)
        for wo in self.work_orders:
            if wo.actual_completion is None:
                continue
            c = cust_by_id[wo.customer_id]
            done = wo.actual_completion.date()
            due = self.cal.add_working_days(done, 1)
            deadline = self.cal.add_working_days(done, 3)
            created = wo.actual_completion + timedelta(minutes=30)
            if wo is self._showcase_low:
                self._hist(c, "completion", wo, created, due, deadline, wo=wo, force_low=True, done_day=self.sub_wd(today, 1))
            elif deadline < today and done >= horizon:
                self._hist(c, "completion", wo, created, due, deadline, wo=wo)
            # usage: two months after on-site work, unless it is due about now
            if wo.service_type in ONSITE_TYPES and done <= today - timedelta(days=76):
                udue = self.cal.on_or_after(add_months(done, 2))
                udead = self.cal.on_or_before(add_months(done, 3))
                if udue < today - timedelta(days=3):
                    self._hist(c, "usage", wo, created, udue, udead, wo=wo)
        first_done: dict[int, _Hist] = {}
        for sale in self.sales:
            if sale.sold_on > today - timedelta(days=7):
                continue
            c = cust_by_id[sale.customer_id]
            created = datetime.combine(sale.sold_on, time(17, 40))
            h = self._hist(c, "first_sale", sale, created, self.cal.add_working_days(sale.sold_on, 1),
                           self.cal.on_or_before(add_months(sale.sold_on, 1)))
            if h and (sale.customer_id not in first_done or h.completed_at < first_done[sale.customer_id].completed_at):
                first_done[sale.customer_id] = h
        # quarterly chains from each customer's earliest first_sale callback
        for cid in sorted(first_done):
            prev = first_done[cid]
            while True:
                due = self.cal.on_or_after(add_months(prev.completed_at.date(), 3))
                if due > today - timedelta(days=3):
                    break
                nxt = self._hist(
                    cust_by_id[cid], "quarterly", prev, prev.completed_at + timedelta(minutes=1),
                    due, self.cal.on_or_before(add_months(due, 1)),
                )
                if nxt is None:
                    break
                prev = nxt
        self._onsite_history(horizon)
        # fill in what was said, then low-score follow-ups for the older low scores
        for h in list(self.hist):
            self._fill(h)
        for h in list(self.hist):
            if h.low and h.completed_at.date() < self.sub_wd(today, 1):
                start = h.completed_at + timedelta(minutes=r.randrange(20, 120, 5))
                start = min(start, datetime.combine(start.date(), time(17, 50)))
                f = _Hist(
                    customer=h.customer,
                    kind="low_score",
                    trigger=h,
                    created_at=h.completed_at + timedelta(minutes=1),
                    due_on=h.completed_at.date(),
                    deadline_on=(h.completed_at + timedelta(hours=24)).date(),
                    deadline_at=h.completed_at + timedelta(hours=24),
                    completed_at=start,
                    agent=self.supervisor,
                    assignee="followup",
                    work_order=h.work_order,
                )
                f.attempts = [CallAttempt(callback_id=0, at=start, agent_login=f.agent, outcome="completed")]
                self._fill(f)
                self.hist.append(f)

    def _onsite_history(self, horizon: date) -> None:
        """Past on-site cycles of major/strategic customers done; the current one for about half."""
        from ..domain.policy import Policy

        r, today = self.rng, self.today
        cycle_months = Policy().onsite_cycle_months
        for c in self.customers:
            m = cycle_months.get(c.tier, 0)
            if not m:
                continue
            year, index = today.year, (today.month - 1) // m + 1
            current = True
            while True:
                start = date(year, (index - 1) * m + 1, 1)
                end = add_months(start, m) - timedelta(days=1)
                if end < horizon:
                    break
                first = max(start, horizon)
                last = min(end, today - timedelta(days=1))
                span = (last - first).days
                if span >= 5 and (not current or r.random() < 0.5):
                    day = self.cal.on_or_before(first + timedelta(days=r.randint(3, span)))
                    if first <= day < today:
                        created = datetime.combine(start, time(8, 30))
                        h = self._hist(c, "onsite", f"onsite:{year}-{index}", created,
                                       self.cal.on_or_after(start), self.cal.on_or_before(end), done_day=day)
                        if h is not None:
                            h.assignee = "supervisor"
                            h.attempts = h.attempts[-1:]
                current = False
                year, index = (year, index - 1) if index > 1 else (year - 1, 12 // m)

    def _fill(self, h: _Hist) -> None:
        r = self.rng
        t = self.t["callbacks"]
        contacts = self.contacts[h.customer.id]  # type: ignore[index]
        primary = contacts[0]
        reached = primary if r.random() < 0.85 else r.choice(contacts)
        position = r.choice(self.t["positions"].get(reached.role, [reached.role]))
        channel = r.choices(("phone", "email", "online"), weights=(88, 6, 6))[0]
        if h.customer.tier in ("major", "strategic") and r.random() < 0.15:
            channel = "onsite"
        cb = Callback(
            number="",
            customer_id=h.customer.id,  # type: ignore[arg-type]
            work_order_id=h.work_order.id if h.work_order else None,
            kind=h.kind,
            trigger_ref="",
            channel="onsite" if h.kind == "onsite" else "phone" if h.kind == "low_score" else channel,
            assignee=h.assignee,
            agent_login=h.agent,
            due_on=h.due_on,
            deadline_on=h.deadline_on,
            deadline_at=h.deadline_at,
            status="completed",
            attempts=len(h.attempts),
            outcome="completed",
            completed_at=h.completed_at,
            contact_name=primary.name,
            reached_name=reached.name,
            reached_position=position,
            version=len(h.attempts),
            created_at=h.created_at,
            updated_at=h.completed_at,
        )
        if h.kind == "low_score":
            cb.note = "已致电致歉，" + r.choice(t["improvements"])
        else:
            res, att = self._scores(h.force_low)
            cb.score_resolution, cb.score_attitude = res, att
            h.low = any_low((res, att), DEFAULT_THRESHOLD)  # the demo runs on the default policy
            if h.low:
                cb.suggestions = r.choice(t["low_score_suggestions"])
                cb.negative_feedback = h.force_low or r.random() < 0.6
                cb.improvement = r.choice(t["improvements"])
            else:
                cb.suggestions = r.choice(t["suggestions"]) if r.random() < 0.6 else ""
            if r.random() < 0.08:
                cb.sales_lead = True
                cb.needs = r.choice(t["needs"])
            if r.random() < 0.05:
                cb.competitor = r.choice(t["competitors"])
            cb.note = r.choice(t["notes"])
        last = h.attempts[-1]
        last.reached_name, last.reached_position = reached.name, position
        h.cb = cb

    # numbering and ids -----------------------------------------------------------
    def number_and_link(self, s) -> list[Counter]:  # noqa: ANN001
        """Ids and document numbers in date order; returns the updated month counters.

        Same numbers as ``services.base.next_number`` would give (it continues any existing
        counter), without its flush per number: 800 flushes were half the build time.
        """
        counters: dict[str, Counter] = {}

        def number(prefix: str, on: date) -> str:
            key = f"{prefix}{on:%Y%m}"
            row = counters.get(key)
            if row is None:
                row = counters[key] = s.get(Counter, key) or Counter(key=key, value=0)
            row.value += 1
            return f"{key}{row.value:03d}"

        self.work_orders.sort(key=lambda w: (w.accepted_at, w.customer_id))
        for i, wo in enumerate(self.work_orders, 1):
            wo.id = i
            wo.number = number("SX", wo.accepted_at.date())  # type: ignore[union-attr]
        self.hist.sort(key=lambda h: (h.created_at, h.customer.id, h.kind))
        att_id = 0
        for i, h in enumerate(self.hist, 1):
            cb = h.cb
            assert cb is not None
            cb.id = i
            cb.number = number("HF", h.created_at.date())
            cb.work_order_id = h.work_order.id if h.work_order else None
            for a in h.attempts:
                att_id += 1
                a.id = att_id
                a.callback_id = i
        for h in self.hist:
            trig = h.trigger
            if isinstance(trig, WorkOrder):
                h.cb.trigger_ref = f"wo:{trig.number}"  # type: ignore[union-attr]
            elif isinstance(trig, Sale):
                h.cb.trigger_ref = f"sale:{trig.contract_no}"  # type: ignore[union-attr]
            elif isinstance(trig, str):
                h.cb.trigger_ref = trig  # type: ignore[union-attr]
            else:
                h.cb.trigger_ref = f"cb:{trig.cb.number}"  # type: ignore[union-attr]
        for i, c in enumerate(self.events, 1):
            c.id = i
        cid = 0
        for c in self.customers:
            for ct in self.contacts[c.id]:  # type: ignore[index]
                cid += 1
                ct.id = cid
        return list(counters.values())
