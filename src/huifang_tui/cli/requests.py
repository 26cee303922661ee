"""``huifang request list|ask|approve|refuse``: requests to a supervisor — a 改约 or a deferral
past the deadline (issue 25 item 5), the same service as the call screen, the queue and the
board's keys (``services.requests``). Refusals exit 2, bad input 1 (``cli/exits.py``)."""

from __future__ import annotations

from collections.abc import Callable

from ..core.i18n import t
from .context import Context
from .parser import INT


def add_parsers(sub) -> None:  # noqa: ANN001
    from ..domain.words import REQUEST_STATES

    pr = sub.add_parser("request", help=t("requests.cli.request"))
    rsub = pr.add_subparsers(dest="request_cmd", required=True, metavar="ACTION")
    pl = rsub.add_parser("list", help=t("requests.cli.list"))
    pl.add_argument("--state", choices=REQUEST_STATES, help=t("requests.cli.state"))
    pl.add_argument("--all", action="store_true", help=t("requests.cli.all"))
    pl.add_argument("--json", action="store_true")
    pk = rsub.add_parser("ask", help=t("requests.cli.ask"))
    pk.add_argument("number", metavar="NUMBER", help=t("requests.cli.number"))
    pk.add_argument("--to", metavar="TIME", help=t("requests.cli.to"))
    pk.add_argument("--defer-to", metavar="DATE", dest="defer_to", help=t("requests.cli.defer_to"))
    pk.add_argument("--reason", required=True, help=t("requests.cli.reason"))
    pk.add_argument("--json", action="store_true")
    pa = rsub.add_parser("approve", help=t("requests.cli.approve"))
    pa.add_argument("id", metavar="ID", type=INT, help=t("requests.cli.id"))
    pa.add_argument("--json", action="store_true")
    pf = rsub.add_parser("refuse", help=t("requests.cli.refuse"))
    pf.add_argument("id", metavar="ID", type=INT, help=t("requests.cli.id"))
    pf.add_argument("--reason", default="", help=t("requests.cli.reason"))
    pf.add_argument("--json", action="store_true")


def request(ctx: Context) -> int:
    return {"list": _list, "ask": _ask, "approve": _approve, "refuse": _refuse}[ctx.args.request_cmd](ctx)


def _list(ctx: Context) -> int:
    from ..services.requests import PENDING, list_requests

    args = ctx.args
    state = None if args.all else (args.state or PENDING)
    rows = list_requests(ctx.store, ctx.actor, state)
    if ctx.as_json:
        ctx.print_json([r.as_json() for r in rows])
        return 0
    if not rows:
        ctx.say(t("requests.cli.none"))
        return 0
    for r in rows:
        ctx.say(f"{r.id:<5} {r.number:<13} {r.what():<22}  {r.requested_by:<12}  {t(f'requests.mark.{r.state}')}")
        ctx.say(f"      {t('requests.alert_detail', what=r.customer, deadline=r.deadline_text or '—', reason=r.reason)}")
        if r.state != PENDING:
            ctx.say(f"      {r.answer_line()}")
    return 0


def _ask(ctx: Context) -> int:
    from ..core.errors import ValidationError
    from ..domain.timephrase import PhraseError, read_day
    from ..services.recording import reschedule_time
    from ..services.requests import ask

    args, store = ctx.args, ctx.store
    if bool(args.to) == bool(args.defer_to):
        raise ValidationError(t("requests.cli.to_or_defer"))
    if args.to:
        kind, wanted = "reschedule", reschedule_time(store, args.to)
    else:
        try:
            kind, wanted = "defer", read_day(args.defer_to, store.now().date())
        except PhraseError:
            raise ValidationError("--defer-to: " + t("cli.expect.date", value=args.defer_to,
                                                     usage=t("time_examples.day"))) from None
    view = ask(store, ctx.actor, args.number, kind, wanted, args.reason)
    if ctx.as_json:
        ctx.print_json(view.as_json())
    else:
        ctx.say(t("requests.asked", number=view.number, what=view.what()) + f"  (#{view.id})")
    return 0


def _approve(ctx: Context) -> int:
    from ..services.requests import approve

    view, said = approve(ctx.store, ctx.actor, ctx.args.id)
    if ctx.as_json:
        ctx.print_json({**view.as_json(), "applied": said})
    else:
        ctx.say(t("requests.approved", number=view.number, said=said))
    return 0


def _refuse(ctx: Context) -> int:
    from ..services.requests import refuse

    view = refuse(ctx.store, ctx.actor, ctx.args.id, ctx.args.reason)
    if ctx.as_json:
        ctx.print_json(view.as_json())
    else:
        ctx.say(t("requests.refused", number=view.number))
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {"request": request}
