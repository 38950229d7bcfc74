"""What every cog needs: the member's language, replies, organizer checks, months."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice

from bot.core import Core
from bot.digest.weeks import WeekError, parse_week
from bot.discord.guilds import GuildSettings
from bot.i18n import LANGUAGES, command_text, t
from bot.models import Ranking
from bot.months import MonthError, parse_month, previous_month
from bot.papers.refs import RefError, choices

Interaction = discord.Interaction["YomikaiBot"]


def _(text: str) -> app_commands.locale_str:
    """A command description in English, translated to Japanese by the bot's Translator."""
    assert command_text("ja", text), f"no Japanese text for {text!r}"
    return app_commands.locale_str(text)


def member_language(interaction: Interaction, settings: GuildSettings) -> str:
    """Ephemeral replies follow the member's Discord language when yomikai speaks it."""
    locale = str(interaction.locale).split("-")[0]
    return locale if locale in LANGUAGES else settings.language


def is_organizer(interaction: Interaction, settings: GuildSettings) -> bool:
    member = interaction.user
    if not isinstance(member, discord.Member):
        return False
    if interaction.permissions.manage_guild:
        return True
    return settings.organizer_role_id is not None and any(
        role.id == settings.organizer_role_id for role in member.roles
    )


async def reply(interaction: Interaction, content: str | None = None, **kwargs: Any) -> None:
    """Answer the interaction, whether or not it was deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(content, **kwargs)
    else:
        await interaction.response.send_message(content, **kwargs)


async def refuse(interaction: Interaction, language: str, key: str, /, **values: object) -> None:
    await reply(interaction, t(language, key, **values), ephemeral=True)


def month_of(text: str | None, settings: GuildSettings) -> str:
    """The month named, or by default the previous calendar month in the guild's timezone."""
    if text:
        return parse_month(text)
    return previous_month(datetime.now(UTC), settings.timezone)


async def papers_of(
    core: Core, settings: GuildSettings, month: str | None, week: str | None
) -> tuple[str, Ranking]:
    """The papers a command names: a weekly digest's with `week`, else the month's ranking
    (by default last month's). MonthError, WeekError, or RefError when none is stored."""
    if week:
        chosen = parse_week(week)
        ranking = await core.digests.ranking(chosen, settings.language)
        if ranking is None:
            raise RefError("no_digest", week=chosen)
        return chosen, ranking
    chosen = month_of(month, settings)
    stored = await core.rankings.stored(chosen, settings.language, settings.guild_id)
    if stored is None:
        raise RefError("no_ranking", month=chosen)
    return chosen, stored


async def paper_autocomplete(
    core: object, interaction: Interaction, current: str
) -> list[Choice[str]]:
    """The month's papers matching what the member typed; the month option is honoured."""

    assert isinstance(core, Core)
    assert interaction.guild_id is not None
    settings = await core.guilds.get(interaction.guild_id)
    namespace = interaction.namespace
    try:
        _, ranking = await papers_of(
            core, settings, getattr(namespace, "month", None), getattr(namespace, "week", None)
        )
    except (MonthError, WeekError, RefError):
        return []
    return [Choice(name=name, value=value) for name, value in choices(ranking, current)]
