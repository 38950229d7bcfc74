"""The real bot, driven through the loopback Discord API as organizers and members use it."""

from __future__ import annotations

from bot.i18n import t
from tests.conftest import DiscordWorld
from tests.fixtures_papers import EXPECTED_TOP10, SAMPLE_MONTH

MONTH = SAMPLE_MONTH


async def setup_guild(world: DiscordWorld) -> None:
    channel = world.guild.channel("papers")
    result = await world.run(world.organizer, "setup", channel=channel)
    assert result.ephemeral
    assert "設定しました" in result.text


async def post(world: DiscordWorld) -> None:
    await setup_guild(world)
    result = await world.run(world.organizer, "post-ranking", month=MONTH)
    assert "投稿しました" in result.text, result.describe()
    await world.notes_in(MONTH)  # full texts read, notes written, the post updated


async def test_commands_are_registered_once_with_japanese_descriptions(world: DiscordWorld) -> None:
    commands = {c["name"]: c for c in world.api.commands(world.guild)}
    assert set(commands) == {
        "setup", "ranking", "paper", "ask", "post-ranking",
        "vote", "tally", "close-vote", "reopen-vote", "export-votes", "schedule", "digest",
        "outline", "meetup", "presenter", "history", "ranking-set", "edit-summary",
        "usage", "search",
    }  # fmt: skip
    assert commands["ask"]["description_localizations"]["ja"] == "その月の論文について質問する"
    assert world.api.command_puts(world.guild) == 1
    assert await world.running.bot.sync_commands() == []  # unchanged: nothing re-registered
    assert world.api.command_puts(world.guild) == 1


async def test_members_are_refused_organizer_commands(world: DiscordWorld) -> None:
    channel = world.guild.channel("papers")
    for command, options in (("setup", {"channel": channel}), ("post-ranking", {})):
        result = await world.run(world.member, command, **options)
        assert result.ephemeral
        assert result.text == t("ja", "not_organizer")
    assert world.api.channel_messages(channel, include_ephemeral=False) == []


async def test_post_ranking_needs_a_channel_then_posts_once(world: DiscordWorld) -> None:
    result = await world.run(world.organizer, "post-ranking", month=MONTH)
    assert result.text == t("ja", "no_channel")
    await post(world)
    channel = world.guild.channel("papers")
    [message] = world.api.channel_messages(channel, include_ephemeral=False)
    [overview] = message.embeds
    assert overview["title"].startswith(f"📚 {MONTH}")
    assert overview["description"].count("https://arxiv.org/abs/") == 10
    assert f"https://arxiv.org/abs/{EXPECTED_TOP10[0]})" in overview["description"].splitlines()[0]
    again = await world.run(world.organizer, "post-ranking", month=MONTH)
    assert "投稿済み" in again.text
    assert f"/{channel.id}/{message.id}" in again.text
    assert len(world.api.channel_messages(channel, include_ephemeral=False)) == 1


async def test_a_month_the_source_does_not_have_is_reported(world: DiscordWorld) -> None:
    await setup_guild(world)
    result = await world.run(world.organizer, "post-ranking", month="2020-01")
    assert "取得できませんでした" in result.text
    assert "2020-01" in result.text


async def test_ranking_and_paper_cards(world: DiscordWorld) -> None:
    await post(world)
    ranking = await world.run(world.member, "ranking", month=MONTH)
    assert ranking.message.embeds[0]["title"].startswith(f"📚 {MONTH}")
    card = await world.run(world.member, "paper", paper="3", month=MONTH)
    [embed] = card.message.embeds
    assert embed["url"] == f"https://arxiv.org/abs/{EXPECTED_TOP10[2]}"
    assert [f["name"] for f in embed["fields"]] == ["目的", "成果", "方法", "固有名", "著者所属"]
    assert embed["title"] == "「ConvMLP: Hierarchical Convolutional MLPs for Vision」の日本語訳"
    by_url = await world.run(
        world.member, "paper", paper="https://arxiv.org/pdf/2109.04454v2", month=MONTH
    )
    by_title = await world.run(world.member, "paper", paper="convmlp", month=MONTH)
    assert by_url.message.embeds[0]["url"] == by_title.message.embeds[0]["url"] == embed["url"]


async def test_bad_months_and_unknown_papers_get_a_short_private_answer(
    world: DiscordWorld,
) -> None:
    await post(world)
    cases = [
        ("ranking", {"month": "2021-13"}, t("ja", "bad_month", month="2021-13")),
        ("ranking", {"month": "2021-08"}, t("ja", "no_ranking", month="2021-08")),
        ("paper", {"paper": "42", "month": MONTH}, t("ja", "ref_no_rank", rank="42", count=10)),
        (
            "paper",
            {"paper": "quantum cooking", "month": MONTH},
            t("ja", "ref_unknown", ref="quantum cooking", month=MONTH),
        ),
    ]
    for command, options, expected in cases:
        result = await world.run(world.member, command, **options)
        assert result.ephemeral
        assert result.text == expected


