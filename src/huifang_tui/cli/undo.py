"""``huifang undo NUMBER``: the author undoes the last outcome recorded (issue 16 item 3)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..core.i18n import t


def add_parsers(sub) -> None:  # noqa: ANN001
    pu = sub.add_parser("undo", help=t("firsthour.cli.undo"))
    pu.add_argument("number", metavar="NUMBER", help=t("firsthour.cli.undo_number"))


def _cmd_undo(args) -> int:  # noqa: ANN001
    """Refusals (too late, not the author, changed since) exit 2 through the CLI's mapping."""
    from . import _actor, _say, _store
    from ..services.undo import undo_last, undo_text

    store = _store(args)
    _say(undo_text(undo_last(store, _actor(store, args), args.number)))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"undo": _cmd_undo}
