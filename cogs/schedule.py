"""/schedule set and /schedule show, and the Discord side of the scheduled runs."""

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

from bot.discord.client import YomikaiBot
from bot.i18n import t
from bot.schedules.plan import Schedule
from bot.schedules.runner import GuildSchedule, RunFailed, ScheduleBook, Scheduler
from cogs._common import Interaction, _, is_organizer, member_language, refuse, reply
from cogs.ranking import RANKING_COG, RankingCog
from cogs.vote import VOTE_COG, VoteCog

log = logging.getLogger(__name__)

KIND_CHOICES = [Choice(name="monthly", value="monthly"), Choice(name="trending", value="trending")]


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


class ScheduleCog(commands.Cog, name="Schedule"):
    schedule = app_commands.Group(
        name="schedule", description=_("The study group's monthly schedule"), guild_only=True
    )

    def __init__(self, bot: YomikaiBot) -> None:
        self.bot = bot
        self.book = ScheduleBook(bot.core.store)
        grace = timedelta(hours=bot.core.settings.catchup_grace_hours)
        actions = DiscordActions(bot, self.book)
        self.scheduler = Scheduler(
            self.book, actions, grace=grace, clock=bot.clock, admit=bot.track
        )

    async def cog_unload(self) -> None:
        self.scheduler.shutdown()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Catch-up needs the guilds, which arrive before READY completes; runs are claimed in
        # the database, so a second READY after a reconnect repeats nothing.
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
        current = await self.book.get(interaction.guild_id)
        changes = {"day": day, "at": at, "vote_days": vote_days, "reminder_hours": reminder_hours,
                   "kind": kind.value if kind else None, "size": size}  # fmt: skip
        schedule = replace(
            current.schedule if current else Schedule(),
            **{key: value for key, value in changes.items() if value is not None},
        )
        await self.book.save(interaction.guild_id, schedule, self.bot.clock())
        await self.scheduler.run_due(interaction.guild_id)
        await reply(interaction, await self._describe(interaction.guild_id, speak), ephemeral=True)

    @schedule.command(name="show", description=_("Show the schedule and its next runs"))
    async def show_schedule(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        settings = await self.bot.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        await reply(interaction, await self._describe(interaction.guild_id, speak), ephemeral=True)

    async def _describe(self, guild_id: int, language: str) -> str:
        plan = await self.book.get(guild_id)
        if plan is None:
            return t(language, "schedule_none")
        lines = [_settings_line(plan, language), "", t(language, "schedule_next")]
        for run in self.scheduler.next_runs(plan)[:3]:
            lines.append(
                f"・{t(language, 'run.' + run.action)} ({run.month}): {_local(run.due, plan)}"
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
                    f"・{t(language, 'run.' + record.action)} ({record.month}, {_local(record.due, plan)}): {status} {record.detail[:120]}"
                )
        return "\n".join(lines)


def _parse_time(text: str | None) -> time | None:
    if text is None:
        return None
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    return time(int(hours), int(minutes))


def _local(moment: Any, plan: GuildSchedule) -> str:
    return moment.astimezone(ZoneInfo(plan.timezone)).strftime("%Y-%m-%d %H:%M")


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


async def setup(bot: YomikaiBot) -> None:
    await bot.add_cog(ScheduleCog(bot))
