"""/ask: a member's question about one of the month's papers, answered from the paper itself and
shown as the LLM writes it."""

from __future__ import annotations

import logging

from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.ask.cooldowns import Cooldown
from bot.ask.qa import MAX_QUESTION, Answer, question_language
from bot.digest.weeks import WeekError
from bot.discord.client import YomikaiBot
from bot.i18n import t
from bot.llm.client import LLMError
from bot.models import RankedPaper
from bot.months import MonthError
from bot.papers.refs import RefError, resolve_ref
from cogs._common import (
    Interaction,
    _,
    member_language,
    paper_autocomplete,
    papers_of,
    refuse,
)
from cogs._streaming import StreamedReply

log = logging.getLogger(__name__)


class AskCog(commands.Cog):
    def __init__(self, bot: YomikaiBot) -> None:
        self.bot = bot
        self.core = bot.core
        self.cooldown = Cooldown(bot.core.settings.ask_cooldown)

    @app_commands.command(
        name="ask", description=_("Ask a question about one of the month's papers")
    )
    @app_commands.guild_only()
    @app_commands.describe(
        question=_("Your question"),
        paper=_("Rank number, arXiv id or URL, or part of the title (default: the best match)"),
        month=_("Month as YYYY-MM (default: last month)"),
        week=_("Week as YYYY-Www, to ask about a paper of that week's digest"),
    )
    async def ask(
        self,
        interaction: Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION],
        paper: str | None = None,
        month: str | None = None,
        week: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        settings = await self.core.guilds.get(interaction.guild_id)
        speak = member_language(interaction, settings)
        if len(question) > MAX_QUESTION:
            return await refuse(interaction, speak, "ask_too_long", limit=MAX_QUESTION)
        try:
            chosen, ranking = await papers_of(self.core, settings, month, week)
        except (MonthError, WeekError, RefError) as exc:
            key, values = _refusal(exc, month)
            return await refuse(interaction, speak, key, **values)
        language = question_language(question)
        try:
            named = resolve_ref(ranking, paper) if paper else None
        except RefError as exc:
            return await refuse(interaction, speak, exc.key, **exc.values)
        wait = self.cooldown.try_acquire((interaction.guild_id, interaction.user.id))
        if wait:
            return await refuse(
                interaction,
                speak,
                "ask_cooldown",
                seconds=int(self.cooldown.seconds),
                remaining=max(int(wait), 1),
            )
        # Everything above is cheap and answers privately; finding the paper (search,
        # embeddings) and the LLM are not, so they come after the acknowledgement.
        await interaction.response.defer(thinking=True)
        shown = StreamedReply(interaction, "")
        entry = named or await self.core.qa.route(ranking, question, guild_id=interaction.guild_id)
        if entry is None:
            # Public like the "thinking…" it replaces; it names no one.
            self.cooldown.release((interaction.guild_id, interaction.user.id))
            return await shown.fail(t(language, "ask_no_match", month=chosen))
        shown.head = answer_head(entry, language, routed=paper is None)
        try:
            answer = await self._answer(entry, question, shown, interaction.guild_id)
        except LLMError as exc:
            log.warning("guild %s: /ask failed: %s", interaction.guild_id, exc)
            # Everyone saw "thinking…": the apology replaces it, and says nothing private.
            return await shown.fail(t(language, "ask_failed"))
        await shown.finish(answer.linked_text)
        # Stored after the member has the answer: the writes queue behind other writes.
        await self.core.qa.remember(answer, interaction.guild_id)

    async def _answer(
        self, entry: RankedPaper, question: str, shown: StreamedReply, guild_id: int
    ) -> Answer:
        """The answer, streamed into `shown` as the LLM writes it (cached ones come whole)."""
        prepared = await self.core.qa.prepare(entry, question, guild_id=guild_id)
        shown.links = prepared.links
        if prepared.cached is not None or self.core.llm is None:
            return await self.core.qa.respond(prepared)
        async with self.core.qa.stream(prepared) as stream:
            async for delta in stream:
                shown.feed(delta)
        return self.core.qa.streamed(prepared, stream)

    @ask.autocomplete("paper")
    async def paper_choices(self, interaction: Interaction, current: str) -> list[Choice[str]]:
        return await paper_autocomplete(self.core, interaction, current)


def _refusal(error: Exception, month: str | None) -> tuple[str, dict[str, object]]:
    if isinstance(error, WeekError | RefError):
        return error.key, error.values
    return "bad_month", {"month": (month or "")[:20]}


def answer_head(entry: RankedPaper, language: str, *, routed: bool) -> str:
    title = entry.summary.title if entry.summary else entry.paper.title
    key = "ask_routed" if routed else "ask_about"
    return t(language, key, rank=entry.rank, title=title, arxiv_id=entry.paper.arxiv_id)


async def setup(bot: YomikaiBot) -> None:
    await bot.add_cog(AskCog(bot))
