"""Showing user or import text literally (SPEC §6).

Strip C0/C1 control characters (ESC sequences included) and never let Rich markup be
interpreted: wrap in ``Text`` objects, or escape when a markup string is needed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..domain.masking import mask_phone  # noqa: F401  (re-exported: area code + last 4 for landlines)

# ESC sequences first (so their parameters go too), then any remaining control character.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ESCAPES = _ANSI  # terminal escape sequences (CSI, OSC, two-byte ESC)

if TYPE_CHECKING:
    from rich.text import Text


def clean(value: object) -> str:
    """Text without control characters; newlines and tabs become spaces."""
    if value is None:
        return ""
    s = _ANSI.sub("", str(value))
    s = s.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CTRL.sub("", s)


def clean_multiline(value: object) -> str:
    if value is None:
        return ""
    s = _ANSI.sub("", str(value)).replace("\r\n", "\n").replace("\t", "    ")
    return re.sub(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", "", s)


def literal(value: object, style: str = "") -> Text:
    """A Rich ``Text`` that shows ``value`` exactly as typed (no markup). Rich is imported here,
    not at the top: the commands that print JSON or plain lines never load it."""
    from rich.text import Text

    return Text(clean(value), style=style)


# Bidirectional overrides and isolates reorder what a terminal shows: make them visible too.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


def visible(value: object) -> str:
    """Text with every control or invisible character shown as an escape (``\\e[31m``,
    ``\\x07``, ``\\u202e``): for messages that echo a cell, so what was in the file is seen."""
    if value is None:
        return ""

    def one(m: re.Match) -> str:
        c = m.group()
        return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")

    return _INVISIBLE.sub(one, str(value))


def plain_message(value: object) -> str:
    """A whole message (may hold several lines) for a terminal: escape sequences and control
    characters removed, line breaks and tabs kept."""
    if value is None:
        return ""
    s = _ANSI.sub("", str(value)).replace("\r\n", "\n")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", "", s)


# Spreadsheet programs run a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse_cell(value: object) -> str:
    """A cell for a CSV/XLSX file we write: formulas defused with a leading apostrophe."""
    s = "" if value is None else str(value)
    if s.startswith(_FORMULA_START):
        return "'" + s
    return s
