"""Import columns per kind (SPEC §5), header matching, per-field parsers and row checks.

Pure: no database. ``bind(kind, headers, path)`` maps the file's columns to fields (or
raises ``ImportFileError`` naming missing columns); ``parse(binding, rows, resolve_agent)``
turns rows into ``Parsed`` records plus ``Bad`` rows, including cross-row checks (one
natural key appearing twice with different content; customer-level values that differ
between rows of one customer).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from ..domain.dates import FIRST, LAST, in_range
from ..domain.limits import TEXT_MAX
from ..domain.phones import phone_ok
from ..core.i18n import t
from ..core.safe_text import ESCAPES
from .errors import FieldError, ImportFileError
from .readers import Value, as_text

KINDS = ("workorders", "customers", "sales", "events")
__all__ = ["FieldError", "ImportFileError", "KINDS", "SCHEMAS", "bind", "parse", "Checker"]


# -- parsers: (value, column header as written in the file) -> python value ----------------
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def p_text(v: Value, col: str) -> str:
    if isinstance(v, (date, datetime)):
        v = as_text([v])[0]
    # Escape sequences and control characters never belong in imported text (SPEC §6).
    return _CTRL.sub("", ESCAPES.sub("", v)).strip()


_DT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:时点]\s*(\d{1,2})\s*(?:[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?|分)?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# An Excel date saved as its serial number (days since 1899-12-30), e.g. 45413 = 2024-05-01.
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _datetime(v: Value, col: str, hint: str) -> datetime | None:
    if isinstance(v, datetime):
        d = v.replace(microsecond=0)
    elif isinstance(v, date):
        d = datetime(v.year, v.month, v.day)
    else:
        s = unicodedata.normalize("NFKC", v).strip()
        if not s:
            return None
        d = _parse_dt(s)
        if d is None:
            raise FieldError(t(hint, field=col, value=shown(v)))
    if not in_range(d):
        raise FieldError(t("imp.bad.date_range", field=col, value=shown(as_text([v])[0]),
                           first=FIRST.isoformat(), last=LAST.isoformat()))
    return d


def _parse_dt(s: str) -> datetime | None:
    if _SERIAL.match(s):
        return (_EXCEL_EPOCH + timedelta(days=float(s))).replace(microsecond=0)
    m = _DT.match(s) or _COMPACT.match(s)
    try:
        if m:
            return datetime(*[int(x) if x else 0 for x in m.groups()])
    except ValueError:
        pass
    return None


def shown(v: object, limit: int = 60) -> str:
    """A cell value as it may appear inside a message: control characters made visible and
    long values cut (the message is one line; the cell may be 10 kB)."""
    from ..core.safe_text import visible

    text = visible(str(v))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def p_date(v: Value, col: str) -> date | None:
    d = _datetime(v, col, "imp.bad.date")
    return d.date() if d else None


def p_datetime(v: Value, col: str) -> datetime | None:
    return _datetime(v, col, "imp.bad.datetime")


def _key(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip().lower()


def choice(mapping: dict[str, str], default: str | None) -> Callable[[Value, str], str | None]:
    """Chinese labels and the English codes (any case) -> code; blank -> ``default``."""
    table = {_key(k): c for k, c in mapping.items()} | {c: c for c in mapping.values()}

    def parse(v: Value, col: str) -> str | None:
        s = _key(p_text(v, col))
        if not s:
            return default
        if s in table:
            return table[s]
        labels = " / ".join(f"{k}（{c}）" for k, c in mapping.items())
        raise FieldError(t("imp.bad.choice", field=col, value=shown(v), choices=labels))

    return parse


_BOOL = {"是": True, "否": False, "会员": True, "非会员": False, "y": True, "n": False,
         "yes": True, "no": False, "true": True, "false": False, "1": True, "0": False}


def p_bool(v: Value, col: str) -> bool | None:
    s = _key(p_text(v, col))
    if not s:
        return None
    if s in _BOOL:
        return _BOOL[s]
    raise FieldError(t("imp.bad.bool", field=col, value=shown(v)))


def p_int(v: Value, col: str) -> int | None:
    s = _key(p_text(v, col)).replace(",", "")
    if not s:
        return None
    try:
        d = Decimal(s)
        if d == d.to_integral_value() and d >= 0:
            return int(d)
    except InvalidOperation:
        pass
    raise FieldError(t("imp.bad.int", field=col, value=shown(v)))


def p_amount(v: Value, col: str) -> Decimal | None:
    s = re.sub(r"[,\s¥$元]|rmb|cny", "", _key(p_text(v, col)))
    if not s:
        return None
    try:
        d = Decimal(s)
        if d.is_finite() and d >= 0:
            return d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        pass
    raise FieldError(t("imp.bad.amount", field=col, value=shown(v)))


def p_email(v: Value, col: str) -> str:
    s = p_text(v, col)
    if s and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", s):
        raise FieldError(t("imp.bad.email", field=col, value=shown(v)))
    return s


# -- columns ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the seed's Chinese header
    aliases: tuple[str, ...] = ()
    parse: Callable[[Value, str], object] = p_text
    required: bool = False  # the header must be present and the cell non-blank
    max_len: int = 200  # characters, after trimming


# Text length limits per field (characters); fields not listed: 200.
MAX_LEN = {"number": 50, "contract_no": 50, "customer": 100, "contact_name": 50, "contact_phone": 40,
           "phone": 40, "role": 50, "email": 100, "region": 50, "owner": 50, "status": 50,
           "description": TEXT_MAX, "solution": TEXT_MAX, "note": TEXT_MAX}
# Phone columns: a number that cannot be dialled flags the contact instead of failing the row.
PHONE_FIELDS = ("contact_phone", "phone")


def col(key: str, header: str, aliases: str = "", parse=p_text, required: bool = False) -> Column:
    return Column(key, header, tuple(aliases.split()), parse, required, MAX_LEN.get(key, 200))


PRIORITY = choice({"紧急": "urgent", "一般": "normal", "低": "low"}, "normal")
SERVICE = choice({"安装": "install", "调试": "commission", "维修": "repair", "咨询": "consult"}, None)
TIER = choice({"普通": "standard", "重要": "key", "大客户": "major", "特大型客户": "strategic"}, None)
EVENT = choice({"注册": "registration", "活动": "activity", "咨询": "inquiry"}, None)

CUSTOMER = col("customer", "客户名称", "客户 customer customer_name client", required=True)
AGENT = col("agent", "回访员", "回访专员 agent agent_login callback_agent")

SCHEMAS: dict[str, tuple[Column, ...]] = {
    "workorders": (
        col("number", "工单编号", "工单号 服务任务单号 work_order work_order_no wo_no order_no number", required=True),
        CUSTOMER,
        col("contact_name", "联系人", "contact contact_name"),
        col("contact_phone", "联系方式", "联系电话 电话 phone contact_phone tel"),
        col("product", "产品/服务名称", "产品服务名称 产品 产品名称 服务名称 product service"),
        col("description", "问题描述", "description problem issue"),
        col("priority", "优先级", "priority", PRIORITY),
        col("group_name", "处理组", "group group_name team"),
        col("owner", "责任人", "owner responsible assignee"),
        col("accepted_at", "受理时间", "accepted_at accepted received_at", p_datetime),
        col("planned_completion", "预计完成时间", "planned_completion planned_at planned", p_datetime),
        col("actual_completion", "实际完成时间", "actual_completion completed_at completed", p_datetime),
        col("feedback_at", "完工反馈时间", "feedback_at completion_reported_at", p_datetime),
        col("solution", "解决方案", "solution"),
        col("customer_confirmed", "客户确认", "customer_confirmed confirmation confirmed"),
        col("status", "状态", "status"),
        col("service_type", "服务类型", "service_type type", SERVICE),
        col("contract_no", "合同号", "合同编号 contract contract_no"),
        AGENT,
    ),
    "customers": (
        CUSTOMER,
        col("tier", "客户等级", "等级 tier level", TIER),
        col("is_member", "是否会员", "会员 member is_member", p_bool),
        col("registered_on", "注册日期", "registered_on registration_date registered", p_date),
        col("last_activity_on", "最近活跃日期", "last_activity_on last_activity last_active", p_date),
        col("region", "地区", "区域 region area"),
        AGENT,
        col("contact_name", "联系人", "contact contact_name"),
        col("role", "职务", "职位 position title role"),
        col("phone", "联系电话", "电话 手机 联系方式 phone tel mobile"),
        col("email", "邮箱", "电子邮箱 邮件 email mail", p_email),
    ),
    "sales": (
        col("contract_no", "合同号", "合同编号 contract contract_no", required=True),
        CUSTOMER,
        col("product", "产品", "产品名称 product"),
        col("sold_on", "销售日期", "sale_date sold_on date", p_date, required=True),
        col("quantity", "数量", "quantity qty", p_int),
        col("amount", "金额", "amount total", p_amount),
    ),
    "events": (
        CUSTOMER,
        col("kind", "事件类型", "类型 event_type type kind event", EVENT, required=True),
        col("occurred_on", "日期", "event_date occurred_on date", p_date, required=True),
        col("note", "说明", "备注 note remark description"),
    ),
}
# Customer-level fields: rows of one customer must agree on them (blank = not stated).
CUSTOMER_LEVEL = ("tier", "is_member", "registered_on", "last_activity_on", "region", "agent")


def norm_header(h: str) -> str:
    """Case-, width-, space- and underscore-insensitive; drops ``(…)`` notes and ``*`` marks."""
    s = unicodedata.normalize("NFKC", h or "").lower()
    s = re.sub(r"\(.*?\)|\[.*?\]", "", s)
    return re.sub(r"[\s_\-*:]", "", s)


@dataclass
class Binding:
    kind: str
    path: Path
    headers: list[str]
    columns: dict[int, Column]  # file column index -> field
    ignored: list[str]

    def present(self, key: str) -> bool:
        return any(c.key == key for c in self.columns.values())

    def header_of(self, key: str) -> str:
        return next(self.headers[i] for i, c in self.columns.items() if c.key == key)


def accepted_names(kind: str) -> str:
    return "\n".join(f"  {'*' if c.required else ' '} {c.header}: {' / '.join((c.header,) + c.aliases)}"
                     for c in SCHEMAS[kind])


def _typo_hints(missing: list[Column], ignored: list[str]) -> str:
    """'Did you mean' lines: an unknown header that is close to a missing column's name."""
    import difflib

    lines = []
    for c in missing:
        names = {norm_header(n): n for n in (c.header, *c.aliases)}
        for h in ignored:
            if difflib.get_close_matches(norm_header(h), names, n=1, cutoff=0.6):
                lines.append(t("imp.err.typo", header=shown(h, 30), field=c.header))
                break
    return "".join("\n" + x for x in lines)


