"""The digest's rows in SQLite: each week's papers, each paper's item, each week's highlights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.digest.records import Digest, DigestEntry
from bot.digest.writer import Highlight, Written
from bot.store.store import Store, ranked_from_row, utcnow


@dataclass(frozen=True)
class Versions:
    """The prompt versions stored rows must have: items, highlights, monthly summaries."""

    entry: str
    highlights: str
    summary: str


@dataclass(frozen=True)
class StoredWeek:
    top: int
    arxiv_ids: tuple[str, ...]


class DigestBook:
    def __init__(self, store: Store, versions: Versions) -> None:
        self.store = store
        self.versions = versions

    async def week(self, week: str) -> StoredWeek | None:
        async with self.store.reader.execute(
            "SELECT d.top, e.arxiv_id FROM digests d"
            " LEFT JOIN digest_entries e USING (week) WHERE d.week = ? ORDER BY e.rank",
            (week,),
        ) as cursor:
            rows = await cursor.fetchall()
        if not rows:
            return None
        return StoredWeek(rows[0]["top"], tuple(row["arxiv_id"] for row in rows if row["arxiv_id"]))

    async def save_week(
        self, week: str, top: int, entries: Sequence[tuple[str, int | None]]
    ) -> None:
        """Replace the week's papers, (arXiv id, upvotes) in rank order; its highlights, chosen
        among the papers it had, go with them."""
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT INTO digests (week, top, fetched_at) VALUES (?, ?, ?) ON CONFLICT (week)"
                " DO UPDATE SET top = excluded.top, fetched_at = excluded.fetched_at",
                (week, top, utcnow()),
            )
            await conn.execute("DELETE FROM digest_entries WHERE week = ?", (week,))
            await conn.execute("DELETE FROM digest_highlights WHERE week = ?", (week,))
            await conn.executemany(
                "INSERT INTO digest_entries (week, rank, arxiv_id, upvotes) VALUES (?, ?, ?, ?)",
                [(week, rank, aid, votes) for rank, (aid, votes) in enumerate(entries, 1)],
            )

    async def digest(self, week: str, language: str) -> Digest | None:
        async with self.store.reader.execute(
            "SELECT fetched_at FROM digests WHERE week = ?", (week,)
        ) as cursor:
            head = await cursor.fetchone()
        if head is None:
            return None
        entries = await self._entries(week, language)
        known = {entry.paper.arxiv_id for entry in entries}
        chosen = [h for h in await self._highlights(week, language) if h.arxiv_id in known]
        return Digest(week, language, head["fetched_at"], entries, tuple(chosen))

    async def _entries(self, week: str, language: str) -> tuple[DigestEntry, ...]:
        async with self.store.reader.execute(
            "SELECT e.rank, e.upvotes, p.*, t.headline, t.paragraph, t.basis,"
            " s.body AS summary, f.source AS f_source, f.url AS f_url, f.detail AS f_detail,"
            " f.sections AS f_sections, f.authors AS f_authors FROM digest_entries e"
            " JOIN papers p USING (arxiv_id)"
            " LEFT JOIN digest_texts t ON t.arxiv_id = e.arxiv_id AND t.language = ?"
            " AND t.prompt_version = ?"
            " LEFT JOIN summaries s ON s.arxiv_id = e.arxiv_id AND s.language = ?"
            " AND s.prompt_version = ?"
            " LEFT JOIN fulltexts f ON f.arxiv_id = e.arxiv_id AND f.version = coalesce(p.version, '')"
            " WHERE e.week = ? ORDER BY e.rank",
            (language, self.versions.entry, language, self.versions.summary, week),
        ) as cursor:
            rows = await cursor.fetchall()
        entries = []
        for row in rows:
            # The same columns as a monthly ranking's rows: the paper, its text and summary.
            ranked = ranked_from_row(row)
            written = Written(row["headline"], row["paragraph"]) if row["headline"] else None
            entries.append(
                DigestEntry(
                    ranked.rank,
                    ranked.paper,
                    ranked.upvotes,
                    written,
                    row["basis"],
                    ranked.summary,
                    ranked.fulltext,
                )
            )
        return tuple(entries)

    async def _highlights(self, week: str, language: str) -> list[Highlight]:
        async with self.store.reader.execute(
            "SELECT arxiv_id, line FROM digest_highlights WHERE week = ? AND language = ?"
            " AND prompt_version = ? ORDER BY position",
            (week, language, self.versions.highlights),
        ) as cursor:
            return [Highlight(row["arxiv_id"], row["line"]) for row in await cursor.fetchall()]

    async def missing(self, arxiv_ids: Sequence[str], language: str) -> list[str]:
        """Papers without an item in this language, or with one written from the abstract
        alone while their full text is now stored."""
        marks = ",".join("?" * len(arxiv_ids))
        async with self.store.reader.execute(
            "SELECT t.arxiv_id FROM digest_texts t JOIN papers p USING (arxiv_id)"
            " LEFT JOIN fulltexts f ON f.arxiv_id = t.arxiv_id"
            " AND f.version = coalesce(p.version, '')"
            " WHERE t.language = ? AND t.prompt_version = ?"
            " AND NOT (t.basis = 'abstract' AND coalesce(f.source, 'abstract') != 'abstract')"
            f" AND t.arxiv_id IN ({marks})",
            (language, self.versions.entry, *arxiv_ids),
        ) as cursor:
            done = {row["arxiv_id"] for row in await cursor.fetchall()}
        return [aid for aid in arxiv_ids if aid not in done]

    async def save_written(
        self, arxiv_id: str, language: str, written: Written, model: str, basis: str
    ) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO digest_texts (arxiv_id, language, prompt_version,"
                " headline, paragraph, basis, model, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (arxiv_id, language, self.versions.entry, written.headline, written.paragraph,
                 basis, model, utcnow()),
            )  # fmt: skip

    async def save_highlights(
        self, week: str, language: str, highlights: Sequence[Highlight]
    ) -> None:
        version = self.versions.highlights
        async with self.store.transaction() as conn:
            await conn.execute(
                "DELETE FROM digest_highlights WHERE week = ? AND language = ?"
                " AND prompt_version = ?",
                (week, language, version),
            )
            await conn.executemany(
                "INSERT INTO digest_highlights (week, language, prompt_version, position,"
                " arxiv_id, line) VALUES (?, ?, ?, ?, ?, ?)",
                [(week, language, version, position, h.arxiv_id, h.line)
                 for position, h in enumerate(highlights, 1)],
            )  # fmt: skip
