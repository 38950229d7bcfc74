"""The pickup meetup in Discord: a thread with the presenter outline on the pickup announcement,
the "I'll present" button, the guild scheduled event, the reminders, and /outline, /meetup,
/presenter and /history.

Every message goes out with mentions suppressed but one: the presenter's reminder in the thread
may ping the presenter alone."""

from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from datetime import timedelta
from typing import Any, Protocol, cast

import discord
from discord import app_commands
from discord.app_commands import Choice, Range
from discord.ext import commands

from bot.discord.cards import COLOR
from bot.discord.client import YomikaiBot
from bot.discord.guilds import GuildSettings
from bot.discord.limits import split_message
from bot.i18n import t
from bot.llm.client import LLMError
from bot.meetups.book import Meetup, Place
from bot.meetups.outline import OutlineUnavailable
from bot.meetups.texts import (
    channel_url,
    event_description,
    event_name,
    event_url,
    history_text,
    hour_reminder,
    meetup_summary,
    outline_text,
    paper_title,
    presenter_reminder,
    thread_name,
    when_text,
)
from bot.meetups.timing import PRESENTER_REMINDERS, parse_when
from bot.models import RankedPaper, Ranking
from bot.months import MonthError, parse_month
from bot.papers.refs import RefError, resolve_ref
from bot.schedules.plan import meetup_after
from bot.schedules.runner import RunFailed, ScheduleBook, Scheduler
from bot.votes.book import VoteStatus
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

log = logging.getLogger(__name__)

MEETUP_COG = "Meetup"
# The thread stays in the channel list for a week without messages; a reminder brings it back.
THREAD_ARCHIVE_MINUTES = 10080
LOCATION_CHARS = 100
VOICE_TYPES = (discord.ChannelType.voice, discord.ChannelType.stage_voice)
_IDS = r"(?P<guild>[0-9]{1,20}):(?P<month>[0-9]{4}-[0-9]{2})"


class PresenterButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"yomikai:present:{_IDS}"
):
    """The "I'll present" button on the pickup announcement: the first member to press it
    presents. Its custom_id carries guild and month, so it works across restarts."""

    def __init__(self, guild_id: int, month: str, label: str = "-") -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            custom_id=f"yomikai:present:{guild_id}:{month}",
            label=label,
            style=discord.ButtonStyle.primary,
            emoji="🎤",
        )
        super().__init__(button)
        self.guild_id, self.month = guild_id, month

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PresenterButton:
        return cls(int(match["guild"]), match["month"])

    async def interaction_check(self, interaction: Interaction) -> bool:
        return await interaction.client.admit(interaction)

    async def callback(self, interaction: Interaction) -> None:
        cog = cast("MeetupCog", interaction.client.get_cog(MEETUP_COG))
        await cog.volunteer(interaction, self.month)


def presenter_view(guild_id: int, month: str, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PresenterButton(guild_id, month, t(language, "present_button")))
    return view


