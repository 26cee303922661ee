"""The one message catalog: every user-visible string goes through ``t()``.

Catalog files live in ``i18n/<lang>/*.toml`` (one file per area, merged into one flat
key space). zh_CN is the default; ``en`` via ``--lang en`` or ``LANG``. A key missing
from the current language falls back to zh_CN, then to the key itself.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

DEFAULT = "zh_CN"
LANGS = ("zh_CN", "en")
_HERE = Path(__file__).parent
_cache: dict[str, dict[str, str]] = {}
_lang = DEFAULT


def _flatten(d: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = str(v)
    return out


def catalog(lang: str) -> dict[str, str]:
    if lang not in _cache:
        merged: dict[str, str] = {}
        for f in sorted((_HERE / lang).glob("*.toml")):
            merged.update(_flatten(tomllib.loads(f.read_text(encoding="utf-8"))))
        _cache[lang] = merged
    return _cache[lang]


def detect(explicit: str | None = None) -> str:
    if explicit:
        return "en" if explicit.lower().startswith("en") else DEFAULT
    env = os.environ.get("HUIFANG_LANG") or os.environ.get("LANG", "")
    return "en" if env.lower().startswith("en") else DEFAULT


def set_lang(lang: str) -> None:
    global _lang
    _lang = lang if lang in LANGS else DEFAULT


def get_lang() -> str:
    return _lang


def t(key: str, **kw: object) -> str:
    text = catalog(_lang).get(key) or catalog(DEFAULT).get(key) or key
    if kw:
        try:
            return text.format(**kw)
        except (KeyError, IndexError, ValueError):
            return text
    return text
