"""Imports of customers, work orders, sales and non-member events (SPEC §5).

One file is one transaction. Every row is parsed and checked before anything is written;
any bad row refuses the whole file (``ImportRejected`` lists every bad row) unless
``skip_bad``, which imports the good rows and writes the bad ones to ``<stem>.rejected.csv``
beside the input. Records are upserted by natural key and touched only when a value
actually changes, so importing the same file again writes nothing (no audit rows either).

Blank cells: in work-order, sale and event files the file is the record of truth (a blank
clears the field). In customer files a blank customer/contact value means "not stated"
and keeps what is stored — except 回访员, where blank means the shared pool. In work-order
files a blank 回访员 leaves the customer's agent as it is.
"""

from __future__ import annotations

import csv
from contextlib import nullcontext
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, SQLModel, select

from ..i18n import t
from ..importing.readers import ImportFileError, as_text, read_table
from ..importing.schemas import CUSTOMER_LEVEL, KINDS, Bad, Binding, Parsed, bind, parse
from ..store.models import Contact, Customer, NonMemberEvent, Sale, User, WorkOrder
from .base import Actor, ServiceError, Store, acting, audit, require, snapshot

__all__ = ["ImportFileError", "ImportRejected", "ImportReport", "import_file"]

PROGRESS_EVERY = 500
_CHUNK = 500
_TITLE_ROWS = 3


class ImportRejected(ServiceError):
    """Bad rows and no ``skip_bad``: nothing was written. ``errors`` is [(line, reason)]."""

    def __init__(self, path: Path, errors: list[tuple[int, str]]):
        self.path, self.errors = path, errors
        lines = "\n".join(reason for _, reason in errors)
        super().__init__(t("imp.err.rejected", path=path, count=len(errors), lines=lines))


@dataclass
class ImportReport:
    """Counts are of the file's own records (customers in a customer file); the
    ``customers_*`` counts are customers created or re-assigned as a side effect of a
    work-order, sale or event file; ``contacts_*`` are contacts created or changed."""

    kind: str
    path: Path
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    reject_file: Path | None = None
    customers_created: int = 0
    customers_updated: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.customers_created or self.customers_updated
                    or self.contacts_created or self.contacts_updated)

    def describe(self) -> str:
        """The report as the CLI prints it (catalog language)."""
        out = [t("imp.report.summary", path=self.path, total=self.total, created=self.created,
                 updated=self.updated, unchanged=self.unchanged, rejected=len(self.rejected))]
        if self.customers_created or self.customers_updated:
            out.append(t("imp.report.customers", created=self.customers_created, updated=self.customers_updated))
        if self.contacts_created or self.contacts_updated:
            out.append(t("imp.report.contacts", created=self.contacts_created, updated=self.contacts_updated))
        if self.ignored_columns:
            out.append(t("imp.report.ignored", columns="、".join(self.ignored_columns)))
        if self.reject_file:
            out.append(t("imp.report.reject_file", path=self.reject_file))
        return "\n".join(out)


class _Progress:
    def __init__(self, cb: Callable[[int, int], None] | None, total: int):
        self.cb, self.total, self.done = cb, total, 0

    def tick(self) -> None:
        self.done += 1
        if self.cb and self.done % PROGRESS_EVERY == 0:
            self.cb(self.done, self.total)

    def finish(self) -> None:
        if self.cb:
            self.cb(self.total, self.total)


