"""The weekly digest as the CLI prints it and the bot posts it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.digest.writer import HIGHLIGHTS, Highlight, Written
from bot.models import FullTextInfo, Paper, RankedPaper, Ranking, Summary

KIND = "weekly"
SOURCE = "huggingface"


@dataclass(frozen=True)
class DigestEntry:
    """One paper of the week; `written` is None while its item is pending, `summary` is the
    paper's monthly summary when one is stored in the digest's language."""

    rank: int
    paper: Paper
    upvotes: int | None
    written: Written | None
    basis: str | None = None
    summary: Summary | None = None
    fulltext: FullTextInfo | None = None

    @property
    def pending(self) -> bool:
        return self.written is None

    @property
    def headline(self) -> str:
        """The item's headline; while it is pending, the translated title of the paper's
        monthly summary, or else its original title."""
        if self.written is not None:
            return self.written.headline
        return self.summary.title if self.summary else self.paper.title

    def ranked(self) -> RankedPaper:
        """The paper as /ask and paper references take it."""
        return RankedPaper(self.rank, self.paper, self.upvotes, self.summary, self.fulltext)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "arxiv_id": self.paper.arxiv_id,
            "headline": self.headline,
            "title": self.paper.title,
            "url": self.paper.url,
            "upvotes": self.upvotes,
            "paragraph": self.written.paragraph if self.written else None,
            "basis": self.basis,
            "pending": self.pending,
        }


@dataclass(frozen=True)
class Digest:
    """A week's papers in rank order (most upvoted first) and its highlights, in one language.
    `chosen` holds the highlights the LLM chose; empty until every item is written."""

    week: str
    language: str
    fetched_at: str
    entries: tuple[DigestEntry, ...]
    chosen: tuple[Highlight, ...] = ()

    @property
    def pending(self) -> int:
        """Items not written yet."""
        return sum(1 for entry in self.entries if entry.pending)

    @property
    def missing(self) -> int:
        """What a later run may still add: the pending items, and the highlights until chosen."""
        return self.pending + (0 if self.chosen else 1)

    @property
    def highlights(self) -> tuple[Highlight, ...]:
        """The chosen highlights, or until they are chosen the most upvoted papers' headlines."""
        if self.chosen:
            return self.chosen
        return tuple(Highlight(e.paper.arxiv_id, e.headline) for e in self.entries[:HIGHLIGHTS])

    def entry(self, arxiv_id: str) -> DigestEntry:
        return next(e for e in self.entries if e.paper.arxiv_id == arxiv_id)

    def ranking(self) -> Ranking:
        """The week as a ranking, for /ask and paper references (`month` holds the week)."""
        entries = tuple(entry.ranked() for entry in self.entries)
        return Ranking(self.week, KIND, SOURCE, self.fetched_at, entries)

    def to_dict(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "language": self.language,
            "fetched_at": self.fetched_at,
            "highlights": [
                {"rank": self.entry(h.arxiv_id).rank, "arxiv_id": h.arxiv_id, "line": h.line}
                for h in self.highlights
            ],
            "highlights_pending": not self.chosen,
            "papers": [entry.to_dict() for entry in self.entries],
            "pending": self.pending,
        }
