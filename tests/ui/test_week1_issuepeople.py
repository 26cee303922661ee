"""The issue screen names people as the board and the audit log do (issue 25 item 3 of the
supervisor review): 责任人 and 提出人 by name, the timeline's 人员 by name, the system as 系统 —
never a login (agent1, supervisor, system). The names are read in the screen's worker."""

from __future__ import annotations

from datetime import datetime

from pilot_help import settle
from textual.widgets import DataTable, Static

from huifang_tui.core.i18n import t

NOW = datetime(2026, 11, 23, 10, 30)
LOGINS = ("agent1", "agent2", "supervisor", "system")


async def test_the_issue_screen_names_people(demo_app):
    from huifang_tui.screens.ledger import IssueScreen

    app = demo_app("supervisor", NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # WT202611004: raised by 陈晓雯, acknowledged and owned by 周建华, escalated by the system
        app.push_screen(IssueScreen("WT202611004"))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, IssueScreen) and screen.view is not None
        fields = str(screen.query_one("#issue-fields", Static).render())
        table = screen.query_one("#issue-timeline", DataTable)
        people = [str(table.get_cell_at((row, 2))) for row in range(table.row_count)]
    from huifang_tui.services.assignment import display_names

    names = display_names(app.store, app.actor)
    i = screen.view.issue
    assert f"{t('ledger.col.owner')}: {names[i.owner_login]}" in fields
    assert f"{t('ledger.raised_by')}: {names[i.raised_by]}" in fields
    assert people and not [p for p in people if p in LOGINS]
    assert {names[e.login] if e.login in names else t("auditlog.system") for e in screen.view.events} \
        == set(people)
    assert not [login for login in LOGINS if f": {login}" in fields]
