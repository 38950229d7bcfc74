"""/edit-summary: an organizer corrects a paper's five notes in a modal, or reverts them."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.discord.cards import paper_card
from bot.discord.client import YomikaiBot
from bot.discord.guilds import GuildSettings
from bot.discord.limits import shorten
from bot.i18n import t
from bot.models import NOTE_FIELDS, RankedPaper
from bot.months import MonthError
from bot.papers.edits import MAX_NOTE, EditError
from bot.papers.refs import RefError, resolve_ref
from cogs._common import (
    Interaction,
    _,
    is_organizer,
    member_language,
    paper_autocomplete,
    papers_of,
    refuse,
    reply,
)

log = logging.getLogger(__name__)

MODAL_TITLE = 45  # Discord's limit for a modal's title and an input's label


class EditModal(discord.ui.Modal):
    """The five notes, filled in with what the card shows now."""

    def __init__(
        self, cog: EditCog, settings: GuildSettings, month: str, entry: RankedPaper, speak: str
    ) -> None:
        title = t(speak, "edit_title", rank=entry.rank, arxiv_id=entry.paper.arxiv_id)
        super().__init__(title=shorten(title, MODAL_TITLE), timeout=30 * 60)
        self.cog, self.settings, self.month, self.entry = cog, settings, month, entry
        self.inputs: dict[str, discord.ui.TextInput[EditModal]] = {}
        for name in NOTE_FIELDS:
            current = getattr(entry.summary, name, "") if entry.summary else ""
            field: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
                label=shorten(t(speak, name), MODAL_TITLE),
                style=discord.TextStyle.paragraph,
                default=shorten(current, MAX_NOTE) or None,
                max_length=MAX_NOTE,
                required=True,
                custom_id=f"yomikai:edit:{name}",
            )
            self.inputs[name] = field
            self.add_item(field)

    async def on_submit(self, interaction: Interaction) -> None:  # type: ignore[override]
        notes = {name: field.value for name, field in self.inputs.items()}
        await self.cog.save(interaction, self.settings, self.month, self.entry, notes)


class EditCog(commands.Cog):
    def __init__(self, bot: YomikaiBot) -> None:
        self.bot = bot
        self.core = bot.core

    @app_commands.command(
        name="edit-summary", description=_("Correct a paper's notes on its card (organizers)")
    )
    @app_commands.guild_only()
    @app_commands.describe(
        paper=_("Rank number, arXiv id or URL, or part of the title"),
        month=_("Month as YYYY-MM (default: last month)"),
        revert=_("Go back to the generated notes"),
    )
    async def edit_summary(
        self, interaction: Interaction, paper: str, month: str | None = None, revert: bool = False
    ) -> None:
        assert interaction.guild_id is not None
        settings = await self.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        if not is_organizer(interaction, settings):
            return await refuse(interaction, speak, "not_organizer")
        try:
            chosen, ranking = await papers_of(self.core, settings, month, None)
            entry = resolve_ref(ranking, paper)
        except MonthError:
            return await refuse(interaction, speak, "bad_month", month=(month or "")[:20])
        except RefError as exc:
            return await refuse(interaction, speak, exc.key, **exc.values)
        if revert:
            return await self._revert(interaction, settings, speak, chosen, entry)
        await interaction.response.send_modal(EditModal(self, settings, chosen, entry, speak))

    @edit_summary.autocomplete("paper")
    async def paper_choices(self, interaction: Interaction, current: str) -> list[Choice[str]]:
        return await paper_autocomplete(self.core, interaction, current)

    async def save(
        self,
        interaction: Interaction,
        settings: GuildSettings,
        month: str,
        entry: RankedPaper,
        notes: dict[str, str],
    ) -> None:
        """Store the corrected notes and show the organizer the card as everyone now sees it."""
        speak = member_language(interaction, settings)
        if not is_organizer(interaction, settings):
            return await refuse(interaction, speak, "not_organizer")
        editor = (interaction.user.id, interaction.user.display_name)
        arxiv_id = entry.paper.arxiv_id
        try:
            await self.core.edits.save(
                settings.guild_id, arxiv_id, settings.language, notes, editor
            )
        except EditError as exc:
            values = {**exc.values, "field": t(speak, str(exc.values["field"]))}
            return await refuse(interaction, speak, exc.key, **values)
        log.info("guild %s: notes of %s corrected", settings.guild_id, arxiv_id)
        await self._show(interaction, settings, speak, month, arxiv_id, "edit_saved")

    async def _revert(
        self,
        interaction: Interaction,
        settings: GuildSettings,
        speak: str,
        month: str,
        entry: RankedPaper,
    ) -> None:
        arxiv_id = entry.paper.arxiv_id
        if not await self.core.edits.revert(settings.guild_id, arxiv_id, settings.language):
            return await refuse(interaction, speak, "edit_none", rank=entry.rank)
        await self._show(interaction, settings, speak, month, arxiv_id, "edit_reverted")

    async def _show(
        self,
        interaction: Interaction,
        settings: GuildSettings,
        speak: str,
        month: str,
        arxiv_id: str,
        key: str,
    ) -> None:
        ranking = await self.core.rankings.stored(month, settings.language, settings.guild_id)
        entries = ranking.entries if ranking else ()
        entry = next((e for e in entries if e.paper.arxiv_id == arxiv_id), None)
        embed = paper_card(entry, month, settings.language) if entry else None
        await reply(
            interaction,
            t(speak, key),
            embed=discord.Embed.from_dict(embed) if embed else discord.utils.MISSING,
            ephemeral=True,
        )


async def setup(bot: YomikaiBot) -> None:
    await bot.add_cog(EditCog(bot))
