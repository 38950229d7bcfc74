"""What the LLM writes for the weekly digest: each paper's headline and paragraph, and the three
highlights of the week chosen among them. Prompts in prompts/digest.*.md, strict JSON schemas,
answers checked here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.discord.limits import shorten
from bot.llm import prompts
from bot.llm.client import LLM, LLMError, Usage
from bot.models import Paper
from bot.papers.fulltext.document import Document
from bot.papers.summaries import LANGUAGE_NAMES, paper_block

PURPOSE = "digest"
ENTRY_SCHEMA_NAME = "digest_entry"
HIGHLIGHTS_SCHEMA_NAME = "digest_highlights"
ENTRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"headline": {"type": "string"}, "paragraph": {"type": "string"}},
    "required": ["headline", "paragraph"],
    "additionalProperties": False,
}
ENTRY_PROMPTS = ("digest.system.md", "digest.user.md")
STYLE_PROMPTS = {"ja": "digest.style.ja.md", "en": "digest.style.en.md"}
HIGHLIGHT_PROMPTS = ("digest.highlights.system.md", "digest.highlights.user.md")
HIGHLIGHTS = 3
# Past these, a model that ignored the style is cut at a sentence end rather than refused.
HEADLINE_CHARS = 120
PARAGRAPH_CHARS = 450
LINE_CHARS = 80


@dataclass(frozen=True)
class Written:
    """One paper's item: the headline and the paragraph."""

    headline: str
    paragraph: str


@dataclass(frozen=True)
class Highlight:
    """One line of the week's highlights, about one of its papers."""

    arxiv_id: str
    line: str


@dataclass(frozen=True)
class Item:
    """A written item as the highlights prompt shows it."""

    arxiv_id: str
    upvotes: int | None
    title: str
    written: Written


def highlights_schema(arxiv_ids: Sequence[str]) -> dict[str, Any]:
    """The highlights' schema; the enum keeps the choice among the week's papers."""
    item = {
        "type": "object",
        "properties": {
            "arxiv_id": {"type": "string", "enum": list(arxiv_ids)},
            "line": {"type": "string"},
        },
        "required": ["arxiv_id", "line"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"highlights": {"type": "array", "items": item}},
        "required": ["highlights"],
        "additionalProperties": False,
    }


def entry_prompt_version() -> str:
    """Changes with the item prompts or schema; stored items key on it."""
    return prompts.prompt_version(
        *ENTRY_PROMPTS, *STYLE_PROMPTS.values(), extra=(json.dumps(ENTRY_SCHEMA, sort_keys=True),)
    )


def highlights_prompt_version() -> str:
    """Changes with the highlights prompts or schema; stored highlights key on it."""
    shape = json.dumps(highlights_schema(["<arxiv id>"]), sort_keys=True)
    return prompts.prompt_version(*HIGHLIGHT_PROMPTS, extra=(shape, str(HIGHLIGHTS)))


def _names(language: str) -> dict[str, str]:
    if language not in LANGUAGE_NAMES:
        raise ValueError(f"unsupported digest language: {language}")
    return {"language": language, "language_name": LANGUAGE_NAMES[language]}


def entry_messages(
    paper: Paper, language: str, document: Document | None = None
) -> list[dict[str, str]]:
    names = _names(language)
    style = prompts.load(STYLE_PROMPTS[language]).strip()
    system = prompts.render(ENTRY_PROMPTS[0], style=style, **names)
    user = prompts.render(ENTRY_PROMPTS[1], paper=paper_block(paper, document), **names)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def highlights_messages(items: Sequence[Item], language: str) -> list[dict[str, str]]:
    names = _names(language)
    count = str(min(HIGHLIGHTS, len(items)))
    system = prompts.render(HIGHLIGHT_PROMPTS[0], count=count, line_chars=str(LINE_CHARS), **names)
    papers = prompts.data_block(
        [
            {
                "arxiv_id": item.arxiv_id,
                "upvotes": item.upvotes,
                "title": item.title,
                "headline": item.written.headline,
                "paragraph": item.written.paragraph,
            }
            for item in items
        ]
    )
    user = prompts.render(HIGHLIGHT_PROMPTS[1], papers=papers, **names)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _one_line(text: str, limit: int) -> str:
    return shorten(" ".join(text.split()), limit)


def read_written(data: dict[str, Any]) -> Written:
    """The item from a schema-valid answer; LLMError when a field is empty."""
    written = Written(
        _one_line(data["headline"], HEADLINE_CHARS), _one_line(data["paragraph"], PARAGRAPH_CHARS)
    )
    if not written.headline or not written.paragraph:
        raise LLMError(f"{PURPOSE}: the LLM left the headline or the paragraph empty")
    return written


def read_highlights(data: dict[str, Any], arxiv_ids: Sequence[str]) -> list[Highlight]:
    """The first HIGHLIGHTS distinct papers with a line; LLMError when fewer than the week
    allows are usable."""
    chosen: dict[str, Highlight] = {}
    for item in data["highlights"]:
        line = _one_line(item["line"], LINE_CHARS)
        if line and item["arxiv_id"] in arxiv_ids:
            chosen.setdefault(item["arxiv_id"], Highlight(item["arxiv_id"], line))
    wanted = min(HIGHLIGHTS, len(arxiv_ids))
    if len(chosen) < wanted:
        raise LLMError(f"{PURPOSE}: the LLM chose {len(chosen)} usable highlights, not {wanted}")
    return list(chosen.values())[:wanted]


class DigestWriter:
    def __init__(self, llm: LLM) -> None:
        self._llm = llm

    async def write(
        self, paper: Paper, language: str, document: Document | None = None
    ) -> tuple[Written, Usage]:
        """The paper's headline and paragraph in `language`, from its full text when given."""
        data, usage = await self._llm.complete_json(
            purpose=PURPOSE,
            messages=entry_messages(paper, language, document),
            schema_name=ENTRY_SCHEMA_NAME,
            schema=ENTRY_SCHEMA,
        )
        return read_written(data), usage

    async def choose(self, items: Sequence[Item], language: str) -> tuple[list[Highlight], Usage]:
        """The week's highlights among the written items, most important first."""
        ids = [item.arxiv_id for item in items]
        data, usage = await self._llm.complete_json(
            purpose=PURPOSE,
            messages=highlights_messages(items, language),
            schema_name=HIGHLIGHTS_SCHEMA_NAME,
            schema=highlights_schema(ids),
        )
        return read_highlights(data, ids), usage
