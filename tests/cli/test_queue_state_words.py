"""``huifang queue``'s state column says what the queue screen's says: 公共池 for the shared
pool, the reader's request mark (请示中) and the ✎ of a saved draft (issue 25 item 6 of the
agent's walk); a refused request's mark gives way to a newer attempt (item 7)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.core.i18n import t
from huifang_tui.services import requests as req
from huifang_tui.services.drafts import save_draft
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.store.models import Callback, Setting

from factories import add_callback, add_customer, add_user


@pytest.fixture
def centre(store, monkeypatch, capsys):
    """Today (the command line's real clock): agent1's callback due today with a deadline today,
    one with a draft, and one in the shared pool."""
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    with store.write() as s:
        s.add(Setting(key="demo", value="1"))  # --as works on a demo database only
    today = date.today()
    add_callback(store, add_customer(store, "甲公司"), "HF202611001", due_on=today, deadline_on=today)
    drafted = add_callback(store, add_customer(store, "乙公司"), "HF202611002", due_on=today,
                           deadline_on=today + timedelta(days=7))
    add_callback(store, add_customer(store, "丙公司"), "HF202611003", due_on=today,
                 deadline_on=today + timedelta(days=7), agent=None)
    store.clock = datetime.now
    save_draft(store, agent, drafted, {"note": "客户在开会"})
    capsys.readouterr()
    return store, agent, sup


def _states(capsys, *day: str) -> dict[str, str]:
    assert cli.main(["--as", "agent1", "queue", *day]) == 0
    out = capsys.readouterr().out
    return {line.split("│")[1].strip(): line.split("│")[8].strip()
            for line in out.splitlines() if line.count("│") >= 9 and "HF2026" in line}


def test_the_command_line_states_as_the_queue_screen(centre, capsys):
    store, agent, _sup = centre
    req.ask(store, agent, "HF202611001", "reschedule", datetime.combine(date.today() + timedelta(days=2),
                                                                         datetime.min.time()).replace(hour=10), "客户出差")
    states = _states(capsys)
    assert states["HF202611001"] == t("requests.mark.pending")
    assert states["HF202611002"].startswith("✎")
    assert states["HF202611003"] == "公共池"


def test_a_refused_requests_mark_gives_way_to_a_newer_attempt(centre, capsys):
    store, agent, sup = centre
    view = req.ask(store, agent, "HF202611001", "reschedule", datetime.combine(
        date.today() + timedelta(days=2), datetime.min.time()).replace(hour=10), "客户出差")
    req.refuse(store, sup, view.id, "先打一次")
    assert _states(capsys)["HF202611001"] == t("requests.mark.refused")
    store.clock = lambda: datetime.now() + timedelta(seconds=5)  # the try comes after the answer
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
    store.clock = datetime.now
    with store.read() as s:  # the day the try moved it to
        due = s.exec(select(Callback.due_on).where(Callback.number == "HF202611001")).one()
    after = _states(capsys, "--date", due.isoformat())["HF202611001"]  # what the attempt left: the next try
    assert after != t("requests.mark.refused") and "再拨" in after
