"""The pickup vote: ballots, the tally, closing with a tie-break, the CSV export."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from enum import Enum

from bot.models import RankedPaper, Ranking
from bot.store.store import Store, utcnow


class VoteStatus(Enum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Tally:
    counts: tuple[tuple[RankedPaper, int], ...]  # most votes first, then by rank
    voters: int

    @property
    def leaders(self) -> tuple[RankedPaper, ...]:
        top = self.counts[0][1] if self.counts else 0
        return tuple(entry for entry, n in self.counts if n == top)


@dataclass(frozen=True)
class Closing:
    """What /close-vote decided: a pickup, or the tied papers an organizer must choose from."""

    tally: Tally
    pickup: RankedPaper | None
    tied: tuple[RankedPaper, ...] = ()
    decided_now: bool = False


class VoteBook:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def open(self, guild_id: int, month: str) -> None:
        """Open the month's vote (again); the pickup, if any, is forgotten."""
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT INTO vote_states (guild_id, month, status, pickup, changed_at)"
                " VALUES (?, ?, 'open', NULL, ?) ON CONFLICT (guild_id, month) DO UPDATE SET"
                " status = 'open', pickup = NULL, changed_at = excluded.changed_at",
                (guild_id, month, utcnow()),
            )

    async def status(self, guild_id: int, month: str) -> tuple[VoteStatus, str | None]:
        async with self.store.reader.execute(
            "SELECT status, pickup FROM vote_states WHERE guild_id = ? AND month = ?",
            (guild_id, month),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return VoteStatus.NOT_OPEN, None
        return VoteStatus(row["status"]), row["pickup"]

    async def cast(
        self, guild_id: int, month: str, member_id: int, name: str, arxiv_id: str | None
    ) -> bool:
        """Record (or with None withdraw) the member's vote; False when the vote is not open."""
        async with self.store.transaction() as conn:
            async with conn.execute(
                "SELECT 1 FROM vote_states WHERE guild_id = ? AND month = ? AND status = 'open'",
                (guild_id, month),
            ) as cursor:
                if await cursor.fetchone() is None:
                    return False
            if arxiv_id is None:
                await conn.execute(
                    "DELETE FROM votes WHERE guild_id = ? AND month = ? AND member_id = ?",
                    (guild_id, month, member_id),
                )
            else:
                await conn.execute(
                    "INSERT INTO votes (guild_id, month, member_id, member_name, arxiv_id, voted_at)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, month, member_id) DO UPDATE"
                    " SET member_name = excluded.member_name, arxiv_id = excluded.arxiv_id,"
                    " voted_at = excluded.voted_at",
                    (guild_id, month, member_id, name, arxiv_id, utcnow()),
                )
        return True

    async def ballot(self, guild_id: int, month: str, member_id: int) -> str | None:
        async with self.store.reader.execute(
            "SELECT arxiv_id FROM votes WHERE guild_id = ? AND month = ? AND member_id = ?",
            (guild_id, month, member_id),
        ) as cursor:
            row = await cursor.fetchone()
        return row["arxiv_id"] if row else None

    async def tally(self, guild_id: int, ranking: Ranking) -> Tally:
        async with self.store.reader.execute(
            "SELECT arxiv_id, count(*) AS n FROM votes WHERE guild_id = ? AND month = ?"
            " GROUP BY arxiv_id",
            (guild_id, ranking.month),
        ) as cursor:
            counts = Counter({row["arxiv_id"]: row["n"] for row in await cursor.fetchall()})
        ordered = sorted(ranking.entries, key=lambda e: (-counts[e.paper.arxiv_id], e.rank))
        return Tally(
            tuple((entry, counts[entry.paper.arxiv_id]) for entry in ordered),
            voters=sum(counts.values()),
        )

    async def close(self, guild_id: int, ranking: Ranking, *, higher_rank_wins: bool) -> Closing:
        """Close the vote; decide the pickup unless organizers must break a tie."""
        async with self.store.transaction() as conn:
            await conn.execute(
                "UPDATE vote_states SET status = 'closed', changed_at = ?"
                " WHERE guild_id = ? AND month = ? AND status = 'open'",
                (utcnow(), guild_id, ranking.month),
            )
        tally = await self.tally(guild_id, ranking)
        _, pickup = await self.status(guild_id, ranking.month)
        if pickup is not None:
            return Closing(tally, _entry(ranking, pickup), decided_now=False)
        leaders = tally.leaders
        if len(leaders) > 1 and not higher_rank_wins:
            return Closing(tally, None, tied=leaders)
        return await self.decide(
            guild_id, ranking, min(leaders, key=lambda e: e.rank).paper.arxiv_id
        )

    async def decide(self, guild_id: int, ranking: Ranking, arxiv_id: str) -> Closing:
        """Set the pickup of a closed vote; only the first decision counts."""
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE vote_states SET pickup = ?, changed_at = ? WHERE guild_id = ?"
                " AND month = ? AND status = 'closed' AND pickup IS NULL",
                (arxiv_id, utcnow(), guild_id, ranking.month),
            )
        _, pickup = await self.status(guild_id, ranking.month)
        tally = await self.tally(guild_id, ranking)
        entry = _entry(ranking, pickup) if pickup else None
        return Closing(tally, entry, decided_now=cursor.rowcount == 1)

    async def export_csv(self, guild_id: int, ranking: Ranking) -> str:
        by_id = {entry.paper.arxiv_id: entry for entry in ranking.entries}
        async with self.store.reader.execute(
            "SELECT member_id, member_name, arxiv_id, voted_at FROM votes"
            " WHERE guild_id = ? AND month = ? ORDER BY voted_at, member_id",
            (guild_id, ranking.month),
        ) as cursor:
            rows = await cursor.fetchall()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["member_id", "display_name", "rank", "arxiv_id", "title", "voted_at"])
        for row in rows:
            entry = by_id.get(row["arxiv_id"])
            rank, title = (entry.rank, entry.paper.title) if entry else ("", "")
            writer.writerow(
                [
                    row["member_id"],
                    row["member_name"],
                    rank,
                    row["arxiv_id"],
                    title,
                    row["voted_at"],
                ]
            )
        return out.getvalue()


def _entry(ranking: Ranking, arxiv_id: str) -> RankedPaper | None:
    return next((e for e in ranking.entries if e.paper.arxiv_id == arxiv_id), None)
