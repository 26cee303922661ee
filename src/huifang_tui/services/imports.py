"""Imports of customers, work orders, sales and non-member events (SPEC §5).

An import never blocks the floor (issue 13): the whole file is read and checked first
without holding any lock (pass 1, streamed: memory does not grow with the file), then it is
read again and written in short transactions of ``CHUNK_ROWS`` rows (pass 2), so an agent's
save waits at most one chunk. Any bad row refuses the whole file before anything is written
(``ImportRejected`` lists every bad row) unless ``skip_bad``, which imports the good rows and
writes the bad ones to ``<stem>.rejected.csv`` beside the input (first: a reject file that
cannot be written stops the import before any write).

Resumable and idempotent, not all-or-nothing: records are upserted by natural key and touched
only when a value actually changes, so if an import is interrupted (Ctrl-C, a full disk) the
chunks already committed stay, and importing the same file again writes exactly the rest;
importing it a third time writes nothing (no audit rows either). Every audit row of one import
carries its ``import_id``; ``import.start`` and ``import.done`` rows bracket it.

Blank cells: in work-order, sale and event files the file is the record of truth (a blank
clears the field). In customer files a blank customer/contact value means "not stated"
and keeps what is stored — except 回访员, where blank means the shared pool. In work-order
files a blank 回访员 leaves the customer's agent as it is. A phone number that cannot be
dialled does not fail the row: the contact is stored flagged for correction.
"""

from __future__ import annotations

import csv
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, SQLModel, select

from ..core.i18n import t
from ..importing import Checker, ImportFileError, open_table
from ..importing.schemas import CUSTOMER_LEVEL, KINDS, Bad, Binding, Parsed
from ..core.safe_text import defuse_cell
from ..store.queries import chunked
from ..store.models import AuditEntry, Contact, Customer, NonMemberEvent, Sale, User, WorkOrder
from .base import Actor, ServiceError, Store, acting, audit, require, serialize, snapshot

__all__ = ["ImportFileError", "ImportRejected", "ImportReport", "import_file"]

PROGRESS_EVERY = 500
CHUNK_ROWS = 300  # rows per write transaction (well under 1 s each on SQLite, even on a busy machine)
# A pause after each write transaction. SQLite's busy handler polls a waiting writer only every
# ~100 ms, so a writer that re-takes the lock at once starves the agents (measured: 7 s waits).
YIELD_S = 0.1
_CHUNK = 500


class ImportRejected(ServiceError):
    """Bad rows and no ``skip_bad``: nothing was written. ``errors`` is [(line, reason)]."""

    def __init__(self, path: Path, errors: list[tuple[int, str]]):
        self.path, self.errors = path, errors
        lines = "\n".join(reason for _, reason in errors[:200])
        if len(errors) > 200:
            lines += "\n…"
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
    flagged_lines: list[int] = field(default_factory=list)  # rows whose phone cannot be dialled
    import_id: str = ""

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
        if self.flagged_lines:
            shown = "、".join(str(x) for x in self.flagged_lines[:10]) + ("…" if len(self.flagged_lines) > 10 else "")
            out.append(t("imp.report.flagged", count=len(self.flagged_lines), lines=shown))
        if self.ignored_columns:
            out.append(t("imp.report.ignored", columns="、".join(self.ignored_columns)))
        if self.reject_file:
            out.append(t("imp.report.reject_file", path=self.reject_file))
        if self.import_id:
            out.append(t("imp.report.import_id", id=self.import_id))
        return "\n".join(out)


class _Progress:
    """``cb(done, total)``; ``total`` is None while the file is first read (unknown length)."""

    def __init__(self, cb: Callable[[int, int | None], None] | None):
        self.cb, self.total, self.done = cb, None, 0

    def tick(self) -> None:
        self.done += 1
        if self.cb and self.done % PROGRESS_EVERY == 0:
            self.cb(self.done, self.total)

    def finish(self) -> None:
        if self.cb:
            self.cb(self.done, self.done)


