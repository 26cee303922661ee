"""``huifang report monthly|approve|amend|yearly`` and ``huifang spotcheck draw|mark`` (issue 11).

Exit 0 done · 1 bad input (the field and the fix named) · 2 refused (role or a locked month),
by the command line's one map (``cli/exits.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ..core.i18n import t
from .context import Context
from .output import print_json


def add_parsers(sub) -> None:  # noqa: ANN001
    pr = sub.add_parser("report", help=t("cli.report.help"))
    rsub = pr.add_subparsers(dest="report_cmd", required=True, metavar="ACTION")
    pm = rsub.add_parser("monthly", help=t("cli.report.monthly"))
    pm.add_argument("--month", required=True, help=t("cli.report.month"))
    pm.add_argument("--now", help=t("cli.report.now"))
    pm.add_argument("--json", action="store_true", help=t("cli.report.json"))
    pm.add_argument("--out", type=Path, help=t("cli.report.out"))
    pm.add_argument("--full-phones", action="store_true", help=t("cli.report.full_phones"))
    pm.add_argument("--version", metavar="N", help=t("cli.report.version"))
    pa = rsub.add_parser("approve", help=t("cli.report.approve"))
    pa.add_argument("--month", required=True, help=t("cli.report.month"))
    pam = rsub.add_parser("amend", help=t("cli.report.amend"))
    pam.add_argument("--month", required=True, help=t("cli.report.month"))
    pam.add_argument("--reason", required=True, help=t("cli.report.reason"))
    py = rsub.add_parser("yearly", help=t("cli.report.yearly"))
    py.add_argument("--year", required=True, help=t("cli.report.year"))
    py.add_argument("--now", help=t("cli.report.now"))
    py.add_argument("--json", action="store_true", help=t("cli.report.json"))
    py.add_argument("--out", type=Path, help=t("cli.report.out"))

    ps = sub.add_parser("spotcheck", help=t("cli.report.spotcheck"))
    ssub = ps.add_subparsers(dest="spot_cmd", required=True, metavar="ACTION")
    pd = ssub.add_parser("draw", help=t("cli.report.draw"))
    pd.add_argument("--month", required=True, help=t("cli.report.month"))
    pd.add_argument("--n", required=True, help=t("cli.report.n"))
    pd.add_argument("--seed", type=int, help=t("cli.report.seed"))
    pd.add_argument("--json", action="store_true", help=t("cli.report.json"))
    pk = ssub.add_parser("mark", help=t("cli.report.mark"))
    pk.add_argument("number", help=t("cli.report.number"))
    g = pk.add_mutually_exclusive_group(required=True)
    g.add_argument("--accurate", dest="accurate", action="store_true", default=None, help=t("cli.report.accurate"))
    g.add_argument("--inaccurate", dest="accurate", action="store_false", help=t("cli.report.inaccurate"))
    pk.add_argument("--note", default="", help=t("cli.report.note"))


def report(ctx: Context) -> int:
    """``huifang report …``: refusals (a role, a locked month, a month not over yet) and bad
    input (``BadMonth`` and the like) reach the one map in ``cli/exits.py``."""
    return _report(ctx.store, ctx.actor, ctx.args)


def spotcheck(ctx: Context) -> int:
    """``huifang spotcheck draw|mark``."""
    return _spotcheck(ctx.store, ctx.actor, ctx.args)


def _now(text: str | None, store) -> datetime | None:  # noqa: ANN001
    """``--now`` read by the one reader of time fields (ISO 8601 or a phrase)."""
    if not text:
        return None
    from ..domain.outcomes import OutcomeError
    from ..core.errors import ServiceError
    from ..services.recording import outcome_message, stated_time

    try:
        return stated_time(store, text, store.now())
    except OutcomeError as e:
        raise ServiceError("--now: " + outcome_message(e)) from None


def _report(store, actor, args) -> int:
    from ..core.errors import ServiceError
    from ..services import report as svc

    if args.report_cmd == "yearly":
        return _yearly(store, actor, args)
    month = svc.parse_month(args.month)
    if args.report_cmd == "approve":
        version = svc.approve(store, actor, month)
        print(t("report.approved_done", month=str(month), version=version))
        return 0
    if args.report_cmd == "amend":
        version = svc.amend(store, actor, month, args.reason)
        print(t("report.amended_done", month=str(month), version=version))
        return 0
    out: Path | None = args.out
    if out is not None and out.suffix.lower() not in (".xlsx", ".csv"):
        raise ServiceError(t("report.err.out_ext", file=out))
    rep = svc.monthly_report(store, actor, month, now=_now(args.now, store), full_phones=args.full_phones,
                             version=_version(args.version))
    if out is not None:
        from ..exporting.sheets import write_csv, write_xlsx

        (write_xlsx if out.suffix.lower() == ".xlsx" else write_csv)(out, rep)
        if not args.json:
            print(t("report.exported", file=out, n=len(rep.records)))
    if args.json:
        print_json(rep.as_json())
    elif out is None:
        print(render_text(rep))
    return 0


def _version(text: str | None) -> int | None:
    from ..core.errors import ServiceError

    if text is None:
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise ServiceError(t("report.err.version_value", value=text))
    return int(text)


def render_text(rep) -> str:
    """A plain-text month summary for the terminal: KPIs per login."""
    from ..domain.kpi import AVG_KEYS, RATE_KEYS
    from ..exporting import kpi_table
    from ..exporting.sheets import average, percent, totals_line

    from ..services.report import part_counts

    state = rep.state_text()
    rows = part_counts(rep.records)  # the sheet's rows by 本月计入, as --json's "rows" (issue 25 item 26)
    lines = [f"{t('report.title')}  {rep.month}  {state}", totals_line(rep.overall),
             t("sheet.rows_line", **rows), ""]
    header, rows = kpi_table(rep.overall, rep.agents, lambda k: t("report.pool") if k == "_pool" else k)
    lines.append("\t".join(header))
    for r in rows:
        fmt = percent if r[1] in RATE_KEYS else average if r[1] in AVG_KEYS else str
        lines.append("\t".join([r[0], r[1], *(fmt(v) for v in r[2:])]))
    return "\n".join(lines)


def _yearly(store, actor, args) -> int:
    from ..core.errors import ServiceError
    from ..services import report as svc

    y = args.year.strip()
    if not (len(y) == 4 and y.isdigit()):
        raise ServiceError(t("report.err.year", value=args.year))
    if args.out is not None and args.out.suffix.lower() != ".xlsx":
        raise ServiceError(t("report.err.yearly_out", file=args.out))
    months = svc.yearly_report(store, actor, int(y), now=_now(args.now, store))
    if args.out is not None:
        from ..exporting.sheets import write_yearly_xlsx

        write_yearly_xlsx(args.out, int(y), months)
        if not args.json:  # like the monthly export: say where it went
            print(t("report.exported_year", file=args.out, year=y, n=len(months)))
    if args.json:
        print_json({"year": int(y), "months": months})
    elif args.out is None:
        keys = ("due", "completed", "completion_rate", "on_time_rate", "satisfied_rate",
                "avg_resolution", "avg_attitude", "issues_raised")
        print(t("report.yearly_title", year=y))
        print("\t".join(("month", *keys)))
        for m, figs in months.items():
            print("\t".join((m, *("—" if figs[k] is None else str(figs[k]) for k in keys))))
    return 0


def _spotcheck(store, actor, args) -> int:
    from ..core.errors import ServiceError
    from ..services import report as rsvc
    from ..services import spotcheck as svc

    if args.spot_cmd == "mark":
        svc.mark(store, actor, args.number, args.accurate, args.note)
        print(t("spotcheck.marked", number=args.number,
                result=t("spotcheck.accurate") if args.accurate else t("spotcheck.inaccurate")))
        return 0
    month = rsvc.parse_month(args.month)
    try:
        n = int(args.n)
    except ValueError:
        raise ServiceError(t("spotcheck.err_n", value=args.n)) from None
    drawn = svc.draw(store, actor, month, n, seed=args.seed)
    if args.json:
        print_json([d.as_json() for d in drawn])
    else:
        if not drawn:
            print(t("spotcheck.none_left", month=str(month)))
        for d in drawn:
            print(f"{d.number}\t{d.customer}\t{d.agent}")
        print(t("spotcheck.drawn", n=len(drawn), month=str(month), total=svc.drawn_count(store, month)))
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {"report": report, "spotcheck": spotcheck}
