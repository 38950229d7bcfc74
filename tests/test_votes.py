"""The pickup vote through the loopback Discord API: ballots, tally, close, tie-breaks, restart."""

from __future__ import annotations

import asyncio
import csv
import io

from bot.i18n import t
from bot.loopback import Member, Message
from tests.conftest import DiscordWorld
from tests.fixtures_papers import EXPECTED_TOP10, SAMPLE_MONTH

MONTH = SAMPLE_MONTH
FIRST, SECOND, THIRD = EXPECTED_TOP10[:3]


async def posted(world: DiscordWorld, **setup: object) -> Message:
    channel = world.guild.channel("papers")
    await world.run(world.organizer, "setup", channel=channel, **setup)
    result = await world.run(world.organizer, "post-ranking", month=MONTH)
    assert result.final, result.describe()
    settings = await world.core.guilds.get(world.guild.id)
    await world.notes_in(MONTH, settings.language)
    [message] = world.api.channel_messages(channel, include_ephemeral=False)
    return message


def vote_menu_id(message: Message) -> str:
    [row] = message.components
    [select] = row["components"]
    return select["custom_id"]


async def click(world: DiscordWorld, member: Member, message: Message, value: str):
    result = await world.api.click(
        world.guild, member, message, vote_menu_id(message), values=[value]
    )
    return await result.wait_settled(timeout=10)


async def ballots(world: DiscordWorld) -> dict[str, str]:
    async with world.core.store.conn.execute(
        "SELECT member_name, arxiv_id FROM votes WHERE guild_id = ?", (world.guild.id,)
    ) as cursor:
        return {row[0]: row[1] for row in await cursor.fetchall()}


async def test_the_post_carries_a_menu_of_the_papers_and_withdraw(world: DiscordWorld) -> None:
    message = await posted(world)
    assert vote_menu_id(message) == f"yomikai:vote:{world.guild.id}:{MONTH}"
    options = message.components[0]["components"][0]["options"]
    assert [o["value"] for o in options] == [*EXPECTED_TOP10, "withdraw"]
    assert options[2]["label"].startswith("#3 「ConvMLP")
    assert all(len(o["label"]) <= 100 for o in options)


async def test_vote_change_withdraw_and_double_click(world: DiscordWorld) -> None:
    message = await posted(world)
    first = await click(world, world.member, message, SECOND)
    assert first.ephemeral
    assert first.text.startswith("#2 ")
    assert await ballots(world) == {"hanako": SECOND}
    await click(world, world.member, message, THIRD)
    assert await ballots(world) == {"hanako": THIRD}
    both = await asyncio.gather(*(click(world, world.member, message, FIRST) for _ in range(2)))
    assert all(r.final for r in both)
    assert await ballots(world) == {"hanako": FIRST}
    withdrawn = await click(world, world.member, message, "withdraw")
    assert withdrawn.text == t("ja", "vote_withdrawn")
    assert await ballots(world) == {}


async def test_vote_command_and_bots_are_ignored(world: DiscordWorld) -> None:
    message = await posted(world)
    result = await world.run(world.member, "vote", paper="convmlp", month=MONTH)
    assert result.ephemeral
    assert await ballots(world) == {"hanako": THIRD}
    robot = world.guild.add_member("helper-bot", bot=True)
    refused = await click(world, robot, message, FIRST)
    assert refused.text == t("ja", "vote_bots")
    assert await ballots(world) == {"hanako": THIRD}


async def test_tally_is_for_organizers_and_private_unless_public(world: DiscordWorld) -> None:
    message = await posted(world)
    await click(world, world.member, message, SECOND)
    refused = await world.run(world.member, "tally", month=MONTH)
    assert refused.text == t("ja", "not_organizer")
    private = await world.run(world.organizer, "tally", month=MONTH)
    assert private.ephemeral
    [embed] = private.message.embeds
    assert "投票者 1 人" in embed["description"]
    assert "首位: #2" in embed["description"]
    public = await world.run(world.organizer, "tally", month=MONTH, public=True)
    assert not public.ephemeral


