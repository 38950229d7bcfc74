"""/ask through the loopback Discord, with an LLM that takes 0.5 s per answer, in two scenarios.

Each scenario is 200 /ask from 50 members, 4 distinct questions per member asked one after
another (a member asks again once it has the previous answer); half name a paper, half are routed
by full-text search. Every scenario gets a fresh bot, database and loopback Discord, and no
question repeats, so the answer cache never serves one. The organizer runs /setup and posts the
2021-09 ranking first (not measured). The bot runs with YOMIKAI_ASK_COOLDOWN=0 and
YOMIKAI_LLM_CONCURRENCY=64.

- burst: the 50 members all start at the same instant and ask back to back. Their answers
  return together, so the asks stay in lockstep and queue behind each other on the one event
  loop (bot, loopback and fakes share it): the overhead measured here is that queueing.
  Targets: every interaction acknowledged within 3 s, 0 loopback errors (limit violations,
  10062). The overhead is reported with no target.
- paced: each member starts at a random offset of 0-3 s and thinks 1-3 s between receiving an
  answer and asking the next (uniform, drawn from random.Random(7)). Targets: every interaction
  acknowledged within 3 s, 0 loopback errors, the bot's overhead per /ask (final answer time
  minus the LLM time measured at the fake) p95 <= 50 ms.

In both, every answer must arrive, and its usage row (`llm_usage`, purpose 'ask', written just
after the reply) must be stored before the bot is closed; the bench waits up to 10 s for them.

    .venv/bin/python -m bench.ask
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiosqlite
from aiohttp import web

from bench._common import memory_mib, percentiles, served_fakes
from bot.ask.qa import PURPOSE
from bot.config import load_settings
from bot.core import Pacing
from bot.llm.client import PURPOSE_HEADER
from bot.loopback import ApiError, Guild, InteractionResult, LoopbackDiscord, Member
from tests.bot_harness import running_yomikai
from tests.fakes.openai import FakeOpenAI
from tests.fixtures_papers import SAMPLE_MONTH

LLM_SECONDS = 0.5
MEMBERS = 50
ASKS_EACH = 4
ACK_LIMIT = 3.0
OVERHEAD_P95_LIMIT = 0.050
SEED = 7
START_SPREAD = (0.0, 3.0)  # paced: when a member's first ask starts, seconds
THINK_TIME = (1.0, 3.0)  # paced: from receiving an answer to asking the next, seconds
USAGE_TIMEOUT = 10.0
USAGE_POLL = 0.05
RUN_ENV = {"YOMIKAI_ASK_COOLDOWN": "0", "YOMIKAI_LLM_CONCURRENCY": "64"}
# As the tests pace the sources: no 3 s gap between arXiv calls during the unmeasured setup.
FAST = Pacing(arxiv_interval=0.0, arxiv_retry=0.01, huggingface_retry=0.01)
# Words from the sample papers' titles, so that every routed question finds a paper.
TOPICS = ("ConvMLP", "SegFormer", "infinite memory", "3D object detection", "graph contrastive")
_QUESTION = re.compile(r"<question>\s*(.*?)\s*</question>", re.S)

Spans = defaultdict[str, list[float]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Plan:
    """One member's pacing: seconds before the first ask, then before each following ask."""

    start: float
    thinks: tuple[float, ...]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    plans: list[Plan]
    overhead_limit: float | None  # None: the overhead is reported, with no target
    overhead_note: str = ""


@dataclass
class Ask:
    question: str
    result: InteractionResult
    visible: asyncio.Future[float]


@dataclass
class Outcome:
    asks: list[Ask]
    errors: list[ApiError]
    wall: float
    usage_rows: int
    usage_wait: float  # seconds from the last answer until the usage rows were all stored


def burst() -> Scenario:
    plans = [Plan(0.0, (0.0,) * (ASKS_EACH - 1)) for _ in range(MEMBERS)]
    return Scenario(
        "burst",
        "all starting at once, asking back to back",
        plans,
        overhead_limit=None,
        overhead_note="(queueing under a 50-ask burst; no target)",
    )


def paced() -> Scenario:
    rng = random.Random(SEED)
    starts = [rng.uniform(*START_SPREAD) for _ in range(MEMBERS)]
    plans = [
        Plan(start, tuple(rng.uniform(*THINK_TIME) for _ in range(ASKS_EACH - 1)))
        for start in starts
    ]
    return Scenario(
        "paced",
        f"starting over {START_SPREAD[0]:g}-{START_SPREAD[1]:g} s, thinking"
        f" {THINK_TIME[0]:g}-{THINK_TIME[1]:g} s between asks (seed {SEED})",
        plans,
        overhead_limit=OVERHEAD_P95_LIMIT,
    )


