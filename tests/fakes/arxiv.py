"""A stand-in for the arXiv API (export.arxiv.org/api/query) answering id_list queries.

fake = FakeArxiv(arxiv_records())
async with serve(fake.make_app()) as url:
    client = ArxivClient(http, url + ARXIV_PATH, min_interval=0, retry_base_delay=0.01)
    fake.fail_next(status=503)                 # scripting as in FakeHuggingFace
    fake.requests[0].query["id_list"]          # "2109.00301,2109.01652,..."

With `files` it also serves the papers' LaTeXML pages at /html/<id>v<n> and their PDFs at
/pdf/<id>v<n> (404 for a paper without one), as arxiv.org does.
"""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from typing import Any

from aiohttp import web

from tests.fakes.scripted import Recorded, ScriptedFake

ARXIV_PATH = "/api/query"
HTML_PATH = "/html"
PDF_PATH = "/pdf"
ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
FEED_UPDATED = "2024-05-01T00:00:00-04:00"
_WELL_FORMED = re.compile(r"(\d{4}\.\d{4,5}|[a-z]+(-[a-z]+)?(\.[A-Za-z-]+)?/\d{7})(v\d+)?")


class FakeArxiv(ScriptedFake):
    """Serves GET /api/query?id_list=a,b&max_results=N with Atom XML shaped like arXiv's.

    `papers` maps ids without version to records: title, abstract, authors (list of
    {"name", "affiliations"}), categories (primary first), published, updated, version ("v2"),
    and optionally doi and comment. Unknown well-formed ids produce no entry; a malformed id
    makes the whole answer a single error entry, as arXiv does. max_results defaults to 10.
    """

    def __init__(
        self, papers: dict[str, dict[str, Any]], files: dict[str, dict[str, bytes]] | None = None
    ) -> None:
        super().__init__()
        self.papers = papers
        # {"2109.04454v2": {"html": page, "pdf": file}}: what /html/<id> and /pdf/<id> serve.
        self.files = files or {}
        # (versioned id, "html" or "pdf") whose answers stop halfway, the connection dropped.
        self.truncated: set[tuple[str, str]] = set()

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(ARXIV_PATH, self._query)
        app.router.add_get(HTML_PATH + "/{versioned}", self._html)
        app.router.add_get(PDF_PATH + "/{versioned}", self._pdf)
        return app

    def queries(self) -> list[Recorded]:
        """The API requests received (/api/query), in order."""
        return [r for r in self.requests if r.path == ARXIV_PATH]

    def downloads(self, kind: str | None = None) -> list[str]:
        """The paths of the /html and /pdf requests received, in order."""
        prefixes = {"html": (HTML_PATH,), "pdf": (PDF_PATH,), None: (HTML_PATH, PDF_PATH)}[kind]
        return [r.path for r in self.requests if r.path.startswith(prefixes)]

    async def _html(self, request: web.Request) -> web.StreamResponse:
        return await self._file(request, "html", "text/html")

    async def _pdf(self, request: web.Request) -> web.StreamResponse:
        return await self._file(request, "pdf", "application/pdf")

    async def _file(self, request: web.Request, kind: str, content_type: str) -> web.StreamResponse:
        canned = self._take(request)
        if canned is not None:
            return canned
        versioned = request.match_info["versioned"]
        if (versioned, kind) in self.truncated:
            return await _truncated(request, self.files[versioned][kind], content_type)
        body = self.files.get(versioned, {}).get(kind)
        if body is None:
            # arXiv answers 404 with a short page for papers it has no HTML rendering of.
            return web.Response(status=404, text="<html><body>No HTML for this paper</body></html>",
                                content_type="text/html")  # fmt: skip
        return web.Response(body=body, content_type=content_type)

    async def _query(self, request: web.Request) -> web.Response:
        canned = self._take(request)
        if canned is not None:
            return canned
        ids = [part for part in request.query.get("id_list", "").split(",") if part]
        max_results = int(request.query.get("max_results", "10"))
        feed = self._feed(ids, max_results, request.query_string)
        body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
        return web.Response(body=body, content_type="application/atom+xml", charset="utf-8")

    def _feed(self, ids: list[str], max_results: int, query: str) -> ET.Element:
        malformed = [arxiv_id for arxiv_id in ids if not _WELL_FORMED.fullmatch(arxiv_id)]
        if malformed:
            entries = [_error_entry(malformed[0])]
            total, per_page = 1, 1
        else:
            known = [arxiv_id for arxiv_id in ids if _base(arxiv_id) in self.papers]
            entries = [_entry(i, self.papers[_base(i)]) for i in known[:max_results]]
            total, per_page = len(known), max_results
        feed = _feed_head(query)
        _opensearch(feed, total=total, per_page=per_page)
        feed.extend(entries)
        return feed


