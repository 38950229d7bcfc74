"""Fixtures that serve the fakes on 127.0.0.1 and open a Core pointed at them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.core import Core, Pacing
from bot.i18n import t
from bot.loopback import Guild, InteractionResult, LoopbackDiscord, Member
from tests.bot_harness import RunningBot, running_yomikai
from tests.fakes.arxiv import ARXIV_PATH, HTML_PATH, PDF_PATH, FakeArxiv
from tests.fakes.huggingface import FakeHuggingFace
from tests.fakes.llm_answers import reading_llm
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import ThreadedServer, serve
from tests.fixtures_fulltext import arxiv_files
from tests.fixtures_papers import SAMPLE_MONTH, arxiv_records, hf_items

# Sources paced for tests: no 3 s gap between arXiv calls, near-instant retries; ranking posts
# edited at Discord's pace (the loopback rejects faster edits).
FAST = Pacing(arxiv_interval=0.0, arxiv_retry=0.01, huggingface_retry=0.01, post_refresh=1.0)


@dataclass
class Services:
    huggingface: FakeHuggingFace
    arxiv: FakeArxiv
    openai: FakeOpenAI
    urls: dict[str, str]

    def bot_settings(self, db: Path, api: LoopbackDiscord, guild: Guild) -> Settings:
        """Settings for the bot on this loopback API, its commands registered in `guild`."""
        env = self.env(
            db,
            DISCORD_TOKEN=api.token,
            YOMIKAI_DISCORD_API=api.api_url,
            YOMIKAI_COMMAND_GUILDS=str(guild.id),
        )
        return load_settings(env)

    def env(self, db: Path, *, llm: bool = True, **extra: str) -> dict[str, str]:
        env = {
            "YOMIKAI_DB": str(db),
            "YOMIKAI_HF_API": self.urls["huggingface"],
            "YOMIKAI_ARXIV_API": self.urls["arxiv"] + ARXIV_PATH,
            "YOMIKAI_ARXIV_HTML": self.urls["arxiv"] + HTML_PATH,
            "YOMIKAI_ARXIV_PDF": self.urls["arxiv"] + PDF_PATH,
            "YOMIKAI_ARXIV_FILES_INTERVAL": "0",
        }
        if llm:
            env |= self.openai.settings_env(self.urls["openai"])
        return env | extra


def _fakes(llm_mode: str = "openai") -> tuple[FakeHuggingFace, FakeArxiv, FakeOpenAI]:
    arxiv = FakeArxiv(arxiv_records(), files={k: dict(v) for k, v in arxiv_files().items()})
    return FakeHuggingFace({SAMPLE_MONTH: hf_items()}), arxiv, reading_llm(mode=llm_mode)


@pytest.fixture
def llm_mode(request: pytest.FixtureRequest) -> str:
    """Which server the fake LLM behaves like; parametrize with indirect=True to change it."""
    return getattr(request, "param", "openai")


@pytest.fixture
async def services(llm_mode: str) -> AsyncIterator[Services]:
    huggingface, arxiv, openai = _fakes(llm_mode)
    async with (
        serve(huggingface.make_app()) as hf_url,
        serve(arxiv.make_app()) as arxiv_url,
        serve(openai.app) as openai_url,
    ):
        urls = {"huggingface": hf_url, "arxiv": arxiv_url, "openai": openai_url}
        yield Services(huggingface, arxiv, openai, urls)


@pytest.fixture
def threaded_services() -> Iterator[Services]:
    """The same fakes, served from a thread, for tests that run yomikai as a subprocess."""
    huggingface, arxiv, openai = _fakes()
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(ThreadedServer(app))
            for name, app in (
                ("huggingface", huggingface.make_app()),
                ("arxiv", arxiv.make_app()),
                ("openai", openai.app),
            )
        }
        yield Services(huggingface, arxiv, openai, {k: s.url for k, s in servers.items()})


OpenCore = Callable[..., Awaitable[Core]]


@pytest.fixture
async def open_core(services: Services, tmp_path: Path) -> AsyncIterator[OpenCore]:
    """open_core(llm=True, **env) -> a Core on a fresh database in tmp_path, closed afterwards."""
    opened: list[Core] = []

    async def _open(*, llm: bool = True, **extra: str) -> Core:
        settings = load_settings(services.env(tmp_path / "yomikai.db", llm=llm, **extra))
        core = await Core.open(settings, FAST)
        opened.append(core)
        return core

    yield _open
    for core in opened:
        await core.aclose()


@dataclass
class DiscordWorld:
    """A loopback Discord with one study-group guild, an organizer and a member, and the bot."""

    api: LoopbackDiscord
    guild: Guild
    organizer: Member
    member: Member
    services: Services
    running: RunningBot
    settings: Settings
    stack: contextlib.AsyncExitStack = field(repr=False)

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database and loopback API."""
        await self.stack.aclose()
        self.running = await self.stack.enter_async_context(
            running_yomikai(self.api, self.settings, FAST)
        )

    @property
    def core(self) -> Core:
        return self.running.core

    async def notes_in(self, month: str, language: str = "ja") -> None:
        """Until the month's full texts and notes are in and the ranking post shows them."""
        await self.core.rankings.settled(month, language)
        pending = t(language, "pending_short")

        def shown() -> bool:
            posts = [m for m in self.api.bot_messages() if m.embeds and not m.ephemeral]
            return all(pending not in m.embeds[0].get("description", "") for m in posts)

        await self.api.wait_until(shown, timeout=15, what="the ranking post shows its notes")

    async def run(self, who: Member, command: str, **options: object) -> InteractionResult:
        """Invoke a slash command and wait until its answer is visible or rejected."""
        result = await self.api.invoke(self.guild, who, command, options)
        await result.wait_settled(timeout=15)
        # An /ask answer streams in after it first shows: wait until the bot is done with it.
        await self.running.bot.idle(timeout=15)
        return result


@pytest.fixture
async def world(services: Services, tmp_path: Path) -> AsyncIterator[DiscordWorld]:
    async with LoopbackDiscord() as api:
        guild = api.add_guild("AI最新論文読み会", channels=("general", "papers"))
        member = guild.add_member("hanako", locale="ja")
        settings = services.bot_settings(tmp_path / "bot.db", api, guild)
        async with contextlib.AsyncExitStack() as stack:
            running = await stack.enter_async_context(running_yomikai(api, settings, FAST))
            await api.wait_commands(guild, names=("ask",), timeout=10)
            yield DiscordWorld(api, guild, guild.owner, member, services, running, settings, stack)
        assert api.messages_allowing_pings() == []
