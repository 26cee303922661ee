"""``huifang board`` and ``huifang audit`` (issue 12): supervisors and admins only; an agent is
refused (exit 2). JSON output masks every phone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

from ..core.i18n import t
from .context import Context
from .output import console_text
from .parser import DATE


def add_parsers(sub) -> None:  # noqa: ANN001
    pb = sub.add_parser("board", help=t("cli.board"))
    pb.add_argument("--date", type=DATE, help=t("cli.board_date"))
    pb.add_argument("--json", action="store_true", help=t("cli.json"))
    pa = sub.add_parser("audit", help=t("cli.audit"))
    pa.add_argument("--since", type=DATE, help=t("cli.audit_since"))
    pa.add_argument("--login", help=t("cli.audit_login"))
    pa.add_argument("--json", action="store_true", help=t("cli.json"))


def board(ctx: Context) -> int:
    from ..services.board import board as read_board

    store, actor = ctx.store, ctx.actor

    b = read_board(store, actor, ctx.args.date)
    if ctx.as_json:
        ctx.print_json(b.as_json())
        return 0
    from ..services.assignment import display_names

    print(render_board_text(b, display_names(store, actor)))
    return 0


def audit(ctx: Context) -> int:
    from ..services.audit_log import audit_log

    args, store, actor = ctx.args, ctx.store, ctx.actor

    since = datetime.combine(args.since, time.min) if args.since else None
    rows = audit_log(store, actor, since=since, login=args.login, limit=10_000)
    if ctx.as_json:
        ctx.print_json([r.as_json() for r in rows])
        return 0
    from rich.table import Table

    from ..core.safe_text import literal
    from ..services.assignment import display_names, person

    names = display_names(store, actor)  # people as people know them, with the login (issue 22 §15)
    table = Table(title=t("audit.title"))
    for key in ("at", "login", "action", "entity", "detail"):
        table.add_column(t(f"audit.col.{key}"))
    for r in rows:  # in words, as the audit log screen shows them (issue 25 item 16); --json keeps the codes
        who = person(names[r.login], r.login) if r.login in names else r.who  # the system in words
        table.add_row(r.at.isoformat(" ", timespec="seconds"), literal(who),
                      literal(r.action_text), literal(r.subject), literal(r.change_text))
    print(console_text(table, width=140))
    return 0


def render_board_text(b, names: dict[str, str] | None = None) -> str:  # noqa: ANN001
    from rich.table import Table

    from ..core.safe_text import literal

    table = Table(title=f"{t('board.title')} · {b.day.isoformat()}")
    # the day's figures under the words of the screens (issue 25 item 1)
    for head in (t("board.col.agent"), t("board.col.state"), t("dayfig.due"), t("dayfig.attempted"), t("dayfig.done"),
                 t("dayfig.left"), t("board.col.overdue"), t("board.col.unreachable")):
        table.add_column(head)
    for r in [*b.rows, b.pool]:
        f = r.figures
        state = t(f"board.{r.state}") if r.state in ("calling", "idle", "closed") else t("board.pool_state")
        table.add_row(literal(r.name if r.login != "_pool" else t("board.pool")), state, str(f.due), str(f.attempted),
                      str(f.done), str(f.left), str(f.overdue), str(f.unreachable))
    alerts = Table(title=t("board.alerts_title", n=len(b.alerts)))
    for key in ("kind", "number", "customer", "agent", "since"):
        alerts.add_column(t(f"board.col.{key}"))
    for a in b.alerts:
        agent = a.agent or ("" if a.data else t("board.pool"))  # a disk alert is nobody's work
        if a.agent and names:
            from ..services.assignment import person

            agent = person(names.get(a.agent, ""), a.agent)  # 刘思琪 (agent2) (issue 22 §15)
        if a.kind == "summary_due":  # owed by the supervisors, who approve it (issue 25 item 15)
            agent = t("role.supervisor")
        alerts.add_row(t(f"board.alert.{a.kind}"), a.number, literal(a.customer or a.detail), literal(agent),
                       a.since.isoformat(" ", timespec="minutes"))
    return console_text(table, alerts if b.alerts else t("board.no_alerts"), width=120)


COMMANDS: dict[str, Callable[[Context], int]] = {"board": board, "audit": audit}
