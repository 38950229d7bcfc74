"""Starting the bot: a missing or rejected token is one clear line, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.discord.client import LoginRejected
from bot.loopback import LoopbackDiscord
from tests.bot_harness import running_yomikai
from tests.conftest import FAST, Services
from tests.test_cli import one_line_error, yomikai


def test_run_without_a_token_says_so(tmp_path: Path) -> None:
    line = one_line_error(yomikai({"YOMIKAI_DB": str(tmp_path / "y.db")}, "run"))
    assert line.startswith("yomikai: DISCORD_TOKEN is not set")


async def test_a_rejected_token_is_reported(services: Services, tmp_path: Path) -> None:
    async with LoopbackDiscord() as api:
        env = services.env(
            tmp_path / "y.db", DISCORD_TOKEN="not-the-token", YOMIKAI_DISCORD_API=api.api_url
        )
        with pytest.raises(LoginRejected, match="Discord rejected DISCORD_TOKEN"):
            async with running_yomikai(api, load_settings(env), FAST):
                pass


async def test_a_restart_does_not_register_unchanged_commands(
    services: Services, tmp_path: Path
) -> None:
    async with LoopbackDiscord() as api:
        guild = api.add_guild("読み会")
        settings = services.bot_settings(tmp_path / "y.db", api, guild)
        for _ in range(2):
            async with running_yomikai(api, settings, FAST):
                await api.wait_commands(guild, names=("ask",), timeout=10)
        assert api.command_puts(guild) == 1
        assert api.command_puts(None) == 0
