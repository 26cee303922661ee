"""Who works a callback: supervisors assign pool work or move work between agents.

Nothing is moved under an agent: a callback whose customer another user has open right now
(a live claim) is refused, naming who and since when (``calls.claim_conflict``, the check the
board's reassign, ``lapse`` and ``defer`` make too)."""

from __future__ import annotations

from ..i18n import t
from ..store.models import Callback
from .base import Actor, NotFound, Store, acting, audit, get_user
from .calls import get_callback, refuse_if_claimed


def assign(store: Store, actor: Actor, number: str, login: str | None) -> Callback:
    """A supervisor assigns pool work (or moves work) to an agent; ``None`` returns it to the pool."""
    now = store.now()
    with store.write() as s:
        acting(s, actor, "supervisor")
        cb = get_callback(s, number, lock=True)
        refuse_if_claimed(s, actor, cb, now)
        if login is not None:
            u = get_user(s, login)
            if u is None or not u.active:
                raise NotFound(t("err.unknown_login", login=login))
        before = cb.model_dump()
        cb.agent_login, cb.updated_at, cb.version = login, now, cb.version + 1
        s.add(cb)
        s.flush()
        audit(s, actor, now, "callback.assign", "callback", number, before, cb)
    return cb
