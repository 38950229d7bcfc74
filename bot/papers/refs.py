"""Find the paper a member means: a rank, an arXiv id or URL, or part of a title."""

from __future__ import annotations

import unicodedata

from bot.discord import limits
from bot.i18n import Refusal
from bot.models import RankedPaper, Ranking
from bot.papers.sources.arxiv_ids import parse_arxiv_ref


class RefError(Refusal):
    """The reference names no paper, or several."""


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _titles(entry: RankedPaper) -> str:
    translated = entry.summary.title if entry.summary else ""
    return _fold(f"{entry.paper.title}\n{translated}")


def resolve_ref(ranking: Ranking, ref: str) -> RankedPaper:
    text = ref.strip().lstrip("#")
    if not text:
        raise RefError("ref_empty")
    if text.isdigit() and len(text) <= 3:
        for entry in ranking.entries:
            if entry.rank == int(text):
                return entry
        raise RefError("ref_no_rank", rank=text, count=len(ranking.entries))
    try:
        arxiv_id = parse_arxiv_ref(text)
    except ValueError:
        matches = [entry for entry in ranking.entries if _fold(text) in _titles(entry)]
    else:
        matches = [entry for entry in ranking.entries if entry.paper.arxiv_id == arxiv_id]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RefError("ref_unknown", ref=ref.strip()[:100], month=ranking.month)
    raise RefError("ref_ambiguous", ranks=", ".join(f"#{e.rank}" for e in matches))


def choices(ranking: Ranking, current: str) -> list[tuple[str, str]]:
    """Autocomplete choices (name, value) for the papers whose rank, id or title match."""
    folded = _fold(current.strip().lstrip("#"))
    found = []
    for entry in ranking.entries:
        haystack = f"{entry.rank} {entry.paper.arxiv_id} {_titles(entry)}"
        if folded in _fold(haystack):
            title = entry.summary.title if entry.summary else entry.paper.title
            name = limits.shorten(f"#{entry.rank} {title}", limits.CHOICE_NAME)
            found.append((name, str(entry.rank)))
    return found[: limits.CHOICES]
