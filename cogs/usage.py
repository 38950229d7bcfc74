"""/usage: the month's LLM calls, tokens and estimated cost, for organizers, privately."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import YomikaiBot
from bot.months import MonthError, current_month, parse_month
from bot.usage.render import usage_embed
from bot.usage.report import usage_report
from cogs._common import Interaction, _, is_organizer, member_language, refuse, reply


class UsageCog(commands.Cog):
    def __init__(self, bot: YomikaiBot) -> None:
        self.bot = bot
        self.core = bot.core

    @app_commands.command(
        name="usage", description=_("The month's LLM tokens and estimated cost (organizers)")
    )
    @app_commands.guild_only()
    @app_commands.describe(month=_("Month as YYYY-MM (default: this month, so far)"))
    async def usage(self, interaction: Interaction, month: str | None = None) -> None:
        assert interaction.guild_id is not None
        settings = await self.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        if not is_organizer(interaction, settings):
            return await refuse(interaction, speak, "not_organizer")
        now = self.bot.clock()
        try:
            chosen = parse_month(month) if month else current_month(now, settings.timezone)
        except MonthError:
            return await refuse(interaction, speak, "bad_month", month=(month or "")[:20])
        report = await usage_report(
            self.core.store,
            chosen,
            self.core.settings.llm_prices,
            guild_id=interaction.guild_id,
            timezone=settings.timezone,
            now=now,
        )
        embed = discord.Embed.from_dict(usage_embed(report, speak))
        await reply(interaction, embed=embed, ephemeral=True)


async def setup(bot: YomikaiBot) -> None:
    await bot.add_cog(UsageCog(bot))
