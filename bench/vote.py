"""500 members each vote once through the ranking post's menu, through the loopback Discord.

The organizer runs /setup and posts the 2021-09 ranking first (not measured). Then the 500
members click the vote menu as fast as possible, with at most 100 clicks in flight (a click is
in flight from its INTERACTION_CREATE until its answer is visible or refused); each member picks
one of the ten papers in turn. Afterwards the organizer runs /tally.

Targets: every vote recorded exactly once (500 rows in `votes`, 500 distinct members, each the
paper clicked, and /tally counts 500 voters), acknowledgement p95 < 1 s, the 500 clicks all
answered within 10 s, 0 loopback errors (limit violations, 10062 for late answers). An ack time
runs from a click's INTERACTION_CREATE to the callback the loopback accepted, so it leaves out the
wait for a slot among the 100; the 10 s run from the first click to the last answer. Memory is
this one process's: the bot, the loopback Discord and the fakes share it and its event loop.

    .venv/bin/python -m bench.vote
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import time
from dataclasses import dataclass

from bench._common import memory_mib, percentiles, print_results, served_fakes
from bot.config import load_settings
from bot.core import Core, Pacing
from bot.i18n import t
from bot.loopback import ApiError, Guild, InteractionResult, LoopbackDiscord, Member, Message
from tests.bot_harness import running_yomikai
from tests.fakes.openai import FakeOpenAI
from tests.fixtures_papers import EXPECTED_TOP10, SAMPLE_MONTH

VOTERS = 500
IN_FLIGHT = 100
ACK_P95_LIMIT = 1.0
WALL_LIMIT = 10.0
CLICK_TIMEOUT = 10.0
LANGUAGE = "ja"
# As the tests pace the sources: no 3 s gap between arXiv calls during the unmeasured setup.
FAST = Pacing(arxiv_interval=0.0, arxiv_retry=0.01, huggingface_retry=0.01)


@dataclass
class Outcome:
    results: list[InteractionResult]
    wall: float
    rows: int
    distinct: int
    wrong: int  # rows whose paper is not the one the member clicked
    tally_voters: int | None
    errors: list[ApiError]


def choice_of(index: int) -> str:
    return EXPECTED_TOP10[index % len(EXPECTED_TOP10)]


def menu_id(message: Message) -> str:
    [row] = message.components
    [select] = row["components"]
    return select["custom_id"]


async def settled(result: InteractionResult, timeout: float = 30.0) -> InteractionResult:
    await result.wait_settled(timeout)
    if not result.final or result.error_responses:
        raise RuntimeError(result.describe())
    return result


async def organize(api: LoopbackDiscord, guild: Guild) -> Message:
    channel = guild.channel("papers")
    await settled(await api.invoke(guild, guild.owner, "setup", {"channel": channel}))
    await settled(await api.invoke(guild, guild.owner, "post-ranking", {"month": SAMPLE_MONTH}))
    [post] = api.channel_messages(channel, include_ephemeral=False)
    return post


async def click(
    api: LoopbackDiscord,
    guild: Guild,
    post: Message,
    member: Member,
    choice: str,
    gate: asyncio.Semaphore,
) -> InteractionResult:
    async with gate:
        result = await api.click(guild, member, post, menu_id(post), values=[choice])
        with contextlib.suppress(TimeoutError):
            await result.wait_settled(CLICK_TIMEOUT)
        return result


async def burst(
    api: LoopbackDiscord, guild: Guild, post: Message, members: list[Member]
) -> tuple[list[InteractionResult], float]:
    gate = asyncio.Semaphore(IN_FLIGHT)
    started = time.perf_counter()
    results = await asyncio.gather(
        *(click(api, guild, post, m, choice_of(i), gate) for i, m in enumerate(members))
    )
    return list(results), time.perf_counter() - started


async def tally_voters(api: LoopbackDiscord, guild: Guild) -> int | None:
    """The voter count in the embed of the organizer's /tally."""
    result = await settled(await api.invoke(guild, guild.owner, "tally", {"month": SAMPLE_MONTH}))
    prefix, suffix = t(LANGUAGE, "tally_voters", count="\0").split("\0")
    found = re.search(
        re.escape(prefix) + r"(\d+)" + re.escape(suffix), result.message.embeds[0]["description"]
    )
    return int(found[1]) if found else None


async def stored(core: Core, guild_id: int, members: list[Member]) -> tuple[int, int, int]:
    """(rows, distinct members, rows whose paper is not the clicked one) in `votes`."""
    async with core.store.conn.execute(
        "SELECT member_id, arxiv_id FROM votes WHERE guild_id = ? AND month = ?",
        (guild_id, SAMPLE_MONTH),
    ) as cursor:
        rows = [(row[0], row[1]) for row in await cursor.fetchall()]
    clicked = {m.id: choice_of(i) for i, m in enumerate(members)}
    wrong = sum(1 for member, paper in rows if clicked.get(member) != paper)
    return len(rows), len({member for member, _ in rows}), wrong


async def run(env: dict[str, str]) -> Outcome:
    async with LoopbackDiscord() as api:
        guild = api.add_guild("AI最新論文読み会", channels=("general", "papers"), locale=LANGUAGE)
        members = [guild.add_member(f"voter{i}", locale=LANGUAGE) for i in range(VOTERS)]
        env |= {
            "DISCORD_TOKEN": api.token,
            "YOMIKAI_DISCORD_API": api.api_url,
            "YOMIKAI_COMMAND_GUILDS": str(guild.id),
        }
        async with running_yomikai(api, load_settings(env), FAST) as running:
            await api.wait_commands(guild, names=("tally",), timeout=10)
            post = await organize(api, guild)
            results, wall = await burst(api, guild, post, members)
            rows, distinct, wrong = await stored(running.core, guild.id, members)
            voters = await tally_voters(api, guild)
        return Outcome(results, wall, rows, distinct, wrong, voters, list(api.errors))


def report(outcome: Outcome) -> bool:
    acks = [r.ack_seconds if r.ack_seconds is not None else float("inf") for r in outcome.results]
    p50, p95, top = percentiles(acks)
    recorded = sum(1 for r in outcome.results if r.final and r.text.startswith("#"))
    results = {
        "answered 'recorded' (= 500)": (recorded, recorded == VOTERS),
        "rows in votes (= 500)": (outcome.rows, outcome.rows == VOTERS),
        "distinct members (= 500)": (outcome.distinct, outcome.distinct == VOTERS),
        "rows not as clicked (= 0)": (outcome.wrong, outcome.wrong == 0),
        "/tally voters (= 500)": (outcome.tally_voters, outcome.tally_voters == VOTERS),
        "ack p50, ms": (round(p50 * 1000, 1), True),
        "ack p95, ms (< 1000)": (round(p95 * 1000, 1), p95 < ACK_P95_LIMIT),
        "ack max, ms": (round(top * 1000, 1), True),
        "500 votes, s (<= 10)": (round(outcome.wall, 2), outcome.wall <= WALL_LIMIT),
        "loopback errors (= 0)": (len(outcome.errors), not outcome.errors),
    }
    print(f"{VOTERS} members vote once each, at most {IN_FLIGHT} clicks in flight")
    met = print_results(results, 28)
    for error in outcome.errors[:5]:
        print(f"  {error}")
    current, peak = memory_mib()
    print(f"memory after the run: VmRSS {current:.1f} MiB, peak {peak:.1f} MiB")
    print("(one process and event loop: the bot, the loopback Discord and the fake sources)")
    return met


async def main() -> int:
    async with served_fakes(FakeOpenAI()) as fakes:
        outcome = await run(fakes.env())
    return 0 if report(outcome) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
