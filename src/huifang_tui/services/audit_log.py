"""The audit log as supervisors read it: newest first, phones masked, refusals in their words.

SPEC §6. Read only — nothing in the app edits or deletes audit entries; a refusal's message code
is shown in the reader's language.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from ..core.i18n import t
from ..domain.masking import mask_text
from ..store.models import AuditEntry, Callback, Contact, Customer, Issue, SupervisorRequest, User
from ..core.identity import SYSTEM
from .base import Actor, Store, require


@dataclass(frozen=True)
class Change:
    """One field of an audit row in words: its label, the value before and after (\"\" where a
    side has none: a row created, or removed)."""

    label: str
    before: str
    after: str
    created: bool = False  # the row was made: no before side at all

    def text(self) -> str:
        """"field: before → after" (a new row: "field: value")."""
        if self.created:
            return t("auditlog.change_new", field=self.label, value=self.after)
        return t("auditlog.change", field=self.label, before=self.before or EMPTY,
                 after=self.after or EMPTY)


EMPTY = "—"


@dataclass
class AuditRow:
    at: datetime
    login: str
    action: str
    entity: str
    entity_id: str
    before: str
    after: str
    # the words the audit log shows (issue 25 item 16): who by name, the action in words, the
    # entity by its name or number, and the change field by field
    who: str = ""
    action_text: str = ""
    subject: str = ""
    changes: list[Change] = field(default_factory=list)

    @property
    def change_text(self) -> str:
        """The changes on one line ("status: open → completed; agent: …")."""
        return t("auditlog.sep").join(c.text() for c in self.changes)

    def as_json(self) -> dict:
        return {"at": self.at.isoformat(timespec="seconds"), "login": self.login, "action": self.action,
                "entity": self.entity, "entity_id": self.entity_id,
                "before": _json_or_text(self.before), "after": _json_or_text(self.after)}


def _json_or_text(text: str):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


# one rule for free text (``domain.masking.mask_text``): phones masked, ISO dates kept readable
_mask_snapshot = mask_text


def audit_log(store: Store, actor: Actor, *, since: datetime | None = None, until: datetime | None = None,
              login: str | None = None, action: str | None = None, customer: str | None = None,
              limit: int = 500) -> list[AuditRow]:
    """The audit log, newest first, phones masked (supervisors and admins; read only — nothing
    in the app edits or deletes audit entries)."""
    require(actor, "supervisor", store=store, what="audit")
    with store.read() as s:
        q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        if since is not None:
            q = q.where(AuditEntry.at >= since)
        if until is not None:
            q = q.where(AuditEntry.at <= until)
        if login:
            q = q.where(AuditEntry.login == login)
        if action:
            q = q.where(AuditEntry.action.like(f"{action}%"))
        if customer:
            cids = list(s.exec(select(Customer.id).where(Customer.name.like(f"%{customer}%"))))
            numbers = list(s.exec(select(Callback.number).where(Callback.customer_id.in_(cids)))) if cids else []
            issues = list(s.exec(select(Issue.number).where(Issue.customer_id.in_(cids)))) if cids else []
            q = q.where(or_(
                and_(AuditEntry.entity == "customer", AuditEntry.entity_id.in_([str(c) for c in cids])),
                and_(AuditEntry.entity == "callback", AuditEntry.entity_id.in_(numbers)),
                and_(AuditEntry.entity == "issue", AuditEntry.entity_id.in_(issues)),
            ))
        rows = list(s.exec(q))
        counted = _refusal_counts(s, rows)
        out = [AuditRow(r.at, r.login, r.action, r.entity, r.entity_id, _mask_snapshot(audit_words(r.before)),
                        _mask_snapshot(audit_words(counted.get(r.id, r.after))))
               for r in rows]
        _in_words(s, out)
    return out


# -- the rows in words (issue 25 item 16) ------------------------------------------------------

# the fields people read in a value's own words: field → the catalog prefix of its values
_VALUE_WORDS = {"status": "cbstate", "outcome": "outcome", "kind": "kind", "role": "role", "tier": "tier",
                "category": "issue.category", "priority": "issue.priority", "state": "report.month_state"}
_ISSUE_VALUE_WORDS = {"status": "ledger.status"}
# a request to a supervisor: its state and kind in the request's own words
_REQUEST_VALUE_WORDS = {"state": "requests.mark", "kind": "auditlog.request_kind"}
# a notification taken back (issue 26): its kind and state in the outbox's own words
_NOTIFICATION_VALUE_WORDS = {"kind": "notify.kind", "state": "notifysend.state"}
_ENTITY_VALUE_WORDS = {"issue": _ISSUE_VALUE_WORDS, "request": _REQUEST_VALUE_WORDS,
                       "notification": _NOTIFICATION_VALUE_WORDS}
# fields that name a person by login: shown by name ("by": whose call a supervisor recorded)
_PEOPLE = {"login", "agent_login", "owner_login", "raised_by", "claimed_by", "approved_by", "amended_by", "agent",
           "requested_by", "decided_by", "by", "drawn_by", "marked_by"}
# the audit rows whose entity id is a count: a planner run's callbacks
_COUNTED = {"plan.create", "plan.cancel", "plan.reopen", "alert.stale"}
# fields every row of a table carries that say nothing of the change
_QUIET = {"id", "version", "created_at", "updated_at", "name_initials", "claim_pid", "claim_host",
          "customer_id", "callback_id", "work_order_id"}  # the row's subject names the customer
_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?$")


def action_words(code: str) -> str:
    """An audit action code in the reader's words ("callback.reassign" → 转派回访); a code the
    catalog does not know is shown as it is."""
    kind, _, rest = code.partition(".")
    if kind == "callback" and rest in _OUTCOME_CODES:
        return t("auditlog.action_outcome", outcome=t(f"outcome.{rest}"))
    if kind == "issue" and rest in _ISSUE_CODES:
        return t("auditlog.action_issue", action=t(f"ledger.action.{rest}"))
    key = "auditlog.action." + code.replace(".", "_")
    return t(key) if _known(key) else code


def _known(key: str) -> bool:
    from ..core.i18n import DEFAULT, catalog

    return key in catalog(DEFAULT)


def _codes() -> tuple[frozenset[str], frozenset[str]]:
    from ..domain.issues import ACTIONS
    from ..domain.outcomes import OUTCOMES

    return frozenset(OUTCOMES), frozenset(ACTIONS)


_OUTCOME_CODES, _ISSUE_CODES = _codes()


def _value(name: str, value: object, entity: str, names: dict[str, str]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return t("auditlog.yes") if value else t("auditlog.no")
    if name == "level" and isinstance(value, int):
        from ..domain.issues import LEVELS

        return t(f"ledger.level.{LEVELS[value]}") if 0 <= value < len(LEVELS) else str(value)
    if isinstance(value, str):
        if name in _PEOPLE and not (entity == "user" and name == "login"):
            return names.get(value, value)
        if entity == "notification" and name == "ref":
            return ref_words(value, names)
        m = _ISO_TIME.match(value)
        if m:  # a moment as people write it: no "T", seconds only when they are not :00
            return f"{m.group(1)} {m.group(2)}" + (m.group(3) if m.group(3) and m.group(3) != ":00" else "")
        words = _ENTITY_VALUE_WORDS.get(entity, {}).get(name) or _VALUE_WORDS.get(name)
        if words and _known(f"{words}.{value}"):
            return t(f"{words}.{value}")
        return value
    if isinstance(value, list):
        return t("auditlog.list_sep").join(_value(name, v, entity, names) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


_MONTH_REF = re.compile(r"^month:(\d{4}-\d{2})(?::v(\d+))?$")


def ref_words(ref: str, names: dict[str, str] | None = None) -> str:  # noqa: PLR0911
    """What a notification's ref names, in the outbox's words (issue 26): ``request:2`` → 请示 #2,
    ``cb:HF…`` → 回访 HF…, ``issue:WT…:escalation:1:ack`` → 问题 WT… 的升级（未按时受理）,
    ``month:2026-10:v2`` → 2026-10 汇总表第 2 版. A ref of another shape is shown as it is."""
    parts = ref.split(":")
    head, rest = parts[0], parts[1:]
    if head == "issue" and rest and rest[0]:
        if len(rest) == 1:
            return t("notify.ref.issue", number=rest[0])
        if len(rest) == 4 and rest[1] == "escalation" and _known(f"notify.msg.reason_{rest[3]}"):
            return t("notify.ref.escalation", number=rest[0], reason=t(f"notify.msg.reason_{rest[3]}"))
        if rest[1] == "escalation":
            return t("notify.ref.escalation_event", number=rest[0])
    if head == "cb" and rest and rest[0]:
        if len(rest) == 1:
            return t("notify.ref.callback", number=rest[0])
        if rest[1:] == ["unreachable"]:
            return t("notify.ref.unreachable", number=rest[0])
    if head in ("request", "notification") and len(rest) == 1 and rest[0].isdigit():
        return t(f"notify.ref.{head}", id=rest[0])
    if head == "dayclose" and len(rest) == 2:
        return t("notify.ref.day_close", name=(names or {}).get(rest[0], rest[0]), day=rest[1])
    if head == "stale" and len(rest) == 2:
        return t("notify.ref.stale", since=rest[0], until=rest[1])
    m = _MONTH_REF.match(ref)
    if m:
        return t("notify.ref.month_version", month=m.group(1), version=m.group(2)) if m.group(2) \
            else t("notify.ref.month", month=m.group(1))
    return ref


def _label(name: str) -> str:
    key = f"auditlog.field.{name}"
    return t(key) if _known(key) else name


def _changes(r: AuditRow, names: dict[str, str]) -> list[Change]:
    before, after = _json_or_text(r.before), _json_or_text(r.after)
    if not isinstance(before, dict) and not isinstance(after, dict):
        text = str(after or before or "")
        return [Change(t("auditlog.field.text"), "", text, created=True)] if text else []
    before = before if isinstance(before, dict) else None
    after = after if isinstance(after, dict) else None
    keys = list(dict.fromkeys([*(before or {}), *(after or {})]))
    out = []
    for k in keys:
        if k in _QUIET:
            continue
        b = _value(k, (before or {}).get(k), r.entity, names)
        a = _value(k, (after or {}).get(k), r.entity, names)
        if before is not None and after is not None and b == a:
            continue  # a key field carried on both sides (number, login), unchanged
        if k == "number" and (a or b) == r.entity_id:
            continue  # the subject names it
        if before is None and not a:
            continue  # a new row's empty fields
        label = _label("replaced_by" if (r.action, k) == ("callback.cancel", "by") else k)  # the record that replaced it
        out.append(Change(label, b, a, created=before is None))
    return out


def _in_words(s, rows: list[AuditRow]) -> None:  # noqa: ANN001
    """Fill each row's words: the person by name, the action, the entity by name or number (a
    callback or issue with its customer's name), the change field by field."""
    names = {login: name for login, name in s.exec(select(User.login, User.name))}
    numbers = {r.entity_id for r in rows if r.entity == "callback"}
    issues = {r.entity_id for r in rows if r.entity == "issue"}
    requests = {int(r.entity_id) for r in rows if r.entity == "request" and r.entity_id.isdigit()}
    customers = {int(r.entity_id) for r in rows if r.entity == "customer" and r.entity_id.isdigit()}
    contacts = {int(r.entity_id) for r in rows if r.entity == "contact" and r.entity_id.isdigit()}
    of_callback, of_issue, customer_name, contact_name = {}, {}, {}, {}
    for chunk in _chunks(sorted(numbers)):
        of_callback.update(s.exec(select(Callback.number, Customer.name).join(Customer, Customer.id == Callback.customer_id)
                                  .where(Callback.number.in_(chunk))).all())
    for chunk in _chunks(sorted(issues)):
        of_issue.update(s.exec(select(Issue.number, Customer.name).join(Customer, Customer.id == Issue.customer_id)
                               .where(Issue.number.in_(chunk))).all())
    of_request = {}
    for chunk in _chunks(sorted(requests)):
        for rid, number, customer in s.exec(
                select(SupervisorRequest.id, SupervisorRequest.number, Customer.name)
                .join(Callback, Callback.id == SupervisorRequest.callback_id)
                .join(Customer, Customer.id == Callback.customer_id).where(SupervisorRequest.id.in_(chunk))):
            of_request[str(rid)] = t("auditlog.subject.request", id=rid, number=number, customer=customer)
    for chunk in _chunks(sorted(customers)):
        customer_name.update(s.exec(select(Customer.id, Customer.name).where(Customer.id.in_(chunk))).all())
    for chunk in _chunks(sorted(contacts)):
        for cid, name, customer in s.exec(select(Contact.id, Contact.name, Customer.name)
                                          .join(Customer, Customer.id == Contact.customer_id).where(Contact.id.in_(chunk))):
            contact_name[cid] = t("auditlog.subject.contact", name=name, customer=customer)
    names.setdefault(SYSTEM.login, t("auditlog.system"))
    for r in rows:
        r.who = names.get(r.login, r.login)
        r.action_text = action_words(r.action)
        r.subject = _subject(r, names, of_callback, of_issue, customer_name, contact_name, of_request)
        r.changes = _changes(r, names)


