"""Waiting for the app in Pilot tests: one helper for every UI test file."""

from __future__ import annotations


async def workers_done(app) -> None:  # noqa: ANN001
    """Wait for the app's workers. A worker cancelled because a newer one replaced it (an
    exclusive load, e.g. the start-up refresh) is not a failure: wait for the newer one."""
    from textual.worker import WorkerCancelled

    for _ in range(10):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue
    await app.workers.wait_for_complete()


async def settle(pilot, rounds: int = 3) -> None:  # noqa: ANN001
    """Let database workers finish and their messages land (a loaded message may start more)."""
    for _ in range(rounds):
        await workers_done(pilot.app)
        await pilot.pause()


async def open_first(pilot, expect=None):  # noqa: ANN001, ANN201
    """From the queue: Enter on the first row; the screen that opens (a CallScreen by default)."""
    from huifang_tui.screens.call import CallScreen

    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, expect or CallScreen)
    return pilot.app.screen


async def draft_comes_back(store, agent, field: str, value: str) -> None:  # noqa: ANN001
    """The saved draft holds ``value``; opening the call again offers it back, and after "y" the
    field ``#field`` holds it again."""
    from sqlmodel import select

    from huifang_tui.app import HuifangApp
    from huifang_tui.screens.dialogs import ConfirmDialog
    from huifang_tui.store.models import CallDraft

    with store.read() as s:
        assert value in s.exec(select(CallDraft)).one().data
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first(pilot, expect=ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert app.screen.query_one(f"#{field}").value == value
