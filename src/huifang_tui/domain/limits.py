"""How much one person can make the store hold (issue 21 §3): every bound, defined once.

The services check these for every door (call screen, record form, ``huifang record``, the
ledger, defer and lapse reasons, the command line), so a note refused in one place is refused
in all of them. Imports have their own caps (``importing/limits.py``) and use the text bounds
below for their free-text columns. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TEXT_MAX = 2_000  # characters of any free text a person types: notes, reasons, suggestions, descriptions
NAME_MAX = 200  # characters of a name, title or position typed in (person reached, issue title, department)
ANSWERS_MAX = 50  # script answers kept with one call
DRAFT_MAX = 32_000  # characters of one saved draft (JSON): every field of the call form, full, fits
NOTIFY_TEXT_MAX = 200  # characters of typed text (a title, a reason) one notification carries out of the app
ARG_MAX = TEXT_MAX  # characters of one command-line value (the longest thing one may hold is a free text)

# The board alerts when the store's filesystem has less than either of these free (SQLite only).
DISK_MIN_FREE_RATIO = 0.10
DISK_MIN_FREE_BYTES = 1024**3

# Refusals: the first few of one login and action within a minute are audited with their
# details; the rest of that minute are counted.
REFUSALS_KEPT = 3


@dataclass(frozen=True, slots=True)
class TooLong:
    """``field`` holds ``length`` characters, over ``limit``."""

    field: str
    length: int
    limit: int


def first_too_long(texts: Mapping[str, str | None], limit: int) -> TooLong | None:
    """The first of ``texts`` (field name → value) longer than ``limit`` characters, else None."""
    for name, value in texts.items():
        if value is not None and len(value) > limit:
            return TooLong(name, len(value), limit)
    return None


@dataclass(frozen=True, slots=True)
class DiskReading:
    free_bytes: int
    total_bytes: int

    @property
    def free_ratio(self) -> float:
        return self.free_bytes / self.total_bytes if self.total_bytes else 0.0


def disk_low(reading: DiskReading) -> bool:
    """Less than 10 % or less than 1 GB free."""
    return reading.free_bytes < DISK_MIN_FREE_BYTES or reading.free_ratio < DISK_MIN_FREE_RATIO
