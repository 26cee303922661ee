"""Showing user or import text literally (SPEC §6).

Strip C0/C1 control characters (ESC sequences included) and never let Rich markup be
interpreted: wrap in ``Text`` objects, or escape when a markup string is needed.
"""

from __future__ import annotations

import re

from rich.markup import escape
from rich.text import Text

from .domain.masking import mask_phone  # noqa: F401  (re-exported: area code + last 4 for landlines)

# ESC sequences first (so their parameters go too), then any remaining control character.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


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
    """A Rich ``Text`` that shows ``value`` exactly as typed (no markup)."""
    return Text(clean(value), style=style)


def markup_safe(value: object) -> str:
    """For places that take a markup string: escaped, cleaned text."""
    return escape(clean(value))


