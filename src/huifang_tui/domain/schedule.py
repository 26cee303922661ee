"""When the scheduled runs happen (issue 26): the planner every half hour across the working
day (from the first span's start to the last span's end, at :00 and :30), the notification
sender every minute. One rule for the systemd timers, the cron file and ``huifang serve``.
Pure: the time and the policy's work hours come in as arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

PLAN_EVERY_MINUTES = 30
NOTIFY_EVERY = timedelta(minutes=1)


def plan_times(work_hours: Sequence[tuple[time, time]]) -> tuple[time, ...]:
    """The day's planner runs: every :00 and :30 from the first work span's start (rounded
    down to the half hour) to the last span's end, both included. The lunch break is not left
    out: a run there costs little and the queue is ready when work starts again."""
    if not work_hours:
        return ()
    first = min(start for start, _end in work_hours)
    last = max(end for _start, end in work_hours)
    step = PLAN_EVERY_MINUTES
    minute = (first.hour * 60 + first.minute) // step * step
    end = last.hour * 60 + last.minute
    out = []
    while minute <= end and minute < 24 * 60:
        out.append(time(minute // 60, minute % 60))
        minute += step
    return tuple(out)


def plan_hours(work_hours: Sequence[tuple[time, time]]) -> dict[int, tuple[int, ...]]:
    """The same runs grouped as a timer or cron line writes them: minute → its hours, in order
    (``{0: (9, …, 17), 30: (8, …, 17)}``)."""
    out: dict[int, list[int]] = {}
    for t in plan_times(work_hours):
        out.setdefault(t.minute, []).append(t.hour)
    return {m: tuple(hours) for m, hours in sorted(out.items())}


def hour_ranges(hours: Sequence[int], dash: str) -> str:
    """Hours as a list of runs: ``(8, 10, 11, 12)`` → ``8,10-12`` (cron, ``dash="-"``) or
    ``08,10..12`` (systemd, ``dash=".."``, two digits)."""
    wide = dash == ".."
    parts: list[str] = []
    i = 0
    while i < len(hours):
        j = i
        while j + 1 < len(hours) and hours[j + 1] == hours[j] + 1:
            j += 1
        a, b = (f"{hours[i]:02d}", f"{hours[j]:02d}") if wide else (str(hours[i]), str(hours[j]))
        parts.append(a if i == j else f"{a}{dash}{b}")
        i = j + 1
    return ",".join(parts)


def next_plan_at(now: datetime, work_hours: Sequence[tuple[time, time]]) -> datetime | None:
    """The first planner run strictly after ``now`` (today's next, else tomorrow's first);
    None when the policy has no work hours."""
    times = plan_times(work_hours)
    if not times:
        return None
    for t in times:
        at = datetime.combine(now.date(), t, now.tzinfo)
        if at > now:
            return at
    return datetime.combine(now.date() + timedelta(days=1), times[0], now.tzinfo)


def next_notify_at(now: datetime) -> datetime:
    """The next sender run: the start of the next minute."""
    return now.replace(second=0, microsecond=0) + NOTIFY_EVERY
