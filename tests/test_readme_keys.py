"""The README's key table says what the app does (issue 25): every key a main screen binds is in
the table under that screen's name, and every key the table names for a screen is one the
screen (or the app, or a widget on it) answers to."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"

NAMED = {"enter": "enter", "esc": "escape", "space": "space", "tab": "tab", "shift+tab": "shift+tab",
         "pgup": "pageup", "pgdn": "pagedown", "ctrl+q": "ctrl+q",
         "ctrl+s": "ctrl+s", "ctrl+r": "ctrl+r", "←/→": "left right", "↑/↓": "up down"}
SYMBOLS = {"/": "slash", "?": "question_mark", "[": "left_square_bracket", "]": "right_square_bracket"}


def _where() -> dict[str, list[type]]:
    from huifang_tui.app import HuifangApp
    from huifang_tui.screens.audit import AuditScreen
    from huifang_tui.screens.board import AgentQueueScreen, BoardScreen
    from huifang_tui.screens.call import CallScreen
    from huifang_tui.screens.ledger import IssueScreen, LedgerScreen
    from huifang_tui.screens.month import MonthScreen
    from huifang_tui.screens.queue import QueueScreen
    from huifang_tui.screens.record_form import RecordFormScreen
    from huifang_tui.screens.yearly import YearlyScreen

    return {"everywhere": [HuifangApp], "queue": [QueueScreen], "call": [CallScreen], "month": [MonthScreen],
            "form": [RecordFormScreen], "board": [BoardScreen], "drill-down": [AgentQueueScreen],
            "audit": [AuditScreen], "ledger": [LedgerScreen], "issue": [IssueScreen], "yearly": [YearlyScreen]}


def _keys_of_cell(cell: str) -> set[str]:
    """``F1 or `?``` → {f1, question_mark}; ``F3–F10`` → f3…f10; ```1`–`5``` → 1…5."""
    keys: set[str] = set()
    cell = cell.replace("Ctrl+", "ctrl+")
    for a, b in re.findall(r"F(\d+)–F(\d+)", cell):
        keys |= {f"f{i}" for i in range(int(a), int(b) + 1)}
    cell = re.sub(r"F\d+–F\d+", "", cell)
    for a, b in re.findall(r"`(\d)`–`(\d)`", cell):
        keys |= {str(i) for i in range(int(a), int(b) + 1)}
    cell = re.sub(r"`\d`–`\d`", "", cell)
    keys |= {f"f{n}" for n in re.findall(r"\bF(\d+)\b", cell)}
    for tick in re.findall(r"`([^`]+)`", cell):
        keys.add(SYMBOLS.get(tick, tick))
    low = cell.lower()
    for word, key in NAMED.items():
        if re.search(rf"(?<![\w+]){re.escape(word)}(?!\w)", low):
            keys |= set(key.split())
    return keys


def _table() -> dict[str, set[str]]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Keys"):]
    section = section[: section.index("\n## ", 1)]
    rows: dict[str, set[str]] = {}
    for where, cell in re.findall(r"^\| ([\w -]+?) \| ([^|]+?) \| [^\n]*\|$", section, re.M):
        if where in ("where",):
            continue
        rows.setdefault(where, set()).update(_keys_of_cell(cell))
    return rows


def _bound(cls: type) -> dict[str, str]:
    """key → the binding's id, over the class and its bases (as Textual merges them)."""
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("huifang_tui."):
            continue  # Textual's own (Tab, Ctrl+C copy…): not ours to document
        for b in klass.__dict__.get("BINDINGS", []):
            for key in b.key.split(","):
                out[key.strip()] = b.id or b.action
    return out


def test_the_cell_reader():
    assert _keys_of_cell("F1 or `?`") == {"f1", "question_mark"}
    assert _keys_of_cell("F3–F10") == {f"f{i}" for i in range(3, 11)}
    assert _keys_of_cell("Tab / Enter; `1`–`5`, ←/→") >= {"tab", "enter", "1", "5", "left", "right"}
    assert _keys_of_cell("Space, `t`, `[` / `]`") == {"space", "t", "left_square_bracket", "right_square_bracket"}


def test_every_key_a_screen_binds_is_in_the_readme():
    table = _table()
    missing = []
    for where, classes in _where().items():
        for cls in classes:
            for key, ident in _bound(cls).items():
                general = table.get("everywhere", set()) | table.get("supervisors", set())
                if key not in table.get(where, set()) and key not in general:
                    missing.append(f"{where}: {key} ({ident})")
    assert not missing, "keys the app binds that the README's key table does not name:\n" + "\n".join(missing)


def test_every_key_the_readme_names_is_bound():
    from huifang_tui.widgets.choice import ChoiceField
    from huifang_tui.widgets.score_row import ScoreRow

    widgets = {**_bound(ScoreRow), **_bound(ChoiceField)}
    everywhere = set(_bound(_where()["everywhere"][0]))  # the app's keys hold on every screen
    typing = {"tab", "enter", "up", "down", "left", "right", "pageup", "pagedown", "home", "end"}  # Textual's own moves
    wrong = []
    for where, keys in _table().items():
        if where not in _where():
            continue
        bound = set().union(*(_bound(c) for c in _where()[where])) | everywhere | typing | set(widgets)
        wrong += [f"{where}: {k}" for k in sorted(keys - bound)]
    assert not wrong, "keys the README names that the screen does not answer to:\n" + "\n".join(wrong)
