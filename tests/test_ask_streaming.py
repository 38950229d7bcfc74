"""/ask answers appear as the LLM writes them, within Discord's edit rate, on every server."""

from __future__ import annotations

import itertools

import pytest

from bot.i18n import t
from tests.conftest import DiscordWorld
from tests.fakes.openai import MODES
from tests.fixtures_papers import SAMPLE_MONTH

MONTH = SAMPLE_MONTH
LONG_ANSWER = " ".join(f"Point {i} of the answer comes from the paper [§3.2]." for i in range(12))
LAST_POINT = "Point 11 of the answer comes from the paper [§3.2](<https://arxiv.org/html/2109.04454v2#S3.SS2>)."
APOLOGY = t("en", "ask_failed")


async def posted(world: DiscordWorld) -> None:
    await world.run(world.organizer, "setup", channel=world.guild.channel("papers"))
    await world.run(world.organizer, "post-ranking", month=MONTH)
    await world.notes_in(MONTH)


async def test_a_slow_answer_is_shown_as_it_is_written_at_discords_edit_rate(
    world: DiscordWorld,
) -> None:
    await posted(world)
    fake = world.services.openai
    fake.text_responder = lambda body: LONG_ANSWER
    fake.token_delay = 0.025  # about 4 s for the whole answer
    result = await world.run(world.member, "ask", question="Why?", paper="3", month=MONTH)
    [message] = result.messages
    await world.api.wait_until(lambda: message.content.endswith(LAST_POINT), what="whole answer")
    edits = [w for w in message.writes if w.kind == "edit"]
    assert len(edits) >= 3  # the text grew in place: not one message at the end
    contents = [w.payload["content"] for w in edits]
    assert all(len(a) < len(b) for a, b in itertools.pairwise(contents))
    # Edits while the text arrives are spaced; the last one (the whole answer) goes at once.
    gaps = [b.at - a.at for a, b in itertools.pairwise(edits[:-1])]
    assert min(gaps) >= 1.2
    assert world.api.errors == []  # never rate-limited


async def test_a_failure_after_thinking_replaces_it_with_a_public_apology(
    world: DiscordWorld,
) -> None:
    await posted(world)
    world.services.openai.fail_next(cut_stream=True)
    result = await world.run(world.member, "ask", question="Why?", paper="3", month=MONTH)
    await world.api.wait_until(lambda: result.message.content == APOLOGY, what="the apology")
    assert not result.ephemeral  # everyone saw "thinking…", so everyone sees the apology
    assert len(result.messages) == 1


@pytest.mark.parametrize("body", ['{"choices": [', "<html>502 Bad Gateway</html>", ""])
async def test_a_malformed_answer_is_an_apology_not_a_traceback(
    world: DiscordWorld, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    await posted(world)
    world.services.openai.fail_next(status=200, body=body, content_type="text/event-stream")
    result = await world.run(world.member, "ask", question="Why?", paper="3", month=MONTH)
    await world.api.wait_until(lambda: result.message.content == APOLOGY, what="the apology")
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("llm_mode", MODES, indirect=True)
async def test_every_server_answers_with_links(world: DiscordWorld, llm_mode: str) -> None:
    await posted(world)
    ranking = await world.core.rankings.stored(MONTH, "ja")
    assert ranking.pending == 0  # summaries were written and valid on this server
    result = await world.run(
        world.member, "ask", question="What did the ablation show?", paper="3", month=MONTH
    )
    assert "1.7 points" in result.text
    assert "(<https://arxiv.org/html/2109.04454v2#S3.SS2>)" in result.text
    assert world.api.errors == []
