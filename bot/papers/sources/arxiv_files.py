"""A paper's files from arXiv: the LaTeXML HTML rendering and the PDF of one version.

arXiv asks robots to fetch slowly: one download at a time, `interval` seconds apart, with a
User-Agent that names the project (bot.http), a size cap and retries that honour Retry-After.
"""

from __future__ import annotations

import httpx

from bot.http import Pacer, get_with_retries

HTML_MAX_BYTES = 15_000_000
PDF_MAX_BYTES = 30_000_000
# Links in Discord go to arXiv itself, whichever mirror the files were fetched from.
PUBLIC_HTML = "https://arxiv.org/html"
PUBLIC_PDF = "https://arxiv.org/pdf"


def versioned(arxiv_id: str, version: str) -> str:
    return f"{arxiv_id}{version}"


def public_url(source: str, arxiv_id: str, version: str) -> str:
    base = PUBLIC_HTML if source == "html" else PUBLIC_PDF
    return f"{base}/{versioned(arxiv_id, version)}"


class ArxivFiles:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        html_base: str,
        pdf_base: str,
        interval: float = 3.0,
        retry_base_delay: float = 3.0,
    ) -> None:
        self.client = client
        self.html_base = html_base.rstrip("/")
        self.pdf_base = pdf_base.rstrip("/")
        self.retry_base_delay = retry_base_delay
        self._pacer = Pacer(interval)
        self.downloads = 0

    async def html(self, arxiv_id: str, version: str) -> bytes:
        """The HTML page; SourceError (permanent for a 404: the paper has no HTML rendering)."""
        url = f"{self.html_base}/{versioned(arxiv_id, version)}"
        return await self._download(url, "arXiv HTML", HTML_MAX_BYTES)

    async def pdf(self, arxiv_id: str, version: str) -> bytes:
        url = f"{self.pdf_base}/{versioned(arxiv_id, version)}"
        return await self._download(url, "arXiv PDF", PDF_MAX_BYTES)

    async def _download(self, url: str, source: str, max_bytes: int) -> bytes:
        async with self._pacer.turn():
            self.downloads += 1
            response = await get_with_retries(
                self.client,
                url,
                source=source,
                base_delay=self.retry_base_delay,
                max_bytes=max_bytes,
            )
        return response.content