async def _truncated(request: web.Request, body: bytes, content_type: str) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": content_type})
    response.content_length = len(body)
    await response.prepare(request)
    await response.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()
    return response


def _base(arxiv_id: str) -> str:
    return re.sub(r"v\d+$", "", arxiv_id)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    node.text = text
    return node


def _feed_head(query: str) -> ET.Element:
    # Prefixed tag names written literally: the namespaces are declared once, on the root.
    feed = ET.Element("feed", {"xmlns": ATOM, "xmlns:arxiv": ARXIV, "xmlns:opensearch": OPENSEARCH})
    _sub(feed, "link", href=f"http://arxiv.org/api/query?{query}", rel="self")
    _sub(feed, "title", f"ArXiv Query: {query}", type="html")
    _sub(feed, "id", "http://arxiv.org/api/fake-feed")
    _sub(feed, "updated", FEED_UPDATED)
    return feed


def _opensearch(feed: ET.Element, *, total: int, per_page: int) -> None:
    _sub(feed, "opensearch:totalResults", str(total))
    _sub(feed, "opensearch:startIndex", "0")
    _sub(feed, "opensearch:itemsPerPage", str(per_page))


def _error_entry(bad_id: str) -> ET.Element:
    message = f"incorrect id format for {bad_id}"
    url = "http://arxiv.org/api/errors#" + message.replace(" ", "_")
    entry = ET.Element("entry")
    _sub(entry, "id", url)
    _sub(entry, "title", "Error")
    _sub(entry, "summary", message)
    _sub(entry, "updated", FEED_UPDATED)
    _sub(entry, "link", href=url, rel="alternate", type="text/html")
    _sub(_sub(entry, "author"), "name", "arXiv api core")
    return entry


def _entry(requested: str, record: dict[str, Any]) -> ET.Element:
    versioned = requested if requested != _base(requested) else requested + record["version"]
    abs_url = f"http://arxiv.org/abs/{versioned}"
    entry = ET.Element("entry")
    _sub(entry, "id", abs_url)
    _sub(entry, "updated", record["updated"])
    _sub(entry, "published", record["published"])
    # arXiv wraps titles and abstracts over several indented lines.
    _sub(entry, "title", textwrap.fill(record["title"], 60, subsequent_indent="  "))
    summary = textwrap.indent(textwrap.fill(record["abstract"], 78), "  ")
    _sub(entry, "summary", f"{summary}\n")
    for author in record["authors"]:
        node = _sub(entry, "author")
        _sub(node, "name", author["name"])
        for affiliation in author.get("affiliations", ()):
            _sub(node, "arxiv:affiliation", affiliation)
    if record.get("doi"):
        _sub(entry, "arxiv:doi", record["doi"])
    if record.get("comment"):
        _sub(entry, "arxiv:comment", record["comment"])
    _sub(entry, "link", href=abs_url, rel="alternate", type="text/html")
    pdf = f"http://arxiv.org/pdf/{versioned}"
    _sub(entry, "link", title="pdf", href=pdf, rel="related", type="application/pdf")
    primary, *_ = record["categories"]
    _sub(entry, "arxiv:primary_category", term=primary, scheme=ARXIV)
    for term in record["categories"]:
        _sub(entry, "category", term=term, scheme=ARXIV)
    return entry
