"""The pickup vote: the menu on the ranking post, /vote, /tally, /close-vote, /reopen-vote,
/export-votes. Menus are persistent: their custom_id carries guild and month."""

from __future__ import annotations

import asyncio
import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cards import (
    WITHDRAW,
    paper_card,
    paper_label,
    tally_embed,
)
from bot.discord.client import YomikaiBot
from bot.discord.guilds import GuildSettings
from bot.i18n import t
from bot.models import RankedPaper, Ranking
from bot.months import MonthError
from bot.papers.refs import RefError, resolve_ref
from bot.votes.book import Closing, VoteStatus
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
from cogs._menus import VOTE_COG, PickMenu, VoteMenu, menu, post_content
from cogs.meetup import MEETUP_COG, MeetupCog, presenter_view

log = logging.getLogger(__name__)


class VoteCog(commands.Cog, name=VOTE_COG):
    def __init__(self, bot: YomikaiBot) -> None:
        self.bot = bot
        self.core = bot.core
        self._refreshing: dict[str, asyncio.Task[None]] = {}
        self._stale: set[str] = set()

    async def cog_load(self) -> None:
        self.core.rankings.listeners.append(self.notes_landed)

    async def cog_unload(self) -> None:
        self.core.rankings.listeners.remove(self.notes_landed)
        for task in self._refreshing.values():
            task.cancel()

    async def notes_landed(self, month: str) -> None:
        """New notes for the month: its ranking posts show them, edited at a polite rate."""
        self._stale.add(month)
        running = self._refreshing.get(month)
        if running is None or running.done():
            self._refreshing[month] = asyncio.create_task(self._refresh_month(month))

    async def _refresh_month(self, month: str) -> None:
        # Discord rate-limits edits; notes land one by one, so edits are spaced and coalesced.
        while month in self._stale:
            self._stale.discard(month)
            for guild_id in await self.core.rankings.posted_guilds(month):
                guild = self.bot.get_guild(guild_id)
                settings = await self.core.guilds.get(guild_id)
                ranking = await self.core.rankings.stored(
                    month, settings.language, settings.guild_id
                )
                if guild is None or ranking is None:
                    continue
                status, pickup_id = await self.core.votes.status(guild_id, month)
                pickup = next((e for e in ranking.entries if e.paper.arxiv_id == pickup_id), None)
                closed = status is VoteStatus.CLOSED
                await self._refresh_post(guild, ranking, closed=closed, pickup=pickup)
            await asyncio.sleep(self.core.pacing.post_refresh)

    async def _ranking_context(
        self, interaction: Interaction, month_text: str | None, *, organizer: bool
    ) -> tuple[GuildSettings, str, Ranking] | None:
        """Settings, language and the month's ranking, or None after telling the member why."""
        assert interaction.guild_id is not None
        settings = await self.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        if organizer and not is_organizer(interaction, settings):
            return await refuse(interaction, speak, "not_organizer")
        try:
            month = month_of(month_text, settings)
        except MonthError:
            return await refuse(interaction, speak, "bad_month", month=(month_text or "")[:20])
        ranking = await self.core.rankings.stored(month, settings.language, settings.guild_id)
        if ranking is None:
            return await refuse(interaction, speak, "no_ranking", month=month)
        return settings, speak, ranking

    async def _context(
        self, interaction: Interaction, month_text: str | None, *, organizer: bool
    ) -> tuple[GuildSettings, str, Ranking] | None:
        """As _ranking_context, and the month's vote must have been opened."""
        context = await self._ranking_context(interaction, month_text, organizer=organizer)
        if context is None:
            return None
        assert interaction.guild_id is not None
        status, _ = await self.core.votes.status(interaction.guild_id, context[2].month)
        if status is VoteStatus.NOT_OPEN:
            return await refuse(interaction, context[1], "vote_none_open", month=context[2].month)
        return context

    async def cast(self, interaction: Interaction, month: str, choice: str) -> None:
        """A click on the ballot menu: `choice` is an arXiv id or WITHDRAW."""
        context = await self._ranking_context(interaction, month, organizer=False)
        if context is not None:
            _, speak, ranking = context
            await self._record(interaction, speak, ranking, choice)

    async def _record(
        self, interaction: Interaction, speak: str, ranking: Ranking, choice: str
    ) -> None:
        """Store the member's ballot and confirm it privately."""
        assert interaction.guild_id is not None
        if interaction.user.bot:
            return await refuse(interaction, speak, "vote_bots")
        entry = next((e for e in ranking.entries if e.paper.arxiv_id == choice), None)
        if entry is None and choice != WITHDRAW:
            return await refuse(
                interaction, speak, "ref_unknown", ref=choice[:100], month=ranking.month
            )
        guild_id, month, member = interaction.guild_id, ranking.month, interaction.user
        arxiv_id = entry.paper.arxiv_id if entry else None
        if not await self.core.votes.cast(
            guild_id, month, member.id, member.display_name, arxiv_id
        ):
            # Only a refused ballot needs to know why: never opened, or closed.
            status, _ = await self.core.votes.status(guild_id, month)
            key = "vote_none_open" if status is VoteStatus.NOT_OPEN else "vote_not_open"
            return await refuse(interaction, speak, key, month=month)
        text = (
            t(speak, "vote_recorded", label=paper_label(entry))
            if entry
            else t(speak, "vote_withdrawn")
        )
        await reply(interaction, text, ephemeral=True)

    @app_commands.command(name="vote", description=_("Vote for the month's pickup paper"))
    @app_commands.guild_only()
    @app_commands.describe(
        paper=_("The paper to vote for"), month=_("Month as YYYY-MM (default: last month)")
    )
    async def vote(self, interaction: Interaction, paper: str, month: str | None = None) -> None:
        context = await self._ranking_context(interaction, month, organizer=False)
        if context is None:
            return
        _, speak, ranking = context
        try:
            entry = resolve_ref(ranking, paper)
        except RefError as exc:
            return await refuse(interaction, speak, exc.key, **exc.values)
        await self._record(interaction, speak, ranking, entry.paper.arxiv_id)

    @vote.autocomplete("paper")
    async def vote_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await paper_autocomplete(self.core, interaction, current)

    @app_commands.command(name="tally", description=_("Show the votes (organizers)"))
    @app_commands.guild_only()
    @app_commands.describe(
        month=_("Month as YYYY-MM (default: last month)"),
        public=_("Post the tally in the channel for everyone"),
    )
    async def tally(
        self, interaction: Interaction, month: str | None = None, public: bool = False
    ) -> None:
        context = await self._context(interaction, month, organizer=True)
        if context is None:
            return
        settings, speak, ranking = context
        assert interaction.guild_id is not None
        counted = await self.core.votes.tally(interaction.guild_id, ranking)
        status, _ = await self.core.votes.status(interaction.guild_id, ranking.month)
        language = settings.language if public else speak
        embed = tally_embed(counted, ranking.month, language, closed=status is VoteStatus.CLOSED)
        await reply(interaction, embed=discord.Embed.from_dict(embed), ephemeral=not public)

    @app_commands.command(
        name="close-vote",
        description=_("Close the vote and announce the pickup paper (organizers)"),
    )
    @app_commands.guild_only()
    @app_commands.describe(month=_("Month as YYYY-MM (default: last month)"))
    async def close_vote(self, interaction: Interaction, month: str | None = None) -> None:
        context = await self._context(interaction, month, organizer=True)
        if context is None:
            return
        settings, speak, ranking = context
        assert interaction.guild_id is not None
        # Closing edits the post and announces: more than Discord's 3 s may allow.
        await interaction.response.defer(ephemeral=True, thinking=True)
        closing = await self.core.votes.close(
            interaction.guild_id, ranking, higher_rank_wins=settings.higher_rank_wins
        )
        if closing.tied:
            return await self._offer_tie(interaction, speak, ranking, closing)
        await self._conclude(interaction, settings, speak, ranking, closing)

    async def _offer_tie(
        self, interaction: Interaction, speak: str, ranking: Ranking, closing: Closing
    ) -> None:
        assert interaction.guild_id is not None
        await self._refresh_post(interaction.guild, ranking, closed=True, pickup=None)
        options = [(paper_label(e), e.paper.arxiv_id) for e in closing.tied[:25]]
        select = menu(
            f"yomikai:pick:{interaction.guild_id}:{ranking.month}",
            options,
            t(speak, "close_pick_placeholder"),
        )
        view = discord.ui.View(timeout=None)
        view.add_item(PickMenu(interaction.guild_id, ranking.month, select))
        labels = ", ".join(f"#{e.rank}" for e in closing.tied)
        await reply(interaction, t(speak, "close_tie", labels=labels), view=view, ephemeral=True)

    async def pick(self, interaction: Interaction, month: str, arxiv_id: str) -> None:
        """An organizer's choice among the tied papers."""
        context = await self._context(interaction, month, organizer=True)
        if context is None:
            return
        settings, speak, ranking = context
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        closing = await self.core.votes.decide(interaction.guild_id, ranking, arxiv_id)
        await self._conclude(interaction, settings, speak, ranking, closing)

    async def _conclude(
        self,
        interaction: Interaction,
        settings: GuildSettings,
        speak: str,
        ranking: Ranking,
        closing: Closing,
    ) -> None:
        pickup = closing.pickup
        if pickup is None:
            return await refuse(interaction, speak, "vote_not_open", month=ranking.month)
        if not closing.decided_now:
            return await refuse(
                interaction, speak, "close_already", month=ranking.month, label=paper_label(pickup)
            )
        await self._refresh_post(interaction.guild, ranking, closed=True, pickup=pickup)
        if interaction.guild is not None:
            await self._announce(interaction.guild, settings, ranking, closing)
        await reply(interaction, t(speak, "close_done", label=paper_label(pickup)), ephemeral=True)

    async def _announce(
        self, guild: discord.Guild, settings: GuildSettings, ranking: Ranking, closing: Closing
    ) -> None:
        """Announce the pickup with its card and the "I'll present" button; the meetup (thread,
        outline, event) follows from the announcement."""
        channel = self._channel(guild, settings.channel_id)
        pickup = closing.pickup
        if pickup is None:
            return
        announcement = None
        if channel is not None:
            votes = dict((e.paper.arxiv_id, n) for e, n in closing.tally.counts)
            text = t(
                settings.language,
                "pickup_announcement",
                month=ranking.month,
                label=paper_label(pickup),
                votes=votes[pickup.paper.arxiv_id],
                voters=closing.tally.voters,
            )
            card = discord.Embed.from_dict(paper_card(pickup, ranking.month, settings.language))
            view = presenter_view(guild.id, ranking.month, settings.language)
            announcement = await channel.send(text, embed=card, view=view)
        meetups: MeetupCog | None = self.bot.get_cog(MEETUP_COG)  # type: ignore[assignment]
        if meetups is None:
            return
        try:
            await meetups.pickup_announced(guild, settings, ranking, pickup, announcement)
        except Exception:
            # The vote is closed and announced whatever becomes of its meetup.
            log.exception("guild %s: the meetup of the %s pickup failed", guild.id, ranking.month)

    @app_commands.command(name="reopen-vote", description=_("Reopen a closed vote (organizers)"))
    @app_commands.guild_only()
    @app_commands.describe(month=_("Month as YYYY-MM (default: last month)"))
    async def reopen_vote(self, interaction: Interaction, month: str | None = None) -> None:
        context = await self._context(interaction, month, organizer=True)
        if context is None:
            return
        _, speak, ranking = context
        assert interaction.guild_id is not None
        await self.core.votes.open(interaction.guild_id, ranking.month)
        await self._refresh_post(interaction.guild, ranking, closed=False, pickup=None)
        await reply(interaction, t(speak, "reopened", month=ranking.month), ephemeral=True)

    @app_commands.command(
        name="export-votes", description=_("Download the votes as CSV (organizers)")
    )
    @app_commands.guild_only()
    @app_commands.describe(month=_("Month as YYYY-MM (default: last month)"))
    async def export_votes(self, interaction: Interaction, month: str | None = None) -> None:
        context = await self._context(interaction, month, organizer=True)
        if context is None:
            return
        _, speak, ranking = context
        assert interaction.guild_id is not None
        text = await self.core.votes.export_csv(interaction.guild_id, ranking)
        count = text.count("\n") - 1
        # A BOM lets spreadsheet programs read the Japanese names as UTF-8.
        data = io.BytesIO(text.encode("utf-8-sig"))
        file = discord.File(data, filename=f"votes-{ranking.month}.csv")
        await reply(
            interaction,
            t(speak, "export_done", month=ranking.month, count=count),
            file=file,
            ephemeral=True,
        )

    @staticmethod
    def _channel(guild: discord.Guild | None, channel_id: int | None) -> discord.TextChannel | None:
        channel = guild.get_channel(channel_id) if guild and channel_id else None
        return channel if isinstance(channel, discord.TextChannel) else None

    async def _refresh_post(
        self,
        guild: discord.Guild | None,
        ranking: Ranking,
        *,
        closed: bool,
        pickup: RankedPaper | None,
    ) -> None:
        """Show the vote's state on the ranking post; a deleted post is not an error."""
        if guild is None:
            return
        settings = await self.core.guilds.get(guild.id)
        post = await self.core.rankings.post(guild.id, ranking.month)
        channel = self._channel(guild, post.channel_id if post else None)
        if post is None or post.message_id is None or channel is None:
            return
        content = post_content(guild.id, ranking, settings.language, closed=closed, pickup=pickup)
        try:
            await channel.get_partial_message(post.message_id).edit(**content)
        except discord.HTTPException as exc:
            log.warning("guild %s: ranking post %s not updated: %s", guild.id, post.message_id, exc)

    async def close_on_schedule(self, guild: discord.Guild, month: str) -> str:
        """/close-vote without an organizer: a tie the organizers break is left to them."""
        settings = await self.core.guilds.get(guild.id)
        ranking = await self.core.rankings.stored(month, settings.language, settings.guild_id)
        status, _ = await self.core.votes.status(guild.id, month)
        if ranking is None or status is not VoteStatus.OPEN:
            return f"no open vote ({status.value})"
        closing = await self.core.votes.close(
            guild.id, ranking, higher_rank_wins=settings.higher_rank_wins
        )
        await self._refresh_post(guild, ranking, closed=True, pickup=closing.pickup)
        channel = self._channel(guild, settings.channel_id)
        if closing.tied:
            labels = ", ".join(f"#{e.rank}" for e in closing.tied)
            if channel is not None:
                await channel.send(
                    t(settings.language, "close_tie_scheduled", month=month, labels=labels)
                )
            return f"tie between {labels}: organizers choose"
        if closing.decided_now:
            await self._announce(guild, settings, ranking, closing)
        assert closing.pickup is not None
        return f"pickup {closing.pickup.paper.arxiv_id}"

    async def remind(self, guild: discord.Guild, month: str, hours: int) -> str:
        """Tell the channel the vote closes soon, with the current leader and turnout."""
        settings = await self.core.guilds.get(guild.id)
        ranking = await self.core.rankings.stored(month, settings.language, settings.guild_id)
        status, _ = await self.core.votes.status(guild.id, month)
        channel = self._channel(guild, settings.channel_id)
        if ranking is None or status is not VoteStatus.OPEN or channel is None:
            return f"nothing to remind ({status.value})"
        tally = await self.core.votes.tally(guild.id, ranking)
        leaders = ", ".join(paper_label(e) for e in tally.leaders) if tally.voters else "—"
        text = t(
            settings.language,
            "vote_reminder",
            month=month,
            hours=hours,
            leader=leaders,
            voters=tally.voters,
        )
        await channel.send(text)
        return f"reminded ({tally.voters} voters)"


async def setup(bot: YomikaiBot) -> None:
    bot.add_dynamic_items(VoteMenu, PickMenu)
    await bot.add_cog(VoteCog(bot))
