"""Search keys for customer names: pinyin initials (绍兴恒泰化工 → sxhthg), SPEC §4 search.

Each character's most common reading comes from pypinyin's single-character table (about
40 µs a name, fast enough to compute on every insert, imports of 100k customers included);
a polyphonic character takes that most common reading (重庆 → zq). pypinyin is imported on
first use only.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


def initials(name: str | None) -> str:
    """Lower-case initials of the Chinese characters; ASCII letters and digits kept."""
    if not name:
        return ""
    table = _table()
    out: list[str] = []
    for ch in name:
        reading = table.get(ord(ch))
        if reading:
            out.append(unicodedata.normalize("NFKD", reading.split(",", 1)[0])[0].lower())
        elif ch.isascii() and ch.isalnum():
            out.append(ch.lower())
    return "".join(out)
