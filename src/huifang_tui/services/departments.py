"""Departments (部门) of the issue ledger: the list, adding one, category defaults, members.

Each department with the categories it is the default for and its heads; the department an issue
of each category goes to; a user's department (001 六; SPEC §3).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from ..core.errors import IssueInputError, IssueRefused
from ..core.i18n import t
from ..domain.issues import CATEGORIES, DEFAULT_DEPARTMENT_OF
from ..store.models import Department, Setting, User
from .base import Actor, NotFound, Store, acting, audit, get_user, require
from .limits import bound

DEFAULT_KEY = "issue.default_department."  # + category | complaint


def list_departments(store: Store) -> list[tuple[Department, list[str], list[str]]]:
    """Each department with the categories it is the default for and its heads."""
    with store.read() as s:
        defaults = default_departments(s)
        heads: dict[str, list[str]] = {}
        for u in s.exec(select(User).where(User.role == "supervisor", User.active == True)):  # noqa: E712
            if u.department:
                heads.setdefault(u.department, []).append(u.login)
        return [(d, [c for c, n in defaults.items() if n == d.name], heads.get(d.name, []))
                for d in s.exec(select(Department).order_by(Department.id))]


def default_departments(s: Session) -> dict[str, str]:
    """Category (or ``complaint``) → the department its issues go to: the built-in defaults, then the admin's settings."""
    out = dict(DEFAULT_DEPARTMENT_OF)
    for row in s.exec(select(Setting).where(col(Setting.key).startswith(DEFAULT_KEY))):
        out[row.key[len(DEFAULT_KEY):]] = row.value
    return out


def active_department(s: Session, name: str) -> Department:
    """The active department of this name; refused naming the active ones."""
    d = s.exec(select(Department).where(Department.name == name.strip())).first()
    if d is None or not d.active:
        names = "、".join(x.name for x in s.exec(select(Department).where(Department.active == True)))  # noqa: E712
        raise IssueInputError(t("ledger.err.department", name=name, names=names))
    return d


def add_department(store: Store, actor: Actor, name: str) -> Department:
    require(actor, "admin")
    name = name.strip()
    if not name:
        raise IssueInputError(t("ledger.err.department_name"))
    bound(names={"department": name}, error=IssueInputError)
    now = store.now()
    with store.write() as s:
        acting(s, actor)
        d = s.exec(select(Department).where(Department.name == name)).first()
        if d is not None and d.active:
            raise IssueRefused(t("ledger.err.department_exists", name=name))
        before = d.model_dump() if d else None
        d = d or Department(name=name, created_at=now)
        d.active = True
        s.add(d)
        s.flush()
        audit(s, actor, now, "department.add", "department", name, before, d)
    return d


def set_default_department(store: Store, actor: Actor, category: str, name: str) -> None:
    require(actor, "admin")
    if category not in (*CATEGORIES, "complaint"):
        raise IssueInputError(t("ledger.err.default_category", value=category))
    now = store.now()
    with store.write() as s:
        acting(s, actor)
        d = active_department(s, name)
        key = DEFAULT_KEY + category
        row = s.get(Setting, key)
        before = {"department": row.value} if row else None
        s.merge(Setting(key=key, value=d.name))
        audit(s, actor, now, "department.default", "setting", key, before, {"department": d.name})


def set_user_department(store: Store, actor: Actor, login: str, name: str | None) -> User:
    """Put a user in a department (a supervisor there becomes its head); None clears it."""
    require(actor, "admin")
    now = store.now()
    with store.write() as s:
        acting(s, actor)
        u = get_user(s, login)
        if u is None:
            raise NotFound(t("err.unknown_login", login=login))
        if name is not None:
            name = active_department(s, name).name
        before = u.model_dump()
        u.department = name
        s.add(u)
        s.flush()
        audit(s, actor, now, "user.department", "user", login, before, u)
    return u


@dataclass(frozen=True)
class Person:
    """A user an issue can be assigned to: login, display name, role and department."""

    login: str
    name: str
    role: str
    department: str | None


def assign_choices(store: Store, actor: Actor) -> tuple[list[tuple[str, list[str]]], list[Person]]:
    """What assigning an issue picks from (issue 25 item 13): the active departments with their
    heads, and the active users with their departments — the names ``assign_issue`` accepts
    (supervisors and admins: those who may assign)."""
    with store.read() as s:
        acting(s, actor, "supervisor")
        users = list(s.exec(select(User).where(User.active == True).order_by(User.login)))  # noqa: E712
        heads: dict[str, list[str]] = {}
        for u in users:
            if u.role == "supervisor" and u.department:
                heads.setdefault(u.department, []).append(u.name)
        departments = [(d.name, heads.get(d.name, []))
                       for d in s.exec(select(Department).where(Department.active == True).order_by(Department.id))]  # noqa: E712
        return departments, [Person(u.login, u.name, u.role, u.department) for u in users]
