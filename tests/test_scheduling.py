"""Schedules with a controllable clock: local times, DST, month ends, restarts, catch-up, races."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.discord.guilds import GuildRepo, GuildSettings
from bot.schedules.plan import Schedule, runs_for
from bot.schedules.runner import RETRY_AFTER, RunFailed, ScheduleBook, Scheduler
from bot.store.store import Store

GUILD = 5150
GRACE = timedelta(days=3)
DEFAULT = Schedule()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RecordingActions:
    """Does nothing but remember what it was asked, and can be told to fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.failing: set[str] = set()

    async def _do(self, action: str, month: str) -> str:
        await asyncio.sleep(0)  # let racing callers interleave
        if action in self.failing:
            raise RunFailed("source down")
        self.calls.append((action, month))
        return "ok"

    async def post(self, guild_id: int, month: str, kind: str, size: int) -> str:
        return await self._do("post", month)

    async def remind(self, guild_id: int, month: str) -> str:
        return await self._do("remind", month)

    async def close(self, guild_id: int, month: str) -> str:
        return await self._do("close", month)


@pytest.fixture
async def store(tmp_path: Path):
    opened = await Store.open(tmp_path / "s.db")
    yield opened
    await opened.close()


async def scheduled(
    store: Store, since: datetime, schedule: Schedule = DEFAULT, tz: str = "Asia/Tokyo"
) -> ScheduleBook:
    await GuildRepo(store).save(GuildSettings(GUILD, timezone=tz))
    book = ScheduleBook(store)
    await book.save(GUILD, schedule, since)
    return book


def scheduler(book: ScheduleBook, clock: Clock, actions: RecordingActions) -> Scheduler:
    return Scheduler(book, actions, grace=GRACE, clock=clock)


def times(month: str, schedule: Schedule, tz: str) -> dict[str, datetime]:
    return {run.action: run.due for run in runs_for(month, schedule, tz)}


def test_tokyo_defaults_post_on_the_first_at_nine_and_close_a_week_later() -> None:
    assert times("2024-10", Schedule(), "Asia/Tokyo") == {
        "post": utc(2024, 11, 1, 0, 0),  # 09:00 JST
        "remind": utc(2024, 11, 7, 0, 0),
        "close": utc(2024, 11, 8, 0, 0),
    }


def test_berlin_keeps_local_time_across_daylight_saving() -> None:
    march = times("2024-02", Schedule(), "Europe/Berlin")
    april = times("2024-03", Schedule(), "Europe/Berlin")
    assert march["post"] == utc(2024, 3, 1, 8, 0)  # 09:00 CET
    assert april["post"] == utc(2024, 4, 1, 7, 0)  # 09:00 CEST
    across = times("2024-02", Schedule(day=28), "Europe/Berlin")
    assert across["post"] == utc(2024, 3, 28, 8, 0)
    assert across["close"] == utc(2024, 4, 4, 7, 0)  # a week of wall-clock days: 167 hours
    assert across["remind"] == across["close"] - timedelta(hours=24)


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        ("2024-01", utc(2024, 2, 29, 0)),
        ("2023-01", utc(2023, 2, 28, 0)),
        ("2024-02", utc(2024, 3, 31, 0)),
    ],
)
def test_day_31_falls_on_the_last_day_of_short_months(month: str, expected: datetime) -> None:
    assert times(month, Schedule(day=31), "Asia/Tokyo")["post"] == expected


async def test_each_run_happens_once_at_its_time(store: Store) -> None:
    book = await scheduled(store, since=utc(2024, 10, 20))
    clock, actions = Clock(utc(2024, 10, 31, 23, 59)), RecordingActions()
    runner = scheduler(book, clock, actions)
    assert await runner.run_due(GUILD) == []
    clock.now = utc(2024, 11, 1, 0, 0)
    await runner.run_due(GUILD)
    await runner.run_due(GUILD)
    clock.now = utc(2024, 11, 8, 0, 1)
    await runner.run_due(GUILD)
    assert actions.calls == [("post", "2024-10"), ("remind", "2024-10"), ("close", "2024-10")]


