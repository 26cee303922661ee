"""Help texts the command line gets from the catalog: examples under each command's
``--help`` and a description for every option that was declared without one.

Options are described by their destination name (``opt.<dest>`` in ``i18n/*/clihelp.toml``),
so a new command's ``--json`` or ``--when`` is described without repeating the text; a
command's examples are ``examples.<command path>`` (``examples.issue.raise``).
"""

from __future__ import annotations

import argparse

from ..core.i18n import catalog, get_lang, t


def _has(key: str) -> bool:
    return key in catalog(get_lang()) or key in catalog("zh_CN")


def finish(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    _walk(parser, [])
    return parser


def _walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    key = "examples." + (".".join(path) if path else "huifang")
    if _has(key) and not parser.epilog:
        parser.epilog = t("examples.title") + "\n" + t(key)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                _walk(sub, [*path, name])
            continue
        if action.help is None and _has(f"opt.{action.dest}"):
            # argparse %-formats help texts: a catalog's "75%" must reach it as "75%%"
            action.help = t(f"opt.{action.dest}").replace("%", "%%")


def missing(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("huifang",)) -> list[str]:
    """Options and commands still without a help text (a test keeps this empty)."""
    out: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                if not helps.get(name):
                    out.append(" ".join([*path, name]))
                out += missing(sub, (*path, name))
        elif action.help is None and not isinstance(action, argparse._HelpAction):
            out.append(" ".join([*path, action.option_strings[0] if action.option_strings else action.dest]))
    return out
