"""Users and identity: the OS login is the user (SPEC §6)."""

from __future__ import annotations

from sqlmodel import select

from ..i18n import t
from ..errors import UnknownLogin  # noqa: F401  (re-exported)
from ..identity import os_login  # noqa: F401  (re-exported)
from ..store.models import User
from .base import ROLES, Actor, NotFound, PermissionDenied, ServiceError, Store, audit, get_user, require


def resolve_actor(store: Store, as_login: str | None = None) -> Actor:
    """The acting user: the OS login, or ``--as`` on a demo database only."""
    login = os_login()
    if as_login and as_login != login:
        if store.setting("demo") != "1":
            raise PermissionDenied(t("err.as_not_demo"))
        login = as_login
    with store.read() as s:
        u = get_user(s, login)
    if u is None or not u.active:
        e = UnknownLogin(t("err.unknown_login", login=login), login=login, role="", what="login", target=login)
        store.record_refusal(e)
        raise e
    return Actor(u.login, u.role, u.name)


def add_user(store: Store, actor: Actor, login: str, role: str, name: str) -> User:
    require(actor, "admin", store=store)
    if role not in ROLES:
        raise ServiceError(t("user.bad_role", role=role, roles="|".join(ROLES)))
    now = store.now()
    with store.write() as s:
        u = get_user(s, login)
        before = u.model_dump() if u else None
        if u is None:
            u = User(login=login, name=name, role=role, created_at=now)
        else:
            u.name, u.role, u.active = name, role, True
        s.add(u)
        s.flush()
        audit(s, actor, now, "user.add" if before is None else "user.update", "user", login, before, u)
    return u


def list_users(store: Store, actor: Actor) -> list[User]:
    """Every login with its role (supervisors and admins: the board and reassigning name them)."""
    require(actor, "supervisor", store=store, what="users")
    with store.read() as s:
        return list(s.exec(select(User).order_by(User.role, User.login)))


def users_with_role(store: Store, role: str) -> list[User]:
    with store.read() as s:
        return list(s.exec(select(User).where(User.role == role, User.active == True)))  # noqa: E712


def bootstrap_admin(store: Store, login: str, name: str) -> User:
    """``huifang init``: the first user of a new database is its admin."""
    now = store.now()
    with store.write() as s:
        if s.exec(select(User)).first() is not None:
            u = get_user(s, login)
            if u is None:
                raise NotFound(t("init.already", login=login))
            return u
        u = User(login=login, name=name, role="admin", created_at=now)
        s.add(u)
        s.flush()
        audit(s, Actor(login, "admin", name), now, "user.bootstrap", "user", login, None, u)
    return u
