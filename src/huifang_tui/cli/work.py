"""``huifang lapse``, ``huifang defer`` and ``huifang callbacks``: stale work, putting a callback
off, and the full history (SPEC §3, §7)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from ..domain.words import CALLBACK_STATUSES
from ..core.i18n import t


def add_parsers(sub) -> None:  # noqa: ANN001
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


def _cmd_lapse(args) -> int:  # noqa: ANN001
    from . import _actor, _store
    from ..services.stale import lapse

    store = _store(args)
    numbers = lapse(store, _actor(store, args), args.numbers, args.reason)
    print(t("work.lapsed", n=len(numbers), numbers=", ".join(numbers)))
    return 0


def _cmd_defer(args) -> int:  # noqa: ANN001
    """``huifang defer NUMBER --reason R [--to DATE] [--when T]``: the queue's ``d`` (SPEC §3),
    with the time it happened for a late entry (issue 23 item 2), read like ``record --when``;
    ``--to`` by the one reader of dates, relative to that time."""
    from . import _actor, _say, _store
    from ..domain.outcomes import OutcomeError
    from ..domain.timephrase import PhraseError, read_day
    from ..core.errors import ValidationError
    from ..services.recording import defer, outcome_error, stated_time

    store = _store(args)
    actor = _actor(store, args)
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
    day = defer(store, actor, args.number, args.reason, to, at)
    _say(t("work.deferred", number=args.number, day=day.isoformat()))
    if day <= now.date():  # put off to a day already come when entered: due at once (issue 23 item 2)
        _say(t("firsthour.next.passed"))
    return 0


def _cmd_callbacks(args) -> int:  # noqa: ANN001
    from . import _actor, _store
    from ..services.listing import list_callbacks, parse_month
    from .text import render_callbacks_text

    month = parse_month(args.month) if args.month else None
    store = _store(args)
    rows = list_callbacks(store, _actor(store, args), status=args.status, customer=args.customer,
                          agent=args.agent, month=month)
    if args.json:
        print(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=1))
    else:
        print(render_callbacks_text(rows))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"lapse": _cmd_lapse, "callbacks": _cmd_callbacks,
                                                         "defer": _cmd_defer}
