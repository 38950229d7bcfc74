"""VoteBook on its own: one ballot per member, closing and deciding exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.models import Paper, RankedPaper, Ranking
from bot.store.store import Store
from bot.votes.book import VoteBook, VoteStatus

GUILD, MONTH = 77, "2021-09"
PAPERS = [Paper(f"2109.0{i}000", f"Paper {i}", "Abstract.") for i in range(1, 4)]
RANKING = Ranking(
    MONTH,
    "monthly",
    "huggingface",
    "2021-10-01",
    tuple(RankedPaper(i + 1, p, None, None) for i, p in enumerate(PAPERS)),
)


@pytest.fixture
async def book(tmp_path: Path):
    store = await Store.open(tmp_path / "v.db")
    await store.save_papers(PAPERS, authoritative=True)
    yield VoteBook(store)
    await store.close()


async def rows(book: VoteBook) -> int:
    async with book.store.conn.execute("SELECT count(*) FROM votes") as cursor:
        return (await cursor.fetchone())[0]


async def test_nothing_counts_before_the_vote_opens(book: VoteBook) -> None:
    assert await book.status(GUILD, MONTH) == (VoteStatus.NOT_OPEN, None)
    assert not await book.cast(GUILD, MONTH, 1, "a", PAPERS[0].arxiv_id)
    assert await rows(book) == 0


async def test_concurrent_votes_of_one_member_leave_one_ballot(book: VoteBook) -> None:
    await book.open(GUILD, MONTH)
    choices = [p.arxiv_id for p in PAPERS] * 10
    results = await asyncio.gather(*(book.cast(GUILD, MONTH, 1, "a", c) for c in choices))
    assert all(results)
    assert await rows(book) == 1
    assert await book.ballot(GUILD, MONTH, 1) in {p.arxiv_id for p in PAPERS}


async def test_the_tally_orders_by_votes_then_rank(book: VoteBook) -> None:
    await book.open(GUILD, MONTH)
    for member, paper in ((1, 2), (2, 2), (3, 1)):
        await book.cast(GUILD, MONTH, member, str(member), PAPERS[paper].arxiv_id)
    tally = await book.tally(GUILD, RANKING)
    assert [(e.rank, n) for e, n in tally.counts] == [(3, 2), (2, 1), (1, 0)]
    assert tally.voters == 3
    assert [e.rank for e in tally.leaders] == [3]


async def test_closing_twice_decides_once(book: VoteBook) -> None:
    await book.open(GUILD, MONTH)
    await book.cast(GUILD, MONTH, 1, "a", PAPERS[1].arxiv_id)
    first, second = await asyncio.gather(
        book.close(GUILD, RANKING, higher_rank_wins=False),
        book.close(GUILD, RANKING, higher_rank_wins=False),
    )
    assert [first.decided_now, second.decided_now].count(True) == 1
    assert first.pickup == second.pickup == RANKING.entries[1]
    assert not await book.cast(GUILD, MONTH, 2, "b", PAPERS[0].arxiv_id)


async def test_no_votes_is_a_tie_of_every_paper(book: VoteBook) -> None:
    await book.open(GUILD, MONTH)
    closing = await book.close(GUILD, RANKING, higher_rank_wins=False)
    assert closing.pickup is None
    assert [e.rank for e in closing.tied] == [1, 2, 3]
    assert (await book.decide(GUILD, RANKING, PAPERS[2].arxiv_id)).decided_now
    assert not (await book.decide(GUILD, RANKING, PAPERS[0].arxiv_id)).decided_now
