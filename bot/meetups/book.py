"""Each month's pickup meetup as stored: the announcement and its thread, the presenter, when
and where, the Discord event; the history of past pickups; and the meetup reminders as runs
for the scheduler (bot.schedules.runner.RunSource)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.meetups.timing import REMINDERS, reminder_runs
from bot.schedules.plan import Run
from bot.store.store import Store, utcnow

_REMINDER_ACTIONS = tuple(action for action, _, _ in REMINDERS)


@dataclass(frozen=True)
class Place:
    """Where the meetup happens: an external location (a connpass or Zoom URL) or a voice or
    stage channel; neither means it has not been said yet."""

    location: str | None = None
    channel_id: int | None = None

    @property
    def known(self) -> bool:
        return self.location is not None or self.channel_id is not None


@dataclass(frozen=True)
class Meetup:
    guild_id: int
    month: str
    arxiv_id: str
    channel_id: int | None = None
    announcement_id: int | None = None
    thread_id: int | None = None
    presenter_id: int | None = None
    presenter_name: str | None = None
    starts_at: datetime | None = None
    minutes: int = 120
    place: Place = Place()
    event_id: int | None = None
    timed_at: datetime | None = None


@dataclass(frozen=True)
class PastPickup:
    """One line of /history."""

    month: str
    arxiv_id: str
    title: str
    presenter_name: str | None
    starts_at: datetime | None
    votes: int


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _meetup(row: Any) -> Meetup:
    return Meetup(
        guild_id=row["guild_id"],
        month=row["month"],
        arxiv_id=row["arxiv_id"],
        channel_id=row["channel_id"],
        announcement_id=row["announcement_id"],
        thread_id=row["thread_id"],
        presenter_id=row["presenter_id"],
        presenter_name=row["presenter_name"],
        starts_at=_time(row["starts_at"]),
        minutes=row["minutes"],
        place=Place(row["location"], row["voice_channel_id"]),
        event_id=row["event_id"],
        timed_at=_time(row["timed_at"]),
    )


class MeetupBook:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, guild_id: int, month: str) -> Meetup | None:
        async with self.store.reader.execute(
            "SELECT * FROM meetups WHERE guild_id = ? AND month = ?", (guild_id, month)
        ) as cursor:
            row = await cursor.fetchone()
        return _meetup(row) if row else None

    async def latest_month(self, guild_id: int) -> str | None:
        """The last month whose pickup was decided."""
        async with self.store.reader.execute(
            "SELECT max(month) FROM vote_states WHERE guild_id = ? AND pickup IS NOT NULL",
            (guild_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def record_pickup(
        self,
        guild_id: int,
        month: str,
        arxiv_id: str,
        channel_id: int | None,
        message_id: int | None,
    ) -> tuple[Meetup, bool]:
        """The meetup of the month's (new) pickup, and whether the paper changed: another paper
        frees the presenter and needs a new thread."""
        previous = await self.get(guild_id, month)
        changed = previous is None or previous.arxiv_id != arxiv_id
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT INTO meetups (guild_id, month, arxiv_id, channel_id, announcement_id,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, month) DO UPDATE"
                " SET channel_id = excluded.channel_id, announcement_id = excluded.announcement_id,"
                " updated_at = excluded.updated_at",
                (guild_id, month, arxiv_id, channel_id, message_id, utcnow()),
            )
            if changed and previous is not None:
                await conn.execute(
                    "UPDATE meetups SET arxiv_id = ?, thread_id = NULL, presenter_id = NULL,"
                    " presenter_name = NULL WHERE guild_id = ? AND month = ?",
                    (arxiv_id, guild_id, month),
                )
        meetup = await self.get(guild_id, month)
        assert meetup is not None
        return meetup, changed

    async def set_thread(self, guild_id: int, month: str, thread_id: int | None) -> None:
        await self._update(guild_id, month, thread_id=thread_id)

    async def set_event(self, guild_id: int, month: str, event_id: int | None) -> None:
        await self._update(guild_id, month, event_id=event_id)

    async def claim_presenter(self, guild_id: int, month: str, member_id: int, name: str) -> bool:
        """Make the member the presenter unless someone already is; True when they now are."""
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE meetups SET presenter_id = ?, presenter_name = ?, updated_at = ?"
                " WHERE guild_id = ? AND month = ? AND presenter_id IS NULL",
                (member_id, name, utcnow(), guild_id, month),
            )
            return cursor.rowcount == 1

    async def set_presenter(
        self, guild_id: int, month: str, member_id: int | None, name: str | None
    ) -> None:
        await self._update(guild_id, month, presenter_id=member_id, presenter_name=name)

    async def set_time(
        self,
        guild_id: int,
        month: str,
        starts_at: datetime | None,
        minutes: int,
        place: Place,
        now: datetime,
    ) -> None:
        """When and where; a new time brings new reminders, so those recorded for the old one
        are forgotten (a reminder already on its way is left alone)."""
        current = await self.get(guild_id, month)
        moved = current is None or current.starts_at != starts_at
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE meetups SET starts_at = ?, minutes = ?, location = ?,"
                " voice_channel_id = ?, timed_at = CASE WHEN ? THEN ? ELSE timed_at END,"
                " updated_at = ? WHERE guild_id = ? AND month = ?",
                (starts_at.isoformat() if starts_at else None, minutes, place.location,
                 place.channel_id, moved, now.isoformat(), utcnow(), guild_id, month),
            )  # fmt: skip
            if moved:
                marks = ",".join("?" * len(_REMINDER_ACTIONS))
                await conn.execute(
                    "DELETE FROM schedule_runs WHERE guild_id = ? AND month = ?"
                    f" AND action IN ({marks}) AND status != 'running'",
                    (guild_id, month, *_REMINDER_ACTIONS),
                )

    async def _update(self, guild_id: int, month: str, **values: object) -> None:
        columns = ", ".join(f"{name} = ?" for name in values)
        async with self.store.transaction() as conn:
            await conn.execute(
                f"UPDATE meetups SET {columns}, updated_at = ? WHERE guild_id = ? AND month = ?",
                (*values.values(), utcnow(), guild_id, month),
            )

    async def history(self, guild_id: int, language: str, count: int) -> list[PastPickup]:
        """The last `count` decided pickups, newest first, with the votes the winner got."""
        async with self.store.reader.execute(
            "SELECT v.month, v.pickup, p.title, m.presenter_name, m.starts_at,"
            " (SELECT count(*) FROM votes b WHERE b.guild_id = v.guild_id AND b.month = v.month"
            "  AND b.arxiv_id = v.pickup) AS votes,"
            " (SELECT json_extract(s.body, '$.title') FROM summaries s"
            "  WHERE s.arxiv_id = v.pickup AND s.language = ? ORDER BY s.created_at DESC LIMIT 1)"
            "  AS translated"
            " FROM vote_states v JOIN papers p ON p.arxiv_id = v.pickup"
            " LEFT JOIN meetups m ON m.guild_id = v.guild_id AND m.month = v.month"
            " WHERE v.guild_id = ? AND v.pickup IS NOT NULL ORDER BY v.month DESC LIMIT ?",
            (language, guild_id, count),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            PastPickup(
                month=row["month"],
                arxiv_id=row["pickup"],
                title=row["translated"] or row["title"],
                presenter_name=row["presenter_name"],
                starts_at=_time(row["starts_at"]),
                votes=row["votes"],
            )
            for row in rows
        ]

    # -- the meetup reminders, as a RunSource for bot.schedules.runner.Scheduler ----------
    async def guild_ids(self) -> list[int]:
        async with self.store.reader.execute(
            "SELECT DISTINCT guild_id FROM meetups WHERE starts_at IS NOT NULL"
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def runs(self, guild_id: int) -> list[Run]:
        async with self.store.reader.execute(
            "SELECT m.month, m.starts_at, m.timed_at, coalesce(g.timezone, 'Asia/Tokyo') AS tz"
            " FROM meetups m LEFT JOIN guilds g USING (guild_id)"
            " WHERE m.guild_id = ? AND m.starts_at IS NOT NULL",
            (guild_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        runs: list[Run] = []
        for row in rows:
            starts_at = datetime.fromisoformat(row["starts_at"])
            since = _time(row["timed_at"]) or starts_at
            runs += reminder_runs(row["month"], starts_at, row["tz"], since)
        return runs
