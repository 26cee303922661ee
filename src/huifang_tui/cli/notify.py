"""``huifang notify test|run|status|retry|route`` (issue 26): a channel tried with a test message, the
outbox sent (``deliver``, also what ``huifang serve`` runs every minute), read, and routed.

The channels come from the notify file (``channels.config``); the work is
``services/notify.py``. Exit 0 done · 1 bad input or not delivered · 2 refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from ..core.i18n import t
from .context import Context
from .parser import DATETIME, INT

if TYPE_CHECKING:
    from ..channels.config import ChannelConfig
    from ..core.identity import Actor
    from ..services.base import Store
    from ..services.notify import RunReport


def _said(key: str) -> dict[str, str]:
    """A subcommand's help, listed under ``huifang notify --help`` and said again at the top of
    its own ``--help`` (who may run it)."""
    text = t(key)
    return {"help": text, "description": text}


def add_parsers(sub) -> None:  # noqa: ANN001
    from ..domain.notify import STATUS_LIMIT  # not services: --help loads no database code

    pn = sub.add_parser("notify", help=t("notifysend.cli.notify"), description=t("notifysend.cli.notify_who"))
    nsub = pn.add_subparsers(dest="notify_cmd", required=True, metavar="ACTION")
    pt = nsub.add_parser("test", **_said("notifysend.cli.test"))
    pt.add_argument("channel", metavar="CHANNEL", help=t("notifysend.cli.channel"))
    pr = nsub.add_parser("run", **_said("notifysend.cli.run"))
    pr.add_argument("--now", type=DATETIME, metavar="DT", help=t("notifysend.cli.now"))
    pr.add_argument("--json", action="store_true")
    ps = nsub.add_parser("status", **_said("notifysend.cli.status"))
    ps.add_argument("--failed", action="store_true", help=t("notifysend.cli.failed"))
    ps.add_argument("--limit", type=INT, default=STATUS_LIMIT, metavar="N",
                    help=t("notifysend.cli.limit", n=STATUS_LIMIT))
    ps.add_argument("--json", action="store_true")
    pre = nsub.add_parser("retry", **_said("notifysend.cli.retry"))
    pre.add_argument("ids", nargs="*", metavar="ID", help=t("notifysend.cli.retry_ids"))
    pre.add_argument("--failed", action="store_true", help=t("notifysend.cli.retry_failed"))
    pre.add_argument("--json", action="store_true")
    pro = nsub.add_parser("route", **_said("notifysend.cli.route"))
    pro.add_argument("kind", nargs="?", metavar="KIND", help=t("notifysend.cli.kind"))
    pro.add_argument("channels", nargs="*", metavar="CHANNEL", help=t("notifysend.cli.channels"))
    pro.add_argument("--clear", action="store_true", help=t("notifysend.cli.clear"))
    pro.add_argument("--json", action="store_true")


def notify(ctx: Context) -> int:
    return {"test": _test, "run": _run, "status": _status, "retry": _retry,
            "route": _route}[ctx.args.notify_cmd](ctx)


def acting_actor(ctx: Context) -> Actor:
    """Who a run acts as: the system when this process is the shared install's scheduled
    service (``Context.scheduled_actor``), else the person running it."""
    return ctx.scheduled_actor


def load_channels() -> dict[str, ChannelConfig]:
    """The notify file's channels. An unsafe file (its owner or mode) is refused (exit 2); a
    file that cannot be read as channels names the channel and field (exit 1)."""
    from ..channels.config import ChannelConfigError
    from ..channels.config import load_channels as load

    try:
        return load()
    except ChannelConfigError as e:
        raise e.as_error() from None


def month_attachment(store: Store, actor: Actor) -> Callable[[str], tuple[str, bytes] | None]:
    """What a notification's ``attach`` names, made now: ``month:YYYY-MM:vN`` → that approved
    version's .xlsx as ``huifang report monthly --version N --out F.xlsx`` writes it (the figures
    approved, however the month was amended since), in memory, named in the current language
    with its version. ``month:YYYY-MM`` (written before the version was named) → the month's
    latest approved version."""

    def build(attach: str) -> tuple[str, bytes] | None:
        what, _, value = attach.partition(":")
        if what != "month":
            return None
        from ..exporting.sheets import xlsx_bytes
        from ..services.report import monthly_report, parse_month, snapshots

        text, named, number = value.partition(":v")
        if named and not number.isdigit():
            parse_month(value)  # refused as a bad month, naming it
        month = parse_month(text)
        if named:
            version: int | None = int(number)
        else:
            version = max((r.version for r in snapshots(store, month) if r.data), default=None)
        if version is None:  # never approved: the month as the report shows it
            return (t("notifysend.attachment_name", month=str(month)),
                    xlsx_bytes(masked_for_mail(monthly_report(store, actor, month))))
        return (t("notifysend.attachment_name_version", month=str(month), version=version),
                xlsx_bytes(masked_for_mail(monthly_report(store, actor, month, version=version))))

    return build


#: the record fields people type freely (and the phone itself): what leaves the app carries
#: masked phones only (issue 26 item 5). Number, dates, 工单编号 and WT numbers stay whole.
MAILED_FREE_TEXT = ("customer", "contact", "phone", "service_staff", "suggestions", "improvement",
                    "owner", "note")


def masked_for_mail(report):  # noqa: ANN001, ANN201 - a services.report.MonthReport
    """The month's report as it may leave the app by mail: every phone-like run in the rows'
    free text masked with the one rule (``domain.masking.mask_text``), whole notes kept. The
    department's own ``report monthly --xlsx`` export is not this (it stays as it is)."""
    from dataclasses import replace

    from ..domain.masking import mask_text

    records = [replace(r, **{f: mask_text(getattr(r, f) or "") for f in MAILED_FREE_TEXT})
               for r in report.records]
    return replace(report, records=records)


