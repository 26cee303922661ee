"""``huifang migrate-to URL``: move the SQLite store to an empty PostgreSQL database (issue 15)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from ..core.i18n import t
from .context import Context


def add_parsers(sub) -> None:  # noqa: ANN001
    p = sub.add_parser("migrate-to", help=t("cli.migrate_to"))
    p.add_argument("url", help=t("cli.migrate_to_url"))


def migrate(ctx: Context) -> int:
    """A target that already holds tables is refused (``TargetNotEmpty``, exit 2 by the map in
    ``cli/exits.py``)."""
    from ..core import config
    from ..services import maintenance
    from ..services.migrate_to import migrate_to

    store = ctx.store
    actor = maintenance.db_actor(store, ctx.args.as_login)
    target = config.to_url(ctx.args.url)
    checks = migrate_to(store, actor, target,
                        progress=lambda table, _n: print(t("mig.copying", table=table), file=sys.stderr))
    width = max(max(len(c.table) for c in checks), len(t("mig.table")))
    print(t("mig.header", table=t("mig.table").ljust(width)))
    for c in checks:
        print(t("mig.line", table=c.table.ljust(width), source=c.source_rows, target=c.target_rows,
                sum=c.target_sum[:16], mark="✓" if c.ok else "✗"))
    print(t("mig.done", url=config.display_db(target), tables=len(checks),
            rows=sum(c.target_rows for c in checks)))
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {"migrate-to": migrate}
