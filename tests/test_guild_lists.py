"""/ranking-set on the loopback Discord: each guild keeps its own list for the same month."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.i18n import t
from bot.loopback import Guild, InteractionResult, LoopbackDiscord, Member, Message
from bot.schedules.plan import Schedule, runs_for
from tests.bot_harness import RunningBot, running_yomikai
from tests.conftest import FAST, Services
from tests.fixtures_papers import ALL_IDS, SAMPLE_MONTH
from tests.test_edit_summary import FIXED_METHOD, FIXED_NAMES
from tests.test_schedule_bot import AHEAD, ShiftedClock

MONTH = SAMPLE_MONTH
LIST_A = [ALL_IDS[11], ALL_IDS[4], ALL_IDS[13]]  # two of them outside the trending top ten
LIST_B = [ALL_IDS[4], ALL_IDS[0]]


@dataclass
class Guilds:
    api: LoopbackDiscord
    a: Guild
    b: Guild
    c: Guild  # sets no list of its own
    running: RunningBot
    clock: ShiftedClock

    async def run(self, guild: Guild, command: str, who: Member | None = None, **options: object):
        result = await self.api.invoke(guild, who or guild.owner, command, options)
        await result.wait_settled(timeout=15)
        await self.running.bot.idle(timeout=15)
        return result

    def posts(self, guild: Guild) -> list[Message]:
        """The bot's own posts in the guild's channel (not answers to commands)."""
        messages = self.api.channel_messages(guild.channel("papers"), include_ephemeral=False)
        return [m for m in messages if m.interaction is None]


@pytest.fixture
async def guilds(services: Services, tmp_path: Path) -> AsyncIterator[Guilds]:
    clock = ShiftedClock()
    async with LoopbackDiscord() as api:
        a, b, c = (
            api.add_guild(name, channels=("papers",)) for name in ("読み会A", "読み会B", "C")
        )
        env = services.env(
            tmp_path / "bot.db",
            DISCORD_TOKEN=api.token,
            YOMIKAI_DISCORD_API=api.api_url,
            YOMIKAI_COMMAND_GUILDS=f"{a.id},{b.id},{c.id}",
        )
        async with running_yomikai(api, load_settings(env), FAST, clock=clock) as running:
            for guild in (a, b, c):
                await api.wait_commands(guild, names=("ranking-set",), timeout=10)
            world = Guilds(api, a, b, c, running, clock)
            for guild in (a, b, c):
                await world.run(guild, "setup", channel=guild.channel("papers"))
            yield world
        assert api.messages_allowing_pings() == []


def listed(message_or_result: Message | InteractionResult) -> list[str]:
    """The arXiv ids a ranking overview links, in order."""
    message = getattr(message_or_result, "message", message_or_result)
    description = message.embeds[0]["description"]
    return [line.split("(https://arxiv.org/abs/")[1].split(")")[0]
            for line in description.splitlines() if "(https://arxiv.org/abs/" in line]  # fmt: skip


async def set_list(world: Guilds, guild: Guild, ids: str, **options: object) -> InteractionResult:
    return await world.run(guild, "ranking-set", ids=ids, month=MONTH, **options)


async def test_two_guilds_keep_different_lists_for_the_same_month(guilds: Guilds) -> None:
    world = guilds
    urls = f"https://arxiv.org/abs/{LIST_A[0]}v2, arXiv:{LIST_A[1]}\n{LIST_A[2]}"
    saved = await set_list(world, world.a, urls)
    assert saved.ephemeral
    assert t("ja", "list_saved", month=MONTH, count=3) in saved.text
    assert listed(saved) == LIST_A
    await set_list(world, world.b, " ".join(LIST_B))

    assert listed(await world.run(world.a, "ranking", month=MONTH)) == LIST_A
    assert listed(await world.run(world.b, "ranking", month=MONTH)) == LIST_B
    nothing = await world.run(world.c, "ranking", month=MONTH)
    assert nothing.text == t("ja", "no_ranking", month=MONTH)

    posted = await world.run(world.a, "post-ranking", month=MONTH, kind="manual")
    assert "投稿しました" in posted.text, posted.describe()
    await world.run(world.b, "post-ranking", month=MONTH)  # by default, the guild's own list
    [post_a], [post_b] = world.posts(world.a), world.posts(world.b)
    assert listed(post_a) == LIST_A
    assert listed(post_b) == LIST_B
    assert post_a.embeds[0]["title"] == t(
        "ja", "overview_title", month=MONTH, kind=t("ja", "kind.manual")
    )
    # The vote menu offers the guild's own papers.
    options = post_a.components[0]["components"][0]["options"]
    assert [o["value"] for o in options][:-1] == LIST_A

    # A card is read and summarized for a paper only one guild listed.
    await world.running.core.rankings.settled(MONTH, "ja")
    card = await world.run(world.a, "paper", paper=LIST_A[0], month=MONTH)
    assert card.message.embeds[0]["url"] == f"https://arxiv.org/abs/{LIST_A[0]}"
    assert t("ja", "pending") not in card.message.embeds[0]["description"]


async def test_a_guild_without_its_own_list_sees_the_shared_one(guilds: Guilds) -> None:
    world = guilds
    none = await world.run(world.c, "post-ranking", month=MONTH, kind="manual")
    assert none.text == t("ja", "list_none", month=MONTH)
    assert world.posts(world.c) == []
    await set_list(world, world.a, " ".join(LIST_A))
    # `yomikai fetch --ids` writes the list every guild without its own shares.
    await world.running.core.pipeline.rank(MONTH, refs=LIST_B)
    assert listed(await world.run(world.c, "ranking", month=MONTH)) == LIST_B
    assert listed(await world.run(world.a, "ranking", month=MONTH)) == LIST_A
    await world.run(world.c, "post-ranking", month=MONTH, kind="manual")
    assert listed(world.posts(world.c)[0]) == LIST_B


async def test_a_correction_stays_in_its_guild(guilds: Guilds) -> None:
    world = guilds
    shared = LIST_A[1]  # on both guilds' lists
    await set_list(world, world.a, " ".join(LIST_A))
    await set_list(world, world.b, " ".join(LIST_B))
    await world.running.core.rankings.settled(MONTH, "ja")
    opened = await world.run(world.a, "edit-summary", paper=shared, month=MONTH)
    values = {"yomikai:edit:method": FIXED_METHOD, "yomikai:edit:names": FIXED_NAMES}
    await (await world.api.submit_modal(opened, values)).wait_settled(timeout=15)

    def method(result: InteractionResult) -> str:
        fields = result.message.embeds[0]["fields"]
        return next(f["value"] for f in fields if f["name"] == t("ja", "method"))

    assert method(await world.run(world.a, "paper", paper=shared, month=MONTH)) == FIXED_METHOD
    assert method(await world.run(world.b, "paper", paper=shared, month=MONTH)) != FIXED_METHOD


@pytest.mark.parametrize(
    ("ids", "key", "values"),
    [
        ("2101.99999 " + ALL_IDS[0], "list_unknown", {"ids": "2101.99999"}),
        ("not-a-paper", "list_bad_id", {"ref": "not-a-paper"}),
        (" ".join(f"2109.{n:05d}" for n in range(25)), "list_too_many", {"count": 25}),
        (" , ", "list_empty", {"limit": 1200}),
    ],
)
async def test_a_bad_list_is_refused_and_the_old_one_kept(
    guilds: Guilds, ids: str, key: str, values: dict[str, object]
) -> None:
    world = guilds
    await set_list(world, world.a, " ".join(LIST_A))
    refused = await set_list(world, world.a, ids)
    assert refused.ephemeral
    assert refused.text == t("ja", key, month=MONTH, **values)
    assert listed(await world.run(world.a, "ranking", month=MONTH)) == LIST_A


async def test_members_cannot_set_a_list_and_a_posted_list_stays(guilds: Guilds) -> None:
    world = guilds
    member = world.a.add_member("hanako")
    refused = await world.run(world.a, "ranking-set", member, ids=LIST_A[0], month=MONTH)
    assert refused.text == t("ja", "not_organizer")
    await set_list(world, world.a, " ".join(LIST_A))
    await world.run(world.a, "post-ranking", month=MONTH)
    late = await set_list(world, world.a, " ".join(LIST_B))
    assert late.text == t("ja", "list_posted", month=MONTH)
    assert listed(await world.run(world.a, "ranking", month=MONTH)) == LIST_A


async def test_a_schedule_of_kind_manual_posts_the_guilds_list(guilds: Guilds) -> None:
    world = guilds
    schedule = Schedule(kind="manual")
    due = {run.action: run.due for run in runs_for(MONTH, schedule, "Asia/Tokyo")}
    world.clock.set(due["post"] - AHEAD)
    await set_list(world, world.a, " ".join(LIST_A))
    shown = await world.run(world.a, "schedule set", kind="manual")
    assert shown.ephemeral, shown.describe()
    await world.api.wait_channel_messages(world.a.channel("papers"), 1, timeout=15)
    assert listed(world.posts(world.a)[0]) == LIST_A
