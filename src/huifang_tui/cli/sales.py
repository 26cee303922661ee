"""``huifang sales``: the sales as imported, for checking converted leads (issue 22 §10)."""

from __future__ import annotations

from collections.abc import Callable

from ..core.i18n import t
from .context import Context
from .parser import DATE


def add_parsers(sub) -> None:  # noqa: ANN001
    ps = sub.add_parser("sales", help=t("sales.cli"))
    ps.add_argument("--customer", metavar="TEXT", help=t("sales.cli_customer"))
    ps.add_argument("--since", type=DATE, metavar="YYYY-MM-DD", help=t("sales.cli_since"))
    ps.add_argument("--until", type=DATE, metavar="YYYY-MM-DD", help=t("sales.cli_until"))
    ps.add_argument("--json", action="store_true", help=t("cli.json"))


def sales(ctx: Context) -> int:
    from ..services.sales import list_sales

    args, store = ctx.args, ctx.store
    rows = list_sales(store, ctx.actor, customer=args.customer, since=args.since, until=args.until)
    if ctx.as_json:
        ctx.print_json([r.as_json() for r in rows])
        return 0
    if not rows:
        ctx.say(t("sales.none"))
        return 0
    for r in rows:
        ctx.say(t("sales.line", date=r.sold_on.isoformat(), contract=r.contract_no, customer=r.customer,
               product=r.product, quantity=r.quantity, amount=r.amount))
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {"sales": sales}
