"""When a meetup is, as organizers type it, and when its reminders fall due.

The presenter is reminded 7 days and 1 day before, at the same local time (daylight saving
followed), and the channel 1 hour before.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.schedules.plan import Run

# (action, days before at the same local time, hours before)
REMINDERS: tuple[tuple[str, int, int], ...] = (
    ("meetup-week", 7, 0),
    ("meetup-day", 1, 0),
    ("meetup-hour", 0, 1),
)
PRESENTER_REMINDERS = frozenset({"meetup-week", "meetup-day"})
_WHEN = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2}):(\d{2})$")


def parse_when(text: str, timezone: str) -> datetime:
    """ "YYYY-MM-DD HH:MM" in the guild's timezone, as an aware UTC time; ValueError otherwise."""
    match = _WHEN.match(" ".join(text.split()))
    if not match:
        raise ValueError(f"not YYYY-MM-DD HH:MM: {text!r}")
    year, month, day, hour, minute = (int(part) for part in match.groups())
    try:
        local = datetime.combine(date(year, month, day), time(hour, minute), ZoneInfo(timezone))
    except ValueError:
        raise ValueError(f"not YYYY-MM-DD HH:MM: {text!r}") from None
    return local.astimezone(UTC)


def local_text(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def reminder_runs(month: str, starts_at: datetime, timezone: str, since: datetime) -> list[Run]:
    """The meetup's reminders, except those that fell due before its time was set (`since`)."""
    zone = ZoneInfo(timezone)
    local = starts_at.astimezone(zone)
    runs = []
    for action, days, hours in REMINDERS:
        wall = datetime.combine(local.date() - timedelta(days=days), local.time(), zone)
        due = wall.astimezone(UTC) - timedelta(hours=hours)
        if due >= since:
            runs.append(Run(action, month, due))
    return runs
