"""/digest: the week's papers in the newsletter's shape, posted once per guild and week."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, replace
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.digest.posts import DigestPost
from bot.digest.records import Digest
from bot.digest.render import Embed, digest_messages
from bot.digest.weeks import WeekError, check_over, last_complete_week, parse_week
from bot.discord.client import YomikaiBot
from bot.discord.guilds import GuildSettings
from bot.i18n import t
from bot.papers.pipeline import FetchError
from cogs._common import Interaction, _, is_organizer, member_language, refuse, reply

log = logging.getLogger(__name__)

DIGEST_COG = "Digest"


def week_option(text: str | None, settings: GuildSettings, now: datetime) -> str:
    """The week named, or by default the last complete ISO week in the guild's timezone; a
    week not over yet raises WeekError."""
    week = parse_week(text) if text else last_complete_week(now, settings.timezone)
    return check_over(week, now, settings.timezone)


def _embeds(group: list[Embed]) -> list[discord.Embed]:
    return [discord.Embed.from_dict(embed) for embed in group]


class DigestCog(commands.Cog, name=DIGEST_COG):
    def __init__(self, bot: YomikaiBot) -> None:
        self.bot = bot
        self.core = bot.core

    @app_commands.command(
        name="digest",
        description=_("Post the week's paper digest, or show it to you (members)"),
    )
    @app_commands.guild_only()
    @app_commands.describe(week=_("ISO week as YYYY-Www (default: last week)"))
    async def digest(self, interaction: Interaction, week: str | None = None) -> None:
        assert interaction.guild is not None
        settings = await self.core.guilds.get(interaction.guild.id)
        speak = member_language(interaction, settings)
        try:
            chosen = week_option(week, settings, self.bot.clock())
        except WeekError as exc:
            return await refuse(interaction, speak, exc.key, **exc.values)
        if not is_organizer(interaction, settings):
            return await self._show(interaction, chosen, settings, speak)
        # Reading the papers and writing their items takes longer than Discord's 3 s.
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.publish(interaction.guild, chosen)
        await reply(interaction, outcome.message(speak), ephemeral=True)

    async def _show(
        self, interaction: Interaction, week: str, settings: GuildSettings, speak: str
    ) -> None:
        """A member gets the stored digest privately; making one is for organizers."""
        digest = await self.core.digests.stored(week, settings.language)
        if digest is None:
            return await refuse(interaction, speak, "no_digest", week=week)
        for group in digest_messages(digest):
            await reply(interaction, embeds=_embeds(group), ephemeral=True)

    async def publish(
        self, guild: discord.Guild, week: str, *, top: int | None = None
    ) -> DigestPublished:
        """Make the week's digest (`top` papers; default: as many as it was made with, or
        DEFAULT_TOP) and post it to the guild's channel, once per guild and week; when it is
        posted already, fill in what the post lacked and point to it."""
        settings = await self.core.guilds.get(guild.id)
        channel = settings.channel_id and guild.get_channel(settings.channel_id)
        if not isinstance(channel, discord.TextChannel):
            return DigestPublished("no_channel", week)
        posted = await self.core.digests.posts.get(guild.id, week)
        if posted is not None and posted.message_ids:
            return await self._already(guild, posted, settings.language)
        try:
            report = await self.core.digests.make(week, settings.language, top=top)
        except FetchError as exc:
            log.warning("guild %s: making the %s digest failed: %s", guild.id, week, exc)
            return DigestPublished("failed", week, reason=str(exc)[:300])
        if not await self.core.digests.posts.claim(guild.id, week):
            posted = await self.core.digests.posts.get(guild.id, week)
            return DigestPublished("already_posted", week, url=(posted and posted.url) or "…")
        sent: list[discord.Message] = []
        try:
            await self._send(channel, report.digest, sent)
        except discord.HTTPException as exc:
            await self.core.digests.posts.release(guild.id, week)
            log.warning("guild %s: posting the %s digest failed: %s", guild.id, week, exc)
            return DigestPublished("failed", week, reason=str(exc)[:300])
        except BaseException:
            # Stopped mid-way (a shutdown): a message may have gone out unseen, so the claim
            # stays (a later run takes it over after STALE_CLAIM) rather than risk a second post.
            if sent:
                await self._record(guild.id, week, channel.id, sent, report.digest.missing)
            raise
        await self._record(guild.id, week, channel.id, sent, report.digest.missing)
        return DigestPublished(
            "posted", week, channel=channel.mention, pending=report.digest.pending
        )

    async def _send(
        self, channel: discord.TextChannel, digest: Digest, sent: list[discord.Message]
    ) -> None:
        """Send every message of the digest into `sent`, or none: a post Discord refused
        half-way is taken back."""
        try:
            for group in digest_messages(digest):
                sent.append(await channel.send(embeds=_embeds(group)))
        except discord.HTTPException:
            for message in sent:
                with contextlib.suppress(discord.HTTPException):
                    await message.delete()
            sent.clear()
            raise

    async def _record(
        self, guild_id: int, week: str, channel_id: int, sent: list[discord.Message], missing: int
    ) -> None:
        ids = tuple(message.id for message in sent)
        await self.core.digests.posts.save(DigestPost(guild_id, week, channel_id, ids, missing))

    async def _already(
        self, guild: discord.Guild, posted: DigestPost, language: str
    ) -> DigestPublished:
        refreshed = posted.missing > 0 and await self._refresh(guild, posted, language)
        return DigestPublished(
            "already_posted", posted.week, url=posted.url or "…", refreshed=refreshed
        )

    async def _refresh(self, guild: discord.Guild, posted: DigestPost, language: str) -> bool:
        """Write what the post lacked and edit it in place; False when nothing changed."""
        try:
            digest = (await self.core.digests.make(posted.week, language)).digest
        except FetchError as exc:
            log.warning("guild %s: completing the %s digest failed: %s", guild.id, posted.week, exc)
            return False
        groups = digest_messages(digest)
        channel = posted.channel_id and guild.get_channel(posted.channel_id)
        if (
            digest.missing >= posted.missing
            or len(groups) != len(posted.message_ids)
            or not isinstance(channel, discord.TextChannel)
        ):
            return False
        try:
            for message_id, group in zip(posted.message_ids, groups, strict=True):
                await channel.get_partial_message(message_id).edit(embeds=_embeds(group))
        except discord.HTTPException as exc:
            log.warning("guild %s: updating the %s digest failed: %s", guild.id, posted.week, exc)
            return False
        await self.core.digests.posts.save(replace(posted, missing=digest.missing))
        return True


@dataclass(frozen=True)
class DigestPublished:
    """What publishing a week's digest came to, and how to tell an organizer."""

    outcome: str  # posted, already_posted, no_channel or failed
    week: str
    channel: str = ""
    url: str = ""
    reason: str = ""
    pending: int = 0
    refreshed: bool = False

    def message(self, language: str) -> str:
        if self.outcome == "no_channel":
            return t(language, "no_channel")
        values = {"week": self.week, "channel": self.channel, "url": self.url}
        text = t(language, f"digest_{self.outcome}", reason=self.reason, **values)
        if self.outcome == "posted" and self.pending:
            text += t(language, "digest_pending_count", count=self.pending)
        if self.refreshed:
            text += t(language, "digest_refreshed")
        return text


async def setup(bot: YomikaiBot) -> None:
    await bot.add_cog(DigestCog(bot))
