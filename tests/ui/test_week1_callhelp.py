"""F1 on the call screen explains the scores and F8 past the deadline (issue 25, dialogs and
notices item 5), and its notes break by the Chinese rules at 80×24 (item 1)."""

from __future__ import annotations

from textual.geometry import Region

from huifang_tui.app import HuifangApp
from huifang_tui.core.i18n import t
from huifang_tui.domain.linebreak import NO_START
from huifang_tui.screens.help import HelpScreen

from pilot_help import open_first


async def test_f1_on_the_call_screen_explains_scoring_and_f8(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        notes = " ".join(str(w.render()) for w in app.screen.query("#help-note, .help-note-more"))
        assert t("callhelp.scoring") in notes
        for words in ("1–5", "←/→", "F8", "主管", "上一条回访"):
            assert words in notes
        more = app.screen.query_one(".help-note-more")
        assert more.region.height >= 2
        r = more.size
        lines = [s.text.strip() for s in more.render_lines(Region(0, 0, r.width, r.height))]
        assert all(not line or line[0] not in NO_START for line in lines), lines
