"""Grounded answers to members' questions about the month's papers."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass

from bot.ask import extractive
from bot.llm import prompts
from bot.llm.client import LLM, Usage
from bot.models import RankedPaper, Ranking
from bot.store.store import Store, add_usage, utcnow

PURPOSE = "ask"
SYSTEM_PROMPT = "ask.system.md"
USER_PROMPT = "ask.user.md"
MAX_QUESTION = 500
MAX_ANSWER_TOKENS = 800
LANGUAGE_NAMES = {"ja": "Japanese", "en": "English"}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class Answer:
    text: str
    entry: RankedPaper
    key: str
    usage: Usage | None = None  # None when the answer came from the cache or without an LLM
    offline: bool = False  # picked from the material by bot.ask.extractive, not written by an LLM

    @property
    def cached(self) -> bool:
        return self.usage is None and not self.offline


def question_language(question: str) -> str:
    return "ja" if _JAPANESE.search(question) else "en"


def question_key(question: str, entry: RankedPaper) -> str:
    """Equal for the same question (up to case and spacing) on the same stored material."""
    folded = " ".join(unicodedata.normalize("NFKC", question).casefold().split())
    data = json.dumps(material(entry), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(f"{folded}\0{data}".encode()).hexdigest()


def material(entry: RankedPaper) -> dict[str, object]:
    paper, summary = entry.paper, entry.summary
    data: dict[str, object] = {
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "authors": [author.to_dict() for author in paper.authors],
        "abstract": paper.abstract,
    }
    if summary:
        data["notes"] = summary.to_dict()
    return data


def ask_messages(entry: RankedPaper, question: str) -> list[dict[str, str]]:
    names = {"question_language_name": LANGUAGE_NAMES[question_language(question)]}
    user = prompts.render(
        USER_PROMPT,
        material=prompts.data_block(material(entry)),
        question=prompts.data_block(question),
        **names,
    )
    system = prompts.render(SYSTEM_PROMPT, **names)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


class QA:
    def __init__(self, store: Store, llm: LLM | None) -> None:
        self.store = store
        self.llm = llm
        self.prompt_version = prompts.prompt_version(SYSTEM_PROMPT, USER_PROMPT)

    async def route(self, ranking: Ranking, question: str) -> RankedPaper | None:
        """The ranking's paper most relevant to the question, or None when none relates."""
        by_id = {entry.paper.arxiv_id: entry for entry in ranking.entries}
        hits = await self.store.search(list(by_id), question)
        return by_id[hits[0]] if hits else None

    async def answer(self, entry: RankedPaper, question: str) -> Answer:
        """Answer from the stored material; the same question on the same paper is cached."""
        key = question_key(question, entry)
        cached = await self._cached(entry.paper.arxiv_id, key)
        if cached is not None:
            return Answer(cached, entry, key)
        if self.llm is None:
            # No LLM configured: stored sentences, labelled; cheap, so never cached.
            text = extractive.answer(entry, question, question_language(question))
            return Answer(text, entry, key, offline=True)
        text, usage = await self.llm.complete_text(
            purpose=PURPOSE, messages=ask_messages(entry, question), max_tokens=MAX_ANSWER_TOKENS
        )
        return Answer(text, entry, key, usage)

    async def remember(self, answer: Answer, guild_id: int | None) -> None:
        """Cache a new answer and count its tokens for the guild, in one transaction."""
        if answer.usage is None:
            return
        usage = answer.usage
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO answers"
                " (arxiv_id, question_key, prompt_version, answer, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    answer.entry.paper.arxiv_id,
                    answer.key,
                    self.prompt_version,
                    answer.text,
                    utcnow(),
                ),
            )
            await add_usage(conn, usage, guild_id)

    async def _cached(self, arxiv_id: str, key: str) -> str | None:
        async with self.store.reader.execute(
            "SELECT answer FROM answers WHERE arxiv_id = ? AND question_key = ?"
            " AND prompt_version = ?",
            (arxiv_id, key, self.prompt_version),
        ) as cursor:
            row = await cursor.fetchone()
        return row["answer"] if row else None
