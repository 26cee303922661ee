"""``huifang queue`` (an agent's callbacks for a day, as a table or JSON) and ``huifang record``
(an outcome recorded through the same service as the call screen)."""

from __future__ import annotations

from collections.abc import Callable

from ..core.i18n import t
from .context import Context
from .parser import DATE


def add_parsers(sub) -> None:  # noqa: ANN001
    pq = sub.add_parser("queue", help=t("cli.queue"))
    pq.add_argument("--date", type=DATE)
    g = pq.add_mutually_exclusive_group()
    g.add_argument("--agent", metavar="LOGIN")
    g.add_argument("--all", action="store_true")
    pq.add_argument("--json", action="store_true")

    pr = sub.add_parser("record", help=t("cli.record"))
    pr.add_argument("number")
    pr.add_argument("--outcome", required=True)
    pr.add_argument("--scores", metavar="RESOLUTION,ATTITUDE", help=t("opt.scores"))
    pr.add_argument("--reached", metavar="NAME/POSITION", help=t("opt.reached"))
    pr.add_argument("--note", default="")
    pr.add_argument("--when", help=t("cli.record_when"))
    pr.add_argument("--to", help=t("cli.record_to"))
    pr.add_argument("--lead", action="store_true", help=t("sales.opt_lead"))
    pr.add_argument("--reason", default="", help=t("onecall.opt_reason"))


def queue(ctx: Context) -> int:
    from ..services.queue import queue_rows

    args, store, actor = ctx.args, ctx.store, ctx.actor
    day = args.date or store.today()
    agent = None if args.all else (args.agent or actor.login)
    rows = queue_rows(store, actor, day, agent=agent, all_agents=args.all)
    if ctx.as_json:
        ctx.print_json([r.as_json() for r in rows])
        return 0
    from ..services.requests import my_requests
    from .text import render_queue_text

    # the state column says what the queue screen's says: the reader's requests and drafts too
    asked = my_requests(store, actor) if agent == actor.login else []
    ctx.say(render_queue_text(rows, day, asked))
    if agent == actor.login:  # one's own queue: the day's figures, as the queue screen's top line (issue 25 item 1)
        from ..services.figures import my_day

        key, values = my_day(store, actor, day).day.message()
        ctx.say(t("dayfig.on_day", day=day.isoformat(), figures=t(key, **values)))
    return 0


def record(ctx: Context) -> int:
    """``huifang record NUMBER --outcome CODE …`` through the same service as the screen."""
    from ..core.errors import ValidationError
    from ..domain.outcomes import OutcomeError
    from ..services.recording import (
        CallRecord, next_step, outcome_error, record_attempt, reschedule_time, stated_time,
    )

    args, store, actor = ctx.args, ctx.store, ctx.actor
    now = store.now()
    rec = CallRecord(outcome=args.outcome, note=args.note or "", reason=args.reason or "")
    try:
        if args.when:
            rec.at = stated_time(store, args.when, now)
    except OutcomeError as e:
        raise outcome_error(e) from e
    if args.to:  # read from the stated time, not the clock (issue 23 item 2)
        rec.to = reschedule_time(store, args.to, rec.at or now)
    if args.scores:
        parts = [p.strip() for p in args.scores.replace("，", ",").split(",")]
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise ValidationError(t("call.err.scores_format", value=args.scores))
        rec.score_resolution, rec.score_attitude = int(parts[0]), int(parts[1])
    if args.reached:
        name, _, pos = args.reached.partition("/")
        rec.reached_name, rec.reached_position = name.strip(), pos.strip()
    if args.lead:  # a sales lead is noted on a reached call (SPEC §7 leads)
        if rec.outcome != "completed":
            raise ValidationError(t("sales.err.lead_outcome", outcome=args.outcome))
        rec.sales_lead = True
    res = record_attempt(store, actor, args.number, rec)
    ctx.say(next_step(res, rec.outcome, store.now()))
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {"queue": queue, "record": record}
