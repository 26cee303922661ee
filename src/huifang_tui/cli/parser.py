"""The command line's parser: built lazily (only the command being run), with translated help,
and the readers of its option values (dates, times, whole numbers).

``huifang`` with only ``--db/--lang/--as`` is read without argparse (:func:`app_args`); a
command builds the top parser and its own sub-parser only (:func:`build`), importing only
the module that defines it (``commands.COMMANDS``). Argparse is imported inside functions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, NoReturn

from ..core.i18n import t
from .commands import COMMANDS, MODULE_OF
from .exits import EXIT_BAD_INPUT

if TYPE_CHECKING:
    import argparse

# The options the app itself takes (``huifang [--db X] [--lang L] [--as LOGIN]``); see app_args.
APP_OPTIONS = {"--db": "db", "--lang": "lang", "--as": "as_login"}
TIME_OPTIONS = ("--when", "--to", "--now")


def _parser_class() -> type:
    import argparse

    class _Parser(argparse.ArgumentParser):
        """Bad arguments exit 1 with one line naming the option and the fix (never a traceback)."""

        def error(self, message: str) -> NoReturn:
            from ..core.i18n.argparse_words import translate

            self.exit(EXIT_BAD_INPUT, translate("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": message})

    return _Parser


def typed(kind: str, parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type whose error says what was expected (``--date``: YYYY-MM-DD …)."""

    def convert(text: str) -> object:
        try:
            return parse(text)
        except (ValueError, TypeError):
            import argparse

            usage = {"date": "time_examples.day", "datetime": "time_examples.moment"}.get(kind)
            raise argparse.ArgumentTypeError(t(f"cli.expect.{kind}", value=text,
                                               **({"usage": t(usage)} if usage else {}))) from None

    convert.__name__ = kind
    return convert


def _read(kind: str) -> Callable[[str], object]:
    """A date or time option read by the domain's one reader (``timephrase``): ISO 8601 or a
    phrase; a date out of 2000-2099 is read here and refused after parsing, naming the range."""

    def read(text: str) -> object:
        from ..domain.policy import Policy
        from ..domain.timephrase import PhraseError, read_day, read_time

        try:
            if kind == "date":
                return read_day(text)
            return read_time(text, datetime.now(), Policy().work_hours, ahead=False)
        except PhraseError as e:
            if e.code != "range":
                raise ValueError(text) from e
            parse = date.fromisoformat if kind == "date" else datetime.fromisoformat
            try:
                return parse(text.strip())
            except ValueError:
                return parse(text.strip()[:10])

    return read


DATE = typed("date", _read("date"))
DATETIME = typed("datetime", _read("datetime"))
INT = typed("int", int)


def offsets_joined(argv: list[str]) -> list[str]:
    """``--when -2d`` as ``--when=-2d``: a time back from now (``timephrase``: ``-2d``, ``-3h``,
    ``-30m``) would otherwise be taken for an option and the time said to be missing."""
    import re

    back = re.compile(r"^-\d{1,3}\s*(d|h|m|天|小时|分钟)$", re.IGNORECASE)
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return out + argv[i:]
        if a in TIME_OPTIONS and i + 1 < len(argv) and back.match(argv[i + 1]):
            out.append(f"{a}={argv[i + 1]}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def app_args(argv: list[str]) -> SimpleNamespace | None:
    """``huifang [--db X] [--lang zh_CN|en] [--as LOGIN]``, the app's own start, read without
    building every command's parser (start-up speed: argparse and ~40 sub-parsers with their
    help texts cost ~30 ms). Anything else (a command, ``--help``, an abbreviated or unknown
    option, a missing value) returns None and goes through the full parser, which gives the
    same values here and says what is wrong there."""
    out = {"db": None, "lang": None, "as_login": None}
    i = 0
    while i < len(argv):
        name, eq, value = argv[i].partition("=")
        if name not in APP_OPTIONS:
            return None
        if not eq:
            if i + 1 >= len(argv) or argv[i + 1].startswith("-"):
                return None
            i += 1
            value = argv[i]
        if name == "--lang" and value not in ("zh_CN", "en"):
            return None
        out[APP_OPTIONS[name]] = value
        i += 1
    return SimpleNamespace(cmd=None, **out)


def command_of(argv: list[str]) -> str | None:
    """The command in ``argv`` when it is plainly one (after the app's own options), else None."""
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok in APP_OPTIONS:
            i += 2
        elif tok.partition("=")[0] in APP_OPTIONS and "=" in tok:
            i += 1
        elif tok.startswith("-"):
            return None  # --help, or an option only the full parser knows how to read
        else:
            return tok if tok in MODULE_OF else None
    return None


class _Skipped:
    """Stands for the parser of a command that is not being built: takes every call, keeps nothing."""

    def __getattr__(self, _name: str):  # noqa: ANN204
        return lambda *a, **kw: self


class _Only:
    """``add_subparsers()``'s action, building only the command named (``--help`` of that
    command and its errors read exactly as with every command built)."""

    def __init__(self, sub, only: str) -> None:  # noqa: ANN001
        self._sub, self._only = sub, only

    def add_parser(self, name: str, **kw):  # noqa: ANN003, ANN201
        return self._sub.add_parser(name, **kw) if name == self._only else _Skipped()


def build(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``only`` the one command being run: building every
    command's parser (and importing every command's module for it) costs more than parsing."""
    from . import commands

    p = _parser_class()(prog="huifang", description=t("cli.description"))
    p.add_argument("--db", help=t("cli.opt_db"))
    p.add_argument("--lang", choices=["zh_CN", "en"], help=t("cli.opt_lang"))
    p.add_argument("--as", dest="as_login", metavar="LOGIN", help=t("cli.opt_as"))
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")
    for name, _module in COMMANDS:
        if only is None or only == name:
            commands.module(name).add_parsers(_Only(sub, name))
    from .help import finish

    return finish(p)


def check_dates(args) -> None:  # noqa: ANN001
    """Every date given on the command line (--date, --now, calendar and visit days) must lie
    within 2000-2099; --when/--to are checked where they are parsed."""
    from ..core.errors import ServiceError
    from ..domain import dates

    for name in ("date", "now", "day"):
        v = getattr(args, name, None)
        if isinstance(v, (date, datetime)) and not dates.in_range(v):
            option = {"date": "--date", "now": "--now"}.get(name, "DAY")
            raise ServiceError(t("cli.date_range", option=option, value=v.isoformat(),
                                 first=dates.FIRST.isoformat(), last=dates.LAST.isoformat()))