def questions(scenario: str, member: int) -> list[tuple[str, str | None]]:
    """(question, paper) pairs: even ones name a rank, odd ones are left to the search."""
    asks: list[tuple[str, str | None]] = []
    for n in range(ASKS_EACH):
        if n % 2 == 0:
            question = f"What is the main limitation, {scenario} member {member} ask {n}?"
            asks.append((question, str(n + 1)))
        else:
            topic = TOPICS[(member + n) % len(TOPICS)]
            asks.append((f"How does {topic} work, {scenario} member {member} ask {n}?", None))
    return asks


def question_of(body: dict[str, Any]) -> str | None:
    user = "\n".join(m["content"] for m in body.get("messages", []) if m.get("role") == "user")
    match = _QUESTION.search(user)
    return json.loads(match.group(1)) if match else None


def llm_timer(spans: Spans) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Middleware for the fake: per question, the time of each attempt until its answer is sent."""

    @web.middleware
    async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        arrived = loop.time()
        response = await handler(request)
        if request.headers.get(PURPOSE_HEADER) != PURPOSE:
            return response
        await response.prepare(request)
        await response.write_eof()
        finished = loop.time()
        spans[question_of(await request.json()) or ""].append(finished - arrived)
        return response

    return timed


def when_visible(api: LoopbackDiscord, result: InteractionResult) -> asyncio.Future[float]:
    """Resolves with the loopback's time at the moment the answer became visible."""
    # The loopback keeps no time for that, and a waiter woken later would add the loop's lag.
    visible: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    notify = result.changed

    def changed() -> None:
        if result.final and not visible.done():
            visible.set_result(api.world.now())
        notify()

    result.changed = changed  # type: ignore[method-assign]
    return visible


async def member_asks(
    api: LoopbackDiscord, guild: Guild, member: Member, index: int, scenario: str, plan: Plan
) -> list[Ask]:
    asks = []
    pauses = (plan.start, *plan.thinks)
    for pause, (question, paper) in zip(pauses, questions(scenario, index), strict=True):
        if pause > 0:
            await asyncio.sleep(pause)
        options = {"question": question, "month": SAMPLE_MONTH}
        if paper:
            options["paper"] = paper
        result = await api.invoke(guild, member, "ask", options)
        asks.append(Ask(question, result, when_visible(api, result)))
        with contextlib.suppress(TimeoutError):
            await result.wait_settled(timeout=10)
    return asks


async def organize(api: LoopbackDiscord, guild: Guild) -> None:
    channel = guild.channel("papers")
    for command, options in (
        ("setup", {"channel": channel}),
        ("post-ranking", {"month": SAMPLE_MONTH}),
    ):
        result = await api.invoke(guild, guild.owner, command, options)
        await result.wait_settled(timeout=30)
        if not result.final or result.error_responses:
            raise RuntimeError(result.describe())
    if not api.channel_messages(channel, include_ephemeral=False):
        raise RuntimeError("the ranking was not posted")


async def ask_usage_rows(reader: aiosqlite.Connection) -> int:
    async with reader.execute(
        "SELECT COUNT(*) FROM llm_usage WHERE purpose = ?", (PURPOSE,)
    ) as cursor:
        row = await cursor.fetchone()
    return row[0] if row else 0


async def await_usage(reader: aiosqlite.Connection, expected: int) -> tuple[int, float]:
    """(ask rows in llm_usage, seconds waited), waiting up to USAGE_TIMEOUT for `expected`."""
    # The bot stores each answer (cache and token usage) just after replying: closing it as soon
    # as the last answer is visible could cut those writes short.
    started = time.perf_counter()
    deadline = started + USAGE_TIMEOUT
    while True:
        rows = await ask_usage_rows(reader)
        if rows >= expected or time.perf_counter() >= deadline:
            return rows, time.perf_counter() - started
        await asyncio.sleep(USAGE_POLL)


async def run(scenario: Scenario, env: dict[str, str]) -> Outcome:
    async with LoopbackDiscord() as api:
        guild = api.add_guild("AI最新論文読み会", channels=("general", "papers"))
        members = [guild.add_member(f"member{i}", locale="ja") for i in range(MEMBERS)]
        discord_env = {
            "DISCORD_TOKEN": api.token,
            "YOMIKAI_DISCORD_API": api.api_url,
            "YOMIKAI_COMMAND_GUILDS": str(guild.id),
        }
        async with running_yomikai(api, load_settings(env | discord_env), FAST) as running:
            await api.wait_commands(guild, names=("ask",), timeout=10)
            await organize(api, guild)
            started = time.perf_counter()
            batches = await asyncio.gather(
                *(
                    member_asks(api, guild, member, i, scenario.name, plan)
                    for i, (member, plan) in enumerate(zip(members, scenario.plans, strict=True))
                )
            )
            wall = time.perf_counter() - started
            asks = [ask for batch in batches for ask in batch]
            rows, waited = await await_usage(running.core.store.reader, len(asks))
    return Outcome(asks, list(api.errors), wall, rows, waited)


