"""Claims on a callback: who holds one and whether it still holds (SPEC §4, §6).

A claim is (login, pid, host, time). It holds while it is fresh and, on this machine, while
its process still runs. Used by the services and by the start-up fast read.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

CLAIM_TTL_SECONDS = 600
# A claim follows the person, not the connection (issue 21 §4): it is renewed only up to their
# last key, and a call screen left this long without one releases its claim.
IDLE_LIMIT_SECONDS = CLAIM_TTL_SECONDS
HOST = socket.gethostname()


def claim_alive(claimed_by: str | None, claimed_at: datetime | None, pid: int | None, host: str | None,
                now: datetime) -> bool:
    """A claim holds while it is fresh and, on this machine, its process still runs."""
    if not claimed_by or claimed_at is None or (now - claimed_at).total_seconds() > CLAIM_TTL_SECONDS:
        return False
    if host == HOST and pid:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False  # its process died: the claim has expired
        except PermissionError:
            return True
    return True
