"""/ask retrieval over a month of 10 long papers (about 1,000 passages, each paper over the
12,000-token budget), with embeddings from the fake server.

Measured per question, in the bot's own process: choosing the passages for a named paper
(`QA.prepare`: FTS5 BM25 + embedding similarity, fused, within the budget, and the prompt
built) and routing a question to a paper (`QA.route`). Both include the question's embedding
request to the local fake, which answers at once. Targets: p95 of each at most 20 ms; the
prompt's passages never above YOMIKAI_ASK_CONTEXT_TOKENS, the whole prompt never above the
budget plus the fixed prompt.

    .venv/bin/python -m bench.retrieval
"""

from __future__ import annotations

import asyncio
import sys
import time

from bench._common import percentiles, print_memory, print_results, served_fakes
from bot.ask.qa import ask_messages
from bot.config import load_settings
from bot.core import Core
from bot.llm.tokens import estimate_tokens
from tests.fakes.latexml import big_latexml_page
from tests.fakes.llm_answers import reading_llm
from tests.fixtures_papers import SAMPLE_MONTH

PAGE_BYTES = 150_000
QUESTIONS = 200
TARGET_MS = 20.0
TOPICS = ("router", "experts", "load", "batch", "ablation", "training", "memory", "dataset")


def question(n: int) -> str:
    if n % 2:
        return f"アブレーションと{TOPICS[n % len(TOPICS)]}について教えて ({n})"
    return f"How does the {TOPICS[n % len(TOPICS)]} behave as the batch grows? ({n})"


def prompt_tokens(messages: list[dict[str, str]]) -> int:
    return sum(estimate_tokens(m["content"]) for m in messages)


async def main() -> int:
    async with served_fakes(reading_llm()) as fakes:
        for n, served in enumerate(fakes.arxiv.files.values()):
            served["html"] = big_latexml_page(PAGE_BYTES, seed=n).encode()
        core = await Core.open(load_settings(fakes.env()))
        try:
            await core.pipeline.fetch(SAMPLE_MONTH, "ja")
            ranking = await core.rankings.stored(SAMPLE_MONTH, "ja")
            assert ranking is not None
            async with core.store.reader.execute("SELECT count(*) FROM chunks") as cursor:
                (chunks,) = await cursor.fetchone()  # type: ignore[misc]
            budget = core.qa.context_tokens
            prepare_ms, route_ms, over = [], [], 0
            for n in range(QUESTIONS):
                entry = ranking.entries[n % len(ranking.entries)]
                text = question(n)
                started = time.perf_counter()
                prepared = await core.qa.prepare(entry, text)
                prepare_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                await core.qa.route(ranking, text)
                route_ms.append((time.perf_counter() - started) * 1000)
                fixed = prompt_tokens(ask_messages(entry, text, None))
                if prompt_tokens(prepared.messages) > budget + fixed:
                    over += 1
        finally:
            await core.aclose()
    p50, p95, top = percentiles(prepare_ms)
    r50, r95, rtop = percentiles(route_ms)
    print(f"month: {len(ranking.entries)} papers, {chunks} passages; budget {budget} tokens")
    print(f"{'ms':<34} {'p50':>6} {'p95':>6} {'max':>6}")
    print(f"{'passages for a named paper':<34} {p50:>6.1f} {p95:>6.1f} {top:>6.1f}")
    print(f"{'routing a question (10 papers)':<34} {r50:>6.1f} {r95:>6.1f} {rtop:>6.1f}")
    results = {
        f"passages p95, ms (<= {TARGET_MS:g})": (round(p95, 1), p95 <= TARGET_MS),
        f"routing p95, ms (<= {TARGET_MS:g})": (round(r95, 1), r95 <= TARGET_MS),
        "prompts over budget + fixed (= 0)": (over, over == 0),
        "passages (about 1,000)": (chunks, 800 <= chunks <= 1200),
    }
    met = print_results(results)
    print_memory()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
