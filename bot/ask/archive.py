"""Search every month a guild can see for the papers a query is about.

The same retrieval as /ask's routing: BM25 over the papers' titles, abstracts and notes and over
their full texts, fused with embedding similarity when the server has embeddings (so a Japanese
query finds an English paper). Each hit shows the passage that matched: the best passage of its
full text, or, when no passage matches, the note that shares most words with the query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.ask.retrieval import Retriever
from bot.i18n import Refusal
from bot.models import NOTE_FIELDS, RankedPaper
from bot.papers.rankings import Rankings
from bot.store.search_text import tokens
from bot.store.store import Store

MIN_QUERY = 2
MAX_QUERY = 200
MAX_HITS = 10
EXCERPT_CHARS = 220
# Context kept before the first matching word, so an excerpt does not start mid-thought.
EXCERPT_LEAD = 60
_SPACE = re.compile(r"\s")


class SearchError(Refusal):
    """A query too short or too long to search for."""


@dataclass(frozen=True)
class Hit:
    """A paper found, in the newest month that listed it, and the passage that matched."""

    month: str
    entry: RankedPaper
    excerpt: str
    source: str  # a full-text passage's label (§3.1 Method), or a note's field name
    link: str
    from_fulltext: bool


@dataclass(frozen=True)
class Found:
    hits: tuple[Hit, ...]
    months: int  # months searched
    papers: int  # distinct papers searched


def checked_query(query: str) -> str:
    text = " ".join(query.split())
    if not MIN_QUERY <= len(text) <= MAX_QUERY:
        raise SearchError("search_length", low=MIN_QUERY, high=MAX_QUERY)
    return text


class Archive:
    def __init__(self, store: Store, rankings: Rankings, retriever: Retriever) -> None:
        self.store = store
        self.rankings = rankings
        self.retriever = retriever

    async def search(self, guild_id: int, language: str, query: str, count: int = 5) -> Found:
        """The papers of every month the guild sees that relate to the query, best first.
        SearchError when the query is too short or too long."""
        text = checked_query(query)
        wanted = set(tokens(text))
        months = await self.store.months_seen(guild_id)
        seen = await self._papers(months, guild_id, language)
        if not seen:
            return Found((), len(months), 0)
        by_id = {entry.paper.arxiv_id: entry for _, entry in seen.values()}
        # The guild's corrections are not in the shared index: their words count first.
        corrected = _corrected_matches(by_id.values(), wanted)
        notes = list(dict.fromkeys(corrected + await self.store.search(list(by_id), text)))
        papers = [entry.paper for entry in by_id.values()]
        fused = await self.retriever.route(papers, text, notes, guild_id=guild_id)
        # A query that a title contains whole names that paper: it comes first.
        titled = [aid for aid in fused if _in_title(by_id[aid], wanted)]
        order = titled + [aid for aid in fused if aid not in titled]
        hits = []
        for arxiv_id in order[: max(1, min(count, MAX_HITS))]:
            month, entry = seen[arxiv_id]
            hits.append(await self._hit(month, entry, text, wanted, guild_id))
        return Found(tuple(hits), len(months), len(by_id))

    async def _papers(
        self, months: list[str], guild_id: int, language: str
    ) -> dict[str, tuple[str, RankedPaper]]:
        """Every paper these months list, with the newest month that listed it."""
        seen: dict[str, tuple[str, RankedPaper]] = {}
        for month in months:
            ranking = await self.rankings.stored(month, language, guild_id)
            for entry in ranking.entries if ranking else ():
                seen.setdefault(entry.paper.arxiv_id, (month, entry))
        return seen

    async def _hit(
        self, month: str, entry: RankedPaper, query: str, wanted: set[str], guild_id: int
    ) -> Hit:
        found = await self.retriever.best_passage(entry.paper, entry.fulltext, query, guild_id)
        if found is not None:
            chunk, link = found
            return Hit(month, entry, excerpt(chunk.body, wanted), chunk.label, link, True)
        note = _best_note(entry, wanted)
        if note is None:
            body = entry.summary.abstract if entry.summary else entry.paper.abstract
            return Hit(month, entry, excerpt(body, wanted), "abstract", entry.paper.url, False)
        field, body, _ = note
        return Hit(month, entry, excerpt(body, wanted), field, entry.paper.url, False)


def _corrected_matches(entries: Iterable[RankedPaper], wanted: set[str]) -> list[str]:
    """Papers whose corrected notes share words with the query, most shared first."""
    scored = [
        (_shared(" ".join(entry.edit.notes.values()), wanted), entry.paper.arxiv_id)
        for entry in entries
        if entry.edit is not None
    ]
    return [arxiv_id for shared, arxiv_id in sorted(scored, reverse=True) if shared]


def _in_title(entry: RankedPaper, wanted: set[str]) -> bool:
    translated = entry.summary.title if entry.summary else ""
    return bool(wanted) and wanted <= set(tokens(f"{entry.paper.title} {translated}"))


def _shared(text: str, wanted: set[str]) -> int:
    return len(wanted & set(tokens(text)))


def _best_note(entry: RankedPaper, wanted: set[str]) -> tuple[str, str, int] | None:
    """The summary field (or the abstract) sharing most words with the query, if any does."""
    summary = entry.summary
    fields = {"abstract": entry.paper.abstract}
    if summary is not None:
        fields |= {"abstract": summary.abstract} | {n: getattr(summary, n) for n in NOTE_FIELDS}
    scored = [(name, body, _shared(body, wanted)) for name, body in fields.items() if body]
    best = max(scored, key=lambda item: item[2], default=None)
    return best if best is not None and best[2] > 0 else None


def excerpt(text: str, wanted: set[str], size: int = EXCERPT_CHARS) -> str:
    """About `size` characters of the text around the first word of the query in it."""
    flat = " ".join(text.split())
    folded = flat.casefold()
    first = min((at for at in map(folded.find, wanted) if at >= 0), default=0)
    start = 0 if first < EXCERPT_LEAD else _word_start(flat, first - EXCERPT_LEAD)
    piece = flat[start : start + size]
    prefix = "…" if start else ""
    suffix = "…" if start + size < len(flat) else ""
    return prefix + piece.strip() + suffix


def _word_start(text: str, at: int) -> int:
    space = _SPACE.search(text, at)
    return space.end() if space and space.end() - at < 20 else at
