"""The passages of a paper that a question needs, within a token budget, each with its source.

The whole body when it fits: always the same passages in the same order for a paper, so the
prompt's prefix repeats and servers can cache it. Otherwise the most relevant passages, by BM25
over the paper's passages (FTS5) fused with embedding similarity (reciprocal rank fusion), put
back in document order. Embeddings make a question in Japanese find English passages; without
them retrieval is lexical only.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.llm import prompts
from bot.llm.client import LLM, LLMError
from bot.llm.tokens import estimate_tokens
from bot.models import FullTextInfo, Paper
from bot.papers.fulltext.chunks import Chunk
from bot.papers.fulltext.library import FullTexts, Passages
from bot.store.search_text import match_query

log = logging.getLogger(__name__)

RRF_K = 60
QUESTION_VECTORS = 512
COST_CACHE = 100_000
QUESTION_EMBED_SECONDS = 1.5
ROUTE_CANDIDATES = 200
# Below this cosine, an embedding match is too weak to route a question to a paper.
ROUTE_MIN_SIMILARITY = 0.3
# The question's embedding, counted apart from the answer (purpose "ask") in llm_usage.
QUESTION_PURPOSE = "ask-embedding"


@dataclass(frozen=True)
class Context:
    """What the prompt holds of the paper: passages in document order, and where each links."""

    passages: tuple[Chunk, ...]
    whole: bool
    links: dict[str, str]


def passage_entry(chunk: Chunk) -> dict[str, str]:
    """A passage as the prompt's material lists it."""
    return {"cite": chunk.cite, "section": chunk.label, "text": chunk.body}


def passage_cost(chunk: Chunk) -> int:
    """Tokens the passage takes in the prompt, JSON and escaping included (and its comma)."""
    return estimate_tokens(prompts.data_block(passage_entry(chunk))) + 1


