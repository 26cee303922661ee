"""The context every command handler gets: its arguments, the store and the acting user
(opened when first asked for, once per run), the ``--json`` flag and how it writes.

Light on import (no ORM): the services load when a command first asks for its store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import output

if TYPE_CHECKING:
    import argparse

    from ..core.identity import Actor
    from ..services.base import Store


class Context:
    """One run of one command. ``store`` is the store named by ``--db`` (or the configured
    one), refused when missing, not initialised or of another schema revision; ``actor`` is the
    person running it (the OS login, or ``--as`` on a demo store)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.as_json: bool = bool(getattr(args, "json", False))
        self._store: Store | None = None
        self._actor: Actor | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.args.db)
        return self._store

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            from ..services.users import resolve_actor

            self._actor = resolve_actor(self.store, self.args.as_login)
        return self._actor

    @property
    def scheduled_actor(self) -> Actor:
        """Who a scheduled run (``huifang plan``, ``notify run``, ``serve``) acts as: the
        built-in system when this process is the shared install's service account started by
        systemd or cron (:func:`runs_as_service`), else the person running it (:attr:`actor`,
        whom the services then require to be a supervisor or an admin)."""
        if runs_as_service():
            from ..core.identity import SYSTEM

            return SYSTEM
        return self.actor

    def say(self, *parts: object, file=None) -> None:  # noqa: ANN001
        """Plain lines, escape sequences and control characters removed (:func:`output.say`)."""
        output.say(*parts, file=file)

    def print_json(self, value: object) -> None:
        output.print_json(value)


# Set by sudo itself in every process it starts (the caller cannot remove them).
SUDO_VARS = ("SUDO_UID", "SUDO_GID", "SUDO_USER", "SUDO_COMMAND")


def runs_as_service() -> bool:
    """This process is the shared install's service account itself: locked (the system
    config read, the store's group held), real and effective uid the service account's, and
    not started through sudo. A person reaches that account only through the sudoers rule,
    and sudo always names them (``SUDO_UID``…), so a person never becomes the system."""
    import os

    from ..core import system

    conf = system.locked()
    if conf is None:
        return False
    uid = conf.service_uid()
    if uid is None or os.geteuid() != uid or os.getuid() != uid:
        return False
    return not any(var in os.environ for var in SUDO_VARS)


def open_store(db: str | None) -> Store:
    """The store a command works on, refused (one line, exit 1) when it is not there, not
    initialised, or behind or ahead of this code's schema."""
    from ..core import config
    from ..core.i18n import t
    from ..services.base import ServiceError, Store

    url, _src = config.resolve_db(db)
    if store_file(url) is False:
        raise ServiceError(t("err.no_database", db=config.display_db(url)))
    store = Store(url)
    if not store.is_initialised():
        raise ServiceError(t("err.no_database", db=config.display_db(url)))
    # Never migrates and never takes the write lock: a database behind this code's revision
    # is refused with a line telling to ask an admin for `huifang db upgrade`.
    store.check_schema()
    return store


def store_file(url: str) -> bool | None:
    """For a SQLite store: whether its file exists (None: not SQLite). Anything there but a
    regular file — a directory, a FIFO SQLite would wait on forever, a device — is refused
    (exit 1) before SQLite opens it; a folder that cannot be entered raises PermissionError,
    which says so in one line (issue 21)."""
    import os
    import stat

    from ..core import config
    from ..core.errors import ServiceError
    from ..core.i18n import t

    file = config.sqlite_file(url)
    if file is None:
        return None
    try:
        st = os.stat(file)
    except (FileNotFoundError, NotADirectoryError):
        return False
    if not stat.S_ISREG(st.st_mode):
        raise ServiceError(t("err.io.not_database", db=config.display_db(url)))
    return True
