"""Scheduling parameters of SPEC §3 with their defaults (see data/policy.toml for seed refs).

``Policy.from_mapping`` takes the nested dict of the TOML file (parsed outside the domain);
missing keys keep their defaults, unknown keys or wrong types raise ``PolicyError``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import time, timedelta
from types import MappingProxyType
from typing import Any

from .words import ISSUE_PRIORITIES

KINDS: tuple[str, ...] = (
    "progress_check", "completion", "usage", "first_sale", "quarterly", "onsite",
    "annual_visit", "low_score", "nm_new", "nm_inactive", "nm_event",
)
TIERS: tuple[str, ...] = ("standard", "key", "major", "strategic")
SERVICE_TYPES: tuple[str, ...] = ("install", "commission", "repair", "consult")
_CYCLE_MONTHS = (0, 1, 2, 3, 4, 6, 12)  # must divide a year; 0 = no on-site cycle


class PolicyError(ValueError):
    """A policy file value is unknown or malformed; the message names the key."""


_SPAN_RE = re.compile(r"^\s*(\d+)\s*(wd|h|d)\s*$")


@dataclass(frozen=True, slots=True)
class Span:
    """A duration in hours (``h``), calendar days (``d``) or working days (``wd``)."""

    amount: int
    unit: str

    @classmethod
    def parse(cls, text: str) -> Span:
        m = _SPAN_RE.match(text)
        if not m:
            raise ValueError(f"not a duration like '2h', '3wd' or '7d': {text!r}")
        return cls(int(m.group(1)), m.group(2))

    def as_timedelta(self) -> timedelta:
        if self.unit == "wd":
            raise ValueError("a working-day span has no fixed length")
        return timedelta(hours=self.amount) if self.unit == "h" else timedelta(days=self.amount)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@dataclass(frozen=True, slots=True)
class IssueRule:
    """Deadlines of one issue priority (SPEC §3 issue table; 001 六, 003 二)."""

    ack: Span
    solve: Span
    update: Span


def _ro(d: dict) -> Mapping:
    return MappingProxyType(d)


_DEFAULT_ISSUES = {
    "urgent": IssueRule(Span(2, "h"), Span(1, "wd"), Span(24, "h")),
    "normal": IssueRule(Span(24, "h"), Span(3, "wd"), Span(24, "h")),
    "low": IssueRule(Span(3, "wd"), Span(5, "wd"), Span(7, "d")),
}
_DEFAULT_PRIORITY = {  # lower = earlier in the queue; 0 is the "follow-up first" band (SPEC §4)
    "low_score": 0, "progress_check": 1, "completion": 2, "nm_new": 3, "nm_event": 3,
    "first_sale": 4, "onsite": 4, "usage": 5, "quarterly": 5, "nm_inactive": 6,
    "annual_visit": 6,
}


@dataclass(frozen=True)
class Policy:
    """Every SPEC §3 parameter; defaults are the SPEC values."""

    progress_check_deadline_wd: int = 1
    completion_deadline_wd: int = 3
    usage_due_months: int = 2
    usage_deadline_months: int = 3
    usage_service_types: tuple[str, ...] = ("install", "commission", "repair")
    first_sale_deadline_months: int = 1
    quarterly_months: int = 3
    quarterly_deadline_months: int = 1
    onsite_cycle_months: Mapping[str, int] = field(
        default_factory=lambda: _ro({"major": 6, "strategic": 3}))
    onsite_needs_deadline_wd: int = 10
    annual_visit_tiers: tuple[str, ...] = ("key", "major", "strategic")
    annual_visits_max: int = 2
    annual_visit_deadline_months: int = 1
    low_score_threshold: int = 3
    low_score_hours: int = 24
    nm_new_deadline_wd: int = 3
    nm_inactive_months: int = 6
    nm_inactive_months_key_plus: int = 3
    nm_inactive_deadline_months: int = 1
    nm_event_deadline_wd: int = 2
    max_attempts: int = 3
    busy_retry_hours: int = 2
    issue_rules: Mapping[str, IssueRule] = field(default_factory=lambda: _ro(dict(_DEFAULT_ISSUES)))
    summary_due_day: int = 2
    edit_minutes: int = 30  # a call's author may correct its record this long after entering it
    kind_priority: Mapping[str, int] = field(default_factory=lambda: _ro(dict(_DEFAULT_PRIORITY)))
    # SPEC §7: the planner creates no work whose deadline passed more than this many days
    # before the run (a history import must not flood the queues).
    history_days: int = 45
    # SPEC §7: this many days past its deadline, open work is stale: the supervisor is alerted
    # and may lapse it.
    stale_days: int = 30
    # Issue 16: the last outcome recorded may be undone by its author for this many minutes.
    undo_minutes: int = 10
    # SPEC §3: next attempts and 改约 fall inside these hours of a working day.
    work_hours: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
    # Issue 26: notifications tried again after 1, 2, 4 … minutes (at most notify_retry_max_minutes
    # apart), given up after notify_max_tries failed tries or notify_give_up_hours after the first try.
    notify_retry_first_minutes: int = 1
    notify_retry_max_minutes: int = 60
    notify_max_tries: int = 10
    notify_give_up_hours: int = 24

    def __hash__(self) -> int:  # mapping fields are read-only proxies: hash their items
        return hash(tuple(tuple(sorted(v.items())) if isinstance(v, Mapping) else v
                          for v in (getattr(self, f.name) for f in fields(self))))

    def priority_of(self, kind: str) -> int:
        return self.kind_priority[kind]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Policy:
        """Build from the nested TOML dict; see data/policy.toml for the layout."""
        return _load(cls(), data)


# (section, key) -> (field, minimum, maximum) for integer settings
_INTS: dict[str, dict[str, tuple[str, int, int]]] = {
    "progress_check": {"deadline_wd": ("progress_check_deadline_wd", 1, 60)},
    "completion": {"deadline_wd": ("completion_deadline_wd", 1, 60)},
    "usage": {"due_months": ("usage_due_months", 0, 60),
              "deadline_months": ("usage_deadline_months", 1, 60)},
    "first_sale": {"deadline_months": ("first_sale_deadline_months", 1, 60)},
    "quarterly": {"months": ("quarterly_months", 1, 60),
                  "deadline_months": ("quarterly_deadline_months", 1, 60)},
    "onsite": {"needs_deadline_wd": ("onsite_needs_deadline_wd", 1, 250)},
    "annual_visit": {"max_per_year": ("annual_visits_max", 1, 12),
                     "deadline_months": ("annual_visit_deadline_months", 1, 12)},
    "low_score": {"threshold": ("low_score_threshold", 1, 6), "hours": ("low_score_hours", 1, 720)},
    "nm_new": {"deadline_wd": ("nm_new_deadline_wd", 1, 60)},
    "nm_inactive": {"months": ("nm_inactive_months", 1, 60),
                    "months_key_plus": ("nm_inactive_months_key_plus", 1, 60),
                    "deadline_months": ("nm_inactive_deadline_months", 1, 60)},
    "nm_event": {"deadline_wd": ("nm_event_deadline_wd", 1, 60)},
    "retry": {"max_attempts": ("max_attempts", 1, 20), "busy_retry_hours": ("busy_retry_hours", 1, 24)},
    "summary": {"due_day": ("summary_due_day", 1, 28)},
    "record": {"edit_minutes": ("edit_minutes", 0, 1440)},
    "notify": {"retry_first_minutes": ("notify_retry_first_minutes", 1, 60),
               "retry_max_minutes": ("notify_retry_max_minutes", 1, 1440),
               "max_tries": ("notify_max_tries", 1, 100),
               "give_up_hours": ("notify_give_up_hours", 1, 720)},
}
# (section, key) -> (field, allowed values) for lists of codes
_LISTS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("usage", "service_types"): ("usage_service_types", SERVICE_TYPES),
    ("annual_visit", "tiers"): ("annual_visit_tiers", TIERS),
}
_SPAN_UNITS = {"ack": ("h", "d", "wd"), "solve": ("d", "wd"), "update": ("h", "d")}


def _int(path: str, v: Any, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise PolicyError(f"policy key {path}: expected an integer, got {v!r}")
    if not lo <= v <= hi:
        raise PolicyError(f"policy key {path}: {v} is outside {lo}..{hi}")
    return v


def _table(path: str, v: Any) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise PolicyError(f"policy key {path}: expected a table, got {v!r}")
    return v


def _unknown(path: str) -> PolicyError:
    return PolicyError(f"unknown policy key {path}")


# top-level keys -> (field, minimum, maximum)
_TOP_INTS: dict[str, tuple[str, int, int]] = {
    "history_days": ("history_days", 1, 3650),
    "stale_days": ("stale_days", 1, 3650),
    "undo_minutes": ("undo_minutes", 1, 1440),
}
_HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_work_hours(v: Any) -> tuple[tuple[time, time], ...]:
    """``["08:30-12:00", "13:30-17:30"]``: ordered, non-overlapping spans within one day."""
    if not isinstance(v, list | tuple) or not v or not all(isinstance(x, str) for x in v):
        raise PolicyError(f"policy key work_hours: expected a list like [\"08:30-12:00\"], got {v!r}")
    spans: list[tuple[time, time]] = []
    for text in v:
        m = _HOURS_RE.match(text)
        try:
            start, end = (time(int(m.group(1)), int(m.group(2))), time(int(m.group(3)), int(m.group(4)))) \
                if m else (None, None)
        except ValueError:
            start = end = None
        if start is None or end is None or start >= end:
            raise PolicyError(f"policy key work_hours: {text!r} is not a span like 08:30-12:00")
        if spans and start < spans[-1][1]:
            raise PolicyError(f"policy key work_hours: {text!r} overlaps or precedes the span before it")
        spans.append((start, end))
    return tuple(spans)


def _load(base: Policy, data: Mapping[str, Any]) -> Policy:
    out: dict[str, Any] = {}
    for section, body in _table("<root>", data).items():
        if section in _TOP_INTS:
            name, lo, hi = _TOP_INTS[section]
            out[name] = _int(section, body, lo, hi)
        elif section == "work_hours":
            out["work_hours"] = parse_work_hours(body)
        elif section == "issue":
            out["issue_rules"] = _ro(_issues(base, _table("issue", body)))
        elif section == "priority":
            pri = dict(base.kind_priority)
            for kind, v in _table("priority", body).items():
                if kind not in KINDS:
                    raise _unknown(f"priority.{kind}")
                pri[kind] = _int(f"priority.{kind}", v, 0, 99)
            out["kind_priority"] = _ro(pri)
        elif section in _INTS:
            for key, v in _table(section, body).items():
                path = f"{section}.{key}"
                if key in _INTS[section]:
                    name, lo, hi = _INTS[section][key]
                    out[name] = _int(path, v, lo, hi)
                elif (section, key) in _LISTS:
                    name, allowed = _LISTS[(section, key)]
                    if not isinstance(v, list | tuple) or not all(x in allowed for x in v):
                        raise PolicyError(f"policy key {path}: expected a list of {allowed}, got {v!r}")
                    out[name] = tuple(v)
                elif (section, key) == ("onsite", "cycle_months"):
                    cyc = dict(base.onsite_cycle_months)
                    for tier, m in _table(path, v).items():
                        if tier not in TIERS:
                            raise _unknown(f"{path}.{tier}")
                        if _int(f"{path}.{tier}", m, 0, 12) not in _CYCLE_MONTHS:
                            raise PolicyError(f"policy key {path}.{tier}: must divide 12 (or be 0)")
                        cyc[tier] = m
                    out["onsite_cycle_months"] = _ro(cyc)
                else:
                    raise _unknown(path)
        else:
            raise _unknown(str(section))
    return replace(base, **out)


def _issues(base: Policy, body: Mapping[str, Any]) -> dict[str, IssueRule]:
    rules = dict(base.issue_rules)
    for prio, spec in body.items():
        if prio not in ISSUE_PRIORITIES:
            raise _unknown(f"issue.{prio}")
        parts = {f.name: getattr(rules[prio], f.name) for f in fields(IssueRule)}
        for key, v in _table(f"issue.{prio}", spec).items():
            path = f"issue.{prio}.{key}"
            if key not in _SPAN_UNITS:
                raise _unknown(path)
            try:
                span = Span.parse(v) if isinstance(v, str) else None
            except ValueError:
                span = None
            if span is None or span.unit not in _SPAN_UNITS[key]:
                units = "/".join(_SPAN_UNITS[key])
                raise PolicyError(f"policy key {path}: expected a duration in {units} like '3wd', got {v!r}")
            parts[key] = span
        rules[prio] = IssueRule(**parts)
    return rules
