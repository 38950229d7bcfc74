"""SIGTERM lets the bot finish what members are waiting for, then it closes cleanly."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path

from bot.i18n import t
from tests.conftest import DiscordWorld
from tests.test_vote_durability import output_of, stop_in_process_bot, yomikai_run
from tests.test_votes import posted

MONTH = "2021-09"


async def logged(log: Path, text: str, timeout: float = 10.0) -> None:
    """Until the bot's log holds `text`."""
    async with asyncio.timeout(timeout):
        while True:
            if text in output_of(log):
                return
            await asyncio.sleep(0.05)  # a log file gives no event to wait on


async def test_sigterm_during_an_ask_still_answers_it(world: DiscordWorld, tmp_path: Path) -> None:
    await posted(world)
    await stop_in_process_bot(world)
    openai = world.services.openai
    openai.delay = 2.0
    log = tmp_path / "bot.log"
    env = openai.settings_env(world.services.urls["openai"])
    async with yomikai_run(world, log, env) as proc:
        ask = await world.api.invoke(
            world.guild,
            world.member,
            "ask",
            {"question": "What did the ablation show?", "paper": "3", "month": MONTH},
        )
        await ask.wait_ack()
        proc.send_signal(signal.SIGTERM)
        await logged(log, "shutting down")
        late = await world.api.invoke(world.guild, world.organizer, "ranking", {"month": MONTH})
        assert (await late.wait_settled()).text == t("ja", "restarting")
        await ask.wait_final(timeout=10)
        # The answer streams in: the whole of it arrives before the bot exits.
        await world.api.wait_until(
            lambda: "1.7 points" in ask.text, timeout=10, what="the whole answer"
        )
        assert ask.text.endswith("(<https://arxiv.org/html/2109.04454v2#S3.SS2>)")
        assert await asyncio.wait_for(proc.wait(), 15) == 0
    with sqlite3.connect(world.settings.db) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        asked = db.execute("SELECT count(*) FROM llm_usage WHERE purpose = 'ask'").fetchone()[0]
    assert asked == 1  # stored after the reply, before the database closed
