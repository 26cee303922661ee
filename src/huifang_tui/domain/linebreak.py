"""Breaking Chinese text into lines by the usual rules (标点禁则, kinsoku), in terminal cells.

- no line starts with closing punctuation (，。、；：？！）」』》】 …) and no line ends with
  opening punctuation (（「『《【 …): the character beside it moves with it;
- a run of ASCII (or full-width) letters and digits, with the joiners inside a code, a date or
  a time (``SX202611032``, ``2026-12-04``, ``15:00``, ``1.5``), stays whole, and so do ``……``
  and ``——``;
- a date and the time after it (``2026-12-14 10:00``) stay on one line where the pair fits;
- spaces are where Latin text breaks, and a space at a break is dropped;
- a line never holds more cells than asked (a wide character is two cells): only when one
  piece is wider than the whole line is it cut, and only when a run that may not be broken
  is wider than the line is a rule given up.

Pure: the cell width of a character is the East Asian width rule (``cell_width``); a caller
that draws with another measure (Rich's ``cell_len``) passes it as ``cells``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# May not begin a line: closing brackets and quotes, sentence and clause punctuation, the
# ellipsis, the connecting marks, the middle dots, iteration marks and small kana (GB/T 15834,
# JIS X 4051), and their ASCII kin.
NO_START = frozenset(
    "，。、；：？！）」』》〉】〕］｝〗〙〛”’»›·・‧…‥～〜‐–％‰℃°′″々〻ゝゞヽヾーぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    "︰︱︲︳︴︶︸︺︼︾﹀﹂﹄﹐﹑﹒﹔﹕﹖﹗﹚﹜﹞｡｣､･"
    ",.;:?!)]}%"
)
# May not end a line: opening brackets and quotes.
NO_END = frozenset("（「『《〈【〔［｛〖〘〚“‘«‹︵︷︹︻︽︿﹁﹃﹙﹛﹝｢([{")
_ALNUM = "0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
# One piece that stays whole: a code, a number, a word (with the joiners inside it), or a run
# of the same dash or ellipsis.
_PIECE = re.compile(rf"[{_ALNUM}]+(?:[-./:_+@#&'][{_ALNUM}]+)*|…+|‥+|—+|―+|-{{2,}}|\.{{2,}}")
_SPACE = " \t"
# A date and the time after it (``2026-12-14 10:00``) read as one: no break between them where
# the pair fits in a line (where it does not, the rule is given up like any run too wide).
_DATE = re.compile(r"\d{4}([-/.])\d{1,2}\1\d{1,2}")
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")


def cell_width(text: str) -> int:
    """Terminal cells of *text*: two for East Asian wide and full-width characters, none for
    combining marks, format and control characters, one for the rest."""
    n = 0
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Mn", "Me", "Cf", "Cc"):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


@dataclass
class _Piece:
    start: int
    end: int
    cells: int
    gap: int  # cells of the spaces before it (kept inside a line, dropped at a break)
    gap_start: int  # where those spaces begin
    joined: bool  # no break allowed before it


def _pieces(text: str, start: int, end: int, cells: Callable[[str], int]) -> list[_Piece]:
    out: list[_Piece] = []
    i = start
    while i < end:
        j = i
        while j < end and text[j] in _SPACE:
            j += 1
        gap_start, gap = i, cells(text[i:j])
        if j == end:
            break  # spaces at the end of a paragraph: dropped
        m = _PIECE.match(text, j, end)
        k = m.end() if m else j + 1
        piece = _Piece(j, k, cells(text[j:k]), gap, gap_start, False)
        if out:
            prev = text[out[-1].end - 1]
            piece.joined = (text[j] in NO_START or prev in NO_END
                            or unicodedata.category(text[j]).startswith("M") or text[j] == "\u200d"
                            or (bool(_TIME.fullmatch(text, j, k))
                                and bool(_DATE.fullmatch(text, out[-1].start, out[-1].end))))
        out.append(piece)
        i = k
    return out


def _split(text: str, piece: _Piece, width: int, cells: Callable[[str], int]) -> list[_Piece]:
    """A piece wider than a line: cut into pieces of at most *width* cells (at least one
    character each), the first keeping its gap, the rest glued to nothing (a break before each)."""
    out: list[_Piece] = []
    a = piece.start
    while a < piece.end:
        b, used = a, 0
        while b < piece.end:
            w = cells(text[b])
            if used + w > width and b > a:
                break
            used += w
            b += 1
        gap = (piece.gap, piece.gap_start) if not out else (0, a)
        out.append(_Piece(a, b, used, gap[0], gap[1], piece.joined if not out else False))
        a = b
    return out


def _paragraph(text: str, start: int, end: int, width: int, cells: Callable[[str], int]) -> list[tuple[int, int]]:
    pieces = _pieces(text, start, end, cells)
    if not pieces:
        return [(start, start)]
    lines: list[tuple[int, int]] = []
    # Spaces before the paragraph's first piece (an indent) are kept when they fit with it.
    if pieces[0].gap and pieces[0].gap + pieces[0].cells <= width:
        first_start = pieces[0].gap_start
        lead = pieces[0].gap
    else:
        first_start, lead = pieces[0].start, 0
    s = 0
    while s < len(pieces):
        if pieces[s].cells > width:
            pieces[s:s + 1] = _split(text, pieces[s], width, cells)
        used = pieces[s].cells + (lead if s == 0 else 0)
        j = s + 1
        while j < len(pieces) and used + pieces[j].gap + pieces[j].cells <= width:
            used += pieces[j].gap + pieces[j].cells
            j += 1
        if j < len(pieces):
            # pieces[j] does not fit: break before the last piece a line may start with.
            b = next((k for k in range(j, s, -1) if not pieces[k].joined), None)
            j = b if b is not None else j  # a run that may not be broken is wider than a line
        line_start = first_start if s == 0 else pieces[s].start
        lines.append((line_start, pieces[j - 1].end))
        s = j
    return lines


def line_spans(text: str, width: int, cells: Callable[[str], int] = cell_width) -> list[tuple[int, int]]:
    """Where each line of *text* wrapped at *width* cells begins and ends: ``text[a:b]`` is a
    line. Between one line's end and the next one's start there are only spaces and line
    breaks (a break in the text always starts a new line). A width under one counts as one."""
    width = max(width, 1)
    spans: list[tuple[int, int]] = []
    start = 0
    for m in re.finditer(r"\r\n|\n|\r", text):
        spans += _paragraph(text, start, m.start(), width, cells)
        start = m.end()
    spans += _paragraph(text, start, len(text), width, cells)
    return spans


def wrap(text: str, width: int, cells: Callable[[str], int] = cell_width) -> list[str]:
    """*text* as lines of at most *width* cells, by the rules above."""
    return [text[a:b] for a, b in line_spans(text, width, cells)]
