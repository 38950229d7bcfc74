"""Fetch and summarize 10 papers with an LLM that takes 1.0 s per answer.

Targets: wall time under 2.5 s (summaries run concurrently), exactly 1 arXiv request,
1 LLM call per paper, 0 LLM calls on a re-run.

    .venv/bin/python -m bench.pipeline
"""

from __future__ import annotations

import asyncio
import sys
import time

from bench._common import served_fakes
from bot.config import load_settings
from bot.core import Core
from tests.fakes.openai import FakeOpenAI
from tests.fixtures_papers import SAMPLE_MONTH

LLM_SECONDS = 1.0


async def main() -> int:
    async with served_fakes(FakeOpenAI(delay=LLM_SECONDS)) as fakes:
        core = await Core.open(load_settings(fakes.env()))
        try:
            started = time.perf_counter()
            first = await core.pipeline.fetch(SAMPLE_MONTH, "ja")
            wall = time.perf_counter() - started
            calls = fakes.openai.count()
            await core.pipeline.fetch(SAMPLE_MONTH, "ja")
            rerun_calls = fakes.openai.count() - calls
        finally:
            await core.aclose()
    arxiv = fakes.arxiv
    results = {
        "papers stored": (len(first.ranking.entries), 10),
        "wall time, s (< 2.5)": (round(wall, 2), wall < 2.5),
        "arXiv requests (= 1)": (len(arxiv.queries()), len(arxiv.queries()) == 1),
        "LLM calls (= 10)": (calls, calls == 10),
        "LLM calls on re-run (= 0)": (rerun_calls, rerun_calls == 0),
    }
    for name, (value, ok) in results.items():
        print(f"{name:<28} {value:>6}  {'ok' if ok else 'MISSED'}")
    return 0 if all(ok for _, ok in results.values()) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
