"""Months as the study group names them: 'YYYY-MM'."""

from __future__ import annotations

import re
from datetime import date, datetime
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
