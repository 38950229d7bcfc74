"""/edit-summary on the loopback Discord: an organizer corrects a card, everyone sees it."""

from __future__ import annotations

import json

import pytest

from bot.i18n import t
from bot.loopback import InteractionResult
from bot.models import NOTE_FIELDS, Summary
from bot.papers.edits import MAX_NOTE, EditError, checked_notes
from tests.conftest import DiscordWorld
from tests.fixtures_papers import SAMPLE_MONTH
from tests.test_bot import post

MONTH = SAMPLE_MONTH
FIXED_METHOD = "修正済み: 畳み込みとMLPを交互に重ねる構成(主催者が論文の図2から確認)"
FIXED_NAMES = "ConvMLP, ImageNet-1k"


def inputs(opened: InteractionResult) -> dict[str, dict[str, object]]:
    """The modal's text inputs by custom_id."""
    assert opened.modal is not None, opened.describe()
    return {
        row["components"][0]["custom_id"]: row["components"][0]
        for row in opened.modal["components"]
    }


async def open_editor(
    world: DiscordWorld, paper: str = "1", **options: object
) -> InteractionResult:
    options = {"month": MONTH, **options}
    return await world.run(world.organizer, "edit-summary", paper=paper, **options)


async def submit(world: DiscordWorld, opened: InteractionResult, **notes: str) -> InteractionResult:
    submitted = await world.api.submit_modal(
        opened, {f"yomikai:edit:{name}": text for name, text in notes.items()}
    )
    await submitted.wait_settled(timeout=15)
    return submitted


async def correct_method(world: DiscordWorld) -> InteractionResult:
    opened = await open_editor(world)
    return await submit(world, opened, method=FIXED_METHOD, names=FIXED_NAMES)


def field_of(card: dict[str, object], language: str, name: str) -> str:
    fields = card["fields"]
    assert isinstance(fields, list)
    return next(f["value"] for f in fields if f["name"] == t(language, name))


async def test_the_modal_holds_the_five_notes_as_the_card_shows_them(world: DiscordWorld) -> None:
    await post(world)
    ranking = await world.core.rankings.stored(MONTH, "ja", world.guild.id)
    assert ranking is not None
    assert ranking.entries[0].summary is not None
    generated = ranking.entries[0].summary
    fields = inputs(await open_editor(world))
    assert list(fields) == [f"yomikai:edit:{name}" for name in NOTE_FIELDS]
    for name in NOTE_FIELDS:
        box = fields[f"yomikai:edit:{name}"]
        assert box["label"] == t("ja", name)
        assert box["max_length"] == MAX_NOTE
        assert box["required"] is True
        # An empty note is offered empty: the organizer must write it to save.
        assert box.get("value", "") == getattr(generated, name)


async def test_a_correction_shows_on_every_later_card_and_answer(world: DiscordWorld) -> None:
    await post(world)
    saved = await correct_method(world)
    assert saved.ephemeral
    assert t("ja", "edit_saved") in saved.text
    [shown] = saved.message.embeds
    assert field_of(shown, "ja", "method") == FIXED_METHOD

    card = (await world.run(world.member, "paper", paper="1", month=MONTH)).message.embeds[0]
    assert field_of(card, "ja", "method") == FIXED_METHOD
    assert "owner が修正" in card["footer"]["text"]
    # The other notes are the generated ones, as they were in the modal.
    assert field_of(card, "ja", "purpose") == field_of(shown, "ja", "purpose")

    asked = world.services.openai.count()
    await world.run(world.member, "ask", question="どういう方法ですか?", paper="1", month=MONTH)
    assert world.services.openai.count() == asked + 1
    prompt = world.services.openai.requests[-1].content("user")
    assert FIXED_METHOD in prompt


async def test_writing_the_summary_again_keeps_the_correction(world: DiscordWorld) -> None:
    await post(world)
    await correct_method(world)
    ranking = await world.core.rankings.stored(MONTH, "ja")
    assert ranking is not None
    entry = ranking.entries[0]
    assert entry.summary is not None
    assert entry.edit is None
    rewritten = Summary(**{**entry.summary.to_dict(), "title": "新しい訳題", "method": "再生成"})
    await world.core.store.save_summary(
        entry.paper.arxiv_id, "ja", world.core.pipeline.prompt_version, rewritten, "m", "html"
    )
    card = (await world.run(world.member, "paper", paper="1", month=MONTH)).message.embeds[0]
    assert card["title"] == "新しい訳題"
    assert field_of(card, "ja", "method") == FIXED_METHOD


async def test_revert_goes_back_to_the_generated_notes(world: DiscordWorld) -> None:
    await post(world)
    before = (await world.run(world.member, "paper", paper="1", month=MONTH)).message.embeds[0]
    await correct_method(world)
    reverted = await open_editor(world, revert=True)
    assert reverted.ephemeral
    assert t("ja", "edit_reverted") in reverted.text
    card = (await world.run(world.member, "paper", paper="1", month=MONTH)).message.embeds[0]
    assert card == before
    again = await open_editor(world, revert=True)
    assert again.text == t("ja", "edit_none", rank=1)


async def test_members_and_bad_input_are_refused_and_nothing_is_stored(
    world: DiscordWorld,
) -> None:
    await post(world)
    member = await world.run(world.member, "edit-summary", paper="1", month=MONTH)
    assert member.modal is None
    assert member.text == t("ja", "not_organizer")
    unknown = await open_editor(world, paper="9999.99999")
    assert unknown.ephemeral
    assert unknown.modal is None
    assert unknown.text == t("ja", "ref_unknown", ref="9999.99999", month=MONTH)
    bad_month = await open_editor(world, month="2021-13")
    assert bad_month.text == t("ja", "bad_month", month="2021-13")

    blank = await submit(world, await open_editor(world), results="   \n ", names=FIXED_NAMES)
    assert blank.ephemeral
    assert blank.text == t("ja", "edit_empty", field=t("ja", "results"))
    # Discord itself refuses a value over the input's max_length.
    with pytest.raises(ValueError, match="characters"):
        await world.api.submit_modal(
            await open_editor(world), {"yomikai:edit:method": "x" * (MAX_NOTE + 1)}
        )
    async with world.core.store.reader.execute("SELECT count(*) FROM summary_edits") as cursor:
        assert (await cursor.fetchone())[0] == 0


async def test_notes_are_checked_before_they_are_stored() -> None:
    notes = {name: f" {name} " for name in NOTE_FIELDS}
    assert checked_notes(notes) == {name: name for name in NOTE_FIELDS}
    with pytest.raises(EditError) as missing:
        checked_notes({**notes, "names": ""})
    assert missing.value.key == "edit_empty"
    assert missing.value.values["field"] == "names"
    with pytest.raises(EditError) as long:
        checked_notes({**notes, "method": "あ" * (MAX_NOTE + 1)})
    assert long.value.key == "edit_too_long"


async def test_a_correction_keeps_who_and_when(world: DiscordWorld) -> None:
    await post(world)
    await correct_method(world)
    async with world.core.store.reader.execute(
        "SELECT guild_id, editor_id, editor_name, edited_at, body FROM summary_edits"
    ) as cursor:
        [row] = await cursor.fetchall()
    assert row["guild_id"] == world.guild.id
    assert row["editor_id"] == world.organizer.id
    assert row["editor_name"] == "owner"
    assert row["edited_at"]
    assert json.loads(row["body"])["method"] == FIXED_METHOD