def deliver(store: Store, actor: Actor, now: datetime | None = None) -> RunReport:
    """One run of the sender (``huifang notify run``, and ``huifang serve`` every minute): the
    notify file's channels, the month's .xlsx for the approved month's notification. A notify
    file that cannot be used is kept as the sender's failure (the board's alert) before it is
    refused; the next run that can send clears it."""
    from ..channels.config import ChannelConfigError
    from ..channels.config import load_channels as load
    from ..services.notify import run_due, sender_failed

    try:
        channels = load()
    except ChannelConfigError as e:
        sender_failed(store, actor, e.message(), now)
        raise e.as_error() from None
    return run_due(store, actor, channels, attachment=month_attachment(store, actor), now=now)


def _test(ctx: Context) -> int:
    from ..core.errors import ServiceError
    from ..services.base import require
    from ..services.notify import send_test

    store, actor, name = ctx.store, ctx.actor, ctx.args.channel
    require(actor, "admin", store=store, what="notify.test", target=name)  # before the file is read
    answer = send_test(store, actor, name, load_channels().get(name))
    said = " ".join(str(answer.text).split()) or t("notifysend.no_answer")
    if not answer.ok:
        raise ServiceError(t("notifysend.test_failed", channel=name, answer=said))
    ctx.say(t("notifysend.test_ok", channel=name, answer=said))
    return 0


def _run(ctx: Context) -> int:
    report = deliver(ctx.store, acting_actor(ctx), ctx.args.now)
    if ctx.as_json:
        ctx.print_json(report.as_json())
    else:
        ctx.say(report.message())
    return 0


def _status(ctx: Context) -> int:
    from ..core.errors import ValidationError
    from ..domain.notify import STATUS_LIMIT_MAX
    from ..services.notify import status_page

    if ctx.args.limit < 1:
        raise ValidationError(t("notifysend.err.limit", value=ctx.args.limit))
    if ctx.args.limit > STATUS_LIMIT_MAX:
        raise ValidationError(t("notifysend.err.limit_max", value=ctx.args.limit, n=STATUS_LIMIT_MAX))
    rows, more = status_page(ctx.store, ctx.actor, failed_only=ctx.args.failed, limit=ctx.args.limit)
    if ctx.as_json:
        ctx.print_json(rows)
        return 0
    if not rows and not more:
        ctx.say(t("notifysend.none_failed" if ctx.args.failed else "notifysend.none"))
        return 0
    if rows:
        ctx.say(t("notifysend.status_header"))
    for r in rows:
        state = "sending" if r["sending"] else r["state"]
        at = {"sent": r["sent_at"], "failed": r["failed_at"], "unrouted": r["created_at"]}.get(
            state, r["next_try_at"])
        ctx.say(t("notifysend.status_line", id=r["id"], state=t(f"notifysend.state.{state}"),
                  kind=t(f"notify.kind.{r['kind']}"), channel=r["channel"] or "—",
                  when=t(f"notifysend.when.{state}", at=(at or "").replace("T", " ")[:16]), title=r["title"]))
        if r["attempts"]:
            ctx.say(t("notifysend.attempts_line_one" if r["attempts"] == 1 else "notifysend.attempts_line",
                      n=r["attempts"], answer=r["answer"] or t("notifysend.no_answer")))
    if more:
        ctx.say(t("notifysend.more_one" if more == 1 else "notifysend.more", n=more))
    return 0


