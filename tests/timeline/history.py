"""One month of a callback centre's life, told as what people did and when (issue 23).

October 2026 has the National Day holiday in it (10-01..10-07 off, Saturday 10-10 a working
day), and the history starts before it: an issue raised on 09-29 waits on the customer across
the holiday. Everything goes through the command line (``huifang record``, ``huifang issue``,
``huifang plan``), in this process, as the person named on each step.

A history is replayed on a fresh store in one of two ways:

- ``in_time``: the clock is moved to each step's stated time and the command is typed then,
  without ``--when`` (what a centre that types as it works would have);
- ``afterwards``: the clock stands after the month (2026-11-03, before any approval) and every
  step is typed in one go with ``--when`` its stated time (``plan --now`` for the planner run;
  a supervisor copying a paper ledger);
- ``days_later``: each step typed three days after it happened, with ``--when``, the clock
  moving on between them (what the clock writes meanwhile — escalations — is judged again).

The stated timeline is the record (SPEC §3, §7), so both stores must end up the same, but for
the late-entry marks. ``state_of`` reads what the tests compare.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.services import users as users_svc
from huifang_tui.services.base import Store
from huifang_tui.store.models import CallAttempt, Callback, Contact, Customer, Issue, IssueEvent, Sale, User, WorkOrder

MONTH = "2026-10"
SETUP_AT = datetime(2026, 9, 28, 8, 0)  # Monday: the people, the customers, the facts
AFTER = datetime(2026, 11, 3, 10, 0)  # Tuesday after the month; nothing approved
HOLIDAY = (date(2026, 10, 1), date(2026, 10, 7))  # National Day (chinesecalendar 2026)
MAKE_UP_DAY = date(2026, 10, 10)  # Saturday, a working day

# Keys that differ between a history typed in time and the same history typed afterwards.
LATE_KEYS = frozenset({"late_entry", "late_entries", "issue_late_entries", "entered_at", "late", "completed_late"})

PEOPLE = (  # login, role, name, department
    ("agent1", "agent", "张敏", None),
    ("sup1", "supervisor", "李主管", "售后服务部"),
    ("tech1", "agent", "王工", "技术支持组"),
)

CUSTOMERS = {  # key: (name, contact)
    "A": ("杭州恒达机械有限公司", "王经理"),
    "B": ("宁波东方精工有限公司", "陈工"),
    "C": ("绍兴恒泰化工有限公司", "刘主任"),
    "D": ("嘉兴华美纺织有限公司", "赵经理"),
    "E": ("湖州安吉竹业有限公司", "孙工"),
    "F": ("温州瑞安电器有限公司", "周经理"),
}

# What the callbacks follow, sold or completed on 09-30, the last working day before the holiday.
SALES = {"A": "HT-A-0930", "B": "HT-B-0930", "D": "HT-D-0930", "F": "HT-F-0930"}
WORK_ORDERS = {"C": "SX202609101", "E": "SX202609102"}
FACTS_ON = date(2026, 9, 30)


def cb(key: str) -> str:
    """The callback that follows customer *key*'s sale or work order (``kind|trigger_ref``)."""
    if key in SALES:
        return f"first_sale|sale:{SALES[key]}"
    return f"completion|wo:{WORK_ORDERS[key]}"


@dataclass(frozen=True)
class Step:
    at: datetime  # the stated time: when it happened
    who: str
    argv: tuple  # str, or ("cb", "kind|trigger") / ("issue", title) resolved on the store
    time_option: str | None = "--when"  # how the stated time is given when typed afterwards


def _s(at: str, who: str, *argv, time_option: str | None = "--when") -> Step:
    return Step(datetime.fromisoformat(at), who, tuple(argv), time_option)


def CB(key: str) -> tuple:  # noqa: N802
    return ("cb", cb(key))


def ISSUE(title: str) -> tuple:  # noqa: N802
    return ("issue", title)


