"""The discord.py bot: loads the cogs and registers slash commands only when they changed."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import signal
from collections.abc import Callable
from datetime import datetime
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot.core import Core
from bot.i18n import command_text, t
from bot.schedules.runner import utc_now

log = logging.getLogger(__name__)

# How long SIGTERM waits for in-flight interactions (an /ask may wait on the LLM).
SHUTDOWN_TIMEOUT = 25.0
EXTENSIONS = (
    "cogs.setup",
    "cogs.ranking",
    "cogs.ask",
    "cogs.vote",
    "cogs.schedule",
    "cogs.meetup",
    "cogs.digest",
    "cogs.edit",
    "cogs.usage",
    "cogs.search",
)


class Translator(app_commands.Translator):
    """Japanese names and descriptions for commands; English is the default text."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale is not discord.Locale.japanese:
            return None
        return command_text("ja", string.message)


class Tree(app_commands.CommandTree["YomikaiBot"]):
    async def interaction_check(self, interaction: discord.Interaction[YomikaiBot]) -> bool:
        return await interaction.client.admit(interaction)


class YomikaiBot(commands.Bot):
    def __init__(
        self, core: Core, *, clock: Callable[[], datetime] = utc_now, **options: Any
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            # LLM output may contain @everyone: no message of ours may ping anyone.
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=Tree,
            **options,
        )
        self.core = core
        # Schedules read the time from here, so tests can move it without waiting.
        self.clock = clock
        self.draining = False
        self._in_flight: set[asyncio.Task[Any]] = set()

    def track(self) -> bool:
        """Register the running task as in-flight work; False once shutdown has begun."""
        if self.draining:
            return False
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return True

    async def admit(self, interaction: discord.Interaction[YomikaiBot]) -> bool:
        """Count the interaction as in flight, or turn it away while the bot shuts down."""
        if self.track():
            return True
        if interaction.type is not discord.InteractionType.autocomplete:
            language = "ja" if interaction.locale is discord.Locale.japanese else "en"
            await interaction.response.send_message(t(language, "restarting"), ephemeral=True)
        return False

    async def drain(self, timeout: float) -> int:
        """Refuse new work and wait up to `timeout` for what is in flight; return what is left."""
        self.draining = True
        if self._busy():
            log.info("finishing %d interaction(s) before shutting down", len(self._busy()))
        return await self.idle(timeout)

    async def idle(self, timeout: float) -> int:
        """Wait up to `timeout` for the work in flight now (an answer still streaming, say);
        return how much is left."""
        pending = self._busy()
        if pending:
            _, pending = await asyncio.wait(pending, timeout=timeout)
        return len(pending)

    def _busy(self) -> set[asyncio.Task[Any]]:
        # The caller's own task may be in flight too: it cannot wait for itself.
        current = asyncio.current_task()
        return {task for task in self._in_flight if not task.done() and task is not current}

    async def setup_hook(self) -> None:
        self.tree.on_error = self.on_command_error
        await self.tree.set_translator(Translator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()

    async def on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Log what broke; tell the member briefly, never with a traceback."""
        if isinstance(error, app_commands.CheckFailure):
            return  # turned away while shutting down; already told
        name = interaction.command.qualified_name if interaction.command else "?"
        log.error("/%s in guild %s failed", name, interaction.guild_id, exc_info=error)
        language = "ja" if interaction.locale is discord.Locale.japanese else "en"
        text = t(language, "error_generic")
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell the member that /%s failed", name)

    async def sync_commands(self) -> list[str]:
        """Sync each scope whose command payload differs from the last one synced there."""
        guilds = [discord.Object(guild_id) for guild_id in self.core.settings.command_guilds]
        synced = []
        for guild in guilds or [None]:
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
            scope = str(guild.id) if guild else "global"
            digest = await self._payload_hash(guild)
            if await self.core.store.command_hash(scope) == digest:
                continue
            await self.tree.sync(guild=guild)
            await self.core.store.save_command_hash(scope, digest)
            log.info("slash commands registered (%s)", scope)
            synced.append(scope)
        return synced

    async def _payload_hash(self, guild: discord.abc.Snowflake | None) -> str:
        translator = self.tree.translator
        assert translator is not None
        payload = [
            await command.get_translated_payload(self.tree, translator)
            for command in self.tree.get_commands(guild=guild)
        ]
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


class LoginRejected(Exception):
    pass


async def connect(bot: YomikaiBot) -> None:
    """Log in, find the gateway through the API, and serve until the bot closes."""
    settings = bot.core.settings
    # discord.py reads its REST base and default gateway from class attributes; taking the
    # gateway from this API's /gateway/bot lets the same code run against a loopback API.
    discord.http.Route.BASE = settings.discord_api
    try:
        await bot.login(settings.discord_token or "")
    except discord.LoginFailure as exc:
        raise LoginRejected("Discord rejected DISCORD_TOKEN; copy the bot token again") from exc
    _, gateway, _ = await bot.http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    await bot.connect()


async def run_bot(core: Core, *, shutdown_timeout: float = SHUTDOWN_TIMEOUT) -> None:
    """Serve until the connection ends or SIGTERM/SIGINT; then finish in-flight work and close."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with YomikaiBot(core) as bot:
            serving = asyncio.create_task(connect(bot))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if serving.done():
                return serving.result()
            log.info("shutting down")
            left = await bot.drain(shutdown_timeout)
            if left:
                log.warning(
                    "%d interaction(s) still running after %.0f s; stopping anyway",
                    left,
                    shutdown_timeout,
                )
            await bot.close()
            await serving
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
