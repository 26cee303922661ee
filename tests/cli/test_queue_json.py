"""Issue must-shows: facts in → `huifang queue --json` gives the due_on/deadline/kind SPEC §3
dictates across holidays and 调休 make-up days; `huifang record` consequences show in the queue."""

from __future__ import annotations

import json

import pytest

from huifang_tui import cli
from huifang_tui.services.users import os_login

from factories import add_user

CUSTOMERS = (
    "客户名称,客户等级,是否会员,回访员,联系人,职务,联系电话\n"
    "杭州恒达机械有限公司,重要,是,agent1,王建国,技术负责人,13812345678\n"
    "苏州新源环保科技有限公司,普通,否,agent1,李敏,行政负责人,13987654321\n"
)
WORKORDERS = (
    "工单编号,客户名称,联系人,联系方式,产品/服务名称,服务类型,预计完成时间,实际完成时间\n"
    # 2025 国庆: Oct 1–8 off, Sat Oct 11 a make-up working day
    "SX202509001,杭州恒达机械有限公司,王建国,13812345678,隔膜压滤机,维修,2025-09-30 18:00,2025-09-30 17:00\n"
)
EVENTS = "客户名称,事件类型,日期,说明\n苏州新源环保科技有限公司,注册,2025-09-30,官网注册\n"
SALES = "合同号,客户名称,产品,销售日期,数量,金额\nHT2026021301,杭州恒达机械有限公司,板框压滤机,2026-02-13,1,86000\n"


@pytest.fixture
def centre(store, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "admin")
    add_user(store, "agent1", "agent")
    add_user(store, "supervisor", "supervisor")
    for kind, text in (("customers", CUSTOMERS), ("workorders", WORKORDERS), ("events", EVENTS), ("sales", SALES)):
        path = tmp_path / f"{kind}.csv"
        path.write_bytes(text.encode("gb18030"))  # what Excel in China writes
        assert cli.main(["import", kind, str(path)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return store


def _queue(capsys, *args: str) -> list[dict]:
    capsys.readouterr()
    assert cli.main(["queue", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_queue_json_across_national_day(centre, capsys):
    assert cli.main(["plan", "--now", "2025-10-09T09:00"]) == 0
    rows = {r["kind"]: r for r in _queue(capsys, "--date", "2025-10-09", "--all")}
    # SPEC §3 completion (003 四): next working day after completion; 3 working days after it
    assert (rows["completion"]["due_on"], rows["completion"]["deadline"]) == ("2025-10-09", "2025-10-11")
    # SPEC §3 nm_new (001 三(一)1): next working day; registration + 3 working days
    assert (rows["nm_new"]["due_on"], rows["nm_new"]["deadline"]) == ("2025-10-09", "2025-10-11")
    assert rows["completion"]["agent"] == "agent1" and rows["completion"]["overdue"] is False
    assert set(rows) == {"completion", "nm_new"}  # usage comes 2 months later, not today


def test_first_sale_on_spring_festival_make_up_day(centre, capsys):
    assert cli.main(["plan", "--now", "2026-02-14T09:00"]) == 0
    rows = [r for r in _queue(capsys, "--date", "2026-02-14", "--all") if r["kind"] == "first_sale"]
    # 000 第4条: within one month of the sale; Sat 2026-02-14 is a 调休 working day
    assert [(r["due_on"], r["deadline"]) for r in rows] == [("2026-02-14", "2026-03-13")]


def test_planning_twice_changes_nothing(centre, capsys):
    assert cli.main(["plan", "--now", "2025-10-09T09:00"]) == 0
    first = _queue(capsys, "--date", "2025-10-09", "--all")
    assert cli.main(["plan", "--now", "2025-10-09T09:00"]) == 0
    assert "新建回访 0 条" in capsys.readouterr().out
    assert _queue(capsys, "--date", "2025-10-09", "--all") == first


def test_record_consequences_show_in_queue(centre, capsys, monkeypatch):
    assert cli.main(["plan", "--now", "2025-10-09T09:00"]) == 0
    rows = {r["kind"]: r for r in _queue(capsys, "--date", "2025-10-09", "--all")}
    nm, comp = rows["nm_new"]["number"], rows["completion"]["number"]
    assert cli.main(["record", nm, "--outcome", "no_answer", "--when", "2025-10-09 10:00"]) == 0
    assert cli.main(["record", comp, "--outcome", "completed", "--scores", "2,4",
                     "--reached", "王建国/技术负责人", "--when", "2025-10-09 10:30"]) == 0
    later = {r["number"]: r for r in _queue(capsys, "--date", "2025-10-10", "--all")}
    assert later[nm]["due_on"] == "2025-10-10" and later[nm]["attempts"] == 1
    low = [r for r in later.values() if r["kind"] == "low_score"]
    assert len(low) == 1 and low[0]["deadline"] == "2025-10-10T10:30"  # 003 四: within 24 hours


def test_record_rejects_bad_scores_and_writes_nothing(centre, capsys):
    assert cli.main(["plan", "--now", "2025-10-09T09:00"]) == 0
    comp = next(r for r in _queue(capsys, "--date", "2025-10-09", "--all") if r["kind"] == "completion")
    assert cli.main(["record", comp["number"], "--outcome", "completed", "--scores", "7,4",
                     "--reached", "王建国"]) == 1
    assert "1–5" in capsys.readouterr().err
    again = next(r for r in _queue(capsys, "--date", "2025-10-09", "--all") if r["kind"] == "completion")
    assert again["status"] == "open" and again["attempts"] == 0
