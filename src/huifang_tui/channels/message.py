"""What a channel is given to send (``Outgoing``) and what it gives back (``Answer``).

``Outgoing`` is plain text. With ``escaped`` False (``huifang notify test``) nobody escaped it
yet: each channel makes it literal in its own format (the robots' markdown with
``domain.notify.escape_markdown``; email is plain text). With ``escaped`` True the sender made it
safe for the robots' markdown already, escaping only what people typed (its parameters), so the
robots send it as it is: the title's "回访台 #12" stays "#12", as ``notify status`` prints it.
Either way every channel removes control characters and terminal escape sequences from the title
and the lines (``plain``: a line break inside a line becomes a space). The notification's number
is already in the title (``notify.prefix``).

``Answer.text`` is one line, every secret of the channel replaced (``scrub``): what the server
said (the HTTP status and body, or the SMTP reply) as it said it, or, when the words are ours (no
connection, a timeout, a TLS failure, no STARTTLS …), a catalog text (``core.i18n.Msg``, made by
``ours``) that is stored as its code (``i18n.note_line``) and shown in each reader's language
(``i18n.note_text``). It is printed, stored and shown in ``notify status``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..core.i18n import Msg, t
from ..core.safe_text import clean

ANSWER_MAX = 500  # characters of a server's answer kept (one line of `notify status`)
PARAM_MAX = ANSWER_MAX - 60  # a parameter of our words: the whole stays about one answer long
HIDDEN = "***"


@dataclass(frozen=True, slots=True)
class Outgoing:
    number: int
    title: str
    lines: tuple[str, ...] = ()
    attachment: tuple[str, bytes] | None = None  # (file name, content)
    escaped: bool = False  # True: title and lines are safe for the robots' markdown already


@dataclass(frozen=True, slots=True)
class Answer:
    ok: bool
    text: str  # the server's words as it said them, or ours as a catalog ``Msg`` (see above)
    rate_limited: bool = False


def plain(text: object) -> str:
    """A title or a line as every channel sends it: terminal escape sequences removed whole,
    other C0/C1 control characters removed, a line break or a tab made a space
    (``core.safe_text.clean``, as the screens show the same text)."""
    return clean(text)


def one_line(text: object) -> str:
    """``plain`` text with runs of spaces made one and no space at either end."""
    return " ".join(plain(text).split())


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` on one line and at most ``ANSWER_MAX`` characters, every secret replaced by ***.
    A catalog text (``Msg``) stays one: its parameters are scrubbed and it is made again."""
    hidden = sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True)
    if isinstance(text, Msg) and text.key:
        params = {k: v if isinstance(v, (bool, int, float)) else _scrubbed(v, hidden, PARAM_MAX)
                  for k, v in text.params.items()}
        return t(text.key, **params)
    return _scrubbed(text, hidden)


def ours(key: str, secrets: Iterable[str], **params: object) -> str:
    """Our own words for an answer (``channels.answer.*``): a catalog text, secrets scrubbed."""
    return scrub(t(key, **params), secrets)


def _scrubbed(text: object, hidden: list[str], limit: int = ANSWER_MAX) -> str:
    out = one_line(text)
    for secret in hidden:  # longest first: a secret that contains another is hidden whole
        out = out.replace(secret, HIDDEN)
    if len(out) > limit:
        out = out[:limit - 1] + "…"
    return out