class Retriever:
    def __init__(self, fulltexts: FullTexts, llm: LLM | None) -> None:
        self.fulltexts = fulltexts
        self.llm = llm
        self._question_vectors: OrderedDict[str, np.ndarray | None] = OrderedDict()
        self._costs: dict[int, int] = {}

    def _cost(self, chunk_id: int, chunk: Chunk) -> int:
        """passage_cost, remembered by chunk id (a chunk never changes; a new text gets new ids)."""
        cost = self._costs.get(chunk_id)
        if cost is None:
            if len(self._costs) >= COST_CACHE:
                self._costs.clear()
            cost = self._costs[chunk_id] = passage_cost(chunk)
        return cost

    async def context(
        self,
        paper: Paper,
        info: FullTextInfo | None,
        question: str,
        budget: int,
        *,
        guild_id: int | None = None,
    ) -> Context | None:
        """The paper's passages for this question within `budget` tokens; None without a text.
        An embedding of the question is counted for `guild_id`."""
        if info is None or not info.available or info.url is None:
            return None
        stored = await self.fulltexts.passages(paper)
        if not stored.chunks:
            return None
        links = {chunk.cite: _link(info.url, chunk.anchor) for chunk in stored.chunks}
        costs = [
            self._cost(chunk_id, chunk)
            for chunk_id, chunk in zip(stored.ids, stored.chunks, strict=True)
        ]
        if sum(costs) <= budget:
            return Context(stored.chunks, True, links)
        order = await self._ranked(paper, stored, question, guild_id)
        chosen: list[int] = []
        used = 0
        for index in order:
            cost = costs[index]
            if used + cost <= budget:
                chosen.append(index)
                used += cost
        passages = tuple(stored.chunks[i] for i in sorted(chosen))
        return Context(passages, False, {c.cite: links[c.cite] for c in passages})

    async def best_passage(
        self, paper: Paper, info: FullTextInfo | None, question: str, guild_id: int | None
    ) -> tuple[Chunk, str] | None:
        """The paper's passage that best matches the question and its link; None without a text
        or when no passage shares a word with it or comes close to its embedding."""
        if info is None or not info.available or info.url is None:
            return None
        stored = await self.fulltexts.passages(paper)
        scores = await self._scores(paper, stored, question, guild_id, ROUTE_MIN_SIMILARITY)
        if not scores:
            return None
        chunk = stored.chunks[max(scores, key=lambda i: scores[i])]
        return chunk, _link(info.url, chunk.anchor)

    async def route(
        self,
        papers: Sequence[Paper],
        question: str,
        also: Sequence[str] = (),
        *,
        guild_id: int | None = None,
    ) -> list[str]:
        """Of these papers, those whose full text relates to the question, most related first;
        `also` is another ranking of them (by titles and notes) fused with the full text's."""
        ids = [paper.arxiv_id for paper in papers]
        scores: dict[str, float] = {}
        _fuse(scores, also)
        query = match_query(question)
        if query and ids:
            hits = await self.fulltexts.search(ids, query, ROUTE_CANDIDATES)
            _fuse(scores, list(dict.fromkeys(arxiv_id for _, arxiv_id in hits)))
        vector = await self._question_vector(question, guild_id)
        if vector is not None:
            similar: list[tuple[float, str]] = []
            for arxiv_id, vectors in (await self.fulltexts.vectors_of(papers)).items():
                best = float(np.max(vectors @ vector))
                if best >= ROUTE_MIN_SIMILARITY:
                    similar.append((best, arxiv_id))
            _fuse(scores, [aid for _, aid in sorted(similar, reverse=True)])
        return sorted(scores, key=lambda aid: -scores[aid])

    async def _ranked(
        self, paper: Paper, stored: Passages, question: str, guild_id: int | None
    ) -> list[int]:
        """Indexes into `stored.chunks`, most relevant first (every passage, fused ranks)."""
        scores = await self._scores(paper, stored, question, guild_id)
        # Passages nothing points at follow in reading order: the abstract and introduction
        # are the best guess for a question that matches no words.
        rest = [i for i in range(len(stored.chunks)) if i not in scores]
        return sorted(scores, key=lambda i: -scores[i]) + rest

    async def _scores(
        self,
        paper: Paper,
        stored: Passages,
        question: str,
        guild_id: int | None,
        min_similarity: float = -1.0,
    ) -> dict[int, float]:
        """Fused scores of the passages that match the question's words or, at `min_similarity`
        or more, its embedding; keyed by index into `stored.chunks`."""
        position = {chunk_id: i for i, chunk_id in enumerate(stored.ids)}
        scores: dict[int, float] = {}
        query = match_query(question)
        if query:
            hits = await self.fulltexts.search([paper.arxiv_id], query, len(stored.ids))
            _fuse(scores, [position[h] for h, _ in hits if h in position])
        vector = await self._question_vector(question, guild_id)
        if vector is not None and stored.vectors is not None:
            similarity = stored.vectors @ vector
            order = np.argsort(-similarity)
            _fuse(scores, [int(i) for i in order if similarity[i] >= min_similarity])
        return scores

    async def _question_vector(self, question: str, guild_id: int | None) -> np.ndarray | None:
        if self.llm is None or self.fulltexts.embedding_model is None:
            return None
        if question in self._question_vectors:
            self._question_vectors.move_to_end(question)
            return self._question_vectors[question]
        try:
            # Routing runs before /ask is acknowledged: a slow server must not cost Discord's 3 s.
            [vector], usage = await asyncio.wait_for(
                self.llm.embed([question], purpose=QUESTION_PURPOSE), QUESTION_EMBED_SECONDS
            )
        except (LLMError, TimeoutError) as exc:
            log.info("question not embedded (retrieval stays lexical): %s", exc or "timeout")
            return None
        await self.fulltexts.store.record_usage(usage, guild_id)
        array = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(array))
        unit = array / norm if norm else None
        self._question_vectors[question] = unit
        if len(self._question_vectors) > QUESTION_VECTORS:
            self._question_vectors.popitem(last=False)
        return unit


def _fuse(scores: dict[Any, float], ranked: Sequence[Any]) -> None:
    """Add one ranked list's reciprocal-rank scores."""
    for rank, key in enumerate(ranked):
        scores[key] = scores.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)


def _link(url: str, anchor: str) -> str:
    return f"{url}#{anchor}" if anchor else url
