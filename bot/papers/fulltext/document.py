"""A paper's full text as yomikai reads it: sections with anchors, paragraphs, captions.

Parsed from arXiv's LaTeXML HTML (sections carry their HTML anchors, such as "S4.SS2") or from
the PDF (each page stands in for a section, anchored "page=3"). Stored as JSON in SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.models import Author

SOURCES: tuple[str, ...] = ("html", "pdf")


@dataclass(frozen=True)
class Caption:
    """A figure's or table's caption: anchor "S4.F3" or "S4.T1", label "Figure 3" or "Table 1"."""

    anchor: str
    label: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"anchor": self.anchor, "label": self.label, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Caption:
        return cls(data["anchor"], data["label"], data["text"])


@dataclass(frozen=True)
class Section:
    """One section, subsection or PDF page; a section's paragraphs stop at its first subsection.

    `anchor` is the fragment that links to it ("S4.SS2", "A1", or "page=3" for a PDF page),
    `number` the printed number ("4.2", "A", "" when unnumbered), `level` 1 for a section,
    2 for a subsection, 3 below that (PDF pages are 1).
    """

    anchor: str
    number: str
    title: str
    level: int
    paragraphs: tuple[str, ...] = ()
    captions: tuple[Caption, ...] = ()
    appendix: bool = False

    @property
    def label(self) -> str:
        """How a member reads the section's name: "§4.2 Ablations", "Page 3"."""
        if self.anchor.startswith("page="):
            return self.title
        return f"§{self.number} {self.title}".strip() if self.number else self.title

    def to_dict(self) -> dict[str, Any]:
        return {
            "anchor": self.anchor,
            "number": self.number,
            "title": self.title,
            "level": self.level,
            "paragraphs": list(self.paragraphs),
            "captions": [caption.to_dict() for caption in self.captions],
            "appendix": self.appendix,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        return cls(
            anchor=data["anchor"],
            number=data["number"],
            title=data["title"],
            level=data["level"],
            paragraphs=tuple(data["paragraphs"]),
            captions=tuple(Caption.from_dict(c) for c in data["captions"]),
            appendix=data["appendix"],
        )


@dataclass(frozen=True)
class Document:
    """A parsed paper. `source` is "html" or "pdf"; `url` the version-pinned page it came from."""

    source: str
    url: str
    title: str
    authors: tuple[Author, ...]
    abstract: str
    sections: tuple[Section, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "url": self.url,
            "title": self.title,
            "authors": [author.to_dict() for author in self.authors],
            "abstract": self.abstract,
            "sections": [section.to_dict() for section in self.sections],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(
            source=data["source"],
            url=data["url"],
            title=data["title"],
            authors=tuple(Author.from_dict(a) for a in data["authors"]),
            abstract=data["abstract"],
            sections=tuple(Section.from_dict(s) for s in data["sections"]),
        )

    def link(self, anchor: str) -> str:
        """The URL that opens this document at `anchor` (a section, caption or PDF page)."""
        return f"{self.url}#{anchor}"


class UnusableDocument(ValueError):
    """The HTML is not a LaTeXML paper, or the PDF gives no text; the message names the cause."""
