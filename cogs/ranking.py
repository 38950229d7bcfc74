"""/ranking, /paper and /post-ranking: the month's papers and their cards."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.cards import paper_card, ranking_overview
from bot.discord_bot import YomikaiBot
from bot.guilds import GuildSettings
from bot.i18n import t
from bot.models import Ranking
from bot.months import MonthError
from bot.pipeline import FetchError
from bot.rankings import RankingPost
from bot.refs import RefError, resolve_ref
from cogs._common import (
    Interaction,
    _,
    is_organizer,
    member_language,
    month_of,
    paper_autocomplete,
    refuse,
    reply,
)
from cogs._menus import post_content

log = logging.getLogger(__name__)


class RankingCog(commands.Cog):
    def __init__(self, bot: YomikaiBot) -> None:
        self.bot = bot
        self.core = bot.core

    async def _stored(
        self, interaction: Interaction, month_text: str | None
    ) -> tuple[GuildSettings, Ranking | None]:
        """The guild's settings and the month's stored ranking; None after telling the member why."""
        assert interaction.guild_id is not None
        settings = await self.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        try:
            month = month_of(month_text, settings)
        except MonthError:
            await refuse(interaction, speak, "bad_month", month=(month_text or "")[:20])
            return settings, None
        ranking = await self.core.rankings.stored(month, settings.language)
        if ranking is None:
            await refuse(interaction, speak, "no_ranking", month=month)
        return settings, ranking

    @app_commands.command(name="ranking", description=_("Show the month's paper ranking"))
    @app_commands.guild_only()
    @app_commands.describe(month=_("Month as YYYY-MM (default: last month)"))
    async def ranking(self, interaction: Interaction, month: str | None = None) -> None:
        settings, ranking = await self._stored(interaction, month)
        if ranking is not None:
            await reply(
                interaction,
                embed=discord.Embed.from_dict(ranking_overview(ranking, settings.language)),
            )

    @app_commands.command(name="paper", description=_("Show one paper's summary card"))
    @app_commands.guild_only()
    @app_commands.describe(
        paper=_("Rank number, arXiv id or URL, or part of the title"),
        month=_("Month as YYYY-MM (default: last month)"),
    )
    async def paper(self, interaction: Interaction, paper: str, month: str | None = None) -> None:
        settings, ranking = await self._stored(interaction, month)
        if ranking is None:
            return
        try:
            entry = resolve_ref(ranking, paper)
        except RefError as exc:
            return await refuse(
                interaction, member_language(interaction, settings), exc.key, **exc.values
            )
        card = paper_card(entry, ranking.month, settings.language)
        await reply(interaction, embed=discord.Embed.from_dict(card))

    @paper.autocomplete("paper")
    async def paper_choices(self, interaction: Interaction, current: str) -> list[Choice[str]]:
        return await paper_autocomplete(self.core, interaction, current)

    @app_commands.command(
        name="post-ranking", description=_("Post the month's ranking to the study group's channel")
    )
    @app_commands.guild_only()
    @app_commands.describe(month=_("Month as YYYY-MM (default: last month)"))
    async def post_ranking(self, interaction: Interaction, month: str | None = None) -> None:
        assert interaction.guild_id is not None
        assert interaction.guild is not None
        settings = await self.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        if not is_organizer(interaction, settings):
            return await refuse(interaction, speak, "not_organizer")
        try:
            chosen = month_of(month, settings)
        except MonthError:
            return await refuse(interaction, speak, "bad_month", month=(month or "")[:20])
        channel = settings.channel_id and interaction.guild.get_channel(settings.channel_id)
        if not isinstance(channel, discord.TextChannel):
            return await refuse(interaction, speak, "no_channel")
        posted = await self.core.rankings.post(interaction.guild_id, chosen)
        if posted is not None:
            url = f"https://discord.com/channels/{posted.guild_id}/{posted.channel_id}/{posted.message_id}"
            return await refuse(interaction, speak, "already_posted", month=chosen, url=url)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            ranking, _report = await self.core.rankings.ensure(chosen, settings.language)
        except FetchError as exc:
            log.warning("guild %s: fetching %s failed: %s", interaction.guild_id, chosen, exc)
            return await refuse(
                interaction, speak, "fetch_failed", month=chosen, reason=str(exc)[:300]
            )
        await self.core.votes.open(interaction.guild_id, chosen)
        content = post_content(
            interaction.guild_id, ranking, settings.language, closed=False, pickup=None
        )
        message = await channel.send(**content)
        await self.core.rankings.save_post(
            RankingPost(interaction.guild_id, chosen, ranking.kind, channel.id, message.id)
        )
        pending = t(speak, "pending_count", count=ranking.pending) if ranking.pending else ""
        await reply(
            interaction,
            t(speak, "posted", month=chosen, channel=channel.mention) + pending,
            ephemeral=True,
        )


async def setup(bot: YomikaiBot) -> None:
    await bot.add_cog(RankingCog(bot))