def _chunks(items: list, n: int = 400):  # noqa: ANN202
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _subject(r: AuditRow, names: dict, of_callback: dict, of_issue: dict, customer_name: dict,  # noqa: PLR0911
             contact_name: dict, of_request: dict) -> str:
    e, i = r.entity, r.entity_id
    if r.action in _COUNTED and i.isdigit():  # one row for a planner run: how many callbacks
        return t("auditlog.subject.planned", n=i)
    if e == "request":
        return of_request.get(i) or t("auditlog.subject.request_gone", id=i)
    if e == "report" and i:
        return t("auditlog.subject.report", month=i)
    if e == "database" and i == "demo":
        return t("auditlog.subject.demo")
    if e == "callback" and i in of_callback:
        return t("auditlog.subject.numbered", number=i, customer=of_callback[i])
    if e == "issue" and i in of_issue:
        return t("auditlog.subject.numbered", number=i, customer=of_issue[i])
    if e == "customer" and i.isdigit() and int(i) in customer_name:
        return customer_name[int(i)]
    if e == "contact" and i.isdigit() and int(i) in contact_name:
        return contact_name[int(i)]
    if e == "user" and i:
        return t("auditlog.subject.user", name=names.get(i, i))
    if e == "day_close" and ":" in i:
        login, _, day = i.partition(":")
        return t("auditlog.subject.day_close", name=names.get(login, login), day=day)
    if e == "setting" and _known(f"auditlog.setting.{i}"):
        return t(f"auditlog.setting.{i}")
    key = f"auditlog.entity.{e}"
    word = t(key) if _known(key) else e
    return f"{word} {i}".strip() if i and i != "*" else word


