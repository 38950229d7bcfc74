"""Rankings as the Discord side needs them: stored ones, fetched on demand, posted once."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass

from bot.models import Ranking
from bot.pipeline import FetchReport, Pipeline
from bot.storage import Store, utcnow


@dataclass(frozen=True)
class RankingPost:
    guild_id: int
    month: str
    kind: str
    channel_id: int
    message_id: int


class Rankings:
    def __init__(self, store: Store, pipeline: Pipeline) -> None:
        self.store = store
        self.pipeline = pipeline
        self._month_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._cache: dict[tuple[str, str], tuple[int, Ranking | None]] = {}

    async def stored(self, month: str, language: str) -> Ranking | None:
        """The month's ranking of the kind fetched last, or None; cached until content changes."""
        generation = self.store.content_generation
        cached = self._cache.get((month, language))
        if cached is not None and cached[0] == generation:
            return cached[1]
        kind = await self.store.latest_kind(month)
        ranking = kind and await self.store.ranking(
            month, kind, language, self.pipeline.prompt_version
        )
        self._cache[(month, language)] = (generation, ranking or None)
        return ranking or None

    async def ensure(
        self, month: str, language: str, *, top: int = 10
    ) -> tuple[Ranking, FetchReport | None]:
        """The stored ranking, fetching it first when the month has none (once at a time)."""
        async with self._month_locks[month]:
            ranking = await self.stored(month, language)
            if ranking is not None and ranking.pending == 0:
                return ranking, None
            if ranking is not None:
                warnings: list[str] = []
                ids = [entry.paper.arxiv_id for entry in ranking.entries]
                await self.pipeline.summarize(ids, language, warnings)
                refreshed = await self.stored(month, language)
                assert refreshed is not None
                return refreshed, None
            report = await self.pipeline.fetch(month, language, top=top)
            return report.ranking, report

    async def post(self, guild_id: int, month: str) -> RankingPost | None:
        async with self.store.reader.execute(
            "SELECT guild_id, month, kind, channel_id, message_id FROM ranking_posts"
            " WHERE guild_id = ? AND month = ?",
            (guild_id, month),
        ) as cursor:
            row = await cursor.fetchone()
        return RankingPost(**dict(row)) if row else None

    async def save_post(self, post: RankingPost) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO ranking_posts"
                " (guild_id, month, kind, channel_id, message_id, posted_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (post.guild_id, post.month, post.kind, post.channel_id, post.message_id, utcnow()),
            )
