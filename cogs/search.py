"""/search: the papers of every stored month that a member's query is about."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.ask.archive import MAX_HITS, SearchError, checked_query
from bot.discord.cards import search_results
from bot.discord.client import YomikaiBot
from bot.discord.limits import shorten
from bot.i18n import t
from cogs._common import Interaction, _, member_language, refuse, reply

log = logging.getLogger(__name__)


class SearchCog(commands.Cog):
    def __init__(self, bot: YomikaiBot) -> None:
        self.bot = bot
        self.core = bot.core

    @app_commands.command(name="search", description=_("Search the papers of every month"))
    @app_commands.guild_only()
    @app_commands.describe(
        query=_("What to look for (2 to 200 characters, any language)"),
        count=_("How many papers to show (default 5)"),
    )
    async def search(
        self,
        interaction: Interaction,
        query: str,
        count: app_commands.Range[int, 1, MAX_HITS] = 5,
    ) -> None:
        assert interaction.guild_id is not None
        settings = await self.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        try:
            text = checked_query(query)
        except SearchError as exc:
            return await refuse(interaction, speak, exc.key, **exc.values)
        await interaction.response.defer(thinking=True)
        found = await self.core.archive.search(settings.guild_id, settings.language, text, count)
        log.info("guild %s: /search found %d papers", settings.guild_id, len(found.hits))
        shown = shorten(text, 100)
        if not found.papers:
            return await reply(interaction, t(speak, "search_empty"))
        if not found.hits:
            return await reply(interaction, t(speak, "search_none", query=shown))
        embed = search_results(shown, found, settings.language)
        await reply(interaction, embed=discord.Embed.from_dict(embed))


async def setup(bot: YomikaiBot) -> None:
    await bot.add_cog(SearchCog(bot))