def import_file(
    store: Store,
    actor: Actor,
    kind: str,
    path: str | Path,
    *,
    skip_bad: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import one file of ``kind`` (workorders | customers | sales | events).

    ``progress(done, total)`` is called every ~500 steps; a step is one row checked, then
    one row written (so ``total`` is twice the row count) and it ends at ``done == total``.
    """
    require(actor, "admin", "supervisor", store=store)
    with store.read() as s:
        acting(s, actor)
    if kind not in KINDS:
        raise ServiceError(t("imp.err.kind", kind=kind, kinds=", ".join(KINDS)))
    path = Path(path)
    headers, rows_iter = read_table(path)
    rows = list(rows_iter)
    b, headers, rows = _bind(kind, headers, rows, path)
    prog = _Progress(progress, 2 * len(rows))
    good, bad = parse(b, rows, _agent_resolver(store), prog.tick)
    report = ImportReport(kind, path, total=len(rows), ignored_columns=b.ignored,
                          rejected=[(x.line, x.reason) for x in bad])
    if bad and not skip_bad:
        raise ImportRejected(path, report.rejected)
    with store.write() if good or bad else nullcontext() as s:
        if good:
            _Writer(s, actor, store.now(), b, report, prog.tick).run(good)
        if bad:  # before the commit: a reject file that cannot be written rolls the import back
            report.reject_file = _write_rejects(path, headers, bad)
    prog.finish()
    if report.changed:
        _run_planner(store)
    return report


def _bind(kind: str, headers: list[str], rows: list, path: Path) -> tuple[Binding, list[str], list]:
    """Bind the header row; a title row or two above it (e.g. 表1:售后服务记录表) is skipped."""
    try:
        return bind(kind, headers, path), headers, rows
    except ImportFileError as first:
        for i, (_, values) in enumerate(rows[:_TITLE_ROWS]):
            try:
                return bind(kind, as_text(values), path), as_text(values), rows[i + 1 :]
            except ImportFileError:
                continue
        raise first from None


def _run_planner(store: Store) -> None:
    try:
        from .planner import run_planner
    except ImportError:
        return
    run_planner(store)


def _agent_resolver(store: Store) -> Callable[[str], str | None]:
    """回访员 cells name an active user by login (any case) or, if unambiguous, by name."""
    with store.read() as s:
        users = [(u.login, u.name) for u in s.exec(select(User).where(User.active == True))]  # noqa: E712
    by_login = {login: login for login, _ in users}
    by_lower = {login.lower(): login for login, _ in users}
    names: dict[str, list[str]] = {}
    for login, name in users:
        names.setdefault(name, []).append(login)

    def resolve(v: str) -> str | None:
        if v in by_login:
            return v
        if v.lower() in by_lower:
            return by_lower[v.lower()]
        hits = names.get(v, [])
        return hits[0] if len(hits) == 1 else None

    return resolve


def _write_rejects(path: Path, headers: list[str], bad: list[Bad]) -> Path:
    from ..safe_files import open_write

    out = path.with_name(f"{path.stem}.rejected.csv")
    # BOM: Excel opens it as UTF-8; safe_files: never a symlink or a file of the shared store
    with open_write(out, mode=0o640, text=True, encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([*headers, t("imp.reject_column")])
        for x in bad:
            w.writerow([*x.raw, *[""] * (len(headers) - len(x.raw))][: len(headers)] + [x.reason])
    return out


def _chunks(items: Iterable, n: int = _CHUNK) -> Iterable[list]:
    items = list(items)
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _apply(obj: SQLModel, values: dict[str, object]) -> dict | None:
    """Set the values that differ; return the snapshot from before, or None if nothing changed."""
    diff = {k: v for k, v in values.items() if getattr(obj, k) != v}
    if not diff:
        return None
    before = snapshot(obj)
    for k, v in diff.items():
        setattr(obj, k, v)
    return before


_WO_FIELDS = ("contact_name", "contact_phone", "product", "description", "priority", "group_name", "owner",
              "accepted_at", "planned_completion", "actual_completion", "feedback_at", "solution",
              "customer_confirmed", "status", "service_type", "contract_no")
_SALE_DEFAULTS = {"product": "", "quantity": 1, "amount": Decimal("0")}
_ENTITY = {Customer: "customer", Contact: "contact", WorkOrder: "work_order", Sale: "sale",
           NonMemberEvent: "event"}


class _Writer:
    """The write half of one import, inside one transaction."""

    def __init__(self, s: Session, actor: Actor, now: datetime, b: Binding, report: ImportReport,
                 tick: Callable[[], None]):
        self.s, self.actor, self.now, self.b, self.r, self.tick = s, actor, now, b, report, tick
        self.created: list[SQLModel] = []
        self.updated: list[tuple[SQLModel, dict]] = []
        self.customers: dict[str, Customer] = {}
        self.touched: set[str] = set()  # customers changed by this import

    def run(self, good: list[Parsed]) -> None:
        getattr(self, f"_{self.b.kind}")(good)
        self.s.flush()  # ids for the audit of created records
        for obj in self.created:
            audit(self.s, self.actor, self.now, "import.create", _ENTITY[type(obj)], obj.id, None, obj)
        for obj, before in self.updated:
            audit(self.s, self.actor, self.now, "import.update", _ENTITY[type(obj)], obj.id, before, obj)

    # -- helpers ---------------------------------------------------------------------
    def _new(self, obj: SQLModel) -> SQLModel:
        self.s.add(obj)
        self.created.append(obj)
        return obj

    def _change(self, obj: SQLModel, values: dict) -> bool:
        before = _apply(obj, values)
        if before is None:
            return False
        if isinstance(obj, (Customer, WorkOrder)):
            obj.updated_at = self.now
        self.updated.append((obj, before))
        return True

    def _load_customers(self, names: Iterable[str]) -> None:
        for part in _chunks(set(names) - self.customers.keys()):
            for c in self.s.exec(select(Customer).where(Customer.name.in_(part))):
                self.customers[c.name] = c

    def _customer(self, name: str, member: bool, **values: object) -> Customer:
        """The named customer, created with defaults if unknown (side effect of a record file)."""
        c = self.customers.get(name)
        if c is None:
            c = self.customers[name] = self._new(Customer(
                name=name, tier="standard", is_member=member, created_at=self.now, updated_at=self.now,
                **{k: v for k, v in values.items() if v is not None}))
            self.r.customers_created += 1
        elif self._change(c, {k: v for k, v in values.items() if v is not None}):
            if name not in self.touched:
                self.r.customers_updated += 1
            self.touched.add(name)
        return c

    def _record_customers(self, good: list[Parsed], member: bool) -> None:
        self._load_customers(p.values["customer"] for p in good)
        agents = {p.values["customer"]: p.values.get("agent") for p in good if p.values.get("agent")}
        for name in dict.fromkeys(p.values["customer"] for p in good):
            self._customer(name, member, agent_login=agents.get(name))
        self.s.flush()

    def _upsert(self, existing: SQLModel | None, make: Callable[[], SQLModel], values: dict) -> SQLModel:
        self.tick()
        if existing is None:
            self.r.created += 1
            return self._new(make())
        if self._change(existing, values):
            self.r.updated += 1
        else:
            self.r.unchanged += 1
        return existing

    def _contacts_of(self, cids: Iterable[int]) -> dict[tuple[int, str], Contact]:
        out: dict[tuple[int, str], Contact] = {}
        for part in _chunks(set(cids)):
            for c in self.s.exec(select(Contact).where(Contact.customer_id.in_(part))):
                out[(c.customer_id, c.name)] = c
        self.with_contacts = {k[0] for k in out}
        return out

    def _contact(self, known: dict, cid: int, name: str, values: dict, update: bool) -> str | None:
        """Create or (if ``update``) change a contact; returns "created"/"updated"/None."""
        c = known.get((cid, name))
        if c is None:
            first = cid not in self.with_contacts  # a customer's first contact is its primary one
            self.with_contacts.add(cid)
            known[(cid, name)] = self._new(Contact(customer_id=cid, name=name, is_primary=first, **values))
            self.r.contacts_created += 1
            return "created"
        if update and c.needs_correction and values.get("phone") and values["phone"] != c.phone:
            values = {**values, "needs_correction": False}  # the wrong number was corrected
        if update and self._change(c, values):
            self.r.contacts_updated += 1
            return "updated"
        return None

    # -- one method per kind ----------------------------------------------------------
    def _workorders(self, good: list[Parsed]) -> None:
        self._record_customers(good, member=True)
        existing: dict[str, WorkOrder] = {}
        for part in _chunks(p.values["number"] for p in good):
            for w in self.s.exec(select(WorkOrder).where(WorkOrder.number.in_(part))):
                existing[w.number] = w
        contacts = self._contacts_of(c.id for c in self.customers.values())
        for p in good:
            v = {k: p.values[k] for k in _WO_FIELDS if k in p.values}
            v["customer_id"] = cid = self.customers[p.values["customer"]].id
            num = p.values["number"]
            self._upsert(existing.get(num), lambda: WorkOrder(number=num, updated_at=self.now, **v), v)
            # A customer needs someone to call: add the work order's contact if it is new.
            if v.get("contact_name"):
                self._contact(contacts, cid, v["contact_name"], {"phone": v.get("contact_phone", "")}, False)

    def _sales(self, good: list[Parsed]) -> None:
        self._record_customers(good, member=True)
        existing: dict[str, Sale] = {}
        for part in _chunks(p.values["contract_no"] for p in good):
            for x in self.s.exec(select(Sale).where(Sale.contract_no.in_(part))):
                existing[x.contract_no] = x
        for p in good:
            v = {k: (p.values[k] if p.values[k] is not None else _SALE_DEFAULTS[k])
                 for k in ("product", "quantity", "amount") if k in p.values}
            v |= {"customer_id": self.customers[p.values["customer"]].id, "sold_on": p.values["sold_on"]}
            no = p.values["contract_no"]
            self._upsert(existing.get(no), lambda: Sale(contract_no=no, **v), v)

    def _events(self, good: list[Parsed]) -> None:
        self._load_customers(p.values["customer"] for p in good)
        # Registration and activity dates follow the events (the planner reads them).
        reg: dict[str, date] = {}
        last: dict[str, date] = {}
        for p in good:
            name, d = p.values["customer"], p.values["occurred_on"]
            last[name] = max(last.get(name, d), d)
            if p.values["kind"] == "registration":
                reg[name] = min(reg.get(name, d), d)
        for name in last:
            c = self.customers.get(name)
            self._customer(
                name, False,
                registered_on=reg.get(name) if c is None or c.registered_on is None else None,
                last_activity_on=last[name] if c is None or not c.last_activity_on or c.last_activity_on < last[name]
                else None,
            )
        self.s.flush()
        existing: dict[tuple, NonMemberEvent] = {}
        for part in _chunks(c.id for c in self.customers.values()):
            for e in self.s.exec(select(NonMemberEvent).where(NonMemberEvent.customer_id.in_(part))):
                existing[(e.customer_id, e.kind, e.occurred_on)] = e
        for p in good:
            key = (self.customers[p.values["customer"]].id, p.values["kind"], p.values["occurred_on"])
            v = {"note": p.values.get("note", "")} if "note" in p.values else {}
            self._upsert(existing.get(key), lambda: NonMemberEvent(
                customer_id=key[0], kind=key[1], occurred_on=key[2], **v), v)

    def _customers(self, good: list[Parsed]) -> None:
        self._load_customers(p.values["customer"] for p in good)
        rows: dict[str, list[Parsed]] = {}
        for p in good:
            rows.setdefault(p.values["customer"], []).append(p)
        changed: set[str] = set()
        new: set[str] = set()
        for name, group in rows.items():
            # Customer-level values: the first non-blank of the customer's rows (they agree).
            v: dict[str, object] = {}
            for k in CUSTOMER_LEVEL:
                if self.b.present(k):
                    x = next((p.values[k] for p in group if p.values.get(k) not in (None, "")), None)
                    if k == "agent":
                        v["agent_login"] = x  # blank: the shared pool
                    elif x is not None:
                        v[k] = x
            c = self.customers.get(name)
            if c is None:
                self.r.created += 1
                new.add(name)
                self.customers[name] = self._new(Customer(name=name, created_at=self.now, updated_at=self.now, **v))
            elif self._change(c, v):
                changed.add(name)
        self.s.flush()
        contacts = self._contacts_of(c.id for c in self.customers.values())
        for name, group in rows.items():
            cid = self.customers[name].id
            for p in group:
                self.tick()
                cname = p.values.get("contact_name")
                if cname:
                    cv = {k: p.values[k] for k in ("role", "phone", "email") if p.values.get(k)}
                    if self._contact(contacts, cid, cname, cv, True):
                        changed.add(name)
            if name not in new:
                if name in changed:
                    self.r.updated += 1
                else:
                    self.r.unchanged += 1
