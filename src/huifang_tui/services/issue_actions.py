"""The issue actions in one table (issue 24 item 4): for each, who may do it and in which states
(``domain.issues``), the service it calls (``services.issues``) and the arguments it takes, with
how each is read from text — one table the ledger screen and ``huifang issue …`` both run from.

Light on import (no ORM): ``huifang issue --help`` builds its parser from this table, so the
services are imported when an action runs.  The command line asks every argument as its own
option (``Arg.option``); the screen asks one line (``Action.line`` reads it into the same
arguments).  :func:`run_action` reads the text arguments by their kind, in the table's order,
and calls the service: both doors reach the same call with the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..core.errors import ValidationError
from ..core.i18n import t
from ..domain.issues import APPLIES_IN, WHO_MAY
from ..domain.words import ISSUE_CATEGORIES, ISSUE_PRIORITIES

# How an argument is read from text (``Arg.kind``). Names, texts and numbers are passed as typed:
# the service checks them (an unknown department, login or customer, an empty text) in its own
# words. A value already read (a date, a number, a flag from a dialog) passes as it is.
KINDS: tuple[str, ...] = (
    "issue",       # an issue's number (WT…)
    "text",        # free text (a note, a reason, a solution, a title)
    "person",      # a user's login
    "department",  # a department's name
    "customer",    # a customer's name, whole or a part matching one customer
    "callback",    # a callback number (HF…)
    "choice",      # one of ``Arg.choices``
    "flag",        # yes or no
    "day",         # a date (``domain.timephrase.read_day``)
    "score",       # a whole number (the service checks its range)
    "time",        # a stated time (``services.recording.stated_time``: ISO 8601 or a phrase)
)


class ArgumentError(ValidationError):
    """Text that does not read as its argument's kind (exit 1); ``arg`` names the argument."""

    def __init__(self, arg: str, message: str) -> None:
        super().__init__(message)
        self.arg = arg


@dataclass(frozen=True)
class Arg:
    """One argument of an action: its name (the command line's destination and the key of the
    text arguments), how it is read, and how the command line asks it."""

    name: str
    kind: str
    option: str | None = None  # "--reason"; None: a positional argument
    required: bool = False
    default: Any = None
    metavar: str | None = None
    help: str | None = None  # a catalog key; None: ``cli.help`` describes it by its name
    choices: tuple[str, ...] = ()
    param: str | None = None  # the service's keyword, when not the name

    @property
    def keyword(self) -> str:
        return self.param or self.name

    @property
    def label(self) -> str:
        """The argument as the command line names it (refusals of unreadable text name it)."""
        return self.option or self.name


@dataclass(frozen=True)
class Action:
    """One row: the action, the service function it calls (a name in ``services.issues``), its
    arguments, and how the screen's one line of text is read into them (None: nothing to ask)."""

    name: str
    service: str
    args: tuple[Arg, ...] = ()
    on_issue: bool = True  # acts on an existing issue (its number); raise makes one
    line: Callable[[str, date], dict[str, Any]] | None = None
    check: Callable[[Mapping[str, Any]], None] | None = None  # across arguments, before the call

    @property
    def who(self) -> tuple[str, ...]:
        """The parts a user must play for the issue (``domain.issues.WHO_MAY``). Raising is judged
        by the service: from a callback, its agent, its pool or a supervisor; for a customer,
        agents and supervisors."""
        return WHO_MAY.get(self.name, ())

    @property
    def applies_in(self) -> tuple[str, ...]:
        """The issue states it applies in (``domain.issues.APPLIES_IN``); raise: none yet."""
        return APPLIES_IN.get(self.name, ())

    @property
    def call(self) -> Callable[..., Any]:
        from . import issues

        return getattr(issues, self.service)


# -- reading one typed line (the screen's prompt) -------------------------------------------


def _whole(name: str) -> Callable[[str, date], dict[str, Any]]:
    def read(text: str, today: date) -> dict[str, Any]:
        return {name: text}
    return read


def _assign_line(text: str, today: date) -> dict[str, Any]:
    """"DEPARTMENT [OWNER]"."""
    dept, _, owner = text.strip().partition(" ")
    return {"department": dept, "owner": owner.strip() or None}


def tell_line(text: str, today: date) -> tuple[date, int]:
    """"4" (told today) or "2026-11-23 4" → (date, satisfaction): the screen's one line for tell.
    It gives values already read (``read_arg`` passes them on), so what the line accepts and its
    one refusal (``ledger.err.tell_input``) are the screen's as they were; the range is the service's."""
    from ..domain.timephrase import read_day
    from .issues import IssueInputError

    parts = text.replace("，", " ").replace(",", " ").split()
    try:
        if len(parts) == 1:
            return today, int(parts[0])
        if len(parts) == 2:
            return read_day(parts[0]), int(parts[1])
    except ValueError:
        pass
    raise IssueInputError(t("ledger.err.tell_input", value=text))


def _tell_line(text: str, today: date) -> dict[str, Any]:
    on, satisfaction = tell_line(text, today)
    return {"on": on, "satisfaction": satisfaction}


def _one_of(a: str, b: str) -> Callable[[Mapping[str, Any]], None]:
    def check(values: Mapping[str, Any]) -> None:
        if (values.get(a) is None) == (values.get(b) is None):
            raise ArgumentError(a, t("ledger.err.callback_or_customer"))
    return check


# -- the table ------------------------------------------------------------------------------

# Every action may be stated with the time it happened (default: now).
WHEN = Arg("when", "time", "--when", help="cli_ledger.opt_when")
NUMBER = Arg("number", "issue", metavar="WT…", required=True)  # the issue's number (on_issue rows)

