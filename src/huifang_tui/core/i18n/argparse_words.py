"""argparse's own words ("usage:", "options", its error messages) through the catalog.

argparse looks its words up with ``gettext`` at the moment it prints them, through the
module-level names ``_`` and ``ngettext``; ``install()`` points those at the catalog, so
``huifang --help`` and its errors speak the app's language (zh_CN or en).
"""

from __future__ import annotations

from . import t

# argparse's message id -> catalog key (i18n/<lang>/argparse.toml)
WORDS: dict[str, str] = {
    "usage: ": "argparse.usage",
    "positional arguments": "argparse.positional",
    "options": "argparse.options",
    "show this help message and exit": "argparse.help",
    "%(prog)s: error: %(message)s\n": "argparse.error",
    "argument %(argument_name)s: %(message)s": "argparse.argument",
    "unrecognized arguments: %s": "argparse.unrecognized",
    "the following arguments are required: %s": "argparse.required",
    "one of the arguments %s is required": "argparse.one_required",
    "not allowed with argument %s": "argparse.not_allowed",
    "expected one argument": "argparse.expected_one",
    "expected at most one argument": "argparse.expected_at_most_one",
    "expected at least one argument": "argparse.expected_at_least_one",
    "expected %s argument": "argparse.expected_n",
    "expected %s arguments": "argparse.expected_n",
    "ambiguous option: %(option)s could match %(matches)s": "argparse.ambiguous",
    "invalid %(type)s value: %(value)r": "argparse.invalid_value",
    "invalid choice: %(value)r (choose from %(choices)s)": "argparse.invalid_choice",
    "ignored explicit argument %r": "argparse.ignored",
    "unexpected option string: %s": "argparse.unexpected",
}


def translate(msgid: str) -> str:
    key = WORDS.get(msgid)
    return t(key) if key else msgid


def install() -> None:
    import argparse

    argparse._ = translate  # type: ignore[attr-defined]
    argparse.ngettext = lambda one, many, n: translate(one if n == 1 else many)  # type: ignore[attr-defined]
