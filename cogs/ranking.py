"""/ranking, /paper, /post-ranking and /ranking-set: the month's papers and their cards."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.discord.cards import paper_card, ranking_overview
from bot.discord.client import YomikaiBot
from bot.discord.guilds import GuildSettings
from bot.i18n import t
from bot.models import RANKING_KINDS, Ranking
from bot.months import MonthError
from bot.papers.pipeline import FetchError, ListError
from bot.papers.rankings import RankingPost
from bot.papers.refs import RefError, resolve_ref
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

RANKING_COG = "Ranking"
KIND_CHOICES = [Choice(name=kind, value=kind) for kind in RANKING_KINDS]
# 24 arXiv URLs with versions, and the separators between them.
MAX_IDS_TEXT = 1200


class RankingCog(commands.Cog, name=RANKING_COG):
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
        ranking = await self.core.rankings.stored(month, settings.language, settings.guild_id)
        if ranking is None:
            await refuse(interaction, speak, "no_ranking", month=month)
        return settings, ranking

    async def _organizer_month(
        self, interaction: Interaction, month: str | None
    ) -> tuple[GuildSettings, str, str] | None:
        """The guild's settings, the member's language and the month named, for an organizer;
        None after telling a member, or an organizer who gave a malformed month, why not."""
        assert interaction.guild_id is not None
        settings = await self.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        if not is_organizer(interaction, settings):
            await refuse(interaction, speak, "not_organizer")
            return None
        try:
            return settings, speak, month_of(month, settings)
        except MonthError:
            await refuse(interaction, speak, "bad_month", month=(month or "")[:20])
            return None

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
    @app_commands.describe(
        month=_("Month as YYYY-MM (default: last month)"),
        kind=_("Which ranking (default: the guild's own list if set, else the stored one)"),
    )
    @app_commands.choices(kind=KIND_CHOICES)
    async def post_ranking(
        self, interaction: Interaction, month: str | None = None, kind: Choice[str] | None = None
    ) -> None:
        assert interaction.guild is not None
        asked = await self._organizer_month(interaction, month)
        if asked is None:
            return
        _, speak, chosen = asked
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.publish(interaction.guild, chosen, kind=kind.value if kind else None)
        await reply(interaction, outcome.message(speak), ephemeral=True)

    @app_commands.command(
        name="ranking-set", description=_("Set the guild's own list of papers for a month")
    )
    @app_commands.guild_only()
    @app_commands.describe(
        ids=_("arXiv ids or URLs in rank order, separated by spaces or commas (at most 24)"),
        month=_("Month as YYYY-MM (default: last month)"),
    )
    async def ranking_set(
        self,
        interaction: Interaction,
        ids: app_commands.Range[str, 1, MAX_IDS_TEXT],
        month: str | None = None,
    ) -> None:
        assert interaction.guild is not None
        asked = await self._organizer_month(interaction, month)
        if asked is None:
            return
        settings, speak, chosen = asked
        refs = [ref for ref in re.split(r"[\s,]+", ids) if ref]
        if not refs or len(ids) > MAX_IDS_TEXT:
            return await refuse(interaction, speak, "list_empty", limit=MAX_IDS_TEXT)
        # arXiv is asked about every id, paced: more than Discord's 3 seconds may pass.
        await interaction.response.defer(ephemeral=True, thinking=True)
        set_by = interaction.user.display_name
        try:
            ranking = await self.core.rankings.set_list(
                settings.guild_id, chosen, refs, settings.language, set_by
            )
        except ListError as exc:
            log.info("guild %s: list for %s refused: %s", settings.guild_id, chosen, exc)
            return await refuse(interaction, speak, exc.key, **{"month": chosen, **exc.values})
        overview = ranking_overview(ranking, settings.language)
        text = t(speak, "list_saved", month=chosen, count=len(ranking.entries))
        await reply(interaction, text, embed=discord.Embed.from_dict(overview), ephemeral=True)

    async def publish(
        self, guild: discord.Guild, month: str, *, kind: str | None = None, top: int = 10
    ) -> Published:
        """Post the month's ranking with its vote menu, once per guild and month: of `kind`, or
        by default the one the guild sees (its own list when it set one)."""
        settings = await self.core.guilds.get(guild.id)
        channel = settings.channel_id and guild.get_channel(settings.channel_id)
        if not isinstance(channel, discord.TextChannel):
            return Published("no_channel", month)
        if not await self.core.rankings.claim_post(guild.id, month):
            return Published("already_posted", month, url=await self._post_url(guild.id, month))
        try:
            ranking = await self.core.rankings.ensure(
                month, settings.language, guild_id=guild.id, kind=kind, top=top
            )
            await self.core.votes.open(guild.id, month)
            content = post_content(guild.id, ranking, settings.language, closed=False, pickup=None)
            message = await channel.send(**content)
        except ListError as exc:
            await self.core.rankings.release_post(guild.id, month)
            return Published(exc.key, month)
        except (FetchError, discord.HTTPException) as exc:
            await self.core.rankings.release_post(guild.id, month)
            log.warning("guild %s: posting %s failed: %s", guild.id, month, exc)
            return Published("fetch_failed", month, reason=str(exc)[:300])
        except BaseException:
            await self.core.rankings.release_post(guild.id, month)
            raise
        await self.core.rankings.save_post(
            RankingPost(guild.id, month, ranking.kind, channel.id, message.id)
        )
        return Published("posted", month, channel=channel.mention, pending=ranking.pending)

    async def _post_url(self, guild_id: int, month: str) -> str:
        post = await self.core.rankings.post(guild_id, month)
        if post is None or post.message_id is None:
            return "…"
        return f"https://discord.com/channels/{guild_id}/{post.channel_id}/{post.message_id}"


@dataclass(frozen=True)
class Published:
    """What publishing a month's ranking came to, and how to tell an organizer."""

    outcome: str  # posted, already_posted, no_channel, fetch_failed or list_none
    month: str
    channel: str = ""
    url: str = ""
    reason: str = ""
    pending: int = 0

    def message(self, language: str) -> str:
        if self.outcome == "no_channel":
            return t(language, "no_channel")
        values = {
            "month": self.month,
            "channel": self.channel,
            "url": self.url,
            "reason": self.reason,
        }
        text = t(language, self.outcome, **values)
        if self.outcome == "posted" and self.pending:
            text += t(language, "pending_count", count=self.pending)
        return text


async def setup(bot: YomikaiBot) -> None:
    await bot.add_cog(RankingCog(bot))
