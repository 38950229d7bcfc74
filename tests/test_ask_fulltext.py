"""/ask answers from the paper's own text and links the sections it cites (real discord.py
against the loopback Discord API)."""

from __future__ import annotations

import json
import re

from bot.llm.tokens import estimate_tokens
from tests.conftest import DiscordWorld
from tests.fixtures_papers import SAMPLE_MONTH

MONTH = SAMPLE_MONTH
ABLATIONS = "https://arxiv.org/html/2109.04454v2#S3.SS2"


async def posted(world: DiscordWorld) -> None:
    await world.run(world.organizer, "setup", channel=world.guild.channel("papers"))
    result = await world.run(world.organizer, "post-ranking", month=MONTH)
    assert "投稿しました" in result.text, result.describe()
    await world.core.rankings.settled(MONTH, "ja")


def _passages(world: DiscordWorld) -> list[dict[str, str]]:
    request = [r for r in world.services.openai.requests if r.purpose == "ask"][-1]
    material = re.search(r"<material>\s*(.*?)\s*</material>", request.content("user"), re.S)
    assert material is not None
    return json.loads(material.group(1))["passages"]


async def test_a_question_about_the_experiments_is_answered_from_the_body_with_a_link(
    world: DiscordWorld,
) -> None:
    await posted(world)
    result = await world.run(
        world.member, "ask", question="What did the ablation show?", paper="3", month=MONTH
    )
    assert "1.7 points" in result.text  # only the body says it, not the abstract
    assert f"[§3.2](<{ABLATIONS}>)" in result.text
    assert world.api.errors == []


async def test_a_japanese_question_finds_the_english_passage(world: DiscordWorld) -> None:
    await posted(world)
    result = await world.run(
        world.member, "ask", question="アブレーションで何が分かりましたか?", paper="3", month=MONTH
    )
    assert f"[§3.2](<{ABLATIONS}>)" in result.text


async def test_the_whole_paper_fits_and_gives_the_same_prompt_prefix(world: DiscordWorld) -> None:
    await posted(world)
    for who, question in ((world.member, "How was it trained?"), (world.organizer, "Results?")):
        await world.run(who, "ask", question=question, paper="3", month=MONTH)
    first, second = [r for r in world.services.openai.requests if r.purpose == "ask"][-2:]
    prefix = first.content("user").split("<question>")[0]
    assert first.content("system") == second.content("system")
    assert second.content("user").startswith(prefix)
    assert '"passages_complete": true' in prefix


async def test_a_small_budget_keeps_the_most_relevant_passages_in_order(
    world: DiscordWorld,
) -> None:
    await posted(world)
    world.core.qa.context_tokens = 120
    await world.run(
        world.member, "ask", question="What did the ablation show?", paper="3", month=MONTH
    )
    passages = _passages(world)
    assert sum(estimate_tokens(p["text"]) for p in passages) <= 120
    assert "§3.2" in [p["cite"] for p in passages]
    order = [p["cite"] for p in passages]
    cites = ["Abstract", "§1", "§2", "§2.1", "§2.2", "§3", "§3.1", "Table 1", "§3.2"]
    assert order == [c for c in [*cites, "Figure 1", "§4"] if c in order]


async def test_when_the_paper_does_not_say_the_answer_says_so(world: DiscordWorld) -> None:
    await posted(world)
    result = await world.run(
        world.member, "ask", question="Which licence is the code under?", paper="3", month=MONTH
    )
    assert "do not say" in result.text
    assert "](<" not in result.text


async def test_a_paper_read_from_its_pdf_links_the_page(world: DiscordWorld) -> None:
    await posted(world)
    result = await world.run(
        world.member,
        "ask",
        question="What does removing the differentiable solver cost?",
        paper="2109.05237",
        month=MONTH,
    )
    assert re.search(r"\(<https://arxiv\.org/pdf/2109\.05237v1#page=\d+>\)", result.text)


async def test_routing_without_a_paper_uses_the_full_text(world: DiscordWorld) -> None:
    await posted(world)
    # Only Primer's body mentions TPUv4; no title, abstract or note does.
    result = await world.run(world.member, "ask", question="Who trained on TPUv4?", month=MONTH)
    assert "**#7 " in result.text.splitlines()[0]


async def test_cards_say_where_their_text_came_from(world: DiscordWorld) -> None:
    await posted(world)
    card = await world.run(world.member, "paper", paper="3", month=MONTH)
    assert (
        "[arXiv HTML](https://arxiv.org/html/2109.04454v2)" in card.message.embeds[0]["description"]
    )
    pdf = await world.run(world.member, "paper", paper="2109.05237", month=MONTH)
    assert "[PDF](https://arxiv.org/pdf/2109.05237v1)" in pdf.message.embeds[0]["description"]


async def test_every_card_of_the_month_has_affiliations_from_the_paper(world: DiscordWorld) -> None:
    await posted(world)
    for rank in range(1, 11):
        card = await world.run(world.member, "paper", paper=str(rank), month=MONTH)
        fields = {f["name"]: f["value"] for f in card.message.embeds[0]["fields"]}
        # arXiv's API gave no affiliations: these were read from each paper's header.
        assert fields["著者所属"] not in ("", "—"), rank


async def test_the_post_fills_in_its_notes_when_they_land(world: DiscordWorld) -> None:
    await world.run(world.organizer, "setup", channel=world.guild.channel("papers"))
    world.services.openai.delay = 0.2
    result = await world.run(world.organizer, "post-ranking", month=MONTH)
    assert "準備中" in result.text  # posted before the notes were written
    [post] = world.api.channel_messages(world.guild.channel("papers"), include_ephemeral=False)
    assert "要約準備中" in post.embeds[0]["description"]
    await world.core.rankings.settled(MONTH, "ja")

    def filled() -> bool:
        return "要約準備中" not in world.api.message(post.id).embeds[0]["description"]

    await world.api.wait_until(filled, timeout=10, what="the post shows its notes")
    assert world.api.errors == []  # edited within Discord's rate
