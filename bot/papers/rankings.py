"""Rankings as the Discord side needs them: stored ones, fetched on demand, posted once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.models import Ranking
from bot.papers.pipeline import Pipeline
from bot.store.store import Store, utcnow

log = logging.getLogger(__name__)

# A claim whose post never got a message id (the bot died while posting) may be taken over.
STALE_CLAIM = timedelta(minutes=10)
# Another process (`yomikai fetch`) may change the database; its changes show within this time.
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class RankingPost:
    guild_id: int
    month: str
    kind: str | None
    channel_id: int | None
    message_id: int | None


class Rankings:
    def __init__(self, store: Store, pipeline: Pipeline) -> None:
        self.store = store
        self.pipeline = pipeline
        self._month_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._cache: dict[tuple[str, str], tuple[int, float, Ranking | None]] = {}
        self._completing: dict[tuple[str, str], asyncio.Task[None]] = {}
        # Called with the month whenever some of its notes land (e.g. to update its posts).
        self.listeners: list[Callable[[str], Awaitable[None]]] = []

    async def stored(self, month: str, language: str) -> Ranking | None:
        """The month's ranking of the kind fetched last, or None; cached until content changes."""
        generation, now = self.store.content_generation, time.monotonic()
        cached = self._cache.get((month, language))
        if cached is not None and cached[0] == generation and now - cached[1] < CACHE_SECONDS:
            return cached[2]
        kind = await self.store.latest_kind(month)
        ranking = kind and await self.store.ranking(
            month, kind, language, self.pipeline.prompt_version
        )
        self._cache[(month, language)] = (generation, now, ranking or None)
        return ranking or None

    async def ensure(
        self, month: str, language: str, *, kind: str = "monthly", top: int = 10
    ) -> Ranking:
        """The stored ranking, fetched first when the month has none. Full texts and missing
        summaries are completed in the background; listeners hear of each summary landing."""
        async with self._month_locks[month]:
            ranking = await self.stored(month, language)
            if ranking is None:
                await self.pipeline.rank(month, kind=kind, top=top)
                ranking = await self.stored(month, language)
                assert ranking is not None
            if ranking.pending or any(entry.fulltext is None for entry in ranking.entries):
                self._complete_later(ranking, language)
            return ranking

    def _complete_later(self, ranking: Ranking, language: str) -> None:
        key = (ranking.month, language)
        running = self._completing.get(key)
        if running is not None and not running.done():
            return
        ids = [entry.paper.arxiv_id for entry in ranking.entries]
        self._completing[key] = asyncio.create_task(
            self._complete(ranking.month, ids, language), name=f"complete {ranking.month}"
        )

    async def _complete(self, month: str, ids: list[str], language: str) -> None:
        async def landed(arxiv_id: str) -> None:
            await self._tell(month)

        warnings: list[str] = []
        try:
            await self.pipeline.complete(ids, language, warnings, on_summary=landed)
        except Exception:
            log.exception("completing %s failed", month)
        for warning in warnings:
            log.info("%s: %s", month, warning)
        await self._tell(month)

    async def _tell(self, month: str) -> None:
        for listener in self.listeners:
            try:
                await listener(month)
            except Exception:
                log.exception("a listener of %s failed", month)

    async def settled(self, month: str, language: str, timeout: float = 60.0) -> None:
        """Wait until the month's background completion (if any) has finished."""
        task = self._completing.get((month, language))
        if task is not None:
            await asyncio.wait_for(asyncio.shield(task), timeout)

    async def aclose(self) -> None:
        """Stop background completions; what they stored so far stays stored."""
        tasks = [task for task in self._completing.values() if not task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def post(self, guild_id: int, month: str) -> RankingPost | None:
        async with self.store.reader.execute(
            "SELECT guild_id, month, kind, channel_id, message_id FROM ranking_posts"
            " WHERE guild_id = ? AND month = ?",
            (guild_id, month),
        ) as cursor:
            row = await cursor.fetchone()
        return RankingPost(**dict(row)) if row else None

    async def posted_guilds(self, month: str) -> list[int]:
        async with self.store.reader.execute(
            "SELECT guild_id FROM ranking_posts WHERE month = ? AND message_id IS NOT NULL",
            (month,),
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def claim_post(self, guild_id: int, month: str) -> bool:
        """Reserve the month's post for this caller; False when it is posted or being posted."""
        stale = (datetime.now(UTC) - STALE_CLAIM).isoformat(timespec="seconds")
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO ranking_posts (guild_id, month, claimed_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id, month) DO UPDATE SET claimed_at = excluded.claimed_at"
                " WHERE message_id IS NULL AND claimed_at < ?",
                (guild_id, month, utcnow(), stale),
            )
            return cursor.rowcount == 1

    async def release_post(self, guild_id: int, month: str) -> None:
        """Give up a claim whose post failed, so a later run may post."""
        async with self.store.transaction() as conn:
            await conn.execute(
                "DELETE FROM ranking_posts WHERE guild_id = ? AND month = ? AND message_id IS NULL",
                (guild_id, month),
            )

    async def save_post(self, post: RankingPost) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE ranking_posts SET kind = ?, channel_id = ?, message_id = ?, posted_at = ?"
                " WHERE guild_id = ? AND month = ?",
                (post.kind, post.channel_id, post.message_id, utcnow(), post.guild_id, post.month),
            )
