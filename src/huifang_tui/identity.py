"""Who is acting: the OS login mapped to a user with a role (SPEC §6). No heavy imports here."""

from __future__ import annotations

import getpass
import os
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
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return getpass.getuser()
