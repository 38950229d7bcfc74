"""The loopback Discord API against the real discord.py client (no mocks, no patching)."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands, ui

from bot.loopback import InteractionRejected, LoopbackDiscord, running_bot
from bot.loopback.limits import validate_commands

PAPERS = ["Attention Is All You Need", "ConvNeXt", "Conformer", "BERT", "ResNet"]


class VoteView(ui.View):
    def __init__(self, bot: StudyBot) -> None:
        super().__init__(timeout=60)
        self.bot = bot

    @ui.button(label="投票", custom_id="vote:yes", style=discord.ButtonStyle.primary)
    async def yes(self, interaction: discord.Interaction, button: ui.Button) -> None:
        await interaction.response.edit_message(content="投票しました", view=None)

    @ui.button(label="後で", custom_id="vote:later")
    async def later(self, interaction: discord.Interaction, button: ui.Button) -> None:
        await interaction.response.defer()  # DEFERRED_UPDATE_MESSAGE
        await interaction.edit_original_response(content="後で投票")

    @ui.select(
        custom_id="vote:paper",
        placeholder="論文を選ぶ",
        max_values=2,
        options=[discord.SelectOption(label=p, value=str(i)) for i, p in enumerate(PAPERS)],
    )
    async def pick(self, interaction: discord.Interaction, select: ui.Select) -> None:
        await interaction.response.send_message(f"picked {','.join(select.values)}", ephemeral=True)


class FeedbackModal(ui.Modal, title="感想"):
    comment = ui.TextInput(label="コメント", custom_id="fb:comment", max_length=200)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.comment.value}", ephemeral=True)


class StudyBot(discord.Client):
    """A tiny bot: the commands the loopback tests drive."""

    def __init__(
        self, guild_id: int, *, slow: float = 0.0, failed: asyncio.Event | None = None
    ) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
        )
        self.tree = app_commands.CommandTree(self)
        self.guild_ref = discord.Object(guild_id)
        self.slow = slow
        self.failures: list[discord.HTTPException] = []
        self.failed = failed or asyncio.Event()  # set when a handler got an HTTPException
        self.seen: list[str] = []
        self._add_commands()

    async def setup_hook(self) -> None:
        await self.tree.sync(guild=self.guild_ref)

    def _add_commands(self) -> None:
        bot = self
        guild = self.guild_ref

        @self.tree.command(name="ping", description="生存確認", guild=guild)
        async def ping(interaction: discord.Interaction) -> None:
            if bot.slow:
                await asyncio.sleep(bot.slow)  # simulates a slow handler
            try:
                await interaction.response.send_message("pong", ephemeral=True)
            except discord.HTTPException as e:
                bot.record_failure(e)

        @self.tree.command(name="ask", description="論文について質問する", guild=guild)
        @app_commands.describe(question="質問", paper="論文")
        async def ask(interaction: discord.Interaction, question: str, paper: str) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(f"Q: {question} / paper: {paper}")

        @ask.autocomplete("paper")
        async def paper_autocomplete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [
                app_commands.Choice(name=p, value=p) for p in PAPERS if current.lower() in p.lower()
            ]

        @self.tree.command(name="vote", description="投票", guild=guild)
        async def vote(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("どれを読む?", view=VoteView(bot))

        @self.tree.command(name="draft", description="下書きを作る", guild=guild)
        async def draft(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True)
            await interaction.edit_original_response(content="下書き")
            extra = await interaction.followup.send("追記", wait=True)
            await extra.edit(content="追記 (編集)")
            original = await interaction.original_response()
            bot.seen.append(original.content)
            await interaction.delete_original_response()

        @self.tree.command(name="feedback", description="感想を送る", guild=guild)
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal())

        @self.tree.command(name="bad", description="壊れた応答", guild=guild)
        @app_commands.choices(
            kind=[
                app_commands.Choice(name=k, value=k)
                for k in ("long", "field", "select", "twice", "empty", "csv")
            ]
        )
        async def bad(interaction: discord.Interaction, kind: str) -> None:
            try:
                await bot._bad(interaction, kind)
            except discord.HTTPException as e:
                bot.record_failure(e)

    def record_failure(self, error: discord.HTTPException) -> None:
        self.failures.append(error)
        self.failed.set()

    async def _bad(self, interaction: discord.Interaction, kind: str) -> None:
        if kind == "long":
            await interaction.response.send_message("x" * 2001)
        elif kind == "field":
            embed = discord.Embed(title="t").add_field(name="n", value="v" * 1025)
            await interaction.response.send_message(embed=embed)
        elif kind == "select":
            view = ui.View()
            options = [discord.SelectOption(label=str(i)) for i in range(26)]
            view.add_item(ui.Select(custom_id="too-many", options=options))
            await interaction.response.send_message("選んで", view=view)
        elif kind == "twice":
            await interaction.response.send_message("first")
        elif kind == "empty":
            await interaction.response.send_message()
        elif kind == "csv":
            await interaction.response.defer(ephemeral=True)
            data = io.BytesIO(b"paper,votes\nBERT,3\n")
            await interaction.followup.send("集計", file=discord.File(data, "votes.csv"))


@contextlib.asynccontextmanager
async def study_world(**kwargs) -> AsyncIterator[tuple[LoopbackDiscord, object, object]]:
    async with LoopbackDiscord(**kwargs) as api:
        guild = api.add_guild("AI読み会", channels=["papers", "random"])
        hanako = guild.add_member("hanako", locale="ja")
        yield api, guild, hanako


@pytest.fixture
async def world() -> AsyncIterator[tuple[LoopbackDiscord, object, object, StudyBot]]:
    async with study_world() as (api, guild, hanako):
        bot = StudyBot(guild.id)
        async with running_bot(bot, api):
            yield api, guild, hanako, bot


# ------------------------------------------------------------------------------ connection
async def test_ready_guild_create_and_command_sync(world) -> None:
    api, guild, _hanako, bot = world
    assert bot.user is not None
    assert bot.user.id == api.bot.id
    assert bot.application_id == api.application_id
    cached = bot.get_guild(guild.id)
    assert cached is not None
    assert cached.name == "AI読み会"
    assert [c.name for c in cached.text_channels] == ["papers", "random"]
    assert cached.default_role.permissions.send_messages
    assert cached.me is not None
    assert cached.owner_id == guild.owner_id

    names = sorted(c["name"] for c in api.commands(guild))
    assert names == ["ask", "bad", "draft", "feedback", "ping", "vote"]
    assert api.command_puts(guild) == 1
    assert api.command_puts() == 0
    ask = next(c for c in api.commands(guild) if c["name"] == "ask")
    assert ask["id"].isdigit()
    assert ask["guild_id"] == str(guild.id)
    assert [o["name"] for o in ask["options"]] == ["question", "paper"]

    # a re-sync keeps ids and is counted; fetching goes through GET
    before = {c["name"]: c["id"] for c in api.commands(guild)}
    synced = await bot.tree.sync(guild=bot.guild_ref)
    assert {c.name: str(c.id) for c in synced} == before
    assert api.command_puts(guild) == 2
    fetched = await bot.tree.fetch_commands(guild=bot.guild_ref)
    assert {c.name for c in fetched} == set(before)
    assert api.errors == []
    assert api.unknown_routes == []
    assert api.gateway.heartbeats >= 1  # discord.py beats right after HELLO; we ACK


async def test_resume_after_reconnect_and_dropped_socket(world) -> None:
    api, guild, hanako, _bot = world
    api.request_reconnect()
    await api.wait_ready(timeout=5)
    await api.drop_connection(4000)
    await api.wait_ready(timeout=5)
    assert api.gateway.resumes == 2
    assert len(api.gateway.identifies) == 1
    result = await api.invoke(guild, hanako, "ping")
    await result.wait_final(timeout=5)


async def test_bad_token_and_privileged_intents_fail_like_discord() -> None:
    async with study_world() as (api, _guild, _hanako):
        client = discord.Client(intents=discord.Intents.default())
        with pytest.raises(discord.LoginFailure):
            async with running_bot(client, api, token="wrong"):
                pass
        client = discord.Client(intents=discord.Intents.all())
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with running_bot(client, api):
                pass
        assert 4014 in api.gateway.close_codes


# ------------------------------------------------------------------------------ responses
async def test_send_message_is_recorded_ephemeral(world) -> None:
    api, guild, hanako, _bot = world
    result = await api.invoke(guild, hanako, "ping", channel=guild.channel("random"))
    await result.wait_final(timeout=5)
    assert result.response_type == 4
    assert result.ephemeral
    assert result.text == "pong"
    assert 0 <= result.ack_seconds < 3.0
    payload = result.payload
    assert payload["member"]["user"]["id"] == str(hanako.id)
    assert int(payload["member"]["permissions"]) & (1 << 11)
    assert payload["locale"] == "ja"
    assert payload["version"] == 1
    [msg] = api.channel_messages(guild.channel("random"))
    assert msg is result.message
    assert msg.ephemeral
    assert msg.allowed_mentions == {"parse": []}
    assert api.messages_allowing_pings(strict=True) == []


async def test_defer_then_followup_resolves_the_thinking_message(world) -> None:
    api, guild, hanako, _bot = world
    result = await api.invoke(guild, hanako, "ask", {"question": "要点は?", "paper": "ConvNeXt"})
    await result.wait_final(timeout=5)
    assert result.response_type == 5
    assert result.deferred
    [msg] = result.messages
    assert msg is result.original
    assert not msg.loading
    assert not msg.ephemeral
    assert msg.content == "Q: 要点は? / paper: ConvNeXt"
    assert [w.via for w in msg.writes] == ["followup"]
    assert api.messages_allowing_pings() == []


async def test_edit_original_followup_edit_and_delete(world) -> None:
    api, guild, hanako, bot = world
    result = await api.invoke(guild, hanako, "draft")
    await result.wait_for(lambda r: r.original is not None and r.original.deleted, timeout=5)
    assert bot.seen == ["下書き"]
    [extra] = result.messages  # the deleted original is gone
    assert extra.content == "追記 (編集)"
    assert extra.ephemeral is False  # not the first followup: its own flags apply
    assert [w.via for w in result.original.writes] == ["webhook_edit"]
    assert [w.kind for w in extra.writes] == ["create", "edit"]
    assert api.messages_allowing_pings(strict=True) == []


async def test_followup_with_csv_attachment(world) -> None:
    api, guild, hanako, _bot = world
    result = await api.invoke(guild, hanako, "bad", {"kind": "csv"})
    await result.wait_final(timeout=5)
    [msg] = result.messages
    assert msg.ephemeral  # the defer decided it, as on Discord
    [attachment] = msg.attachments
    assert attachment.filename == "votes.csv"
    assert attachment.text == "paper,votes\nBERT,3\n"
    url = msg.payload()["attachments"][0]["url"]
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        assert await resp.read() == attachment.data


async def test_autocomplete_choices(world) -> None:
    api, guild, hanako, _bot = world
    choices = await api.autocomplete(
        guild, hanako, "ask", {"question": "", "paper": "Con"}, focused="paper"
    )
    assert [c["value"] for c in choices] == ["ConvNeXt", "Conformer"]
    [ix] = [i for i in api.interactions if i.type == 4]
    assert ix.response_type == 8
    assert ix.ack_seconds is not None


async def test_button_and_select_clicks(world) -> None:
    api, guild, hanako, _bot = world
    result = await api.invoke(guild, hanako, "vote")
    await result.wait_final(timeout=5)
    message = result.message
    assert message is not None
    assert not message.ephemeral
    assert message.component("vote:paper")["type"] == 3

    picked = await api.click(guild, hanako, message, "vote:paper", values=["1", "3"])
    await picked.wait_final(timeout=5)
    assert picked.text == "picked 1,3"
    assert picked.ephemeral

    with pytest.raises(ValueError, match="not options"):
        await api.click(guild, hanako, message, "vote:paper", values=["99"])

    later = await api.click(guild, hanako, message, "vote:later")
    await later.wait_final(timeout=5)
    assert later.response_type == 6
    assert later.messages == [message]
    assert message.content == "後で投票"

    clicked = await api.click(guild, hanako, message, "vote:yes")
    await clicked.wait_final(timeout=5)
    assert clicked.response_type == 7
    assert message.content == "投票しました"
    assert message.components == []
    assert message.edited_at is not None


async def test_modal_round_trip(world) -> None:
    api, guild, hanako, _bot = world
    opened = await api.invoke(guild, hanako, "feedback")
    await opened.wait_final(timeout=5)
    assert opened.response_type == 9
    assert opened.modal is not None
    submitted = await api.submit_modal(opened, {"fb:comment": "面白かった"})
    await submitted.wait_final(timeout=5)
    assert submitted.text == "thanks: 面白かった"


async def test_subcommand_options_are_typed_and_resolved(world) -> None:
    api, guild, hanako, bot = world
    group = app_commands.Group(name="paper", description="論文", guild_ids=[guild.id])

    @group.command(name="add", description="追加")
    async def add(
        interaction: discord.Interaction,
        votes: int,
        who: discord.Member,
        where: discord.TextChannel,
        role: discord.Role,
    ) -> None:
        await interaction.response.send_message(
            f"{votes + 1} {who.display_name} {where.name} {role.name} {type(who).__name__}"
        )

    bot.tree.add_command(group)
    await bot.tree.sync(guild=bot.guild_ref)
    readers = guild.add_role("readers")
    result = await api.invoke(
        guild,
        hanako,
        "paper add",
        {"votes": "3", "who": hanako, "where": guild.channel("papers"), "role": readers},
    )
    await result.wait_final(timeout=5)
    assert result.name == "paper add"
    assert result.text == "4 hanako papers readers Member"
    with pytest.raises(ValueError, match="needs a subcommand"):
        await api.invoke(guild, hanako, "paper")


async def test_invoke_is_validated_like_the_discord_client(world) -> None:
    api, guild, hanako, _bot = world
    with pytest.raises(LookupError, match="not registered"):
        await api.invoke(guild, hanako, "nosuch")
    with pytest.raises(ValueError, match="missing required"):
        await api.invoke(guild, hanako, "ask", {"question": "q"})
    with pytest.raises(ValueError, match="not one of"):
        await api.invoke(guild, hanako, "bad", {"kind": "other"})
    with pytest.raises(KeyError, match="no option"):
        await api.invoke(guild, hanako, "ping", {"x": 1})


# ------------------------------------------------------------------------------ Discord errors
@pytest.mark.parametrize(
    ("kind", "code", "path"),
    [
        ("long", 50035, ("data", "content")),
        ("field", 50035, ("data", "embeds", "0", "fields", "0", "value")),
        ("select", 50035, ("data", "components", "0", "components", "0", "options")),
        ("empty", 50006, ()),
    ],
)
async def test_invalid_responses_are_rejected(world, kind, code, path) -> None:
    api, guild, hanako, bot = world
    result = await api.invoke(guild, hanako, "bad", {"kind": kind})
    await result.wait_for(lambda r: bool(r.error_responses), timeout=5)
    [error] = result.error_responses
    assert error.code == code
    assert not result.acked
    node = error.errors or {}
    for part in path:
        node = node[part]
    if path:
        assert node["_errors"][0]["code"].startswith("BASE_TYPE")
        assert ".".join(path) in str(error)
    await asyncio.wait_for(bot.failed.wait(), 5)
    assert isinstance(bot.failures[0], discord.HTTPException)
    assert bot.failures[0].code == code
    assert bot.failures[0].status == 400
    if path:  # discord.py flattens Discord's nested errors into the exception text
        assert f"In {'.'.join(path)}:" in bot.failures[0].text


async def test_second_response_is_already_acknowledged() -> None:
    """Two bot instances with one token both answer: the second gets 40060."""
    async with study_world() as (api, guild, hanako):
        failed = asyncio.Event()
        first, second = StudyBot(guild.id, failed=failed), StudyBot(guild.id, failed=failed)
        async with running_bot(first, api), running_bot(second, api):
            await api.wait_ready(sessions=2, timeout=5)
            result = await api.invoke(guild, hanako, "bad", {"kind": "twice"})
            await result.wait_final(timeout=5)
            await asyncio.wait_for(failed.wait(), 5)
            [failure] = first.failures + second.failures
            assert failure.code == 40060
            assert failure.status == 400
            assert [e.code for e in result.error_responses] == [40060]
            assert len(result.messages) == 1


async def test_response_after_deadline_is_unknown_interaction() -> None:
    async with study_world(deadline=0.3) as (api, guild, hanako):
        bot = StudyBot(guild.id, slow=0.5)
        async with running_bot(bot, api):
            result = await api.invoke(guild, hanako, "ping")
            await result.wait_for(lambda r: bool(r.error_responses), timeout=5)
            assert [(e.status, e.code) for e in result.error_responses] == [(404, 10062)]
            await asyncio.wait_for(bot.failed.wait(), 5)
            assert isinstance(bot.failures[0], discord.NotFound)
            assert bot.failures[0].code == 10062
            assert not result.acked


async def test_webhook_token_rules(world) -> None:
    api, guild, hanako, _bot = world
    result = await api.invoke(guild, hanako, "ping")
    await result.wait_final(timeout=5)
    base = f"{api.api_url}/webhooks/{api.application_id}/{result.token}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/messages/@original") as resp:
            assert resp.status == 200
            assert (await resp.json())["content"] == "pong"
        api.advance_time(15 * 60 + 1)
        async with session.post(f"{base}?wait=true", json={"content": "late"}) as resp:
            assert resp.status == 404
            assert (await resp.json())["code"] == 10015
        async with session.get(f"{api.api_url}/channels/1/nothing", headers=_auth(api)) as resp:
            assert resp.status == 404
            assert await resp.json() == {"message": "404: Not Found", "code": 0}
    assert ("GET", "/api/v10/channels/1/nothing") in api.unknown_routes
    assert [e.code for e in result.error_responses] == [10015]


async def test_webhooks_need_an_acknowledged_interaction(world) -> None:
    api, guild, hanako, bot = world

    @bot.tree.command(name="silent", description="応答しない", guild=bot.guild_ref)
    async def silent(interaction: discord.Interaction) -> None:
        await interaction.followup.send("too early")  # never acknowledged

    await bot.tree.sync(guild=bot.guild_ref)
    result = await api.invoke(guild, hanako, "silent")
    await result.wait_for(lambda r: bool(r.error_responses), timeout=5)
    [error] = result.error_responses
    assert (error.status, error.code, error.message) == (404, 10015, "Unknown Webhook")
    assert not result.acked


async def test_channel_messages_rest(world) -> None:
    api, guild, _hanako, bot = world
    channel = bot.get_channel(guild.channel("papers").id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("今月のランキング", embed=discord.Embed(title="1位"))
    edited = await sent.edit(content="今月のランキング (更新)")
    fetched = await channel.fetch_message(sent.id)
    assert fetched.content == edited.content == "今月のランキング (更新)"
    [msg] = api.channel_messages(guild.channel("papers"))
    assert msg.embeds[0]["title"] == "1位"
    assert [w.kind for w in msg.writes] == ["create", "edit"]
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("x" * 2001)
    assert info.value.code == 50035
    with pytest.raises(discord.NotFound) as missing:
        await channel.fetch_message(12345)
    assert missing.value.code == 10008
    with_file = await channel.send(file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "r.csv"))
    assert await with_file.attachments[0].read() == b"a,b\n1,2\n"
    assert api.message(with_file.id).attachments[0].filename == "r.csv"
    fetched_channel = await bot.fetch_channel(guild.channel("random").id)
    assert fetched_channel.name == "random"


async def test_mention_audit_flags_unsuppressed_messages() -> None:
    async with study_world() as (api, guild, hanako):
        bot = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        async with running_bot(bot, api):
            channel = bot.get_channel(guild.text_channel.id)
            await channel.send(f"{hanako.mention} こんにちは")
            await channel.send("safe", allowed_mentions=discord.AllowedMentions.none())
        [flagged] = api.messages_allowing_pings()
        assert flagged.content.endswith("こんにちは")
        assert flagged.allowed_mentions is None


# ------------------------------------------------------------------------------ limits (unit)
def _button(i: int, **extra) -> dict:
    return {"type": 2, "style": 1, "label": f"b{i}", "custom_id": f"b{i}", **extra}


def _select(n: int, **extra) -> dict:
    options = [{"label": f"o{i}", "value": f"v{i}"} for i in range(n)]
    return {"type": 3, "custom_id": "s", "options": options, **extra}


def _row(*components: dict) -> dict:
    return {"type": 1, "components": list(components)}


def _embed(**extra) -> dict:
    return {"title": "t", **extra}


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"content": "x" * 2001}, "content"),
        ({"embeds": [_embed() for _ in range(11)]}, "embeds"),
        ({"embeds": [_embed(title="x" * 257)]}, "embeds.0.title"),
        ({"embeds": [_embed(description="x" * 4097)]}, "embeds.0.description"),
        ({"embeds": [_embed(fields=[{"name": "n", "value": "v"}] * 26)]}, "embeds.0.fields"),
        (
            {"embeds": [_embed(fields=[{"name": "n" * 257, "value": "v"}])]},
            "embeds.0.fields.0.name",
        ),
        ({"embeds": [_embed(fields=[{"name": "n", "value": ""}])]}, "embeds.0.fields.0.value"),
        ({"embeds": [_embed(fields=[{"name": "", "value": "v"}])]}, "embeds.0.fields.0.name"),
        ({"embeds": [_embed(footer={"text": "f" * 2049})]}, "embeds.0.footer.text"),
        ({"embeds": [_embed(author={"name": "a" * 257})]}, "embeds.0.author.name"),
        ({"embeds": [_embed(description="d" * 4000), _embed(description="d" * 2000)]}, "embeds"),
        ({"components": [_row(_button(i)) for i in range(6)]}, "components"),
        ({"components": [_row(*[_button(i) for i in range(6)])]}, "components.0.components"),
        ({"components": [_row(_select(3), _button(9))]}, "components.0.components"),
        ({"components": [_row(_select(0))]}, "components.0.components.0.options"),
        ({"components": [_row(_select(26))]}, "components.0.components.0.options"),
        (
            {"components": [_row(_select(1) | {"options": [{"label": "l" * 101, "value": "v"}]})]},
            "components.0.components.0.options.0.label",
        ),
        (
            {"components": [_row(_select(1) | {"options": [{"label": "l", "value": "v" * 101}]})]},
            "components.0.components.0.options.0.value",
        ),
        (
            {
                "components": [
                    _row(
                        _select(1)
                        | {"options": [{"label": "l", "value": "v", "description": "d" * 101}]}
                    )
                ]
            },
            "components.0.components.0.options.0.description",
        ),
        (
            {"components": [_row(_select(2, placeholder="p" * 151))]},
            "components.0.components.0.placeholder",
        ),
        (
            {"components": [_row(_button(0, custom_id="c" * 101))]},
            "components.0.components.0.custom_id",
        ),
        (
            {"components": [_row({"type": 2, "style": 1, "label": "no id"})]},
            "components.0.components.0.custom_id",
        ),
        ({"components": [_row(_button(0, label="l" * 81))]}, "components.0.components.0.label"),
        (
            {"components": [_row(_button(0), _button(0))]},
            "components.0.components.1.custom_id",
        ),
    ],
)
def test_message_limits(payload, path) -> None:
    from bot.loopback.limits import DiscordHTTPError, flatten_errors, validate_message

    with pytest.raises(DiscordHTTPError) as info:
        validate_message(payload)
    assert info.value.code == 50035
    assert info.value.status == 400
    assert any(line.startswith(f"In {path}:") for line in flatten_errors(info.value.errors))


def test_message_limits_accept_the_maximum() -> None:
    from bot.loopback.limits import validate_message

    validate_message(
        {
            "content": "x" * 2000,
            "embeds": [
                _embed(
                    title="t" * 256,
                    description="d" * 1000,
                    fields=[{"name": "n" * 10, "value": "v" * 100}] * 25,
                    footer={"text": "f" * 100},
                )
            ],
            "components": [_row(_select(25, max_values=25))]
            + [_row(*[_button(i * 5 + j) for j in range(5)]) for i in range(4)],
            "allowed_mentions": {"parse": []},
        }
    )


def _cmd(**overrides):
    cmd = {"name": "ask", "description": "質問", "type": 1}
    cmd.update(overrides)
    return cmd


@pytest.mark.parametrize(
    "command",
    [
        _cmd(name="Ask"),
        _cmd(name="a" * 33),
        _cmd(name="two words"),
        _cmd(description=""),
        _cmd(description="d" * 101),
        _cmd(options=[{"type": 3, "name": f"o{i}", "description": "d"} for i in range(26)]),
        _cmd(
            options=[
                {
                    "type": 3,
                    "name": "o",
                    "description": "d",
                    "choices": [{"name": str(i), "value": str(i)} for i in range(26)],
                }
            ]
        ),
        _cmd(name_localizations={"xx": "ask"}),
        _cmd(description_localizations={"ja": "d" * 101}),
    ],
)
def test_command_validation_rejects(command) -> None:
    from bot.loopback.limits import DiscordHTTPError

    with pytest.raises(DiscordHTTPError) as info:
        validate_commands([command])
    assert info.value.code == 50035


def test_command_validation_accepts_japanese_names() -> None:
    validate_commands([_cmd(name="質問", name_localizations={"ja": "しつもん"})])


async def test_autocomplete_limits_are_enforced(world) -> None:
    api, guild, hanako, bot = world

    @bot.tree.command(name="many", description="多すぎる候補", guild=bot.guild_ref)
    async def many(interaction: discord.Interaction, q: str) -> None:
        await interaction.response.send_message(q)

    @many.autocomplete("q")
    async def many_complete(interaction: discord.Interaction, current: str):
        return [app_commands.Choice(name=f"c{i}", value=str(i)) for i in range(26)]

    await bot.tree.sync(guild=bot.guild_ref)
    with pytest.raises(InteractionRejected) as info:
        await api.autocomplete(guild, hanako, "many", {"q": ""}, focused="q")
    [error] = info.value.result.error_responses
    assert error.code == 50035
    assert "choices" in error.errors["data"]


# ------------------------------------------------------------------------------ helpers
def _auth(api: LoopbackDiscord) -> dict[str, str]:
    return {"Authorization": f"Bot {api.token}"}
