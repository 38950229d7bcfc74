"""The monthly job end to end against the local Hugging Face, arXiv and OpenAI fakes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.papers.pipeline import FetchError
from bot.store.store import Store
from tests.conftest import OpenCore, Services
from tests.fixtures_papers import EXPECTED_TOP10, EXPECTED_TRENDING, SAMPLE_MONTH, arxiv_paper

LANG = "ja"


async def count(store: Store, table: str) -> int:
    async with store.conn.execute(f"SELECT count(*) FROM {table}") as cursor:
        return (await cursor.fetchone())[0]


async def test_fetch_stores_the_top_ten_by_upvotes_with_summaries(
    open_core: OpenCore, services: Services
) -> None:
    core = await open_core()
    report = await core.pipeline.fetch(SAMPLE_MONTH, LANG)
    ranking = report.ranking
    assert [e.paper.arxiv_id for e in ranking.entries] == EXPECTED_TOP10
    upvotes = [e.upvotes for e in ranking.entries]
    assert upvotes == sorted(upvotes, reverse=True)
    assert ranking.pending == 0
    assert report.summarized == 10
    assert len(services.arxiv.queries()) == 1
    assert services.openai.count(purpose="summary") == 10
    # arXiv's details replace what Hugging Face knew; the affiliations come from the paper.
    convmlp = next(e for e in ranking.entries if e.paper.arxiv_id == "2109.04454")
    listed = arxiv_paper("2109.04454")
    assert replace(convmlp.paper, authors=listed.authors) == listed
    assert [a.name for a in convmlp.paper.authors] == [a.name for a in listed.authors]
    assert convmlp.paper.authors[1].affiliations == ("Northgate University",)
    assert convmlp.summary.title.startswith("「ConvMLP")
    async with core.store.reader.execute(
        "SELECT purpose, count(*) FROM llm_usage GROUP BY purpose"
    ) as cursor:
        usage = dict(await cursor.fetchall())
    assert usage == {"summary": 10, "embeddings": services.openai.count(purpose="embeddings")}


async def test_a_second_fetch_adds_no_rows_and_no_llm_calls(
    open_core: OpenCore, services: Services
) -> None:
    core = await open_core()
    await core.pipeline.fetch(SAMPLE_MONTH, LANG)
    calls = services.openai.count()
    tables = ("papers", "rankings", "ranking_entries", "summaries")
    before = [await count(core.store, table) for table in tables]
    report = await core.pipeline.fetch(SAMPLE_MONTH, LANG)
    assert services.openai.count() == calls
    assert len(services.arxiv.queries()) == 1  # papers already enriched are not asked again
    assert report.summarized == 0
    assert [await count(core.store, table) for table in tables] == before == [10, 1, 10, 10]


async def test_without_a_key_the_ranking_is_stored_and_a_later_run_fills_summaries(
    open_core: OpenCore, services: Services
) -> None:
    keyless = await open_core(llm=False)
    report = await keyless.pipeline.fetch(SAMPLE_MONTH, LANG)
    assert report.ranking.pending == 10
    assert report.ranking.entries[0].paper.abstract  # shown instead of the summary
    assert any("no OPENAI_API_KEY" in w for w in report.warnings)
    assert services.openai.count() == 0
    core = await open_core()
    report = await core.pipeline.fetch(SAMPLE_MONTH, LANG)
    assert report.ranking.pending == 0
    assert services.openai.count(purpose="summary") == 10


async def test_an_llm_failure_midway_keeps_what_was_done(
    open_core: OpenCore, services: Services
) -> None:
    core = await open_core(YOMIKAI_LLM_CONCURRENCY="1", YOMIKAI_EMBEDDING_MODEL="off")
    services.openai.fail_next(status=500, times=9)  # three papers exhaust openai's retries
    report = await core.pipeline.fetch(SAMPLE_MONTH, LANG)
    assert report.ranking.pending == 3
    assert report.summarized == 7
    assert any("3 summaries pending" in w for w in report.warnings)
    calls = services.openai.count()
    report = await core.pipeline.fetch(SAMPLE_MONTH, LANG)
    assert report.ranking.pending == 0
    assert services.openai.count() - calls == 3


async def test_llm_down_entirely_still_stores_the_ranking(
    open_core: OpenCore, services: Services
) -> None:
    core = await open_core()
    services.openai.always_fail(401)
    report = await core.pipeline.fetch(SAMPLE_MONTH, LANG)
    assert [e.paper.arxiv_id for e in report.ranking.entries] == EXPECTED_TOP10
    assert report.ranking.pending == 10


async def test_arxiv_down_keeps_the_hugging_face_details(
    open_core: OpenCore, services: Services
) -> None:
    core = await open_core()
    services.arxiv.fail_next(503, times=4)
    report = await core.pipeline.fetch(SAMPLE_MONTH, LANG)
    assert [e.paper.arxiv_id for e in report.ranking.entries] == EXPECTED_TOP10
    assert any("arXiv" in w for w in report.warnings)
    assert all(
        not author.affiliations for e in report.ranking.entries for author in e.paper.authors
    )
    assert report.ranking.pending == 0


async def test_garbage_from_hugging_face_stores_nothing_and_keeps_the_old_ranking(
    open_core: OpenCore, services: Services
) -> None:
    core = await open_core()
    services.huggingface.fail_next(200, body="<html>maintenance</html>")
    with pytest.raises(FetchError, match="unreadable"):
        await core.pipeline.fetch(SAMPLE_MONTH, LANG)
    assert await count(core.store, "rankings") == 0
    await core.pipeline.fetch(SAMPLE_MONTH, LANG)
    services.huggingface.fail_next(500, times=4)
    with pytest.raises(FetchError, match="unreachable"):
        await core.pipeline.fetch(SAMPLE_MONTH, LANG, top=3)
    stored = await core.rankings.stored(SAMPLE_MONTH, LANG)
    assert [e.paper.arxiv_id for e in stored.entries] == EXPECTED_TOP10


async def test_a_month_without_papers_is_an_error(open_core: OpenCore) -> None:
    core = await open_core()
    with pytest.raises(FetchError, match="no papers for 1999-01"):
        await core.pipeline.fetch("1999-01", LANG)


async def test_trending_keeps_the_trending_order(open_core: OpenCore) -> None:
    core = await open_core()
    report = await core.pipeline.fetch(SAMPLE_MONTH, LANG, kind="trending", top=5)
    assert [e.paper.arxiv_id for e in report.ranking.entries] == EXPECTED_TRENDING[:5]
    assert report.ranking.kind == "trending"


async def test_an_organizers_list_keeps_its_order_in_one_arxiv_call(
    open_core: OpenCore, services: Services
) -> None:
    core = await open_core()
    refs = ["https://arxiv.org/pdf/2109.05237v1", "arXiv:2109.04454v2", "2109.00301"]
    report = await core.pipeline.fetch(SAMPLE_MONTH, LANG, refs=refs)
    assert [e.paper.arxiv_id for e in report.ranking.entries] == [
        "2109.05237",
        "2109.04454",
        "2109.00301",
    ]
    assert report.ranking.kind == "manual"
    assert report.ranking.source == "arxiv"
    assert len(services.arxiv.queries()) == 1
    assert services.huggingface.requests == []


@pytest.mark.parametrize(
    ("refs", "message"),
    [
        (["2109.04454", "2101.99999"], "arXiv does not know: 2101.99999"),
        (["2109.04454", "not-a-paper"], "'not-a-paper' is not an arXiv id or URL"),
    ],
)
async def test_a_bad_list_stores_nothing(
    open_core: OpenCore, refs: list[str], message: str
) -> None:
    core = await open_core()
    with pytest.raises(FetchError, match=message):
        await core.pipeline.fetch(SAMPLE_MONTH, LANG, refs=refs)
    assert await count(core.store, "rankings") == 0
    assert await count(core.store, "papers") == 0
