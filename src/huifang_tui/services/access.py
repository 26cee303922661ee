"""The services' shared access rules: which callback, may this user work it, a queue's scope.

Which callback a number names, may this user work it, and whose callbacks a user's queue shows
(SPEC §4, §6). The bottom of ``services/``: it imports only ``base``, the store, the domain and the core, so every
service can ask these questions without importing another service.
"""

from __future__ import annotations

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from ..core.i18n import t
from ..domain.queue import ROLE_QUEUES
from ..store.models import Callback, Customer
from .base import Actor, NotFound, PermissionDenied, Store, denied


def get_callback(s: Session, number: str, *, lock: bool = False) -> Callback:
    """The callback by number. ``lock`` (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the
    whole database): hold its customer's row, then its own, until the transaction ends — a
    customer is worked by one agent at a time, so the customer row is the unit that claims,
    recordings and deferrals of any of its callbacks queue on."""
    q = select(Callback).where(Callback.number == number)
    cb = s.exec(q).first()
    if cb is None:
        raise NotFound(t("call.not_found", number=number))
    if lock and s.get_bind().dialect.name == "postgresql":
        s.exec(select(Customer.id).where(Customer.id == cb.customer_id).with_for_update()).first()
        cb = s.exec(q.with_for_update().execution_options(populate_existing=True)).first()
        if cb is None:
            raise NotFound(t("call.not_found", number=number))
    return cb


def may_work_on(actor: Actor, cb: Callback) -> bool:
    """Own work, the shared agent pool, or unassigned work meant for the actor's role (a
    supervisor may work any)."""
    if actor.is_supervisor or cb.agent_login == actor.login:
        return True
    return cb.agent_login is None and cb.assignee in ROLE_QUEUES.get(actor.role, ("agent",))


def may_work(actor: Actor, cb: Callback) -> None:
    """Refuse unless ``may_work_on``, naming whose it is."""
    if may_work_on(actor, cb):
        return
    owner = cb.agent_login or t(f"assignee.{cb.assignee}")
    raise denied(actor, t("call.not_yours", number=cb.number, agent=owner), "callback", cb.number)


def queue_kinds(actor: Actor, login: str) -> tuple[str, ...]:
    """The pool kinds (``assignee``) a login's queue takes: the actor's role's for their own
    queue, an agent's for anyone else's."""
    return ROLE_QUEUES.get(actor.role if login == actor.login else "agent", ("agent",))


def scope(actor: Actor, agent: str | None, all_agents: bool):  # noqa: ANN201
    """Which callbacks a queue shows (a SQL condition, or True for all). Agents see only their
    own queue plus the shared pool; another agent's queue, or everyone's, is a supervisor's."""
    if all_agents or (agent and agent != actor.login):
        if not actor.is_supervisor:
            raise denied(actor, t("err.queue_other"), "queue", "*" if all_agents else agent)
    if all_agents:
        return True
    return own_and_pool(actor, agent or actor.login)


def own_and_pool(actor: Actor, login: str):  # noqa: ANN201
    """A SQL condition on Callback: ``login``'s own callbacks and the pool work meant for them
    (``queue_kinds``) — what an agent sees of the centre's callbacks."""
    kinds = queue_kinds(actor, login)
    return or_(Callback.agent_login == login, and_(Callback.agent_login.is_(None), Callback.assignee.in_(kinds)))


def checked_scope(store: Store, actor: Actor, agent: str | None, all_agents: bool):  # noqa: ANN201
    """``scope``, a refusal written to the audit log before it is raised."""
    try:
        return scope(actor, agent, all_agents)
    except PermissionDenied as e:
        store.record_refusal(e)
        raise