def import_file(
    store: Store,
    actor: Actor,
    kind: str,
    path: str | Path,
    *,
    skip_bad: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    encoding: str | None = None,
) -> ImportReport:
    """Import one file of ``kind`` (workorders | customers | sales | events).

    ``progress(done, total)`` is called every ~500 steps; a step is one row checked, then
    one row written (so ``total``, known once the file has been checked, is twice the row
    count) and it ends at ``done == total``.
    """
    require(actor, "admin", "supervisor", store=store)
    with store.read() as s:
        acting(s, actor)
    if kind not in KINDS:
        raise ServiceError(t("imp.err.kind", kind=kind, kinds=", ".join(KINDS)))
    path = Path(path)
    resolve = _agent_resolver(store)
    prog = _Progress(progress)
    # Pass 1: read and check everything; no lock is held, nothing is kept but the bad rows.
    table = open_table(kind, path, encoding)
    b = table.binding
    checker = Checker(b, resolve)
    report = ImportReport(kind, path, ignored_columns=b.ignored)
    bad: list[Bad] = []
    events: dict[str, tuple[date | None, date]] = {}
    good = 0
    for line, raw in table.rows:
        prog.tick()
        report.total += 1
        r = checker.check(line, raw)
        if isinstance(r, Bad):
            bad.append(r)
        elif r is not None:
            good += 1
            if r.bad_phone:
                report.flagged_lines.append(line)
            if kind == "events":
                _fold_event(events, r)
    report.rejected = [(x.line, x.reason) for x in bad]
    if bad and not skip_bad:
        raise ImportRejected(path, report.rejected)
    prog.total = prog.done + report.total
    stamp = _stamp(path)
    if bad:  # before any write: a reject file that cannot be written stops the import here
        report.reject_file = _write_rejects(path, b.headers, bad)
    del bad
    if good:
        report.import_id = f"{store.now():%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
        # Pass 2: read the same file again and write it in short transactions.
        if _stamp(path) != stamp:
            raise ImportFileError(t("imp.err.changed", path=path))
        table2 = open_table(kind, path, encoding)
        writer = _Writer(store, actor, table2.binding, report, checker, events, prog.tick)
        again = Checker(table2.binding, resolve)
        chunk: list[Parsed] = []
        for line, raw in table2.rows:
            r = again.check(line, raw)
            if isinstance(r, Parsed):
                chunk.append(r)
                if len(chunk) >= CHUNK_ROWS:
                    writer.write(chunk)
                    chunk = []
                    time.sleep(YIELD_S)  # let waiting agents in
        writer.write(chunk)
        writer.finish()
        if writer.started:
            with store.write() as s:
                _audit_import(s, actor, store.now(), "import.done", report)
    prog.finish()
    if report.changed:
        _run_planner(store)
    return report


def _stamp(path: Path) -> tuple[int, int]:
    from ..core.checked_files import stamp

    return stamp(path)  # in the shared install, read by the person's own process


def _fold_event(events: dict, p: Parsed) -> None:
    """Per customer: earliest registration and latest event date (the planner reads them)."""
    name, d = p.values["customer"], p.values["occurred_on"]
    reg, last = events.get(name, (None, d))
    if p.values["kind"] == "registration":
        reg = d if reg is None else min(reg, d)
    events[name] = (reg, max(last, d))