def bind(kind: str, headers: list[str], path: Path) -> Binding:
    if kind not in SCHEMAS:
        raise ImportFileError(t("imp.err.kind", kind=kind, kinds=", ".join(KINDS)))
    lookup = {norm_header(n): c for c in SCHEMAS[kind] for n in (c.header, *c.aliases)}
    columns: dict[int, Column] = {}
    ignored: list[str] = []
    for i, h in enumerate(headers):
        c = lookup.get(norm_header(h))
        if c is None:
            if h.strip():
                ignored.append(shown(h.strip(), 40))
            continue
        dup = next((j for j, d in columns.items() if d is c), None)
        if dup is not None:
            raise ImportFileError(t("imp.err.dup_column", path=path, a=shown(headers[dup], 40), b=shown(h, 40),
                                    field=c.header))
        columns[i] = c
    missing = [c for c in SCHEMAS[kind] if c.required and c not in columns.values()]
    if missing:
        hints = _typo_hints(missing, ignored)
        raise ImportFileError(
            t("imp.err.missing", path=path, missing="、".join(c.header for c in missing),
              accepted=accepted_names(kind)) + hints
        )
    return Binding(kind, path, headers, columns, ignored)


# -- rows ------------------------------------------------------------------------------
@dataclass
class Parsed:
    line: int
    values: dict[str, object]  # only the columns present in the file
    bad_phone: bool = False  # a phone column holds a number that cannot be dialled


