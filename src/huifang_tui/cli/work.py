"""``huifang assign``, ``huifang lapse``, ``huifang defer`` and ``huifang callbacks``: moving a
callback to a person or the pool, stale work, putting a callback off, and the full history
(SPEC §3, §7)."""

from __future__ import annotations

from collections.abc import Callable

from ..core.i18n import t
from ..domain.words import CALLBACK_STATUSES
from .context import Context


def add_parsers(sub) -> None:  # noqa: ANN001
    pas = sub.add_parser("assign", help=t("cli.assign"))
    pas.add_argument("number")
    pas.add_argument("login", help=t("cli.assign_login"))

    pl = sub.add_parser("lapse", help=t("work.cli_lapse"))
    pl.add_argument("numbers", nargs="+", metavar="NUMBER")
    pl.add_argument("--reason", required=True, help=t("work.cli_lapse_reason"))

    pd = sub.add_parser("defer", help=t("work.cli_defer"))
    pd.add_argument("number", metavar="NUMBER", help=t("opt.callback"))
    pd.add_argument("--reason", required=True, help=t("work.cli_defer_reason"))
    pd.add_argument("--to", metavar="DATE", help=t("work.cli_defer_to"))
    pd.add_argument("--when", help=t("work.cli_defer_when"))

    pc = sub.add_parser("callbacks", help=t("work.cli_callbacks"))
    pc.add_argument("--status", choices=CALLBACK_STATUSES)
    pc.add_argument("--customer", metavar="TEXT", help=t("work.cli_customer"))
    pc.add_argument("--agent", metavar="LOGIN")
    pc.add_argument("--month", metavar="YYYY-MM", help=t("work.cli_month"))
    pc.add_argument("--json", action="store_true")


def assign(ctx: Context) -> int:
    """``huifang assign NUMBER LOGIN`` (``-`` or ``pool``: back to the pool)."""
    from ..services.assignment import assign as assign_callback
    from ..services.assignment import display_names, person

    args, store, actor = ctx.args, ctx.store, ctx.actor
    login = None if args.login in ("-", "pool") else args.login
    cb = assign_callback(store, actor, args.number, login)
    to = person(display_names(store, actor).get(cb.agent_login, ""), cb.agent_login) if cb.agent_login else t("cli.pool")
    ctx.say(t("cli.assigned", number=cb.number, login=to))
    return 0


def lapse(ctx: Context) -> int:
    from ..services.stale import lapse as lapse_callbacks

    args, store = ctx.args, ctx.store
    numbers = lapse_callbacks(store, ctx.actor, args.numbers, args.reason)
    print(t("work.lapsed", n=len(numbers), numbers=", ".join(numbers)))
    return 0


def defer(ctx: Context) -> int:
    """``huifang defer NUMBER --reason R [--to DATE] [--when T]``: the queue's ``d`` (SPEC §3),
    with the time it happened for a late entry (issue 23 item 2), read like ``record --when``;
    ``--to`` by the one reader of dates, relative to that time."""
    from ..core.errors import ValidationError
    from ..domain.outcomes import OutcomeError
    from ..domain.timephrase import PhraseError, read_day
    from ..services.recording import defer as defer_callback
    from ..services.recording import outcome_error, stated_time

    args, store, actor = ctx.args, ctx.store, ctx.actor
    now = store.now()
    try:
        at = stated_time(store, args.when, now) if args.when else None
    except OutcomeError as e:
        raise outcome_error(e) from e
    to = None
    if args.to:
        try:
            to = read_day(args.to, (at or now).date())
        except PhraseError:
            raise ValidationError("--to: " + t("cli.expect.date", value=args.to, usage=t("time_examples.day"))) from None
    day = defer_callback(store, actor, args.number, args.reason, to, at)
    ctx.say(t("work.deferred", number=args.number, day=day.isoformat()))
    if day <= now.date():  # put off to a day already come when entered: due at once (issue 23 item 2)
        ctx.say(t("firsthour.next.passed"))
    return 0


def callbacks(ctx: Context) -> int:
    from ..services.listing import list_callbacks, parse_month
    from .text import render_callbacks_text

    args = ctx.args
    month = parse_month(args.month) if args.month else None
    store = ctx.store
    rows = list_callbacks(store, ctx.actor, status=args.status, customer=args.customer,
                          agent=args.agent, month=month)
    if ctx.as_json:
        ctx.print_json([r.as_json() for r in rows])
    else:
        print(render_callbacks_text(rows))
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {"assign": assign, "lapse": lapse, "callbacks": callbacks,
                                                 "defer": defer}
