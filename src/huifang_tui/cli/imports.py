"""``huifang import workorders|customers|sales|events FILE``: a file of the centre's records
read in (bad rows refused with their line, or skipped with ``--skip-bad``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from ..core.i18n import t
from .context import Context
from .output import progress_bar


def add_parsers(sub) -> None:  # noqa: ANN001
    pim = sub.add_parser("import", help=t("cli.import"))
    pim.add_argument("kind", choices=["workorders", "customers", "sales", "events"])
    pim.add_argument("file", type=Path)
    pim.add_argument("--skip-bad", action="store_true", help=t("cli.import_skip_bad"))
    pim.add_argument("--encoding", metavar="NAME", help=t("cli.import_encoding"))


def import_file(ctx: Context) -> int:
    """Exit 1 when rows were refused (nothing written) or, without ``--skip-bad``, skipped."""
    from ..services.imports import ImportRejected, import_file

    args, store, actor = ctx.args, ctx.store, ctx.actor
    progress = progress_bar(args.file.name)
    try:
        rep = import_file(store, actor, args.kind, args.file, skip_bad=args.skip_bad, progress=progress,
                          encoding=args.encoding)
    except ImportRejected as e:
        progress(None, None)
        ctx.say(str(e), file=sys.stderr)
        return 1
    progress(None, None)
    ctx.say(rep.describe())
    return 1 if rep.rejected and not args.skip_bad else 0


COMMANDS: dict[str, Callable[[Context], int]] = {"import": import_file}
