"""Run the real YomikaiBot against the loopback Discord API, the way `yomikai run` starts it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

import discord
from discord.gateway import DiscordWebSocket

from bot.config import Settings
from bot.core import Core, Pacing
from bot.discord.client import YomikaiBot, connect
from bot.loopback import LoopbackDiscord
from bot.schedules.runner import utc_now


@dataclass
class RunningBot:
    bot: YomikaiBot
    core: Core
    task: asyncio.Task[None]


@contextlib.asynccontextmanager
async def running_yomikai(
    api: LoopbackDiscord,
    settings: Settings,
    pacing: Pacing,
    *,
    clock: Callable[[], datetime] = utc_now,
    timeout: float = 10.0,
) -> AsyncIterator[RunningBot]:
    """Start the bot through bot.discord.client.connect (login, /gateway/bot, gateway) until ready."""
    saved = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    core = await Core.open(settings, pacing)
    bot = YomikaiBot(core, clock=clock, guild_ready_timeout=0.05)
    task = asyncio.create_task(connect(bot), name="yomikai")
    try:
        ready = asyncio.ensure_future(asyncio.wait_for(bot.wait_until_ready(), timeout))
        done, _ = await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()
            raise RuntimeError("the bot stopped before it was ready")
        ready.result()
        yield RunningBot(bot, core, task)
    finally:
        await bot.drain(timeout)  # as `yomikai run` does on SIGTERM
        await bot.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout)
        await core.aclose()
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