def ping_only(member_id: int) -> discord.AllowedMentions:
    """The one exception to suppressed mentions: the presenter's reminder pings them alone."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(member_id)]
    )


class MeetupCog(commands.Cog, name=MEETUP_COG):
    meetup = app_commands.Group(name="meetup", description=_("The pickup meetup"), guild_only=True)
    presenter = app_commands.Group(
        name="presenter", description=_("The pickup's presenter"), guild_only=True
    )

    def __init__(self, bot: YomikaiBot) -> None:
        self.bot = bot
        self.core = bot.core
        self.schedules = ScheduleBook(bot.core.store)
        # One change at a time per meetup, so its event is created once and updated in order.
        self._locks: defaultdict[tuple[int, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    # ------------------------------------------------------------------ the pickup is decided
    async def pickup_announced(
        self,
        guild: discord.Guild,
        settings: GuildSettings,
        ranking: Ranking,
        pickup: RankedPaper,
        announcement: discord.Message | None,
    ) -> None:
        """A new pickup: its thread and outline (a paper picked again keeps its thread), the
        meetup's time from the schedule's meetup day, and its Discord event."""
        month = ranking.month
        async with self._locks[(guild.id, month)]:
            meetup, changed = await self.core.meetups.record_pickup(
                guild.id,
                month,
                pickup.paper.arxiv_id,
                announcement.channel.id if announcement else settings.channel_id,
                announcement.id if announcement else None,
            )
            if changed:
                await self._open_thread(guild, settings, meetup, pickup, announcement)
            await self._time_from_schedule(guild, settings, meetup)
            meetup = await self._meetup(guild.id, month)
            await self._sync_event(guild, settings, meetup, pickup)
        await self._rearm(guild.id)

    async def _open_thread(
        self,
        guild: discord.Guild,
        settings: GuildSettings,
        meetup: Meetup,
        pickup: RankedPaper,
        announcement: discord.Message | None,
    ) -> None:
        thread = None
        if announcement is not None:
            try:
                thread = await announcement.create_thread(
                    name=thread_name(pickup), auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
            except discord.HTTPException as exc:
                log.warning(
                    "guild %s: no thread on the %s pickup, the outline goes to the channel: %s",
                    guild.id,
                    meetup.month,
                    exc,
                )
        await self.core.meetups.set_thread(guild.id, meetup.month, thread.id if thread else None)
        text = await self._outline_message(pickup, settings.language, guild.id)
        meetup = await self._meetup(guild.id, meetup.month)
        for chunk in split_message(text):
            await self._send(guild, meetup, chunk)

    async def _outline_message(
        self, entry: RankedPaper, language: str, guild_id: int, *, regenerate: bool = False
    ) -> str:
        try:
            outline = await self.core.outlines.ensure(
                entry, language, guild_id, regenerate=regenerate
            )
        except OutlineUnavailable:
            return t(language, "outline_no_llm")
        except LLMError as exc:
            log.warning("guild %s: outline of %s failed: %s", guild_id, entry.paper.arxiv_id, exc)
            return t(language, "outline_failed")
        sources = await self.core.outlines.sources(entry.paper)
        return outline_text(outline, entry, sources, language)

    async def _time_from_schedule(
        self, guild: discord.Guild, settings: GuildSettings, meetup: Meetup
    ) -> None:
        """With a meetup day in the schedule, the meetup falls on the first one after now."""
        plan = await self.schedules.get(guild.id)
        if meetup.starts_at is not None or plan is None or plan.schedule.meetup_day is None:
            return
        schedule, now = plan.schedule, self.bot.clock()
        assert schedule.meetup_day is not None
        starts_at = meetup_after(now, schedule.meetup_day, schedule.meetup_at, settings.timezone)
        place = meetup.place
        if not place.known:
            place = Place(schedule.meetup_location, schedule.meetup_channel_id)
        await self.core.meetups.set_time(
            guild.id, meetup.month, starts_at, meetup.minutes, place, now
        )

    # ------------------------------------------------------------------ the Discord event
    async def _sync_event(
        self, guild: discord.Guild, settings: GuildSettings, meetup: Meetup, entry: RankedPaper
    ) -> str:
        """Create the meetup's event, or update it in place; "created", "updated", or what
        went wrong ("forbidden", the error)."""
        if meetup.starts_at is None:
            return "unset"
        language = settings.language
        fields: dict[str, Any] = {
            "name": event_name(entry, language),
            "description": event_description(meetup, entry, language),
            "start_time": meetup.starts_at,
            "end_time": meetup.starts_at + timedelta(minutes=meetup.minutes),
            "privacy_level": discord.PrivacyLevel.guild_only,
            **self._event_place(guild, meetup),
        }
        try:
            event = await self._event(guild, meetup)
            if event is not None:
                await event.edit(**fields)
                return "updated"
            created = await guild.create_scheduled_event(**fields)
        except discord.Forbidden as exc:
            log.warning("guild %s: no event for the %s meetup: %s", guild.id, meetup.month, exc)
            return "forbidden"
        except discord.HTTPException as exc:
            log.warning("guild %s: event of the %s meetup failed: %s", guild.id, meetup.month, exc)
            return f"failed: {exc.text or exc.status}"
        await self.core.meetups.set_event(guild.id, meetup.month, created.id)
        return "created"

    @staticmethod
    async def _event(guild: discord.Guild, meetup: Meetup) -> discord.ScheduledEvent | None:
        if meetup.event_id is None:
            return None
        try:
            return await guild.fetch_scheduled_event(meetup.event_id, with_counts=False)
        except discord.NotFound:
            return None  # deleted in Discord: made again

    @staticmethod
    def _event_place(guild: discord.Guild, meetup: Meetup) -> dict[str, Any]:
        channel_id = meetup.place.channel_id
        channel = guild.get_channel(channel_id) if channel_id else None
        if isinstance(channel, discord.StageChannel):
            return {"entity_type": discord.EntityType.stage_instance, "channel": channel}
        if isinstance(channel, discord.VoiceChannel):
            return {"entity_type": discord.EntityType.voice, "channel": channel}
        # Without a place, the event points at the thread, where the group talks about it.
        target = meetup.thread_id or meetup.channel_id
        location = meetup.place.location or (
            channel_url(guild.id, target) if target else f"https://discord.com/channels/{guild.id}"
        )
        return {"entity_type": discord.EntityType.external, "location": location}

    # ------------------------------------------------------------------ where the meetup talks
    async def _send(
        self,
        guild: discord.Guild,
        meetup: Meetup,
        text: str,
        *,
        mentions: discord.AllowedMentions | None = None,
        in_thread: bool = True,
    ) -> str:
        """Post in the meetup's thread, or in its channel when there is no thread or it refuses
        (permissions, a locked thread); "thread", "channel", or "nowhere"."""
        extra: dict[str, Any] = {"allowed_mentions": mentions} if mentions else {}
        if in_thread and meetup.thread_id is not None:
            thread = self.bot.get_partial_messageable(
                meetup.thread_id, guild_id=guild.id, type=discord.ChannelType.public_thread
            )
            try:
                await thread.send(text, **extra)
                return "thread"
            except discord.HTTPException as exc:
                log.warning("guild %s: thread %s refused a message: %s", guild.id, thread.id, exc)
        channel = guild.get_channel(meetup.channel_id) if meetup.channel_id else None
        if not isinstance(channel, discord.TextChannel):
            log.warning("guild %s: nowhere to post about the %s meetup", guild.id, meetup.month)
            return "nowhere"
        await channel.send(text, **extra)
        return "channel"

    # ------------------------------------------------------------------ the presenter
    async def volunteer(self, interaction: Interaction, month: str) -> None:
        """A press of "I'll present": the first member to press it presents."""
        assert interaction.guild is not None
        guild, member = interaction.guild, interaction.user
        settings = await self.core.guilds.get(guild.id)
        speak = member_language(interaction, settings)
        if member.bot:
            return await refuse(interaction, speak, "present_bots")
        meetup = await self.core.meetups.get(guild.id, month)
        if meetup is None:
            return await refuse(interaction, speak, "no_pickup", month=month)
        name = member.display_name
        if not await self.core.meetups.claim_presenter(guild.id, month, member.id, name):
            meetup = await self._meetup(guild.id, month)
            if meetup.presenter_id == member.id:
                return await refuse(interaction, speak, "present_already_you")
            return await refuse(
                interaction, speak, "present_taken", presenter=meetup.presenter_name
            )
        # The thread and the event are told before the member hears back: more than 3 s may pass.
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._presenter_changed(guild, settings, month, member.mention)
        entry = await self._entry(meetup, settings)
        await reply(interaction, t(speak, "present_done", title=paper_title(entry)), ephemeral=True)

    async def _presenter_changed(
        self, guild: discord.Guild, settings: GuildSettings, month: str, mention: str | None
    ) -> None:
        """Say so in the thread (without a ping) and in the event's description."""
        language = settings.language
        async with self._locks[(guild.id, month)]:
            meetup = await self._meetup(guild.id, month)
            text = (
                t(language, "presenter_signed_up", presenter=mention)
                if mention
                else t(language, "presenter_cleared")
            )
            await self._send(guild, meetup, text)
            await self._sync_event(guild, settings, meetup, await self._entry(meetup, settings))

    @presenter.command(name="set", description=_("Make a member the presenter (organizers)"))
    @app_commands.describe(
        member=_("The member who presents"),
        month=_("Month of the pickup as YYYY-MM (default: the latest pickup)"),
    )
    async def set_presenter(
        self,
        interaction: Interaction,
        member: discord.Member | discord.User,
        month: str | None = None,
    ) -> None:
        context = await self._organizer_meetup(interaction, month)
        if context is None:
            return
        settings, speak, meetup = context
        if not isinstance(member, discord.Member):
            return await refuse(interaction, speak, "presenter_not_member", name=member.name)
        if member.bot:
            return await refuse(interaction, speak, "present_bots")
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.core.meetups.set_presenter(
            meetup.guild_id, meetup.month, member.id, member.display_name
        )
        assert interaction.guild is not None
        await self._presenter_changed(interaction.guild, settings, meetup.month, member.mention)
        await reply(
            interaction,
            t(speak, "presenter_set_done", month=meetup.month, presenter=member.mention),
            ephemeral=True,
        )

    @presenter.command(name="clear", description=_("Clear the presenter (organizers)"))
    @app_commands.describe(month=_("Month of the pickup as YYYY-MM (default: the latest pickup)"))
    async def clear_presenter(self, interaction: Interaction, month: str | None = None) -> None:
        context = await self._organizer_meetup(interaction, month)
        if context is None:
            return
        settings, speak, meetup = context
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.core.meetups.set_presenter(meetup.guild_id, meetup.month, None, None)
        assert interaction.guild is not None
        await self._presenter_changed(interaction.guild, settings, meetup.month, None)
        await reply(
            interaction, t(speak, "presenter_clear_done", month=meetup.month), ephemeral=True
        )

    # ------------------------------------------------------------------ /meetup
    @meetup.command(
        name="set",
        description=_(
            "Set when and where the meetup is; creates or updates its event (organizers)"
        ),
    )
    @app_commands.describe(
        when=_("Date and local time, YYYY-MM-DD HH:MM"),
        duration=_("Length in minutes (default 120)"),
        location=_("Where: a connpass or Zoom URL (at most 100 characters)"),
        channel=_("Voice or stage channel for the meetup"),
        month=_("Month of the pickup as YYYY-MM (default: the latest pickup)"),
    )
    async def set_meetup(
        self,
        interaction: Interaction,
        when: str,
        duration: Range[int, 15, 1440] | None = None,
        location: str | None = None,
        channel: discord.abc.GuildChannel | None = None,
        month: str | None = None,
    ) -> None:
        context = await self._organizer_meetup(interaction, month)
        if context is None:
            return
        settings, speak, meetup = context
        assert interaction.guild is not None
        try:
            starts_at = parse_when(when, settings.timezone)
        except ValueError:
            return await refuse(
                interaction, speak, "meetup_bad_when", when=when[:40], timezone=settings.timezone
            )
        if starts_at <= self.bot.clock():
            return await refuse(interaction, speak, "meetup_past", when=when[:40])
        problem = _place_problem(location, channel)
        if problem:
            key, values = problem
            return await refuse(interaction, speak, key, **values)
        place = meetup.place
        if location or channel:
            place = Place(location.strip(), None) if location else Place(None, channel.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        minutes = duration or meetup.minutes
        async with self._locks[(meetup.guild_id, meetup.month)]:
            await self.core.meetups.set_time(
                meetup.guild_id, meetup.month, starts_at, minutes, place, self.bot.clock()
            )
            meetup = await self._meetup(meetup.guild_id, meetup.month)
            entry = await self._entry(meetup, settings)
            outcome = await self._sync_event(interaction.guild, settings, meetup, entry)
        await self._rearm(meetup.guild_id)
        meetup = await self._meetup(meetup.guild_id, meetup.month)
        text = t(
            speak,
            "meetup_saved",
            month=meetup.month,
            when=when_text(starts_at, settings.timezone),
        )
        await reply(interaction, f"{text}\n{self._outcome(meetup, outcome, speak)}", ephemeral=True)

    @staticmethod
    def _outcome(meetup: Meetup, outcome: str, language: str) -> str:
        if outcome in ("created", "updated") and meetup.event_id:
            return t(
                language, f"meetup_event_{outcome}", url=event_url(meetup.guild_id, meetup.event_id)
            )
        if outcome == "forbidden":
            return t(language, "meetup_event_forbidden")
        return t(language, "meetup_event_failed", reason=outcome.removeprefix("failed: ")[:200])

    @meetup.command(name="show", description=_("Show the meetup"))
    @app_commands.describe(month=_("Month of the pickup as YYYY-MM (default: the latest pickup)"))
    async def show_meetup(self, interaction: Interaction, month: str | None = None) -> None:
        context = await self._meetup_context(interaction, month, organizer=False)
        if context is None:
            return
        settings, speak, meetup = context
        entry = await self._entry(meetup, settings)
        text = meetup_summary(meetup, entry, settings.timezone, speak)
        await reply(interaction, text, ephemeral=True)

    @meetup.command(
        name="cancel", description=_("Cancel the meetup and delete its Discord event (organizers)")
    )
    @app_commands.describe(month=_("Month of the pickup as YYYY-MM (default: the latest pickup)"))
    async def cancel_meetup(self, interaction: Interaction, month: str | None = None) -> None:
        context = await self._organizer_meetup(interaction, month)
        if context is None:
            return
        _settings, speak, meetup = context
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self._locks[(meetup.guild_id, meetup.month)]:
            try:
                event = await self._event(interaction.guild, meetup)
                if event is not None:
                    await event.delete()
            except discord.HTTPException as exc:
                log.warning(
                    "guild %s: event %s not deleted: %s", meetup.guild_id, meetup.event_id, exc
                )
                return await refuse(interaction, speak, "meetup_cancel_failed")
            await self.core.meetups.set_event(meetup.guild_id, meetup.month, None)
            await self.core.meetups.set_time(
                meetup.guild_id, meetup.month, None, meetup.minutes, meetup.place, self.bot.clock()
            )
        await self._rearm(meetup.guild_id)
        await reply(interaction, t(speak, "meetup_cancelled", month=meetup.month), ephemeral=True)

    # ------------------------------------------------------------------ /outline, /history
    @app_commands.command(
        name="outline", description=_("Show the presenter outline of a paper (default: the pickup)")
    )
    @app_commands.guild_only()
    @app_commands.describe(
        paper=_("Rank number, arXiv id or URL, or part of the title (default: the month's pickup)"),
        month=_("Month as YYYY-MM (default: last month)"),
        regenerate=_("Write the outline again (organizers)"),
    )
    async def outline(
        self,
        interaction: Interaction,
        paper: str | None = None,
        month: str | None = None,
        regenerate: bool = False,
    ) -> None:
        assert interaction.guild_id is not None
        settings = await self.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        if regenerate and not is_organizer(interaction, settings):
            return await refuse(interaction, speak, "not_organizer")
        try:
            chosen = await self._month(interaction.guild_id, month, settings, latest=paper is None)
        except MonthError:
            return await refuse(interaction, speak, "bad_month", month=(month or "")[:20])
        ranking = await self.core.rankings.stored(chosen, settings.language, settings.guild_id)
        if ranking is None:
            return await refuse(interaction, speak, "no_ranking", month=chosen)
        try:
            entry = (
                resolve_ref(ranking, paper)
                if paper
                else await self._pickup(ranking, interaction.guild_id)
            )
        except RefError as exc:
            return await refuse(interaction, speak, exc.key, **exc.values)
        if entry is None:
            return await refuse(interaction, speak, "outline_which", month=chosen)
        language = settings.language
        stored = await self.core.outlines.stored(entry.paper.arxiv_id, language)
        if self.core.llm is None and (stored is None or regenerate):
            return await refuse(interaction, speak, "outline_no_llm")
        await interaction.response.defer(thinking=True)
        text = await self._outline_message(
            entry, language, interaction.guild_id, regenerate=regenerate
        )
        for chunk in split_message(text):
            await reply(interaction, chunk)

    @outline.autocomplete("paper")
    async def outline_choices(self, interaction: Interaction, current: str) -> list[Choice[str]]:
        return await paper_autocomplete(self.core, interaction, current)

    @app_commands.command(name="history", description=_("Past months' pickup papers"))
    @app_commands.guild_only()
    @app_commands.describe(count=_("How many months (default 6)"))
    async def history(self, interaction: Interaction, count: Range[int, 1, 24] = 6) -> None:
        assert interaction.guild_id is not None
        settings = await self.core.guilds.get(interaction.guild_id)
        pickups = await self.core.meetups.history(interaction.guild_id, settings.language, count)
        embed = {
            "title": t(settings.language, "history_title"),
            "description": history_text(pickups, settings.timezone, settings.language),
            "color": COLOR,
        }
        await reply(interaction, embed=discord.Embed.from_dict(embed))

    # ------------------------------------------------------------------ reminders
    async def remind(self, guild: discord.Guild, month: str, action: str) -> str:
        """A scheduled reminder: the presenter in the thread 7 days and 1 day before, the
        channel 1 hour before; a short note for the schedule's record."""
        meetup = await self.core.meetups.get(guild.id, month)
        if meetup is None or meetup.starts_at is None:
            return "no meetup"
        if self.bot.clock() >= meetup.starts_at:
            return "the meetup has started"
        settings = await self.core.guilds.get(guild.id)
        entry = await self._entry(meetup, settings)
        try:
            if action in PRESENTER_REMINDERS:
                present = await self._in_guild(guild, meetup.presenter_id)
                note = presenter_reminder(
                    meetup, entry, settings.timezone, settings.language, present=present
                )
                mentions = ping_only(note.ping) if note.ping else None
                where = await self._send(guild, meetup, note.text, mentions=mentions)
                return (
                    f"presenter reminded in the {where}" if note.ping else f"posted in the {where}"
                )
            link = (
                event_url(guild.id, meetup.event_id)
                if meetup.event_id
                else channel_url(guild.id, meetup.thread_id or meetup.channel_id or guild.id)
            )
            text = hour_reminder(meetup, entry, settings.timezone, link, settings.language)
            where = await self._send(guild, meetup, text, in_thread=False)
            return f"posted in the {where}"
        except discord.HTTPException as exc:
            raise RunFailed(f"Discord refused the reminder: {exc}") from exc

    @staticmethod
    async def _in_guild(guild: discord.Guild, member_id: int | None) -> bool:
        if member_id is None:
            return False
        try:
            await guild.fetch_member(member_id)
        except discord.NotFound:
            log.warning("guild %s: the presenter %s has left the guild", guild.id, member_id)
            return False
        return True

    async def _rearm(self, guild_id: int) -> None:
        """The meetup's time changed: the scheduler sets its timer for the reminders."""
        schedules = self.bot.get_cog("Schedule")
        if schedules is not None:
            await cast("_Scheduling", schedules).scheduler.rearm(guild_id)

    # ------------------------------------------------------------------ lookups
    async def _meetup(self, guild_id: int, month: str) -> Meetup:
        meetup = await self.core.meetups.get(guild_id, month)
        assert meetup is not None
        return meetup

    async def _entry(self, meetup: Meetup, settings: GuildSettings) -> RankedPaper:
        ranking = await self.core.rankings.stored(
            meetup.month, settings.language, settings.guild_id
        )
        assert ranking is not None, f"no ranking for {meetup.month}"
        return next(e for e in ranking.entries if e.paper.arxiv_id == meetup.arxiv_id)

    async def _pickup(self, ranking: Ranking, guild_id: int) -> RankedPaper | None:
        status, pickup = await self.core.votes.status(guild_id, ranking.month)
        if status is not VoteStatus.CLOSED or pickup is None:
            return None
        return next((e for e in ranking.entries if e.paper.arxiv_id == pickup), None)

    async def _month(
        self, guild_id: int, text: str | None, settings: GuildSettings, *, latest: bool
    ) -> str:
        """The month named; by default the latest pickup's (`latest`), else last month."""
        if text:
            return parse_month(text)
        found = await self.core.meetups.latest_month(guild_id) if latest else None
        return found or month_of(None, settings)

    async def _meetup_context(
        self, interaction: Interaction, month: str | None, *, organizer: bool
    ) -> tuple[GuildSettings, str, Meetup] | None:
        """Settings, the member's language and the month's meetup; None after saying why."""
        assert interaction.guild_id is not None
        settings = await self.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        if organizer and not is_organizer(interaction, settings):
            return await refuse(interaction, speak, "not_organizer")
        try:
            chosen = await self._month(interaction.guild_id, month, settings, latest=True)
        except MonthError:
            return await refuse(interaction, speak, "bad_month", month=(month or "")[:20])
        meetup = await self.core.meetups.get(interaction.guild_id, chosen)
        if meetup is None:
            return await refuse(interaction, speak, "no_pickup", month=chosen)
        return settings, speak, meetup

    async def _organizer_meetup(
        self, interaction: Interaction, month: str | None
    ) -> tuple[GuildSettings, str, Meetup] | None:
        return await self._meetup_context(interaction, month, organizer=True)


class _Scheduling(Protocol):
    scheduler: Scheduler


def _place_problem(
    location: str | None, channel: discord.abc.GuildChannel | None
) -> tuple[str, dict[str, object]] | None:
    """Why a meetup's place cannot be used, as an i18n key and its values."""
    if location is not None and channel is not None:
        return "meetup_place_both", {}
    if location is not None and not 1 <= len(location.strip()) <= LOCATION_CHARS:
        return "meetup_location_long", {"limit": LOCATION_CHARS, "count": len(location.strip())}
    if channel is not None and channel.type not in VOICE_TYPES:
        return "meetup_not_voice", {"channel": channel.mention}
    return None


async def setup(bot: YomikaiBot) -> None:
    bot.add_dynamic_items(PresenterButton)
    await bot.add_cog(MeetupCog(bot))