REACHED = "--reached"
STEPS: tuple[Step, ...] = (
    # September: a normal issue raised the day before the holiday week, acknowledged in time,
    # waiting on the customer across the holiday (the issue's own example, item 2 of "found").
    _s("2026-09-29T10:00", "sup1", "issue", "raise", "--customer", CUSTOMERS["A"][0], "--title", "控制柜异响",
       "--category", "product", "--priority", "normal"),
    _s("2026-09-29T10:30", "sup1", "issue", "assign", ISSUE("控制柜异响"), "--department", "技术支持组",
       "--owner", "tech1"),
    _s("2026-09-29T15:00", "tech1", "issue", "ack", ISSUE("控制柜异响")),
    _s("2026-09-30T10:00", "tech1", "issue", "wait", ISSUE("控制柜异响"), "--reason", "等待客户寄回配件"),
    # The planner run of 09-30 plans October's callbacks (sales and completions of 09-30).
    _s("2026-09-30T17:50", "sup1", "plan", time_option="--now"),
    # The first working day after the holiday.
    _s("2026-10-08T09:00", "tech1", "issue", "resume", ISSUE("控制柜异响")),
    _s("2026-10-08T09:10", "agent1", "record", CB("A"), "--outcome", "no_answer"),
    _s("2026-10-08T09:20", "agent1", "record", CB("B"), "--outcome", "busy"),
    _s("2026-10-08T09:30", "agent1", "record", CB("C"), "--outcome", "completed", REACHED, "刘主任/主任",
       "--scores", "2,4", "--note", "设备仍有异响"),  # a low score: a follow-up within 24 hours
    _s("2026-10-08T10:00", "agent1", "record", CB("D"), "--outcome", "reschedule", "--to", "明天 15:00"),
    _s("2026-10-08T10:30", "agent1", "record", CB("E"), "--outcome", "completed", REACHED, "孙工/技术负责人",
       "--scores", "5,5"),
    _s("2026-10-08T11:00", "sup1", "issue", "raise", CB("C"), "--title", "设备异响", "--category", "product",
       "--priority", "normal"),
    _s("2026-10-08T11:05", "sup1", "issue", "raise", CB("E"), "--title", "停机故障", "--category", "product",
       "--priority", "urgent"),
    _s("2026-10-08T11:10", "sup1", "issue", "raise", "--customer", CUSTOMERS["F"][0], "--title", "安装人员态度差",
       "--category", "service", "--priority", "normal", "--complaint"),
    _s("2026-10-08T11:20", "sup1", "issue", "assign", ISSUE("设备异响"), "--department", "技术支持组",
       "--owner", "tech1"),
    _s("2026-10-08T11:25", "sup1", "issue", "assign", ISSUE("停机故障"), "--department", "技术支持组",
       "--owner", "tech1"),
    _s("2026-10-08T13:40", "agent1", "record", CB("B"), "--outcome", "no_answer"),
    _s("2026-10-08T14:00", "tech1", "issue", "ack", ISSUE("设备异响")),  # in time (by 10-09 11:00)
    _s("2026-10-08T15:30", "tech1", "issue", "ack", ISSUE("停机故障")),  # late (by 13:05): level 1
    _s("2026-10-09T08:40", "agent1", "record", CB("A"), "--outcome", "completed", REACHED, "王经理/经理",
       "--scores", "4,5"),
    _s("2026-10-09T09:00", "agent1", "record", CB("B"), "--outcome", "no_answer"),  # the third: unreachable
    _s("2026-10-09T10:00", "tech1", "issue", "note", ISSUE("设备异响"), "已联系厂家，等待配件"),
    _s("2026-10-09T15:05", "agent1", "record", CB("D"), "--outcome", "completed", REACHED, "赵经理/经理",
       "--scores", "5,4"),
    _s("2026-10-09T16:00", "tech1", "issue", "solve", ISSUE("停机故障"), "--solution", "更换电源模块"),
    # Saturday 10-10 is a working day (调休).
    _s("2026-10-10T09:00", "agent1", "record", CB("F"), "--outcome", "refused", "--reason", "客户不需要回访"),
    _s("2026-10-10T10:00", "sup1", "issue", "tell", ISSUE("停机故障"), "--on", "2026-10-10", "--satisfaction", "4"),
    _s("2026-10-10T10:05", "sup1", "issue", "close", ISSUE("停机故障")),
    _s("2026-10-12T09:00", "tech1", "issue", "solve", ISSUE("控制柜异响"), "--solution", "更换轴承"),
    _s("2026-10-12T14:00", "tech1", "issue", "solve", ISSUE("设备异响"), "--solution", "调整电机底座"),
    _s("2026-10-13T10:00", "sup1", "issue", "tell", ISSUE("控制柜异响"), "--on", "2026-10-13", "--satisfaction", "5"),
    _s("2026-10-13T10:05", "sup1", "issue", "close", ISSUE("控制柜异响")),
    # The low-score follow-up of C is never worked: overdue since 10-09 09:30.
    # The month's spot check, after the month (marks carry no stated time).
    _s("2026-11-02T09:00", "sup1", "spotcheck", "draw", "--month", MONTH, "--n", "10", "--seed", "7",
       time_option=None),
    _s("2026-11-02T09:10", "sup1", "spotcheck", "mark", CB("A"), "--accurate", time_option=None),
    _s("2026-11-02T09:15", "sup1", "spotcheck", "mark", CB("E"), "--inaccurate", "--note", "评分与录音不符",
       time_option=None),
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Desk:
    """One store and the command line on it: ``run(who, *argv)`` types a command as *who* with
    the store's clock where it stands."""

    store: Store
    clock: Clock
    _io: Callable[[], tuple[str, str]]
    _point: Callable[[str], None]
    _as: list = field(default_factory=lambda: [None])
    log: list = field(default_factory=list)

    def run(self, who: str, *argv: str) -> tuple[int, str, str]:
        _CURRENT["desk"] = self
        self._point(self.store.url)
        self._as[0] = who
        self._io()
        try:
            rc = cli.main(list(argv))
        except SystemExit as e:  # argparse's own errors
            rc = e.code
        out, err = self._io()
        self.log.append((who, argv, rc, err.strip()))
        return rc, out, err

    def ok(self, who: str, *argv: str) -> str:
        rc, out, err = self.run(who, *argv)
        assert rc == 0, f"{who}: huifang {' '.join(argv)} → exit {rc}: {err.strip()}"
        return out

    def json(self, who: str, *argv: str):  # noqa: ANN201
        return json.loads(self.ok(who, *argv, "--json"))

    # -- looking things up on this store ---------------------------------------------------

    def callback_number(self, ref: str) -> str:
        kind, trigger = ref.split("|", 1)
        with self.store.read() as s:
            return s.exec(select(Callback.number).where(Callback.kind == kind, Callback.trigger_ref == trigger)).one()

    def issue_number(self, title: str) -> str:
        with self.store.read() as s:
            return s.exec(select(Issue.number).where(Issue.title == title)).one()

    def resolve(self, part) -> str:  # noqa: ANN001
        if isinstance(part, tuple):
            return self.callback_number(part[1]) if part[0] == "cb" else self.issue_number(part[1])
        return part


_CURRENT: dict[str, Desk] = {}


@pytest.fixture
def command_line(monkeypatch, capsys):
    """The command line of this process pointed at whichever ``Desk`` runs a command: its
    database, its clock and the person typing (the OS login)."""
    originals = Store.__init__

    def init(self, url, clock=None, engine=None):  # noqa: ANN001
        desk = _CURRENT.get("desk")
        if desk is not None and url == desk.store.url:
            clock, engine = clock or desk.clock, engine or desk.store.engine
        originals(self, url, clock, engine)

    monkeypatch.setattr(Store, "__init__", init)
    monkeypatch.setattr(users_svc, "os_login", lambda: _CURRENT["desk"]._as[0])

    def make(store: Store) -> Desk:
        clock = Clock(SETUP_AT)
        store.clock = clock
        def io() -> tuple[str, str]:
            c = capsys.readouterr()
            return c.out, c.err

        desk = Desk(store, clock, io, lambda url: monkeypatch.setenv("HUIFANG_DATABASE_URL", url))
        _CURRENT["desk"] = desk
        return desk

    yield make
    _CURRENT.clear()


@pytest.fixture
def second_store(backend, tmp_path):
    """Another fresh store of the same back end (the ``store`` fixture's twin)."""
    from conftest import NOW, _pg_template, copy_pg_database, drop_pg_database
    from huifang_tui.store import db

    url = "sqlite:///" + str(tmp_path / "afterwards.db") if backend == "sqlite" else copy_pg_database(_pg_template())
    st = Store(url, clock=lambda: NOW)
    st.ensure_schema()
    yield st
    db.dispose(st.engine)
    if backend != "sqlite":
        drop_pg_database(url)


def set_up(desk: Desk) -> None:
    """The people, the customers and the facts, as they stood on 2026-09-28 (both replays)."""
    desk.clock.now = SETUP_AT
    with desk.store.write() as s:
        for login, role, name, dept in PEOPLE:
            s.add(User(login=login, name=name, role=role, created_at=SETUP_AT, department=dept))
        ids = {}
        for key, (name, contact) in CUSTOMERS.items():
            c = Customer(name=name, agent_login="agent1", created_at=SETUP_AT, updated_at=SETUP_AT)
            s.add(c)
            s.flush()
            s.add(Contact(customer_id=c.id, name=contact, role="技术负责人", phone="1381234567" + str(c.id % 10),
                          is_primary=True))
            ids[key] = c.id
        for key, contract in SALES.items():
            s.add(Sale(contract_no=contract, customer_id=ids[key], product="数控机床", sold_on=FACTS_ON,
                       updated_at=SETUP_AT))
        for key, number in WORK_ORDERS.items():
            s.add(WorkOrder(number=number, customer_id=ids[key], contact_name=CUSTOMERS[key][1], product="空压机",
                            service_type="consult", accepted_at=datetime(2026, 9, 28, 9, 0),
                            planned_completion=datetime(2026, 9, 30, 12, 0),
                            actual_completion=datetime(2026, 9, 30, 15, 0), updated_at=SETUP_AT))


def argv_of(desk: Desk, step: Step, *, stated: bool) -> list[str]:
    argv = [desk.resolve(p) for p in step.argv]
    if stated and step.time_option:
        argv += [step.time_option, step.at.isoformat(timespec="minutes")]
    return argv


def replay_in_time(desk: Desk, until: datetime | None = None, *, since: datetime | None = None) -> None:
    """Each step typed at its stated time (the clock moved to it), without ``--when``: the steps
    stated after *since* (if given) up to *until* (if given)."""
    for step in STEPS:
        if until is not None and step.at > until:
            return
        if since is not None and step.at <= since:
            continue
        desk.clock.now = step.at
        desk.ok(step.who, *argv_of(desk, step, stated=False))


def replay_afterwards(desk: Desk, at: datetime = AFTER) -> None:
    """Every step typed at *at*, in one go, stating its time with ``--when`` (``--now``)."""
    desk.clock.now = at
    for step in STEPS:
        desk.ok(step.who, *argv_of(desk, step, stated=True))


def replay_days_later(desk: Desk, delay: timedelta = timedelta(days=3)) -> None:
    """Each step typed *delay* after it happened (a ledger typed up a few days late, every day),
    stating its time; the clock only moves forward, and stands at ``AFTER`` at the end."""
    for step in STEPS:
        desk.clock.now = max(desk.clock.now, step.at + delay)
        desk.ok(step.who, *argv_of(desk, step, stated=True))
    desk.clock.now = max(desk.clock.now, AFTER)


def fresh(store: Store, make: Callable[[Store], Desk]) -> Desk:
    desk = make(store)
    set_up(desk)
    return desk


# -- what the tests compare ---------------------------------------------------------------------


def strip_late(value):  # noqa: ANN001, ANN201
    """*value* without the late-entry marks (keys in ``LATE_KEYS``), recursively."""
    if isinstance(value, dict):
        return {k: strip_late(v) for k, v in value.items() if k not in LATE_KEYS}
    if isinstance(value, list):
        return [strip_late(v) for v in value]
    return value


def differences(a, b, path: str = "") -> dict:  # noqa: ANN001
    """Where *a* and *b* differ, as {path: (a's, b's)}: dicts key by key, lists of issues by
    title, other lists item by item (a readable failure instead of two long reprs)."""
    if isinstance(a, list) and isinstance(b, list) and all(isinstance(x, dict) and "title" in x for x in a + b):
        a, b = {x["title"]: x for x in a}, {x["title"]: x for x in b}
    if isinstance(a, dict) and isinstance(b, dict):
        out = {}
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out[f"{path}/{k}"] = (a.get(k, "<absent>"), b.get(k, "<absent>"))
            else:
                out.update(differences(a[k], b[k], f"{path}/{k}"))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = {}
        for n, (x, y) in enumerate(zip(a, b)):
            out.update(differences(x, y, f"{path}[{n}]"))
        return out
    return {} if a == b else {path or "/": (a, b)}


def callbacks_state(desk: Desk) -> dict:
    """Every callback by what it follows (``kind|trigger``; a follow-up by its parent's), with its
    status, due date, deadline, next attempt and attempts (numbers of follow-ups are not compared:
    they are given when written)."""
    with desk.store.read() as s:
        rows = list(s.exec(select(Callback)))
        by_id = {c.id: c for c in rows}
        by_number = {c.number: c for c in rows}
        attempts: dict[int, list] = {}
        for a in s.exec(select(CallAttempt).order_by(CallAttempt.at, CallAttempt.id)):
            attempts.setdefault(a.callback_id, []).append((a.at.isoformat(), a.outcome, a.agent_login,
                                                           a.rescheduled_to.isoformat() if a.rescheduled_to else None))

    def key(c: Callback) -> str:
        kind, _, ref = c.trigger_ref.partition(":")
        if kind == "cb" and ref in by_number:
            return f"{c.kind}|after:{key(by_number[ref])}"
        return f"{c.kind}|{c.trigger_ref}"

    def iso(v):  # noqa: ANN001, ANN202
        return v.isoformat() if v is not None else None

    # ``callbacks --json`` too (overdue, follow-up state, …), without the number (a follow-up's
    # is given when it is written) and the late-entry marks
    listed = {c["number"]: strip_late({k: v for k, v in c.items() if k != "number"})
              for c in desk.json("sup1", "callbacks")}
    return {key(c): {
        "listed": listed.get(c.number),
        "status": c.status, "due_on": iso(c.due_on), "planned_due_on": iso(c.planned_due_on),
        "deadline_on": iso(c.deadline_on), "deadline_at": iso(c.deadline_at),
        "next_attempt_at": iso(c.next_attempt_at), "attempts": c.attempts, "outcome": c.outcome,
        "completed_at": iso(c.completed_at), "agent": c.agent_login,
        "scores": (c.score_resolution, c.score_attitude), "tries": attempts.get(c.id, []),
    } for c in by_id.values()}


def issues_state(desk: Desk, now: datetime | None = None) -> dict:
    """Every issue by title: ``issue show --json`` (status, ack_by, solve_by, level, overdue,
    events) without the late-entry marks, its standing escalations (withdrawn ones left out)
    and its stored columns."""
    args = ["issues"] + (["--now", now.isoformat(timespec="minutes")] if now else [])
    listed = {v["title"]: strip_late(v) for v in desk.json("sup1", *args)}
    out = {}
    with desk.store.read() as s:
        issues = list(s.exec(select(Issue)))
        events = list(s.exec(select(IssueEvent).order_by(IssueEvent.at, IssueEvent.id)))
    for i in issues:
        shown = strip_late(desk.json("sup1", "issue", "show", i.number))
        standing = [e for e in events if e.issue_id == i.id and getattr(e, "withdrawn_at", None) is None]
        # the timeline without the withdrawn escalations, and without event ids (given in the
        # order of entry, so they differ between the two ways of typing the same history)
        shown["events"] = [{k: v for k, v in e.items() if k not in ("id", "withdrawn_at", "withdrawn_by", "withdrawn")}
                           for e in shown.get("events", []) if not (e.get("withdrawn") or e.get("withdrawn_at"))]
        out[i.title] = {
            "listed": listed.get(i.title),
            "shown": shown,
            "escalations": [(e.at.isoformat(), e.code, e.params) for e in standing if e.kind == "escalated"],
            "stored": {"status": i.status, "level": i.level, "ack_by": i.ack_by.isoformat(),
                       "solve_by": i.solve_by.isoformat(), "acknowledged_at": _iso(i.acknowledged_at),
                       "solved_at": _iso(i.solved_at), "closed_at": _iso(i.closed_at),
                       "waiting_since": _iso(i.waiting_since), "last_update_at": _iso(i.last_update_at)},
        }
    return out


def late_marks(desk: Desk) -> dict:
    """The late-entry marks: each callback's ``late_entry`` in ``callbacks --json`` (by number),
    each issue's in ``issues --json`` (by title), and the escalations withdrawn (by title)."""
    with desk.store.read() as s:
        titles = {i.id: i.title for i in s.exec(select(Issue))}
        withdrawn = [(titles[e.issue_id], e.at.isoformat(), e.code) for e in s.exec(select(IssueEvent))
                     if e.kind == "escalated" and e.withdrawn_at is not None]
    return {
        "callbacks": {c["number"]: c["late_entry"] for c in desk.json("sup1", "callbacks")},
        "issues": {i["title"]: i["late_entry"] for i in desk.json("sup1", "issues")},
        "withdrawn": sorted(withdrawn),
    }


def _iso(v):  # noqa: ANN001, ANN202
    return v.isoformat() if v is not None else None


def report(desk: Desk, month: str = MONTH, now: datetime | None = None) -> dict:
    args = ["report", "monthly", "--month", month]
    if now is not None:
        args += ["--now", now.isoformat(timespec="minutes")]
    return desk.json("sup1", *args)
