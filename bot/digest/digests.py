"""The weekly digest: the week's Hugging Face papers by upvotes, each read (its full text when
there is one) and written up as a newsletter item, then three highlights chosen among them.
Stored at every step, per week and language: a re-run writes only what is missing."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.digest.book import DigestBook, Versions
from bot.digest.posts import DigestPosts
from bot.digest.records import Digest
from bot.digest.writer import (
    DigestWriter,
    Item,
    entry_prompt_version,
    highlights_prompt_version,
)
from bot.http import SourceError
from bot.llm.client import LLMError
from bot.models import Paper, RankedPaper, Ranking, merge_authors
from bot.papers.pipeline import FetchError, Pipeline, Progress, no_progress
from bot.papers.refs import RefError, resolve_ref
from bot.store.store import Store

log = logging.getLogger(__name__)

DEFAULT_TOP = 5


@dataclass(frozen=True)
class DigestReport:
    digest: Digest
    written: int
    warnings: tuple[str, ...]


class Digests:
    """Reuses the monthly pipeline's sources, full texts and stored papers."""

    def __init__(self, store: Store, pipeline: Pipeline, writer: DigestWriter | None) -> None:
        self.store = store
        self.pipeline = pipeline
        self.writer = writer
        versions = Versions(
            entry_prompt_version(), highlights_prompt_version(), pipeline.prompt_version
        )
        self.book = DigestBook(store, versions)
        self.posts = DigestPosts(store)
        self._week_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def make(
        self,
        week: str,
        language: str,
        *,
        top: int | None = None,
        progress: Progress = no_progress,
    ) -> DigestReport:
        """The week's digest: its `top` papers (default: as many as it was made with, or
        DEFAULT_TOP) fetched the first time (FetchError when Hugging Face cannot list them),
        its missing items and highlights written."""
        async with self._week_locks[week]:
            warnings: list[str] = []
            ids = await self._papers(week, top, warnings)
            progress("papers", len(ids), len(ids))
            written = await self._write(ids, language, warnings, progress)
            await self._choose(week, language, warnings)
            digest = await self.book.digest(week, language)
            assert digest is not None
            return DigestReport(digest, written, tuple(warnings))

    async def stored(self, week: str, language: str) -> Digest | None:
        return await self.book.digest(week, language)

    async def ranking(self, week: str, language: str) -> Ranking | None:
        """The stored week as a ranking (for /ask's routing and autocomplete), or None."""
        digest = await self.stored(week, language)
        return digest.ranking() if digest else None

    async def entry(self, week: str, language: str, ref: str) -> RankedPaper:
        """The week's paper a member names (rank, arXiv id or URL, part of a title), ready for
        bot.ask.qa.QA; RefError (keys "no_digest", "ref_*") when there is none."""
        ranking = await self.ranking(week, language)
        if ranking is None:
            raise RefError("no_digest", week=week)
        return resolve_ref(ranking, ref)

    async def _papers(self, week: str, top: int | None, warnings: list[str]) -> list[str]:
        """The week's arXiv ids in rank order: stored ones, or fetched and stored."""
        stored = await self.book.week(week)
        if stored is not None and top in (None, stored.top):
            return list(stored.arxiv_ids)
        top = top or DEFAULT_TOP
        try:
            candidates = await self.pipeline.huggingface.weekly(week, top)
        except SourceError as exc:
            raise FetchError(str(exc)) from exc
        if not candidates:
            raise FetchError(f"Hugging Face lists no papers for {week}")
        await self.store.save_papers([c.paper for c in candidates], authoritative=False)
        ids = [c.paper.arxiv_id for c in candidates]
        await self._enrich(ids, warnings)
        await self.book.save_week(week, top, [(c.paper.arxiv_id, c.upvotes) for c in candidates])
        return ids

    async def _enrich(self, ids: list[str], warnings: list[str]) -> None:
        known = await self.store.from_arxiv(ids)
        try:
            enriched = await self.pipeline.arxiv.fetch([aid for aid in ids if aid not in known])
        except SourceError as exc:
            log.info("arXiv enrichment skipped: %s", exc)
            warnings.append(f"arXiv details not updated: {exc}")
        else:
            await self.store.save_papers(enriched.values(), authoritative=True)

    async def _write(
        self, ids: Sequence[str], language: str, warnings: list[str], progress: Progress
    ) -> int:
        """Read each paper's full text (one download at a time, as the pipeline does) and write
        its missing item as soon as its text is in; return the items written."""
        written: list[str] = []
        failures: list[str] = []

        async def write(paper: Paper) -> None:
            if await self._write_one(paper, language, failures):
                written.append(paper.arxiv_id)
                progress("items", len(written), len(ids))

        await self.pipeline.read_each(ids, write, progress)
        if self.writer is None:
            missing = await self.book.missing(ids, language)
            if missing:
                warnings.append(f"{len(missing)} items pending: no OPENAI_API_KEY set")
        elif failures:
            warnings.append(
                f"{len(failures)} items pending: the LLM failed for {', '.join(failures)}"
            )
        return len(written)

    async def _write_one(self, paper: Paper, language: str, failures: list[str]) -> bool:
        if self.writer is None or not await self.book.missing([paper.arxiv_id], language):
            return False
        document = await self.pipeline.fulltexts.document(paper)
        if document is not None:
            paper = replace(paper, authors=merge_authors(paper.authors, document.authors))
        try:
            written, usage = await self.writer.write(paper, language, document)
        except LLMError as exc:
            log.info("digest item of %s failed: %s", paper.arxiv_id, exc)
            failures.append(paper.arxiv_id)
            return False
        basis = document.source if document else "abstract"
        await self.book.save_written(paper.arxiv_id, language, written, usage.model, basis)
        await self.store.record_usage(usage)
        return True

    async def _choose(self, week: str, language: str, warnings: list[str]) -> None:
        """Choose the highlights once every item is written, so the choice sees them all."""
        digest = await self.book.digest(week, language)
        if self.writer is None or digest is None or digest.chosen or digest.pending:
            return
        items = [
            Item(e.paper.arxiv_id, e.upvotes, e.paper.title, e.written)
            for e in digest.entries
            if e.written is not None
        ]
        try:
            highlights, usage = await self.writer.choose(items, language)
        except LLMError as exc:
            log.info("highlights of %s failed: %s", week, exc)
            warnings.append(f"highlights pending: the LLM failed: {exc}")
            return
        await self.book.save_highlights(week, language, highlights)
        await self.store.record_usage(usage)
