"""Every read and write of yomikai's data goes through Store."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import aiosqlite

from bot.models import (
    Author,
    FullTextInfo,
    Paper,
    RankedPaper,
    Ranking,
    Summary,
    SummaryEdit,
    merge_authors,
)
from bot.store.database import connect, migrate
from bot.store.search_text import index_text, match_query

if TYPE_CHECKING:
    from bot.llm.client import Usage


def stamp(moment: datetime) -> str:
    """An instant as the database stores times: UTC ISO 8601 to the second, so that the
    strings compare as the instants do."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def utcnow() -> str:
    return stamp(datetime.now(UTC))


def _paper_row(paper: Paper, source: str, now: str) -> tuple[object, ...]:
    authors = json.dumps([a.to_dict() for a in paper.authors], ensure_ascii=False)
    categories = json.dumps(list(paper.categories))
    return (paper.arxiv_id, paper.version, paper.title, paper.abstract, authors, categories,
            paper.published, paper.updated, source, now)  # fmt: skip


def _paper_from_row(row: aiosqlite.Row) -> Paper:
    return Paper(
        arxiv_id=row["arxiv_id"],
        version=row["version"],
        title=row["title"],
        abstract=row["abstract"],
        authors=tuple(Author.from_dict(a) for a in json.loads(row["authors"])),
        categories=tuple(json.loads(row["categories"])),
        published=row["published"],
        updated=row["updated"],
    )


def ranked_from_row(row: aiosqlite.Row) -> RankedPaper:
    """A ranking entry from a row of `rank`, `upvotes`, the paper's columns, `summary`, the
    full text's `f_source`, `f_url`, `f_detail`, `f_sections`, `f_authors` and optionally a
    guild's correction `e_body`, `e_editor`, `e_at` (as Store.ranking selects them); the authors
    carry the affiliations read from the paper."""
    paper = _paper_from_row(row)
    fulltext = None
    if row["f_source"] is not None:
        fulltext = FullTextInfo(
            row["f_source"], row["f_url"], row["f_detail"], tuple(json.loads(row["f_sections"]))
        )
        read = tuple(Author.from_dict(a) for a in json.loads(row["f_authors"]))
        paper = replace(paper, authors=merge_authors(paper.authors, read))
    summary = Summary.from_dict(json.loads(row["summary"])) if row["summary"] else None
    edit = None
    # A Row's `in` looks at its values, not its column names.
    if "e_body" in row.keys() and row["e_body"] is not None:  # noqa: SIM118
        edit = SummaryEdit(json.loads(row["e_body"]), row["e_editor"], row["e_at"])
        summary = edit.applied_to(summary, paper)
    return RankedPaper(
        rank=row["rank"],
        paper=paper,
        upvotes=row["upvotes"],
        summary=summary,
        fulltext=fulltext,
        edit=edit,
    )


_INSERT_PAPER = """
INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories, published, updated,
                    source, fetched_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_REPLACE_PAPER = (
    _INSERT_PAPER
    + """
ON CONFLICT (arxiv_id) DO UPDATE SET
    version = excluded.version, title = excluded.title, abstract = excluded.abstract,
    authors = excluded.authors, categories = excluded.categories,
    published = excluded.published, updated = excluded.updated, source = excluded.source,
    fetched_at = excluded.fetched_at
