"""Times typed as people say them (改约 and date fields; SPEC §3 working hours).

``read_time`` / ``read_day`` are the one reader of every time and date field: ISO 8601
(``2026-01-22T15:00``, ``2026-01-22 15:00``, seconds optional; ``2026-01-22`` alone is its
first working hour as a time, the day as a date) and the phrases below.

``parse_phrase(text, now, cal, work_hours)`` understands, in Chinese and English:

- days: 今天 / 明天 / 后天 / 大后天 / 昨天 / 前天 / 大前天, today / tomorrow / "day after
  tomorrow" / yesterday / "day before yesterday";
- weekdays: 周三 / 星期三 / 礼拜三, 下周一 (Monday of next week), 上周一 (of last week),
  wednesday / wed / "next monday" / "last monday" — a weekday alone means its next future
  occurrence;
- dates: ``2026-05-06``, ``5-6`` / ``5/6`` / ``5月6日`` (month-day: this year, or next year
  when that day has passed);
- offsets: ``+2d``, ``+3h``, ``+30m``, and back: ``-2d``, ``-3h``, ``-30m``;

A time stated for what happened (``read_time(..., ahead=False)``: ``--when``, ``--now``) is
read backwards: a weekday or month-day alone means its latest occurrence on or before the
reference day (``5-6`` typed on 11-23 is this year's May 6, ``周一`` last Monday or today).
- times: ``15:00``, ``3点``, ``下午3点``, ``下午3点半``, ``上午10:30``, ``3pm``, ``10:30am``;
  a time alone means today (or tomorrow when it has passed).

A date without a time means the first working hour of that day. The result must fall inside
``work_hours`` on a working day and lie in the future; otherwise ``PhraseError`` says why and
carries the next allowed moment as ``suggestion``. Pure: the clock comes in as ``now``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from . import dates
from .calendar import WorkCalendar

WorkHours = Sequence[tuple[time, time]]


class PhraseError(ValueError):
    """``code``: unknown | past | not_working_day | outside_hours; ``suggestion``: the next
    allowed moment (None for ``unknown``)."""

    def __init__(self, code: str, text: str, suggestion: datetime | None = None) -> None:
        super().__init__(f"{code}: {text!r}" + (f" (next allowed {suggestion:%Y-%m-%d %H:%M})" if suggestion else ""))
        self.code = code
        self.text = text
        self.suggestion = suggestion


_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAYS_EN = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
_REL_ZH = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
           "昨天": -1, "昨日": -1, "前天": -2, "大前天": -3}
_REL_EN = {"today": 0, "tomorrow": 1, "day after tomorrow": 2, "yesterday": -1, "day before yesterday": -2}
_ZH_NUM = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9, "十": 10, "十一": 11, "十二": 12}

_OFFSET = re.compile(r"^([+-])\s*(\d{1,3})\s*(d|h|m|天|小时|分钟)$", re.IGNORECASE)
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:日)?$")
_MD = re.compile(r"^(\d{1,2})(?:[-/.]|月)(\d{1,2})(?:日|号)?$")
_ZH_WD = re.compile(r"^(下下|下|这|本|上上|上)?(?:周|星期|礼拜)([一二三四五六日天])$")
# Time parts: "15:00", "3点", "3点半", "3点15", "下午3点", "3pm", "10:30am"
_ZH_TIME = re.compile(
    r"^(上午|早上|中午|下午|晚上)?\s*(\d{1,2}|[零一二两三四五六七八九十]{1,3})\s*(?:[:：](\d{2})|点\s*(半|(\d{1,2})分?)?)$")
_EN_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


# ISO 8601: 2026-01-22T15:00, 2026-01-22 15:00, with seconds or without; 2026-01-22 alone.
_ISO_MOMENT = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:\s*[T ]\s*(\d{1,2})[:：](\d{2})"
                         r"(?:[:：](\d{2})(?:\.\d{1,6})?)?)?$", re.IGNORECASE)


def read_time(text: str, ref: datetime, work_hours: WorkHours, *, ahead: bool = True) -> datetime:
    """The one reader of every time field (``--when``, ``--to``, ``--now``, the screens' time
    fields): an ISO 8601 date-time (``2026-01-22T15:00``, ``2026-01-22 15:00``, seconds
    optional), an ISO date (its first working hour), or a spoken phrase read relative to
    ``ref``. ``ahead``: a time alone means its next occurrence after ``ref`` (a time to come,
    改约); otherwise that time on ``ref``'s day (a time stated for what happened). Only the
    text is read here: whether the moment is allowed is the caller's rule. Raises
    ``PhraseError`` "unknown" or "range" (outside 2000-2099)."""
    raw = " ".join(text.strip().split())
    at = _iso_moment(raw, work_hours) if raw else None
    if at is None and raw:
        at = _parse(raw, ref, work_hours, ahead, back=not ahead)
    if at is None:
        raise PhraseError("unknown", text)
    if not dates.in_range(at):
        raise PhraseError("range", text)
    return at


def read_day(text: str, ref: date | None = None) -> date:
    """The one reader of every date field (``--date``, ``--on``, ``--since``, ``--until``): an
    ISO date (``2026-01-22``), an ISO date-time (its day), or, when ``ref`` is given, a spoken
    day (明天, 周三, 5-6, tomorrow) read relative to ``ref``. Raises ``PhraseError`` like
    :func:`read_time`."""
    raw = " ".join(text.strip().split())
    whole_day = ((time.min, time.max),)
    at = _iso_moment(raw, whole_day) if raw else None
    if at is None and raw and ref is not None:
        at = _parse(raw, datetime.combine(ref, time.min), whole_day, ahead=False)
    day = at.date() if at is not None else None
    if day is None:
        raise PhraseError("unknown", text)
    if not dates.in_range(day):
        raise PhraseError("range", text)
    return day


def _iso_moment(raw: str, work_hours: WorkHours) -> datetime | None:
    m = _ISO_MOMENT.match(raw)
    if m is None:
        return None
    y, mo, d, hh, mm, ss = m.groups()
    try:
        day = date(int(y), int(mo), int(d))
        if hh is None:
            return _first_hour(day, work_hours)
        return datetime.combine(day, time(int(hh), int(mm), int(ss or 0)))
    except ValueError:
        return None


def parse_phrase(text: str, now: datetime, cal: WorkCalendar, work_hours: WorkHours) -> datetime:
    """The moment ``text`` names, checked against the working calendar and hours. An
    appointment is to the minute: seconds typed are dropped."""
    try:
        at = read_time(text, now, work_hours).replace(second=0, microsecond=0)
    except PhraseError as e:
        raise PhraseError("unknown", text) from e
    return check_moment(at, now, cal, work_hours, text)


def check_moment(at: datetime, now: datetime, cal: WorkCalendar, work_hours: WorkHours,
                 text: str = "") -> datetime:
    """Refuse a moment in the past, on a non-working day or outside the working hours,
    suggesting the next allowed one. A moment outside 2000-2099 is not understood at all."""
    if not dates.in_range(at):
        raise PhraseError("unknown", text or f"{at:%Y-%m-%d %H:%M}")
    if at <= now:
        raise PhraseError("past", text or f"{at:%Y-%m-%d %H:%M}", next_allowed(now, cal, work_hours))
    if not cal.is_working_day(at.date()):
        raise PhraseError("not_working_day", text or f"{at:%Y-%m-%d %H:%M}", next_allowed(at, cal, work_hours))
    if not any(start <= at.time() < end for start, end in work_hours):
        raise PhraseError("outside_hours", text or f"{at:%Y-%m-%d %H:%M}", next_allowed(at, cal, work_hours))
    return at


def next_allowed(moment: datetime, cal: WorkCalendar, work_hours: WorkHours) -> datetime:
    """The first moment at or after ``moment`` inside the working hours of a working day."""
    day = moment.date()
    for _ in range(400):
        if cal.is_working_day(day):
            for start, end in work_hours:
                begin = datetime.combine(day, start)
                if moment < datetime.combine(day, end):
                    return max(begin, moment.replace(second=0, microsecond=0))
        day += timedelta(days=1)
        moment = datetime.combine(day, time.min)
    raise ValueError("no working hour within 400 days")


def _first_hour(day: date, work_hours: WorkHours) -> datetime:
    return datetime.combine(day, work_hours[0][0])


def _parse(raw: str, now: datetime, work_hours: WorkHours, ahead: bool = True, *,
           back: bool = False) -> datetime | None:
    """*back*: a weekday or month-day alone means its latest occurrence on or before *now*'s
    day (a stated time of what happened), else its next one."""
    if m := _OFFSET.match(raw):
        n, unit = int(m.group(2)) * (-1 if m.group(1) == "-" else 1), m.group(3).lower()
        if unit in ("d", "天"):
            return _first_hour(now.date() + timedelta(days=n), work_hours)
        return now.replace(second=0, microsecond=0) + (timedelta(hours=n) if unit in ("h", "小时")
                                                       else timedelta(minutes=n))
    day_part, time_part = _split(raw)
    day = _day(day_part, now, back) if day_part else None
    if day_part and day is None:
        return None
    hm = _time(time_part) if time_part else None
    if time_part and hm is None:
        return None
    if day is None and hm is None:
        return None
    if day is None:  # a time alone: today, or tomorrow when it has passed
        at = datetime.combine(now.date(), hm)
        return at if at > now or not ahead else at + timedelta(days=1)
    if hm is None:
        return _first_hour(day, work_hours)
    return datetime.combine(day, hm)


def _split(raw: str) -> tuple[str, str]:
    """Split into a day part and a time part ('周三下午3点', 'next monday 3pm', '5-6 15:00')."""
    low = raw.lower()
    for rel in sorted(_REL_EN, key=len, reverse=True):
        if low.startswith(rel):
            return raw[: len(rel)], raw[len(rel):].strip()
    for word in ("next ", "last "):
        if low.startswith(word):
            rest = low[5:].split(" ", 1)
            return raw[: 5 + len(rest[0])], (rest[1] if len(rest) > 1 else "").strip()
    first = low.split(" ", 1)
    if first[0] in _WEEKDAYS_EN:
        return raw[: len(first[0])], (first[1] if len(first) > 1 else "").strip()
    m = re.match(r"^(大后天|大前天|今天|今日|明天|明日|后天|昨天|昨日|前天|(?:下下|下|这|本|上上|上)?(?:周|星期|礼拜)[一二三四五六日天]|"
                 r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}日?|\d{1,2}(?:[-/.]|月)\d{1,2}(?:日|号)?)\s*(.*)$", raw)
    if m:
        return m.group(1), m.group(2).strip()
    return "", raw


def _day(part: str, now: datetime, back: bool = False) -> date | None:
    today = now.date()
    low = part.lower()
    if part in _REL_ZH:
        return today + timedelta(days=_REL_ZH[part])
    if low in _REL_EN:
        return today + timedelta(days=_REL_EN[low])
    if m := _ZH_WD.match(part):
        return _weekday(today, _WEEKDAYS_ZH[m.group(2)], m.group(1) or "", back)
    if low.startswith("next ") and low[5:] in _WEEKDAYS_EN:
        return _weekday(today, _WEEKDAYS_EN[low[5:]], "下")
    if low.startswith("last ") and low[5:] in _WEEKDAYS_EN:
        return _weekday(today, _WEEKDAYS_EN[low[5:]], "上")
    if low in _WEEKDAYS_EN:
        return _weekday(today, _WEEKDAYS_EN[low], "", back)
    try:
        if m := _ISO.match(part):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _MD.match(part):
            d = date(today.year, int(m.group(1)), int(m.group(2)))
            if back:
                return d if d <= today else date(today.year - 1, d.month, d.day)
            return d if d >= today else date(today.year + 1, d.month, d.day)
    except ValueError:
        return None
    return None


def _weekday(today: date, wd: int, prefix: str, back: bool = False) -> date:
    monday = today - timedelta(days=today.weekday())
    if prefix in ("上", "上上"):  # Monday..Sunday of last week (the week before it)
        return monday - timedelta(days=7 * len(prefix)) + timedelta(days=wd)
    if prefix == "下":  # Monday..Sunday of next week
        return today - timedelta(days=today.weekday()) + timedelta(days=7 + wd)
    if prefix == "下下":
        return today - timedelta(days=today.weekday()) + timedelta(days=14 + wd)
    if prefix in ("这", "本"):
        return today - timedelta(days=today.weekday()) + timedelta(days=wd)
    if back:  # the latest occurrence on or before today
        return today - timedelta(days=(today.weekday() - wd) % 7)
    ahead = (wd - today.weekday()) % 7
    return today + timedelta(days=ahead or 7)  # the next future occurrence


def _time(part: str) -> time | None:
    part = part.strip()
    if m := _ZH_TIME.match(part):
        period, hour_s, mm_colon, half_or_min, minute_s = m.groups()
        hour = int(hour_s) if hour_s.isdigit() else _ZH_NUM.get(hour_s)
        if hour is None:
            return None
        minute = int(mm_colon) if mm_colon else 30 if half_or_min == "半" else int(minute_s) if minute_s else 0
        if period in ("下午", "晚上") and hour < 12:
            hour += 12
        elif period == "中午" and hour < 6:
            hour += 12
        return _hm(hour, minute)
    if m := _EN_TIME.match(part):
        hour, minute, ampm = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower()
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        elif not ampm and m.group(2) is None:
            return None  # a bare number is not a time
        return _hm(hour, minute)
    return None


def _hm(hour: int, minute: int) -> time | None:
    try:
        return time(hour, minute)
    except ValueError:
        return None
