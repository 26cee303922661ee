"""What a channel is given to send (``Outgoing``) and what it gives back (``Answer``).

``Outgoing`` is plain text, escaped by no one yet: each channel makes it literal in its own
format (the robots' markdown with ``domain.notify.escape_markdown``; email is plain text). The
notification's number is already in the title (``notify.prefix``). ``Answer.text`` is what the
server said (the HTTP status and body, or the SMTP reply), on one line, with every secret of the
channel replaced (``scrub``): it is printed, stored and shown in ``notify status``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ANSWER_MAX = 500  # characters of a server's answer kept (one line of `notify status`)
HIDDEN = "***"


@dataclass(frozen=True, slots=True)
class Outgoing:
    number: int
    title: str
    lines: tuple[str, ...] = ()
    attachment: tuple[str, bytes] | None = None  # (file name, content)


@dataclass(frozen=True, slots=True)
class Answer:
    ok: bool
    text: str
    rate_limited: bool = False


def one_line(text: str) -> str:
    """Control characters and line breaks made spaces, runs of spaces made one."""
    cleaned = "".join(" " if (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0) else ch for ch in str(text))
    return " ".join(cleaned.split())


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` on one line and at most ``ANSWER_MAX`` characters, every secret replaced by ***."""
    out = one_line(text)
    # longest first: a secret that contains another is hidden whole
    for secret in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        out = out.replace(secret, HIDDEN)
    if len(out) > ANSWER_MAX:
        out = out[:ANSWER_MAX - 1] + "…"
    return out
