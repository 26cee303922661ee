"""Every command of the command line and the module under ``cli/`` that holds it.

Each of those modules has ``add_parsers(sub)`` (its commands' parsers) and ``COMMANDS`` (each
command's handler, called with the run's :class:`~.context.Context`). The table is read
without importing them: a command builds only its own parser and imports only its own module
(start-up). Its order is the order of ``huifang --help``. A test checks it lists every command.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

# (command, module under cli/), in the order the commands are listed in ``huifang --help``
COMMANDS: tuple[tuple[str, str], ...] = (
    ("run", "start"),
    ("init", "setup"),
    ("user", "people"),
    ("demo", "demo"),
    ("queue", "queue"),
    ("plan", "planning"),
    ("serve", "serve"),
    ("import", "imports"),
    ("calendar", "rules"),
    ("policy", "rules"),
    ("visit", "planning"),
    ("assign", "work"),
    ("db", "setup"),
    ("record", "queue"),
    ("lapse", "work"),
    ("defer", "work"),
    ("callbacks", "work"),
    ("undo", "undo"),
    ("request", "requests"),
    ("migrate-to", "pg"),
    ("board", "board"),
    ("audit", "board"),
    ("issue", "issues"),
    ("issues", "issues"),
    ("department", "issues"),
    ("report", "report"),
    ("spotcheck", "report"),
    ("sales", "sales"),
    ("notify", "notify"),
)
MODULE_OF: dict[str, str] = dict(COMMANDS)


def module(name: str):  # noqa: ANN201
    """The module under ``cli/`` holding the command ``name`` (imported now)."""
    return importlib.import_module(f".{MODULE_OF[name]}", __package__)


def handler(name: str) -> Callable[..., int]:
    """The handler of the command ``name``: called with the run's context, returns the exit
    status."""
    return module(name).COMMANDS[name]
