"""The study group's summary of a paper: prompts, strict JSON schema, validation."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from bot.llm import prompts
from bot.llm.client import LLM, LLMError, Usage
from bot.models import Paper, Summary
from bot.papers.fulltext.document import Document
from bot.papers.fulltext.excerpt import excerpt

PURPOSE = "summary"
SCHEMA_NAME = "paper_summary"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {name: {"type": "string"} for name in Summary.field_names()},
    "required": list(Summary.field_names()),
    "additionalProperties": False,
}
SYSTEM_PROMPT = "summary.system.md"
USER_PROMPT = "summary.user.md"
STYLE_PROMPTS = {"ja": "summary.style.ja.md", "en": "summary.style.en.md"}
LANGUAGE_NAMES = {"ja": "Japanese", "en": "English"}
PAPER_OPEN, PAPER_CLOSE = "<paper>", "</paper>"
HOOK_CHARS = 80


def paper_block(paper: Paper, document: Document | None = None) -> str:
    """The paper as JSON that cannot contain the `<paper>` delimiters, however hostile; with
    its full text, a bounded excerpt of the body (bot.papers.fulltext.excerpt)."""
    data: dict[str, Any] = {
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "authors": [author.to_dict() for author in paper.authors],
        "categories": list(paper.categories),
        "abstract": paper.abstract,
    }
    if document is not None:
        data["body"] = excerpt(document)
    return prompts.data_block(data)


def summary_messages(
    paper: Paper, language: str, document: Document | None = None
) -> list[dict[str, str]]:
    if language not in LANGUAGE_NAMES:
        raise ValueError(f"unsupported summary language: {language}")
    names = {"language": language, "language_name": LANGUAGE_NAMES[language]}
    system = prompts.render(
        SYSTEM_PROMPT, style=prompts.load(STYLE_PROMPTS[language]).strip(), **names
    )
    user = prompts.render(USER_PROMPT, paper=paper_block(paper, document), **names)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def summary_prompt_version() -> str:
    """Changes whenever a summary prompt file or the schema changes; stored summaries key on it."""
    return prompts.prompt_version(
        SYSTEM_PROMPT,
        USER_PROMPT,
        *STYLE_PROMPTS.values(),
        extra=(json.dumps(SCHEMA, sort_keys=True),),
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Summarizer:
    def __init__(self, llm: LLM) -> None:
        self._llm = llm

    @property
    def prompt_version(self) -> str:
        return summary_prompt_version()

    async def summarize(
        self, paper: Paper, language: str, document: Document | None = None
    ) -> tuple[Summary, Usage]:
        """The summary in `language` ("ja" or "en"), from the full text when given; LLMError
        when the answer is unusable."""
        data, usage = await self._llm.complete_json(
            purpose=PURPOSE,
            messages=summary_messages(paper, language, document),
            schema_name=SCHEMA_NAME,
            schema=SCHEMA,
        )
        try:
            summary = Summary.from_dict(data)
        except ValueError as exc:
            raise LLMError(f"{PURPOSE} of {paper.arxiv_id}: {exc}") from None
        return replace(summary, hook=_clip(summary.hook, HOOK_CHARS)), usage
