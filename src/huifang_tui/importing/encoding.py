"""Which text encoding a ``.csv`` file is in (SPEC §5): UTF-8 (with or without BOM) or
GB18030, nothing else unless the user names it with ``--encoding``.

Big5 and Shift-JIS bytes often *decode* as GB18030 and would come in as mojibake, so a file
that is not UTF-8 is also shown to a charset detector (charset-normalizer): when it says the
bytes are far more likely Big5, Shift-JIS, EUC-JP/KR than GB18030, the file is refused with
the likely encoding named. The margin (``CHAOS_MARGIN``) is tested on real GB18030 text
(``tests/importing/test_encoding.py``) so that such files are never refused.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ..core.i18n import t
from .errors import ImportFileError

# Detector names -> how we name the encoding to the user.
FOREIGN = {
    "big5": "Big5", "big5hkscs": "Big5", "cp950": "Big5",
    "shift_jis": "Shift-JIS", "cp932": "Shift-JIS", "shift_jis_2004": "Shift-JIS", "euc_jp": "EUC-JP",
    "euc_kr": "EUC-KR", "cp949": "EUC-KR",
}
CANDIDATES = ["gb18030", "big5", "cp950", "shift_jis", "cp932", "euc_jp", "euc_kr"]
CHAOS_MARGIN = 0.10  # refuse only if GB18030 reads this much worse than the foreign guess
MIN_EVIDENCE = 16  # non-ASCII characters needed before a foreign guess can refuse a file


def choose(path: Path, head: bytes, complete: bool, override: str | None = None) -> str:
    """The codec to read ``path`` with, judged on its first bytes ``head`` (``complete``: the
    whole file). Raises ``ImportFileError`` naming the likely encoding and the fix."""
    if override:
        try:
            return codecs.lookup(override).name
        except LookupError:
            raise ImportFileError(t("imp.err.encoding_name", name=override)) from None
    if head.startswith(b"PK\x03\x04"):
        raise ImportFileError(t("imp.err.zip_as_csv", path=path))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise ImportFileError(t("imp.err.foreign_encoding", path=path, encoding="UTF-16"))
    if _decodes(head, "utf-8", complete) and (head.startswith(codecs.BOM_UTF8) or not _gb_rather_than_utf8(head)):
        return "utf-8-sig"  # with or without BOM
    if head.startswith(codecs.BOM_UTF8):  # BOM but not UTF-8 after it: mixed encodings
        raise ImportFileError(t("imp.err.mixed_encoding", path=path, line=_bad_line(head[3:], "utf-8"),
                                encoding="UTF-8"))
    gb = _decodes(head, "gb18030", complete)
    guess = foreign_guess(head, gb)
    if guess:
        raise ImportFileError(t("imp.err.foreign_encoding", path=path, encoding=guess))
    if not gb:
        raise ImportFileError(t("imp.err.encoding", path=path))
    return "gb18030"


def foreign_guess(data: bytes, gb_decodes: bool = True) -> str | None:
    """The foreign encoding ``data`` most likely is in, or None if GB18030 reads it as well."""
    from charset_normalizer import from_bytes

    if gb_decodes and sum(1 for c in data.decode("gb18030", errors="replace") if ord(c) > 127) < MIN_EVIDENCE:
        return None  # too little text to tell (a few names): read it as GB18030
    matches = from_bytes(data, cp_isolation=CANDIDATES)
    best = matches.best()
    if best is None or best.encoding not in FOREIGN:
        return None
    gb = next((m for m in matches if m.encoding == "gb18030"), None)
    if gb_decodes and gb is not None and gb.chaos - best.chaos <= CHAOS_MARGIN:
        return None
    return FOREIGN[best.encoding]


def _cjk_share(text: str) -> float:
    """Share of the non-ASCII characters that are CJK ideographs, CJK punctuation or full-width."""
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return 1.0
    ok = sum(1 for c in wide if "\u3000" <= c <= "\u303f" or "\u3400" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef"
             or "\u2010" <= c <= "\u2027" or c in "·×")
    return ok / len(wide)


def _gb_rather_than_utf8(head: bytes) -> bool:
    """A few GB18030 characters can form valid UTF-8 by chance (同 is CD AC): then the UTF-8
    reading is not Chinese but the GB18030 one is."""
    if head.isascii():
        return False
    as_utf8 = head.decode("utf-8", errors="ignore")
    if _cjk_share(as_utf8) >= 0.5:
        return False
    return _decodes(head, "gb18030", False) and _cjk_share(head.decode("gb18030", errors="ignore")) >= 0.9


def _decodes(data: bytes, encoding: str, complete: bool) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(data, final=complete)
        return True
    except UnicodeDecodeError:
        return False


def _bad_line(data: bytes, encoding: str) -> int:
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(data, final=False)
    except UnicodeDecodeError as e:
        return data[: e.start].count(b"\n") + 1
    return 1
