"""The pickup meetup through the loopback Discord API: the thread and its outline, the
presenter button, the Discord event, the reminders on a shifted clock, /history."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import t
from bot.loopback import LoopbackDiscord, Member, Message
from bot.loopback.model import (
    CREATE_EVENTS,
    CREATE_PUBLIC_THREADS,
    EVENT_EXTERNAL,
    EVENT_VOICE,
    VOICE_CHANNEL,
    Channel,
)
from bot.meetups.timing import reminder_runs
from bot.schedules.plan import Schedule, runs_for
from tests.bot_harness import running_yomikai
from tests.conftest import FAST, DiscordWorld, Services
from tests.fixtures_papers import EXPECTED_TOP10, SAMPLE_MONTH, hf_items
from tests.test_schedule_bot import ShiftedClock

MONTH = SAMPLE_MONTH
CONVMLP = EXPECTED_TOP10[2]
TITLE = "「ConvMLP: Hierarchical Convolutional MLPs for Vision」の日本語訳"
HTML = f"https://arxiv.org/html/{CONVMLP}v2"
ZONE = ZoneInfo("Asia/Tokyo")
AHEAD = timedelta(seconds=1.5)
PARTS = ["背景", "概要", "どうやって有効だと検証したか", "提案手法の詳細", "実験と結果"]
CONNPASS = "https://connpass.com/event/229000/"


# ---------------------------------------------------------------------------- helpers
def papers(world: DiscordWorld) -> Channel:
    return world.guild.channel("papers")


def public(world: DiscordWorld, channel: Channel | None = None) -> list[Message]:
    return world.api.channel_messages(channel or papers(world), include_ephemeral=False)


async def posted(world: DiscordWorld, month: str = MONTH) -> Message:
    await world.run(world.organizer, "setup", channel=papers(world))
    result = await world.run(world.organizer, "post-ranking", month=month)
    assert result.final, result.describe()
    await world.notes_in(month)
    return public(world)[-1]


async def vote(world: DiscordWorld, member: Member, post: Message, arxiv_id: str) -> None:
    [row] = post.components
    custom_id = row["components"][0]["custom_id"]
    result = await world.api.click(world.guild, member, post, custom_id, values=[arxiv_id])
    await result.wait_settled()


async def decided(world: DiscordWorld, arxiv_id: str = CONVMLP, month: str = MONTH) -> Message:
    """Post the ranking, vote for `arxiv_id`, close: the pickup announcement."""
    post = await posted(world, month)
    await vote(world, world.member, post, arxiv_id)
    closed = await world.run(world.organizer, "close-vote", month=month)
    assert closed.final, closed.describe()
    return next(m for m in reversed(public(world)) if m.content.startswith("📣"))


def thread_of(world: DiscordWorld, message: Message) -> Channel:
    assert message.thread_id is not None, "no thread on the announcement"
    return world.guild.threads[message.thread_id]


async def press(world: DiscordWorld, member: Member, announcement: Message):
    custom_id = f"yomikai:present:{world.guild.id}:{MONTH}"
    result = await world.api.click(world.guild, member, announcement, custom_id)
    return await result.wait_settled()


def future(days: int, hour: int = 19) -> datetime:
    """A local time `days` from now, on the minute."""
    local = datetime.now(ZONE) + timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def typed(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


def bot_role(world: DiscordWorld):
    return next(role for role in world.guild.me.roles if role.managed)


# ---------------------------------------------------------------------------- the outline
async def test_closing_the_vote_opens_a_thread_with_the_five_part_outline(
    world: DiscordWorld,
) -> None:
    announcement = await decided(world)
    assert [m.id for m in public(world)][-1] == announcement.id  # the outline is not in #papers
    thread = thread_of(world, announcement)
    assert thread.name == TITLE
    assert thread.parent_id == papers(world).id
    outline = "\n".join(m.content for m in world.api.channel_messages(thread))
    headings = re.findall(r"^\*\*\d\. (.+)\*\*$", outline, re.M)
    assert headings == PARTS
    points = [line for line in outline.splitlines() if line.startswith("・")]
    assert points
    assert all(f"](<{HTML}" in line for line in points)
    assert f"[§3.1](<{HTML}#S3.SS1>)" in outline  # the section the result came from
    assert "80.2%" in outline
    assert "1.7 points" in outline
    table = f"[Table 1](<{HTML}#S3.SS1.T1>) Top-1 accuracy on ImageNet-1k: ConvMLP 80.2%"
    assert table in outline
    assert all(len(m.content) <= 2000 for m in world.api.channel_messages(thread))
    assert world.services.openai.count(purpose="outline") == 1


async def test_outline_command_shows_the_stored_outline_or_writes_one(world: DiscordWorld) -> None:
    await decided(world)
    shown = await world.run(world.member, "outline")
    assert not shown.ephemeral
    assert TITLE in shown.text
    assert "実験と結果" in shown.text
    assert world.services.openai.count(purpose="outline") == 1  # stored, not written again
    other = await world.run(world.member, "outline", paper="1", month=MONTH)
    assert "∞-former" in other.text
    assert f"https://arxiv.org/html/{EXPECTED_TOP10[0]}" in other.text
    assert world.services.openai.count(purpose="outline") == 2
    refused = await world.run(world.member, "outline", regenerate=True)
    assert refused.text == t("ja", "not_organizer")
    again = await world.run(world.organizer, "outline", regenerate=True)
    assert "実験と結果" in again.text
    assert world.services.openai.count(purpose="outline") == 3
    async with world.core.store.reader.execute("SELECT count(*) FROM outlines") as cursor:
        assert (await cursor.fetchone())[0] == 2


async def test_without_a_full_text_the_outline_says_it_comes_from_the_abstract(
    world: DiscordWorld,
) -> None:
    world.services.arxiv.files.pop(f"{CONVMLP}v2")  # arXiv has neither HTML nor PDF of it
    announcement = await decided(world)
    outline = world.api.channel_messages(thread_of(world, announcement))[0].content
    assert t("ja", "outline_from_abstract") in outline
    assert f"[Abstract](<https://arxiv.org/abs/{CONVMLP}>)" in outline
    assert "arxiv.org/html" not in outline


async def test_a_failed_outline_leaves_a_note_and_can_be_written_later(
    world: DiscordWorld,
) -> None:
    post = await posted(world)
    await vote(world, world.member, post, CONVMLP)
    world.services.openai.fail_next(content="no outline today", times=2)  # and after a repair
    await world.run(world.organizer, "close-vote", month=MONTH)
    announcement = next(m for m in public(world) if m.content.startswith("📣"))
    [note] = world.api.channel_messages(thread_of(world, announcement))
    assert note.content == t("ja", "outline_failed")
    written = await world.run(world.member, "outline")
    assert "実験と結果" in written.text


async def test_without_thread_permission_the_outline_goes_to_the_channel(
    world: DiscordWorld, caplog: pytest.LogCaptureFixture
) -> None:
    bot_role(world).permissions &= ~CREATE_PUBLIC_THREADS
    with caplog.at_level(logging.WARNING):
        announcement = await decided(world)
    assert announcement.thread_id is None
    assert not world.guild.threads
    outline = public(world)[-1]
    assert outline.content.startswith("📝")
    assert "提案手法の詳細" in outline.content
    assert any("no thread on the 2021-09 pickup" in r.getMessage() for r in caplog.records)
    assert [e.code for e in world.api.errors] == [50013]
    pressed = await press(world, world.member, announcement)
    assert pressed.ephemeral  # the presenter still signs up; the note goes to the channel
    assert public(world)[-1].content == t(
        "ja", "presenter_signed_up", presenter=f"<@{world.member.id}>"
    )


# ---------------------------------------------------------------------------- the presenter
async def test_the_first_member_to_press_the_button_presents(world: DiscordWorld) -> None:
    announcement = await decided(world)
    thread = thread_of(world, announcement)
    button = announcement.component(f"yomikai:present:{world.guild.id}:{MONTH}")
    assert button["label"] == "発表します"
    assert button["type"] == 2
    first = await press(world, world.member, announcement)
    assert first.ephemeral
    assert first.text == t("ja", "present_done", title=TITLE)
    jiro = world.guild.add_member("jiro")
    taken = await press(world, jiro, announcement)
    assert taken.text == t("ja", "present_taken", presenter="hanako")
    mine = await press(world, world.member, announcement)
    assert mine.text == t("ja", "present_already_you")
    robot = world.guild.add_member("helper-bot", bot=True)
    assert (await press(world, robot, announcement)).text == t("ja", "present_bots")
    note = world.api.channel_messages(thread)[-1]
    assert note.content == f"🎤 発表者は <@{world.member.id}> さんです。"
    meetup = await world.core.meetups.get(world.guild.id, MONTH)
    assert meetup is not None
    assert meetup.presenter_id == world.member.id

    await world.restart()  # the button outlives the bot
    await world.run(world.organizer, "presenter clear", month=MONTH)
    after = await press(world, jiro, announcement)
    assert after.text == t("ja", "present_done", title=TITLE)
    assert world.api.channel_messages(thread)[-1].content == f"🎤 発表者は <@{jiro.id}> さんです。"


async def test_organizers_set_and_clear_the_presenter(world: DiscordWorld) -> None:
    announcement = await decided(world)
    thread = thread_of(world, announcement)
    refused = await world.run(world.member, "presenter set", member=world.member)
    assert refused.text == t("ja", "not_organizer")
    done = await world.run(world.organizer, "presenter set", member=world.member)
    assert done.ephemeral
    assert f"<@{world.member.id}>" in done.text
    outsider = world.api.add_user("visitor")
    gone = await world.run(world.organizer, "presenter set", member=outsider)
    assert gone.text == t("ja", "presenter_not_member", name="visitor")
    cleared = await world.run(world.organizer, "presenter clear")
    assert cleared.text == t("ja", "presenter_clear_done", month=MONTH)
    assert world.api.channel_messages(thread)[-1].content == t("ja", "presenter_cleared")
    meetup = await world.core.meetups.get(world.guild.id, MONTH)
    assert meetup is not None
    assert meetup.presenter_id is None


async def test_a_locked_thread_sends_the_news_to_the_channel(world: DiscordWorld) -> None:
    announcement = await decided(world)
    thread = thread_of(world, announcement)
    thread.archived = True  # archived only: Discord unarchives it for a new message
    await press(world, world.member, announcement)
    assert not thread.archived
    assert world.api.channel_messages(thread)[-1].content.startswith("🎤")
    thread.archived = thread.locked = True
    await world.run(world.organizer, "presenter clear")
    assert public(world)[-1].content == t("ja", "presenter_cleared")
    assert [e.code for e in world.api.errors] == [50083]


# ---------------------------------------------------------------------------- the event
async def test_meetup_set_creates_one_event_that_updates_in_place(world: DiscordWorld) -> None:
    announcement = await decided(world)
    thread = thread_of(world, announcement)
    starts = future(days=20)
    saved = await world.run(world.organizer, "meetup set", when=typed(starts), location=CONNPASS)
    assert saved.ephemeral
    assert saved.text.startswith(
        f"{MONTH} のピックアップ論文の読み会を {typed(starts)} (Asia/Tokyo"
    )
    [event] = world.guild.scheduled_events.values()
    url = f"https://discord.com/events/{world.guild.id}/{event.id}"
    assert saved.text.endswith(t("ja", "meetup_event_created", url=url))
    assert event.entity_type == EVENT_EXTERNAL
    assert event.location == CONNPASS
    assert event.name == f"読み会: {TITLE}"
    assert len(event.name) <= 100
    assert datetime.fromisoformat(event.scheduled_start_time) == starts
    assert datetime.fromisoformat(event.scheduled_end_time) == starts + timedelta(minutes=120)
    assert f"https://arxiv.org/abs/{CONVMLP}" in event.description
    assert f"https://discord.com/channels/{world.guild.id}/{thread.id}" in event.description
    assert "🎤 発表: 未定" in event.description

    await press(world, world.member, announcement)
    assert "🎤 発表: hanako" in event.description
    assert event.edits == 1

    room = world.guild.add_channel("読み会", type=VOICE_CHANNEL)
    later = future(days=21, hour=20)
    moved = await world.run(
        world.organizer, "meetup set", when=typed(later), channel=room, duration=90
    )
    assert moved.text.endswith(t("ja", "meetup_event_updated", url=url))
    assert list(world.guild.scheduled_events) == [event.id]  # the same event, edited
    assert event.entity_type == EVENT_VOICE
    assert event.channel_id == room.id
    assert event.location is None
    assert datetime.fromisoformat(event.scheduled_end_time) == later + timedelta(minutes=90)

    shown = await world.run(world.member, "meetup show")
    assert typed(later) in shown.text
    assert f"<#{room.id}>" in shown.text
    assert "hanako" in shown.text
    refused = await world.run(world.member, "meetup cancel")
    assert refused.text == t("ja", "not_organizer")
    cancelled = await world.run(world.organizer, "meetup cancel")
    assert cancelled.text == t("ja", "meetup_cancelled", month=MONTH)
    assert world.guild.scheduled_events == {}
    meetup = await world.core.meetups.get(world.guild.id, MONTH)
    assert meetup is not None
    assert meetup.starts_at is None
    assert meetup.event_id is None


async def test_meetup_set_refuses_bad_input_privately(world: DiscordWorld) -> None:
    early = await world.run(world.organizer, "meetup set", when=typed(future(days=3)))
    assert early.text == t("ja", "no_pickup", month=_last_month())
    await decided(world)
    when, past = typed(future(days=3)), typed(future(days=-1))
    zone = {"timezone": "Asia/Tokyo"}
    room = world.guild.add_channel("vc", type=VOICE_CHANNEL)
    cases = [
        ({"when": "next wednesday"}, t("ja", "meetup_bad_when", when="next wednesday", **zone)),
        ({"when": "2021-02-30 19:00"}, t("ja", "meetup_bad_when", when="2021-02-30 19:00", **zone)),
        ({"when": past}, t("ja", "meetup_past", when=past)),
        (
            {"when": when, "location": "https://example.com/" + "x" * 90},
            t("ja", "meetup_location_long", limit=100, count=110),
        ),
        (
            {"when": when, "channel": papers(world)},
            t("ja", "meetup_not_voice", channel=f"<#{papers(world).id}>"),
        ),
        ({"when": when, "location": CONNPASS, "channel": room}, t("ja", "meetup_place_both")),
    ]
    for options, expected in cases:
        result = await world.run(world.organizer, "meetup set", **options)
        assert result.ephemeral
        assert result.text == expected
    refused = await world.run(world.member, "meetup set", when=when)
    assert refused.text == t("ja", "not_organizer")
    assert world.guild.scheduled_events == {}
    meetup = await world.core.meetups.get(world.guild.id, MONTH)
    assert meetup is not None
    assert meetup.starts_at is None


async def test_without_create_events_the_time_is_kept_and_the_event_made_later(
    world: DiscordWorld,
) -> None:
    await decided(world)
    role = bot_role(world)
    role.permissions &= ~CREATE_EVENTS
    starts = future(days=10)
    saved = await world.run(world.organizer, "meetup set", when=typed(starts), location=CONNPASS)
    assert t("ja", "meetup_event_forbidden") in saved.text
    assert [e.code for e in world.api.errors] == [50013]
    assert world.guild.scheduled_events == {}
    meetup = await world.core.meetups.get(world.guild.id, MONTH)
    assert meetup is not None
    assert meetup.starts_at == starts.astimezone(UTC)
    role.permissions |= CREATE_EVENTS
    again = await world.run(world.organizer, "meetup set", when=typed(starts))
    [event] = world.guild.scheduled_events.values()
    url = f"https://discord.com/events/{world.guild.id}/{event.id}"
    assert again.text.endswith(t("ja", "meetup_event_created", url=url))
    assert event.location == CONNPASS  # the place given before is kept


async def test_a_new_pickup_updates_the_event_and_gets_its_own_thread(world: DiscordWorld) -> None:
    first = await decided(world)
    await press(world, world.member, first)
    await world.run(world.organizer, "meetup set", when=typed(future(days=15)), location=CONNPASS)
    [event] = world.guild.scheduled_events.values()
    await world.run(world.organizer, "reopen-vote", month=MONTH)
    post = public(world)[0]
    await vote(world, world.member, post, EXPECTED_TOP10[0])
    await world.run(world.organizer, "close-vote", month=MONTH)
    second = public(world)[-1]
    assert second.id != first.id
    assert "#1" in second.content
    new_thread = thread_of(world, second)
    assert new_thread.id != first.thread_id
    assert "∞-former" in new_thread.name
    assert list(world.guild.scheduled_events) == [event.id]
    assert "∞-former" in event.name
    assert "🎤 発表: 未定" in event.description
    assert f"/{new_thread.id}" in event.description
    meetup = await world.core.meetups.get(world.guild.id, MONTH)
    assert meetup is not None
    assert meetup.presenter_id is None


# ---------------------------------------------------------------------------- /history
async def test_history_lists_the_pickups_newest_first(world: DiscordWorld) -> None:
    world.services.huggingface.papers_by_month["2021-08"] = hf_items("2021-08")
    await decided(world, EXPECTED_TOP10[0], month="2021-08")
    august = public(world)[-1]
    assert "∞-former" in august.content
    september = await decided(world, CONVMLP)
    await press(world, world.member, september)
    starts = future(days=12)
    await world.run(world.organizer, "meetup set", when=typed(starts), location=CONNPASS)
    shown = await world.run(world.member, "history")
    [embed] = shown.message.embeds
    lines = embed["description"].splitlines()
    assert lines[0].startswith(f"**2021-09** [{TITLE}](https://arxiv.org/abs/{CONVMLP})")
    assert lines[1] == f"🎤 hanako · 📅 {typed(starts)} · 🗳️ 1 票"
    assert lines[2].startswith("**2021-08** [「∞-former")
    assert lines[3] == "🎤 — · 📅 — · 🗳️ 1 票"
    one = await world.run(world.member, "history", count=1)
    assert "2021-08" not in one.text


def _last_month() -> str:
    now = datetime.now(ZONE)
    first = now.replace(day=1) - timedelta(days=1)
    return first.strftime("%Y-%m")


# ---------------------------------------------------------------------------- on a clock
@dataclass
class ClockedWorld(DiscordWorld):
    """The world on a shifted clock, shared by the bot and the loopback (which refuses events
    starting in its past)."""

    clock: ShiftedClock = field(default_factory=ShiftedClock)

    async def restart(self) -> None:
        await self.stack.aclose()
        self.running = await self.stack.enter_async_context(
            running_yomikai(self.api, self.settings, FAST, clock=self.clock)
        )

    def set_time(self, moment: datetime) -> None:
        delta = moment - self.clock()
        self.clock.offset += delta
        self.api.advance_time(delta.total_seconds())

    async def wake(self) -> None:
        """Time moved: the bot sets its timer again (it fires on the bot's clock)."""
        await self.running.bot.get_cog("Schedule").scheduler.rearm(self.guild.id)

    async def settle(self) -> None:
        """Until the scheduled runs in flight are recorded (a run holds the guild's lock)."""
        await self.running.bot.get_cog("Schedule").scheduler.run_due(self.guild.id)


@pytest.fixture
async def clocked(services: Services, tmp_path: Path) -> AsyncIterator[ClockedWorld]:
    clock = ShiftedClock()
    async with LoopbackDiscord() as api:
        guild = api.add_guild("AI最新論文読み会", channels=("general", "papers"))
        member = guild.add_member("hanako", locale="ja")
        settings = services.bot_settings(tmp_path / "bot.db", api, guild)
        async with contextlib.AsyncExitStack() as stack:
            running = await stack.enter_async_context(
                running_yomikai(api, settings, FAST, clock=clock)
            )
            await api.wait_commands(guild, names=("meetup",), timeout=10)
            yield ClockedWorld(
                api, guild, guild.owner, member, services, running, settings, stack, clock
            )
        assert api.messages_allowing_pings() == []


async def test_the_presenter_is_reminded_once_at_each_step_across_a_restart(
    clocked: ClockedWorld,
) -> None:
    world = clocked
    announcement = await decided(world)
    thread = thread_of(world, announcement)
    await press(world, world.member, announcement)
    starts = future(days=10)
    await world.run(world.organizer, "meetup set", when=typed(starts), location=CONNPASS)
    [event] = world.guild.scheduled_events.values()
    week, day, hour = reminder_runs(MONTH, starts, "Asia/Tokyo", datetime.now(UTC))
    assert week.due == starts - timedelta(days=7)
    assert hour.due == starts - timedelta(hours=1)
    world.api.allow_pings(world.member, channel=thread, starting="⏰")  # the reminder alone

    def reminders() -> list[Message]:
        return [m for m in world.api.channel_messages(thread) if m.content.startswith("⏰")]

    world.set_time(week.due - AHEAD)
    await world.wake()
    await world.api.wait_until(lambda: len(reminders()) == 1, timeout=15, what="the 7-day reminder")
    [first] = reminders()
    assert first.content.startswith(f"⏰ <@{world.member.id}> さん、{typed(starts)} (Asia/Tokyo")
    assert f"<t:{int(starts.timestamp())}:R>" in first.content
    assert TITLE in first.content
    assert first.allowed_mentions == {"users": [world.member.id], "parse": []}

    # The bot is down when the day reminder falls due, and catches it up at start.
    await world.settle()
    world.set_time(day.due + timedelta(minutes=5))
    await world.restart()
    await world.api.wait_until(lambda: len(reminders()) == 2, timeout=15, what="the 1-day reminder")
    await world.settle()
    assert reminders()[1].allowed_mentions == reminders()[0].allowed_mentions

    world.set_time(hour.due - AHEAD)
    await world.wake()

    def hour_posts() -> list[Message]:
        return [m for m in public(world) if m.content.startswith("⏰")]

    await world.api.wait_until(lambda: len(hour_posts()) == 1, timeout=15, what="the 1-hour post")
    [soon] = hour_posts()
    assert f"https://discord.com/events/{world.guild.id}/{event.id}" in soon.content
    assert f"<@{world.member.id}>" not in soon.content
    assert "hanako" in soon.content
    assert soon.allowed_mentions == {"parse": []}

    await world.settle()
    # The catch-up a start runs, once more: every reminder is recorded, none is sent again.
    await world.running.bot.get_cog("Schedule").scheduler.start()
    assert len(reminders()) == 2
    assert len(hour_posts()) == 1
    records = await world.running.bot.get_cog("Schedule").book.records(world.guild.id)
    statuses = {action: r.status for (month, action), r in records.items() if month == MONTH}
    assert statuses == {"meetup-week": "done", "meetup-day": "done", "meetup-hour": "done"}


async def test_a_presenter_who_left_is_not_pinged(clocked: ClockedWorld) -> None:
    world = clocked
    announcement = await decided(world)
    thread = thread_of(world, announcement)
    await press(world, world.member, announcement)
    starts = future(days=3)  # the 7-day reminder is already past: it is not sent
    await world.run(world.organizer, "meetup set", when=typed(starts))
    world.guild.remove_member(world.member)
    world.set_time(starts - timedelta(days=1) - AHEAD)
    await world.wake()

    def reminders() -> list[Message]:
        return [m for m in world.api.channel_messages(thread) if m.content.startswith("⏰")]

    await world.api.wait_until(lambda: bool(reminders()), timeout=15, what="the 1-day reminder")
    await world.settle()
    [reminder] = reminders()
    assert "hanako" in reminder.content
    assert "サーバーを抜けました" in reminder.content
    upcoming = await world.running.bot.get_cog("Schedule").scheduler.upcoming_runs(world.guild.id)
    assert [run.action for run in upcoming] == ["meetup-hour"]
    [event] = world.guild.scheduled_events.values()
    assert event.location == f"https://discord.com/channels/{world.guild.id}/{thread.id}"


async def test_the_schedule_sets_the_meetup_when_the_vote_closes(clocked: ClockedWorld) -> None:
    world = clocked
    due = {r.action: r.due for r in runs_for(MONTH, Schedule(), "Asia/Tokyo")}
    world.set_time(due["post"] - timedelta(hours=1))
    await world.run(world.organizer, "setup", channel=papers(world))
    bad = await world.run(world.organizer, "schedule set", meetup_day="5th Monday")
    assert bad.text == t("ja", "bad_meetup_day", day="5th Monday")
    choices = await world.api.autocomplete(
        world.guild, world.organizer, "schedule set", {"meetup_day": "第2"}, focused="meetup_day"
    )
    assert {"name": "第2水曜日", "value": "2nd wednesday"} in choices
    shown = await world.run(
        world.organizer,
        "schedule set",
        meetup_day="2nd wednesday",
        meetup_time="19:30",
        meetup_location=CONNPASS,
    )
    assert "第2水曜日 19:30" in shown.text
    assert CONNPASS in shown.text
    world.set_time(due["post"] - AHEAD)
    await world.wake()
    await world.api.wait_channel_messages(papers(world), 1, timeout=15)
    await world.notes_in(MONTH)
    await vote(world, world.member, public(world)[0], CONVMLP)

    world.set_time(due["close"] - AHEAD)  # Friday 2021-10-08 09:00 in Tokyo
    await world.wake()
    await world.api.wait_until(
        lambda: bool(world.guild.scheduled_events), timeout=15, what="the meetup's event"
    )
    await world.settle()
    [event] = world.guild.scheduled_events.values()
    assert event.scheduled_start_time == "2021-10-13T10:30:00+00:00"  # Wednesday 19:30 in Tokyo
    assert event.location == CONNPASS
    assert TITLE in event.name
    announcement = next(m for m in public(world) if m.content.startswith("📣"))
    assert announcement.thread_id in world.guild.threads
    upcoming = await world.running.bot.get_cog("Schedule").scheduler.upcoming_runs(world.guild.id)
    # the close came after the 7-day mark: the presenter is reminded the day before, and 1 hour
    assert [run.action for run in upcoming][:2] == ["meetup-day", "meetup-hour"]


async def test_an_outline_from_a_pdf_links_to_its_pages(world: DiscordWorld) -> None:
    await posted(world)
    shown = await world.run(world.member, "outline", paper="10", month=MONTH)
    pdf = f"https://arxiv.org/pdf/{EXPECTED_TOP10[9]}v1"
    assert f"[p.4](<{pdf}#page=4>)" in shown.text  # the page the validation is on
    assert "arxiv.org/html" not in shown.text


async def test_two_meetup_sets_at_once_make_one_event(world: DiscordWorld) -> None:
    await decided(world)
    options = {"when": typed(future(days=9)), "location": CONNPASS}
    started = [
        await world.api.invoke(world.guild, world.organizer, "meetup set", options)
        for _ in range(2)
    ]
    for result in started:
        await result.wait_settled(timeout=15)
    assert len(world.guild.scheduled_events) == 1


async def test_a_tie_broken_by_the_organizer_opens_the_thread(world: DiscordWorld) -> None:
    post = await posted(world)
    await vote(world, world.member, post, EXPECTED_TOP10[0])
    await vote(world, world.guild.add_member("jiro"), post, CONVMLP)
    closing = await world.run(world.organizer, "close-vote", month=MONTH)
    [row] = closing.message.components
    menu = row["components"][0]["custom_id"]
    picked = await world.api.click(
        world.guild, world.organizer, closing.message, menu, values=[CONVMLP]
    )
    await picked.wait_settled(timeout=15)
    announcement = next(m for m in public(world) if m.content.startswith("📣"))
    assert thread_of(world, announcement).name == TITLE
