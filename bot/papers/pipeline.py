"""The monthly job: rank papers, enrich them from arXiv, read their full texts, summarize;
stored at every step."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from bot.http import SourceError
from bot.i18n import Refusal
from bot.llm.client import LLMError
from bot.models import Paper, Ranking, merge_authors
from bot.papers.fulltext.library import FullTexts
from bot.papers.sources.arxiv import ArxivClient
from bot.papers.sources.arxiv_ids import parse_arxiv_ref
from bot.papers.sources.huggingface import HuggingFacePapers
from bot.papers.summaries import Summarizer
from bot.store.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


class FetchError(Exception):
    """The ranking could not be fetched; the message is fit for a user."""


class ListError(FetchError, Refusal):
    """An organizer's list that cannot be stored."""


# The vote menu holds 25 options, one of them "withdraw".
MAX_LIST = 24


@dataclass(frozen=True)
class FetchReport:
    ranking: Ranking
    summarized: int
    warnings: tuple[str, ...]


def no_progress(step: str, done: int, total: int) -> None:
    pass


def _parsed(ref: str) -> str:
    try:
        return parse_arxiv_ref(ref)
    except ValueError as exc:
        raise ListError("list_bad_id", str(exc), ref=ref[:100]) from exc


class Pipeline:
    def __init__(
        self,
        store: Store,
        huggingface: HuggingFacePapers,
        arxiv: ArxivClient,
        fulltexts: FullTexts,
        summarizer: Summarizer | None,
        *,
        prompt_version: str,
    ) -> None:
        self.store = store
        self.huggingface = huggingface
        self.arxiv = arxiv
        self.fulltexts = fulltexts
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
        progress: Progress = no_progress,
    ) -> FetchReport:
        """Fetch and store the month's ranking, then its full texts and missing summaries."""
        warnings: list[str] = []
        kind, ids = await self.rank(month, kind=kind, top=top, refs=refs, warnings=warnings)
        progress("ranking", len(ids), len(ids))
        summarized = await self.complete(ids, language, warnings, progress)
        ranking = await self.store.ranking(month, kind, language, self.prompt_version)
        assert ranking is not None
        return FetchReport(ranking, summarized, tuple(warnings))

    async def rank(
        self,
        month: str,
        *,
        kind: str = "monthly",
        top: int = 10,
        refs: Sequence[str] = (),
        warnings: list[str] | None = None,
        guild_id: int = 0,
        set_by: str | None = None,
    ) -> tuple[str, list[str]]:
        """Store the month's ranking with arXiv's details; (kind, arXiv ids in rank order).
        With `refs`, an organizer's list: shared (guild 0) or the guild's own."""
        if refs:
            return "manual", await self._store_manual(month, refs, guild_id, set_by)
        return kind, await self._store_ranked(
            month, kind, top, [] if warnings is None else warnings
        )

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
        await self.store.save_papers([c.paper for c in candidates], authoritative=False)
        await self.store.save_ranking(
            month, kind, "huggingface", [(c.paper.arxiv_id, c.upvotes) for c in candidates]
        )
        ids = [c.paper.arxiv_id for c in candidates]
        known = await self.store.from_arxiv(ids)
        try:
            enriched = await self.arxiv.fetch([aid for aid in ids if aid not in known])
        except SourceError as exc:
            log.info("arXiv enrichment skipped: %s", exc)
            warnings.append(f"arXiv details not updated: {exc}")
        else:
            await self.store.save_papers(enriched.values(), authoritative=True)
        return ids

    async def _store_manual(
        self, month: str, refs: Sequence[str], guild_id: int, set_by: str | None
    ) -> list[str]:
        ids = list(dict.fromkeys(_parsed(ref) for ref in refs))
        if len(ids) > MAX_LIST:
            raise ListError(
                "list_too_many", f"at most {MAX_LIST} papers, not {len(ids)}", count=len(ids)
            )
        try:
            papers = await self.arxiv.fetch(ids)
        except SourceError as exc:
            raise ListError("list_arxiv_down", str(exc), reason=str(exc)[:200]) from exc
        unknown = [aid for aid in ids if aid not in papers]
        if unknown:
            joined = ", ".join(unknown)
            raise ListError("list_unknown", f"arXiv does not know: {joined}", ids=joined[:300])
        await self.store.save_papers(papers.values(), authoritative=True)
        entries = [(aid, None) for aid in ids]
        await self.store.save_ranking(
            month, "manual", "arxiv", entries, guild_id=guild_id, set_by=set_by
        )
        return ids

    async def complete(
        self,
        ids: Sequence[str],
        language: str,
        warnings: list[str],
        progress: Progress = no_progress,
        on_summary: Callable[[str], Awaitable[None]] | None = None,
    ) -> int:
        """Read each paper's full text (one download at a time) and write its missing summary
        as soon as its text is in, not after the last; return the summaries written."""
        written: list[str] = []
        failures: list[str] = []

        async def summarize(paper: Paper) -> None:
            if await self._summarize(paper, language, failures):
                written.append(paper.arxiv_id)
                progress("summaries", len(written), len(ids))
                if on_summary is not None:
                    await on_summary(paper.arxiv_id)

        await self.read_each(ids, summarize, progress)
        if self.summarizer is None:
            missing = await self.store.missing_summaries(ids, language, self.prompt_version)
            if missing:
                warnings.append(f"{len(missing)} summaries pending: no OPENAI_API_KEY set")
        elif failures:
            warnings.append(
                f"{len(failures)} summaries pending: the LLM failed for {', '.join(failures)}"
            )
        return len(written)

    async def read_each(
        self,
        ids: Sequence[str],
        then: Callable[[Paper], Awaitable[None]],
        progress: Progress = no_progress,
    ) -> None:
        """Read the papers' full texts one download at a time, and run `then` on each paper as
        soon as its text is in (concurrently with the next downloads), not after the last."""
        papers = await self.store.papers(ids)
        tasks: list[asyncio.Task[None]] = []
        try:
            for done, arxiv_id in enumerate(ids, 1):
                await self.fulltexts.ensure(papers[arxiv_id])
                progress("full texts", done, len(ids))
                tasks.append(asyncio.create_task(then(papers[arxiv_id])))
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    async def _summarize(self, paper: Paper, language: str, failures: list[str]) -> bool:
        """Write the paper's summary if it lacks one (or has one from the abstract alone)."""
        if self.summarizer is None:
            return False
        if not await self.store.missing_summaries([paper.arxiv_id], language, self.prompt_version):
            return False
        document = await self.fulltexts.document(paper)
        if document is not None:
            paper = replace(paper, authors=merge_authors(paper.authors, document.authors))
        try:
            summary, usage = await self.summarizer.summarize(paper, language, document)
        except LLMError as exc:
            log.info("summary of %s failed: %s", paper.arxiv_id, exc)
            failures.append(paper.arxiv_id)
            return False
        basis = document.source if document else "abstract"
        await self.store.save_summary(
            paper.arxiv_id, language, self.prompt_version, summary, usage.model, basis
        )
        await self.store.record_usage(usage)
        return True
