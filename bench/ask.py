"""/ask through the loopback Discord, answers streamed by an LLM that takes 0.5 s to its first
token and 20 ms per token after (about 2 s per answer), in two scenarios.

Each scenario is 200 /ask from 50 members, 4 distinct questions per member asked one after
another (a member asks again once it has the previous answer); half name a paper, half are routed
by full-text search. Every scenario gets a fresh bot, database and loopback Discord, and no
question repeats, so the answer cache never serves one. The organizer runs /setup and posts the
2021-09 ranking first (not measured; the papers' full texts are read then). The bot runs with
YOMIKAI_ASK_COOLDOWN=0 and YOMIKAI_LLM_CONCURRENCY=64. Beside every /ask the member also sends
/bench-ping, a bare discord.py command added for the benchmark that answers at once: its
acknowledgement is the yardstick for /ask's.

- burst: the 50 members all start at the same instant and ask back to back; the overhead and
  the acknowledgement ratio are queueing on the one event loop (bot, loopback and fakes share
  it) and have no target.
- paced: each member starts at a random offset of 0-3 s and thinks 1-3 s between receiving an
  answer and asking the next (uniform, random.Random(7)). Targets: the bot's overhead per /ask
  (the whole answer visible, minus the LLM's time at the fake) p95 <= 20 ms, and /ask's
  acknowledgement p95 within 2x that of /bench-ping.

Both: every interaction acknowledged within 3 s; the first text visible in Discord at most 1.2 s (p95) after the LLM sent its
first token; 0 loopback errors (limit violations, edit rate, 10062); every answer whole, and
its usage row stored before the bot is closed.

    .venv/bin/python -m bench.ask
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiosqlite
import discord
from aiohttp import web
from discord import app_commands

from bench._common import memory_mib, percentiles, print_results, served_fakes
from bot.ask.qa import PURPOSE
from bot.config import load_settings
from bot.core import Pacing
from bot.discord.client import YomikaiBot
from bot.llm.client import PURPOSE_HEADER
from bot.loopback import ApiError, Guild, InteractionResult, LoopbackDiscord, Member
from tests.bot_harness import running_yomikai
from tests.fakes.llm_answers import reading_llm
from tests.fixtures_papers import SAMPLE_MONTH

LLM_SECONDS = 0.5
TOKEN_SECONDS = 0.02
# About 100 tokens: streamed over ~2 s, so each answer is edited in place a couple of times.
ANSWER = " ".join(f"Point {i} of the answer, from the paper." for i in range(11)) + " That is all."
FIRST_TEXT_P95_LIMIT = 1.2
ACK_RATIO_LIMIT = 2.0
MEMBERS = 50
ASKS_EACH = 4
ACK_LIMIT = 3.0
OVERHEAD_P95_LIMIT = 0.020
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
    seen: Seen
    ping: InteractionResult


@dataclass
class Seen:
    """When the answer's first text and its whole text became visible (loopback time)."""

    first: float | None = None
    whole: float | None = None


@dataclass
class Outcome:
    asks: list[Ask]
    errors: list[ApiError]
    wall: float
    usage_rows: int
    usage_wait: float  # seconds from the last answer until the usage rows were all stored
    first_tokens: dict[str, float]  # question -> loop time the fake sent its first token


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


def watch(api: LoopbackDiscord, result: InteractionResult) -> Seen:
    """Record when the answer first shows text and when it is whole, as the loopback sees it."""
    # The loopback keeps no time for that, and a waiter woken later would add the loop's lag.
    seen = Seen()
    notify = result.changed

    def changed() -> None:
        if result.final and seen.first is None:
            seen.first = api.world.now()
        if seen.whole is None and "That is all." in result.text:
            seen.whole = api.world.now()
        notify()

    result.changed = changed  # type: ignore[method-assign]
    return seen


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
        ping = await api.invoke(guild, member, "bench-ping", {})
        result = await api.invoke(guild, member, "ask", options)
        ask = Ask(question, result, watch(api, result), ping)
        asks.append(ask)
        with contextlib.suppress(TimeoutError):
            await api.wait_until(lambda ask=ask: ask.seen.whole is not None, timeout=15)
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


async def add_ping(bot: YomikaiBot, guild_id: int) -> None:
    """A bare discord.py command that answers at once: the yardstick for acknowledgements."""

    @app_commands.command(name="bench-ping", description="Answers at once")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    guild = discord.Object(guild_id)
    bot.tree.add_command(ping, guild=guild)
    await bot.tree.sync(guild=guild)


async def run(scenario: Scenario, env: dict[str, str], first_tokens: dict[str, float]) -> Outcome:
    async with LoopbackDiscord() as api:
        guild = api.add_guild("AI最新論文読み会", channels=("general", "papers"))
        members = [guild.add_member(f"member{i}", locale="ja") for i in range(MEMBERS)]
        discord_env = {
            "DISCORD_TOKEN": api.token,
            "YOMIKAI_DISCORD_API": api.api_url,
            "YOMIKAI_COMMAND_GUILDS": str(guild.id),
        }
        async with running_yomikai(api, load_settings(env | discord_env), FAST) as running:
            await add_ping(running.bot, guild.id)
            await api.wait_commands(guild, names=("ask", "bench-ping"), timeout=10)
            await organize(api, guild)
            await running.core.rankings.settled(SAMPLE_MONTH, "ja", timeout=60)
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
    return Outcome(asks, list(api.errors), wall, rows, waited, first_tokens)


