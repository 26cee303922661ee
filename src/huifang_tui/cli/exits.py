"""The command line's exit statuses and the one map from an error to its status.

Exit 0 done · 1 bad input (the field and the fix named) · 2 refused (a permission or a rule).
Every command lets its errors reach ``cli.main``, which reads the status here; an error not
in the map is explained in plain words (``core.crash``) and exits 1. Standard library only.
"""

from __future__ import annotations

import sys

EXIT_DONE = 0
EXIT_BAD_INPUT = 1
EXIT_REFUSED = 2

# First match wins. Classes are named by module (under ``huifang_tui``) and name, and looked for
# only among the modules already loaded: an error of a module never imported cannot have been
# raised, so reading an error imports nothing (start-up).
EXIT_STATUS: tuple[tuple[str, str, int], ...] = (
    ("services.migrate_to", "TargetNotEmpty", EXIT_REFUSED),  # migrate-to: the target holds tables
    ("core.errors", "Refused", EXIT_REFUSED),  # a role, a rule, a state, a locked month
    ("core.errors", "ServiceError", EXIT_BAD_INPUT),  # bad input (names the field), not found
)
_PACKAGE = __name__.rsplit(".", 2)[0]


def exit_status(e: BaseException) -> int | None:
    """``e``'s exit status from :data:`EXIT_STATUS`; None for an error the map does not know
    (a failure around the program: disk, database file, a closed pipe, Ctrl-C)."""
    for module, name, status in EXIT_STATUS:
        cls = getattr(sys.modules.get(f"{_PACKAGE}.{module}"), name, None)
        if cls is not None and isinstance(e, cls):
            return status
    return None