@dataclass
class Bad:
    line: int
    reason: str  # full message, with the line number
    raw: list[str] = field(default_factory=list)


def row_error(line: int, msg: str) -> str:
    return t("imp.row", line=line, msg=msg)


class Checker:
    """Checks rows one at a time, remembering only what cross-row checks need (a natural
    key's first line and a fingerprint of its values; each customer's customer-level
    values), so a 100,000-row file is checked in little memory. Run over the same rows
    twice, it gives the same answers: the import checks the file once, then re-reads it
    to write."""

    def __init__(self, b: Binding, resolve_agent: Callable[[str], str | None]):
        self.b, self.resolve_agent = b, resolve_agent
        self.seen_key: dict[object, tuple[int, int]] = {}
        # customer -> (stated customer-level values, line where each was first stated)
        self.seen_cust: dict[str, tuple[dict[str, object], dict[str, int]]] = {}
        self.level = CUSTOMER_LEVEL if b.kind == "customers" else ("agent",)
        self.names = {i: shown(h, 40) for i, h in enumerate(b.headers)}  # headers as messages show them

    def customer_values(self, name: str) -> dict[str, object]:
        """The customer-level values the file states for ``name`` (blank ones absent)."""
        return self.seen_cust.get(name, ({}, {}))[0]

    def check(self, line: int, raw: list[Value]) -> Parsed | Bad | None:
        """A good row, a bad one, or None for an exact repeat of an earlier row."""
        b = self.b
        vals: dict[str, object] = {}
        errs: list[str] = []
        bad_phone = False
        for i, c in b.columns.items():
            cell = raw[i] if i < len(raw) else ""
            try:
                name = self.names[i]
                v = c.parse(cell, name)
                if c.required and v in (None, ""):
                    raise FieldError(t("imp.bad.required", field=name))
                if isinstance(v, str) and len(v) > c.max_len:
                    raise FieldError(t("imp.bad.too_long", field=name, length=len(v), max=c.max_len))
                if c.key == "agent" and v:
                    login = self.resolve_agent(v)
                    if login is None:
                        raise FieldError(t("imp.bad.agent", field=name, value=shown(v)))
                    v = login
                if c.key in PHONE_FIELDS and v and not phone_ok(v):
                    bad_phone = True
                vals[c.key] = v
            except FieldError as e:
                errs.append(str(e))
        repeat = False
        if not errs:
            errs, repeat = self._cross_check(line, vals)
        if errs:
            return Bad(line, row_error(line, "；".join(errs)), as_text(raw))
        if repeat:  # an exact repeat of an earlier row adds nothing
            return None
        return Parsed(line, vals, bad_phone)

    def _cross_check(self, line: int, vals: dict) -> tuple[list[str], bool]:
        b = self.b
        errs: list[str] = []
        key = natural_key(b.kind, vals)
        own = _fingerprint(_own(b.kind, vals))
        first = self.seen_key.get(key)
        if first is not None and first[1] != own:
            label = "、".join(shown(b.header_of(k), 40) for k in _key_fields(b.kind) if b.present(k))
            text = " / ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)) if k != "")
            errs.append(t("imp.bad.duplicate", columns=label, value=shown(text), other=first[0]))
        # Customer-level values must agree between rows of one customer (blank = not stated).
        stated, where = self.seen_cust.setdefault(vals["customer"], ({}, {}))
        for k in self.level:
            v = vals.get(k)
            if v in (None, ""):
                continue
            if k in stated and stated[k] != v:
                errs.append(t("imp.bad.conflict", field=shown(b.header_of(k), 40), a=shown(_show(stated[k])),
                              b=shown(_show(v)), other=where[k]))
        if errs:
            return errs, False
        for k in self.level:
            if vals.get(k) not in (None, "") and k not in stated:
                stated[k], where[k] = vals[k], line
        if first is None:
            self.seen_key[key] = (line, own)
            return errs, False
        # Same key, same own values: a customer row may still state customer-level values.
        return errs, b.kind != "customers"


