"""Per-guild settings chosen with /setup."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot.store.store import Store, utcnow


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    channel_id: int | None = None
    language: str = "ja"
    timezone: str = "Asia/Tokyo"
    organizer_role_id: int | None = None
    tiebreak: str = "organizer"

    @property
    def higher_rank_wins(self) -> bool:
        return self.tiebreak == "higher-rank"

    def with_changes(self, **changes: Any) -> GuildSettings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


class GuildRepo:
    def __init__(self, store: Store, default_language: str = "ja") -> None:
        self.store = store
        self.default_language = default_language
        # Every interaction reads its guild's settings; only save() changes them (in this
        # process), so they are kept rather than queued behind other reads on SQLite's thread.
        self._known: dict[int, GuildSettings] = {}

    async def get(self, guild_id: int) -> GuildSettings:
        known = self._known.get(guild_id)
        if known is None:
            known = self._known[guild_id] = await self._read(guild_id)
        return known

    async def _read(self, guild_id: int) -> GuildSettings:
        async with self.store.reader.execute(
            "SELECT guild_id, channel_id, language, timezone, organizer_role_id, tiebreak FROM guilds"
            " WHERE guild_id = ?",
            (guild_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return GuildSettings(guild_id, language=self.default_language)
        return GuildSettings(**dict(row))

    async def save(self, settings: GuildSettings) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT INTO guilds (guild_id, channel_id, language, timezone, organizer_role_id,"
                " tiebreak, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE"
                " SET channel_id = excluded.channel_id, language = excluded.language,"
                " timezone = excluded.timezone, organizer_role_id = excluded.organizer_role_id,"
                " tiebreak = excluded.tiebreak, updated_at = excluded.updated_at",
                (settings.guild_id, settings.channel_id, settings.language, settings.timezone,
                 settings.organizer_role_id, settings.tiebreak, utcnow()),
            )  # fmt: skip
        self._known[settings.guild_id] = settings