def _audit_import(s: Session, actor: Actor, now: datetime, action: str, r: ImportReport) -> None:
    """``import.start`` goes in with the first chunk that changes something, ``import.done``
    after the last: an import that changes nothing leaves no audit rows."""
    after = {"import_id": r.import_id, "kind": r.kind, "file": str(r.path), "rows": r.total,
             "rejected": len(r.rejected)}
    if action == "import.done":
        after |= {"created": r.created, "updated": r.updated, "unchanged": r.unchanged,
                  "customers_created": r.customers_created, "contacts_created": r.contacts_created,
                  "flagged": len(r.flagged_lines)}
    audit(s, actor, now, action, "import", r.import_id, None, after)


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
    """Bad rows beside the input, cells as they were but with formulas defused (=, +, -, @)."""
    from ..core.checked_files import open_write

    out = path.with_name(f"{path.stem}.rejected.csv")
    # BOM: Excel opens it as UTF-8; safe_files: never a symlink or a file of the shared store
    with open_write(out, mode=0o640, text=True, encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([defuse_cell(h) for h in headers] + [t("imp.reject_column")])
        for x in bad:
            cells = [*x.raw, *[""] * (len(headers) - len(x.raw))][: len(headers)] + [x.reason]
            w.writerow([defuse_cell(c) for c in cells])
    return out


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


@dataclass
class _Known:
    """A record inserted by executemany in this chunk: only its id is needed."""

    id: int


class _Writer:
    """The write half of one import: each ``write(chunk)`` is one short transaction. Counts
    and the customers already counted live here, across chunks; database objects do not."""

    def __init__(self, store: Store, actor: Actor, b: Binding, report: ImportReport, checked: Checker,
                 events: dict, tick: Callable[[], None]):
        self.store, self.actor, self.b, self.r, self.tick = store, actor, b, report, tick
        self.checked, self.events = checked, events
        self.touched: set[str] = set()  # customers changed as a side effect (counted once)
        self.cust_new: set[str] = set()  # customer files: created / changed / seen customers
        self.cust_changed: set[str] = set()
        self.cust_seen: set[str] = set()
        self.started = False  # import.start written

    def write(self, good: list[Parsed]) -> None:
        if not good:
            return
        with self.store.write() as s:
            serialize(s, "import")  # PostgreSQL: customers are matched by name, then created
            self.s, self.now = s, self.store.now()
            self.created: list[SQLModel] = []
            self.updated: list[tuple[SQLModel, dict]] = []
            self.customers: dict[str, Customer] = {}
            self.new_rows: dict[type[SQLModel], list[dict]] = {}
            self.log: list[dict] = []
            getattr(self, f"_{self.b.kind}")(good)
            s.flush()  # ids for the audit of created records
            tag = {"import_id": self.r.import_id}
            for model, rows in self.new_rows.items():
                self._insert_rows(model, rows)
            log = self.log
            for obj in self.created:
                log.append(self._log("import.create", _ENTITY[obj.__class__], obj.id, None, snapshot(obj) | tag))
            for obj, before in self.updated:
                log.append(self._log("import.update", _ENTITY[obj.__class__], obj.id, before, snapshot(obj) | tag))
            if log and not self.started:
                self.started = True
                _audit_import(s, self.actor, self.now, "import.start", self.r)
            if log:
                s.execute(insert(AuditEntry.__table__), log)
        del self.s, self.created, self.updated, self.customers, self.new_rows, self.log

    def _log(self, action: str, entity: str, entity_id: object, before: dict | None, after: dict) -> dict:
        """One audit row (as ``base.audit`` writes it), for a Core executemany."""
        return {"at": self.now, "login": self.actor.login, "action": action, "entity": entity,
                "entity_id": str(entity_id), "before": json.dumps(before, ensure_ascii=False) if before else "",
                "after": json.dumps(after, ensure_ascii=False)}

    def finish(self) -> None:
        if self.b.kind == "customers":
            self.r.created = len(self.cust_new)
            self.r.updated = len(self.cust_changed - self.cust_new)
            self.r.unchanged = len(self.cust_seen - self.cust_changed - self.cust_new)

    # -- helpers ---------------------------------------------------------------------
    def _new(self, obj: SQLModel) -> SQLModel:
        self.s.add(obj)
        self.created.append(obj)
        return obj

    def _change(self, obj: SQLModel, values: dict) -> bool:
        before = _apply(obj, values)
        if before is None:
            return False
        if isinstance(obj, (Customer, WorkOrder, Sale, NonMemberEvent)):
            obj.updated_at = self.now  # the planner reads what changed since its last run
        self.updated.append((obj, before))
        return True

    def _load_customers(self, names: Iterable[str]) -> None:
        for part in chunked(set(names) - self.customers.keys(), _CHUNK):
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
            self.touched.add(name)
        elif self._change(c, {k: v for k, v in values.items() if v is not None}):
            if name not in self.touched:
                self.r.customers_updated += 1
            self.touched.add(name)
        return c

    def _record_customers(self, good: list[Parsed], member: bool) -> None:
        """The customers a work-order or sale file names: new ones inserted in one executemany
        (their ids are needed by the records), known ones re-assigned if the file says so."""
        self._load_customers(p.values["customer"] for p in good)
        new: list[dict] = []
        for name in dict.fromkeys(p.values["customer"] for p in good):
            agent = self.checked.customer_values(name).get("agent")
            if name in self.customers:
                self._customer(name, member, agent_login=agent)
            else:
                new.append({"name": name, "tier": "standard", "is_member": member, "created_at": self.now,
                            "updated_at": self.now, "agent_login": agent or None})
        if new:
            for row, cid in zip(new, self._insert_rows(Customer, new), strict=True):
                self.customers[row["name"]] = _Known(cid)
                self.touched.add(row["name"])
            self.r.customers_created += len(new)
        self.s.flush()

    def _insert_rows(self, model: type[SQLModel], rows: list[dict]) -> list[int]:
        """Insert new records with one executemany; their audit rows are logged with them."""
        t = model.__table__
        defaults = {c.name: c.default.arg for c in t.columns
                    if c.default is not None and not callable(c.default.arg) and c.name != "id"}
        keys = set(defaults).union(*rows)  # executemany: every row has the same keys
        rows = [{k: r[k] if k in r else defaults.get(k) for k in keys} for r in rows]
        ids = self.s.execute(insert(t).returning(t.c.id, sort_by_parameter_order=True), rows).scalars().all()
        tag = {"import_id": self.r.import_id}
        for i, r in zip(ids, rows, strict=True):
            self.log.append(self._log("import.create", _ENTITY[model], i, None, snapshot({"id": i, **r}) | tag))
        return ids

    def _upsert(self, existing: SQLModel | None, model: type[SQLModel], row: dict, values: dict) -> None:
        """Change ``existing``, or queue ``row`` (all columns) as a new record of ``model``:
        new records go in with one Core executemany per chunk (building ORM objects row by row
        costs ~1 ms each, which would stretch the transaction)."""
        self.tick()
        if existing is None:
            self.r.created += 1
            self.new_rows.setdefault(model, []).append(row)
            return
        if self._change(existing, values):
            self.r.updated += 1
        else:
            self.r.unchanged += 1

    def _contacts_of(self, cids: Iterable[int]) -> dict[tuple[int, str], Contact]:
        out: dict[tuple[int, str], Contact] = {}
        for part in chunked(set(cids), _CHUNK):
            for c in self.s.exec(select(Contact).where(Contact.customer_id.in_(part))):
                out[(c.customer_id, c.name)] = c
        self.with_contacts = {k[0] for k in out}
        return out

    def _contact(self, known: dict, cid: int, name: str, values: dict, update: bool, bad_phone: bool) -> str | None:
        """Create or (if ``update``) change a contact; returns "created"/"updated"/None.
        A number that cannot be dialled flags the contact; a new valid number clears the flag."""
        c = known.get((cid, name))
        if c is None:
            first = cid not in self.with_contacts  # a customer's first contact is its primary one
            self.with_contacts.add(cid)
            row = {"customer_id": cid, "name": name, "is_primary": first, "needs_correction": bad_phone, **values}
            if update:
                known[(cid, name)] = self._new(Contact(**row))
            else:  # never changed later in this chunk: one executemany with the others
                known[(cid, name)] = _Known(0)
                self.new_rows.setdefault(Contact, []).append(row)
            self.r.contacts_created += 1
            return "created"
        if not update:
            return None
        if values.get("phone") and values["phone"] != c.phone:
            values = {**values, "needs_correction": bad_phone}  # a corrected number clears the flag
        elif bad_phone and values.get("phone") and not c.needs_correction:
            values = {**values, "needs_correction": True}
        if self._change(c, values):
            self.r.contacts_updated += 1
            return "updated"
        return None

    # -- one method per kind ----------------------------------------------------------
    def _workorders(self, good: list[Parsed]) -> None:
        self._record_customers(good, member=True)
        existing: dict[str, WorkOrder] = {}
        for part in chunked((p.values["number"] for p in good), _CHUNK):
            for w in self.s.exec(select(WorkOrder).where(WorkOrder.number.in_(part))):
                existing[w.number] = w
        contacts = self._contacts_of(c.id for c in self.customers.values())
        for p in good:
            v = {k: p.values[k] for k in _WO_FIELDS if k in p.values}
            v["customer_id"] = cid = self.customers[p.values["customer"]].id
            num = p.values["number"]
            self._upsert(existing.get(num), WorkOrder, {"number": num, "updated_at": self.now, **v}, v)
            # A customer needs someone to call: add the work order's contact if it is new.
            if v.get("contact_name"):
                self._contact(contacts, cid, v["contact_name"], {"phone": v.get("contact_phone", "")}, False,
                              p.bad_phone)

    def _sales(self, good: list[Parsed]) -> None:
        self._record_customers(good, member=True)
        existing: dict[str, Sale] = {}
        for part in chunked((p.values["contract_no"] for p in good), _CHUNK):
            for x in self.s.exec(select(Sale).where(Sale.contract_no.in_(part))):
                existing[x.contract_no] = x
        for p in good:
            v = {k: (p.values[k] if p.values[k] is not None else _SALE_DEFAULTS[k])
                 for k in ("product", "quantity", "amount") if k in p.values}
            v |= {"customer_id": self.customers[p.values["customer"]].id, "sold_on": p.values["sold_on"]}
            no = p.values["contract_no"]
            self._upsert(existing.get(no), Sale, {"contract_no": no, "updated_at": self.now, **v}, v)

    def _events(self, good: list[Parsed]) -> None:
        self._load_customers(p.values["customer"] for p in good)
        # Registration and activity dates follow the events of the whole file (folded in pass 1).
        for name in dict.fromkeys(p.values["customer"] for p in good):
            reg, last = self.events[name]
            c = self.customers.get(name)
            self._customer(
                name, False,
                registered_on=reg if c is None or c.registered_on is None else None,
                last_activity_on=last if c is None or not c.last_activity_on or c.last_activity_on < last
                else None,
            )
        self.s.flush()
        existing: dict[tuple, NonMemberEvent] = {}
        for part in chunked((c.id for c in self.customers.values()), _CHUNK):
            for e in self.s.exec(select(NonMemberEvent).where(NonMemberEvent.customer_id.in_(part))):
                existing[(e.customer_id, e.kind, e.occurred_on)] = e
        for p in good:
            key = (self.customers[p.values["customer"]].id, p.values["kind"], p.values["occurred_on"])
            v = {"note": p.values.get("note", "")} if "note" in p.values else {}
            self._upsert(existing.get(key), NonMemberEvent,
                         {"customer_id": key[0], "kind": key[1], "occurred_on": key[2], "updated_at": self.now,
                          **v}, v)

    def _registrations(self, names: Iterable[str]) -> None:
        """A non-member whose 注册日期 falls within the planner's history window registered then
        (issue 22 §13): its 注册 event is recorded as an events file would (same key, so a 注册
        event for that date arriving later changes nothing), and the planner plans its 新注册回访
        from it (trigger ``reg:<date>``)."""
        from .calendar import load_policy

        horizon = self.now.date() - timedelta(days=load_policy(self.s).history_days)
        regs = {self.customers[n].id: self.customers[n].registered_on for n in names
                if not self.customers[n].is_member and self.customers[n].registered_on is not None
                and horizon <= self.customers[n].registered_on <= self.now.date()}
        if not regs:
            return
        known: set[tuple[int, date]] = set()
        for part in chunked(regs, _CHUNK):
            known.update(self.s.exec(select(NonMemberEvent.customer_id, NonMemberEvent.occurred_on).where(
                NonMemberEvent.customer_id.in_(part), NonMemberEvent.kind == "registration")).all())
        for cid, day in regs.items():
            if (cid, day) not in known:
                self.new_rows.setdefault(NonMemberEvent, []).append(
                    {"customer_id": cid, "kind": "registration", "occurred_on": day, "note": "",
                     "updated_at": self.now})

    def _customers(self, good: list[Parsed]) -> None:
        self._load_customers(p.values["customer"] for p in good)
        rows: dict[str, list[Parsed]] = {}
        for p in good:
            rows.setdefault(p.values["customer"], []).append(p)
        for name in rows:
            # Customer-level values: what the whole file states for this customer (rows agree).
            stated = self.checked.customer_values(name)
            v: dict[str, object] = {}
            for k in CUSTOMER_LEVEL:
                if self.b.present(k):
                    x = stated.get(k)
                    if k == "agent":
                        v["agent_login"] = x  # blank: the shared pool
                    elif x is not None:
                        v[k] = x
            c = self.customers.get(name)
            self.cust_seen.add(name)
            if c is None:
                self.cust_new.add(name)
                self.customers[name] = self._new(Customer(name=name, created_at=self.now, updated_at=self.now, **v))
            elif self._change(c, v):
                self.cust_changed.add(name)
        self.s.flush()
        self._registrations(rows)
        contacts = self._contacts_of(c.id for c in self.customers.values())
        for name, group in rows.items():
            cid = self.customers[name].id
            for p in group:
                self.tick()
                cname = p.values.get("contact_name")
                if cname:
                    cv = {k: p.values[k] for k in ("role", "phone", "email") if p.values.get(k)}
                    if self._contact(contacts, cid, cname, cv, True, p.bad_phone):
                        self.cust_changed.add(name)
