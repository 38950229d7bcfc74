"""`yomikai doctor`: every dependency up gives ok lines, each one down gives exactly its FAIL."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from bot import doctor
from bot.config import load_settings
from bot.doctor import PROBE_SCHEMA_NAME, Check, format_check, run_checks
from bot.loopback import LoopbackDiscord
from bot.store.database import connect, migrate, migrations
from tests.conftest import Services
from tests.fakes.openai import DEFAULT_MODEL, FakeOpenAI
from tests.fakes.server import serve
from tests.test_cli import yomikai

LLM_NAMES = ["llm", "llm-json", "llm-embedding", "llm-fallbacks"]
NAMES = ["configuration", "database", "discord", *LLM_NAMES, "huggingface", "arxiv"]
LATEST = max(version for version, _, _ in migrations())
WRONG_TOKEN = "wrong-discord-token-SECRET"
WRONG_KEY = "sk-wrong-key-SECRET"
LINE = re.compile(r"^(ok|warn|FAIL) +(\S+) +(\S.*)$")


@dataclass
class Deps:
    services: Services
    discord: LoopbackDiscord
    db: Path
    extra_urls: dict[str, str]

    def env(self, **extra: str) -> dict[str, str]:
        return (
            self.services.env(
                self.db,
                DISCORD_TOKEN=self.discord.token,
                YOMIKAI_DISCORD_API=self.discord.api_url,
            )
            | extra
        )


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


async def _models_500(request: web.Request) -> web.Response:
    body = {"error": {"message": "The fake failed on purpose.", "type": "x", "code": "x"}}
    return web.json_response(body, status=500)


RELEASE = web.AppKey("release", asyncio.Event)


async def _hang(request: web.Request) -> web.Response:
    """No answer until the test ends (then the server can shut down at once)."""
    await request.app[RELEASE].wait()
    return web.json_response([])


def _app(routes: dict[str, Callable[[web.Request], object]]) -> web.Application:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)  # type: ignore[arg-type]
    return app


async def migrated_database(path: Path) -> None:
    conn = await connect(path)
    try:
        await migrate(conn)
    finally:
        await conn.close()


@pytest.fixture
async def deps(services: Services, tmp_path: Path) -> AsyncIterator[Deps]:
    async with contextlib.AsyncExitStack() as stack:
        api = await stack.enter_async_context(LoopbackDiscord())
        failing_llm = await stack.enter_async_context(serve(_app({"/v1/models": _models_500})))
        hang_app = _app({"/daily_papers": _hang, "/api/query": _hang})
        release = hang_app[RELEASE] = asyncio.Event()
        hanging = await stack.enter_async_context(serve(hang_app))
        stack.callback(release.set)
        db = tmp_path / "data" / "yomikai.db"
        yield Deps(services, api, db, {"failing_llm": failing_llm, "hanging": hanging})


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def assert_no_secret(checks: list[Check], *secrets: str) -> None:
    text = "\n".join(format_check(check) for check in checks)
    for secret in secrets:
        assert secret not in text


async def test_everything_up_is_ok_on_every_line(deps: Deps) -> None:
    await migrated_database(deps.db)
    settings = load_settings(deps.env())
    checks = await run_checks(settings)
    assert [check.name for check in checks] == NAMES
    assert [check.label for check in checks] == ["ok"] * len(NAMES), checks
    found = by_name(checks)
    assert found["configuration"].detail == (
        "DISCORD_TOKEN set, OPENAI_API_KEY set, model gpt-4o-mini, language ja, logs text"
    )
    assert found["database"].detail == f"{deps.db}, schema {LATEST} of {LATEST}, WAL"
    assert found["discord"].detail.startswith("bot yomikai (id ")
    assert "gateway ws://127.0.0.1:" in found["discord"].detail
    assert found["llm"].detail.endswith("/v1: model gpt-4o-mini available")
    assert found["llm-json"].detail == "Structured Outputs honoured (json_schema)"
    dimensions = len(deps.services.openai.embedder(["x"])[0])
    assert found["llm-embedding"].detail == f"model text-embedding-3-small, {dimensions} dimensions"
    assert found["llm-fallbacks"].detail == (
        "server openai; output limit sent as max_completion_tokens; fallbacks: none"
    )
    assert found["huggingface"].detail == "daily_papers answered a list of 0"
    assert found["arxiv"].detail == "Atom feed with 2109.04454"
    assert_no_secret(checks, deps.discord.token, deps.services.openai.api_key)


def _closed_discord(deps: Deps) -> dict[str, str]:
    return {"YOMIKAI_DISCORD_API": closed_port() + "/api/v10"}


def _hf_garbage(deps: Deps) -> dict[str, str]:
    deps.services.huggingface.fail_next(200, body="<html>maintenance</html>")
    return {}


def _hf_error(deps: Deps) -> dict[str, str]:
    deps.services.huggingface.fail_next(503, body="busy")
    return {}


def _arxiv_html(deps: Deps) -> dict[str, str]:
    deps.services.arxiv.fail_next(200, body="<!DOCTYPE html><html><body>Oops</body></html>")
    return {}


def _corrupt_database(deps: Deps) -> dict[str, str]:
    deps.db.parent.mkdir(parents=True, exist_ok=True)
    deps.db.write_bytes(b"this is not a database " * 200)
    return {}


def _newer_database(deps: Deps) -> dict[str, str]:
    deps.db.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(deps.db)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    return {}


BROKEN: dict[str, tuple[str, Callable[[Deps], dict[str, str]], str]] = {
    "discord down": ("discord", _closed_discord, "unreachable (ConnectError)"),
    "discord wrong token": (
        "discord",
        lambda deps: {"DISCORD_TOKEN": WRONG_TOKEN},
        "token rejected (HTTP 401)",
    ),
    "discord no token": (
        "discord",
        lambda deps: {"DISCORD_TOKEN": ""},
        "DISCORD_TOKEN is not set",
    ),
    "llm wrong key": (
        "llm",
        lambda deps: {"OPENAI_API_KEY": WRONG_KEY},
        "/v1: key rejected (HTTP 401)",
    ),
    "llm 500": (
        "llm",
        lambda deps: {"OPENAI_BASE_URL": deps.extra_urls["failing_llm"] + "/v1"},
        "/v1: /models answered HTTP 500",
    ),
    "llm down": (
        "llm",
        lambda deps: {"OPENAI_BASE_URL": closed_port() + "/v1"},
        "/v1: unreachable (ConnectError)",
    ),
    "huggingface garbage": (
        "huggingface",
        _hf_garbage,
        "daily_papers answered something other than a list",
    ),
    "huggingface 503": ("huggingface", _hf_error, "daily_papers answered HTTP 503"),
    "huggingface down": (
        "huggingface",
        lambda deps: {"YOMIKAI_HF_API": closed_port()},
        "unreachable (ConnectError)",
    ),
    "arxiv html": ("arxiv", _arxiv_html, "arXiv returned an unreadable answer"),
    "arxiv down": (
        "arxiv",
        lambda deps: {"YOMIKAI_ARXIV_API": closed_port() + "/api/query"},
        "unreachable (ConnectError)",
    ),
    "database corrupt": ("database", _corrupt_database, "file is not a database"),
    "database newer": (
        "database",
        _newer_database,
        f"schema {LATEST + 1} is newer than this yomikai (it knows {LATEST})",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
async def test_one_dependency_down_fails_that_check_only(deps: Deps, case: str) -> None:
    name, breaks, expected = BROKEN[case]
    if name != "database":
        await migrated_database(deps.db)
    settings = load_settings(deps.env(**breaks(deps)))
    checks = await run_checks(settings)
    found = by_name(checks)
    assert not found[name].ok
    assert expected in found[name].detail
    assert [check.name for check in checks if not check.ok] == [name], checks
    if name == "llm":  # what needs the server is not tried
        for skipped in LLM_NAMES[1:]:
            assert found[skipped].label == "warn"
            assert found[skipped].detail == "skipped: the LLM server does not answer"
    assert_no_secret(
        checks, deps.discord.token, deps.services.openai.api_key, WRONG_TOKEN, WRONG_KEY
    )


async def test_a_missing_database_is_a_warning_and_is_not_created(deps: Deps) -> None:
    checks = by_name(await run_checks(load_settings(deps.env())))
    database = checks["database"]
    assert (database.ok, database.label) == (True, "warn")
    assert database.detail == f"{deps.db} does not exist yet; created at first start"
    assert not deps.db.parent.exists()


async def test_an_old_schema_is_reported_and_left_alone(deps: Deps) -> None:
    deps.db.parent.mkdir(parents=True)
    with contextlib.closing(sqlite3.connect(deps.db)) as conn:
        conn.execute("PRAGMA user_version = 1")
    database = by_name(await run_checks(load_settings(deps.env())))["database"]
    assert database.label == "warn"
    assert f"schema 1 of {LATEST} ({LATEST - 1} pending" in database.detail
    assert "journal mode delete (WAL is set at next start)" in database.detail
    with contextlib.closing(sqlite3.connect(deps.db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


async def test_without_a_key_the_llm_is_a_warning(deps: Deps) -> None:
    await migrated_database(deps.db)
    env = deps.env()
    del env["OPENAI_API_KEY"]
    checks = await run_checks(load_settings(env))
    llm = by_name(checks)["llm"]
    assert (llm.ok, llm.label, llm.detail) == (
        True,
        "warn",
        "not configured: summaries stay pending",
    )
    assert "OPENAI_API_KEY not set" in by_name(checks)["configuration"].detail
    assert all(check.ok for check in checks)
    assert [by_name(checks)[name].detail for name in LLM_NAMES[1:]] == [
        "skipped: no LLM configured"
    ] * 3


# ------------------------------------------------------------------ what yomikai makes of the LLM


async def llm_checks(deps: Deps, **env: str) -> dict[str, Check]:
    await migrated_database(deps.db)
    checks = by_name(await run_checks(load_settings(deps.env(**env))))
    assert [checks[name].ok for name in NAMES if name not in LLM_NAMES] == [True] * 5
    return {name: checks[name] for name in LLM_NAMES}


async def test_refused_structured_outputs_are_a_warning_naming_the_fallback(deps: Deps) -> None:
    deps.services.openai.refuse_response_format = True

    checks = await llm_checks(deps)

    assert checks["llm-json"].label == "warn"
    assert "Structured Outputs refused: the schema goes in the prompt" in checks["llm-json"].detail
    assert checks["llm-fallbacks"].label == "warn"
    assert checks["llm-fallbacks"].detail.endswith("fallbacks: JSON schema in the prompt")


async def test_a_server_that_cannot_follow_a_schema_fails(deps: Deps) -> None:
    deps.services.openai.json_responders[PROBE_SCHEMA_NAME] = lambda body: {"ok": "yes"}

    checks = await llm_checks(deps)

    assert checks["llm-json"].label == "FAIL"
    assert "$.ok should be boolean, not string, again after a repair" in checks["llm-json"].detail
    assert checks["llm"].ok


async def test_embeddings_off_by_setting_are_a_warning(deps: Deps) -> None:
    checks = await llm_checks(deps, YOMIKAI_EMBEDDING_MODEL="off")

    assert checks["llm-embedding"].label == "warn"
    assert checks["llm-embedding"].detail.startswith("off (YOMIKAI_EMBEDDING_MODEL)")
    assert "fallbacks: no embeddings (word search)" in checks["llm-fallbacks"].detail
    assert deps.services.openai.count(endpoint="embeddings") == 0


async def test_ollama_with_a_chat_model_for_embeddings(deps: Deps) -> None:
    ollama = FakeOpenAI(mode="ollama")
    async with serve(ollama.app) as url:
        env = {
            "OPENAI_BASE_URL": f"{url}/v1",
            "YOMIKAI_LLM_SERVER": "ollama",
            "YOMIKAI_EMBEDDING_MODEL": DEFAULT_MODEL,
        }
        checks = await llm_checks(deps, **env)

    assert checks["llm"].label == "ok"
    assert checks["llm-json"].detail == "Structured Outputs honoured (json_schema)"
    embedding = checks["llm-embedding"]
    assert embedding.label == "warn"
    assert "unavailable (the server answered HTTP 501: This server does not support" in (
        embedding.detail
    )
    fallbacks = checks["llm-fallbacks"]
    assert fallbacks.label == "warn"
    assert "server ollama; output limit sent as max_tokens and max_completion_tokens" in (
        fallbacks.detail
    )
    assert "set YOMIKAI_LLM_CONTEXT_TOKENS to Ollama's context length" in fallbacks.detail
    assert ollama.count(endpoint="embeddings") == 1


async def test_a_context_window_setting_is_reported(deps: Deps) -> None:
    checks = await llm_checks(deps, YOMIKAI_LLM_CONTEXT_TOKENS="8192")

    assert "prompts kept under 8192 tokens" in checks["llm-fallbacks"].detail
    assert checks["llm-fallbacks"].label == "ok"


async def test_hung_services_time_out_together(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "TIMEOUT", 0.5)
    hanging = deps.extra_urls["hanging"]
    env = deps.env(YOMIKAI_HF_API=hanging, YOMIKAI_ARXIV_API=hanging + "/api/query")
    started = time.monotonic()
    checks = by_name(await run_checks(load_settings(env)))
    elapsed = time.monotonic() - started
    for name in ("huggingface", "arxiv"):
        assert not checks[name].ok
        assert checks[name].detail == "no answer within 0.5 s (ReadTimeout)"
    assert elapsed < 1.5  # concurrently, not one timeout after the other


# ------------------------------------------------------------------ the command line


async def test_cli_prints_one_line_per_check_and_exits_0(deps: Deps) -> None:
    await migrated_database(deps.db)
    result = await asyncio.to_thread(yomikai, deps.env(), "doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert [LINE.match(line).group(2) for line in lines] == NAMES  # type: ignore[union-attr]
    assert all(line.startswith("ok    ") for line in lines)
    assert f"ok    database      {deps.db}, schema {LATEST} of {LATEST}, WAL" in lines
    for secret in (deps.discord.token, deps.services.openai.api_key):
        assert secret not in result.stdout + result.stderr


async def test_cli_reports_a_rejected_token_and_exits_1_without_touching_the_db(
    deps: Deps,
) -> None:
    env = deps.env(DISCORD_TOKEN=WRONG_TOKEN)
    result = await asyncio.to_thread(yomikai, env, "doctor")
    assert result.returncode == 1
    assert "FAIL  discord       token rejected (HTTP 401)" in result.stdout.splitlines()
    assert "warn  database      " in result.stdout
    assert WRONG_TOKEN not in result.stdout + result.stderr
    assert not deps.db.exists()
