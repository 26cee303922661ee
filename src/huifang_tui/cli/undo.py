"""``huifang undo NUMBER``: the author undoes the last outcome recorded (issue 16 item 3)."""

from __future__ import annotations

from collections.abc import Callable

from ..core.i18n import t
from .context import Context


def add_parsers(sub) -> None:  # noqa: ANN001
    pu = sub.add_parser("undo", help=t("firsthour.cli.undo"))
    pu.add_argument("number", metavar="NUMBER", help=t("firsthour.cli.undo_number"))


def undo(ctx: Context) -> int:
    """Refusals (too late, not the author, changed since) exit 2 through the CLI's mapping."""
    from ..services.undo import undo_last, undo_text

    store = ctx.store
    ctx.say(undo_text(undo_last(store, ctx.actor, ctx.args.number)))
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {"undo": undo}
