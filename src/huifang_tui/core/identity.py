"""Who is acting: the OS login mapped to a user with a role (SPEC §6). No heavy imports here."""

from __future__ import annotations

import getpass
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    login: str
    role: str
    name: str = ""

    @property
    def is_supervisor(self) -> bool:
        return self.role in ("supervisor", "admin")


SYSTEM = Actor("system", "admin", "system")


def os_login() -> str:
    """The person at the keyboard. In the shared install's elevated process, which runs under the
    service account, that is the uid sudo reports (``system.acting_uid``)."""
    try:
        import pwd

        from .system import acting_uid

        return pwd.getpwuid(acting_uid()).pw_name
    except (ImportError, KeyError):
        return getpass.getuser()
