"""The command line's entry: ``main`` (``huifang [--db …] [--lang …] [--as …] [COMMAND]``) and
its one ending for every error, by the exit-status map in ``exits.py``.

Without a command the app opens on the current user's queue. What is where under ``cli/``:
``commands`` lists every command and the module holding it (one module per group of verbs:
``start``, ``setup``, ``demo``, ``people``, ``queue``, ``planning``, ``imports``, ``rules``,
``work``, ``undo``, ``pg``, ``board``, ``issues``, ``report``, ``sales``); ``parser`` builds the
parser lazily; ``context`` is what every handler gets (store, acting user, output, ``--json``);
``output`` and ``text`` write. Light on import (start-up): nothing heavy at module level.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

from ..core import config
from ..core.i18n import detect, set_lang
from .exits import EXIT_BAD_INPUT, exit_status
from .output import say

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Exit 0 done · 1 bad input (names the field and the fix) · 2 refused (permission, a rule).

    Never a traceback (issue 21): whatever goes wrong, from reading the arguments to the last
    line written, ends in one plain line (two with the error log's path) and exit 1 or 2; when
    explaining fails too, a built-in line still says so. ``HUIFANG_DEBUG=1`` shows the traceback.
    """
    import os

    from ..core.crash import keep_ctrl_c

    argv = sys.argv[1:] if argv is None else argv
    state = SimpleNamespace(args=None)
    keep_ctrl_c()  # a Ctrl-C falling inside a clean-up is not lost as a traceback
    try:
        status = _main(argv, state)
        sys.stdout.flush()  # a reader gone (``| head``) shows here, not at the interpreter's exit
        return status
    except SystemExit:  # argparse's own ending (--help, a bad argument), its line already written
        try:
            sys.stdout.flush()
        except BaseException as e:  # noqa: BLE001 - the help's reader has gone
            return _fail_safely(e, state.args)
        raise
    except BaseException as e:  # noqa: BLE001 - never a traceback for the user
        if os.environ.get("HUIFANG_DEBUG") and not isinstance(e, KeyboardInterrupt):
            raise
        return _fail_safely(e, state.args)


def _main(argv: list[str], state: SimpleNamespace) -> int:
    from ..install import elevation
    from . import parser

    stop = elevation.prepare()  # the elevated process of a shared install locks itself first
    if stop is not None:
        return stop
    argv = parser.offsets_joined(argv)
    args = parser.app_args(argv)
    if args is None:
        import argparse

        pre = argparse.ArgumentParser(add_help=False)
        pre.add_argument("--lang")
        known, _ = pre.parse_known_args(argv)
        set_lang(detect(known.lang))
        from ..core.i18n.argparse_words import install

        install()  # argparse's own words ("usage:", "options", errors) in the app's language
        args = parser.build(parser.command_of(argv)).parse_args(argv)
    else:
        set_lang(detect(args.lang))
    state.args = args
    stop = elevation.check_locked(args)
    if stop is None:
        stop = elevation.maybe_elevate(args, argv)  # re-runs through sudo when needed
    if stop is not None:
        return stop
    from .limits import check_argv

    check_argv(argv)  # no single value over domain.limits.ARG_MAX characters (exit 1)
    parser.check_dates(args)
    return _dispatch(args)


def _dispatch(args) -> int:  # noqa: ANN001
    """The command's handler (``commands.py``), called with the run's context; only the module
    holding the command is imported (start-up speed)."""
    from .commands import handler
    from .context import Context

    return handler(args.cmd or "run")(Context(args))


def _fail_safely(e: BaseException, args) -> int:  # noqa: ANN001
    """A refusal's own words (exit 2), bad input's (exit 1), or anything else explained
    (exit 1); if saying it fails too, the built-in last words."""
    status = exit_status(e)
    try:
        if status is not None:
            return _fail(status, str(e))
        status = EXIT_BAD_INPUT
        return _fail_plain(e, args)
    except BaseException as inner:  # noqa: BLE001 - the explainer's own failure, or Ctrl-C in it
        _last_words(inner if isinstance(inner, KeyboardInterrupt) else e)
        return status


def _fail(status: int, message: str) -> int:
    say(message, file=sys.stderr)
    return status


def _fail_plain(e: BaseException, args) -> int:  # noqa: ANN001
    """Anything around the program (disk, database file, permissions, a closed pipe, Ctrl-C):
    one or two plain lines, the traceback to the log (crash.py); exit 1."""
    import os
    from pathlib import Path

    from ..core.crash import explain

    if isinstance(e, BrokenPipeError):  # nobody reads stdout any more: stop writing to it quietly
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
    db, path = "", None
    try:
        url, _src = config.resolve_db(getattr(args, "db", None))
        db = config.display_db(url)
        file = config.sqlite_file(url)
        path = Path(file) if file is not None else None
    except Exception:  # noqa: BLE001
        pass
    message, _log = explain(e, db, path)
    try:
        say(message, file=sys.stderr)
    except (OSError, ValueError):
        pass
    return EXIT_BAD_INPUT


def _last_words(e: BaseException) -> None:
    """One line on stderr, written with the fewest moving parts (no print, no Rich)."""
    import os

    try:
        from ..core.crash import last_words

        line = last_words(e)
    except BaseException:  # noqa: BLE001
        line = "huifang: error"
    try:
        os.write(2, (line.replace("\n", " ") + "\n").encode("utf-8", "replace"))
    except BaseException:  # noqa: BLE001, S110 - no stderr to say it on
        pass