async def test_a_restart_after_a_run_does_not_repeat_it(store: Store) -> None:
    book = await scheduled(store, since=utc(2024, 10, 20))
    clock, actions = Clock(utc(2024, 11, 1, 0, 5)), RecordingActions()
    await scheduler(book, clock, actions).run_due(GUILD)
    await scheduler(book, clock, actions).run_due(GUILD)  # the restarted bot
    assert actions.calls == [("post", "2024-10")]


async def test_a_restart_before_the_time_waits_for_it(store: Store) -> None:
    book = await scheduled(store, since=utc(2024, 10, 20))
    clock, actions = Clock(utc(2024, 10, 31, 12)), RecordingActions()
    await scheduler(book, clock, actions).run_due(GUILD)
    restarted = scheduler(book, clock, actions)
    assert await restarted.run_due(GUILD) == []
    assert restarted.next_runs(await book.get(GUILD))[0].due == utc(2024, 11, 1, 0, 0)


async def test_a_run_missed_while_down_is_caught_up_within_the_grace(store: Store) -> None:
    book = await scheduled(store, since=utc(2024, 10, 20))
    clock, actions = Clock(utc(2024, 11, 3, 12)), RecordingActions()  # down from Oct 31 to Nov 3
    await scheduler(book, clock, actions).run_due(GUILD)
    assert actions.calls == [("post", "2024-10")]


async def test_an_older_miss_is_recorded_not_posted(store: Store) -> None:
    book = await scheduled(store, since=utc(2024, 10, 20))
    clock, actions = Clock(utc(2024, 11, 5, 12)), RecordingActions()  # 4.5 days late
    results = await scheduler(book, clock, actions).run_due(GUILD)
    assert [(run.action, status) for run, status in results] == [("post", "missed")]
    assert actions.calls == []
    records = await book.records(GUILD)
    assert records[("2024-10", "post")].status == "missed"
    clock.now = utc(2024, 11, 8, 0, 0)
    await scheduler(book, clock, actions).run_due(GUILD)  # the close of that cycle still runs
    assert actions.calls == [("remind", "2024-10"), ("close", "2024-10")]


async def test_runs_due_before_the_schedule_was_set_are_not_caught_up(store: Store) -> None:
    book = await scheduled(store, since=utc(2024, 11, 2))
    clock, actions = Clock(utc(2024, 11, 2, 0, 1)), RecordingActions()
    assert await scheduler(book, clock, actions).run_due(GUILD) == []
    assert (await book.records(GUILD)) == {}


async def test_duplicate_timers_post_once(store: Store) -> None:
    book = await scheduled(store, since=utc(2024, 10, 20))
    clock, actions = Clock(utc(2024, 11, 1, 0, 0)), RecordingActions()
    first, second = scheduler(book, clock, actions), scheduler(book, clock, actions)
    await asyncio.gather(first.run_due(GUILD), second.run_due(GUILD), first.run_due(GUILD))
    assert actions.calls == [("post", "2024-10")]


async def test_a_failed_post_is_retried_later_within_the_grace(store: Store) -> None:
    book = await scheduled(store, since=utc(2024, 10, 20))
    clock, actions = Clock(utc(2024, 11, 1, 0, 0)), RecordingActions()
    actions.failing = {"post"}
    runner = scheduler(book, clock, actions)
    assert [status for _, status in await runner.run_due(GUILD)] == ["failed"]
    assert await runner.run_due(GUILD) == []  # not before the retry time
    actions.failing = set()
    clock.now += RETRY_AFTER
    assert [status for _, status in await runner.run_due(GUILD)] == ["done"]
    assert (await book.records(GUILD))[("2024-10", "post")].attempts == 2


async def test_a_month_end_schedule_in_a_leap_year(store: Store) -> None:
    schedule = Schedule(day=31, at=time(18, 30), vote_days=3, reminder_hours=0)
    book = await scheduled(store, since=utc(2024, 2, 1), schedule=schedule)
    clock, actions = Clock(utc(2024, 2, 29, 9, 30)), RecordingActions()  # 18:30 JST on Feb 29
    await scheduler(book, clock, actions).run_due(GUILD)
    clock.now = utc(2024, 3, 3, 9, 30)
    await scheduler(book, clock, actions).run_due(GUILD)
    assert actions.calls == [("post", "2024-01"), ("close", "2024-01")]
