"""Rankings as the Discord side needs them: stored ones, fetched on demand, posted once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.models import Ranking
from bot.papers.pipeline import ListError, Pipeline
from bot.store.store import Store, stamp, utcnow

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
        # Keyed by month, language and guild: two guilds' own lists are completed apart.
        self._completing: dict[tuple[str, str, int], asyncio.Task[None]] = {}
        # Called with the month whenever some of its notes land (e.g. to update its posts).
        self.listeners: list[Callable[[str], Awaitable[None]]] = []

    async def stored(self, month: str, language: str, guild_id: int = 0) -> Ranking | None:
        """The month's ranking as the guild sees it, or None; cached until content changes.

        A guild sees the kind it posted; before posting, its own list when it set one; else
        the shared ranking fetched last (guild 0 sees only shared ones)."""
        generation, now = self.store.content_generation, time.monotonic()
        key = (month, language, guild_id)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == generation and now - cached[1] < CACHE_SECONDS:
            return cached[2]
        kind = await self._kind_seen(month, guild_id)
        ranking = kind and await self.store.ranking(
            month, kind, language, self.pipeline.prompt_version, guild_id
        )
        self._cache[key] = (generation, now, ranking or None)
        return ranking or None

    async def _kind_seen(self, month: str, guild_id: int) -> str | None:
        if guild_id:
            post = await self.post(guild_id, month)
            if post is not None and post.kind is not None:
                return post.kind
            if await self.store.has_own_list(guild_id, month):
                return "manual"
        return await self.store.latest_kind(month)

    async def ensure(
        self,
        month: str,
        language: str,
        *,
        guild_id: int = 0,
        kind: str | None = None,
        top: int = 10,
    ) -> Ranking:
        """The ranking to post: of the kind asked for (`manual`: the guild's own list, else the
        shared one), or by default the one the guild sees; fetched first when there is none.
        Full texts and missing summaries are completed in the background; listeners hear of
        each summary landing. ListError when a manual list is asked for and none is set."""
        async with self._month_locks[month]:
            ranking = await self._of_kind(month, language, guild_id, kind)
            if ranking is None:
                if kind == "manual":
                    raise ListError("list_none", month=month)
                await self.pipeline.rank(month, kind=kind or "monthly", top=top)
                ranking = await self._of_kind(month, language, guild_id, kind)
                assert ranking is not None
            self._complete_if_needed(ranking, language)
            return ranking

    async def _of_kind(
        self, month: str, language: str, guild_id: int, kind: str | None
    ) -> Ranking | None:
        if kind is None:
            return await self.stored(month, language, guild_id)
        return await self.store.ranking(
            month, kind, language, self.pipeline.prompt_version, guild_id
        )

    async def set_list(
        self, guild_id: int, month: str, refs: Sequence[str], language: str, set_by: str
    ) -> Ranking:
        """Store the guild's own list for the month (checked against arXiv, in the order given)
        and start reading its papers. ListError when the ids are wrong or the month is posted:
        the vote under the post must keep its papers."""
        async with self._month_locks[month]:
            if await self.post(guild_id, month) is not None:
                raise ListError("list_posted", month=month)
            await self.pipeline.rank(month, refs=refs, guild_id=guild_id, set_by=set_by)
            ranking = await self.stored(month, language, guild_id)
            assert ranking is not None
            self._complete_if_needed(ranking, language)
            return ranking

    def _complete_if_needed(self, ranking: Ranking, language: str) -> None:
        if ranking.pending or any(entry.fulltext is None for entry in ranking.entries):
            self._complete_later(ranking, language)

    def _complete_later(self, ranking: Ranking, language: str) -> None:
        key = (ranking.month, language, ranking.guild_id)
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
        """Wait until the month's background completions (if any) have finished."""
        tasks = [task for key, task in self._completing.items() if key[:2] == (month, language)]
        if tasks:
            await asyncio.wait_for(asyncio.shield(asyncio.gather(*tasks)), timeout)

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
        stale = stamp(datetime.now(UTC) - STALE_CLAIM)
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
        self.store.content_generation += 1  # the kind posted is the kind the guild now sees
