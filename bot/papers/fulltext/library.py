"""Every paper's full text, fetched once per version and kept in SQLite with its passages.

HTML first, the PDF when there is no usable HTML, the abstract alone when neither works; each
fallback is logged with its cause and stored, so the card can say why. A fallback caused by a
passing failure (arXiv unreachable) is tried again on the next run; a 404 or an unreadable file
is not. Passages are indexed for full-text search and, when the LLM server makes embeddings,
embedded once at ingestion.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.http import SourceError
from bot.llm.client import LLM, LLMError
from bot.models import FullTextInfo, Paper
from bot.papers.fulltext.chunks import Chunk, chunk_document
from bot.papers.fulltext.document import Document, UnusableDocument
from bot.papers.fulltext.latexml import parse_latexml
from bot.papers.fulltext.pdf import parse_pdf
from bot.papers.sources.arxiv_files import ArxivFiles, public_url
from bot.store.search_text import index_text
from bot.store.store import Store, utcnow

log = logging.getLogger(__name__)

EMBED_PURPOSE = "embeddings"
# A year of monthly rankings, so /search over the archive reads no vectors twice.
VECTOR_CACHE_PAPERS = 128
# Bound parameters per query, well under SQLite's limit (32766 since 3.32).
SQL_VARIABLES = 10_000


@dataclass(frozen=True)
class Passages:
    """A paper's passages with their embeddings (rows of `vectors`, None without embeddings)."""

    chunks: tuple[Chunk, ...]
    ids: tuple[int, ...]
    vectors: np.ndarray | None


