"""Output helpers of the command line: safe plain lines, JSON, a Rich table as plain text, and
the progress bar of a long import.

Standard library only on import: Rich is loaded where a table or a bar is drawn, so ``--json``
and plain output never load it (start-up, ``tests/cli/test_command_imports.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def say(*parts: object, file=None) -> None:  # noqa: ANN001
    """Print text that may hold file or user input: escape sequences and control characters
    never reach the terminal (SPEC §6)."""
    from ..core.safe_text import plain_message

    print(*(plain_message(p) for p in parts), file=file or sys.stdout)


def json_text(value: object) -> str:
    """The JSON every command writes: UTF-8 as it is (not ``\\u`` escapes), one space indents."""
    import json

    return json.dumps(value, ensure_ascii=False, indent=1)


def print_json(value: object) -> None:
    """``--json``: the value as :func:`json_text`, one line break after it, on stdout."""
    print(json_text(value))


def console_text(*renderables: object, width: int) -> str:
    """Rich renderables (a table, a line) as plain text ``width`` columns wide: no colours, no
    escape sequences, trailing blank space cut."""
    from rich.console import Console

    console = Console(width=width, record=True, force_terminal=False, color_system=None)
    with console.capture() as cap:
        for r in renderables:
            console.print(r)
    return cap.get().rstrip()


def progress_bar(label: str) -> Callable[[int | None, int | None], None]:
    """A rich progress bar on stderr, shown only for large files and on a terminal; called with
    (done, total) as rows are read and with (None, None) at the end."""
    state: dict = {}

    def cb(done, total):  # noqa: ANN001
        if done is None:
            if "p" in state:
                state["p"].stop()
            return
        if (total is not None and total < 2000) or done < 2000 or not sys.stderr.isatty():
            return
        if "p" not in state:
            from rich.progress import Progress

            from rich.console import Console

            state["p"] = Progress(console=Console(stderr=True), transient=True)
            state["p"].start()
            state["task"] = state["p"].add_task(label, total=total)
        state["p"].update(state["task"], completed=done, total=total)

    return cb
