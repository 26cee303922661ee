"""Notifications (issue 26): which events reach whom, when a message may go, how often it is
tried again and when the sender gives up, a robot's rate window, and text made safe for a
channel's markdown. Pure: the clock, the calendar and the policy come in as arguments.

Who is told (000 §4.11: a complaint goes to the general manager at once; §4.9: the 汇总表 to the
GM by the 2nd; 003 四: a low score to the person who follows it up) is ``KINDS``: each kind's
audience and whether it waits for the working hours (quiet hours, issue 26 item 3). The kind's
name is what routes, ``notify status --json`` and the README use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from .calendar import WorkCalendar
from .policy import Policy
from .timephrase import next_allowed

# Audiences: who a kind is meant for (the admin routes each kind to that person's channel).
GM, HEAD, SUPERVISOR, TEAM, ADMIN = "gm", "head", "supervisor", "team", "admin"


@dataclass(frozen=True, slots=True)
class Kind:
    audience: str
    urgent: bool = False  # sent at any hour (complaints, level-2 escalations)
    attaches_month: bool = False  # carries the month's .xlsx where the channel can


KINDS: dict[str, Kind] = {
    "complaint": Kind(GM, urgent=True),  # 000 §4.11 如遇客户投诉…第一时间
    "escalation.1": Kind(HEAD),  # an issue's deadline missed: the department head
    "escalation.2": Kind(GM, urgent=True),  # missed again: the general manager
    "low_score": Kind(SUPERVISOR),  # 003 四 评分低于3分
    "unreachable": Kind(SUPERVISOR),  # SPEC §3: 无法联系 after the last attempt
    "request": Kind(SUPERVISOR),  # an agent asks for a decision (issue 25 item 5)
    "day_close": Kind(TEAM),  # 日清日结 with the day's figures
    "summary_due": Kind(SUPERVISOR),  # 000 §4.9: the 汇总表, from the month's last working day
    "month_approved": Kind(GM, attaches_month=True),  # 000 §4.9 报总经理
    "stale": Kind(SUPERVISOR),  # SPEC §7: open work long past its deadline
    "delivery_failed": Kind(ADMIN),  # a notification given up on
}

# States of a notification row.
PENDING, SENT, FAILED, UNROUTED = "pending", "sent", "failed", "unrouted"
STATES = (PENDING, SENT, FAILED, UNROUTED)

# The robots' own limit (DingTalk, WeCom and Feishu: 20 messages a minute per robot).
ROBOT_PER_MINUTE = 20
RATE_WINDOW = timedelta(minutes=1)
# How long a sender holds the notifications it took (``notify run``): another run leaves them
# alone until then; a sender killed between sending and recording leaves its lease to expire,
# and the message goes again with the same number (a visible duplicate, never a loss).
LEASE = timedelta(minutes=10)
# A route set late reaches back this far: rows written while their kind had no route and older
# than this stay unrouted (``notify status`` lists them) — a new route is not flooded with months
# of old news.
ROUTE_BACK = timedelta(days=7)
# Rows ``huifang notify status`` lists by default, newest first (``--limit N``; the last line
# says how many more there are).
STATUS_LIMIT = 50
# The most ``--limit`` may ask for (a bigger number is refused, never an overflow).
STATUS_LIMIT_MAX = 10000


def kind_of(name: str) -> Kind:
    return KINDS[name]


def due_at(kind: str, now: datetime, cal: WorkCalendar,
           work_hours: Sequence[tuple[time, time]]) -> datetime:
    """When a new notification may first be sent: at once for an urgent kind, else at the next
    moment inside the working hours of a working day (now, when it is one)."""
    if KINDS[kind].urgent:
        return now
    return max(now, next_allowed(now, cal, work_hours))


def trying_time(kind: str, first: datetime, now: datetime, cal: WorkCalendar,
                work_hours: Sequence[tuple[time, time]]) -> timedelta:
    """How long a notification has been tried since its first try, for giving up: an urgent
    kind (tried at any hour) by the clock; the others only inside the working hours of working
    days, when quiet hours let them be tried — a night or a weekend uses none of it."""
    if KINDS[kind].urgent or now <= first:
        return max(timedelta(0), now - first)
    total = timedelta(0)
    day = first.date()
    while day <= now.date():
        if cal.is_working_day(day):
            for start, end in work_hours:
                lo, hi = max(first, datetime.combine(day, start)), min(now, datetime.combine(day, end))
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total


_POLICY = Policy()  # the policy's own defaults: ``Retry()`` is ``retry_rules(Policy())``


@dataclass(frozen=True, slots=True)
class Retry:
    """The retry rules (policy ``[notify]``); by default the policy's defaults."""

    first_minutes: int = _POLICY.notify_retry_first_minutes
    max_minutes: int = _POLICY.notify_retry_max_minutes
    max_tries: int = _POLICY.notify_max_tries
    give_up_hours: int = _POLICY.notify_give_up_hours


