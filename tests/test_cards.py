"""Cards and the ranking overview stay inside Discord's limits, whatever the LLM wrote."""

from __future__ import annotations

from bot.discord.cards import paper_card, ranking_overview
from bot.discord.limits import ELLIPSIS
from bot.loopback.limits import validate_message
from bot.models import Author, Paper, RankedPaper, Ranking, Summary

LONG_JA = "本研究では医療画像の診断精度を大きく改善する新しい手法を提案する。" * 200


def entry(rank: int, *, summary: bool = True, long: bool = False) -> RankedPaper:
    title = "ConvMLP: Hierarchical [Convolutional] MLPs for Vision" * (8 if long else 1)
    paper = Paper(
        arxiv_id=f"2109.{4454 + rank:05d}",
        title=title,
        abstract=LONG_JA if long else "A small abstract.",
        authors=(Author("A. Author", ("University of Oregon",)),),
    )
    text = LONG_JA if long else "短い要約。"
    notes = Summary(
        title=("階層型畳み込みMLP" * (40 if long else 1)),
        abstract=text,
        purpose=text,
        results=text,
        method=text,
        names=text,
        affiliations=text,
        hook=("読む価値あり" * (30 if long else 1)),
    )
    return RankedPaper(rank, paper, 120 - rank, notes if summary else None)


def ranking(entries: list[RankedPaper]) -> Ranking:
    return Ranking("2021-09", "monthly", "huggingface", "2021-10-01T00:00:00+00:00", tuple(entries))


def test_a_card_with_huge_japanese_text_is_accepted_by_discord() -> None:
    card = paper_card(entry(3, long=True), "2021-09", "ja")
    validate_message({"embeds": [card]})
    assert [field["name"] for field in card["fields"]] == [
        "目的",
        "成果",
        "方法",
        "固有名",
        "著者所属",
    ]
    assert card["fields"][0]["value"].endswith(
        f"{ELLIPSIS} [続きは arXiv で](https://arxiv.org/abs/2109.04457)"
    )
    assert "。" + ELLIPSIS in card["description"]  # cut at a sentence end


def test_a_pending_card_shows_the_original_abstract_and_says_so() -> None:
    card = paper_card(entry(1, summary=False), "2021-09", "en")
    validate_message({"embeds": [card]})
    assert "Summary pending" in card["description"]
    assert "A small abstract." in card["description"]
    assert card["title"].startswith("ConvMLP")
    assert "fields" not in card or card["fields"] == []


def test_the_overview_of_25_long_papers_fits_one_embed() -> None:
    overview = ranking_overview(ranking([entry(r, long=True) for r in range(1, 26)]), "ja")
    validate_message({"embeds": [overview]})
    lines = overview["description"].splitlines()
    assert lines[0].startswith("**1.** [")


def test_the_overview_lists_rank_title_link_and_hook() -> None:
    overview = ranking_overview(ranking([entry(1), entry(2, summary=False)]), "en")
    assert overview["description"] == (
        "**1.** [階層型畳み込みMLP](https://arxiv.org/abs/2109.04455)\n読む価値あり\n"
        "**2.** [ConvMLP: Hierarchical \\[Convolutional\\] MLPs for Vision]"
        "(https://arxiv.org/abs/2109.04456)\nsummary pending"
    )