def audit_words(snapshot: str) -> str:
    """An audit row's before/after with the system's message codes (a refusal's reason) in the
    reader's language; everything else as stored (issue 22 item 9)."""
    if not snapshot or '"code"' not in snapshot:
        return snapshot
    from ..core.i18n import is_code, render

    try:
        data = json.loads(snapshot)
    except ValueError:
        return snapshot
    if not isinstance(data, dict):
        return snapshot
    out = {k: render(v["code"], v.get("params")) if is_code(v) else v for k, v in data.items()}
    return json.dumps(out, ensure_ascii=False)


def _refusal_counts(s: Session, rows: list[AuditEntry]) -> dict[int, str]:
    """A ``refused.more`` row's ``after`` with ``count``: how many refusals of that login and action
    it stands for in its minute, beyond the first ``REFUSALS_KEPT`` (read from its counter)."""
    from ..domain.limits import REFUSALS_KEPT
    from ..store.models import Counter
    from .base import REFUSED_MORE

    more = {}
    for r in rows:
        if r.action == REFUSED_MORE:
            try:
                more[r.id] = json.loads(r.after)
            except ValueError:
                continue
    keys = [d.get("counter") for d in more.values() if isinstance(d, dict) and d.get("counter")]
    if not keys:
        return {}
    totals = dict(s.exec(select(Counter.key, Counter.value).where(Counter.key.in_(keys))).all())
    out = {}
    for rid, d in more.items():
        key = d.pop("counter", None)
        d["count"] = max(1, totals.get(key, REFUSALS_KEPT + 1) - REFUSALS_KEPT)
        out[rid] = json.dumps(d, ensure_ascii=False)
    return out

