"""The app's start (issue 16 item 10): the queue painted from the command line's snapshot,
the table not rebuilt when only the height changes, the garbage collector back on once up."""

from __future__ import annotations

import gc
from datetime import date, datetime

import pytest
from textual.widgets import DataTable

from huifang_tui import cli
from huifang_tui.app import HuifangApp
from huifang_tui.domain.queue import Progress
from huifang_tui.store import fastread

from factories import add_callback, add_customer, add_user

pytestmark = pytest.mark.sqlite_only


def _snapshot(store, login: str) -> tuple:
    conn = fastread.connect(store.url[len("sqlite:///"):])
    try:
        rows, _progress = fastread.queue_snapshot(conn, login, "agent", datetime(2026, 11, 24, 11, 0))
        return rows, fastread.calendar(conn)
    finally:
        conn.close()


@pytest.fixture
def two_due(store):
    agent = add_user(store, "agent1", "agent")
    add_callback(store, add_customer(store, "甲公司"), "HF202611001", deadline_on=date(2026, 11, 27))
    add_callback(store, add_customer(store, "乙公司"), "HF202611002", deadline_on=date(2026, 11, 26))
    return store, agent


async def test_the_first_frame_shows_the_snapshot(two_due):
    """The rows and the status line come from the snapshot handed to the app (the table is
    filled once Textual's start-up is over, not in the frame it renders and never writes)."""
    store, agent = two_due
    rows, cal = _snapshot(store, agent.login)
    progress = Progress(done_today=7, due_today=9, overdue=0, unreachable=0, pool=0)  # not the database's
    app = HuifangApp(store, agent, first_paint=(rows, progress, cal))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        assert [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(2)] == \
            ["HF202611002", "HF202611001"]
        status = str(app.screen.query_one("#queue-status").render())
        assert "应办 9" in status and "已完成 7" in status  # the day's figures (issue 25 item 1)
        assert app.first_paint is None  # used once


async def test_only_a_new_width_rebuilds_the_table(two_due):
    store, agent = two_due
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        cell = table.get_row_at(0)[0]
        await pilot.resize_terminal(100, 40)  # taller: the same columns
        await pilot.pause()
        assert table.get_row_at(0)[0] is cell
        await pilot.resize_terminal(140, 40)  # wider: the columns are fitted again
        await pilot.pause()
        assert table.get_row_at(0)[0] is not cell
        assert table.row_count == 2


async def test_the_app_turns_the_collector_back_on_once_up(two_due):
    store, agent = two_due
    gc.disable()
    try:
        app = HuifangApp(store, agent, resume_gc=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.8)  # past the start-up timer (0.5 s)
            assert gc.isenabled()
    finally:
        gc.enable()


async def test_the_app_leaves_the_collector_alone_unless_asked(two_due):
    store, agent = two_due
    gc.disable()
    try:
        app = HuifangApp(store, agent)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.8)
            assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_refused_start_leaves_the_collector_on(two_due):
    store, _agent = two_due
    assert cli.main(["--db", store.url[len("sqlite:///"):], "--as", "nobody"]) == 2  # not a demo centre
    assert gc.isenabled()
