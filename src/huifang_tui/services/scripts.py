"""Call scripts: one TOML file per kind in ``data/scripts/`` (editable by an admin, no code)."""

from __future__ import annotations

import string
import tomllib
from functools import lru_cache

from ..core.resources import data_dir
from ..core.safe_text import clean_multiline


class _Keep(dict):
    """Unknown placeholders stay visible as typed, e.g. ``{foo}``."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@lru_cache(maxsize=32)
def load_script(kind: str) -> dict:
    path = data_dir() / "scripts" / f"{kind}.toml"
    if not path.exists():
        return {"title": kind, "opening": "", "questions": [], "closing": "", "tips": [], "score_prompts": {}}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def fill(template: str, values: dict[str, object]) -> str:
    """Fill ``{placeholders}`` from the record; values are cleaned of control characters."""
    safe = _Keep({k: clean_multiline(v) for k, v in values.items()})
    try:
        return string.Formatter().vformat(template, (), safe)
    except (ValueError, IndexError):
        return template
