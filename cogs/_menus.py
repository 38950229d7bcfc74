"""The ranking post's components: the persistent vote menu and the organizer's tie-break menu.

Their custom_ids carry guild and month, and the bot registers them as dynamic items at start,
so clicks on posts made before a restart still work."""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

from bot.discord.cards import ranking_overview, vote_options, vote_status
from bot.i18n import t
from bot.models import RankedPaper, Ranking
from cogs._common import Interaction

VOTE_COG = "Vote"
_IDS = r"(?P<guild>[0-9]{1,20}):(?P<month>[0-9]{4}-[0-9]{2})"


def menu(
    custom_id: str, options: list[tuple[str, str]], placeholder: str
) -> discord.ui.Select[Any]:
    return discord.ui.Select(
        custom_id=custom_id,
        placeholder=placeholder,
        options=[discord.SelectOption(label=label, value=value) for label, value in options],
    )


class VoteMenu(discord.ui.DynamicItem[discord.ui.Select[Any]], template=rf"yomikai:vote:{_IDS}"):
    """The ballot menu under the ranking post."""

    def __init__(
        self, guild_id: int, month: str, select: discord.ui.Select[Any] | None = None
    ) -> None:
        super().__init__(select or menu(f"yomikai:vote:{guild_id}:{month}", [("-", "-")], "-"))
        self.guild_id, self.month = guild_id, month

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteMenu:
        return cls(int(match["guild"]), match["month"])

    async def interaction_check(self, interaction: Interaction) -> bool:
        return await interaction.client.admit(interaction)

    async def callback(self, interaction: Interaction) -> None:
        await _vote_cog(interaction).cast(interaction, self.month, _chosen(interaction))


class PickMenu(discord.ui.DynamicItem[discord.ui.Select[Any]], template=rf"yomikai:pick:{_IDS}"):
    """An organizer's choice among tied papers, offered by /close-vote."""

    def __init__(
        self, guild_id: int, month: str, select: discord.ui.Select[Any] | None = None
    ) -> None:
        super().__init__(select or menu(f"yomikai:pick:{guild_id}:{month}", [("-", "-")], "-"))
        self.guild_id, self.month = guild_id, month

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PickMenu:
        return cls(int(match["guild"]), match["month"])

    async def interaction_check(self, interaction: Interaction) -> bool:
        return await interaction.client.admit(interaction)

    async def callback(self, interaction: Interaction) -> None:
        await _vote_cog(interaction).pick(interaction, self.month, _chosen(interaction))


class _Voting(Protocol):
    async def cast(self, interaction: Interaction, month: str, choice: str) -> None: ...
    async def pick(self, interaction: Interaction, month: str, arxiv_id: str) -> None: ...


def _vote_cog(interaction: Interaction) -> _Voting:
    return cast("_Voting", interaction.client.get_cog(VOTE_COG))


def _chosen(interaction: Interaction) -> str:
    values = (interaction.data or {}).get("values") or [""]
    return str(values[0])


def vote_view(guild_id: int, ranking: Ranking, language: str) -> discord.ui.View:
    select = menu(
        f"yomikai:vote:{guild_id}:{ranking.month}",
        vote_options(ranking, language),
        t(language, "vote_placeholder"),
    )
    view = discord.ui.View(timeout=None)
    view.add_item(VoteMenu(guild_id, ranking.month, select))
    return view


def post_content(
    guild_id: int, ranking: Ranking, language: str, *, closed: bool, pickup: RankedPaper | None
) -> dict[str, Any]:
    """The ranking post's embed and components for the vote's current state."""
    status = vote_status(language, pickup, closed=closed)
    embed = discord.Embed.from_dict(ranking_overview(ranking, language, status))
    view = None if closed else vote_view(guild_id, ranking, language)
    return {"embed": embed, "view": view}
