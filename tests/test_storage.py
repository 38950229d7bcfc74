import sqlite3
from pathlib import Path

import pytest

from bot.models import Author, Paper, Summary
from bot.store.database import connect, migrate, migrations, schema_version
from bot.store.store import Store

PAPER = Paper(
    arxiv_id="2109.04454",
    version="v2",
    title="ConvMLP: Hierarchical Convolutional MLPs for Vision",
    abstract="A light MLP backbone with convolutions.",
    authors=(Author("A. Author", ("University of Oregon",)),),
    categories=("cs.CV",),
)


@pytest.fixture
async def store(tmp_path: Path):
    opened = await Store.open(tmp_path / "y.db")
    yield opened
    await opened.close()


async def test_migrations_are_numbered_applied_once_and_recorded(tmp_path: Path) -> None:
    versions = [version for version, _, _ in migrations()]
    assert versions == sorted(set(versions))
    conn = await connect(tmp_path / "m.db")
    assert await migrate(conn) == [name for _, name, _ in migrations()]
    assert await migrate(conn) == []
    assert await schema_version(conn) == versions[-1]
    await conn.close()


async def test_database_runs_in_wal_with_foreign_keys(store: Store) -> None:
    async with store.conn.execute("PRAGMA journal_mode") as cursor:
        assert (await cursor.fetchone())[0] == "wal"
    with pytest.raises(sqlite3.IntegrityError):
        await store.save_ranking("2021-09", "monthly", "huggingface", [("9999.99999", 1)])


async def test_a_paper_is_stored_once_and_only_arxiv_overwrites_it(store: Store) -> None:
    await store.save_papers([PAPER], authoritative=True)
    poorer = Paper(PAPER.arxiv_id, "ConvMLP", "short", authors=(Author("A. Author"),))
    await store.save_papers([poorer], authoritative=False)
    assert (await store.papers([PAPER.arxiv_id]))[PAPER.arxiv_id] == PAPER
    async with store.conn.execute("SELECT count(*) FROM papers") as cursor:
        assert (await cursor.fetchone())[0] == 1


async def test_saving_a_ranking_again_replaces_it_without_duplicates(store: Store) -> None:
    other = Paper("2109.00301", "∞-former: Infinite Memory Transformer", "Memory.")
    await store.save_papers([PAPER, other], authoritative=True)
    await store.save_ranking("2021-09", "monthly", "huggingface", [(PAPER.arxiv_id, 5)])
    await store.save_ranking(
        "2021-09", "monthly", "huggingface", [(other.arxiv_id, 9), (PAPER.arxiv_id, 6)]
    )
    ranking = await store.ranking("2021-09", "monthly", "ja", "v1")
    assert [(e.rank, e.paper.arxiv_id, e.upvotes) for e in ranking.entries] == [
        (1, other.arxiv_id, 9),
        (2, PAPER.arxiv_id, 6),
    ]
    async with store.conn.execute("SELECT count(*) FROM ranking_entries") as cursor:
        assert (await cursor.fetchone())[0] == 2


async def test_summaries_are_keyed_by_language_and_prompt_version(store: Store) -> None:
    await store.save_papers([PAPER], authoritative=True)
    await store.save_ranking("2021-09", "monthly", "huggingface", [(PAPER.arxiv_id, 5)])
    summary = Summary("ConvMLP", "要旨", "目的", "成果", "方法", "ConvMLP", "オレゴン大学", "軽量")
    await store.save_summary(PAPER.arxiv_id, "ja", "v1", summary, "model-a")
    assert await store.missing_summaries([PAPER.arxiv_id], "ja", "v1") == []
    assert await store.missing_summaries([PAPER.arxiv_id], "en", "v1") == [PAPER.arxiv_id]
    assert await store.missing_summaries([PAPER.arxiv_id], "ja", "v2") == [PAPER.arxiv_id]
    ranking = await store.ranking("2021-09", "monthly", "ja", "v1")
    assert ranking.entries[0].summary == summary
    assert (await store.ranking("2021-09", "monthly", "ja", "v2")).pending == 1


async def test_latest_kind_is_the_last_fetched(store: Store) -> None:
    await store.save_papers([PAPER], authoritative=True)
    assert await store.latest_kind("2021-09") is None
    await store.save_ranking("2021-09", "trending", "huggingface", [(PAPER.arxiv_id, 1)])
    await store.save_ranking("2021-09", "manual", "arxiv", [(PAPER.arxiv_id, None)])
    assert await store.latest_kind("2021-09") == "manual"