async def test_paper_autocomplete_offers_the_months_papers(world: DiscordWorld) -> None:
    await post(world)
    choices = await world.api.autocomplete(
        world.guild, world.member, "paper", {"paper": "", "month": MONTH}, focused="paper"
    )
    assert len(choices) == 10
    assert choices[2]["value"] == "3"
    assert all(len(c["name"]) <= 100 for c in choices)
    narrowed = await world.api.autocomplete(
        world.guild,
        world.member,
        "ask",
        {"question": "x", "paper": "conv", "month": MONTH},
        focused="paper",
    )
    assert [c["value"] for c in narrowed] == ["3"]


async def test_ask_about_a_named_paper(world: DiscordWorld) -> None:
    await post(world)
    result = await world.run(
        world.member, "ask", question="What did the ablation show?", paper="3", month=MONTH
    )
    assert result.deferred
    assert not result.ephemeral
    assert result.text.startswith("📄 About **#3")
    assert "According to the paper" in result.text
    assert result.ack_seconds < 3


async def test_ask_without_a_paper_says_which_paper_it_used(world: DiscordWorld) -> None:
    await post(world)
    result = await world.run(world.member, "ask", question="ConvMLPの精度は?", month=MONTH)
    assert result.text.startswith("🔎 質問に最も関係する論文として **#3")
    unrelated = await world.run(world.organizer, "ask", question="カレーの作り方", month=MONTH)
    # Found after "thinking…" (searching takes time), so it replaces it, for everyone.
    assert unrelated.text == t("ja", "ask_no_match", month=MONTH)
    # An ask that came to nothing does not spend the member's cooldown.
    again = await world.run(world.organizer, "ask", question="ConvMLPの精度は?", month=MONTH)
    assert again.text.startswith("🔎")


async def test_ask_cooldown_is_per_member(world: DiscordWorld) -> None:
    await post(world)
    await world.run(world.member, "ask", question="Why?", paper="1", month=MONTH)
    again = await world.run(world.member, "ask", question="And how?", paper="1", month=MONTH)
    assert again.ephemeral
    assert "秒に 1 回まで" in again.text
    other = await world.run(world.organizer, "ask", question="And how?", paper="1", month=MONTH)
    assert not other.ephemeral


async def test_llm_answers_cannot_ping_and_long_answers_are_split(world: DiscordWorld) -> None:
    await post(world)
    world.services.openai.text_responder = lambda body: "@everyone " + "A long explanation. " * 500
    result = await world.run(world.member, "ask", question="Tell me all", paper="2", month=MONTH)
    await result.wait_messages(3, timeout=10)
    assert [len(m.content) <= 2000 for m in result.messages] == [True, True, True]
    assert "@everyone" in result.messages[0].content
    # Read up to the answer's token limit (800, with some slack), not the server's 10,000 chars.
    assert sum(len(m.content) for m in result.messages) < 5000
    # The fixture's teardown checks that no message of the bot could ping anyone.


async def test_llm_down_gives_an_apology_and_the_bot_keeps_working(world: DiscordWorld) -> None:
    await post(world)
    world.services.openai.always_fail(401)
    result = await world.run(world.member, "ask", question="Why?", paper="1", month=MONTH)
    assert result.text == t("en", "ask_failed")
    world.services.openai.always_fail(None)
    assert (await world.run(world.member, "ranking", month=MONTH)).message.embeds


async def test_the_organizer_role_may_post_and_english_guilds_get_english_cards(
    world: DiscordWorld,
) -> None:
    role = world.guild.add_role("読み会運営")
    organizer = world.guild.add_member("taro", roles=[role], locale="en-US")
    refused = await world.run(organizer, "post-ranking", month=MONTH)
    assert refused.text == t("en", "not_organizer")  # ephemeral replies follow the member's locale
    channel = world.guild.channel("papers")
    await world.run(world.organizer, "setup", channel=channel, organizer_role=role, language="en")
    posted = await world.run(organizer, "post-ranking", month=MONTH)
    assert posted.text.startswith(f"Posted the {MONTH} ranking")
    await world.notes_in(MONTH, "en")
    card = await world.run(world.member, "paper", paper="1", month=MONTH)
    names = [f["name"] for f in card.message.embeds[0]["fields"]]
    assert names == ["Purpose", "Results", "Method", "Proper names", "Affiliations"]


async def test_setup_rejects_an_unknown_timezone(world: DiscordWorld) -> None:
    channel = world.guild.channel("papers")
    result = await world.run(world.organizer, "setup", channel=channel, timezone="Mars/Olympus")
    assert result.text == t("ja", "bad_timezone", timezone="Mars/Olympus")
    assert (await world.core.guilds.get(world.guild.id)).channel_id is None
