"""Locating the project's data files (policy, call scripts, demo templates).

A source checkout (``pip install -e .``, as ``make`` does) reads the top-level ``data/``; a
regular install finds the copy that ``pyproject.toml`` installs under ``<prefix>/share/huifang``.
``HUIFANG_DATA_DIR`` overrides both (e.g. a department's own scripts), except in the elevated
process of a shared install.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def data_dir() -> Path:
    from . import system

    env = os.environ.get("HUIFANG_DATA_DIR")
    if env and system.locked() is None:  # the elevated process reads only the install's data
        return Path(env)
    checkout = Path(__file__).resolve().parents[3] / "data"
    if (checkout / "policy.toml").is_file():
        return checkout
    return Path(sys.prefix) / "share" / "huifang"
