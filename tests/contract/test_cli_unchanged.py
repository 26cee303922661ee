"""The command line's contract holds: ``--help`` of every command (both languages) and the JSON
of ``queue``, ``callbacks``, ``issues``, ``board`` and ``report monthly`` on a fixed database are
exactly what ``golden/`` holds, captured by ``capture.py`` before the code was moved.

A failure shows a unified diff. If the change is meant, re-run ``python tests/contract/capture.py``
and commit the golden files with it, saying which command line output changed and why."""

from __future__ import annotations

import difflib

import pytest

from . import capture

GOLDEN = capture.read_golden()


@pytest.fixture(scope="module")
def captured(tmp_path_factory) -> dict[str, str]:
    """Every output, captured once for the module (the fixed database is built once)."""
    return capture.capture_all(tmp_path_factory.mktemp("contract"))


def _diff(name: str, want: str, got: str, most: int = 80) -> str:
    """A unified diff, its first ``most`` lines (a renamed JSON key changes every row)."""
    lines = list(difflib.unified_diff(want.splitlines(keepends=True), got.splitlines(keepends=True),
                                      f"golden/{name}", f"now/{name}", n=2))
    more = f"… and {len(lines) - most} more diff lines\n" if len(lines) > most else ""
    return "".join(lines[:most]) + more


def test_golden_files_are_there():
    assert "commands.txt" in GOLDEN and len(GOLDEN) > 100, "run python tests/contract/capture.py"


def test_same_commands(captured):
    if captured["commands.txt"] != GOLDEN["commands.txt"]:
        pytest.fail("the commands changed:\n" + _diff("commands.txt", GOLDEN["commands.txt"],
                                                       captured["commands.txt"]), pytrace=False)


def test_same_outputs(captured):
    assert sorted(captured) == sorted(GOLDEN), (
        f"missing now: {sorted(set(GOLDEN) - set(captured))}; new: {sorted(set(captured) - set(GOLDEN))}")


@pytest.mark.parametrize("name", sorted(n for n in GOLDEN if n != "commands.txt"))
def test_output_unchanged(captured, name):
    assert name in captured, f"{name}: no longer produced"
    if captured[name] != GOLDEN[name]:
        pytest.fail(f"{name} changed:\n{_diff(name, GOLDEN[name], captured[name])}", pytrace=False)
