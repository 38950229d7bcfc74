"""Grounded answers to members' questions about the month's papers."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from bot.ask import extractive
from bot.ask.citations import link_citations
from bot.ask.retrieval import Context, Retriever, passage_entry
from bot.llm import prompts
from bot.llm.client import LLM, TextStream, Usage
from bot.llm.tokens import estimate_tokens
from bot.models import RankedPaper, Ranking
from bot.papers.fulltext.chunks import Chunk
from bot.papers.fulltext.library import FullTexts
from bot.store.store import Store, add_usage, utcnow

PURPOSE = "ask"
SYSTEM_PROMPT = "ask.system.md"
USER_PROMPT = "ask.user.md"
MAX_QUESTION = 500
MAX_ANSWER_TOKENS = 800
DEFAULT_CONTEXT_TOKENS = 12000
# The paper's metadata and notes, and the question, beside the passages.
FIXED_MARGIN = 1500
LANGUAGE_NAMES = {"ja": "Japanese", "en": "English"}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class Answer:
    text: str
    entry: RankedPaper
    key: str
    usage: Usage | None = None  # None when the answer came from the cache or without an LLM
    offline: bool = False  # picked from the material by bot.ask.extractive, not written by an LLM
    links: dict[str, str] = field(default_factory=dict)  # citation key -> URL in the paper

    @property
    def cached(self) -> bool:
        return self.usage is None and not self.offline

    @property
    def linked_text(self) -> str:
        """The answer with its citations turned into links to the paper's sections or pages."""
        return link_citations(self.text, self.links)


@dataclass(frozen=True)
class Prepared:
    """An /ask ready to send: its prompt, where its citations link, and a cached answer."""

    entry: RankedPaper
    question: str
    key: str
    messages: list[dict[str, str]]
    links: dict[str, str]
    cached: Answer | None
    passages: tuple[Chunk, ...] = ()


def question_language(question: str) -> str:
    return "ja" if _JAPANESE.search(question) else "en"


def question_key(question: str, entry: RankedPaper, context: Context | None) -> str:
    """Equal for the same question (up to case and spacing) on the same stored material."""
    folded = " ".join(unicodedata.normalize("NFKC", question).casefold().split())
    data = json.dumps(material(entry, context), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(f"{folded}\0{data}".encode()).hexdigest()


def material(entry: RankedPaper, context: Context | None = None) -> dict[str, object]:
    paper, summary = entry.paper, entry.summary
    data: dict[str, object] = {
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "authors": [author.to_dict() for author in paper.authors],
        "abstract": paper.abstract,
    }
    if summary:
        data["notes"] = summary.to_dict()
    if context is not None:
        data["passages_complete"] = context.whole
        data["passages"] = [passage_entry(chunk) for chunk in context.passages]
    return data


def ask_messages(
    entry: RankedPaper, question: str, context: Context | None = None
) -> list[dict[str, str]]:
    """System prompt, then the paper, then the question: the same paper gives the same prefix."""
    names = {"question_language_name": LANGUAGE_NAMES[question_language(question)]}
    user = prompts.render(
        USER_PROMPT,
        material=prompts.data_block(material(entry, context)),
        question=prompts.data_block(question),
        **names,
    )
    system = prompts.render(SYSTEM_PROMPT)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


class QA:
    def __init__(
        self,
        store: Store,
        llm: LLM | None,
        fulltexts: FullTexts,
        *,
        context_tokens: int = DEFAULT_CONTEXT_TOKENS,
    ) -> None:
        self.store = store
        self.llm = llm
        self.retriever = Retriever(fulltexts, llm)
        self.context_tokens = context_tokens
        self.prompt_version = prompts.prompt_version(SYSTEM_PROMPT, USER_PROMPT)

    async def route(
        self, ranking: Ranking, question: str, *, guild_id: int | None = None
    ) -> RankedPaper | None:
        """The ranking's paper most relevant to the question, or None when none relates: its
        titles, abstracts and notes, and its full text, lexically and by embeddings (the
        question's embedding counted for `guild_id`)."""
        by_id = {entry.paper.arxiv_id: entry for entry in ranking.entries}
        notes = await self.store.search(list(by_id), question)
        papers = [e.paper for e in ranking.entries]
        ranked = await self.retriever.route(papers, question, notes, guild_id=guild_id)
        return by_id[ranked[0]] if ranked else None

    async def prepare(
        self, entry: RankedPaper, question: str, *, guild_id: int | None = None
    ) -> Prepared:
        """The prompt for the question, and the answer if the cache has it."""
        context = await self.retriever.context(
            entry.paper, entry.fulltext, question, self.passage_budget(), guild_id=guild_id
        )
        key = question_key(question, entry, context)
        links = context.links if context else {}
        cached = await self._cached(entry.paper.arxiv_id, key)
        messages = ask_messages(entry, question, context)
        hit = Answer(cached, entry, key, links=links) if cached is not None else None
        passages = context.passages if context else ()
        return Prepared(entry, question, key, messages, links, hit, passages)

    def passage_budget(self) -> int:
        """Tokens the paper's passages may take: the ask budget, less what a small context
        window needs for the fixed prompt and the answer."""
        window = self.llm.context_tokens if self.llm else None
        if window is None:
            return self.context_tokens
        fixed = estimate_tokens(prompts.load(SYSTEM_PROMPT) + prompts.load(USER_PROMPT))
        return max(0, min(self.context_tokens, window - fixed - MAX_ANSWER_TOKENS - FIXED_MARGIN))

    async def answer(self, entry: RankedPaper, question: str) -> Answer:
        """Answer from the stored material; the same question on the same paper is cached."""
        return await self.respond(await self.prepare(entry, question))

    async def respond(self, prepared: Prepared) -> Answer:
        """The whole answer at once: from the cache, the LLM, or without one, stored sentences."""
        entry, question = prepared.entry, prepared.question
        if prepared.cached is not None:
            return prepared.cached
        if self.llm is None:
            # No LLM configured: stored sentences, labelled; cheap, so never cached.
            text = extractive.answer(
                entry, question, question_language(question), prepared.passages
            )
            return Answer(text, entry, prepared.key, offline=True, links=prepared.links)
        text, usage = await self.llm.complete_text(
            purpose=PURPOSE, messages=prepared.messages, max_tokens=MAX_ANSWER_TOKENS
        )
        return Answer(text, entry, prepared.key, usage, links=prepared.links)

    def stream(self, prepared: Prepared) -> TextStream:
        """The answer as the LLM writes it (`async with qa.stream(p) as s: async for ...`)."""
        assert self.llm is not None
        return self.llm.stream_text(
            purpose=PURPOSE, messages=prepared.messages, max_tokens=MAX_ANSWER_TOKENS
        )

    def streamed(self, prepared: Prepared, stream: TextStream) -> Answer:
        """The Answer a finished stream wrote."""
        usage = stream.usage or Usage(PURPOSE, self.llm.model if self.llm else "", 0, 0)
        return Answer(stream.text, prepared.entry, prepared.key, usage, links=prepared.links)

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
