"""Monthly and trending paper rankings from the Hugging Face daily-papers API."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import httpx

from bot.http import SourceError, get_with_retries
from bot.models import Author, Candidate, Paper
from bot.papers.sources.arxiv_ids import parse_arxiv_ref

log = logging.getLogger(__name__)

UNREADABLE = "Hugging Face returned an unreadable answer"


class HuggingFacePapers:
    """Reads `{base_url}/daily_papers`; `base_url` is the API root (https://huggingface.co/api)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        *,
        page_size: int = 100,
        max_pages: int = 30,
        retry_base_delay: float = 0.5,
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.max_pages = max_pages
        self.retry_base_delay = retry_base_delay

    async def monthly(self, month: str, top: int) -> list[Candidate]:
        """The month's `top` papers by upvotes (ties: earlier publication, then arXiv id)."""
        return await self._by_upvotes("month", month, top)

    async def weekly(self, week: str, top: int) -> list[Candidate]:
        """The ISO week's (`YYYY-Www`) `top` papers by upvotes, ties broken as for `monthly`."""
        return await self._by_upvotes("week", week, top)

    async def _by_upvotes(self, period: str, value: str, top: int) -> list[Candidate]:
        candidates: list[Candidate] = []
        for page in range(self.max_pages):
            params = {period: value, "limit": self.page_size, "p": page}
            items = await self._get_items(params)
            candidates += _candidates(items)
            if len(items) < self.page_size:
                break
        else:
            log.warning("Hugging Face: stopped at %d pages for %s", self.max_pages, value)
        return _dedupe(sorted(candidates, key=_rank_key))[:top]

    async def trending(self, month: str, top: int) -> list[Candidate]:
        """The month's `top` papers in Hugging Face's trending order."""
        if top <= 0:
            return []
        params = {"month": month, "sort": "trending", "limit": top, "p": 0}
        return _dedupe(_candidates(await self._get_items(params)))[:top]

    async def _get_items(self, params: dict[str, Any]) -> list[Any]:
        response = await get_with_retries(
            self.client,
            f"{self.base_url}/daily_papers",
            source="Hugging Face",
            params=params,
            base_delay=self.retry_base_delay,
        )
        try:
            items = response.json()
        except ValueError as exc:
            raise SourceError(UNREADABLE) from exc
        if not isinstance(items, list):
            raise SourceError(UNREADABLE)
        if items and not any(_paper_dict(item) for item in items):
            raise SourceError(UNREADABLE)
        return items


def _candidates(items: Iterable[Any]) -> list[Candidate]:
    candidates = []
    for item in items:
        paper = _paper_dict(item)
        if paper is None:
            log.warning("Hugging Face: skipping an item without a paper id: %.200r", item)
            continue
        try:
            arxiv_id = parse_arxiv_ref(paper["id"])
        except ValueError:
            log.info("Hugging Face: skipping %r, not an arXiv paper", paper["id"])
            continue
        candidates.append(_candidate(arxiv_id, paper, item))
    return candidates


def _paper_dict(item: Any) -> dict[str, Any] | None:
    paper = item.get("paper") if isinstance(item, dict) else None
    if isinstance(paper, dict) and isinstance(paper.get("id"), str):
        return paper
    return None


def _candidate(arxiv_id: str, paper: dict[str, Any], item: dict[str, Any]) -> Candidate:
    upvotes = paper.get("upvotes")
    return Candidate(
        paper=Paper(
            arxiv_id=arxiv_id,
            title=_text(paper.get("title")) or _text(item.get("title")),
            abstract=_text(paper.get("summary")) or _text(item.get("summary")),
            authors=_authors(paper.get("authors")),
            published=_text(paper.get("publishedAt")) or _text(item.get("publishedAt")) or None,
        ),
        upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) else None,
    )


def _authors(value: Any) -> tuple[Author, ...]:
    if not isinstance(value, list):
        return ()
    names = (_text(author.get("name")) for author in value if isinstance(author, dict))
    return tuple(Author(name=name) for name in names if name)


def _rank_key(candidate: Candidate) -> tuple[int, str, str]:
    # Papers without a date sort after dated ones that have the same upvotes.
    return (-(candidate.upvotes or 0), candidate.paper.published or "~", candidate.paper.arxiv_id)


def _dedupe(candidates: Iterable[Candidate]) -> list[Candidate]:
    seen: dict[str, Candidate] = {}
    for candidate in candidates:
        seen.setdefault(candidate.paper.arxiv_id, candidate)
    return list(seen.values())


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""
