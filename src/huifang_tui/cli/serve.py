"""``huifang serve``: the scheduled work in the foreground, for a single machine without the
shared install's timers (issue 26) — the planner every half hour within the work hours (and
once at the start), the notification sender every minute (``cli.notify.deliver``, the same
run as ``huifang notify run``). One line per run that did something; Ctrl-C ends it with one
line, exit 0. ``--once`` runs each job once and stops.

It acts as ``Context.scheduled_actor``: the system when it is the shared install's service
account itself, else the person running it, who must be a supervisor or an admin (the
planner's refusal ends it, exit 2). Any other failure of one run is said in one line and the
next run goes on — a notify file that cannot be used (unsafe, refused) too: the planner goes
on, the board shows the sender's failure, and the run after the file is fixed sends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from ..core.i18n import t
from .context import Context


def add_parsers(sub) -> None:  # noqa: ANN001
    ps = sub.add_parser("serve", help=t("cli.serve"))
    ps.add_argument("--once", action="store_true", help=t("cli.serve_once"))


def serve(ctx: Context) -> int:
    import signal

    from ..domain.schedule import PLAN_EVERY_MINUTES, next_notify_at, next_plan_at, plan_times
    from ..services.calendar import work_hours

    store = ctx.store
    actor = ctx.scheduled_actor
    before = signal.signal(signal.SIGTERM, _stop)  # a kill (a service manager's stop) ends it as Ctrl-C does
    try:
        hours = [work_hours(store, actor)]  # read again after each planner run: the policy may change
        if not ctx.args.once:
            times = plan_times(hours[0])  # never empty: the policy refuses no work hours
            _say(ctx, t("serve.started", minutes=PLAN_EVERY_MINUTES, first=times[0].strftime("%H:%M") if times else "-"))
        plan_at = notify_at = store.now()  # each job once at the start
        while True:
            now = store.now()
            if plan_at is not None and now >= plan_at:
                _job(ctx, "job_plan", lambda: _plan(ctx, actor, hours))
                plan_at = next_plan_at(store.now(), hours[0])
            if now >= notify_at:
                _job(ctx, "job_notify", lambda: _notify(ctx, actor), ends=False)
                notify_at = next_notify_at(store.now())
            if ctx.args.once:
                return 0
            wake = min(at for at in (plan_at, notify_at) if at is not None)
            time.sleep(max(1.0, (wake - store.now()).total_seconds()))
    except KeyboardInterrupt:
        _say(ctx, t("serve.stopped"))
        return 0
    finally:
        signal.signal(signal.SIGTERM, before)


def _stop(_signum, _frame) -> None:  # noqa: ANN001
    raise KeyboardInterrupt


def _say(ctx: Context, line: str) -> None:
    """One line, written at once (a log or a pipe reads it as it happens)."""
    import sys

    ctx.say(line)
    sys.stdout.flush()


def _job(ctx: Context, name: str, run: Callable[[], str | None], *, ends: bool = True) -> None:
    """One run of one job: its line when it did something. A refusal of a job that ``ends``
    (the planner: a person who may not plan) ends ``serve``; anything else — the sender's
    refusal of an unsafe notify file among it — is said in one line and the next run goes on."""
    from ..core.errors import Refused

    try:
        line = run()
    except Exception as e:  # noqa: BLE001 - one failed run is said and the loop goes on
        if ends and isinstance(e, Refused):
            raise
        _say(ctx, t("serve.failed", at=_stamp(ctx.store.now()), job=t(f"serve.{name}"), error=_plain(ctx, e)))
        return
    if line:
        _say(ctx, line)


def _plan(ctx: Context, actor, hours: list) -> str | None:  # noqa: ANN001
    """One planner run; ``hours[0]`` becomes the policy's work hours as they are now."""
    from ..services.calendar import work_hours
    from ..services.planner import run_planner

    rep = run_planner(ctx.store, actor=actor)
    hours[0] = work_hours(ctx.store, actor)
    if not rep.created and not rep.cancelled:
        return None
    return t("serve.plan", at=_stamp(ctx.store.now()), created=rep.created, cancelled=rep.cancelled)


def _notify(ctx: Context, actor) -> str | None:  # noqa: ANN001
    from .notify import deliver

    rep = deliver(ctx.store, actor)
    return f"{_stamp(ctx.store.now())} {rep.message()}" if rep.did_something else None


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def _plain(ctx: Context, e: Exception) -> str:
    """The error in one line: a service's own words, else what ``core.crash`` says of it
    (the traceback to the error log)."""
    from ..core import config
    from ..core.crash import explain
    from .exits import exit_status

    if exit_status(e) is not None:
        text = str(e)
    else:
        url, _src = config.resolve_db(ctx.args.db)
        text, _log = explain(e, config.display_db(url))
    return " ".join(text.split())


COMMANDS: dict[str, Callable[[Context], int]] = {"serve": serve}
