"""The presenter's outline of the pickup paper, in the study group's five-part structure for its
slides: background, overview, how it was validated, the method in detail, experiments and
results; and the figures and tables worth showing.

Written once per paper and language by the LLM (Structured Outputs) from the paper's passages,
each point naming the passage it came from so that it links to that section or PDF page;
stored, and written again only when an organizer asks. Without a full text it is written from
the abstract and the group's notes, and says so.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from bot.llm import prompts
from bot.llm.client import LLM, LLMError
from bot.llm.tokens import estimate_tokens
from bot.models import Paper, RankedPaper
from bot.papers.fulltext.chunks import ABSTRACT_CITE, Chunk, chunk_document
from bot.papers.fulltext.document import Document
from bot.papers.fulltext.library import FullTexts
from bot.store.store import Store, utcnow

PURPOSE = "outline"
SCHEMA_NAME = "pickup_outline"
SYSTEM_PROMPT = "outline.system.md"
USER_PROMPT = "outline.user.md"
PARTS = ("background", "overview", "validation", "method", "experiments")
LANGUAGE_NAMES = {"ja": "Japanese", "en": "English"}
# The paper's passages a prompt may hold, less in a smaller context window.
PASSAGE_TOKENS = 12000
ANSWER_TOKENS = 3072
MAX_POINTS = 5
MAX_FIGURES = 4
PASSAGE_OVERHEAD = 16

_POINT = {
    "type": "object",
    "properties": {"text": {"type": "string"}, "source": {"type": "string"}},
    "required": ["text", "source"],
    "additionalProperties": False,
}
_FIGURE = {
    "type": "object",
    "properties": {"source": {"type": "string"}, "why": {"type": "string"}},
    "required": ["source", "why"],
    "additionalProperties": False,
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **{part: {"type": "array", "items": _POINT} for part in PARTS},
        "figures": {"type": "array", "items": _FIGURE},
    },
    "required": [*PARTS, "figures"],
    "additionalProperties": False,
}


class OutlineUnavailable(Exception):
    """No outline is stored and no LLM is configured to write one."""


@dataclass(frozen=True)
class Point:
    text: str
    source: str  # the citation key of the passage it comes from: "§4.2", "Table 1", "p.3"


@dataclass(frozen=True)
class Highlight:
    """A figure or table worth showing, by its label ("Table 1"), and why."""

    source: str
    why: str


@dataclass(frozen=True)
class Outline:
    parts: tuple[tuple[Point, ...], ...]  # in the order of PARTS
    figures: tuple[Highlight, ...]
    basis: str  # what it was written from: "html", "pdf" or "abstract"

    def part(self, name: str) -> tuple[Point, ...]:
        return self.parts[PARTS.index(name)]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: [{"text": p.text, "source": p.source} for p in points]
            for name, points in zip(PARTS, self.parts, strict=True)
        }
        data["figures"] = [{"source": f.source, "why": f.why} for f in self.figures]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], basis: str) -> Outline:
        parts = tuple(
            tuple(
                Point(p["text"].strip(), p["source"].strip())
                for p in data[name]
                if p["text"].strip()
            )[:MAX_POINTS]
            for name in PARTS
        )
        figures = tuple(Highlight(f["source"].strip(), f["why"].strip()) for f in data["figures"])[
            :MAX_FIGURES
        ]
        return cls(parts, figures, basis)


@dataclass(frozen=True)
class Sources:
    """Where an outline's points link: citation key -> URL; and the captions of the paper's
    figures and tables by label, with their links."""

    links: dict[str, str]
    captions: dict[str, tuple[str, str]]  # label -> (caption text, URL)


def sources_of(paper: Paper, document: Document | None) -> Sources:
    if document is None:
        return Sources({ABSTRACT_CITE: paper.url}, {})
    links = {
        chunk.cite: document.link(chunk.anchor) if chunk.anchor else document.url
        for chunk in chunk_document(document)
    }
    captions = {
        caption.label: (caption.text, document.link(caption.anchor))
        for section in document.sections
        for caption in section.captions
    }
    return Sources(links, captions)


def _passages(document: Document, budget: int) -> list[Chunk]:
    """The body's passages in reading order, within `budget` tokens: all when they fit, else
    the first passage of every section before the rest, so that no part of the paper is
    missing."""
    captions = {c.label for section in document.sections for c in section.captions}
    chunks = [chunk for chunk in chunk_document(document) if chunk.cite not in captions]
    if sum(c.tokens + PASSAGE_OVERHEAD for c in chunks) <= budget:
        return chunks
    firsts = [i for i, c in enumerate(chunks) if i == 0 or c.cite != chunks[i - 1].cite]
    rest = sorted(set(range(len(chunks))) - set(firsts))
    chosen, used = [], 0
    for index in firsts + rest:
        cost = chunks[index].tokens + PASSAGE_OVERHEAD
        if used + cost <= budget:
            chosen.append(index)
            used += cost
    return [chunks[i] for i in sorted(chosen)]


def paper_data(entry: RankedPaper, document: Document | None, budget: int) -> dict[str, Any]:
    paper = entry.paper
    data: dict[str, Any] = {
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "authors": [author.to_dict() for author in paper.authors],
        "abstract": paper.abstract,
        "full_text": document is not None,
    }
    # An outline is stored once for every guild: one guild's corrections must not reach it.
    if entry.summary and entry.edit is None:
        data["notes"] = entry.summary.to_dict()
    if document is None:
        data["passages"] = [
            {"cite": ABSTRACT_CITE, "section": ABSTRACT_CITE, "text": paper.abstract}
        ]
        data["figures"] = []
        return data
    data["passages"] = [
        {"cite": c.cite, "section": c.label, "text": c.body} for c in _passages(document, budget)
    ]
    data["figures"] = [
        {"cite": caption.label, "caption": caption.text}
        for section in document.sections
        for caption in section.captions
    ]
    return data


def outline_messages(
    entry: RankedPaper, language: str, document: Document | None, budget: int = PASSAGE_TOKENS
) -> list[dict[str, str]]:
    names = {"language": language, "language_name": LANGUAGE_NAMES[language]}
    system = prompts.render(SYSTEM_PROMPT, **names)
    user = prompts.render(
        USER_PROMPT, paper=prompts.data_block(paper_data(entry, document, budget)), **names
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


class Outlines:
    def __init__(self, store: Store, llm: LLM | None, fulltexts: FullTexts) -> None:
        self.store = store
        self.llm = llm
        self.fulltexts = fulltexts
        self._locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    async def stored(self, arxiv_id: str, language: str) -> Outline | None:
        async with self.store.reader.execute(
            "SELECT body, basis FROM outlines WHERE arxiv_id = ? AND language = ?",
            (arxiv_id, language),
        ) as cursor:
            row = await cursor.fetchone()
        return Outline.from_dict(json.loads(row["body"]), row["basis"]) if row else None

    async def sources(self, paper: Paper) -> Sources:
        return sources_of(paper, await self.fulltexts.document(paper))

    async def ensure(
        self, entry: RankedPaper, language: str, guild_id: int | None, *, regenerate: bool = False
    ) -> Outline:
        """The stored outline, or a new one (also when `regenerate`); OutlineUnavailable
        without an LLM, LLMError when the LLM gives nothing usable."""
        arxiv_id = entry.paper.arxiv_id
        async with self._locks[(arxiv_id, language)]:
            stored = await self.stored(arxiv_id, language)
            if stored is not None and not regenerate:
                return stored
            if self.llm is None:
                raise OutlineUnavailable(arxiv_id)
            document = await self.fulltexts.document(entry.paper)
            data, usage = await self.llm.complete_json(
                purpose=PURPOSE,
                messages=outline_messages(entry, language, document, self._budget()),
                schema_name=SCHEMA_NAME,
                schema=SCHEMA,
                max_tokens=ANSWER_TOKENS,
            )
            await self.store.record_usage(usage, guild_id)
            outline = Outline.from_dict(data, document.source if document else "abstract")
            if not any(outline.parts):
                raise LLMError(f"{PURPOSE} of {arxiv_id}: every part is empty")
            await self._save(arxiv_id, language, outline, usage.model)
            return outline

    def _budget(self) -> int:
        window = self.llm.context_tokens if self.llm else None
        if window is None:
            return PASSAGE_TOKENS
        fixed = estimate_tokens(prompts.load(SYSTEM_PROMPT) + prompts.load(USER_PROMPT))
        return max(0, min(PASSAGE_TOKENS, window - fixed - ANSWER_TOKENS - 1500))

    async def _save(self, arxiv_id: str, language: str, outline: Outline, model: str) -> None:
        body = json.dumps(outline.to_dict(), ensure_ascii=False)
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO outlines (arxiv_id, language, basis, body, model,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (arxiv_id, language, outline.basis, body, model, utcnow()),
            )