async def test_a_clear_winner_is_announced_and_the_post_closed(world: DiscordWorld) -> None:
    message = await posted(world)
    voter = world.guild.add_member("jiro")
    await click(world, world.member, message, THIRD)
    await click(world, voter, message, THIRD)
    closed = await world.run(world.organizer, "close-vote", month=MONTH)
    assert closed.ephemeral
    assert "#3" in closed.text
    channel_messages = world.api.channel_messages(
        world.guild.channel("papers"), include_ephemeral=False
    )
    announcement = channel_messages[-1]
    assert announcement.content.startswith(f"📣 {MONTH} のピックアップ論文は **#3")
    assert "(2 票、投票者 2 人)" in announcement.content
    assert announcement.embeds[0]["url"] == f"https://arxiv.org/abs/{THIRD}"
    post = world.api.message(message.id)
    assert post.components == []
    assert "投票は締め切られました" in post.embeds[0]["fields"][0]["value"]
    late = await world.run(world.member, "vote", paper="1", month=MONTH)
    assert late.text == t("ja", "vote_not_open", month=MONTH)
    again = await world.run(world.organizer, "close-vote", month=MONTH)
    assert "締め切り済み" in again.text
    assert (
        len(world.api.channel_messages(world.guild.channel("papers"), include_ephemeral=False)) == 2
    )


async def test_a_tie_is_broken_by_the_organizer(world: DiscordWorld) -> None:
    message = await posted(world)
    await click(world, world.member, message, FIRST)
    await click(world, world.guild.add_member("jiro"), message, SECOND)
    closing = await world.run(world.organizer, "close-vote", month=MONTH)
    assert closing.text == t("ja", "close_tie", labels="#1, #2")
    pick_message = closing.message
    [row] = pick_message.components
    [select] = row["components"]
    assert [o["value"] for o in select["options"]] == [FIRST, SECOND]
    refused = await world.api.click(
        world.guild, world.member, pick_message, select["custom_id"], values=[SECOND]
    )
    assert (await refused.wait_settled()).text == t("ja", "not_organizer")
    chosen = await world.api.click(
        world.guild, world.organizer, pick_message, select["custom_id"], values=[SECOND]
    )
    assert "#2" in (await chosen.wait_settled()).text
    announcement = world.api.channel_messages(
        world.guild.channel("papers"), include_ephemeral=False
    )[-1]
    assert announcement.content.startswith(f"📣 {MONTH} のピックアップ論文は **#2")


async def test_a_tie_goes_to_the_higher_rank_when_the_guild_says_so(world: DiscordWorld) -> None:
    message = await posted(world, tiebreak="higher-rank")
    await click(world, world.member, message, SECOND)
    await click(world, world.guild.add_member("jiro"), message, FIRST)
    closed = await world.run(world.organizer, "close-vote", month=MONTH)
    assert "#1" in closed.text
    announcement = world.api.channel_messages(
        world.guild.channel("papers"), include_ephemeral=False
    )[-1]
    assert announcement.content.startswith(f"📣 {MONTH} のピックアップ論文は **#1")


async def test_a_click_on_a_post_from_before_a_restart_counts(world: DiscordWorld) -> None:
    message = await posted(world)
    await world.restart()
    result = await click(world, world.member, message, SECOND)
    assert result.text.startswith("#2 ")
    assert await ballots(world) == {"hanako": SECOND}


async def test_reopen_brings_the_menu_back(world: DiscordWorld) -> None:
    message = await posted(world)
    await click(world, world.member, message, SECOND)
    await world.run(world.organizer, "close-vote", month=MONTH)
    reopened = await world.run(world.organizer, "reopen-vote", month=MONTH)
    assert reopened.text == t("ja", "reopened", month=MONTH)
    post = world.api.message(message.id)
    assert vote_menu_id(post) == f"yomikai:vote:{world.guild.id}:{MONTH}"
    await click(world, world.member, post, THIRD)
    assert await ballots(world) == {"hanako": THIRD}


async def test_export_gives_a_csv_of_the_ballots(world: DiscordWorld) -> None:
    message = await posted(world)
    await click(world, world.member, message, THIRD)
    await click(world, world.guild.add_member("次郎"), message, FIRST)
    result = await world.run(world.organizer, "export-votes", month=MONTH)
    assert result.ephemeral
    [attachment] = result.message.attachments
    assert attachment.filename == f"votes-{MONTH}.csv"
    rows = list(csv.DictReader(io.StringIO(attachment.text)))
    assert {(r["display_name"], r["rank"], r["arxiv_id"]) for r in rows} == {
        ("hanako", "3", THIRD),
        ("次郎", "1", FIRST),
    }
    assert all(r["member_id"].isdigit() and r["voted_at"] for r in rows)