def parse(
    b: Binding,
    rows: Iterable[tuple[int, list[Value]]],
    resolve_agent: Callable[[str], str | None],
    tick: Callable[[], None] | None = None,
) -> tuple[list[Parsed], list[Bad]]:
    """Parse and check every row into lists (small files and tests; imports stream)."""
    good: list[Parsed] = []
    bad: list[Bad] = []
    checker = Checker(b, resolve_agent)
    for line, raw in rows:
        if tick:
            tick()
        r = checker.check(line, raw)
        if isinstance(r, Bad):
            bad.append(r)
        elif r is not None:
            good.append(r)
    return good, bad


def _fingerprint(values: dict) -> int:
    return hash(tuple(sorted((k, repr(v)) for k, v in values.items())))


def natural_key(kind: str, v: dict[str, object]) -> object:
    if kind == "workorders":
        return v["number"]
    if kind == "sales":
        return v["contract_no"]
    if kind == "events":
        return (v["customer"], v["kind"], v["occurred_on"])
    return (v["customer"], v.get("contact_name") or "")


def _own(kind: str, v: dict) -> dict:
    """The values a repeated natural key must agree on (customer rows: the contact's)."""
    return {k: x for k, x in v.items() if k not in CUSTOMER_LEVEL} if kind == "customers" else v


def _key_fields(kind: str) -> tuple[str, ...]:
    return {"workorders": ("number",), "sales": ("contract_no",), "events": ("customer", "kind", "occurred_on"),
            "customers": ("customer", "contact_name")}[kind]


def _show(v: object) -> str:
    if isinstance(v, bool):
        return t("imp.yes") if v else t("imp.no")
    return str(v)
