"""The monthly fetch of 10 papers with their full texts: files 3 s apart, an LLM at 1.0 s.

Targets: wall time at most 10 x 3 s + 1.5 s (each summary starts as soon as its paper's text
is in, not after the last download), exactly 1 arXiv API request, one download per paper
(every paper has its HTML page here), 1 summary per paper; on a re-run 0 downloads and 0 LLM
calls.

    .venv/bin/python -m bench.pipeline
"""

from __future__ import annotations

import asyncio
import sys
import time

from bench._common import print_memory, print_results, served_fakes
from bot.config import load_settings
from bot.core import Core
from tests.fakes.llm_answers import reading_llm
from tests.fixtures_papers import SAMPLE_MONTH

LLM_SECONDS = 1.0
FILES_INTERVAL = 3.0
PAPERS = 10
WALL_TARGET = PAPERS * FILES_INTERVAL + 1.5


async def main() -> int:
    async with served_fakes(reading_llm(delay=LLM_SECONDS)) as fakes:
        pdf_only = next(f for f in fakes.arxiv.files.values() if "html" not in f)
        pdf_only["html"] = next(f["html"] for f in fakes.arxiv.files.values() if "html" in f)
        env = fakes.env() | {"YOMIKAI_ARXIV_FILES_INTERVAL": str(FILES_INTERVAL)}
        core = await Core.open(load_settings(env))
        try:
            started = time.perf_counter()
            first = await core.pipeline.fetch(SAMPLE_MONTH, "ja")
            wall = time.perf_counter() - started
            downloads = len(fakes.arxiv.downloads())
            calls = fakes.openai.count(purpose="summary")
            await core.pipeline.fetch(SAMPLE_MONTH, "ja")
            rerun_downloads = len(fakes.arxiv.downloads()) - downloads
            rerun_calls = fakes.openai.count() - fakes.openai.count(purpose="embeddings") - calls
        finally:
            await core.aclose()
    queries = len(fakes.arxiv.queries())
    read = sum(1 for e in first.ranking.entries if e.fulltext and e.fulltext.available)
    results = {
        "papers stored, read (= 10)": (f"{len(first.ranking.entries)}, {read}", read == PAPERS),
        f"wall time, s (<= {WALL_TARGET:g})": (round(wall, 2), wall <= WALL_TARGET),
        "arXiv API requests (= 1)": (queries, queries == 1),
        "downloads (= 10)": (downloads, downloads == PAPERS),
        "summaries (= 10)": (calls, calls == PAPERS),
        "downloads on re-run (= 0)": (rerun_downloads, rerun_downloads == 0),
        "LLM calls on re-run (= 0)": (rerun_calls, rerun_calls == 0),
    }
    met = print_results(results, 30)
    print_memory()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
