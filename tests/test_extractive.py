"""The bundled sample month and /ask without an LLM: stored sentences, clearly labelled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.ask import extractive
from bot.ask.qa import QA
from bot.discord.cards import paper_card, ranking_overview
from bot.i18n import t
from bot.loopback.limits import validate_message
from bot.models import Ranking
from bot.papers.fulltext.library import FullTexts
from bot.papers.sample import SAMPLE_MONTH, load_sample, sample_data
from bot.papers.summaries import HOOK_CHARS, summary_prompt_version
from bot.store.store import Store
from tests.fixtures_papers import EXPECTED_TOP10, SAMPLE_PAPERS

OFFLINE_JA = t("ja", "ask_offline_label")
OFFLINE_EN = t("en", "ask_offline_label")


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    opened = await Store.open(":memory:")
    yield opened
    await opened.close()


async def sample_ranking(store: Store, language: str = "ja") -> Ranking:
    month = await load_sample(
        store, FullTexts(store, None, None), language, summary_prompt_version()
    )
    ranking = await store.ranking(month, "monthly", language, summary_prompt_version())
    assert ranking is not None
    return ranking


def test_the_sample_is_the_fixture_month_with_notes_for_every_paper() -> None:
    data = sample_data()
    assert data["month"] == SAMPLE_MONTH
    papers = data["papers"]
    assert [p["arxiv_id"] for p in papers] == EXPECTED_TOP10
    assert [p["rank"] for p in papers] == list(range(1, 11))
    by_id = {p.arxiv_id: p for p in SAMPLE_PAPERS}
    for paper in papers:
        fixture = by_id[paper["arxiv_id"]]
        assert (paper["title"], paper["abstract"], paper["upvotes"]) == (
            fixture.title, fixture.abstract, fixture.upvotes
        )  # fmt: skip
        notes = paper["summaries"]["ja"]
        assert all(notes[name].strip() for name in extractive.NOTE_FIELDS)
        assert len(notes["hook"]) <= HOOK_CHARS


async def test_the_loaded_sample_shows_full_cards_within_discord_limits(store: Store) -> None:
    ranking = await sample_ranking(store)
    assert (ranking.kind, ranking.source, ranking.pending) == ("monthly", "sample", 0)
    assert [e.upvotes for e in ranking.entries] == sorted(
        (e.upvotes for e in ranking.entries), reverse=True
    )
    validate_message({"embeds": [ranking_overview(ranking, "ja", "status")]})
    for entry in ranking.entries:
        card = paper_card(entry, ranking.month, "ja")
        validate_message({"embeds": [card]})
        assert [f["name"] for f in card["fields"]] == ["目的", "成果", "方法", "固有名", "著者所属"]


async def test_english_has_no_notes_so_summaries_stay_pending(store: Store) -> None:
    ranking = await sample_ranking(store, "en")
    assert ranking.pending == 10


async def test_the_best_sentences_come_in_material_order_with_a_label(store: Store) -> None:
    convmlp = (await sample_ranking(store)).entries[2]
    text = extractive.answer(convmlp, "Does it transfer to detection?", "en")
    assert text.splitlines() == [
        OFFLINE_EN,
        "> The resulting backbone transfers well to detection and segmentation.",
    ]
    japanese = extractive.answer(convmlp, "物体検出への転移は?", "ja")
    lines = japanese.splitlines()
    assert lines[0] == OFFLINE_JA
    assert 2 <= len(lines) - 1 <= extractive.MAX_SENTENCES
    quoted = [line.removeprefix("> ") for line in lines[1:]]
    order = [s.text for s in extractive.sentences(convmlp)]
    assert quoted == sorted(quoted, key=order.index)
    assert any("物体検出" in line for line in quoted)


async def test_a_question_about_a_kind_of_note_gets_that_note(store: Store) -> None:
    convmlp = (await sample_ranking(store)).entries[2]
    who = extractive.pick(convmlp, "誰が書いた論文?")
    assert [s.source for s in who] == ["affiliations"]
    new = extractive.pick(convmlp, "What is new?")
    assert new
    assert {s.source for s in new} <= {"purpose", "method"}


async def test_nothing_related_says_so(store: Store) -> None:
    entry = (await sample_ranking(store)).entries[0]
    text = extractive.answer(entry, "おいしいカレーの作り方", "ja")
    assert text == OFFLINE_JA + "\n" + t("ja", "ask_offline_none")


async def test_without_an_llm_qa_answers_offline_and_caches_nothing(store: Store) -> None:
    entry = (await sample_ranking(store)).entries[0]
    qa = QA(store, None, FullTexts(store, None, None))
    answer = await qa.answer(entry, "How is the memory kept?")
    assert answer.offline
    assert not answer.cached
    assert answer.usage is None
    assert answer.text.startswith(OFFLINE_EN + "\n> ")
    assert "continuous signal" in answer.text
    await qa.remember(answer, 1)
    async with store.reader.execute("SELECT count(*) FROM answers") as cursor:
        assert (await cursor.fetchone())[0] == 0


async def test_without_an_llm_the_full_text_is_quoted_with_its_section(store: Store) -> None:
    fulltexts = FullTexts(store, None, None)
    month = await load_sample(store, fulltexts, "ja", summary_prompt_version())
    ranking = await store.ranking(month, "monthly", "ja", summary_prompt_version())
    convmlp = ranking.entries[2]
    answer = await QA(store, None, fulltexts).answer(convmlp, "What did the ablation show?")
    assert answer.offline
    assert "Removing the convolutional tokenizer costs 1.7 points" in answer.text
    assert "[§3.2](<https://arxiv.org/html/2109.04454v2#S3.SS2>)" in answer.linked_text
