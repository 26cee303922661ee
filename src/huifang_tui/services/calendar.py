"""Working-day calendar and policy as the store sees them (overrides + admin policy)."""

from __future__ import annotations

import calendar as _cal
import tomllib
from datetime import date, time
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, select

from ..domain.calendar import WorkCalendar
from ..domain.policy import Policy
from ..core.i18n import t
from ..core.resources import data_dir
from ..store.models import CalendarOverride, Setting
from .base import Actor, ServiceError, Store, acting, audit, require
from .limits import bound


def load_calendar(s: Session) -> WorkCalendar:
    rows = s.exec(select(CalendarOverride)).all()
    return WorkCalendar({r.day: r.is_working_day for r in rows})


def is_working_day(store: Store, actor: Actor, day: date) -> bool:
    """Whether *day* is a working day of the centre's calendar (the board says when it shows a
    rest day: a weekend or a holiday has nothing due)."""
    with store.read() as s:
        acting(s, actor)
        return load_calendar(s).is_working_day(day)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _base_policy() -> dict:
    """data/policy.toml, parsed once per change of the file (it is read on every outcome)."""
    path = data_dir() / "policy.toml"
    return _parse_policy(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _parse_policy(path: str, _mtime: int) -> dict:
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def load_policy(s: Session) -> Policy:
    """data/policy.toml, overridden by the admin's copy stored in the database (Setting 'policy')."""
    base = _base_policy()
    row = s.get(Setting, "policy")
    if row and row.value.strip():
        base = _merge(base, tomllib.loads(row.value))
    return Policy.from_mapping(base)


def work_hours(store: Store, actor: Actor) -> tuple[tuple[time, time], ...]:
    """The policy's work hours, as the scheduled runs read them (``huifang serve``, the timers
    ``init --shared`` writes)."""
    with store.read() as s:
        acting(s, actor)
        return load_policy(s).work_hours


def _check_day(day: date) -> None:
    from ..domain import dates

    if not dates.in_range(day):
        raise ServiceError(t("cli.date_range", option="day", value=day.isoformat(),
                             first=dates.FIRST.isoformat(), last=dates.LAST.isoformat()))


def set_day(store: Store, actor: Actor, day: date, working: bool, note: str = "") -> None:
    require(actor, "admin", store=store)
    _check_day(day)
    bound({"note": note})
    now = store.now()
    with store.write() as s:
        acting(s, actor)
        row = s.exec(select(CalendarOverride).where(CalendarOverride.day == day)).first()
        before = row.model_dump() if row else None
        if row is None:
            row = CalendarOverride(day=day, is_working_day=working, note=note)
        else:
            row.is_working_day, row.note = working, note
        s.add(row)
        s.flush()
        audit(s, actor, now, "calendar.set", "calendar_override", day.isoformat(), before, row)


def month_text(store: Store, actor: Actor, first: date) -> str:
    """A month grid: working days plain, rest days in brackets, estimated months flagged.
    Every role may read the calendar (countdowns depend on it)."""
    require(actor, "agent", "supervisor", "sales_manager", store=store, what="calendar")
    with store.read() as s:
        cal = load_calendar(s)
        notes = {r.day: r.note for r in s.exec(select(CalendarOverride))}
    weeks = _cal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    head = t("cal.title", year=first.year, month=first.month)
    if cal.is_estimated(first):
        head += "  " + t("cal.estimated")
    lines = [head, "".join(f" {t(f'cal.wd{i}')} " for i in range(7))]
    for week in weeks:
        cells = []
        for d in week:
            if d.month != first.month:
                cells.append("    ")
            elif cal.is_working_day(d):
                cells.append(f" {d.day:2d} ")
            else:
                cells.append(f"[{d.day:2d}]")
        lines.append("".join(c.ljust(4) for c in cells))
    lines.append(t("cal.legend"))
    extra = [f"{d.isoformat()}  {n}" for d, n in sorted(notes.items()) if d.year == first.year and d.month == first.month and n]
    return "\n".join(lines + extra)


def set_policy(store: Store, actor: Actor, text: str) -> Policy:
    """Store the admin's policy overrides (TOML); refused whole if any key or value is wrong."""
    from ..domain.policy import PolicyError

    require(actor, "admin", store=store)
    try:
        over = tomllib.loads(text)
        base = _base_policy()
        policy = Policy.from_mapping(_merge(base, over))
    except (tomllib.TOMLDecodeError, PolicyError) as e:
        from .base import ServiceError

        raise ServiceError(t("policy.bad", error=str(e))) from e
    now = store.now()
    with store.write() as s:
        acting(s, actor)
        row = s.get(Setting, "policy")
        before = {"value": row.value} if row else None
        s.merge(Setting(key="policy", value=text))
        audit(s, actor, now, "policy.set", "setting", "policy", before, {"value": text})
    return policy


def policy_text(store: Store, actor: Actor) -> str:
    """The effective policy: data/policy.toml with the admin's overrides (if any) after it
    (supervisors and admins)."""
    require(actor, "supervisor", store=store, what="policy")
    base = (data_dir() / "policy.toml").read_text(encoding="utf-8")
    over = store.setting("policy")
    if over.strip():
        return base + "\n# --- " + t("policy.overrides") + " ---\n" + over
    return base


def set_company_name(store: Store, actor: Actor, name: str) -> None:
    """Our company's name, as the call scripts say it ({company})."""
    require(actor, "admin", store=store)
    now = store.now()
    with store.write() as s:
        acting(s, actor)
        row = s.get(Setting, "company_name")
        before = {"value": row.value} if row else None
        s.merge(Setting(key="company_name", value=name.strip()))
        audit(s, actor, now, "setting.company_name", "setting", "company_name", before, {"value": name.strip()})
