"""When each guild's weekly digest is posted: a weekday and local time, for the week before.

A run source for bot.schedules.runner.Scheduler: its runs are recorded, claimed once and caught
up exactly like the monthly schedule's (the run's `month` holds the ISO week it posts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.digest.weeks import week_of
from bot.schedules.plan import WEEKDAYS, Run
from bot.store.store import Store

ACTION = "digest"


@dataclass(frozen=True)
class DigestSchedule:
    weekday: int  # 0 is Monday
    at: time
    since: datetime  # posts due before the schedule was last set are not caught up

    def label(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.at.strftime('%H:%M')}"


def digest_run(week: str, schedule: DigestSchedule, timezone: str) -> Run:
    """The post of `week`'s digest: on the schedule's weekday of the following week."""
    monday = date.fromisocalendar(*(int(part) for part in week.split("-W")), 1)
    day = monday + timedelta(days=7 + schedule.weekday)
    due = datetime.combine(day, schedule.at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    return Run(ACTION, week, due)


def runs_around(now: datetime, schedule: DigestSchedule, timezone: str) -> list[Run]:
    """The posts of the last two weeks' digests and of this week's (due next week)."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    weeks = [week_of(today - timedelta(days=7 * back)) for back in (2, 1, 0)]
    runs = [digest_run(week, schedule, timezone) for week in weeks]
    return [run for run in runs if run.due >= schedule.since]


class DigestSchedules:
    """The guilds' weekly digest schedules, stored; a run source for the scheduler."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    async def get(self, guild_id: int) -> DigestSchedule | None:
        async with self.store.reader.execute(
            "SELECT weekday, at, updated_at FROM digest_schedules WHERE guild_id = ?", (guild_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        since = datetime.fromisoformat(row["updated_at"])
        return DigestSchedule(row["weekday"], time.fromisoformat(row["at"]), since)

    async def save(self, guild_id: int, weekday: int, at: time, now: datetime) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO digest_schedules (guild_id, weekday, at, updated_at)"
                " VALUES (?, ?, ?, ?)",
                (guild_id, weekday, at.strftime("%H:%M"), now.isoformat()),
            )

    async def remove(self, guild_id: int) -> bool:
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM digest_schedules WHERE guild_id = ?", (guild_id,)
            )
            return cursor.rowcount > 0

    async def guild_ids(self) -> list[int]:
        async with self.store.reader.execute("SELECT guild_id FROM digest_schedules") as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def runs(self, guild_id: int) -> list[Run]:
        schedule = await self.get(guild_id)
        if schedule is None:
            return []
        async with self.store.reader.execute(
            "SELECT timezone FROM guilds WHERE guild_id = ?", (guild_id,)
        ) as cursor:
            row = await cursor.fetchone()
        timezone = row["timezone"] if row else "Asia/Tokyo"
        return runs_around(self.clock(), schedule, timezone)
