"""``huifang sales``: the sales as imported, for checking converted leads (issue 22 §10)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from ..core.i18n import t


def add_parsers(sub) -> None:  # noqa: ANN001
    from . import _DATE

    ps = sub.add_parser("sales", help=t("sales.cli"))
    ps.add_argument("--customer", metavar="TEXT", help=t("sales.cli_customer"))
    ps.add_argument("--since", type=_DATE, metavar="YYYY-MM-DD", help=t("sales.cli_since"))
    ps.add_argument("--until", type=_DATE, metavar="YYYY-MM-DD", help=t("sales.cli_until"))
    ps.add_argument("--json", action="store_true", help=t("cli.json"))


def _cmd_sales(args) -> int:  # noqa: ANN001
    from . import _actor, _say, _store
    from ..services.sales import list_sales

    store = _store(args)
    rows = list_sales(store, _actor(store, args), customer=args.customer, since=args.since, until=args.until)
    if args.json:
        print(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        _say(t("sales.none"))
        return 0
    for r in rows:
        _say(t("sales.line", date=r.sold_on.isoformat(), contract=r.contract_no, customer=r.customer,
               product=r.product, quantity=r.quantity, amount=r.amount))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"sales": _cmd_sales}