"""
)


async def add_usage(conn: aiosqlite.Connection, usage: Usage, guild_id: int | None) -> None:
    """Count an LLM call's tokens, one row per request (inside the caller's transaction)."""
    now = utcnow()
    await conn.executemany(
        "INSERT INTO llm_usage (at, purpose, model, guild_id, prompt_tokens, completion_tokens)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(now, usage.purpose, usage.model, guild_id, prompt, completion)
         for prompt, completion in usage.each()],
    )  # fmt: skip


class Store:
    def __init__(self, conn: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.conn = conn
        # Reads go to their own connection (WAL lets them run beside a write) so they never
        # queue behind writes; transactions on the writing connection must not interleave.
        self.reader = reader
        self._write_lock = asyncio.Lock()
        # Bumped by every write to papers, rankings or summaries, so readers can cache them.
        self.content_generation = 0

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        conn = await connect(path)
        await migrate(conn)
        reader = conn if str(path) == ":memory:" else await connect(path)
        return cls(conn, reader)

    async def close(self) -> None:
        if self.reader is not self.conn:
            await self.reader.close()
        await self.conn.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def save_papers(self, papers: Iterable[Paper], *, authoritative: bool) -> None:
        """Store papers; only an authoritative source (arXiv) overwrites a stored paper."""
        now = utcnow()
        sql = _REPLACE_PAPER if authoritative else _INSERT_PAPER + " ON CONFLICT DO NOTHING"
        source = "arxiv" if authoritative else "huggingface"
        rows = [_paper_row(paper, source, now) for paper in papers]
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)
            await self._reindex([row[0] for row in rows])  # type: ignore[misc]
        self.content_generation += 1

    async def papers(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
        marks = ",".join("?" * len(arxiv_ids))
        async with self.reader.execute(
            f"SELECT * FROM papers WHERE arxiv_id IN ({marks})", tuple(arxiv_ids)
        ) as cursor:
            return {row["arxiv_id"]: _paper_from_row(row) for row in await cursor.fetchall()}

    async def from_arxiv(self, arxiv_ids: Sequence[str]) -> set[str]:
        """Those of the papers whose stored details came from arXiv."""
        marks = ",".join("?" * len(arxiv_ids))
        async with self.reader.execute(
            f"SELECT arxiv_id FROM papers WHERE source = 'arxiv' AND arxiv_id IN ({marks})",
            tuple(arxiv_ids),
        ) as cursor:
            return {row["arxiv_id"] for row in await cursor.fetchall()}

    async def save_ranking(
        self,
        month: str,
        kind: str,
        source: str,
        entries: Sequence[tuple[str, int | None]],
        *,
        guild_id: int = 0,
        set_by: str | None = None,
    ) -> None:
        """Replace the month's ranking of this kind, shared (guild 0) or a guild's own list;
        entries are (arxiv id, upvotes) in rank order."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO rankings (guild_id, month, kind, source, fetched_at, set_by)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, month, kind) DO UPDATE SET"
                " source = excluded.source, fetched_at = excluded.fetched_at,"
                " set_by = excluded.set_by RETURNING id",
                (guild_id, month, kind, source, utcnow(), set_by),
            )
            (ranking_id,) = await cursor.fetchone()  # type: ignore[misc]
            await conn.execute("DELETE FROM ranking_entries WHERE ranking_id = ?", (ranking_id,))
            await conn.executemany(
                "INSERT INTO ranking_entries (ranking_id, rank, arxiv_id, upvotes) VALUES (?, ?, ?, ?)",
                [(ranking_id, rank, aid, votes) for rank, (aid, votes) in enumerate(entries, 1)],
            )
        self.content_generation += 1

    async def latest_kind(self, month: str) -> str | None:
        """The kind of the month's shared ranking fetched last."""
        async with self.reader.execute(
            "SELECT kind FROM rankings WHERE month = ? AND guild_id = 0"
            " ORDER BY fetched_at DESC, id DESC LIMIT 1",
            (month,),
        ) as cursor:
            row = await cursor.fetchone()
        return row["kind"] if row else None

    async def months_seen(self, guild_id: int) -> list[str]:
        """Months with a ranking the guild can see (shared, or its own list), newest first."""
        async with self.reader.execute(
            "SELECT DISTINCT month FROM rankings WHERE guild_id IN (0, ?) ORDER BY month DESC",
            (guild_id,),
        ) as cursor:
            return [row["month"] for row in await cursor.fetchall()]

    async def has_own_list(self, guild_id: int, month: str) -> bool:
        async with self.reader.execute(
            "SELECT 1 FROM rankings WHERE guild_id = ? AND month = ?", (guild_id, month)
        ) as cursor:
            return await cursor.fetchone() is not None

    async def ranking(
        self, month: str, kind: str, language: str, prompt_version: str, guild_id: int = 0
    ) -> Ranking | None:
        """The month's ranking of this kind: the guild's own list when it has one, else the
        shared one; with the guild's corrections applied to its summaries."""
        async with self.reader.execute(
            "SELECT id, guild_id, source, fetched_at FROM rankings WHERE month = ? AND kind = ?"
            " AND guild_id IN (0, ?) ORDER BY guild_id DESC LIMIT 1",
            (month, kind, guild_id),
        ) as cursor:
            head = await cursor.fetchone()
        if head is None:
            return None
        async with self.reader.execute(
            "SELECT e.rank, e.upvotes, p.*, s.body AS summary, f.source AS f_source,"
            " f.url AS f_url, f.detail AS f_detail, f.sections AS f_sections,"
            " f.authors AS f_authors, ed.body AS e_body, ed.editor_name AS e_editor,"
            " ed.edited_at AS e_at FROM ranking_entries e"
            " JOIN papers p USING (arxiv_id)"
            " LEFT JOIN summaries s ON s.arxiv_id = e.arxiv_id AND s.language = ?"
            " AND s.prompt_version = ?"
            " LEFT JOIN fulltexts f ON f.arxiv_id = e.arxiv_id AND f.version = coalesce(p.version, '')"
            " LEFT JOIN summary_edits ed ON ed.guild_id = ? AND ed.arxiv_id = e.arxiv_id"
            " AND ed.language = ?"
            " WHERE e.ranking_id = ? ORDER BY e.rank",
            (language, prompt_version, guild_id, language, head["id"]),
        ) as cursor:
            rows = await cursor.fetchall()
        entries = tuple(ranked_from_row(row) for row in rows)
        return Ranking(month, kind, head["source"], head["fetched_at"], entries, head["guild_id"])

    async def missing_summaries(
        self, arxiv_ids: Sequence[str], language: str, prompt_version: str
    ) -> list[str]:
        """Papers with no summary in this language and prompt version, or only one written from
        the abstract while their full text is now stored."""
        marks = ",".join("?" * len(arxiv_ids))
        async with self.reader.execute(
            "SELECT s.arxiv_id FROM summaries s JOIN papers p USING (arxiv_id)"
            " LEFT JOIN fulltexts f ON f.arxiv_id = s.arxiv_id"
            " AND f.version = coalesce(p.version, '')"
            " WHERE s.language = ? AND s.prompt_version = ?"
            " AND NOT (s.basis = 'abstract' AND coalesce(f.source, 'abstract') != 'abstract')"
            f" AND s.arxiv_id IN ({marks})",
            (language, prompt_version, *arxiv_ids),
        ) as cursor:
            done = {row["arxiv_id"] for row in await cursor.fetchall()}
        return [aid for aid in arxiv_ids if aid not in done]

    async def save_summary(
        self,
        arxiv_id: str,
        language: str,
        prompt_version: str,
        summary: Summary,
        model: str,
        basis: str = "abstract",
    ) -> None:
        """Store a summary; `basis` is what it was written from: "abstract", "html" or "pdf"."""
        body = json.dumps(summary.to_dict(), ensure_ascii=False)
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO summaries"
                " (arxiv_id, language, prompt_version, body, model, created_at, basis)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (arxiv_id, language, prompt_version, body, model, utcnow(), basis),
            )
            await self._reindex([arxiv_id])
        self.content_generation += 1

    async def _reindex(self, arxiv_ids: Sequence[str]) -> None:
        """Rebuild the search text of these papers; call inside a transaction."""
        for arxiv_id in arxiv_ids:
            async with self.conn.execute(
                "SELECT title || ' ' || abstract FROM papers WHERE arxiv_id = ?", (arxiv_id,)
            ) as cursor:
                parts = [row[0] for row in await cursor.fetchall()]
            async with self.conn.execute(
                "SELECT body FROM summaries WHERE arxiv_id = ?", (arxiv_id,)
            ) as cursor:
                parts += [" ".join(json.loads(row[0]).values()) for row in await cursor.fetchall()]
            await self.conn.execute("DELETE FROM paper_search WHERE arxiv_id = ?", (arxiv_id,))
            await self.conn.execute(
                "INSERT INTO paper_search (arxiv_id, body) VALUES (?, ?)",
                (arxiv_id, index_text(" ".join(parts))),
            )

    async def search(self, arxiv_ids: Sequence[str], question: str) -> list[str]:
        """The given papers that match the question, most relevant first."""
        query = match_query(question)
        if not query or not arxiv_ids:
            return []
        marks = ",".join("?" * len(arxiv_ids))
        async with self.reader.execute(
            f"SELECT arxiv_id FROM paper_search WHERE paper_search MATCH ?"
            f" AND arxiv_id IN ({marks}) ORDER BY bm25(paper_search)",
            (query, *arxiv_ids),
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def record_usage(self, usage: Usage, guild_id: int | None = None) -> None:
        async with self.transaction() as conn:
            await add_usage(conn, usage, guild_id)

    async def command_hash(self, scope: str) -> str | None:
        async with self.reader.execute(
            "SELECT hash FROM command_syncs WHERE scope = ?", (scope,)
        ) as cursor:
            row = await cursor.fetchone()
        return row["hash"] if row else None

    async def save_command_hash(self, scope: str, digest: str) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO command_syncs (scope, hash, synced_at) VALUES (?, ?, ?)",
                (scope, digest, utcnow()),
            )
