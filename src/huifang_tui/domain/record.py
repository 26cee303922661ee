"""What an agent records about a reached customer (003 表2 客户回访记录表): the one field list.

The call form, the record service, the demo and the listings all take the callback record's
content fields from ``RECORD_FIELDS``, in the form's order. ``reached_*``, ``answers`` and
``note`` are handled by name (they are also kept on attempts, or appended).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RecordField:
    name: str
    kind: str  # "score" (1–5 or None) | "text" | "flag"

    @property
    def default(self) -> Any:
        return {"score": None, "text": "", "flag": False}[self.kind]

    @property
    def type(self) -> Any:
        return {"score": int | None, "text": str, "flag": bool}[self.kind]


REACHED_FIELDS: tuple[RecordField, ...] = (RecordField("reached_name", "text"), RecordField("reached_position", "text"))
SCORE_FIELDS: tuple[RecordField, ...] = (RecordField("score_resolution", "score"), RecordField("score_attitude", "score"))
# The content of a completed callback after the scores, in the form's order.
CONTENT_FIELDS: tuple[RecordField, ...] = (
    RecordField("suggestions", "text"),
    RecordField("improvement", "text"),
    RecordField("needs", "text"),
    RecordField("sales_lead", "flag"),
    RecordField("competitor", "text"),
    RecordField("needs_onsite", "flag"),
    RecordField("negative_feedback", "flag"),
)
# Copied onto the callback when it is completed.
RECORD_FIELDS: tuple[RecordField, ...] = SCORE_FIELDS + CONTENT_FIELDS
SCORE_RANGE = range(1, 6)
