"""/search over a year of stored months: 12 months of 10 papers each (120 papers, each with a
full text of about 40 KB), with embeddings from the fake server.

Measured per query, in the bot's own process: `Archive.search` for the 5 best papers (every
month's ranking read, BM25 over notes and full texts, the query embedded and compared with every
passage, fused, and the best passage of each hit picked). Half the queries are Japanese, half
English, none repeated. Targets: p95 at most 100 ms; a query naming one paper's title finds it
first every time.

    .venv/bin/python -m bench.search
"""

from __future__ import annotations

import asyncio
import sys
import time

from bench._common import percentiles, print_memory, print_results, served_fakes
from bot.config import load_settings
from bot.core import Core
from tests.fakes.latexml import big_latexml_page
from tests.fakes.llm_answers import reading_llm

MONTHS = [f"2023-{m:02d}" for m in range(1, 13)]
PER_MONTH = 10
PAGE_BYTES = 40_000
QUERIES = 200
TARGET_MS = 100.0
TOPICS = ("router", "experts", "load", "batch", "ablation", "training", "memory", "dataset")


def paper_id(month: int, n: int) -> str:
    return f"23{month:02d}.{10000 + n:05d}"


def title(month: int, n: int) -> str:
    return f"Sparse Expert Routing Study {month}-{n} (Variant {chr(65 + n)}{month})"


def record(month: int, n: int) -> dict[str, object]:
    return {
        "title": title(month, n),
        "abstract": f"We study routing of sparse experts, case {month}-{n}.",
        "authors": [{"name": f"Author {n}"}],
        "categories": ["cs.LG"],
        "published": f"2023-{month:02d}-0{1 + n % 9}T00:00:00Z",
        "updated": f"2023-{month:02d}-0{1 + n % 9}T00:00:00Z",
        "version": "v1",
    }


def query(n: int) -> str:
    topic = TOPICS[n % len(TOPICS)]
    if n % 2:
        return f"{topic}のアブレーションで性能がどう変わったか ({n})"
    return f"Which paper measured the {topic} as the batch grows? ({n})"


async def main() -> int:
    async with served_fakes(reading_llm()) as fakes:
        for month in range(1, 13):
            for n in range(PER_MONTH):
                arxiv_id = paper_id(month, n)
                fakes.arxiv.papers[arxiv_id] = record(month, n)
                page = big_latexml_page(PAGE_BYTES, seed=month * 100 + n)
                fakes.arxiv.files[f"{arxiv_id}v1"] = {"html": page.encode()}
        core = await Core.open(load_settings(fakes.env()))
        try:
            started = time.perf_counter()
            for month, name in enumerate(MONTHS, start=1):
                ids = [paper_id(month, n) for n in range(PER_MONTH)]
                await core.pipeline.fetch(name, "ja", refs=ids)
            stored_s = time.perf_counter() - started
            async with core.store.reader.execute("SELECT count(*) FROM chunks") as cursor:
                (chunks,) = await cursor.fetchone()  # type: ignore[misc]
            search_ms: list[float] = []
            for n in range(QUERIES):
                started = time.perf_counter()
                await core.archive.search(0, "ja", query(n), 5)
                search_ms.append((time.perf_counter() - started) * 1000)
            misses = 0
            for month in range(1, 13):
                wanted = paper_id(month, month % PER_MONTH)
                found = await core.archive.search(0, "ja", title(month, month % PER_MONTH), 5)
                misses += not found.hits or found.hits[0].entry.paper.arxiv_id != wanted
        finally:
            await core.aclose()
    p50, p95, top = percentiles(search_ms)
    print(f"archive: {len(MONTHS)} months, {len(MONTHS) * PER_MONTH} papers, {chunks} passages")
    print(f"stored in {stored_s:.1f} s (fetched, read, embedded, summarized)")
    print(f"{'ms':<34} {'p50':>6} {'p95':>6} {'max':>6}")
    print(f"{'/search, 5 hits':<34} {p50:>6.1f} {p95:>6.1f} {top:>6.1f}")
    results = {
        f"search p95, ms (<= {TARGET_MS:g})": (round(p95, 1), p95 <= TARGET_MS),
        "titles not found first (= 0)": (misses, misses == 0),
    }
    met = print_results(results)
    print_memory()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
