"""Phone masking (SPEC §6; seed 003 数据安全): lists, the board, JSON and exports never show a
whole number. Pure: no I/O.

- Mobile (11 digits starting with 1, optionally after +86 / 0086): ``138****5678``.
- Landline with its area code (starts with 0): the area code and the last 4 stay,
  ``010****5678`` / ``0755****5678``. Beijing, Tianjin, Shanghai, Chongqing and the 02x
  cities have 3-digit area codes (010, 020–029); all others have 4 (0311, 0755, …).
- Anything else of 7+ digits (a local number without area code, a foreign number): only the
  last 4 stay. Shorter: all but the last 2 hidden. An extension (``-8001``, ``转8001``) is
  dropped, never shown.

Free text (``mask_text``: audit snapshots, what people typed in a notification's message): every
phone-like run of 7+ digits in it masked as above, ISO dates and times kept readable, numbers
glued to letters (``HF202611001``, ``WT…``) kept. ``notify_text`` also makes it one line and
caps its length (``limits.NOTIFY_TEXT_MAX``).
"""

from __future__ import annotations

import re

from .limits import NOTIFY_TEXT_MAX

_EXT = re.compile(r"(转|ext\.?|x|#|分机).*$", re.IGNORECASE)


def _digits(phone: str) -> str:
    s = _EXT.sub("", phone.strip())
    return "".join(ch for ch in s if ch.isdigit())


def area_code(digits: str) -> str:
    """The area code of a Chinese landline written with its leading 0 ('' when none)."""
    if not digits.startswith("0") or len(digits) < 10:
        return ""
    if digits[1] in "12":  # 010, 020–029
        return digits[:3]
    return digits[:4]


def mask_phone(phone: str) -> str:
    """The number as lists may show it."""
    raw = phone or ""
    # An extension written after a dash at the end of a landline ("010-12345678-8001") goes too.
    parts = [p.strip() for p in _EXT.sub("", raw.strip()).split("-") if p.strip()]
    if len(parts) >= 3 and parts[0].startswith("0") and len(parts[-1]) <= 5:
        raw = "".join(parts[:-1])
    digits = _digits(raw)
    if digits.startswith("0086") or (raw.lstrip().startswith("+86") and digits.startswith("86")):
        digits = digits[4:] if digits.startswith("0086") else digits[2:]
        if not (len(digits) == 11 and digits.startswith("1")):
            digits = "0" + digits  # +86 10 … is the landline 010 …
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    code = area_code(digits)
    if code:
        return f"{code}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"****{digits[-4:]}"
    if len(digits) >= 3:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


_PHONE_RUN = re.compile(r"(?<![A-Za-z0-9])\+?\d[\d \-]{5,}\d(?![0-9])")
# an ISO date (and time) is not a phone; one with more digits glued on ("0755-12-345678") is
_DATEISH = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(?!\d)")
_HELD = re.compile("\x00(\\d+)\x00")


def _mask_runs(text: str) -> str:
    return _PHONE_RUN.sub(lambda m: mask_phone(m.group(0)) if sum(c.isdigit() for c in m.group(0)) >= 7
                          else m.group(0), text)


def mask_text(text: str) -> str:
    """Any phone-like run of digits in free *text* masked; ISO dates and times kept readable."""
    keep: list[str] = []

    def hold(m: re.Match) -> str:
        keep.append(m.group(0))
        return f"\x00{len(keep) - 1}\x00"

    held = _DATEISH.sub(hold, (text or "").replace("\x00", ""))
    return _HELD.sub(lambda m: keep[int(m.group(1))], _mask_runs(held))


def notify_text(text: str, limit: int = NOTIFY_TEXT_MAX) -> str:
    """What a person typed (an issue's title, a request's reason) as a notification may carry it
    out of the app: phones masked (``mask_text``), on one line, at most *limit* characters (cut
    with "…"). Masked before it is cut, so a cut never leaves a number's digits whole."""
    one_line = " ".join(mask_text(text).split())
    return one_line if len(one_line) <= limit else one_line[:limit - 1].rstrip() + "…"
