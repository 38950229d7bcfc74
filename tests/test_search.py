"""/search on the loopback Discord: papers of every stored month, found from any language."""

from __future__ import annotations

import re

import pytest

from bot.ask.archive import MAX_QUERY, Archive, excerpt
from bot.i18n import t
from bot.loopback import InteractionResult
from tests.conftest import DiscordWorld
from tests.fakes.openai import hashed_embedding
from tests.fixtures_papers import ALL_IDS, SAMPLE_MONTH
from tests.test_bot import post

EARLIER = "2021-08"
MATRICES = ALL_IDS[13]  # Multiplying Matrices Without Multiplying, only on August's list
ISAAC_GYM = ALL_IDS[11]  # on no list this guild sees
# A toy multilingual embedding model: Japanese terms land where their English stems do.
GLOSSARY = {"ハッシュ": "hash", "行列": "matri", "近似": "approxim", "表引き": "lookup"}
METHOD_QUERY = "ハッシュと表引きで行列の積を近似する手法の論文"


def bilingual_embedding(texts: list[str]) -> list[list[float]]:
    vectors = []
    for text, vector in zip(texts, hashed_embedding(texts), strict=True):
        words = re.findall(r"\w+", text.lower())
        concepts = [
            i for i, (ja, en) in enumerate(GLOSSARY.items())
            if ja in text or any(word.startswith(en) for word in words)
        ]  # fmt: skip
        for i in concepts:
            vector[i] += 1.0
        norm = sum(x * x for x in vector) ** 0.5
        vectors.append([x / norm for x in vector] if norm else vector)
    return vectors


async def two_months(world: DiscordWorld) -> None:
    """August: an organizer's shared list, read and summarized; September: the trending ten."""
    world.services.openai.embedder = bilingual_embedding
    await world.core.pipeline.fetch(EARLIER, "ja", refs=[MATRICES, ALL_IDS[10]])
    await post(world)


async def search(world: DiscordWorld, query: str, **options: object) -> InteractionResult:
    return await world.run(world.member, "search", query=query, **options)


def fields(result: InteractionResult) -> list[dict[str, str]]:
    assert result.message is not None, result.describe()
    return result.message.embeds[0]["fields"]


async def test_a_japanese_query_about_a_method_finds_an_earlier_months_paper(
    world: DiscordWorld,
) -> None:
    await two_months(world)
    found = await search(world, METHOD_QUERY)
    assert not found.ephemeral  # members search for everyone in the channel to see
    top = fields(found)[0]
    assert top["name"] == f"{EARLIER} #1 · 「Multiplying Matrices Without Multiplying」の日本語訳"
    assert f"arXiv:{MATRICES}" in top["value"]
    # The passage that matched, from the paper's full text, linked to its section.
    assert "hash" in top["value"].lower()
    link = re.search(r"\]\((\S+)\)$", top["value"])
    assert link is not None
    assert re.fullmatch(rf"https://arxiv\.org/html/{MATRICES}v\d#S\d+", link.group(1))
    footer = found.message.embeds[0]["footer"]["text"]
    assert footer == t("ja", "search_footer", months=2, papers=12)


async def test_an_english_query_finds_papers_by_their_full_text(world: DiscordWorld) -> None:
    await two_months(world)
    found = fields(await search(world, "learned hash functions", count=1))
    assert len(found) == 1
    assert f"arXiv:{MATRICES}" in found[0]["value"]
    assert "learned hash functions" in found[0]["value"]
    # A paper of September's ranking, by a fact only its full text states.
    perplexity = fields(await search(world, "PG-19 perplexity"))
    assert perplexity[0]["name"].startswith(f"{SAMPLE_MONTH} #")
    assert f"arXiv:{ALL_IDS[0]}" in perplexity[0]["value"]


async def test_search_works_without_an_llm(world: DiscordWorld) -> None:
    await two_months(world)
    archive: Archive = world.core.archive
    archive.retriever.llm = None  # as with YOMIKAI_LLM_BASE_URL unset
    found = await archive.search(world.guild.id, "ja", "table lookups matrix products")
    assert found.hits[0].entry.paper.arxiv_id == MATRICES
    assert found.hits[0].month == EARLIER


async def test_another_guilds_own_list_stays_out_of_the_results(world: DiscordWorld) -> None:
    await two_months(world)
    other = world.guild.id + 1
    await world.core.rankings.set_list(other, "2021-07", [ISAAC_GYM], "ja", "someone")
    await world.core.rankings.settled("2021-07", "ja")
    query = "Isaac Gym GPU physics simulation"
    theirs = await world.core.archive.search(other, "ja", query)
    assert theirs.hits[0].entry.paper.arxiv_id == ISAAC_GYM
    ours = await search(world, query)
    shown = ours.text + "".join(f["value"] for f in (fields(ours) if ours.message.embeds else []))
    assert ISAAC_GYM not in shown


async def test_a_guilds_correction_is_searched_in_that_guild(world: DiscordWorld) -> None:
    await two_months(world)
    opened = await world.run(world.organizer, "edit-summary", paper="3", month=SAMPLE_MONTH)
    fixed = {"yomikai:edit:method": "ゼブラフィッシュの胚で検証した手法(主催者が確認)"}
    await (await world.api.submit_modal(opened, fixed)).wait_settled(timeout=15)
    top = fields(await search(world, "ゼブラフィッシュ"))[0]
    assert top["name"].startswith(f"{SAMPLE_MONTH} #3 · ")
    other = world.guild.id + 1
    theirs = await world.core.archive.search(other, "ja", "ゼブラフィッシュ")
    assert all(hit.entry.paper.arxiv_id != ALL_IDS[2] for hit in theirs.hits)


@pytest.mark.parametrize("query", ["あ", "x" * 2000, "   "])
async def test_a_query_too_short_or_too_long_is_refused_privately(
    world: DiscordWorld, query: str
) -> None:
    refused = await search(world, query)
    assert refused.ephemeral
    assert refused.text == t("ja", "search_length", low=2, high=MAX_QUERY)


async def test_nothing_found_and_nothing_stored_are_said_plainly(world: DiscordWorld) -> None:
    empty = await search(world, "transformers")
    assert empty.text == t("ja", "search_empty")
    await two_months(world)
    # Toy embeddings of 64 dimensions make chance neighbours; real ones do not.
    world.services.openai.embeddings = False
    none = await search(world, "zyxwv qqqq")
    assert none.text == t("ja", "search_none", query="zyxwv qqqq")


async def test_results_fit_discord_for_ten_long_hits(world: DiscordWorld) -> None:
    await two_months(world)
    found = await search(world, "the model training results on benchmarks", count=10)
    assert len(fields(found)) == 10  # the loopback refuses an embed over Discord's limits


def test_an_excerpt_starts_near_the_first_word_that_matched() -> None:
    text = "Background words. " * 20 + "Here the learned hashing replaces multiply-adds."
    cut = excerpt(text, {"hashing"}, size=80)
    assert cut.startswith("…")
    assert "hashing" in cut
    assert len(cut) <= 82
