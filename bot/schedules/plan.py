"""When a guild's monthly runs are due: the ranking post, the vote reminder, the vote close.

Pure functions of a schedule, a timezone and a month; the scheduler decides what to do with them.
A post made in month M+1 presents the ranking of month M.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Schedule:
    day: int = 1
    at: time = time(9, 0)
    vote_days: int = 7
    reminder_hours: int = 24
    kind: str = "monthly"
    size: int = 10


@dataclass(frozen=True)
class Run:
    action: str
    month: str  # the ranking month this run is about
    due: datetime  # aware, UTC


def _shift(month: str, by: int) -> tuple[int, int]:
    year, mon = (int(part) for part in month.split("-"))
    index = year * 12 + mon - 1 + by
    return index // 12, index % 12 + 1


def month_name(year: int, mon: int) -> str:
    return f"{year:04d}-{mon:02d}"


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    # fold=0 picks the first of two repeated wall times; a skipped wall time (spring forward)
    # lands at the same distance after the gap, as zoneinfo resolves it.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def runs_for(month: str, schedule: Schedule, timezone: str) -> list[Run]:
    """The post, reminder and close of the ranking of `month`, in the order they fall due."""
    zone = ZoneInfo(timezone)
    year, mon = _shift(month, 1)
    day = date(year, mon, min(schedule.day, calendar.monthrange(year, mon)[1]))
    post = _local(day, schedule.at, zone)
    close = _local(day + timedelta(days=schedule.vote_days), schedule.at, zone)
    runs = [Run("post", month, post)]
    if schedule.reminder_hours:
        remind = max(close - timedelta(hours=schedule.reminder_hours), post)
        runs.append(Run("remind", month, remind))
    runs.append(Run("close", month, close))
    return runs


def cycles_around(now: datetime, timezone: str) -> list[str]:
    """Ranking months whose runs may be due near `now`: the last two cycles and the next."""
    local = now.astimezone(ZoneInfo(timezone))
    this = month_name(local.year, local.month)
    return [month_name(*_shift(this, by)) for by in (-2, -1, 0)]


def upcoming(now: datetime, schedule: Schedule, timezone: str) -> list[Run]:
    """Runs due after `now`, soonest first (at least the next post)."""
    runs = [
        run for month in cycles_around(now, timezone) for run in runs_for(month, schedule, timezone)
    ]
    later = sorted((run for run in runs if run.due > now), key=lambda run: run.due)
    return later