class FullTexts:
    """`files` None: never download (the playground's bundled month brings its texts along)."""

    def __init__(self, store: Store, files: ArxivFiles | None, llm: LLM | None) -> None:
        self.store = store
        self.files = files
        self.llm = llm
        # pdfium is not thread-safe: one parse at a time, off the event loop.
        self._parse_lock = asyncio.Lock()
        self._vectors: OrderedDict[tuple[str, str, str], tuple[tuple[int, ...], np.ndarray]] = (
            OrderedDict()
        )
        self._ids_memo: tuple[object, dict[str, tuple[int, ...]]] | None = None

    @property
    def embedding_model(self) -> str | None:
        if self.llm is None or not self.llm.embeddings_enabled:
            return None
        return self.llm.embedding_model

    async def ensure(self, paper: Paper) -> FullTextInfo:
        """The paper's text, fetched unless this version's is stored already."""
        version = paper.version or ""
        async with self.store.reader.execute(
            "SELECT permanent FROM fulltexts WHERE arxiv_id = ? AND version = ?",
            (paper.arxiv_id, version),
        ) as cursor:
            row = await cursor.fetchone()
        if (row is None or not row["permanent"]) and self.files is not None:
            document, detail, permanent = await self._read(self.files, paper, version)
            await self._save(paper, version, document, detail, permanent)
        elif row is None:
            await self._save(paper, version, None, "no downloads here", False)
        await self.embed(paper.arxiv_id, version)
        stored = (await self.info([paper]))[paper.arxiv_id]
        assert stored is not None
        return stored

    async def info(self, papers: Sequence[Paper]) -> dict[str, FullTextInfo | None]:
        """What is stored for each paper's current version (None: never looked for)."""
        found: dict[str, FullTextInfo | None] = {paper.arxiv_id: None for paper in papers}
        if not papers:
            return found
        keys = [(paper.arxiv_id, paper.version or "") for paper in papers]
        marks = ",".join("(?, ?)" for _ in keys)
        async with self.store.reader.execute(
            "SELECT arxiv_id, source, url, detail, sections FROM fulltexts"
            f" WHERE (arxiv_id, version) IN (VALUES {marks})",
            [part for key in keys for part in key],
        ) as cursor:
            for row in await cursor.fetchall():
                found[row["arxiv_id"]] = info_from_row(row)
        return found

    async def document(self, paper: Paper) -> Document | None:
        """The parsed text, read from SQLite when asked for (never held for every paper)."""
        async with self.store.reader.execute(
            "SELECT body FROM fulltexts WHERE arxiv_id = ? AND version = ? AND body IS NOT NULL",
            (paper.arxiv_id, paper.version or ""),
        ) as cursor:
            row = await cursor.fetchone()
        return Document.from_dict(json.loads(row["body"])) if row else None

    async def passages(self, paper: Paper) -> Passages:
        version = paper.version or ""
        async with self.store.reader.execute(
            "SELECT id, ord, anchor, cite, label, body, tokens FROM chunks"
            " WHERE arxiv_id = ? AND version = ? ORDER BY ord",
            (paper.arxiv_id, version),
        ) as cursor:
            rows = await cursor.fetchall()
        chunks = tuple(
            Chunk(r["ord"], r["anchor"], r["cite"], r["label"], r["body"], r["tokens"])
            for r in rows
        )
        ids = tuple(r["id"] for r in rows)
        return Passages(chunks, ids, await self._matrix(paper.arxiv_id, version, ids))

    async def search(
        self, arxiv_ids: Sequence[str], query: str, limit: int
    ) -> list[tuple[int, str]]:
        """(chunk id, arXiv id) of these papers' passages matching the FTS5 query, best first."""
        marks = ",".join("?" * len(arxiv_ids))
        async with self.store.reader.execute(
            "SELECT rowid, arxiv_id FROM chunk_search WHERE chunk_search MATCH ?"
            f" AND arxiv_id IN ({marks}) ORDER BY bm25(chunk_search) LIMIT ?",
            (query, *arxiv_ids, limit),
        ) as cursor:
            return [(row[0], row[1]) for row in await cursor.fetchall()]

    async def vectors_of(self, papers: Sequence[Paper]) -> dict[str, np.ndarray]:
        """The unit vectors of these papers' passages, keyed by arXiv id (papers with every
        passage embedded), without their text: two queries whatever their number, as /search
        compares a whole archive."""
        model = self.embedding_model
        if model is None or not papers:
            return {}
        versions = {paper.arxiv_id: paper.version or "" for paper in papers}
        ids = await self._chunk_ids(versions)
        found: dict[str, np.ndarray] = {}
        for arxiv_id, chunk_ids in ids.items():
            cached = self._remembered((arxiv_id, versions[arxiv_id], model), chunk_ids)
            if cached is not None:
                found[arxiv_id] = cached
        missing = [aid for aid in ids if aid not in found]
        if missing:
            blobs = await self._blobs([i for aid in missing for i in ids[aid]], model)
            for arxiv_id in missing:
                key = (arxiv_id, versions[arxiv_id], model)
                matrix = self._cached(key, ids[arxiv_id], blobs)
                if matrix is not None:
                    found[arxiv_id] = matrix
        return found

    async def embed(self, arxiv_id: str, version: str) -> int:
        """Embed the paper's passages that have no vector for the current model yet."""
        model = self.embedding_model
        if model is None or self.llm is None:
            return 0
        async with self.store.reader.execute(
            "SELECT c.id, c.body FROM chunks c LEFT JOIN chunk_vectors v"
            " ON v.chunk_id = c.id AND v.model = ?"
            " WHERE c.arxiv_id = ? AND c.version = ? AND v.chunk_id IS NULL ORDER BY c.ord",
            (model, arxiv_id, version),
        ) as cursor:
            rows = await cursor.fetchall()
        if not rows:
            return 0
        try:
            vectors, usage = await self.llm.embed([r["body"] for r in rows], purpose=EMBED_PURPOSE)
        except LLMError as exc:
            log.info("passages of %s not embedded (search stays lexical): %s", arxiv_id, exc)
            return 0
        blobs = [np.asarray(v, dtype="<f4").tobytes() for v in vectors]
        async with self.store.transaction() as conn:
            await conn.executemany(
                "INSERT OR REPLACE INTO chunk_vectors (chunk_id, model, vector) VALUES (?, ?, ?)",
                [(r["id"], model, blob) for r, blob in zip(rows, blobs, strict=True)],
            )
        await self.store.record_usage(usage)
        self._vectors.pop((arxiv_id, version, model), None)
        return len(rows)

    async def keep(self, paper: Paper, document: Document) -> None:
        """Store a document read elsewhere (the bundled sample month) as the paper's text."""
        await self._save(paper, paper.version or "", document, "", True)

    async def _read(
        self, files: ArxivFiles, paper: Paper, version: str
    ) -> tuple[Document | None, str, bool]:
        """The parsed document, or None with the causes and whether retrying is pointless."""
        problems: list[str] = []
        permanent = True
        attempts: tuple[tuple[str, Callable[..., object], Callable[..., Document]], ...] = (
            ("html", files.html, lambda data, url: parse_latexml(data, url)),
            ("pdf", files.pdf, lambda data, url: _parse_pdf(data, url, paper)),
        )
        for source, download, parse in attempts:
            try:
                data = await download(paper.arxiv_id, version)  # type: ignore[misc]
            except SourceError as exc:
                permanent = permanent and exc.permanent
                problems.append(str(exc))
                continue
            url = public_url(source, paper.arxiv_id, version)
            try:
                async with self._parse_lock:
                    document = await asyncio.to_thread(parse, data, url)
            except UnusableDocument as exc:
                problems.append(f"{source.upper()}: {exc}")
                log.info("%s: %s unusable: %s", paper.arxiv_id, source.upper(), exc)
                continue
            except Exception as exc:  # a parser bug on hostile input must not stop the month
                problems.append(f"{source.upper()}: unreadable ({type(exc).__name__})")
                log.warning("%s: %s parser failed: %r", paper.arxiv_id, source.upper(), exc)
                continue
            return document, "; ".join(problems), True
        detail = "; ".join(problems)
        log.info("%s: no full text, using the abstract (%s)", paper.arxiv_id, detail)
        return None, detail, permanent

    async def _save(
        self,
        paper: Paper,
        version: str,
        document: Document | None,
        detail: str,
        permanent: bool,
    ) -> None:
        chunks = chunk_document(document) if document else []
        source = document.source if document else "abstract"
        body = json.dumps(document.to_dict(), ensure_ascii=False) if document else None
        sections = json.dumps([s.label for s in document.sections] if document else [])
        async with self.store.transaction() as conn:
            # Only the current version's passages are kept (and searched).
            await conn.execute("DELETE FROM chunk_search WHERE arxiv_id = ?", (paper.arxiv_id,))
            await conn.execute("DELETE FROM chunks WHERE arxiv_id = ?", (paper.arxiv_id,))
            await conn.execute(
                "INSERT OR REPLACE INTO fulltexts (arxiv_id, version, source, url, body, detail,"
                " permanent, sections, authors, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (paper.arxiv_id, version, source, document.url if document else None, body,
                 detail, int(permanent), sections, _authors_json(document), utcnow()),
            )  # fmt: skip
            for chunk in chunks:
                cursor = await conn.execute(
                    "INSERT INTO chunks (arxiv_id, version, ord, anchor, cite, label, body, tokens)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (paper.arxiv_id, version, chunk.ord, chunk.anchor, chunk.cite, chunk.label,
                     chunk.body, chunk.tokens),
                )  # fmt: skip
                await conn.execute(
                    "INSERT INTO chunk_search (rowid, arxiv_id, body) VALUES (?, ?, ?)",
                    (cursor.lastrowid, paper.arxiv_id, index_text(f"{chunk.label} {chunk.body}")),
                )
        self.store.content_generation += 1

    async def _matrix(self, arxiv_id: str, version: str, ids: tuple[int, ...]) -> np.ndarray | None:
        """The passages' unit vectors in `ids` order; None unless every passage has one."""
        model = self.embedding_model
        if model is None or not ids:
            return None
        key = (arxiv_id, version, model)
        cached = self._remembered(key, ids)
        if cached is not None:
            return cached
        return self._cached(key, ids, await self._blobs(list(ids), model))

    def _remembered(self, key: tuple[str, str, str], ids: tuple[int, ...]) -> np.ndarray | None:
        """The cached matrix of these passages, unless the paper's passages have changed."""
        cached = self._vectors.get(key)
        if cached is None or cached[0] != ids:
            return None
        self._vectors.move_to_end(key)
        return cached[1]

    async def _chunk_ids(self, versions: dict[str, str]) -> dict[str, tuple[int, ...]]:
        """Each paper's passage ids in reading order, remembered until the texts change."""
        key = (self.store.content_generation, tuple(sorted(versions.items())))
        if self._ids_memo is not None and self._ids_memo[0] == key:
            return self._ids_memo[1]
        marks = ",".join("?" * len(versions))
        ids: dict[str, list[int]] = defaultdict(list)
        async with self.store.reader.execute(
            f"SELECT arxiv_id, version, id FROM chunks WHERE arxiv_id IN ({marks}) ORDER BY ord",
            tuple(versions),
        ) as cursor:
            for arxiv_id, version, chunk_id in await cursor.fetchall():
                if versions[arxiv_id] == version:
                    ids[arxiv_id].append(chunk_id)
        found = {arxiv_id: tuple(chunk_ids) for arxiv_id, chunk_ids in ids.items()}
        self._ids_memo = (key, found)
        return found

    async def _blobs(self, chunk_ids: list[int], model: str) -> dict[int, bytes]:
        blobs: dict[int, bytes] = {}
        for start in range(0, len(chunk_ids), SQL_VARIABLES):
            batch = chunk_ids[start : start + SQL_VARIABLES]
            async with self.store.reader.execute(
                "SELECT chunk_id, vector FROM chunk_vectors"
                f" WHERE model = ? AND chunk_id IN ({','.join('?' * len(batch))})",
                (model, *batch),
            ) as cursor:
                blobs |= {row[0]: row[1] for row in await cursor.fetchall()}
        return blobs

    def _cached(
        self, key: tuple[str, str, str], ids: tuple[int, ...], blobs: dict[int, bytes]
    ) -> np.ndarray | None:
        """The unit vectors of `ids` from their blobs, remembered; None if one is missing."""
        if not ids or any(i not in blobs for i in ids):
            return None
        matrix = np.stack([np.frombuffer(blobs[i], dtype="<f4") for i in ids])
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.where(norms == 0, 1, norms)
        self._vectors[key] = (ids, matrix)
        if len(self._vectors) > VECTOR_CACHE_PAPERS:
            self._vectors.popitem(last=False)
        return matrix


def info_from_row(row: object) -> FullTextInfo:
    return FullTextInfo(
        source=row["source"],  # type: ignore[index]
        url=row["url"],  # type: ignore[index]
        detail=row["detail"],  # type: ignore[index]
        sections=tuple(json.loads(row["sections"])),  # type: ignore[index]
    )


def _authors_json(document: Document | None) -> str:
    authors = document.authors if document else ()
    return json.dumps([a.to_dict() for a in authors], ensure_ascii=False)


def _parse_pdf(data: bytes, url: str, paper: Paper) -> Document:
    return parse_pdf(data, url, title=paper.title, authors=paper.authors, abstract=paper.abstract)
