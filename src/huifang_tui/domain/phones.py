"""Is a phone number one an agent can dial? (SPEC §5)

Accepted, after removing spaces, dashes, dots and brackets:
- a mainland mobile: 11 digits starting with 1 (``13812345678``; ``+86``/``0086`` allowed);
- a landline with its area code: ``010``/``02x`` + 8 digits, or ``0xxx`` + 7–8 digits;
- a 400/800 service number (10 digits);
each optionally followed by an extension (``转123``, ``ext 123``, ``x123``, ``#123``, ``-123``
after a complete number).
A bad number never fails an import row: the contact is flagged for correction.
"""

from __future__ import annotations

import re
import unicodedata

_EXT = re.compile(r"(?:转|分机|ext\.?|x|#|,|-)\s*(\d{1,6})$", re.IGNORECASE)
_MOBILE = re.compile(r"(?:\+?86|0086)?(1\d{10})")
_LANDLINE = re.compile(r"0(?:[12]\d\d{8}|[3-9]\d{2}\d{7,8})")
_SERVICE = re.compile(r"[48]00\d{7}")
_SEPARATORS = re.compile(r"[\s\-.()（）]")


def phone_ok(text: str) -> bool:
    s = unicodedata.normalize("NFKC", text or "").strip()
    if not s:
        return False
    m = _EXT.search(s)
    if m and _number_ok(_SEPARATORS.sub("", s[: m.start()])):
        return True
    return _number_ok(_SEPARATORS.sub("", s))


def _number_ok(digits: str) -> bool:
    if m := _MOBILE.fullmatch(digits):
        return m.group(1)[1] in "3456789"
    return bool(_LANDLINE.fullmatch(digits) or _SERVICE.fullmatch(digits))
