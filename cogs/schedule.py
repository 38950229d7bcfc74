"""/schedule set and /schedule show, and the Discord side of the scheduled runs (the meetup
reminders among them)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.app_commands import Choice, Range
from discord.ext import commands

from bot.digest.schedule import ACTION as DIGEST_ACTION
from bot.digest.schedule import DigestSchedule, DigestSchedules
from bot.discord.client import YomikaiBot
from bot.i18n import t
from bot.meetups.book import Place
from bot.meetups.texts import place_text
from bot.schedules.plan import WEEKDAYS, Run, Schedule, all_monthly_days, parse_monthly_day
from bot.schedules.runner import GuildSchedule, RunFailed, ScheduleBook, Scheduler
from cogs._common import Interaction, _, is_organizer, member_language, refuse, reply
from cogs.digest import DIGEST_COG, DigestCog
from cogs.meetup import LOCATION_CHARS, MEETUP_COG, VOICE_TYPES, MeetupCog
from cogs.ranking import KIND_CHOICES, RANKING_COG, RankingCog
from cogs.vote import VOTE_COG, VoteCog

log = logging.getLogger(__name__)

NO_MEETUP_DAY = "off"
NO_DIGEST = "off"
WEEKDAY_CHOICES = [
    *(Choice(name=day, value=str(index)) for index, day in enumerate(WEEKDAYS)),
    Choice(name="off", value=NO_DIGEST),
]


class DiscordActions:
    """The scheduler's runs, done through the same code as the organizers' commands."""

    def __init__(self, bot: YomikaiBot, book: ScheduleBook) -> None:
        self.bot = bot
        self.book = book

    def _guild(self, guild_id: int) -> discord.Guild:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            raise RunFailed("the bot is not in this guild or it is unavailable")
        return guild

    def _cog(self, name: str) -> Any:
        return self.bot.get_cog(name)

    async def post(self, guild_id: int, month: str, kind: str, size: int) -> str:
        ranking: RankingCog = self._cog(RANKING_COG)
        published = await ranking.publish(self._guild(guild_id), month, kind=kind, top=size)
        if published.outcome not in ("posted", "already_posted"):
            raise RunFailed(published.message("en"))
        return published.outcome

    async def remind(self, guild_id: int, month: str) -> str:
        plan = await self.book.get(guild_id)
        hours = plan.schedule.reminder_hours if plan else 24
        vote: VoteCog = self._cog(VOTE_COG)
        return await vote.remind(self._guild(guild_id), month, hours)

    async def close(self, guild_id: int, month: str) -> str:
        vote: VoteCog = self._cog(VOTE_COG)
        return await vote.close_on_schedule(self._guild(guild_id), month)

    async def extra(self, guild_id: int, run: Run) -> str:
        if run.action == DIGEST_ACTION:
            return await self._digest(guild_id, run.month)
        meetups: MeetupCog = self._cog(MEETUP_COG)
        return await meetups.remind(self._guild(guild_id), run.month, run.action)

    async def _digest(self, guild_id: int, week: str) -> str:
        digests: DigestCog = self._cog(DIGEST_COG)
        published = await digests.publish(self._guild(guild_id), week)
        if published.outcome not in ("posted", "already_posted"):
            raise RunFailed(published.message("en"))
        return published.outcome


class ScheduleCog(commands.Cog, name="Schedule"):
    schedule = app_commands.Group(
        name="schedule", description=_("The study group's monthly schedule"), guild_only=True
    )

    def __init__(self, bot: YomikaiBot) -> None:
        self.bot = bot
        self.book = ScheduleBook(bot.core.store)
        self.digests = DigestSchedules(bot.core.store, bot.clock)
        grace = timedelta(hours=bot.core.settings.catchup_grace_hours)
        actions = DiscordActions(bot, self.book)
        self.scheduler = Scheduler(
            self.book,
            actions,
            grace=grace,
            clock=bot.clock,
            admit=bot.track,
            sources=[bot.core.meetups, self.digests],
        )

    async def cog_unload(self) -> None:
        self.scheduler.shutdown()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Catch-up needs the guilds, which arrive before READY completes; runs are claimed in
        # the database, so a second READY after a reconnect repeats nothing. Tracked, so a
        # shutdown right after READY waits for it before the database closes.
        if self.bot.track():
            await self.scheduler.start()

    @commands.Cog.listener()
    async def on_yomikai_settings_changed(self, guild_id: int) -> None:
        await self.scheduler.run_due(guild_id)

    @schedule.command(
        name="set", description=_("Set when the ranking is posted and the vote closes")
    )
    @app_commands.describe(
        day=_("Day of the month for the ranking post (31 means the last day)"),
        time=_("Local time of the post, HH:MM"),
        vote_days=_("Days the vote stays open"),
        reminder_hours=_("Hours before the close to remind members (0: no reminder)"),
        kind=_("Ranking kind"),
        size=_("Number of papers"),
        meetup_day=_("Meetup day, e.g. 2nd Wednesday (off: no automatic meetup)"),
        meetup_time=_("Local time of the meetup, HH:MM"),
        meetup_location=_("Where: a connpass or Zoom URL (at most 100 characters)"),
        meetup_channel=_("Voice or stage channel for the meetup"),
    )
    @app_commands.choices(kind=KIND_CHOICES)
    async def set_schedule(
        self,
        interaction: Interaction,
        day: Range[int, 1, 31] | None = None,
        time: str | None = None,
        vote_days: Range[int, 1, 28] | None = None,
        reminder_hours: Range[int, 0, 672] | None = None,
        kind: Choice[str] | None = None,
        size: Range[int, 1, 24] | None = None,
        meetup_day: str | None = None,
        meetup_time: str | None = None,
        meetup_location: str | None = None,
        meetup_channel: discord.abc.GuildChannel | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        settings = await self.bot.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        if not is_organizer(interaction, settings):
            return await refuse(interaction, speak, "not_organizer")
        try:
            at = _parse_time(time)
        except ValueError:
            return await refuse(interaction, speak, "bad_time", time=(time or "")[:20])
        try:
            meetup_at = _parse_time(meetup_time)
        except ValueError:
            return await refuse(interaction, speak, "bad_time", time=(meetup_time or "")[:20])
        problem = _meetup_problem(meetup_day, meetup_location, meetup_channel)
        if problem:
            return await refuse(interaction, speak, problem[0], **problem[1])
        current = await self.book.get(interaction.guild_id)
        changes = {"day": day, "at": at, "vote_days": vote_days, "reminder_hours": reminder_hours,
                   "kind": kind.value if kind else None, "size": size, "meetup_at": meetup_at}  # fmt: skip
        schedule = replace(
            current.schedule if current else Schedule(),
            **{key: value for key, value in changes.items() if value is not None},
        )
        schedule = _with_meetup(schedule, meetup_day, meetup_location, meetup_channel)
        await self.book.save(interaction.guild_id, schedule, self.bot.clock())
        await self.scheduler.run_due(interaction.guild_id)
        await reply(interaction, await self._describe(interaction.guild_id, speak), ephemeral=True)

    @set_schedule.autocomplete("meetup_day")
    async def meetup_day_choices(self, interaction: Interaction, current: str) -> list[Choice[str]]:
        settings = await self.bot.core.guilds.get(interaction.guild_id or 0)
        language = member_language(interaction, settings)
        needle = current.strip().casefold()
        found = [
            Choice(name=day.label(language), value=day.value)
            for day in all_monthly_days()
            if needle in day.label(language).casefold() or needle in day.value
        ]
        off = Choice(name=t(language, "meetup_day_off"), value=NO_MEETUP_DAY)
        return [*found[:24], off] if not needle or needle in NO_MEETUP_DAY else found[:25]

    @schedule.command(
        name="digest", description=_("Post the weekly digest by itself, or stop (off)")
    )
    @app_commands.describe(
        weekday=_("Weekday of the post (off: no weekly digest)"),
        time=_("Local time of the digest post, HH:MM"),
    )
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    async def digest_schedule(
        self, interaction: Interaction, weekday: Choice[str], time: str = "09:00"
    ) -> None:
        assert interaction.guild_id is not None
        settings = await self.bot.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        if not is_organizer(interaction, settings):
            return await refuse(interaction, speak, "not_organizer")
        if weekday.value == NO_DIGEST:
            await self.digests.remove(interaction.guild_id)
            await self.scheduler.rearm(interaction.guild_id)
            return await reply(interaction, t(speak, "schedule_digest_off"), ephemeral=True)
        try:
            at = _parse_time(time)
        except ValueError:
            return await refuse(interaction, speak, "bad_time", time=time[:20])
        assert at is not None
        await self.digests.save(interaction.guild_id, int(weekday.value), at, self.bot.clock())
        await self.scheduler.run_due(interaction.guild_id)
        await reply(interaction, await self._describe(interaction.guild_id, speak), ephemeral=True)

    @schedule.command(name="show", description=_("Show the schedule and its next runs"))
    async def show_schedule(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        settings = await self.bot.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        await reply(interaction, await self._describe(interaction.guild_id, speak), ephemeral=True)

    async def _describe(self, guild_id: int, language: str) -> str:
        settings = await self.bot.core.guilds.get(guild_id)
        plan = await self.book.get(guild_id)
        digest = await self.digests.get(guild_id)
        if plan is None and digest is None:
            return t(language, "schedule_none")
        lines = [_settings_line(plan, language) if plan else t(language, "schedule_none")]
        if plan is not None and plan.schedule.meetup_day is not None:
            lines.append(_meetup_line(plan, language))
        lines.append(_digest_line(digest, language))
        lines += ["", t(language, "schedule_next")]
        for run in (await self.scheduler.upcoming_runs(guild_id))[:3]:
            lines.append(
                f"・{t(language, 'run.' + run.action)} ({run.month}): {_local(run.due, settings.timezone)}"
            )
        problems = [
            r
            for r in (await self.book.records(guild_id)).values()
            if r.status in ("missed", "failed")
        ]
        if problems:
            lines += ["", t(language, "schedule_problems")]
            for record in problems[-5:]:
                status = t(language, "status." + record.status)
                lines.append(
                    f"・{t(language, 'run.' + record.action)} ({record.month}, {_local(record.due, settings.timezone)}): {status} {record.detail[:120]}"
                )
        return "\n".join(lines)


def _meetup_problem(
    day: str | None, location: str | None, channel: discord.abc.GuildChannel | None
) -> tuple[str, dict[str, object]] | None:
    """Why the meetup options cannot be used, as an i18n key and its values."""
    if day is not None and day.strip().casefold() != NO_MEETUP_DAY:
        try:
            parse_monthly_day(day)
        except ValueError:
            return "bad_meetup_day", {"day": day[:40]}
    if location is not None and channel is not None:
        return "meetup_place_both", {}
    if location is not None and not 1 <= len(location.strip()) <= LOCATION_CHARS:
        return "meetup_location_long", {"limit": LOCATION_CHARS, "count": len(location.strip())}
    if channel is not None and channel.type not in VOICE_TYPES:
        return "meetup_not_voice", {"channel": channel.mention}
    return None


def _with_meetup(
    schedule: Schedule,
    day: str | None,
    location: str | None,
    channel: discord.abc.GuildChannel | None,
) -> Schedule:
    """The schedule with the meetup options given; a place replaces the other kind of place."""
    if day is not None:
        off = day.strip().casefold() == NO_MEETUP_DAY
        schedule = replace(schedule, meetup_day=None if off else parse_monthly_day(day))
    if location is not None:
        schedule = replace(schedule, meetup_location=location.strip(), meetup_channel_id=None)
    if channel is not None:
        schedule = replace(schedule, meetup_location=None, meetup_channel_id=channel.id)
    return schedule


def _parse_time(text: str | None) -> time | None:
    if text is None:
        return None
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    return time(int(hours), int(minutes))


def _local(moment: Any, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _digest_line(digest: DigestSchedule | None, language: str) -> str:
    if digest is None:
        return t(language, "schedule_digest_none")
    weekday = t(language, f"weekday.{digest.weekday}")
    return t(language, "schedule_digest", weekday=weekday, at=digest.at.strftime("%H:%M"))


def _settings_line(plan: GuildSchedule, language: str) -> str:
    s = plan.schedule
    return t(
        language,
        "schedule_settings",
        day=s.day,
        at=s.at.strftime("%H:%M"),
        timezone=plan.timezone,
        vote_days=s.vote_days,
        reminder_hours=s.reminder_hours,
        kind=s.kind,
        size=s.size,
    )


def _meetup_line(plan: GuildSchedule, language: str) -> str:
    s = plan.schedule
    assert s.meetup_day is not None
    place = Place(s.meetup_location, s.meetup_channel_id)
    return t(
        language,
        "schedule_meetup",
        day=s.meetup_day.label(language),
        at=s.meetup_at.strftime("%H:%M"),
        place=place_text(place, language),
    )


async def setup(bot: YomikaiBot) -> None:
    await bot.add_cog(ScheduleCog(bot))
