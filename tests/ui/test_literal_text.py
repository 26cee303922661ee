"""SPEC §6: text from imports or typing is shown literally (no markup, no terminal escapes)."""

from __future__ import annotations

from textual.widgets import DataTable

from huifang_tui.app import HuifangApp

from factories import add_callback, add_customer, add_user

MARKUP = "[bold red]x[/]"
ESCAPE = "恒达\x1b[2J机械\x07有限公司"


async def test_queue_shows_markup_and_escapes_literally(store):
    agent = add_user(store, "agent1", "agent")
    add_callback(store, add_customer(store, MARKUP, contact="[link=http://x]王[/link]"), "HF202611001",
                 contact="[link=http://x]王[/link]")
    add_callback(store, add_customer(store, ESCAPE), "HF202611002")
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        cells = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert MARKUP in cells
        assert "恒达机械有限公司" in cells  # control characters stripped, nothing interpreted
        contacts = {str(table.get_row_at(i)[3]) for i in range(table.row_count)}
        literal_contact = "[link=http://x]王[/link]"
        # a long contact ends in "…" in its column (issue 16), still shown as typed, never as markup
        assert any(c == literal_contact or (c.endswith("…") and c[:-1] and literal_contact.startswith(c[:-1]))
                   for c in contacts), contacts
        painted = "\n".join("".join(seg.text for seg in table.render_line(y)) for y in range(table.size.height))
        assert MARKUP in painted  # what the terminal actually receives for the table
        assert "\x1b" not in painted and "\x07" not in painted
