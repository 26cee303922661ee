"""``report monthly|yearly --now T`` and ``issues --now T`` through the command line (issue 23
items 4, 6): the month as it stood at T, from the stated timeline; the workbook the same."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from huifang_tui import cli
from huifang_tui.exporting.sheets import SHEET_KPI
from huifang_tui.services.users import os_login

from factories import add_user
from store.test_report_as_of import T, november  # noqa: F401 - the fixture

NOW_T = T.isoformat(timespec="minutes")


@pytest.fixture
def desk(store, november, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor", "周建华")
    capsys.readouterr()
    return store


def _json(capsys, *args: str):  # noqa: ANN001, ANN202
    rc = cli.main([*args, "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def test_report_monthly_now_counts_what_was_stated_by_then(desk, capsys):
    live = _json(capsys, "report", "monthly", "--month", "2026-11")["overall"]
    then = _json(capsys, "report", "monthly", "--month", "2026-11", "--now", NOW_T)
    o = then["overall"]
    assert (live["due"], live["completed"], live["spot_checked"], live["issues_raised"]) == (5, 2, 2, 3)
    assert (o["due"], o["completed"], o["unreachable"]) == (4, 1, 1)
    assert (o["issues_raised"], o["issues_closed"], o["issues_ack_on_time"]) == (2, 1, 1)
    assert (o["spot_checked"], o["accurate_rate"]) == (1, 1.0)
    assert o["completion_rate"] == 0.25 and o["on_time_rate"] == 0.25  # both rates of one moment
    assert then["agents"]["agent1"]["completed"] == 1 and "issue_late_entries" in o
    # a phrase is read too, relative to the clock
    assert _json(capsys, "report", "monthly", "--month", "2026-11", "--now", "2026-11-10 12:00")["overall"] == o


def test_report_yearly_now(desk, capsys):
    months = _json(capsys, "report", "yearly", "--year", "2026", "--now", NOW_T)["months"]
    assert months["2026-11"]["completed"] == 1 and months["2026-11"]["due"] == 4


def test_the_text_and_the_workbook_as_of_t(desk, capsys, tmp_path):
    assert cli.main(["report", "monthly", "--month", "2026-11", "--now", NOW_T]) == 0
    text = capsys.readouterr().out
    assert "问题补录数\tissue_late_entries" in text and "补录 0 · 问题补录 0" in text
    out = tmp_path / "nov.xlsx"
    assert cli.main(["report", "monthly", "--month", "2026-11", "--now", NOW_T, "--out", str(out)]) == 0
    rows = {r[0]: r for r in load_workbook(out, read_only=True)[SHEET_KPI].iter_rows(values_only=True)
            if r and len(r) > 2}  # 指标, 全部, 定义 … (issue 25 item 22)
    assert rows["完成数"][1] == 1 and rows["计划回访数"][1] == 4 and rows["问题补录数"][1] == 0


def test_issues_now_lists_the_ledger_as_it_stood(desk, capsys):
    rows = {i["title"]: i for i in _json(capsys, "issues", "--now", NOW_T)}
    assert set(rows) == {"说明书缺页", "发票未寄到"}
    assert rows["发票未寄到"]["status"] == "open" and rows["发票未寄到"]["closed_at"] is None
    assert rows["说明书缺页"]["status"] == "closed"
    assert [i["title"] for i in _json(capsys, "issues", "--now", NOW_T, "--status", "open")] == ["发票未寄到"]


def test_board_date_a_past_day_as_it_stood(desk, capsys):
    agents = _json(capsys, "board", "--date", "2026-11-10")["agents"]
    assert (agents["agent1"]["remaining"], agents["agent1"]["due"]) == (2, 2)  # HF2 and HF3 were still to do
