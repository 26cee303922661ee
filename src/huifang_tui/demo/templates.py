"""Where the demo database lives, and the fictional names it is made of."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import platformdirs

APP = "huifang"
DEMO_COMPANY = "华通过滤设备有限公司"  # fictional: the company whose agents the demo shows


def demo_path() -> Path:
    """Default demo database: ``<user data dir>/huifang/demo.db``."""
    return platformdirs.user_data_path(APP) / "demo.db"


def templates_dir() -> Path:
    """``data/demo`` of the data directory (see resources.data_dir)."""
    from ..core.resources import data_dir

    cand = data_dir() / "demo"
    if (cand / "templates.toml").is_file():
        return cand
    raise FileNotFoundError(str(cand / "templates.toml"))


def load_templates(directory: Path | None = None) -> dict[str, Any]:
    """Merge every ``*.toml`` of the templates directory (sorted by name) into one dict."""
    d = directory or templates_dir()
    merged: dict[str, Any] = {}
    for f in sorted(d.glob("*.toml")):
        merged.update(tomllib.loads(f.read_text(encoding="utf-8")))
    return merged
