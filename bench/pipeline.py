"""Fetch and summarize 10 papers with an LLM that takes 1.0 s per answer.

Targets: wall time under 2.5 s (summaries run concurrently), exactly 1 arXiv request,
1 LLM call per paper, 0 LLM calls on a re-run.

    .venv/bin/python -m bench.pipeline
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bot.config import load_settings
from bot.core import Core
from tests.fakes.arxiv import ARXIV_PATH, FakeArxiv
from tests.fakes.huggingface import FakeHuggingFace
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import serve
from tests.fixtures_papers import SAMPLE_MONTH, arxiv_records, hf_items

LLM_SECONDS = 1.0


async def main() -> int:
    huggingface = FakeHuggingFace({SAMPLE_MONTH: hf_items()})
    arxiv, openai = FakeArxiv(arxiv_records()), FakeOpenAI(delay=LLM_SECONDS)
    with tempfile.TemporaryDirectory() as folder:
        async with (
            serve(huggingface.make_app()) as hf_url,
            serve(arxiv.make_app()) as arxiv_url,
            serve(openai.app) as openai_url,
        ):
            env = {
                "YOMIKAI_DB": str(Path(folder) / "bench.db"),
                "YOMIKAI_HF_API": hf_url,
                "YOMIKAI_ARXIV_API": arxiv_url + ARXIV_PATH,
            } | openai.settings_env(openai_url)
            core = await Core.open(load_settings(env))
            try:
                started = time.perf_counter()
                first = await core.pipeline.fetch(SAMPLE_MONTH, "ja")
                wall = time.perf_counter() - started
                calls = openai.count()
                await core.pipeline.fetch(SAMPLE_MONTH, "ja")
                rerun_calls = openai.count() - calls
            finally:
                await core.aclose()
    results = {
        "papers stored": (len(first.ranking.entries), 10),
        "wall time, s (< 2.5)": (round(wall, 2), wall < 2.5),
        "arXiv requests (= 1)": (len(arxiv.requests), len(arxiv.requests) == 1),
        "LLM calls (= 10)": (calls, calls == 10),
        "LLM calls on re-run (= 0)": (rerun_calls, rerun_calls == 0),
    }
    for name, (value, ok) in results.items():
        print(f"{name:<28} {value:>6}  {'ok' if ok else 'MISSED'}")
    return 0 if all(ok for _, ok in results.values()) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
