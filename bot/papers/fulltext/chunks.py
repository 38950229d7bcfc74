"""A document cut into passages for retrieval: a few paragraphs of one section, or one caption.

Each passage keeps where it came from: `anchor` links to it, `cite` is the short key an answer
cites it by ("§4.2", "Table 1", "p.3"), `label` names it in the prompt ("§4.2 Ablations").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.llm.tokens import estimate_tokens
from bot.papers.fulltext.document import Document, Section

CHUNK_TOKENS = 320
ABSTRACT_CITE = "Abstract"
_SENTENCE_END = re.compile(r"(?<=[.!?。．！？])\s+")


@dataclass(frozen=True)
class Chunk:
    ord: int
    anchor: str
    cite: str
    label: str
    body: str
    tokens: int


def section_cite(section: Section) -> str:
    if section.anchor.startswith("page="):
        return f"p.{section.anchor.removeprefix('page=')}"
    return f"§{section.number}" if section.number else f"§{section.title}"


def chunk_document(document: Document) -> list[Chunk]:
    """The document's passages in reading order: the abstract, then each section's text and
    its captions."""
    pieces: list[tuple[str, str, str, str]] = []
    if document.abstract:
        pieces.append(("", ABSTRACT_CITE, ABSTRACT_CITE, document.abstract))
    for section in document.sections:
        cite = section_cite(section)
        pieces += [(section.anchor, cite, section.label, text) for text in _groups(section)]
        pieces += [
            (caption.anchor, caption.label, caption.label, caption.text)
            for caption in section.captions
        ]
    return [
        Chunk(ord, anchor, cite, label, body, estimate_tokens(body))
        for ord, (anchor, cite, label, body) in enumerate(pieces)
    ]


def _groups(section: Section) -> Iterator[str]:
    """Consecutive paragraphs joined up to CHUNK_TOKENS; an overlong paragraph is cut at
    sentence ends."""
    group: list[str] = []
    size = 0
    for paragraph in section.paragraphs:
        for piece in _pieces(paragraph):
            cost = estimate_tokens(piece)
            if group and size + cost > CHUNK_TOKENS:
                yield "\n".join(group)
                group, size = [], 0
            group.append(piece)
            size += cost
    if group:
        yield "\n".join(group)


def _pieces(paragraph: str) -> Iterator[str]:
    if estimate_tokens(paragraph) <= CHUNK_TOKENS:
        yield paragraph
        return
    piece = ""
    for sentence in _sentences(paragraph):
        if piece and estimate_tokens(piece) + estimate_tokens(sentence) > CHUNK_TOKENS:
            yield piece
            piece = ""
        piece = f"{piece} {sentence}".strip()
    if piece:
        yield piece


def _sentences(paragraph: str) -> Iterator[str]:
    """Sentences, with any that alone exceed a chunk (a PDF line without stops) cut in windows."""
    window = CHUNK_TOKENS * 3
    for sentence in _SENTENCE_END.split(paragraph):
        if estimate_tokens(sentence) <= CHUNK_TOKENS:
            yield sentence
            continue
        yield from (sentence[i : i + window] for i in range(0, len(sentence), window))
