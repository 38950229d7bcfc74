"""The monthly job: rank papers, enrich them from arXiv, summarize, store at every step."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.http import SourceError
from bot.llm.client import LLMError
from bot.models import Candidate, Ranking
from bot.papers.sources.arxiv import ArxivClient
from bot.papers.sources.arxiv_ids import parse_arxiv_ref
from bot.papers.sources.huggingface import HuggingFacePapers
from bot.papers.summaries import Summarizer
from bot.store.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


class FetchError(Exception):
    """The ranking could not be fetched; the message is fit for a user."""


@dataclass(frozen=True)
class FetchReport:
    ranking: Ranking
    summarized: int
    warnings: tuple[str, ...]


def _no_progress(step: str, done: int, total: int) -> None:
    pass


class Pipeline:
    def __init__(
        self,
        store: Store,
        huggingface: HuggingFacePapers,
        arxiv: ArxivClient,
        summarizer: Summarizer | None,
        *,
        prompt_version: str,
    ) -> None:
        self.store = store
        self.huggingface = huggingface
        self.arxiv = arxiv
        self.summarizer = summarizer
        self.prompt_version = prompt_version

    async def fetch(
        self,
        month: str,
        language: str,
        *,
        kind: str = "monthly",
        top: int = 10,
        refs: Sequence[str] = (),
        progress: Progress = _no_progress,
    ) -> FetchReport:
        """Fetch and store the month's ranking, then fill in whatever summaries are missing."""
        warnings: list[str] = []
        if refs:
            kind = "manual"
            ids = await self._store_manual(month, refs)
        else:
            ids = await self._store_ranked(month, kind, top, warnings)
        progress("ranking", len(ids), len(ids))
        summarized = await self.summarize(ids, language, warnings, progress)
        ranking = await self.store.ranking(month, kind, language, self.prompt_version)
        assert ranking is not None
        return FetchReport(ranking, summarized, tuple(warnings))

    async def _store_ranked(
        self, month: str, kind: str, top: int, warnings: list[str]
    ) -> list[str]:
        ranked = self.huggingface.trending if kind == "trending" else self.huggingface.monthly
        try:
            candidates = await ranked(month, top)
        except SourceError as exc:
            raise FetchError(str(exc)) from exc
        if not candidates:
            raise FetchError(f"Hugging Face lists no papers for {month}")
        ids = await self._save(month, kind, "huggingface", candidates, authoritative=False)
        known = await self.store.from_arxiv(ids)
        try:
            enriched = await self.arxiv.fetch([aid for aid in ids if aid not in known])
        except SourceError as exc:
            log.info("arXiv enrichment skipped: %s", exc)
            warnings.append(f"arXiv details not updated: {exc}")
        else:
            await self.store.save_papers(enriched.values(), authoritative=True)
        return ids

    async def _store_manual(self, month: str, refs: Sequence[str]) -> list[str]:
        try:
            ids = list(dict.fromkeys(parse_arxiv_ref(ref) for ref in refs))
            papers = await self.arxiv.fetch(ids)
        except (ValueError, SourceError) as exc:
            raise FetchError(str(exc)) from exc
        unknown = [aid for aid in ids if aid not in papers]
        if unknown:
            raise FetchError(f"arXiv does not know: {', '.join(unknown)}")
        candidates = [Candidate(papers[aid]) for aid in ids]
        return await self._save(month, "manual", "arxiv", candidates, authoritative=True)

    async def _save(
        self,
        month: str,
        kind: str,
        source: str,
        candidates: list[Candidate],
        *,
        authoritative: bool,
    ) -> list[str]:
        await self.store.save_papers([c.paper for c in candidates], authoritative=authoritative)
        entries = [(c.paper.arxiv_id, c.upvotes) for c in candidates]
        await self.store.save_ranking(month, kind, source, entries)
        return [aid for aid, _ in entries]

    async def summarize(
        self,
        ids: Sequence[str],
        language: str,
        warnings: list[str],
        progress: Progress = _no_progress,
    ) -> int:
        """Summarize the papers that lack a summary; each one is stored as soon as it is ready."""
        missing = await self.store.missing_summaries(ids, language, self.prompt_version)
        if not missing:
            return 0
        if self.summarizer is None:
            warnings.append(f"{len(missing)} summaries pending: no OPENAI_API_KEY set")
            return 0
        papers = await self.store.papers(missing)
        summarizer = self.summarizer
        done = 0
        failures: list[str] = []

        async def one(arxiv_id: str) -> None:
            nonlocal done
            try:
                summary, usage = await summarizer.summarize(papers[arxiv_id], language)
            except LLMError as exc:
                log.info("summary of %s failed: %s", arxiv_id, exc)
                failures.append(arxiv_id)
                return
            await self.store.save_summary(
                arxiv_id, language, self.prompt_version, summary, usage.model
            )
            await self.store.record_usage(usage)
            done += 1
            progress("summaries", done, len(missing))

        await asyncio.gather(*(one(aid) for aid in missing))
        if failures:
            warnings.append(
                f"{len(failures)} summaries pending: the LLM failed for {', '.join(failures)}"
            )
        return done
