"""A schedule moments ahead, through the loopback Discord API: post once, remind once, close once."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.i18n import t
from bot.loopback import LoopbackDiscord
from bot.schedules.plan import Schedule, runs_for
from tests.bot_harness import running_yomikai
from tests.conftest import FAST, DiscordWorld, Services
from tests.fixtures_papers import SAMPLE_MONTH

AHEAD = timedelta(seconds=1.5)


class ShiftedClock:
    """Real time, moved to wherever the test needs it; the bot's timers still really fire."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)


async def test_a_schedule_posts_reminds_and_closes_once(services: Services, tmp_path: Path) -> None:
    schedule = Schedule(vote_days=1, reminder_hours=2)
    due = {run.action: run.due for run in runs_for(SAMPLE_MONTH, schedule, "Asia/Tokyo")}
    clock = ShiftedClock()
    clock.set(due["post"] - AHEAD)
    async with LoopbackDiscord() as api:
        guild = api.add_guild("読み会", channels=("general", "papers"))
        channel = guild.channel("papers")
        voters = [guild.add_member(f"member{i}") for i in range(2)]
        settings = services.bot_settings(tmp_path / "y.db", api, guild)

        def posts() -> list:
            return api.channel_messages(channel, include_ephemeral=False)

        async def run(member, command: str, **options: object):
            return await (await api.invoke(guild, member, command, options)).wait_settled(
                timeout=15
            )

        async with contextlib.AsyncExitStack() as stack:
            running = await stack.enter_async_context(
                running_yomikai(api, settings, FAST, clock=clock)
            )
            await api.wait_commands(guild, names=("schedule",))
            await run(guild.owner, "setup", channel=channel)
            shown = await run(guild.owner, "schedule set", vote_days=1, reminder_hours=2)
            assert "2021-10-01 09:00" in shown.text  # the next post, in the guild's timezone
            await api.wait_channel_messages(channel, 1, timeout=15)
            ranking_post = posts()[0]
            assert ranking_post.embeds[0]["title"].startswith(f"📚 {SAMPLE_MONTH}")
            manual = await run(guild.owner, "post-ranking", month=SAMPLE_MONTH)
            assert "投稿済み" in manual.text

            await stack.aclose()  # a restart after the post
            running = await stack.enter_async_context(
                running_yomikai(api, settings, FAST, clock=clock)
            )
            [row] = ranking_post.components
            for voter in voters:
                click = await api.click(
                    guild,
                    voter,
                    ranking_post,
                    row["components"][0]["custom_id"],
                    values=["2109.04454"],
                )
                await click.wait_settled()
            assert len(posts()) == 1

            clock.set(due["close"] - AHEAD)
            running.bot.dispatch("yomikai_settings_changed", guild.id)  # time moved: re-arm
            await api.wait_channel_messages(channel, 3, timeout=15)
            reminder, announcement = posts()[1:]
            assert reminder.content.startswith(
                f"⏰ {SAMPLE_MONTH} のピックアップ論文の投票は、あと 2 時間"
            )
            assert "#3" in reminder.content
            assert "投票者 2 人" in reminder.content
            assert announcement.content.startswith(f"📣 {SAMPLE_MONTH} のピックアップ論文は **#3")
            await running.bot.get_cog("Schedule").scheduler.run_due(guild.id)
            assert len(posts()) == 3
            late = await run(voters[0], "vote", paper="1", month=SAMPLE_MONTH)
            assert late.text == t("ja", "vote_not_open", month=SAMPLE_MONTH)
        assert api.messages_allowing_pings() == []


async def test_schedule_commands_check_input_and_report_misses(world: DiscordWorld) -> None:
    shown = await world.run(world.member, "schedule show")
    assert shown.text == t("ja", "schedule_none")
    refused = await world.run(world.member, "schedule set", day=5)
    assert refused.text == t("ja", "not_organizer")
    for bad in ("25:00", "9am"):
        result = await world.run(world.organizer, "schedule set", time=bad)
        assert result.text == t("ja", "bad_time", time=bad)
    result = await world.run(world.organizer, "schedule set", day=31, time="18:30", size=5)
    assert "毎月 31 日 18:30(Asia/Tokyo)" in result.text
    assert "上位 5 本" in result.text
    cog = world.running.bot.get_cog("Schedule")
    missed = runs_for("2020-01", Schedule(), "Asia/Tokyo")[0]
    await cog.book.miss(world.guild.id, missed, datetime.now(UTC))
    shown = await world.run(world.member, "schedule show")
    assert "ランキング投稿 (2020-01, 2020-02-01 09:00): 見送り" in shown.text
