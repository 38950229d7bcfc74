"""A SIGKILL of `yomikai run` in the middle of a burst of clicks loses no acknowledged vote.

The month is posted by the in-process bot; then that bot stops and the real `python -m bot run`
serves the same database and loopback API from a subprocess, which is killed once some of the
burst's clicks were acknowledged."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from bot.config import ENV_NAMES
from bot.loopback import InteractionResult, LoopbackDiscord, Member, Message
from tests.conftest import DiscordWorld
from tests.fixtures_papers import EXPECTED_TOP10, SAMPLE_MONTH
from tests.test_votes import posted, vote_menu_id

VOTERS = 200
KILL_AFTER_ACKS = 50
START_TIMEOUT = 15.0


def bot_env(world: DiscordWorld, extra: dict[str, str] | None = None) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES and k != "YOMIKAI_CONFIG"}
    return (
        clean
        | (extra or {})
        | {
            "DISCORD_TOKEN": world.api.token,
            "YOMIKAI_DISCORD_API": world.api.api_url,
            "YOMIKAI_DB": str(world.settings.db),
            "YOMIKAI_COMMAND_GUILDS": str(world.guild.id),
        }
    )


async def stop_in_process_bot(world: DiscordWorld) -> None:
    await world.stack.aclose()
    # Its session must be gone, or wait_ready would count it for the subprocess's.
    await world.api.world.watch.wait_until(
        lambda: world.api.gateway.ready_sessions == 0, 5, lambda: "the in-process bot is still up"
    )


def output_of(log: Path) -> str:
    return log.read_text(errors="replace")


async def wait_ready(api: LoopbackDiscord, proc: asyncio.subprocess.Process, log: Path) -> None:
    """Until the subprocess's gateway session is READY; fails at once if it exits."""
    ready = asyncio.ensure_future(api.wait_ready(START_TIMEOUT))
    exited = asyncio.ensure_future(proc.wait())
    await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
    if exited.done():
        ready.cancel()
        raise AssertionError(f"yomikai run exited with {proc.returncode}:\n{output_of(log)}")
    exited.cancel()
    ready.result()


@contextlib.asynccontextmanager
async def yomikai_run(
    world: DiscordWorld, log: Path, extra_env: dict[str, str] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    with log.open("wb") as output:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=bot_env(world, extra_env),
            stdout=output,
            stderr=output,
        )
    try:
        await wait_ready(world.api, proc, log)
        yield proc
    except Exception as exc:
        exc.add_note(f"yomikai run output:\n{output_of(log)}")
        raise
    finally:
        if proc.returncode is None:
            proc.kill()
        await asyncio.wait_for(proc.wait(), 10)


def choice_of(index: int) -> str:
    return EXPECTED_TOP10[index % len(EXPECTED_TOP10)]


async def burst(
    world: DiscordWorld, message: Message, voters: list[Member]
) -> list[InteractionResult]:
    custom_id = vote_menu_id(message)
    return await asyncio.gather(
        *(
            world.api.click(world.guild, member, message, custom_id, values=[choice_of(i)])
            for i, member in enumerate(voters)
        )
    )


async def wait_acks(api: LoopbackDiscord, results: list[InteractionResult], count: int) -> None:
    def acked() -> int:
        return sum(r.acked for r in results)

    await api.world.watch.wait_until(
        lambda: acked() >= count, 15, lambda: f"{acked()}/{count} clicks acknowledged"
    )


def stored_votes(db: Path, guild_id: int) -> list[tuple[int, str]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        [(integrity,)] = conn.execute("PRAGMA integrity_check").fetchall()
        assert integrity == "ok"
        return conn.execute(
            "SELECT member_id, arxiv_id FROM votes WHERE guild_id = ? AND month = ?",
            (guild_id, SAMPLE_MONTH),
        ).fetchall()


async def test_a_sigkill_mid_burst_loses_no_acknowledged_vote(
    world: DiscordWorld, tmp_path: Path
) -> None:
    message = await posted(world)
    voters = [world.guild.add_member(f"voter{i}") for i in range(VOTERS)]
    await stop_in_process_bot(world)
    log = tmp_path / "yomikai-run.log"
    async with yomikai_run(world, log) as proc:
        results = await burst(world, message, voters)
        await wait_acks(world.api, results, KILL_AFTER_ACKS)
        proc.kill()
        await asyncio.wait_for(proc.wait(), 10)
    acked = {r.member.id: i for i, r in enumerate(results) if r.acked}
    rows = stored_votes(world.settings.db, world.guild.id)
    ballots = dict(rows)
    assert len(ballots) == len(rows), "a member has two ballots"
    expected = {voter.id: choice_of(i) for i, voter in enumerate(voters)}
    lost = [member for member in acked if ballots.get(member) != expected[member]]
    assert lost == [], f"{len(lost)} of {len(acked)} acknowledged votes are not stored"
    assert all(choice == expected.get(member) for member, choice in ballots.items())
    assert all(results[i].text.startswith("#") for i in acked.values())
    assert KILL_AFTER_ACKS <= len(acked) < VOTERS, "the kill did not land mid-burst"
