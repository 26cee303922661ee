"""The queue's SQL conditions, written once for the first paint (sqlite3) and the services (SQLAlchemy).

``store/fastread.py`` paints the queue at start-up without the ORM, and ``services/queue.py``
reads it afterwards; both must pick the same rows. So the conditions that pick them — open and
due by the day, a login's own rows, the pool a role works, the contacts of some customers, the
callbacks that became unreachable since a moment, and what a login completed in a day — are
text here, and both build their statements from it (the overdue rule is
``domain.status.overdue_sql``). Standard library only: the first paint must not load the ORM.

Every function takes the table's alias (or name) and ``ph``, which writes a named parameter:
``:name`` (the default, for SQLAlchemy's ``text()``, bound with each value typed as its column
stores it) or ``qmark`` for sqlite3, whose caller passes the values in the order the
docstring lists them. A list of ``n`` values is named ``<prefix>0`` … ``<prefix>{n-1}``
(``names``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

Placeholder = Callable[[str], str]

#: contacts are read this many customers at a time (SQLite's bound-parameter limit)
PHONE_CHUNK = 400


def chunked(items: Iterable, n: int) -> Iterator[list]:
    """``items`` in lists of at most ``n``: the values one statement binds stay under the
    database's limit on bound parameters."""
    items = items if isinstance(items, list) else list(items)
    for i in range(0, len(items), n):
        yield items[i : i + n]


def named(name: str) -> str:
    """A named parameter, as SQLAlchemy's ``text()`` and sqlite3's named style write it."""
    return f":{name}"


def qmark(_name: str) -> str:
    """sqlite3's positional parameter."""
    return "?"


def names(prefix: str, n: int) -> list[str]:
    """The names of a list's ``n`` bound values."""
    return [f"{prefix}{i}" for i in range(n)]


def _in_list(prefix: str, n: int, ph: Placeholder) -> str:
    return ", ".join(ph(name) for name in names(prefix, n))


def open_due(t: str, n_states: int, ph: Placeholder = named) -> str:
    """In one of ``n_states`` states and due by the day. Values: ``state0``…, ``day``."""
    return f"{t}.status IN ({_in_list('state', n_states, ph)}) AND {t}.due_on <= {ph('day')}"


def own_rows(t: str, ph: Placeholder = named) -> str:
    """A login's own rows (read through ix_callback_queue). Value: ``login``."""
    return f"{t}.agent_login = {ph('login')}"


def pool_rows(t: str, n_kinds: int, ph: Placeholder = named) -> str:
    """The shared pool of the ``n_kinds`` queues a role works: no agent yet, assigned to one of
    them (read apart from ``own_rows``: as one OR, SQLite reads every open callback of the centre
    due by the day). Values: ``kind0``…"""
    return f"{t}.agent_login IS NULL AND {t}.assignee IN ({_in_list('kind', n_kinds, ph)})"


def contacts_of(t: str, n_customers: int, ph: Placeholder = named) -> str:
    """The contacts (and so the phones) of ``n_customers`` customers. Values: ``customer0``…"""
    return f"{t}.customer_id IN ({_in_list('customer', n_customers, ph)})"


def unreachable_since(t: str, ph: Placeholder = named) -> str:
    """Callbacks that became unreachable since a moment (the supervisor's alert). Value: ``since``."""
    return f"{t}.status = 'unreachable' AND {t}.updated_at >= {ph('since')}"


def completed_by(a: str, cb: str, ph: Placeholder = named) -> str:
    """Callbacks completed in a day by a login's completing attempt, over ``a`` (call_attempt)
    and ``cb`` (callback): led by the login's own attempts (ix_call_attempt_agent_at), never by
    every callback completed that day in the centre. Values: ``login``, ``start``, ``end``,
    ``start``, ``end``."""
    return (f"{a}.agent_login = {ph('login')} AND {a}.at >= {ph('start')} AND {a}.at <= {ph('end')}"
            f" AND {a}.outcome = 'completed' AND {cb}.status = 'completed'"
            f" AND {cb}.completed_at >= {ph('start')} AND {cb}.completed_at <= {ph('end')}")


def tried_by(a: str, ph: Placeholder = named) -> str:
    """A login's attempts of a day, over ``a`` (call_attempt), led by ix_call_attempt_agent_at:
    the day's figures (``domain.queue.day_figures``) read them joined to their callbacks.
    Values: ``login``, ``start``, ``end``."""
    return f"{a}.agent_login = {ph('login')} AND {a}.at >= {ph('start')} AND {a}.at <= {ph('end')}"


def deferred_by(t: str, ph: Placeholder = named) -> str:
    """A login's callbacks put off on a day: a deferral stamps ``updated_at`` at or after the day
    it states, so the read stays on ix_callback_agent_updated. Values: ``login``, ``start``, ``day``."""
    return f"{t}.agent_login = {ph('login')} AND {t}.updated_at >= {ph('start')} AND {t}.deferred_on = {ph('day')}"


def drafts_of(t: str, n_callbacks: int, ph: Placeholder = named) -> str:
    """A login's saved drafts among ``n_callbacks`` callbacks (the queue's draft mark), read
    through uq_draft. Values: ``callback0``…, ``login``."""
    return f"{t}.callback_id IN ({_in_list('callback', n_callbacks, ph)}) AND {t}.login = {ph('login')}"