def answered(ask: Ask, spans: Spans) -> bool:
    return ask.seen.whole is not None and not ask.result.ephemeral and ask.question in spans


def edits(result: InteractionResult) -> int:
    return sum(1 for message in result.messages for w in message.writes if w.kind == "edit")


def timings(
    asks: list[Ask], spans: Spans, first_tokens: dict[str, float]
) -> dict[str, list[float]]:
    """Seconds per ask: acknowledgements of every ask; the rest only for the answered ones."""
    done = [ask for ask in asks if answered(ask, spans)]
    finals = [ask.seen.whole - ask.result.dispatched_at for ask in done]  # type: ignore[operator]
    llm = [sum(spans[ask.question]) for ask in done]
    return {
        "ack /ask": [_ack(ask.result) for ask in asks],
        "ack /bench-ping": [_ack(ask.ping) for ask in asks],
        "first token -> first text": [
            ask.seen.first - first_tokens[ask.question]  # type: ignore[operator]
            for ask in done
            if ask.question in first_tokens
        ],
        "whole answer": finals,
        "LLM at the fake": llm,
        "bot overhead": [final - spent for final, spent in zip(finals, llm, strict=True)],
    }


def _ack(result: InteractionResult) -> float:
    return math.inf if result.ack_seconds is None else result.ack_seconds


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
    rows = timings(asks, spans, outcome.first_tokens)
    print_timings(rows, {"bot overhead": scenario.overhead_note} if scenario.overhead_note else {})
    answers = len(rows["whole answer"])
    late = sum(1 for ack in rows["ack /ask"] + rows["ack /bench-ping"] if ack > ACK_LIMIT)
    ratio = percentiles(rows["ack /ask"])[1] / percentiles(rows["ack /bench-ping"])[1]
    first_p95 = percentiles(rows["first token -> first text"])[1]
    per_answer = [edits(ask.result) for ask in asks if answered(ask, spans)]
    print(f"{'edits per answer':<28} {min(per_answer):>7} {statistics.median(per_answer):>7g}"
          f" {max(per_answer):>7}  (min, median, max)")  # fmt: skip
    results = {
        f"answered (= {len(asks)})": (answers, answers == len(asks)),
        "acks > 3 s (= 0)": (late, late == 0),
        f"first text p95, ms (<= {FIRST_TEXT_P95_LIMIT * 1000:g})": (
            round(first_p95 * 1000, 1),
            first_p95 <= FIRST_TEXT_P95_LIMIT,
        ),
        "loopback errors (= 0)": (len(outcome.errors), not outcome.errors),
        f"usage rows stored (= {len(asks)})": (
            outcome.usage_rows,
            outcome.usage_rows == len(asks),
        ),
    }
    if scenario.overhead_limit is None:
        print(f"{'ack p95 /ask : /bench-ping':<28} {ratio:>7.2f}  (queueing; no target)")
    else:
        results[f"ack p95 /ask : /bench-ping (<= {ACK_RATIO_LIMIT:g})"] = (
            round(ratio, 2),
            ratio <= ACK_RATIO_LIMIT,
        )
        overhead_p95 = percentiles(rows["bot overhead"])[1]
        limit_ms = round(scenario.overhead_limit * 1000)
        results[f"overhead p95, ms (<= {limit_ms})"] = (
            round(overhead_p95 * 1000, 1),
            overhead_p95 <= scenario.overhead_limit,
        )
    met = print_results(results, 28)
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
    return met


async def main() -> int:
    openai = reading_llm(delay=LLM_SECONDS, token_delay=TOKEN_SECONDS)
    openai.text_responder = lambda body: ANSWER
    # Keyed by question, and no question repeats across the scenarios, so one record serves both.
    spans: Spans = defaultdict(list)
    first_tokens: dict[str, float] = {}
    openai.app.middlewares.append(llm_timer(spans))

    def first_token(body: dict[str, Any]) -> None:
        first_tokens[question_of(body) or ""] = asyncio.get_running_loop().time()

    openai.on_first_token = first_token
    settings = ", ".join(f"{k}={v}" for k, v in RUN_ENV.items())
    print(
        f"LLM {LLM_SECONDS} s to the first token, {TOKEN_SECONDS * 1000:g} ms per token after;"
        f" settings: {settings}"
    )
    passed = True
    async with served_fakes(openai) as fakes:
        for scenario in (burst(), paced()):
            env = fakes.env(f"{scenario.name}.db") | RUN_ENV
            outcome = await run(scenario, env, first_tokens)
            print()
            passed = report(scenario, outcome, spans) and passed
    current, peak = memory_mib()
    print()
    print(f"memory after the run: VmRSS {current:.1f} MiB, peak {peak:.1f} MiB")
    print("(one process and event loop: the bot, the loopback Discord and the fakes)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
