"""The loopback Discord's threads, guild scheduled events and ping allowances, against the real
discord.py client: what Discord accepts works, what it rejects fails the same way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import discord
import pytest
from discord.http import Route

from bot.loopback import LoopbackDiscord, running_bot
from bot.loopback.model import (
    CREATE_EVENTS,
    CREATE_PUBLIC_THREADS,
    EVENT_EXTERNAL,
    SEND_MESSAGES_IN_THREADS,
    STAGE_CHANNEL,
    VOICE_CHANNEL,
    Guild,
)

LOCATION = "https://connpass.com/event/229000/"


@pytest.fixture
async def world() -> AsyncIterator[tuple[LoopbackDiscord, Guild, discord.Client]]:
    async with LoopbackDiscord() as api:
        guild = api.add_guild("読み会", channels=("papers",))
        guild.add_channel("vc", type=VOICE_CHANNEL)
        bot = discord.Client(
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
        )
        async with running_bot(bot, api):
            yield api, guild, bot


def bot_role(guild: Guild):
    return next(role for role in guild.me.roles if role.managed)


async def announcement(bot: discord.Client, guild: Guild) -> discord.Message:
    channel = bot.get_channel(guild.channel("papers").id)
    assert isinstance(channel, discord.TextChannel)
    return await channel.send("📣 pickup")


async def raw(bot: discord.Client, method: str, path: str, body: Any) -> discord.HTTPException:
    with pytest.raises(discord.HTTPException) as info:
        await bot.http.request(Route(method, path), json=body)
    return info.value


async def test_a_thread_from_a_message_shares_its_id_and_takes_messages(world) -> None:
    api, guild, bot = world
    message = await announcement(bot, guild)
    dispatched = asyncio.ensure_future(bot.wait_for("thread_create", timeout=5))
    thread = await message.create_thread(name="ConvMLP", auto_archive_duration=10080)
    assert (await dispatched).id == thread.id  # THREAD_CREATE reached the client's cache
    assert thread.id == message.id
    assert thread.parent_id == guild.channel("papers").id
    await thread.send("📝 outline")
    loop_thread = guild.threads[thread.id]
    assert [m.content for m in api.channel_messages(loop_thread)] == ["📝 outline"]
    assert api.channel_messages(guild.channel("papers"))[-1].id == message.id  # nothing new
    path = f"/channels/{message.channel.id}/messages/{message.id}/threads"
    again = await raw(bot, "POST", path, {"name": "again"})
    assert again.code == 160004


async def test_thread_limits_and_permissions(world) -> None:
    _api, guild, bot = world
    message = await announcement(bot, guild)
    path = f"/channels/{message.channel.id}/messages/{message.id}/threads"
    too_long = await raw(bot, "POST", path, {"name": "x" * 101})
    assert too_long.code == 50035
    odd = await raw(bot, "POST", path, {"name": "ok", "auto_archive_duration": 30})
    assert odd.code == 50035
    bot_role(guild).permissions &= ~CREATE_PUBLIC_THREADS
    with pytest.raises(discord.Forbidden) as denied:
        await message.create_thread(name="ConvMLP")
    assert denied.value.code == 50013
    bot_role(guild).permissions |= CREATE_PUBLIC_THREADS
    thread = await message.create_thread(name="ConvMLP")
    for role in (bot_role(guild), guild.everyone):
        role.permissions &= ~SEND_MESSAGES_IN_THREADS
    with pytest.raises(discord.Forbidden):
        await thread.send("hello")
    bot_role(guild).permissions |= SEND_MESSAGES_IN_THREADS
    guild.threads[thread.id].archived = guild.threads[thread.id].locked = True
    with pytest.raises(discord.HTTPException) as locked:
        await thread.send("hello")
    assert locked.value.code == 50083


async def test_scheduled_events_are_created_edited_and_deleted_like_discord(world) -> None:
    _api, guild, bot = world
    client_guild = bot.get_guild(guild.id)
    start = discord.utils.utcnow() + timedelta(days=3)
    event = await client_guild.create_scheduled_event(
        name="読み会: ConvMLP",
        start_time=start,
        end_time=start + timedelta(hours=2),
        entity_type=discord.EntityType.external,
        location=LOCATION,
        privacy_level=discord.PrivacyLevel.guild_only,
        description="https://arxiv.org/abs/2109.04454",
    )
    [stored] = guild.scheduled_events.values()
    assert stored.id == event.id
    assert stored.entity_type == EVENT_EXTERNAL
    assert stored.location == LOCATION
    fetched = await client_guild.fetch_scheduled_event(event.id)
    assert fetched.location == LOCATION
    voice = client_guild.get_channel(guild.channel("vc").id)
    edited = await fetched.edit(channel=voice, entity_type=discord.EntityType.voice)
    assert edited.channel_id == voice.id
    assert stored.location is None
    assert stored.edits == 1
    await edited.delete()
    assert guild.scheduled_events == {}
    with pytest.raises(discord.NotFound) as gone:
        await client_guild.fetch_scheduled_event(event.id)
    assert gone.value.code == 10070


def _event(**changes: Any) -> dict[str, Any]:
    start = discord.utils.utcnow() + timedelta(days=3)
    body = {
        "name": "読み会",
        "privacy_level": 2,
        "entity_type": 3,
        "scheduled_start_time": start.isoformat(),
        "scheduled_end_time": (start + timedelta(hours=2)).isoformat(),
        "entity_metadata": {"location": LOCATION},
    }
    return {key: value for key, value in (body | changes).items() if value is not None}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "x" * 101}, "name"),
        ({"description": "x" * 1001}, "description"),
        ({"privacy_level": None}, "privacy_level"),
        ({"entity_metadata": {"location": "x" * 101}}, "entity_metadata"),
        ({"entity_metadata": None}, "entity_metadata"),
        ({"scheduled_end_time": None}, "scheduled_end_time"),
        ({"scheduled_start_time": "2020-01-01T00:00:00+00:00"}, "scheduled_start_time"),
        ({"entity_type": 2, "entity_metadata": None}, "channel_id"),
    ],
)
async def test_scheduled_events_discord_would_reject_are_rejected(world, changes, field) -> None:
    api, guild, bot = world
    error = await raw(bot, "POST", f"/guilds/{guild.id}/scheduled-events", _event(**changes))
    assert error.code == 50035
    assert api.errors[-1].errors is not None
    assert field in api.errors[-1].errors
    assert guild.scheduled_events == {}


async def test_events_need_create_events_and_a_matching_channel(world) -> None:
    _api, guild, bot = world
    bot_role(guild).permissions &= ~CREATE_EVENTS
    denied = await raw(bot, "POST", f"/guilds/{guild.id}/scheduled-events", _event())
    assert isinstance(denied, discord.Forbidden)
    assert denied.code == 50013
    bot_role(guild).permissions |= CREATE_EVENTS
    text = guild.channel("papers").id
    wrong = _event(
        entity_type=2, entity_metadata=None, scheduled_end_time=None, channel_id=str(text)
    )
    assert (await raw(bot, "POST", f"/guilds/{guild.id}/scheduled-events", wrong)).code == 50035
    stage = guild.add_channel("stage", type=STAGE_CHANNEL)
    on_stage = _event(entity_type=1, entity_metadata=None, channel_id=str(stage.id))
    staged = await raw(bot, "POST", f"/guilds/{guild.id}/scheduled-events", on_stage)
    assert isinstance(staged, discord.Forbidden)  # a stage event also needs Manage Channels...


async def test_ping_allowances_accept_only_the_named_user(world) -> None:
    api, guild, bot = world
    hanako = guild.add_member("hanako")
    jiro = guild.add_member("jiro")
    message = await announcement(bot, guild)
    thread = await message.create_thread(name="ConvMLP")
    api.allow_pings(hanako, channel=guild.threads[thread.id], starting="⏰")
    only = discord.AllowedMentions(users=[discord.Object(hanako.id)])
    await thread.send(f"⏰ <@{hanako.id}> reminder", allowed_mentions=only)
    assert api.messages_allowing_pings() == []
    await thread.send(f"<@{hanako.id}> is not a reminder", allowed_mentions=only)
    both = discord.AllowedMentions(users=[discord.Object(hanako.id), discord.Object(jiro.id)])
    await thread.send(f"⏰ <@{hanako.id}> <@{jiro.id}>", allowed_mentions=both)
    everyone = discord.AllowedMentions(users=[discord.Object(hanako.id)], everyone=True)
    await thread.send("⏰ @everyone", allowed_mentions=everyone)
    await message.channel.send(f"⏰ <@{hanako.id}>", allowed_mentions=only)  # not in the thread
    flagged = api.messages_allowing_pings()
    assert [m.content for m in flagged] == [
        f"<@{hanako.id}> is not a reminder",
        f"⏰ <@{hanako.id}> <@{jiro.id}>",
        "⏰ @everyone",
        f"⏰ <@{hanako.id}>",
    ]
