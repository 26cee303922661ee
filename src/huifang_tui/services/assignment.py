"""Who works a callback: supervisors assign pool work or move work between agents.

Nothing is moved under an agent: a callback whose customer another user has open right now
(a live claim) is refused, naming who and since when (``calls.claim_conflict``, the check the
board's reassign, ``lapse`` and ``defer`` make too)."""

from __future__ import annotations

from sqlmodel import Session, select

from ..core.errors import ValidationError
from ..core.i18n import t
from ..store.models import Callback, User
from .base import Actor, NotFound, Store, acting, audit
from .access import get_callback
from .calls import refuse_if_claimed

CLOSEST = 3  # how many near names an unknown one is answered with


def person(name: str, login: str) -> str:
    """How a person is named where there is room: ``刘思琪 (agent2)``; the login alone when the
    name says nothing more."""
    return login if not name or name == login else f"{name} ({login})"


def display_names(store: Store, actor: Actor) -> dict[str, str]:
    """Every login's display name (for the screens and lines that name people)."""
    with store.read() as s:
        acting(s, actor)
        return {login: name for login, name in s.exec(select(User.login, User.name))}


def resolve_person(s: Session, text: str) -> User:
    """The active user a supervisor means by *text*: a login, or an exact display name
    (issue 22 §15). An ambiguous name lists the candidates; an unknown one says "no such
    agent" with the closest matches; a disabled user says so (all bad input, exit 1)."""
    text = text.strip()
    users = list(s.exec(select(User)))
    by_login = next((u for u in users if u.login == text), None)
    if by_login is not None and by_login.active:
        return by_login
    named = [u for u in users if u.active and u.name.strip() == text]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise ValidationError(t("people.ambiguous", text=text,
                                candidates="、".join(person(u.name, u.login) for u in named)))
    if by_login is not None or any(u.name.strip() == text for u in users):
        u = by_login or next(u for u in users if u.name.strip() == text)
        raise ValidationError(t("people.disabled", who=person(u.name, u.login)))
    raise NotFound(_no_such(text, [u for u in users if u.active]))


def _no_such(text: str, users: list[User]) -> str:
    """"no such agent", with the active users whose login or name is closest to *text*."""
    import difflib

    def score(u: User) -> float:
        low = text.lower()
        contained = bool(low) and (low in u.login.lower() or low in u.name.lower()
                                   or u.name.lower() in low and bool(u.name))
        return max(difflib.SequenceMatcher(None, low, u.login.lower()).ratio(),
                   difflib.SequenceMatcher(None, low, u.name.lower()).ratio(), 0.9 if contained else 0)

    near = sorted((u for u in users if score(u) >= 0.5), key=lambda u: (-score(u), u.login))[:CLOSEST]
    if not near:
        return t("people.unknown_none", text=text)
    return t("people.unknown", text=text, closest="、".join(person(u.name, u.login) for u in near))


def assign(store: Store, actor: Actor, number: str, login: str | None) -> Callback:
    """A supervisor assigns pool work (or moves work) to an agent; ``None`` returns it to the pool."""
    now = store.now()
    with store.write() as s:
        acting(s, actor, "supervisor")
        cb = get_callback(s, number, lock=True)
        if login is not None:
            login = resolve_person(s, login).login
        refuse_if_claimed(s, actor, cb, now)
        before = cb.model_dump()
        cb.agent_login, cb.updated_at, cb.version = login, now, cb.version + 1
        s.add(cb)
        s.flush()
        audit(s, actor, now, "callback.assign", "callback", number, before, cb)
    return cb
