"""Runs each guild's monthly post, vote reminder and vote close on time, once each, and the runs
of other sources beside the schedule (the meetup reminders) by the same rules.

The database is the source of truth: every run is recorded (claimed before it starts), and the
apscheduler timers are rebuilt from it at start and after every settings change. A run missed
while the bot was down happens at start if it is at most `grace` late; older ones are recorded
as missed and shown to organizers, never posted late.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.schedules.plan import MonthlyDay, Run, Schedule, cycles_around, runs_for, upcoming
from bot.store.store import Store

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 5


class RunFailed(Exception):
    """A scheduled run could not be done now; it is retried while within the grace period."""


class Actions(Protocol):
    """What the scheduler asks of the Discord side; each returns a short note for the record."""

    async def post(self, guild_id: int, month: str, kind: str, size: int) -> str: ...
    async def remind(self, guild_id: int, month: str) -> str: ...
    async def close(self, guild_id: int, month: str) -> str: ...
    async def extra(self, guild_id: int, run: Run) -> str: ...


class RunSource(Protocol):
    """Runs beside the monthly schedule, each recorded and caught up like the schedule's own."""

    async def guild_ids(self) -> list[int]: ...

    async def runs(self, guild_id: int) -> list[Run]:
        """Every run of the guild still to be done or recorded, due or not."""
        ...


@dataclass(frozen=True)
class GuildSchedule:
    guild_id: int
    schedule: Schedule
    timezone: str
    since: datetime  # runs due before the schedule was last set are not caught up


@dataclass(frozen=True)
class RunRecord:
    month: str
    action: str
    due: datetime
    status: str  # running, done, failed or missed
    attempts: int
    detail: str
    ran_at: datetime


