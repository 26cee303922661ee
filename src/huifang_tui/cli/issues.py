"""``huifang issue …``, ``huifang issues``, ``huifang department …`` (issue ledger, 001 六).

Same services and rules as the ledger screen.  Exit 0 done, 1 bad input (the field is
named), 2 refused (permission or rule).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from ..core.errors import ValidationError
from ..core.i18n import t
from ..domain.words import ISSUE_CATEGORIES, ISSUE_PRIORITIES
from ..services import issue_actions
from .output import console_text

ISSUE_ACTIONS = (*issue_actions.NAMES, "show")  # the one table of issue actions, then show
CATEGORIES = ISSUE_CATEGORIES
PRIORITIES = ISSUE_PRIORITIES


def add_parsers(sub: argparse._SubParsersAction) -> None:
    pi = sub.add_parser("issue", help=t("cli_ledger.issue"))
    isub = pi.add_subparsers(dest="issue_cmd", required=True, metavar="ACTION")

    def action(name: str, *, number: bool = True, when: bool = True) -> argparse.ArgumentParser:
        p = isub.add_parser(name, help=t(f"cli_ledger.{name}"))
        if number:
            _add_argument(p, issue_actions.NUMBER)
        if when:
            _add_argument(p, issue_actions.WHEN)
        p.add_argument("--json", action="store_true", help=t("cli_ledger.opt_json"))
        return p

    for row in issue_actions.ACTIONS:  # the one table the ledger screen runs from too
        p = action(row.name, number=row.on_issue)
        for arg in row.args:
            _add_argument(p, arg)
    action("show", when=False)

    pl = sub.add_parser("issues", help=t("cli_ledger.issues"))
    pl.add_argument("--overdue", action="store_true")
    pl.add_argument("--at-risk", action="store_true")
    pl.add_argument("--escalated", action="store_true")
    pl.add_argument("--status", metavar="S")
    pl.add_argument("--mine", action="store_true")
    pl.add_argument("--now", metavar="DT", help=t("cli_ledger.opt_now"))
    pl.add_argument("--json", action="store_true")

    pd = sub.add_parser("department", help=t("cli_ledger.department"))
    dsub = pd.add_subparsers(dest="dept_cmd", required=True, metavar="ACTION")
    dsub.add_parser("list", help=t("cli_ledger.dept_list"))
    p = dsub.add_parser("add", help=t("cli_ledger.dept_add"))
    p.add_argument("name")
    p = dsub.add_parser("set-default", help=t("cli_ledger.dept_set_default"))
    p.add_argument("category", metavar="CATEGORY")
    p.add_argument("name")
    p = dsub.add_parser("member", help=t("cli_ledger.dept_member"))
    p.add_argument("login")
    p.add_argument("name", help=t("cli_ledger.dept_member_name"))


def _add_argument(p: argparse.ArgumentParser, arg) -> None:  # noqa: ANN001
    """An argument of an issue action (``services.issue_actions.Arg``) as an option or positional."""
    kw: dict = {}
    if arg.kind == "flag":
        kw["action"] = "store_true"
    if arg.option is None:
        if not arg.required:
            kw["nargs"] = "?"
    elif arg.required:
        kw["required"] = True
    if arg.default is not None:
        kw["default"] = arg.default
    metavar = arg.metavar or ("|".join(arg.choices) if arg.choices else None)
    if metavar:
        kw["metavar"] = metavar
    if arg.help:
        kw["help"] = t(arg.help)
    p.add_argument(arg.option or arg.name, **kw)


class _BadInput(ValidationError):
    """A value the command line could not read (exit 1, like every bad input)."""


def _when(text: str | None, now: datetime, store=None, option: str = "--when") -> datetime | None:  # noqa: ANN001
    """A time option read by the one reader of time fields (ISO 8601 or a phrase)."""
    if not text:
        return None
    from ..domain.outcomes import OutcomeError, parse_when
    from ..services.recording import outcome_message

    try:
        if store is not None:
            from ..services.recording import stated_time

            return stated_time(store, text, now)
        return parse_when(text, now)
    except OutcomeError as e:
        raise _BadInput(f"{option}: " + outcome_message(e)) from e


def _now(text: str | None, now: datetime, store=None) -> datetime:  # noqa: ANN001
    if not text:
        return now
    return _when(text, now, store, "--now")


def _choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _BadInput(t("cli_ledger.err_choice", field=field, value=value, allowed="|".join(allowed)))
    return value


def _command(run):  # noqa: ANN001, ANN202
    """A handler of the context, as every command has: errors reach ``cli.main``'s one map
    (refusals exit 2, bad input 1)."""
    return lambda ctx: run(ctx.args, ctx.store, ctx.actor)


def _print_issue(store, number: str, as_json: bool, message: str = "", events: bool = False) -> None:  # noqa: ANN001
    """The issue as JSON (``events`` only for ``show``, as the contract says), else *message*,
    followed by what the entry just made did beyond itself: 补录, escalations withdrawn."""
    from ..services.issues import show_issue

    v = show_issue(store, number)  # with its events: what this entry withdrew
    if as_json:
        print(json.dumps(v.as_json(with_events=events), ensure_ascii=False, indent=1))
    elif message:
        print(message)
        for line in _entry_notes(v):
            print(line)
    else:
        print(render_issue_text(v))


def _entry_notes(v) -> list[str]:  # noqa: ANN001
    """The last entry by a person (this one): entered late, and the escalations it withdrew."""
    from ..domain.issues import SYSTEM_KINDS

    mine = [e for e in v.events if e.kind not in SYSTEM_KINDS]
    if not mine:
        return []
    last = max(mine, key=lambda e: e.id)
    same = {e.id for e in mine if e.entered_at == last.entered_at and e.at == last.at and e.login == last.login}
    out = [t("cli_ledger.late_saved")] if last.late_entry else []
    gone = sum(1 for e in v.events if e.withdrawn_by in same)
    if gone:
        out.append(t("cli_ledger.withdrawn", n=gone))
    return out


def _issue(args, store, actor) -> int:  # noqa: ANN001
    from ..services.issue_actions import action, run_action

    cmd = args.issue_cmd
    if cmd == "show":
        _print_issue(store, args.number, args.json, events=True)
        return 0
    row = action(cmd)  # the table the ledger screen runs from: the same reading, the same call
    i = run_action(store, actor, cmd, getattr(args, "number", None), {a.name: getattr(args, a.name) for a in row.args},
                   when=args.when)
    if cmd == "raise":
        _print_issue(store, i.number, args.json, t("cli_ledger.raised", number=i.number, department=i.department,
                                                     ack_by=i.ack_by.isoformat(" ", timespec="minutes"),
                                                     solve_by=i.solve_by.isoformat()))
        return 0
    _print_issue(store, i.number, args.json, t("cli_ledger.done", number=i.number,
                                                 action=t(f"ledger.action.{cmd}"),
                                                 status=t(f"ledger.status.{i.status}")))
    return 0


def _issues(args, store, actor) -> int:  # noqa: ANN001
    from ..services.issues import IssueFilter, list_issues

    now = _now(args.now, store.now(), store)
    if args.status is not None:
        _choice("--status", args.status, ("open", "acknowledged", "waiting", "solved", "closed"))
    flt = IssueFilter(mine=args.mine, overdue=args.overdue, at_risk=args.at_risk, escalated=args.escalated,
                      status=args.status)
    page = list_issues(store, actor, flt, now=now, as_of=args.now is not None)  # as it stood then (issue 23)
    if args.json:
        print(json.dumps([v.as_json() for v in page.rows], ensure_ascii=False, indent=1))
    else:
        print(render_issues_text(page.rows, now))
    return 0


def _department(args, store, actor) -> int:  # noqa: ANN001
    from ..services import departments as svc

    if args.dept_cmd == "list":
        for d, cats, heads in svc.list_departments(store):
            cat_names = "、".join(t(f"ledger.default_for.{c}") for c in cats)
            print("\t".join([d.name, cat_names or "-", ",".join(heads) or "-",
                             "" if d.active else t("cli_ledger.inactive")]).rstrip())
        return 0
    if args.dept_cmd == "add":
        d = svc.add_department(store, actor, args.name)
        print(t("cli_ledger.dept_added", name=d.name))
        return 0
    if args.dept_cmd == "set-default":
        svc.set_default_department(store, actor, args.category, args.name)
        print(t("cli_ledger.dept_default_set", category=args.category, name=args.name))
        return 0
    name = None if args.name in ("-", "none") else args.name
    u = svc.set_user_department(store, actor, args.login, name)
    print(t("cli_ledger.dept_member_set", login=u.login, name=u.department or "-"))
    return 0


# -- plain text ---------------------------------------------------------------------------


def render_issues_text(rows, now: datetime) -> str:  # noqa: ANN001
    from rich.table import Table

    from ..domain.issues import LEVELS
    from ..core.safe_text import literal

    table = Table(title=t("cli_ledger.table_title", n=len(rows), now=now.isoformat(" ", timespec="minutes")))
    for key in ("number", "customer", "title", "category", "priority", "department", "owner", "status",
                "level", "ack_by", "solve_by", "overdue"):
        table.add_column(t(f"ledger.col.{key}"), no_wrap=key in ("number", "ack_by", "solve_by", "level"))
    for v in rows:
        i, st = v.issue, v.state
        table.add_row(
            i.number + (t("ledger.complaint_mark") if i.is_complaint else "") + (t("ledger.late_flag") if v.late_entry else ""),
            literal(v.customer), literal(i.title),
            t(f"issue.category.{i.category}"), t(f"issue.priority.{i.priority}"), literal(i.department),
            literal(i.owner_login or "-"), t(f"ledger.status.{st.status}"), t(f"ledger.level.{LEVELS[st.level]}"),
            st.ack_by.strftime("%m-%d %H:%M"), st.solve_by.strftime("%m-%d"),
            ",".join(t(f"ledger.overdue.{k}") for k in st.overdue) + (t("ledger.at_risk_mark") if st.at_risk else ""))
    return console_text(table, width=140)


def render_issue_text(v) -> str:  # noqa: ANN001
    from ..domain.issues import LEVELS
    from ..core.safe_text import clean
    from ..services.issues import event_marks
    from ..services.issues import event_text as svc_event_text

    i, st = v.issue, v.state
    lines = [
        f"{i.number}  {clean(i.title)}",
        f"{t('ledger.col.customer')}: {clean(v.customer)}  {t('ledger.col.callback')}: {v.callback or '-'}",
        f"{t('ledger.col.category')}: {t(f'issue.category.{i.category}')}  "
        f"{t('ledger.col.priority')}: {t(f'issue.priority.{i.priority}')}  "
        + (t("ledger.complaint") if i.is_complaint else ""),
        f"{t('ledger.col.department')}: {clean(i.department) or '-'}  {t('ledger.col.owner')}: {i.owner_login or '-'}",
        f"{t('ledger.col.status')}: {t(f'ledger.status.{st.status}')}  "
        f"{t('ledger.col.level')}: {t(f'ledger.level.{LEVELS[st.level]}')}",
        f"{t('ledger.col.ack_by')}: {st.ack_by.isoformat(' ', timespec='minutes')}  "
        f"{t('ledger.col.solve_by')}: {st.solve_by.isoformat()}  {t('ledger.col.next_update_by')}: "
        f"{st.next_update_by.isoformat(' ', timespec='minutes') if st.next_update_by else '-'}",
    ]
    if st.overdue:
        lines.append(f"{t('ledger.col.overdue')}: " + ",".join(t(f"ledger.overdue.{k}") for k in st.overdue))
    if i.description:
        lines.append(clean(i.description))
    lines.append(t("ledger.timeline"))
    for e in v.events:
        marks = "".join(f"[{m}] " for m in event_marks(e, v.events))  # 补录, withdrawn (issue 23)
        lines.append(f"  {e.at.isoformat(' ', timespec='minutes')}  {t(f'ledger.event.{e.kind}')}  {e.login}  "
                     f"{marks}{clean(svc_event_text(e))}")
    return "\n".join(lines)


COMMANDS = {"issue": _command(_issue), "issues": _command(_issues), "department": _command(_department)}
