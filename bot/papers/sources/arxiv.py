"""Paper metadata from the arXiv API: batched id_list queries, politely spaced."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

import httpx

from bot.http import Pacer, SourceError, get_with_retries
from bot.models import Author, Paper
from bot.papers.sources.arxiv_ids import parse_arxiv_ref, split_version

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
BATCH_SIZE = 100
UNREADABLE = "arXiv returned an unreadable answer"
_ERROR_ID = "http://arxiv.org/api/errors"


class ArxivClient:
    """Looks papers up by id; one request per 100 ids, at least `min_interval` s apart."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        *,
        min_interval: float = 3.0,
        retry_base_delay: float = 3.0,
    ) -> None:
        self.client = client
        self.base_url = base_url
        self.retry_base_delay = retry_base_delay
        self._pacer = Pacer(min_interval)

    async def fetch(self, ids: Sequence[str]) -> dict[str, Paper]:
        """Papers by id without version; ids arXiv does not know are absent from the result."""
        wanted = list(dict.fromkeys(ids))
        papers: dict[str, Paper] = {}
        for start in range(0, len(wanted), BATCH_SIZE):
            chunk = wanted[start : start + BATCH_SIZE]
            papers.update(parse_feed(await self._query(chunk)))
        return papers

    async def _query(self, ids: list[str]) -> bytes:
        params = {"id_list": ",".join(ids), "max_results": str(len(ids))}
        async with self._pacer.turn():
            response = await get_with_retries(
                self.client,
                self.base_url,
                source="arXiv",
                params=params,
                base_delay=self.retry_base_delay,
            )
        return response.content


def parse_feed(data: bytes | str) -> dict[str, Paper]:
    """Papers in an arXiv Atom feed, by id; SourceError for error entries and garbage."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SourceError(UNREADABLE) from exc
    if root.tag != f"{{{NS['atom']}}}feed":
        raise SourceError(UNREADABLE)
    papers = {}
    for entry in root.findall("atom:entry", NS):
        paper = _parse_entry(entry)
        papers[paper.arxiv_id] = paper
    return papers


def _parse_entry(entry: ET.Element) -> Paper:
    entry_id = _text(entry, "atom:id")
    title = _text(entry, "atom:title")
    if entry_id.startswith(_ERROR_ID):
        message = _text(entry, "atom:summary") or title or "unknown error"
        raise SourceError(f"arXiv rejected the request: {message}")
    raw_id, version = split_version(entry_id.rpartition("/abs/")[2])
    try:
        arxiv_id = parse_arxiv_ref(raw_id)
    except ValueError as exc:
        raise SourceError(UNREADABLE) from exc
    if not title:
        raise SourceError(UNREADABLE)
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        abstract=_text(entry, "atom:summary"),
        authors=tuple(_author(node) for node in entry.findall("atom:author", NS)),
        categories=_categories(entry),
        published=_text(entry, "atom:published") or None,
        updated=_text(entry, "atom:updated") or None,
        version=version,
    )


def _author(node: ET.Element) -> Author:
    affiliations = (_collapse(a.text) for a in node.findall("arxiv:affiliation", NS))
    return Author(name=_text(node, "atom:name"), affiliations=tuple(a for a in affiliations if a))


def _categories(entry: ET.Element) -> tuple[str, ...]:
    primary = entry.find("arxiv:primary_category", NS)
    terms = [primary.get("term", "")] if primary is not None else []
    terms += [node.get("term", "") for node in entry.findall("atom:category", NS)]
    return tuple(dict.fromkeys(term for term in terms if term))


def _text(node: ET.Element, path: str) -> str:
    found = node.find(path, NS)
    return _collapse(found.text) if found is not None else ""


def _collapse(text: str | None) -> str:
    return " ".join((text or "").split())