def retry_rules(policy: Policy) -> Retry:
    return Retry(policy.notify_retry_first_minutes, policy.notify_retry_max_minutes,
                 policy.notify_max_tries, policy.notify_give_up_hours)


def pause_after(failures: int, rules: Retry) -> timedelta:
    """The pause before the next try after ``failures`` failed tries (1, 2, 4 … minutes, never
    more than ``max_minutes``)."""
    n = max(1, failures)
    minutes = rules.first_minutes * 2 ** min(n - 1, 30)
    return timedelta(minutes=min(minutes, rules.max_minutes))


def gives_up(failures: int, created_at: datetime, now: datetime, rules: Retry, *,
             spent: timedelta | None = None) -> bool:
    """After ``failures`` failed tries (rate-limit answers not counted), is the notification
    failed for good? Yes after ``max_tries`` of them, or once ``give_up_hours`` have been spent
    trying: ``spent`` (the delivery gives ``trying_time`` since the first try, so neither a
    weekend held by quiet hours nor a night counts), else the time since ``created_at``."""
    elapsed = now - created_at if spent is None else spent
    return failures >= rules.max_tries or elapsed >= timedelta(hours=rules.give_up_hours)


def rate_wait(sent: Iterable[datetime], now: datetime, per_minute: int = ROBOT_PER_MINUTE) -> timedelta:
    """How long a robot must be left alone before the next message: zero while fewer than
    ``per_minute`` went within the last minute, else until the oldest of those leaves it."""
    recent = sorted(t for t in sent if now - t < RATE_WINDOW)
    if len(recent) < per_minute:
        return timedelta(0)
    return recent[-per_minute] + RATE_WINDOW - now


# The marks that can format or link in the robots' markdown (DingTalk's and WeCom's) when they
# stand in the MIDDLE of a line, where a parameter people typed stands, each replaced by its
# full-width form: * _ ` ~ (emphasis, code, strike-through), [ ] (a link or an image: without
# them "(url)" is only text, so ( and ) are kept as typed), < > (HTML: <font color=…>, <a>; and a
# quote when a line starts with >), | (a table), \ (it would escape our own marks), @ (a mention),
# and # (a heading: a parameter may start a line). Kept as typed: ( ) and ! (no link or image
# without [ ]), and "-", "+", "1." (at worst a list item at a line's start; escaping them would
# change every date and number people read).
_MARKS = str.maketrans({
    "*": "＊", "_": "＿", "#": "＃", "[": "［", "]": "］", ">": "＞",
    "<": "＜", "`": "｀", "~": "～", "|": "｜", "\\": "＼", "@": "＠",
})
# Terminal escape sequences, removed whole (as ``core.safe_text`` removes them for the screens:
# the same patterns), then the other C0/C1 control characters.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_markdown(text: str) -> str:
    """``text`` shown literally in a robot's markdown: terminal escape sequences and control
    characters removed (``ESC[31m红`` → ``红``), a line break or a tab made a space (one message
    line stays one line), and the marks that could format it or make a link made full-width."""
    s = _ESCAPES.sub("", str(text)).replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROLS.sub("", s).translate(_MARKS)
