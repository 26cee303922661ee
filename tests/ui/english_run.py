"""The English run of a UI test file: its tests again in a child process with the English catalog
(``HUIFANG_TEST_LANG=en``). The child writes its screens as SVG into ``$HUIFANG_TEST_SVG_DIR``;
the parent compares them with the English snapshots (``--snapshot-update`` applies)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SVG_DIR = "HUIFANG_TEST_SVG_DIR"

#: the English run's screenshot tests: only in the child, which has somewhere to write them
takes_screens = pytest.mark.skipif(not os.environ.get(SVG_DIR), reason="the English run's screenshots")
#: the test that starts the English run: not in the child itself
starts_the_english_run = pytest.mark.skipif(os.environ.get("HUIFANG_TEST_LANG", "zh_CN") != "zh_CN",
                                            reason="this is the English run itself")


def english_only(runner: str) -> pytest.MarkDecorator:
    """The ``pytestmark`` of an ``*_en.py`` twin: its tests run only in the English run *runner* starts."""
    return pytest.mark.skipif(os.environ.get("HUIFANG_TEST_LANG") != "en",
                              reason=f"run by {runner} with HUIFANG_TEST_LANG=en")


def take_screens(make_app: Callable, screens: Mapping[str, Callable], size: tuple[int, int] = (80, 24)) -> None:
    """In the English run: each of *screens* (``{name: run_before}``) on a fresh ``make_app()``, as
    ``<name>.svg`` in ``$HUIFANG_TEST_SVG_DIR``."""
    from textual._doc import take_svg_screenshot

    out = Path(os.environ[SVG_DIR])
    for name, run_before in screens.items():
        svg = take_svg_screenshot(app=make_app(), terminal_size=size, run_before=run_before)
        (out / f"{name}.svg").write_text(svg, encoding="utf-8")


def run_in_english(tmp_path: Path, test_file: Path, *more: str, writes: Iterable[str] = ()) -> str:
    """Run *test_file* (with *more* pytest arguments, e.g. ``-k``) in a child process in English,
    its screenshots into *tmp_path*; it passes and writes ``<name>.svg`` for each of *writes*.
    The child's output."""
    args = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:syrupy", "-p", "no:randomly",
            str(test_file.relative_to(ROOT)), *more]
    env = dict(os.environ, HUIFANG_TEST_LANG="en")
    env[SVG_DIR] = str(tmp_path)
    env.pop("PYTEST_CURRENT_TEST", None)
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    written = all((tmp_path / f"{name}.svg").exists() for name in writes)  # not if its test was skipped
    assert done.returncode == 0 and written, done.stdout[-6000:] + done.stderr[-2000:]
    return done.stdout


def compare_shots(snapshot, tmp_path: Path, shots: Mapping[str, str]) -> None:  # noqa: ANN001
    """Each ``{snapshot name: name}``: ``<name>.svg`` in *tmp_path* is that English snapshot."""
    from pytest_textual_snapshot import SVGImageExtension

    svg = snapshot.use_extension(SVGImageExtension)
    for snap, name in shots.items():
        assert svg(name=snap) == (tmp_path / f"{name}.svg").read_text(encoding="utf-8")


def english_shots(names: Iterable[str]) -> dict[str, str]:
    """The snapshot of each screen *name* taken in English is ``en_<name>``."""
    return {f"en_{name}": name for name in names}


def compare_in_english(snapshot, tmp_path: Path, test_file: Path, shots: Mapping[str, str], *more: str) -> None:  # noqa: ANN001
    """:func:`run_in_english` then :func:`compare_shots`."""
    run_in_english(tmp_path, test_file, *more, writes=shots.values())
    compare_shots(snapshot, tmp_path, shots)
