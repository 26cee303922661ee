"""The importing package's own errors (it never imports ``services``).

``ImportFileError`` is a ``ServiceError`` (from the light ``errors`` module) so every door
shows its text as a plain refusal; ``FieldError`` is one bad cell inside a row.
"""

from __future__ import annotations

from ..core.errors import ServiceError


class ImportFileError(ServiceError):
    """The file as a whole cannot be imported (unreadable, wrong type, too big, missing columns)."""


class FieldError(ValueError):
    """One cell is wrong; the message (without line prefix) names the column and the fix."""
