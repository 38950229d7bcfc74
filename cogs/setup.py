"""/setup: where the study group posts, in which language and timezone, who organizes."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.discord.client import YomikaiBot
from bot.i18n import t
from cogs._common import Interaction, _, is_organizer, member_language, refuse, reply

LANGUAGE_CHOICES = [Choice(name="日本語", value="ja"), Choice(name="English", value="en")]
TIEBREAK_CHOICES = [
    Choice(name="organizer", value="organizer"),
    Choice(name="higher-rank", value="higher-rank"),
]


class Setup(commands.Cog):
    def __init__(self, bot: YomikaiBot) -> None:
        self.bot = bot
        self.timezones = sorted(available_timezones())

    @app_commands.command(name="setup", description=_("Set the study group's channel and options"))
    @app_commands.guild_only()
    @app_commands.describe(
        channel=_("Channel for the ranking posts"),
        language=_("Language of posts and summaries"),
        timezone=_("Timezone, e.g. Asia/Tokyo"),
        organizer_role=_("Role whose members may run organizer commands"),
        tiebreak=_("How to break a tie when closing the vote"),
    )
    @app_commands.choices(language=LANGUAGE_CHOICES, tiebreak=TIEBREAK_CHOICES)
    async def setup_command(
        self,
        interaction: Interaction,
        channel: discord.TextChannel,
        language: Choice[str] | None = None,
        timezone: str | None = None,
        organizer_role: discord.Role | None = None,
        tiebreak: Choice[str] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        settings = await self.bot.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        if not is_organizer(interaction, settings):
            return await refuse(interaction, speak, "not_organizer")
        if timezone is not None and timezone not in self.timezones:
            return await refuse(interaction, speak, "bad_timezone", timezone=timezone[:64])
        settings = settings.with_changes(
            channel_id=channel.id,
            language=language.value if language else None,
            timezone=timezone,
            organizer_role_id=organizer_role.id if organizer_role else None,
            tiebreak=tiebreak.value if tiebreak else None,
        )
        await self.bot.core.guilds.save(settings)
        self.bot.dispatch("yomikai_settings_changed", settings.guild_id)
        role = f"<@&{settings.organizer_role_id}>" if settings.organizer_role_id else "—"
        await reply(
            interaction,
            t(
                member_language(interaction, settings),
                "setup_done",
                channel=channel.mention,
                language=settings.language,
                timezone=settings.timezone,
                now=discord.utils.utcnow()
                .astimezone(ZoneInfo(settings.timezone))
                .strftime("%H:%M"),
                role=role,
                tiebreak=settings.tiebreak,
            ),
            ephemeral=True,
        )

    @setup_command.autocomplete("timezone")
    async def timezone_choices(self, interaction: Interaction, current: str) -> list[Choice[str]]:
        needle = current.casefold()
        found = [zone for zone in self.timezones if needle in zone.casefold()]
        return [Choice(name=zone, value=zone) for zone in found[:25]]


async def setup(bot: YomikaiBot) -> None:
    await bot.add_cog(Setup(bot))
