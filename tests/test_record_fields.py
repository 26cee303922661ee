"""The callback record's content fields are listed once (domain/record.py, 003 表2): the table,
the record the services save and the call form all follow that list."""

from __future__ import annotations

from dataclasses import fields

from huifang_tui.domain.record import CONTENT_FIELDS, REACHED_FIELDS, RECORD_FIELDS, SCORE_FIELDS
from huifang_tui.services.recording import CallRecord
from huifang_tui.store.models import Callback


def test_every_record_field_is_a_callback_column_and_a_call_record_field():
    columns = set(Callback.__table__.columns.keys())
    record = {f.name for f in fields(CallRecord)}
    for f in REACHED_FIELDS + RECORD_FIELDS:
        assert f.name in columns and f.name in record, f.name
    assert RECORD_FIELDS == SCORE_FIELDS + CONTENT_FIELDS


def test_record_defaults_follow_the_kinds():
    rec = CallRecord(outcome="no_answer")
    for f in RECORD_FIELDS:
        assert getattr(rec, f.name) == f.default
