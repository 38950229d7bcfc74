"""yomikai's bundled sample month: ten papers, their ranking and Japanese notes, no network.

The playground stores it in a fresh database so that every command works without Hugging Face,
arXiv or an LLM. Titles, arXiv ids and ranks are facts; the abstracts and authors are the ones
yomikai's tests use, and the Japanese notes were written for this sample by the yomikai team.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from bot.models import Author, Paper, Summary
from bot.papers.fulltext.document import Document
from bot.papers.fulltext.library import FullTexts
from bot.store.store import Store

SAMPLE_MONTH = "2021-09"
SOURCE = "sample"
MODEL = "sample (written by the yomikai team)"


def sample_data(month: str = SAMPLE_MONTH) -> dict[str, Any]:
    text = resources.files("bot.papers").joinpath("samples", f"{month}.json").read_text("utf-8")
    return json.loads(text)


def _paper(item: dict[str, Any]) -> Paper:
    return Paper(
        arxiv_id=item["arxiv_id"],
        version=item.get("version"),
        title=item["title"],
        abstract=item["abstract"],
        authors=tuple(Author.from_dict(author) for author in item.get("authors", ())),
        categories=tuple(item.get("categories", ())),
        published=item.get("published"),
        updated=item.get("updated"),
    )


async def load_sample(
    store: Store, fulltexts: FullTexts, language: str, prompt_version: str
) -> str:
    """Store the sample's papers, their full texts, its monthly ranking and its notes in
    `language`; the month.

    The notes are stored under `prompt_version` (bot.papers.summaries.summary_prompt_version()), so
    cards show them as the current summaries. Without notes in `language` the papers are
    stored with their abstracts and their summaries stay pending, as after a keyless fetch.
    """
    data = sample_data()
    items = sorted(data["papers"], key=lambda item: item["rank"])
    # Not authoritative: a real arXiv record already stored for these ids is kept.
    await store.save_papers([_paper(item) for item in items], authoritative=False)
    entries = [(item["arxiv_id"], item.get("upvotes")) for item in items]
    await store.save_ranking(data["month"], data.get("kind", "monthly"), SOURCE, entries)
    for item in items:
        document = Document.from_dict(item["fulltext"]) if item.get("fulltext") else None
        if document is not None:
            await fulltexts.keep(_paper(item), document)
        notes = item.get("summaries", {}).get(language)
        if notes:
            summary = Summary.from_dict(notes)
            basis = document.source if document else "abstract"
            await store.save_summary(
                item["arxiv_id"], language, prompt_version, summary, MODEL, basis
            )
    return data["month"]
