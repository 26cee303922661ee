"""Users and identity: the OS login is the user (SPEC §6)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from ..core.errors import UnknownLogin  # noqa: F401  (re-exported)
from ..core.i18n import t
from ..core.identity import os_login  # noqa: F401  (re-exported)
from ..store.models import Callback, User
from .limits import bound
from .base import (
    ROLES, Actor, Conflict, NotFound, PermissionDenied, Refused, Store, ValidationError, acting, audit, get_user, require,
)


def resolve_actor(store: Store, as_login: str | None = None) -> Actor:
    """The acting user: the OS login, or ``--as`` on a demo database only."""
    login = os_login()
    if as_login and as_login != login:
        if store.setting("demo") != "1":
            raise PermissionDenied(t("err.as_not_demo"))
        login = as_login
    with store.read() as s:
        u = get_user(s, login)
    if u is None:
        e = UnknownLogin(t("err.unknown_login", login=login), login=login, what="login", target=login)
        store.record_refusal(e)
        raise e
    if not u.active:
        e = PermissionDenied(t("rules.user_inactive", login=login), login=login, role=u.role, what="login", target=login)
        store.record_refusal(e)
        raise e
    return Actor(u.login, u.role, u.name)


def add_user(store: Store, actor: Actor, login: str, role: str, name: str) -> User:
    """A new user (admin). An existing login is refused: use ``user enable`` / ``user role``."""
    require(actor, "admin", store=store)
    if role not in ROLES:
        raise ValidationError(t("user.bad_role", role=role, roles="|".join(ROLES)))
    bound(names={"login": login, "name": name})
    now = store.now()
    with store.write() as s:
        acting(s, actor, "admin")
        if get_user(s, login) is not None:
            raise Conflict(t("users.exists", login=login))
        u = User(login=login, name=name, role=role, created_at=now)
        s.add(u)
        s.flush()
        audit(s, actor, now, "user.add", "user", login, None, u)
    return u


def _active_admins(s: Session) -> int:
    return s.exec(select(func.count()).select_from(User).where(User.role == "admin", User.active == True)).one()  # noqa: E712


def _change(store: Store, actor: Actor, login: str, action: str, **values: object) -> User:
    """Disable, enable or re-role a user (admin; audited). The last active admin stays one."""
    now = store.now()
    with store.write() as s:
        acting(s, actor, "admin")
        u = get_user(s, login)
        if u is None:
            raise NotFound(t("err.unknown_login", login=login))
        before = u.model_dump()
        was_admin, admins = u.role == "admin" and u.active, _active_admins(s)
        for k, v in values.items():
            setattr(u, k, v)
        if was_admin and not (u.role == "admin" and u.active) and admins <= 1:
            raise Refused(t("users.last_admin", login=login))
        s.add(u)
        s.flush()
        audit(s, actor, now, action, "user", login, before, u)
        if action == "user.disable":
            open_n = s.exec(select(func.count()).select_from(Callback).where(
                Callback.agent_login == login, Callback.status.in_(("open", "waiting_data")))).one()
            if open_n:  # stays theirs, flagged for the supervisor to reassign
                audit(s, actor, now, "alert.reassign", "user", login, None, {"open_callbacks": open_n})
    return u


def set_active(store: Store, actor: Actor, login: str, active: bool) -> User:
    return _change(store, actor, login, "user.enable" if active else "user.disable", active=active)


def set_role(store: Store, actor: Actor, login: str, role: str) -> User:
    if role not in ROLES:
        raise ValidationError(t("user.bad_role", role=role, roles="|".join(ROLES)))
    return _change(store, actor, login, "user.role", role=role)


def list_users(store: Store, actor: Actor) -> list[User]:
    """Every login with its role (supervisors and admins: the board and reassigning name them)."""
    with store.read() as s:
        acting(s, actor, "supervisor")
        return list(s.exec(select(User).order_by(User.role, User.login)))


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
