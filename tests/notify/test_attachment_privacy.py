"""The approved month's .xlsx mailed to the GM (issue 26 item 5): what leaves the app carries
masked phones only. A phone typed in a record's 备注 (or any other free-text field), and the
phone column itself, are masked in the attachment; dates and document numbers read whole. The
department's own ``huifang report monthly --xlsx`` export is not this builder."""

from __future__ import annotations

import io
from dataclasses import replace
import re

import openpyxl

from huifang_tui.cli import notify as cli_notify
from huifang_tui.domain.kpi import Month
from huifang_tui.services import report as report_svc
from huifang_tui.services.report import RecordLine

TYPED = "客户很生气 电话 13700001234"


def _record() -> RecordLine:
    return RecordLine(
        number="HF202611001", day="2026-11-30", customer="杭州恒达机械 13911112222", contact="王经理 13800005678",
        phone="13600009876", ref="WT202611007", service_staff="李工 13500004321", kind="repair", channel="电话",
        score_resolution=1, score_attitude=2, suggestions="回电 13300001111", issues=["WT202611007"],
        improvement="改进 13200002222", owner="赵六 13100003333", follow_status="待跟进", agent="agent1",
        late_entry=False, status="completed", login="agent1", note=TYPED, planned_on="2026-11-30")


def test_the_mailed_months_xlsx_has_no_whole_phone_and_keeps_dates_and_numbers(store, admin, monkeypatch):
    made = replace(report_svc.monthly_report(store, admin, Month.parse("2026-11")), records=[_record()])
    monkeypatch.setattr(report_svc, "monthly_report", lambda *a, **k: made)
    name, data = cli_notify.month_attachment(store, admin)("month:2026-11")
    assert name.endswith(".xlsx")
    cells = [str(c) for ws in openpyxl.load_workbook(io.BytesIO(data)).worksheets
             for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    text = "\n".join(cells)
    assert not re.search(r"\d{11}", text), [c for c in cells if re.search(r"\d{11}", c)]
    assert "1234" in text and "客户很生气" in text  # the note is kept whole, only its phone masked
    for whole in ("HF202611001", "WT202611007", "2026-11-30"):
        assert whole in text
    assert made.records[0].note == TYPED  # the report itself (the department's export) untouched
