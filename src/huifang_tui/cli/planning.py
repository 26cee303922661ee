"""``huifang plan`` (the planner: callbacks created and cancelled from what changed) and
``huifang visit`` (an annual on-site visit planned for a customer)."""

from __future__ import annotations

from collections.abc import Callable

from ..core.i18n import t
from .context import Context
from .parser import DATE, DATETIME, INT


def add_parsers(sub) -> None:  # noqa: ANN001
    pp = sub.add_parser("plan", help=t("cli.plan"))
    pp.add_argument("--now", type=DATETIME, help=t("cli.plan_now"))
    pp.add_argument("--full", action="store_true", help=t("cli.plan_full"))

    pv = sub.add_parser("visit", help=t("cli.visit"))
    pv.add_argument("customer", help=t("cli.visit_customer"))
    pv.add_argument("date", type=DATE)
    pv.add_argument("--n", type=INT, default=1, help=t("cli.visit_n"))


def plan(ctx: Context) -> int:
    from ..services.planner import run_planner

    args = ctx.args
    store = ctx.store
    rep = run_planner(store, now=args.now, actor=ctx.scheduled_actor, full=args.full)
    ctx.say(t("plan.report", created=rep.created, cancelled=rep.cancelled, now=rep.now.isoformat(" ")))
    return 0


def visit(ctx: Context) -> int:
    from ..services.planner import plan_annual_visit

    args = ctx.args
    store = ctx.store
    number = plan_annual_visit(store, ctx.actor, args.customer, args.date, args.n)
    ctx.say(t("visit.planned", number=number, name=args.customer, date=args.date.isoformat()))
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {"plan": plan, "visit": visit}
