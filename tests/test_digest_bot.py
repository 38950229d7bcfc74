"""/digest through the loopback Discord API: posted once per guild and week in the newsletter's
shape, shown privately to members, completed in place when a paper was pending."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import cast

from bot.digest.writer import ENTRY_SCHEMA_NAME
from bot.i18n import t
from bot.loopback import Message
from cogs.digest import DIGEST_COG, DigestCog
from tests.conftest import DiscordWorld
from tests.fakes.llm_answers import reading_digest_item
from tests.test_bot import setup_guild
from tests.test_digest import TOP5, WEEK, failing_for


def posts(world: DiscordWorld) -> list[Message]:
    return world.api.channel_messages(world.guild.channel("papers"), include_ephemeral=False)


def digest_cog(world: DiscordWorld) -> DigestCog:
    # load_extension imports cogs.digest afresh, so the class is not this module's DigestCog.
    return cast("DigestCog", world.running.bot.get_cog(DIGEST_COG))


async def test_an_organizer_posts_the_week_in_the_newsletters_shape_once(
    world: DiscordWorld,
) -> None:
    await setup_guild(world)
    result = await world.run(world.organizer, "digest", week=WEEK)
    assert result.ephemeral
    assert result.text == t(
        "ja", "digest_posted", week=WEEK, channel=world.guild.channel("papers").mention
    )
    [message] = posts(world)
    header, *papers = message.embeds
    assert header["title"] == "📰 2021-W36 の論文ダイジェスト(2021-09-06 〜 2021-09-12)"
    picks = header["description"].splitlines()
    assert picks[0] == "**今週の注目**"
    assert [line.split("](")[-1] for line in picks[1:]] == [
        f"https://arxiv.org/abs/{aid})" for aid in TOP5[:3]
    ]
    assert [paper["url"] for paper in papers] == [f"https://arxiv.org/abs/{aid}" for aid in TOP5]
    convmlp = papers[0]
    assert convmlp["title"] == "ConvMLP: Hierarchical Convolutional MLPs の新しさ"
    original, paragraph = convmlp["description"].split("\n")
    assert original == "*ConvMLP: Hierarchical Convolutional MLPs for Vision*"
    assert paragraph.startswith("【本文より】")
    assert convmlp["footer"]["text"] == "#1 · 2021-W36 · arXiv:2109.04454 · 81 upvotes"
    # The post is what the CLI prints: the stored digest.
    stored = (await world.core.digests.stored(WEEK, "ja")).to_dict()
    assert [p["title"] for p in papers] == [p["headline"] for p in stored["papers"]]

    again = await world.run(world.organizer, "digest", week=WEEK)
    assert again.text == t(
        "ja",
        "digest_already_posted",
        week=WEEK,
        url=f"https://discord.com/channels/{world.guild.id}/{message.channel.id}/{message.id}",
    )
    assert len(posts(world)) == 1


async def test_members_get_the_digest_privately_and_only_once_it_is_made(
    world: DiscordWorld,
) -> None:
    await setup_guild(world)
    early = await world.run(world.member, "digest", week=WEEK)
    assert early.ephemeral
    assert early.text == t("ja", "no_digest", week=WEEK)
    assert world.services.huggingface.requests == []  # a member's call makes nothing
    await world.run(world.organizer, "digest", week=WEEK)
    shown = await world.run(world.member, "digest", week=WEEK)
    assert shown.ephemeral
    assert shown.message.embeds == posts(world)[0].embeds
    assert world.services.openai.count(purpose="digest") == 6
    assert len(posts(world)) == 1


async def test_the_default_week_is_the_last_complete_one_in_the_guilds_timezone(
    world: DiscordWorld,
) -> None:
    await setup_guild(world)
    # Monday 2021-09-13, 00:30 in Tokyo: 2021-W36 has just ended there.
    world.running.bot.clock = lambda: datetime(2021, 9, 12, 15, 30, tzinfo=UTC)
    result = await world.run(world.organizer, "digest")
    channel = world.guild.channel("papers")
    assert result.text == t("ja", "digest_posted", week=WEEK, channel=channel.mention)
    assert "2021-W36" in posts(world)[0].embeds[0]["title"]


async def test_bad_weeks_and_missing_setup_get_a_short_private_answer(
    world: DiscordWorld,
) -> None:
    no_channel = await world.run(world.organizer, "digest", week=WEEK)
    assert no_channel.text == t("ja", "no_channel")
    await setup_guild(world)
    latest = await world.run(world.member, "digest", week="2999-W01")
    assert latest.ephemeral
    assert latest.text.startswith("2999-W01 はまだ終わっていません")
    cases = [
        ("2021-W99", t("ja", "bad_week", week="2021-W99")),
        (
            "2021-W30",
            t(
                "ja",
                "digest_failed",
                week="2021-W30",
                reason="Hugging Face lists no papers for 2021-W30",
            ),
        ),
    ]
    for week, expected in cases:
        result = await world.run(world.organizer, "digest", week=week)
        assert result.ephemeral
        assert result.text == expected
    world.services.huggingface.fail_next(503, times=4)
    down = await world.run(world.organizer, "digest", week=WEEK)
    assert "Hugging Face unreachable after 4 tries" in down.text
    assert posts(world) == []
    assert (await world.core.digests.posts.get(world.guild.id, WEEK)) is None


async def test_a_pending_paper_is_marked_and_the_next_digest_fills_in_the_post(
    world: DiscordWorld,
) -> None:
    await setup_guild(world)
    world.services.openai.json_responders[ENTRY_SCHEMA_NAME] = failing_for("2109.02846")
    first = await world.run(world.organizer, "digest", week=WEEK)
    assert t("ja", "digest_pending_count", count=1) in first.text
    [message] = posts(world)
    pending = message.embeds[3]
    assert pending["title"] == "🤗Datasets: A Community Library for Natural Language Processing"
    assert t("ja", "digest_pending") in pending["description"]
    assert all(t("ja", "digest_pending") not in e["description"] for e in message.embeds[4:])

    world.services.openai.json_responders[ENTRY_SCHEMA_NAME] = reading_digest_item
    again = await world.run(world.organizer, "digest", week=WEEK)
    assert again.text.endswith(t("ja", "digest_refreshed"))
    edited = world.api.message(message.id)
    assert edited.edited_at is not None
    assert t("ja", "digest_pending") not in edited.embed_texts
    assert "今週の一本" in edited.embeds[0]["description"]  # the highlights, chosen now
    assert len(posts(world)) == 1
    calls = world.services.openai.count(purpose="digest")
    third = await world.run(world.organizer, "digest", week=WEEK)
    assert t("ja", "digest_refreshed") not in third.text
    assert world.services.openai.count(purpose="digest") == calls


async def test_a_scheduled_post_racing_an_organizer_posts_once_across_a_restart(
    world: DiscordWorld,
) -> None:
    """The call a weekly schedule makes: DigestCog.publish(guild, week)."""
    await setup_guild(world)
    guild = world.running.bot.get_guild(world.guild.id)
    assert guild is not None
    scheduled, by_hand = await asyncio.gather(
        digest_cog(world).publish(guild, WEEK),
        world.run(world.organizer, "digest", week=WEEK),
    )
    outcomes = {scheduled.outcome, "already_posted" if "投稿済み" in by_hand.text else "posted"}
    assert outcomes == {"posted", "already_posted"}
    assert len(posts(world)) == 1
    await world.restart()
    guild = world.running.bot.get_guild(world.guild.id)
    assert guild is not None
    after = await digest_cog(world).publish(guild, WEEK)
    assert after.outcome == "already_posted"
    assert after.url.endswith(f"/{posts(world)[0].id}")
    assert len(posts(world)) == 1


async def test_an_english_guild_gets_an_english_digest(world: DiscordWorld) -> None:
    channel = world.guild.channel("papers")
    await world.run(world.organizer, "setup", channel=channel, language="en")
    result = await world.run(world.organizer, "digest", week=WEEK)
    assert result.text == t("ja", "digest_posted", week=WEEK, channel=channel.mention)
    header, convmlp, *_ = posts(world)[0].embeds
    assert header["title"] == "📰 Paper digest for 2021-W36 (2021-09-06 to 2021-09-12)"
    assert header["description"].startswith("**This week's highlights**")
    assert convmlp["title"].startswith("What is new in ConvMLP")


async def test_a_digest_paper_can_be_asked_about_by_week(world: DiscordWorld) -> None:
    await setup_guild(world)
    await world.run(world.organizer, "digest", week=WEEK)
    result = await world.run(
        world.member, "ask", question="What did the ablation show?", paper="1", week=WEEK
    )
    assert result.text.startswith("📄 About **#1")
    assert "(<https://arxiv.org/html/2109.04454v2#S3.SS2>)" in result.text
    choices = await world.api.autocomplete(
        world.guild,
        world.member,
        "ask",
        {"question": "x", "paper": "", "week": WEEK},
        focused="paper",
    )
    assert [c["value"] for c in choices] == ["1", "2", "3", "4", "5"]
    unknown = await world.run(world.member, "ask", question="Why?", paper="1", week="2020-W01")
    assert unknown.ephemeral
    assert unknown.text == t("ja", "no_digest", week="2020-W01")