def _retry(ctx: Context) -> int:
    from ..core.errors import ValidationError
    from ..services.notify import retry

    args = ctx.args
    if args.ids and args.failed:
        raise ValidationError(t("notifysend.err.retry_both"))
    if not args.ids and not args.failed:
        raise ValidationError(t("notifysend.err.retry_what"))
    ids = []
    for value in args.ids:
        text = value.strip().lstrip("#＃")
        if not text.isdigit() or len(text) > 18:
            raise ValidationError(t("notifysend.err.retry_id", value=value))
        ids.append(int(text))
    done = retry(ctx.store, ctx.actor, ids, every_failed=args.failed)
    if ctx.as_json:
        ctx.print_json({"retried": done})
    elif done:
        ctx.say(t("notifysend.retried", n=len(done), ids=", ".join(f"#{i}" for i in done)))
    else:
        ctx.say(t("notifysend.retried_none"))
    return 0


def _route(ctx: Context) -> int:
    from ..core.errors import ValidationError
    from ..domain.notify import KINDS
    from ..services import notify as svc
    from ..services.base import require

    args, store, actor = ctx.args, ctx.store, ctx.actor
    if args.clear and not args.kind:
        raise ValidationError(t("notifysend.err.clear_needs_kind"))
    if args.clear and args.channels:
        raise ValidationError(t("notifysend.err.clear_with_channels"))
    if args.channels or args.clear:
        require(actor, "admin", store=store, what="notify.route", target=args.kind)  # before the file is read
        if args.kind.partition("@")[0] not in KINDS:  # KIND@DEPARTMENT: its department checked by set_route
            raise ValidationError(t("notifysend.err.kind", kind=args.kind, kinds=", ".join(KINDS)))
        if args.channels:
            _check_channels(args.channels)
        have = svc.set_route(store, actor, args.kind, [] if args.clear else args.channels)
        if ctx.as_json:
            ctx.print_json(_routes_json({args.kind: have[args.kind]}))
        elif args.clear and "@" in args.kind:  # the department's notifications: its kind's route now
            ctx.say(t("notify.route.cleared_department", route=args.kind, kind=args.kind.partition("@")[0]))
        elif args.clear:
            ctx.say(t("notifysend.route_cleared", kind=args.kind))
        else:
            ctx.say(t("notifysend.route_set", kind=args.kind, channels=", ".join(have[args.kind])))
        return 0
    have = svc.routes(store, actor)
    if args.kind:
        if args.kind.partition("@")[0] not in KINDS:
            raise ValidationError(t("notifysend.err.kind", kind=args.kind, kinds=", ".join(KINDS)))
        have = {args.kind: have.get(args.kind, [])}
    if ctx.as_json:
        ctx.print_json(_routes_json(have))
        return 0
    for kind, channels in have.items():
        plain = kind.partition("@")[0]  # a department's own route: its kind's words
        ctx.say(t("notifysend.route_line", kind=kind, words=t(f"notify.kind.{plain}"),
                  audience=t(f"notifysend.audience.{KINDS[plain].audience}"),
                  channels=", ".join(channels) or t("notifysend.unrouted")))
    return 0


def _routes_json(have: dict[str, list[str]]) -> list[dict]:
    from ..domain.notify import KINDS

    return [{"kind": k.partition("@")[0], **({"department": k.partition("@")[2]} if "@" in k else {}),
             "audience": KINDS[k.partition("@")[0]].audience, "channels": v} for k, v in have.items()]


def _check_channels(names: list[str]) -> None:
    """Every channel named is one of the notify file's (a typo would route into nothing)."""
    from ..channels.config import notify_file
    from ..core.errors import ValidationError

    known = load_channels()
    for name in names:
        if name not in known:
            raise ValidationError(t("notifysend.err.unknown_channel", file=notify_file(), channel=name,
                                    known=", ".join(sorted(known)) or "—"))


COMMANDS: dict[str, Callable[[Context], int]] = {"notify": notify}
