"""Months as the study group names them: 'YYYY-MM'."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthError(ValueError):
    pass


def parse_month(text: str) -> str:
    """Return the month in canonical form, or raise MonthError with a readable reason."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1991:
        raise MonthError(f"'{text}' is not a month; use YYYY-MM, for example 2024-05")
    return f"{match.group(1)}-{match.group(2)}"


def previous_month(now: datetime, timezone: str) -> str:
    """The calendar month before the one `now` falls in, in that timezone."""
    local = now.astimezone(ZoneInfo(timezone)).date()
    first = date(local.year, local.month, 1)
    year, month = (first.year - 1, 12) if first.month == 1 else (first.year, first.month - 1)
    return f"{year:04d}-{month:02d}"


def month_bounds(month: str, timezone: str = "UTC") -> tuple[datetime, datetime]:
    """The first instant of the calendar month in that timezone and of the next one, in UTC."""
    year, number = (int(part) for part in parse_month(month).split("-"))
    zone = ZoneInfo(timezone)
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def current_month(now: datetime, timezone: str = "UTC") -> str:
    """The calendar month `now` falls in, in that timezone."""
    local = now.astimezone(ZoneInfo(timezone))
    return f"{local.year:04d}-{local.month:02d}"
