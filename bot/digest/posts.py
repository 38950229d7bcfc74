"""Each guild's post of a week's digest: claimed before it is sent, so it is posted once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.papers.rankings import STALE_CLAIM
from bot.store.store import Store, stamp, utcnow


@dataclass(frozen=True)
class DigestPost:
    """Where the week's digest went in a guild; `missing` is what it lacked (Digest.missing)."""

    guild_id: int
    week: str
    channel_id: int | None
    message_ids: tuple[int, ...]
    missing: int

    @property
    def url(self) -> str | None:
        if not self.message_ids:
            return None
        return (
            f"https://discord.com/channels/{self.guild_id}/{self.channel_id}/{self.message_ids[0]}"
        )


class DigestPosts:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, guild_id: int, week: str) -> DigestPost | None:
        async with self.store.reader.execute(
            "SELECT channel_id, message_ids, missing FROM digest_posts"
            " WHERE guild_id = ? AND week = ?",
            (guild_id, week),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        ids = tuple(json.loads(row["message_ids"]))
        return DigestPost(guild_id, week, row["channel_id"], ids, row["missing"])

    async def claim(self, guild_id: int, week: str) -> bool:
        """Reserve the week's post for this caller; False when it is posted or being posted."""
        stale = stamp(datetime.now(UTC) - STALE_CLAIM)
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO digest_posts (guild_id, week, claimed_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id, week) DO UPDATE SET claimed_at = excluded.claimed_at"
                " WHERE message_ids = '[]' AND claimed_at < ?",
                (guild_id, week, utcnow(), stale),
            )
            return cursor.rowcount == 1

    async def release(self, guild_id: int, week: str) -> None:
        """Give up a claim whose post failed, so a later run may post."""
        async with self.store.transaction() as conn:
            await conn.execute(
                "DELETE FROM digest_posts WHERE guild_id = ? AND week = ? AND message_ids = '[]'",
                (guild_id, week),
            )

    async def save(self, post: DigestPost) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE digest_posts SET channel_id = ?, message_ids = ?, missing = ?,"
                " posted_at = ? WHERE guild_id = ? AND week = ?",
                (post.channel_id, json.dumps(list(post.message_ids)), post.missing, utcnow(),
                 post.guild_id, post.week),
            )  # fmt: skip
