"""``huifang calendar show|set`` (the centre's holidays and working days) and ``huifang policy
show|set`` (the centre's rules: deadlines, attempts, work hours)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from ..core.i18n import t
from .context import Context
from .parser import DATE


def add_parsers(sub) -> None:  # noqa: ANN001
    pc = sub.add_parser("calendar", help=t("cli.calendar"))
    csub = pc.add_subparsers(dest="cal_cmd", required=True, metavar="ACTION")
    cs = csub.add_parser("show", help=t("cli.calendar_show"))
    cs.add_argument("month", help="YYYY-MM")
    cset = csub.add_parser("set", help=t("cli.calendar_set"))
    cset.add_argument("day", type=DATE)
    cset.add_argument("what", choices=["holiday", "workday"])
    cset.add_argument("note", nargs="?", default="")

    ppo = sub.add_parser("policy", help=t("cli.policy"))
    posub = ppo.add_subparsers(dest="policy_cmd", required=True, metavar="ACTION")
    posub.add_parser("show", help=t("cli.policy_show"))
    pset = posub.add_parser("set", help=t("cli.policy_set"))
    pset.add_argument("file", type=Path)


def calendar(ctx: Context) -> int:
    from ..domain.dates import first_of_month
    from ..services import calendar as calsvc

    args, store, actor = ctx.args, ctx.store, ctx.actor
    if args.cal_cmd == "set":
        calsvc.set_day(store, actor, args.day, args.what == "workday", args.note)
        ctx.say(t("cal.set_done", day=args.day.isoformat(), what=t(f"cal.{args.what}")))
        return 0
    try:
        first = first_of_month(args.month)
    except ValueError:
        ctx.say(t("cal.bad_month", value=args.month), file=sys.stderr)
        return 1
    ctx.say(calsvc.month_text(store, actor, first))
    return 0


def policy(ctx: Context) -> int:
    from ..services import calendar as calsvc

    args, store, actor = ctx.args, ctx.store, ctx.actor
    if args.policy_cmd == "show":
        ctx.say(calsvc.policy_text(store, actor))
        return 0
    from ..core.checked_files import read_text

    calsvc.set_policy(store, actor, read_text(args.file))
    ctx.say(t("policy.saved", file=args.file))
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {"calendar": calendar, "policy": policy}