def answered(ask: Ask, spans: Spans) -> bool:
    result = ask.result
    return (
        ask.visible.done()
        and not result.ephemeral
        and "Fake answer" in result.text
        and ask.question in spans
    )


def timings(asks: list[Ask], spans: Spans) -> dict[str, list[float]]:
    """Seconds per ask: acknowledgement of every ask; the rest only for the answered ones."""
    done = [ask for ask in asks if answered(ask, spans)]
    acks = [ask.result.ack_seconds for ask in asks]
    finals = [ask.visible.result() - ask.result.dispatched_at for ask in done]
    llm = [sum(spans[ask.question]) for ask in done]
    return {
        "ack": [math.inf if ack is None else ack for ack in acks],
        "final answer": finals,
        "LLM at the fake": llm,
        "bot overhead": [final - spent for final, spent in zip(finals, llm, strict=True)],
    }


def print_timings(rows: dict[str, list[float]], notes: dict[str, str]) -> None:
    print(f"{'ms':<28} {'p50':>7} {'p95':>7} {'max':>7}")
    for name, values in rows.items():
        p50, p95, top = (round(v * 1000, 1) for v in percentiles(values))
        note = f"  {notes[name]}" if name in notes else ""
        print(f"{name:<28} {p50:>7} {p95:>7} {top:>7}{note}")


def report(scenario: Scenario, outcome: Outcome, spans: Spans) -> bool:
    asks = outcome.asks
    print(
        f"{scenario.name}: /ask x{len(asks)} from {MEMBERS} members ({ASKS_EACH} each),"
        f" {scenario.description}"
    )
    rows = timings(asks, spans)
    print_timings(rows, {"bot overhead": scenario.overhead_note} if scenario.overhead_note else {})
    answers = len(rows["final answer"])
    late = sum(1 for ack in rows["ack"] if ack > ACK_LIMIT)
    results = {
        f"answered (= {len(asks)})": (answers, answers == len(asks)),
        "acks > 3 s (= 0)": (late, late == 0),
        "loopback errors (= 0)": (len(outcome.errors), not outcome.errors),
        f"usage rows stored (= {len(asks)})": (
            outcome.usage_rows,
            outcome.usage_rows == len(asks),
        ),
    }
    if scenario.overhead_limit is not None:
        overhead_p95 = percentiles(rows["bot overhead"])[1]
        limit_ms = round(scenario.overhead_limit * 1000)
        results[f"overhead p95, ms (<= {limit_ms})"] = (
            round(overhead_p95 * 1000, 1),
            overhead_p95 <= scenario.overhead_limit,
        )
    for name, (value, ok) in results.items():
        print(f"{name:<28} {value:>7}  {'ok' if ok else 'MISSED'}")
    for error in outcome.errors[:5]:
        print(f"  {error}")
    if outcome.usage_rows < len(asks):
        print(
            f"  only {outcome.usage_rows} of {len(asks)} 'ask' rows in llm_usage"
            f" after {USAGE_TIMEOUT:g} s: the bot's writes after replying did not all land"
        )
    retries = sum(len(spans[ask.question]) - 1 for ask in asks if ask.question in spans)
    print(
        f"LLM retries {retries}, wall time of the {len(asks)} asks {outcome.wall:.2f} s,"
        f" usage rows all stored {outcome.usage_wait * 1000:.0f} ms after the last answer"
    )
    return all(ok for _, ok in results.values())


async def main() -> int:
    openai = FakeOpenAI(delay=LLM_SECONDS)
    # Keyed by question, and no question repeats across the scenarios, so one record serves both.
    spans: Spans = defaultdict(list)
    openai.app.middlewares.append(llm_timer(spans))
    settings = ", ".join(f"{k}={v}" for k, v in RUN_ENV.items())
    print(f"LLM {LLM_SECONDS} s at the fake; settings: {settings}")
    passed = True
    async with served_fakes(openai) as fakes:
        for scenario in (burst(), paced()):
            outcome = await run(scenario, fakes.env(f"{scenario.name}.db") | RUN_ENV)
            print()
            passed = report(scenario, outcome, spans) and passed
    current, peak = memory_mib()
    print()
    print(f"memory after the run: VmRSS {current:.1f} MiB, peak {peak:.1f} MiB")
    print("(one process and event loop: the bot, the loopback Discord and the fakes)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
