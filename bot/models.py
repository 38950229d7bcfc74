"""Domain records shared by the core, the CLI and the cogs."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

RANKING_KINDS: tuple[str, ...] = ("monthly", "trending", "manual")
# The study group's five notes on a paper, in card order; organizers may correct these.
NOTE_FIELDS: tuple[str, ...] = ("purpose", "results", "method", "names", "affiliations")


@dataclass(frozen=True)
class Author:
    name: str
    affiliations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "affiliations": list(self.affiliations)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Author:
        return cls(name=data["name"], affiliations=tuple(data.get("affiliations", ())))


def _folded(name: str) -> str:
    return " ".join(name.casefold().replace(".", " ").split())


def merge_authors(listed: tuple[Author, ...], read: tuple[Author, ...]) -> tuple[Author, ...]:
    """arXiv's author list with the affiliations read from the paper itself.

    Matched by name; when the paper spells every name differently, the paper's list wins, since
    it is the one that carries affiliations."""
    if not any(author.affiliations for author in read):
        return listed
    found = {_folded(author.name): author.affiliations for author in read}
    if not any(_folded(author.name) in found for author in listed):
        return read
    return tuple(
        Author(author.name, found.get(_folded(author.name)) or author.affiliations)
        for author in listed
    )


@dataclass(frozen=True)
class Paper:
    """One arXiv paper, identified by its id without version."""

    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[Author, ...] = ()
    categories: tuple[str, ...] = ()
    published: str | None = None
    updated: str | None = None
    version: str | None = None

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"


@dataclass(frozen=True)
class Candidate:
    """A paper as a ranking source names it, before storage."""

    paper: Paper
    upvotes: int | None = None


@dataclass(frozen=True)
class Summary:
    """The study group's five-part summary of one paper, in one language."""

    title: str
    abstract: str
    purpose: str
    results: str
    method: str
    names: str
    affiliations: str
    hook: str

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def to_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.field_names()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        missing = [name for name in cls.field_names() if not isinstance(data.get(name), str)]
        if missing:
            raise ValueError(f"summary lacks text for: {', '.join(missing)}")
        return cls(**{name: data[name].strip() for name in cls.field_names()})


@dataclass(frozen=True)
class SummaryEdit:
    """An organizer's correction of a paper's five notes in one guild."""

    notes: dict[str, str]
    editor_name: str
    edited_at: str

    def applied_to(self, summary: Summary | None, paper: Paper) -> Summary:
        """The summary with the corrected notes; before any summary exists, the paper's own
        title and abstract stand in for the translated ones."""
        base = summary or Summary(paper.title, paper.abstract, "", "", "", "", "", "")
        return replace(base, **{name: self.notes.get(name, "") for name in NOTE_FIELDS})


@dataclass(frozen=True)
class FullTextInfo:
    """Where a paper's text came from: "html", "pdf", or "abstract" when neither could be read
    (`detail` says why); `url` the page or PDF, `sections` the section labels."""

    source: str
    url: str | None = None
    detail: str = ""
    sections: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        return self.source != "abstract"

    def to_dict(self) -> dict[str, Any] | None:
        if not self.available:
            return None
        return {"source": self.source, "url": self.url, "sections": list(self.sections)}


@dataclass(frozen=True)
class RankedPaper:
    rank: int
    paper: Paper
    upvotes: int | None
    summary: Summary | None
    fulltext: FullTextInfo | None = None  # None until the paper's text has been looked for
    edit: SummaryEdit | None = None  # the guild's correction, already applied to `summary`

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "arxiv_id": self.paper.arxiv_id,
            "title": self.paper.title,
            "upvotes": self.upvotes,
            "url": self.paper.url,
            "authors": [author.to_dict() for author in self.paper.authors],
            "fulltext": self.fulltext.to_dict() if self.fulltext else None,
            "summary": self.summary.to_dict() if self.summary else None,
        }


@dataclass(frozen=True)
class Ranking:
    month: str
    kind: str
    source: str
    fetched_at: str
    entries: tuple[RankedPaper, ...]
    guild_id: int = 0  # 0: shared by every guild; else the guild whose own list this is

    @property
    def pending(self) -> int:
        return sum(1 for entry in self.entries if entry.summary is None)
