"""/usage and `yomikai usage`: the month's LLM calls, tokens and estimated cost, adding up to
what the LLM server answered; prices from YOMIKAI_LLM_PRICES."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, load_settings
from bot.i18n import t
from bot.llm.client import Usage
from bot.loopback import InteractionResult
from bot.months import current_month, month_bounds
from bot.store.store import Store
from bot.usage.prices import DEFAULT_PRICES, Price, parse_prices
from bot.usage.render import cost_text, usd
from bot.usage.report import UsageLine, usage_report
from tests.conftest import DiscordWorld, OpenCore, Services
from tests.fakes.openai import FakeOpenAI
from tests.fixtures_papers import SAMPLE_MONTH
from tests.test_bot import setup_guild
from tests.test_cli import one_line_error, yomikai

MONTH = SAMPLE_MONTH
OTHER_GUILD = 4242
CHAT = Price(0.15, 0.60)
EMBEDDING = Price(0.02, 0.0)


def expected_cost(fake: FakeOpenAI, purposes: set[str] | None = None) -> float:
    """What the answers the fake reported cost at the default prices."""
    return sum(
        (EMBEDDING if r.endpoint == "embeddings" else CHAT).cost(
            r.prompt_tokens, r.completion_tokens
        )
        for r in fake.reported
        if purposes is None or r.purpose in purposes
    )


def total_line(calls: int, prompt: int, completion: int, cost: float) -> str:
    return t(
        "ja",
        "usage_total",
        calls=f"{calls:,}",
        prompt=f"{prompt:,}",
        completion=f"{completion:,}",
        cost=usd(cost),
    )


def purpose_line(fake: FakeOpenAI, purpose: str, label: str) -> str:
    calls, prompt, completion = fake.usage_reported(purpose)
    cost = usd(expected_cost(fake, {purpose}))
    return t(
        "ja",
        "usage_line",
        label=label,
        calls=f"{calls:,}",
        prompt=f"{prompt:,}",
        completion=f"{completion:,}",
        cost=cost,
    )


def the_embed(result: InteractionResult) -> dict[str, Any]:
    assert result.ephemeral, result.describe()
    assert result.message is not None
    [embed] = result.message.embeds
    return embed


# ---------------------------------------------------------------------------- in Discord
async def test_usage_adds_up_to_every_call_the_llm_server_answered(world: DiscordWorld) -> None:
    await setup_guild(world)
    posted = await world.run(world.organizer, "post-ranking", month=MONTH)
    assert "投稿しました" in posted.text, posted.describe()
    await world.notes_in(MONTH)  # summaries written, passages embedded
    # Routed: the question is embedded to find the paper, then answered (streamed).
    routed = await world.run(
        world.member, "ask", question="Which paper improves MLPs for vision?", month=MONTH
    )
    assert routed.text.startswith("🔎"), routed.describe()  # routed, then answered
    # A budget smaller than the paper: passages chosen with the question's embedding.
    world.core.qa.context_tokens = 120
    await world.run(
        world.organizer, "ask", question="What did the ablation show?", paper="3", month=MONTH
    )
    await world.run(world.member, "outline", paper="1", month=MONTH)
    fake = world.services.openai
    assert len(fake.reported) == fake.count()  # every request the server saw was answered
    assert {r.purpose for r in fake.reported} == {
        "summary", "embeddings", "ask", "ask-embedding", "outline"
    }  # fmt: skip

    result = await world.run(world.organizer, "usage")
    embed = the_embed(result)
    month = current_month(datetime.now(UTC), "Asia/Tokyo")
    assert embed["title"] == t("ja", "usage_title", month=month) + t("ja", "usage_so_far")
    total, scope = embed["description"].splitlines()
    assert total == total_line(*fake.usage_reported(), expected_cost(fake))
    assert scope == t("ja", "usage_scope")
    own, shared = embed["fields"]
    assert own["value"].splitlines() == [
        purpose_line(fake, "ask", "/ask の回答"),
        purpose_line(fake, "ask-embedding", "質問の埋め込み"),
        purpose_line(fake, "outline", "発表アウトライン"),
    ]
    assert shared["value"].splitlines() == [
        purpose_line(fake, "summary", "論文の要約"),
        purpose_line(fake, "embeddings", "本文の埋め込み"),
    ]
    assert fake.usage_reported("ask")[0] == 2
    assert fake.usage_reported("summary")[0] == 10
    own_calls = sum(fake.usage_reported(p)[0] for p in ("ask", "ask-embedding", "outline"))
    assert own["name"] == t(
        "ja",
        "usage_own",
        calls=own_calls,
        cost=usd(expected_cost(fake, {"ask", "ask-embedding", "outline"})),
    )
    assert embed["footer"]["text"].endswith(str(world.settings.llm_prices))
    assert str(world.settings.llm_prices) == DEFAULT_PRICES.replace("0.60", "0.6")


async def test_another_guilds_own_calls_stay_out_and_shared_ones_count(
    world: DiscordWorld,
) -> None:
    await setup_guild(world)
    store = world.core.store
    await store.record_usage(Usage("ask", "gpt-4o-mini", 900, 90), world.guild.id)
    await store.record_usage(Usage("ask", "gpt-4o-mini", 5000, 500), OTHER_GUILD)
    await store.record_usage(Usage("outline", "gpt-4o-mini", 7000, 700), OTHER_GUILD)
    await store.record_usage(Usage("digest", "gpt-4o-mini", 100, 10))
    embed = the_embed(await world.run(world.organizer, "usage"))
    assert embed["description"].splitlines()[0] == total_line(2, 1000, 100, CHAT.cost(1000, 100))
    own, shared = embed["fields"]
    assert own["value"].startswith("**/ask の回答** 1 回 · 入力 900 / 出力 90 ")
    assert shared["value"].startswith("**ダイジェスト** 1 回 · 入力 100 / 出力 10 ")
    assert "5,000" not in embed["description"] + own["value"] + shared["value"]
    # The instance sees every guild's calls.
    now = datetime.now(UTC)
    report = await usage_report(store, current_month(now), world.settings.llm_prices, now=now)
    assert (report.total.calls, report.total.prompt_tokens) == (4, 13000)


async def test_members_are_refused_and_a_bad_month_is_refused_privately(
    world: DiscordWorld,
) -> None:
    await setup_guild(world)
    refused = await world.run(world.member, "usage")
    assert refused.ephemeral
    assert refused.text == t("ja", "not_organizer")
    for bad in ("2024-13", "May", "2024/05"):
        result = await world.run(world.organizer, "usage", month=bad)
        assert result.ephemeral
        assert result.text == t("ja", "bad_month", month=bad)
    assert world.api.errors == []


async def test_a_past_month_is_the_guilds_calendar_month(world: DiscordWorld) -> None:
    await setup_guild(world)  # Asia/Tokyo
    rows = [
        ("2024-04-30T14:59:59+00:00", 1),  # 23:59:59 on 30 April in Tokyo
        ("2024-04-30T15:00:00+00:00", 10),  # midnight, 1 May in Tokyo
        ("2024-05-31T14:59:59+00:00", 100),
        ("2024-05-31T15:00:00+00:00", 1000),  # 1 June in Tokyo
    ]
    async with world.core.store.transaction() as conn:
        await conn.executemany(
            "INSERT INTO llm_usage (at, purpose, model, guild_id, prompt_tokens,"
            " completion_tokens) VALUES (?, 'ask', 'gpt-4o-mini', ?, ?, 0)",
            [(at, world.guild.id, tokens) for at, tokens in rows],
        )
    embed = the_embed(await world.run(world.organizer, "usage", month="2024-05"))
    assert embed["title"] == t("ja", "usage_title", month="2024-05")  # over: not "so far"
    assert embed["description"].splitlines()[0] == total_line(2, 110, 0, CHAT.cost(110, 0))
    assert embed["footer"]["text"].startswith("2024-05-01 〜 2024-05-31(Asia/Tokyo)")
    empty = the_embed(await world.run(world.organizer, "usage", month="2023-01"))
    assert empty["fields"][0]["value"] == t("ja", "usage_none")


# ---------------------------------------------------------------------------- core
async def test_a_repaired_json_answer_counts_both_requests(
    open_core: OpenCore, services: Services
) -> None:
    core = await open_core(YOMIKAI_EMBEDDING_MODEL="off")
    services.openai.fail_next(content='{"title": "only a title"}')  # fails the schema
    await core.pipeline.fetch(MONTH, "ja", top=2)
    assert core.llm is not None
    assert core.llm.repairs == 1
    fake = services.openai
    assert fake.usage_reported("summary")[0] == 3
    now = datetime.now(UTC)
    report = await usage_report(core.store, current_month(now), core.settings.llm_prices, now=now)
    [summary] = report.shared.lines
    assert (summary.calls, summary.prompt_tokens, summary.completion_tokens) == (
        fake.usage_reported("summary")
    )


async def test_month_bounds_follow_the_timezone_and_its_daylight_saving(
    tmp_path: Path,
) -> None:
    assert month_bounds("2024-05", "Asia/Tokyo") == (
        datetime(2024, 4, 30, 15, tzinfo=UTC),
        datetime(2024, 5, 31, 15, tzinfo=UTC),
    )
    assert month_bounds("2024-12") == (
        datetime(2024, 12, 1, tzinfo=UTC),
        datetime(2025, 1, 1, tzinfo=UTC),
    )
    # March in Berlin starts in winter time and ends in summer time.
    assert month_bounds("2024-03", "Europe/Berlin") == (
        datetime(2024, 2, 29, 23, tzinfo=UTC),
        datetime(2024, 3, 31, 22, tzinfo=UTC),
    )
    assert current_month(datetime(2024, 4, 30, 15, tzinfo=UTC), "Asia/Tokyo") == "2024-05"
    store = await Store.open(tmp_path / "u.db")
    try:
        await store.record_usage(Usage("ask", "llama3.1:8b", 10, 5), 1)
        await store.record_usage(Usage("ask", "gpt-4o-mini-2024-07-18", 1_000_000, 0), 1)
        now = datetime.now(UTC)
        report = await usage_report(store, current_month(now), load_settings({}).llm_prices)
        [ask] = report.own.lines
        assert ask == UsageLine("ask", 2, 1_000_010, 5, 0.15, 1)
        assert report.unpriced_models == ("llama3.1:8b",)
        assert cost_text(ask) == "$0.1500 + ?"
        assert report.partial
    finally:
        await store.close()


# ---------------------------------------------------------------------------- prices
def test_prices_default_to_gpt_4o_mini_and_its_embeddings() -> None:
    prices = load_settings({}).llm_prices
    assert prices.price("gpt-4o-mini") == Price(0.15, 0.60)
    assert prices.price("gpt-4o-mini-2024-07-18") == Price(0.15, 0.60)  # OpenAI's snapshot name
    assert prices.price("text-embedding-3-small") == Price(0.02, 0)
    assert prices.price("gpt-4o") is None
    assert prices.price("gpt-4o-mini-tts") is None  # another model, not a snapshot
    assert Price(0.15, 0.60).cost(2_000_000, 1_000_000) == pytest.approx(0.90)


def test_prices_per_model_and_for_the_others() -> None:
    prices = parse_prices(" gpt-4o=2.50/10 , meta-llama/Llama-3.1-8B=0/0,0.5/1.5 ")
    assert prices.price("gpt-4o") == Price(2.5, 10)
    assert prices.price("gpt-4o-2024-08-06") == Price(2.5, 10)
    assert prices.price("meta-llama/Llama-3.1-8B") == Price(0, 0)
    assert prices.price("anything-else") == Price(0.5, 1.5)
    local = load_settings({"YOMIKAI_LLM_PRICES": "0/0"}).llm_prices
    assert local.price("qwen2.5:7b") == Price(0, 0)
    assert str(local) == "0/0"


def test_prices_from_the_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "yomikai.toml"
    config.write_text('llm_prices = "gpt-4o-mini=0.15/0.60,1/2"\n')
    settings = load_settings({"YOMIKAI_CONFIG": str(config)})
    assert settings.llm_prices.price("other") == Price(1, 2)


@pytest.mark.parametrize(
    "value",
    [
        "cheap",
        "0.15",
        "0.15/0.60/1",
        "-1/2",
        "nan/1",
        "gpt-4o-mini=",
        "=0.1/0.2",
        "a=1/2,a=3/4",
        "1/2,3/4",
        "gpt-4o-mini=0.15/0.60,",
        "x=1/two",
    ],
)
def test_bad_prices_stop_yomikai_at_start(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^YOMIKAI_LLM_PRICES: "):
        load_settings({"YOMIKAI_LLM_PRICES": value})


# ---------------------------------------------------------------------------- command line
def _database_with_usage(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO llm_usage (at, purpose, model, guild_id, prompt_tokens,"
            " completion_tokens) VALUES (?, ?, ?, ?, ?, ?)",
            [
                ("2024-05-01T00:00:00+00:00", "summary", "gpt-4o-mini", None, 2_000_000, 100_000),
                ("2024-05-10T00:00:00+00:00", "ask", "gpt-4o-mini", 1, 1000, 200),
                ("2024-05-20T00:00:00+00:00", "ask", "gpt-4o-mini", 2, 3000, 400),
                ("2024-05-31T23:59:59+00:00", "outline", "local-model", 2, 500, 50),
                ("2024-04-30T23:59:59+00:00", "ask", "gpt-4o-mini", 1, 7, 7),
                ("2024-06-01T00:00:00+00:00", "ask", "gpt-4o-mini", 1, 7, 7),
            ],
        )


def test_the_command_line_prints_the_whole_instance_in_utc(tmp_path: Path) -> None:
    env = {"YOMIKAI_DB": str(tmp_path / "yomikai.db")}
    created = yomikai(env, "db", "migrate")
    assert created.returncode == 0, created.stderr
    _database_with_usage(tmp_path / "yomikai.db")
    shown = yomikai(env, "usage", "--month", "2024-05")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "LLM usage for 2024-05 (2024-05-01 to 2024-05-31, UTC), the whole instance"
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.startswith("  ")}
    assert rows["ask"] == ["2", "4,000", "600", "$0.0010"]
    assert rows["outline"] == ["1", "500", "50", "?"]
    assert rows["summary"] == ["1", "2,000,000", "100,000", "$0.3600"]
    total = next(line for line in lines if line.startswith("total"))
    assert total.split() == ["total", "4", "2,004,500", "100,650", "$0.3610", "+", "?"]
    assert "no price for: local-model" in shown.stdout

    as_json = yomikai(env, "usage", "--month", "2024-05", "--json")
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["from"] == "2024-05-01T00:00:00+00:00"
    assert report["to"] == "2024-06-01T00:00:00+00:00"
    assert report["partial"] is False
    assert [p["purpose"] for p in report["own"]["purposes"]] == ["ask", "outline"]
    assert report["total"]["calls"] == 4
    assert report["total"]["usd"] == pytest.approx(0.36096)
    assert report["unpriced_models"] == ["local-model"]

    free = yomikai(env | {"YOMIKAI_LLM_PRICES": "0/0"}, "usage", "--month", "2024-05")
    assert "no price for" not in free.stdout
    assert next(line for line in free.stdout.splitlines() if line.startswith("total")).endswith(
        "$0"
    )


def test_the_command_line_refuses_a_bad_month_and_bad_prices_in_one_line(
    tmp_path: Path,
) -> None:
    env = {"YOMIKAI_DB": str(tmp_path / "yomikai.db")}
    assert "is not a month" in one_line_error(yomikai(env, "usage", "--month", "2024-5"))
    line = one_line_error(yomikai(env | {"YOMIKAI_LLM_PRICES": "free"}, "usage"))
    assert line.startswith("yomikai: YOMIKAI_LLM_PRICES: 'free' is not IN/OUT")