# raise first, then the actions on an issue in the rule's order (``domain.issues.ACTIONS``):
# the order of ``huifang issue --help`` (a test holds the two orders together)
ACTIONS: tuple[Action, ...] = (
    Action("raise", "raise_issue", on_issue=False, check=_one_of("callback", "customer"), args=(
        Arg("callback", "callback", metavar="CALLBACK_NUMBER", param="number"),
        Arg("customer", "customer", "--customer", metavar="NAME", help="cli_ledger.opt_customer"),
        Arg("title", "text", "--title", required=True),
        Arg("category", "choice", "--category", default="other", choices=ISSUE_CATEGORIES),
        Arg("priority", "choice", "--priority", default="normal", choices=ISSUE_PRIORITIES),
        Arg("complaint", "flag", "--complaint", param="is_complaint"),
        Arg("description", "text", "--description", default=""),
        Arg("department", "department", "--department", default="", metavar="NAME",
            help="cli_ledger.opt_department"),
    )),
    Action("assign", "assign_issue", line=_assign_line, args=(
        Arg("department", "department", "--department", required=True, metavar="NAME"),
        Arg("owner", "person", "--owner", metavar="LOGIN"),
    )),
    Action("ack", "acknowledge"),
    Action("note", "add_note", line=_whole("text"), args=(Arg("text", "text", required=True),)),
    Action("wait", "wait", line=_whole("reason"), args=(Arg("reason", "text", "--reason", required=True),)),
    Action("resume", "resume"),
    Action("solve", "solve", line=_whole("solution"), args=(Arg("solution", "text", "--solution", required=True),)),
    Action("tell", "tell", line=_tell_line, args=(
        Arg("on", "day", "--on", required=True, metavar="DATE"),
        Arg("satisfaction", "score", "--satisfaction", required=True, metavar="1-5"),
    )),
    Action("close", "close"),
    Action("reopen", "reopen", line=_whole("reason"), args=(Arg("reason", "text", "--reason", required=True),)),
)
NAMES: tuple[str, ...] = tuple(a.name for a in ACTIONS)


def action(name: str) -> Action:
    """The row of *name*."""
    for a in ACTIONS:
        if a.name == name:
            return a
    raise ValueError(f"unknown issue action {name!r}")


def offered(store, actor, number: str, now: datetime | None = None) -> set[str]:  # noqa: ANN001
    """The actions the actor may take on the issue now (``services.issues.offered_actions``: the
    rule the services check, in a state each applies in)."""
    from .issues import offered_actions

    return offered_actions(store, actor, number, now)


def offered_on_ledger(actor) -> set[str]:  # noqa: ANN001
    """The ledger's own actions the actor may take (its key bar and F1 offer only these): raise an
    issue for a customer (``domain.issues.RAISE_FOR_CUSTOMER``, admins always), the rule
    ``raise_issue`` checks."""
    from ..domain.issues import RAISE_FOR_CUSTOMER

    return {"raise"} if actor.role in (*RAISE_FOR_CUSTOMER, "admin") else set()


def read_line(name: str, text: str, today: date) -> dict[str, Any]:
    """The arguments of *name* from one typed line (the screen's prompt; *today* for a date left
    out)."""
    row = action(name)
    return row.line(text, today) if row.line is not None else {}


# -- reading the arguments and running the action ---------------------------------------------


def read_arg(arg: Arg, value: Any, store=None, now: datetime | None = None) -> Any:  # noqa: ANN001
    """*value* read as *arg*'s kind; text that does not read raises :class:`ArgumentError`."""
    if not isinstance(value, str):
        return value  # absent, or already read (a date, a number, a flag)
    if arg.kind == "choice":
        if value not in arg.choices:
            raise ArgumentError(arg.name, t("cli_ledger.err_choice", field=arg.label, value=value,
                                            allowed="|".join(arg.choices)))
        return value
    if arg.kind == "day":
        from ..domain.timephrase import PhraseError, read_day

        try:
            return read_day(value)
        except PhraseError:
            raise ArgumentError(arg.name, t("cli_ledger.err_on", value=value,
                                            usage=t("time_examples.day"))) from None
    if arg.kind == "score":
        if not value.strip().isdigit():
            raise ArgumentError(arg.name, t("ledger.err.satisfaction", value=value))
        return int(value)
    if arg.kind == "time":
        if not value:
            return None
        from ..domain.outcomes import OutcomeError
        from .recording import outcome_message, stated_time

        try:
            return stated_time(store, value, now or store.now())
        except OutcomeError as e:
            raise ArgumentError(arg.name, f"{arg.label}: " + outcome_message(e)) from e
    return value


def run_action(store, actor, name: str, number: str | None, values: Mapping[str, Any],  # noqa: ANN001
               when: str | datetime | None = None):  # noqa: ANN201
    """Run the action *name* on issue *number* (None for raise) with its arguments *values*
    (text, or values already read; absent ones take their default), stated at *when* (text
    read by ``stated_time``; None: now).  The stated time is read first, then the arguments in
    the table's order, then the checks across them; then the service (which checks the rule,
    the state and the values) is called.  Returns the issue."""
    row = action(name)
    stated = read_arg(WHEN, when, store)
    kwargs = {arg.keyword: read_arg(arg, values.get(arg.name, arg.default), store) for arg in row.args}
    if row.check is not None:
        row.check({arg.name: kwargs[arg.keyword] for arg in row.args})
    if row.on_issue:
        return row.call(store, actor, number, **kwargs, when=stated)
    return row.call(store, actor, **kwargs, when=stated)