def _time(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _record(row: Any) -> RunRecord:
    return RunRecord(
        month=row["month"],
        action=row["action"],
        due=_time(row["due_at"]),
        status=row["status"],
        attempts=row["attempts"],
        detail=row["detail"],
        ran_at=_time(row["ran_at"]),
    )


class ScheduleBook:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, guild_id: int) -> GuildSchedule | None:
        async with self.store.reader.execute(
            "SELECT s.*, coalesce(g.timezone, 'Asia/Tokyo') AS timezone FROM schedules s"
            " LEFT JOIN guilds g USING (guild_id) WHERE s.guild_id = ?",
            (guild_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        week, weekday = row["meetup_week"], row["meetup_weekday"]
        schedule = Schedule(
            day=row["day"],
            at=time.fromisoformat(row["at"]),
            vote_days=row["vote_days"],
            reminder_hours=row["reminder_hours"],
            kind=row["kind"],
            size=row["size"],
            meetup_day=MonthlyDay(week, weekday) if week is not None else None,
            meetup_at=time.fromisoformat(row["meetup_at"] or "19:00"),
            meetup_location=row["meetup_location"],
            meetup_channel_id=row["meetup_channel_id"],
        )
        return GuildSchedule(guild_id, schedule, row["timezone"], _time(row["updated_at"]))

    async def save(self, guild_id: int, schedule: Schedule, now: datetime) -> None:
        day = schedule.meetup_day
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO schedules (guild_id, day, at, vote_days, reminder_hours,"
                " kind, size, meetup_week, meetup_weekday, meetup_at, meetup_location,"
                " meetup_channel_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, schedule.day, schedule.at.strftime("%H:%M"), schedule.vote_days,
                 schedule.reminder_hours, schedule.kind, schedule.size,
                 day.week if day else None, day.weekday if day else None,
                 schedule.meetup_at.strftime("%H:%M"), schedule.meetup_location,
                 schedule.meetup_channel_id, now.isoformat()),
            )  # fmt: skip

    async def guild_ids(self) -> list[int]:
        async with self.store.reader.execute("SELECT guild_id FROM schedules") as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def records(self, guild_id: int) -> dict[tuple[str, str], RunRecord]:
        async with self.store.reader.execute(
            "SELECT month, action, due_at, status, attempts, detail, ran_at FROM schedule_runs"
            " WHERE guild_id = ? ORDER BY due_at",
            (guild_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return {(row["month"], row["action"]): _record(row) for row in rows}

    async def claim(self, guild_id: int, run: Run, now: datetime) -> bool:
        """Mark the run as started; False when it was already started or done elsewhere."""
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO schedule_runs (guild_id, month, action, due_at, status, attempts,"
                " ran_at) VALUES (?, ?, ?, ?, 'running', 1, ?) ON CONFLICT DO UPDATE SET"
                " status = 'running', attempts = attempts + 1, ran_at = excluded.ran_at"
                " WHERE status = 'failed'",
                (guild_id, run.month, run.action, run.due.isoformat(), now.isoformat()),
            )
            return cursor.rowcount == 1

    async def finish(self, guild_id: int, run: Run, status: str, detail: str) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE schedule_runs SET status = ?, detail = ? WHERE guild_id = ? AND month = ?"
                " AND action = ?",
                (status, detail[:500], guild_id, run.month, run.action),
            )

    async def miss(self, guild_id: int, run: Run, now: datetime) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT INTO schedule_runs (guild_id, month, action, due_at, status, ran_at)"
                " VALUES (?, ?, ?, ?, 'missed', ?) ON CONFLICT DO UPDATE SET status = 'missed',"
                " ran_at = excluded.ran_at WHERE status = 'failed'",
                (guild_id, run.month, run.action, run.due.isoformat(), now.isoformat()),
            )


def utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(
        self,
        book: ScheduleBook,
        actions: Actions,
        *,
        grace: timedelta,
        clock: Callable[[], datetime] = utc_now,
        admit: Callable[[], bool] = lambda: True,
        sources: Sequence[RunSource] = (),
    ) -> None:
        self.book = book
        self.actions = actions
        self.sources = tuple(sources)
        self.grace = grace
        self.clock = clock
        # Asked before each run; the bot says no once it is shutting down.
        self.admit = admit
        self.timers = AsyncIOScheduler(timezone=UTC)
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def start(self) -> None:
        """Start the timers and catch up every guild."""
        if not self.timers.running:
            self.timers.start()
        guild_ids = set(await self.book.guild_ids())
        for source in self.sources:
            guild_ids.update(await source.guild_ids())
        for guild_id in sorted(guild_ids):
            await self.run_due(guild_id)

    def shutdown(self) -> None:
        if self.timers.running:
            self.timers.shutdown(wait=False)

    async def run_due(self, guild_id: int) -> list[tuple[Run, str]]:
        """Do the guild's runs that are due and not yet done, then set its next timer."""
        if not self.admit():
            return []
        async with self._locks[guild_id]:
            plan = await self.book.get(guild_id)
            extra = [run for source in self.sources for run in await source.runs(guild_id)]
            if plan is None and not extra:
                return []
            now = self.clock()
            records = await self.book.records(guild_id)
            results = []
            due = self._due(plan, now) + [run for run in extra if run.due <= now]
            for run in sorted(due, key=lambda run: run.due):
                record = records.get((run.month, run.action))
                if record is not None and not _retryable(record, now):
                    continue
                if now - run.due > self.grace:
                    log.warning(
                        "guild %s: %s of %s missed (due %s)",
                        guild_id,
                        run.action,
                        run.month,
                        run.due,
                    )
                    await self.book.miss(guild_id, run, now)
                    results.append((run, "missed"))
                    continue
                results.append((run, await self._execute(guild_id, plan, run, now)))
            await self.rearm(guild_id)
            return results

    async def rearm(self, guild_id: int) -> None:
        """Set the guild's timer from what is stored now; runs nothing, so a run may call it
        (a closed vote that sets the meetup brings its reminders)."""
        plan = await self.book.get(guild_id)
        extra = [run for source in self.sources for run in await source.runs(guild_id)]
        now = self.clock()
        later = [run.due for run in extra if run.due > now]
        self._arm(guild_id, plan, later, now, await self.book.records(guild_id))

    def _due(self, plan: GuildSchedule | None, now: datetime) -> list[Run]:
        if plan is None:
            return []
        runs = [
            run
            for month in cycles_around(now, plan.timezone)
            for run in runs_for(month, plan.schedule, plan.timezone)
        ]
        return [run for run in runs if plan.since <= run.due <= now]

    async def _execute(
        self, guild_id: int, plan: GuildSchedule | None, run: Run, now: datetime
    ) -> str:
        if not await self.book.claim(guild_id, run, now):
            return "skipped"
        try:
            if run.action == "post":
                assert plan is not None  # only the schedule posts
                note = await self.actions.post(
                    guild_id, run.month, plan.schedule.kind, plan.schedule.size
                )
            elif run.action in ("remind", "close"):
                note = await getattr(self.actions, run.action)(guild_id, run.month)
            else:
                note = await self.actions.extra(guild_id, run)
        except RunFailed as exc:
            status, note = "failed", str(exc)
        except Exception as exc:
            log.exception("guild %s: scheduled %s of %s failed", guild_id, run.action, run.month)
            status, note = "failed", f"{type(exc).__name__}: {exc}"
        else:
            status = "done"
        log.info(
            "guild %s: scheduled %s of %s: %s %s", guild_id, run.action, run.month, status, note
        )
        await self.book.finish(guild_id, run, status, note)
        return status

    def next_runs(self, plan: GuildSchedule) -> list[Run]:
        now = self.clock()
        return [run for run in upcoming(now, plan.schedule, plan.timezone) if run.due >= plan.since]

    async def upcoming_runs(self, guild_id: int) -> list[Run]:
        """The schedule's next runs and the other sources' runs still ahead, soonest first."""
        plan = await self.book.get(guild_id)
        now = self.clock()
        runs = self.next_runs(plan) if plan else []
        runs += [run for source in self.sources for run in await source.runs(guild_id)]
        return sorted((run for run in runs if run.due > now), key=lambda run: run.due)

    def _arm(
        self,
        guild_id: int,
        plan: GuildSchedule | None,
        later: list[datetime],
        now: datetime,
        records: dict[tuple[str, str], RunRecord],
    ) -> None:
        """One timer per guild, at its next run or the retry of a failed one."""
        wake = [run.due for run in (self.next_runs(plan) if plan else [])[:1]] + later
        wake += [
            r.ran_at + RETRY_AFTER
            for r in records.values()
            if _retryable(r, r.ran_at + RETRY_AFTER)
        ]
        if not wake or not self.timers.running:
            return
        delay = max((min(wake) - now).total_seconds(), 0.0)
        self.timers.add_job(
            self.run_due,
            DateTrigger(run_date=datetime.now(UTC) + timedelta(seconds=delay)),
            args=[guild_id],
            id=f"schedule:{guild_id}",
            replace_existing=True,
            misfire_grace_time=None,
        )


def _retryable(record: RunRecord, now: datetime) -> bool:
    return (
        record.status == "failed"
        and record.attempts < MAX_ATTEMPTS
        and now - record.ran_at >= RETRY_AFTER
    )
