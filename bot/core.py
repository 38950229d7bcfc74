"""Wires settings, storage, sources and the LLM into one object the CLI and the cogs share."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bot.ask.archive import Archive
from bot.ask.qa import QA
from bot.config import Settings
from bot.digest.digests import Digests
from bot.digest.writer import DigestWriter
from bot.discord.guilds import GuildRepo
from bot.http import new_client
from bot.llm.client import LLM
from bot.meetups.book import MeetupBook
from bot.meetups.outline import Outlines
from bot.papers.edits import SummaryEdits
from bot.papers.fulltext.library import FullTexts
from bot.papers.pipeline import Pipeline
from bot.papers.rankings import Rankings
from bot.papers.sources.arxiv import ArxivClient
from bot.papers.sources.arxiv_files import ArxivFiles
from bot.papers.sources.huggingface import HuggingFacePapers
from bot.papers.summaries import Summarizer, summary_prompt_version
from bot.store.store import Store
from bot.votes.book import VoteBook


@dataclass(frozen=True)
class Pacing:
    """How politely yomikai paces and retries the paper sources (arXiv asks for 3 s)."""

    arxiv_interval: float = 3.0
    arxiv_retry: float = 3.0
    huggingface_retry: float = 0.5
    # Seconds between two edits of a ranking post while its notes land one by one.
    post_refresh: float = 5.0


@dataclass
class Core:
    settings: Settings
    store: Store
    http: httpx.AsyncClient
    llm: LLM | None
    pipeline: Pipeline
    guilds: GuildRepo
    rankings: Rankings
    qa: QA
    votes: VoteBook
    meetups: MeetupBook
    outlines: Outlines
    pacing: Pacing
    digests: Digests
    edits: SummaryEdits
    archive: Archive

    @classmethod
    async def open(
        cls, settings: Settings, pacing: Pacing = Pacing(), *, offline: bool = False
    ) -> Core:
        """Everything wired; `offline` never downloads papers (the playground's sample has them)."""
        store = await Store.open(settings.db)
        http = new_client(settings.http_timeout)
        llm = LLM.from_settings(settings)
        files = ArxivFiles(
            http,
            html_base=settings.arxiv_html,
            pdf_base=settings.arxiv_pdf,
            interval=settings.arxiv_files_interval,
            retry_base_delay=pacing.arxiv_retry,
        )
        fulltexts = FullTexts(store, None if offline else files, llm)
        pipeline = Pipeline(
            store,
            HuggingFacePapers(http, settings.hf_api, retry_base_delay=pacing.huggingface_retry),
            ArxivClient(
                http,
                settings.arxiv_api,
                min_interval=pacing.arxiv_interval,
                retry_base_delay=pacing.arxiv_retry,
            ),
            fulltexts,
            Summarizer(llm) if llm else None,
            prompt_version=summary_prompt_version(),
        )
        rankings = Rankings(store, pipeline)
        qa = QA(store, llm, fulltexts, context_tokens=settings.ask_context_tokens)
        return cls(
            settings=settings,
            store=store,
            http=http,
            llm=llm,
            pipeline=pipeline,
            guilds=GuildRepo(store, settings.language),
            rankings=rankings,
            qa=qa,
            votes=VoteBook(store),
            meetups=MeetupBook(store),
            outlines=Outlines(store, llm, fulltexts),
            pacing=pacing,
            digests=Digests(store, pipeline, DigestWriter(llm) if llm else None),
            edits=SummaryEdits(store),
            archive=Archive(store, rankings, qa.retriever),
        )

    async def aclose(self) -> None:
        await self.rankings.aclose()
        await self.http.aclose()
        if self.llm:
            await self.llm.aclose()
        await self.store.close()
