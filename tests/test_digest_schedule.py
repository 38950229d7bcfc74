"""The weekly digest on a schedule: posted by itself on its weekday, once, across a restart."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.digest.schedule import DigestSchedule, digest_run, runs_around
from bot.i18n import t
from bot.loopback import LoopbackDiscord
from tests.bot_harness import running_yomikai
from tests.conftest import FAST, DiscordWorld, Services
from tests.test_digest import WEEK
from tests.test_schedule_bot import AHEAD, ShiftedClock

MONDAY_NINE = DigestSchedule(0, time(9, 0), datetime(2021, 1, 1, tzinfo=UTC))


def test_a_weeks_digest_is_due_on_the_weekday_of_the_week_after() -> None:
    run = digest_run(WEEK, MONDAY_NINE, "Asia/Tokyo")
    assert (run.action, run.month) == ("digest", WEEK)
    assert run.due == datetime(2021, 9, 13, 0, 0, tzinfo=UTC)  # Monday 09:00 in Tokyo
    friday = digest_run(WEEK, DigestSchedule(4, time(18, 30), MONDAY_NINE.since), "Europe/Berlin")
    assert friday.due == datetime(2021, 9, 17, 16, 30, tzinfo=UTC)
    around = runs_around(datetime(2021, 9, 14, tzinfo=UTC), MONDAY_NINE, "Asia/Tokyo")
    assert [r.month for r in around] == ["2021-W35", "2021-W36", "2021-W37"]
    since_set = DigestSchedule(0, time(9, 0), datetime(2021, 9, 10, tzinfo=UTC))
    assert [
        r.month for r in runs_around(datetime(2021, 9, 14, tzinfo=UTC), since_set, "Asia/Tokyo")
    ] == [
        "2021-W36",
        "2021-W37",
    ]


async def test_the_schedule_posts_the_digest_once_across_a_restart(
    services: Services, tmp_path: Path
) -> None:
    clock = ShiftedClock()
    clock.set(digest_run(WEEK, MONDAY_NINE, "Asia/Tokyo").due - AHEAD)
    async with LoopbackDiscord() as api:
        guild = api.add_guild("読み会", channels=("general", "papers"))
        channel = guild.channel("papers")
        settings = services.bot_settings(tmp_path / "y.db", api, guild)

        async def run(command: str, **options: object):
            result = await api.invoke(guild, guild.owner, command, options)
            return await result.wait_settled(timeout=15)

        def posts() -> list:
            return api.channel_messages(channel, include_ephemeral=False)

        async with contextlib.AsyncExitStack() as stack:
            running = await stack.enter_async_context(
                running_yomikai(api, settings, FAST, clock=clock)
            )
            await api.wait_commands(guild, names=("schedule",))
            await run("setup", channel=channel)
            shown = await run("schedule digest", weekday="0", time="09:00")
            assert t("ja", "schedule_digest", weekday="月曜日", at="09:00") in shown.text
            assert f"週のダイジェスト投稿 ({WEEK}): 2021-09-13 09:00" in shown.text
            [post] = await api.wait_channel_messages(channel, 1, timeout=20)
            assert post.embeds[0]["title"].startswith(f"📰 {WEEK}")

            # A restart after the post, as `yomikai run` does on SIGTERM: nothing is posted twice.
            await running.bot.drain(10)
            await stack.aclose()
            clock.set(clock() + timedelta(minutes=5))
            restarted = await stack.enter_async_context(
                running_yomikai(api, settings, FAST, clock=clock)
            )
            await restarted.bot.get_cog("Schedule").scheduler.run_due(guild.id)
            again = await run("digest", week=WEEK)
            assert again.text.startswith(t("ja", "digest_already_posted", week=WEEK, url="")[:10])
            assert len(posts()) == 1
            off = await run("schedule digest", weekday="off")
            assert off.text == t("ja", "schedule_digest_off")
        assert api.messages_allowing_pings() == []


async def test_only_organizers_schedule_the_digest(world: DiscordWorld) -> None:
    refused = await world.run(world.member, "schedule digest", weekday="2")
    assert refused.text == t("ja", "not_organizer")
    bad = await world.run(world.organizer, "schedule digest", weekday="2", time="7pm")
    assert bad.text == t("ja", "bad_time", time="7pm")
    assert await world.running.bot.get_cog("Schedule").digests.get(world.guild.id) is None
