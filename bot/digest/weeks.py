"""ISO weeks as the weekly digest names them: 'YYYY-Www', Monday to Sunday."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")


class WeekError(ValueError):
    """A week that cannot be digested; `key` and `values` pick the i18n message."""

    def __init__(self, message: str, key: str, **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


def parse_week(text: str) -> str:
    """The ISO week in canonical form ('2024-W07'), or WeekError saying how to write one."""
    match = _WEEK.match(text.strip())
    try:
        if not match or int(match.group(1)) < 1991:
            raise ValueError(text)
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise WeekError(
            f"'{text}' is not an ISO week; use YYYY-Www, for example 2024-W19",
            "bad_week",
            week=text.strip()[:20],
        ) from None
    return week_of(monday)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_days(week: str) -> tuple[date, date]:
    """The week's Monday and Sunday."""
    year, number = week.split("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    return monday, monday + timedelta(days=6)


def last_complete_week(now: datetime, timezone: str) -> str:
    """The latest ISO week whose Sunday is over in that timezone."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    return week_of(today - timedelta(days=7))


def check_over(week: str, now: datetime, timezone: str) -> str:
    """The week, if it is over in that timezone; a week still running or to come is refused,
    since its digest is stored once and would miss the rest of the week."""
    if week_days(week)[1] >= now.astimezone(ZoneInfo(timezone)).date():
        latest = last_complete_week(now, timezone)
        raise WeekError(
            f"{week} is not over yet; the last complete week is {latest}",
            "week_not_over",
            week=week,
            latest=latest,
        )
    return week
