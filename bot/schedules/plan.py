"""When a guild's monthly runs are due: the ranking post, the vote reminder, the vote close;
and the meetup day that follows the close.

Pure functions of a schedule, a timezone and a month; the scheduler decides what to do with them.
A post made in month M+1 presents the ranking of month M.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS_JA = "月火水木金土日"
_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}
_ENGLISH_DAY = re.compile(r"^(1st|2nd|3rd|4th|first|second|third|fourth|last)\s+([a-z]+)$")
_JAPANESE_DAY = re.compile(r"^(?:第([1-4])|最終)([月火水木金土日])曜?日?$")
_WORD_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}


@dataclass(frozen=True)
class MonthlyDay:
    """The nth weekday of a month: week 1-4, or -1 for the last; weekday 0 is Monday."""

    week: int
    weekday: int

    @property
    def value(self) -> str:
        """The canonical text, as /schedule set takes it: "2nd wednesday", "last friday"."""
        return f"{_ORDINALS[self.week]} {WEEKDAYS[self.weekday]}"

    def label(self, language: str) -> str:
        if language == "ja":
            which = "最終" if self.week == -1 else f"第{self.week}"
            return f"{which}{_WEEKDAYS_JA[self.weekday]}曜日"
        return f"{_ORDINALS[self.week]} {WEEKDAYS[self.weekday].capitalize()}"

    def date_in(self, year: int, month: int) -> date:
        days = [
            date(year, month, day)
            for day in range(1, calendar.monthrange(year, month)[1] + 1)
            if date(year, month, day).weekday() == self.weekday
        ]
        return days[-1] if self.week == -1 else days[self.week - 1]


def parse_monthly_day(text: str) -> MonthlyDay:
    """ "2nd Wednesday", "last friday", "第2水曜日", "最終金曜"; ValueError otherwise."""
    folded = unicodedata.normalize("NFKC", text).strip().casefold()
    english = _ENGLISH_DAY.match(" ".join(folded.split()))
    if english:
        ordinal, name = english.groups()
        week = _WORD_ORDINALS.get(ordinal) or next(k for k, v in _ORDINALS.items() if v == ordinal)
        matches = [i for i, day in enumerate(WEEKDAYS) if day.startswith(name) and len(name) >= 3]
        if len(matches) == 1:
            return MonthlyDay(week, matches[0])
    japanese = _JAPANESE_DAY.match(folded.replace(" ", ""))
    if japanese:
        week = int(japanese.group(1)) if japanese.group(1) else -1
        return MonthlyDay(week, _WEEKDAYS_JA.index(japanese.group(2)))
    raise ValueError(f"not an nth weekday of the month: {text!r}")


def all_monthly_days() -> list[MonthlyDay]:
    return [MonthlyDay(week, day) for week in (1, 2, 3, 4, -1) for day in range(7)]


def meetup_after(moment: datetime, day: MonthlyDay, at: time, timezone: str) -> datetime:
    """The first `day` at local time `at` on a date after the one `moment` falls on, in UTC."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone).date()
    year, mon = local.year, local.month
    while True:
        candidate = day.date_in(year, mon)
        if candidate > local:
            return _local(candidate, at, zone)
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)


@dataclass(frozen=True)
class Schedule:
    day: int = 1
    at: time = time(9, 0)
    vote_days: int = 7
    reminder_hours: int = 24
    kind: str = "monthly"
    size: int = 10
    # The meetup is set by itself when the vote closes: on the first such day after the close.
    meetup_day: MonthlyDay | None = None
    meetup_at: time = time(19, 0)
    meetup_location: str | None = None
    meetup_channel_id: int | None = None


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
