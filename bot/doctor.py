"""`yomikai doctor`: check every dependency once, concurrently, without changing anything."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import openai
from openai import AsyncOpenAI

from bot.config import Settings
from bot.http import SourceError, new_client
from bot.llm.client import LLM, LLMError
from bot.logs import MIN_SECRET_CHARS
from bot.papers.sources.arxiv import parse_feed
from bot.store.database import migrations

TIMEOUT = 5.0
PROBE_PAPER = "2109.04454"
OPENAI_DEFAULT_BASE = "https://api.openai.com/v1"
REDACTED = "[redacted]"
LLM_CHECKS = ("llm", "llm-json", "llm-embedding", "llm-fallbacks")
# A one-field Structured Outputs request: does the server honour json_schema?
PROBE_SCHEMA_NAME = "yomikai_probe"
PROBE_SCHEMA = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
    "additionalProperties": False,
}
PROBE_MESSAGES = [
    {"role": "system", "content": "You answer in JSON."},
    {"role": "user", "content": "Answer with ok set to true."},
]
# Room for a reasoning model's thoughts before its one-line answer.
PROBE_TOKENS = 256
WORD_SEARCH = "/ask finds passages by their words only"


@dataclass(frozen=True)
class Check:
    """One dependency's state; `warning` marks an ok that deserves a look (printed `warn`)."""

    name: str
    ok: bool
    detail: str
    warning: bool = False

    @property
    def label(self) -> str:
        if not self.ok:
            return "FAIL"
        return "warn" if self.warning else "ok"


def format_check(check: Check) -> str:
    """`ok    database      data/yomikai.db, schema 4 of 4, WAL`"""
    return f"{check.label:<5} {check.name:<13} {check.detail}"


async def run_checks(settings: Settings) -> list[Check]:
    """Every check, run at once, each bounded by TIMEOUT; details never hold a secret."""
    async with new_client(TIMEOUT) as http:
        probes: list[tuple[tuple[str, ...], Callable[[], Awaitable[list[Check]]]]] = [
            (("configuration",), lambda: _one(_configuration(settings))),
            (("database",), lambda: _one(asyncio.to_thread(_database, settings.db))),
            (("discord",), lambda: _one(_discord(settings, http))),
            (LLM_CHECKS, lambda: _llm(settings)),
            (("huggingface",), lambda: _one(_huggingface(settings, http))),
            (("arxiv",), lambda: _one(_arxiv(settings, http))),
        ]
        groups = await asyncio.gather(*(_bounded(names, probe) for names, probe in probes))
    checks = [check for group in groups for check in group]
    secrets = [
        s
        for s in (settings.discord_token, settings.openai_api_key)
        if s and len(s) >= MIN_SECRET_CHARS
    ]
    return [_redacted(check, secrets) for check in checks]


async def doctor(settings: Settings) -> int:
    """Print one line per check; 0 when every check is ok, else 1."""
    checks = await run_checks(settings)
    for check in checks:
        print(format_check(check))
    return 0 if all(check.ok for check in checks) else 1


async def _one(check: Awaitable[Check]) -> list[Check]:
    return [await check]


async def _bounded(
    names: tuple[str, ...], probe: Callable[[], Awaitable[list[Check]]]
) -> list[Check]:
    """The probe's checks; the first FAILs when the probe is too slow or crashes. A group of
    checks runs in two steps (the LLM: its models, then the probes), so it gets two TIMEOUTs."""
    first, rest = names[0], names[1:]
    problem = ""
    try:
        return await asyncio.wait_for(probe(), TIMEOUT * (2 if rest else 1) + 1)
    except TimeoutError:
        problem = f"no answer within {TIMEOUT:g} s"
    except Exception as exc:  # a check must report, never crash the others
        problem = f"check failed: {type(exc).__name__}: {exc}"
    return [Check(first, False, problem), *_skipped(rest, f"{first} failed")]


def _skipped(names: tuple[str, ...], why: str) -> list[Check]:
    return [Check(name, True, f"skipped: {why}", True) for name in names]


def _redacted(check: Check, secrets: list[str]) -> Check:
    detail = check.detail
    for secret in secrets:
        detail = detail.replace(secret, REDACTED)
    return Check(check.name, check.ok, detail, check.warning)


def _public_url(url: str) -> str:
    """`url` without user and password, should someone have put credentials in it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _transport_problem(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {TIMEOUT:g} s ({type(exc).__name__})"
    return f"unreachable ({type(exc).__name__})"


# ---------------------------------------------------------------------------- configuration
async def _configuration(settings: Settings) -> Check:
    def present(name: str, value: str | None) -> str:
        return f"{name} {'set' if value else 'not set'}"

    parts = [
        present("DISCORD_TOKEN", settings.discord_token),
        present("OPENAI_API_KEY", settings.openai_api_key),
        f"model {settings.llm_model}",
        f"language {settings.language}",
        f"logs {settings.log_format}",
    ]
    return Check("configuration", True, ", ".join(parts))


# ---------------------------------------------------------------------------- database
def _database(path: Path) -> Check:
    """Read-only look at the database: schema version, quick_check, journal mode."""
    if not path.exists():
        return Check("database", True, f"{path} does not exist yet; created at first start", True)
    latest = max((version for version, _, _ in migrations()), default=0)
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=TIMEOUT, check_same_thread=False
        )
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            journal = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            problems = [str(row[0]) for row in conn.execute("PRAGMA quick_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Check("database", False, f"{path}: {exc}")
    if problems != ["ok"]:
        shown = "; ".join(problems[:3])
        return Check("database", False, f"{path}: quick_check found damage: {shown}")
    if version > latest:
        return Check(
            "database",
            False,
            f"{path}: schema {version} is newer than this yomikai (it knows {latest})",
        )
    detail = f"{path}, schema {version} of {latest}"
    warning = False
    if version < latest:
        warning = True
        detail += f" ({latest - version} pending: applied at next start or by `yomikai db migrate`)"
    if journal == "wal":
        detail += ", WAL"
    else:
        warning = True
        detail += f", journal mode {journal} (WAL is set at next start)"
    return Check("database", True, detail, warning)


# ---------------------------------------------------------------------------- Discord
async def _discord(settings: Settings, http: httpx.AsyncClient) -> Check:
    if not settings.discord_token:
        return Check("discord", False, "DISCORD_TOKEN is not set")
    headers = {"Authorization": f"Bot {settings.discord_token}"}
    try:
        me, gateway = await asyncio.gather(
            http.get(f"{settings.discord_api}/users/@me", headers=headers),
            http.get(f"{settings.discord_api}/gateway/bot", headers=headers),
        )
    except httpx.TransportError as exc:
        return Check("discord", False, _transport_problem(exc))
    if me.status_code == 401:
        return Check("discord", False, "token rejected (HTTP 401)")
    user = _json_object(me)
    if me.status_code != 200 or user is None:
        return Check("discord", False, f"/users/@me answered {_status(me)}")
    name = f"{user.get('username', '?')} (id {user.get('id', '?')})"
    info = _json_object(gateway)
    if gateway.status_code != 200 or info is None or not info.get("url"):
        return Check("discord", False, f"bot {name}, but /gateway/bot answered {_status(gateway)}")
    detail = f"bot {name}, gateway {info['url']}"
    limit = info.get("session_start_limit") or {}
    if limit.get("remaining") == 0:
        minutes = round(int(limit.get("reset_after", 0)) / 60000)
        return Check("discord", False, f"{detail}, no session starts left for {minutes} min")
    return Check("discord", True, detail)


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _status(response: httpx.Response) -> str:
    if response.status_code == 200:
        return "HTTP 200 with an unexpected body"
    return f"HTTP {response.status_code}"


# ---------------------------------------------------------------------------- LLM
async def _llm(settings: Settings) -> list[Check]:
    """The server and its model, then what yomikai will use of it: Structured Outputs,
    embeddings, and the fallbacks it falls back on."""
    if not settings.openai_api_key:
        first = Check("llm", True, "not configured: summaries stay pending", True)
        return [first, *_skipped(LLM_CHECKS[1:], "no LLM configured")]
    models = await _llm_models(settings)
    if not models.ok:
        return [models, *_skipped(LLM_CHECKS[1:], "the LLM server does not answer")]
    llm = LLM.from_settings(settings, timeout=TIMEOUT, max_retries=0)
    assert llm is not None
    try:
        structured, embeddings = await asyncio.gather(_llm_json(llm), _llm_embedding(llm))
    finally:
        await llm.aclose()
    return [models, structured, embeddings, _llm_fallbacks(llm)]


async def _llm_models(settings: Settings) -> Check:
    base = _public_url(settings.openai_base_url or OPENAI_DEFAULT_BASE)
    client = AsyncOpenAI(
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=TIMEOUT,
        max_retries=0,
    )
    try:
        page = await client.models.list()
        models = [model.id for model in page.data]
    except openai.AuthenticationError:
        return Check("llm", False, f"{base}: key rejected (HTTP 401)")
    except openai.APIStatusError as exc:
        return Check("llm", False, f"{base}: /models answered HTTP {exc.status_code}")
    except openai.APITimeoutError:
        return Check("llm", False, f"{base}: no answer within {TIMEOUT:g} s")
    except openai.APIConnectionError as exc:
        cause = type(exc.__cause__).__name__ if exc.__cause__ else type(exc).__name__
        return Check("llm", False, f"{base}: unreachable ({cause})")
    except (openai.APIError, AttributeError, TypeError) as exc:
        return Check("llm", False, f"{base}: unexpected answer to /models ({type(exc).__name__})")
    finally:
        await client.close()
    if settings.llm_model not in models:
        detail = f"{base}: answers, but lists no model {settings.llm_model} ({len(models)} listed)"
        return Check("llm", True, detail, True)
    return Check("llm", True, f"{base}: model {settings.llm_model} available")


async def _llm_json(llm: LLM) -> Check:
    repairs = llm.repairs
    try:
        async with asyncio.timeout(TIMEOUT):
            await llm.complete_json(
                purpose="doctor",
                messages=PROBE_MESSAGES,
                schema_name=PROBE_SCHEMA_NAME,
                schema=PROBE_SCHEMA,
                max_tokens=PROBE_TOKENS,
            )
    except TimeoutError:
        return Check("llm-json", False, f"no JSON answer within {TIMEOUT:g} s")
    except LLMError as exc:
        return Check("llm-json", False, str(exc))
    if llm.schema_in_prompt:
        detail = "Structured Outputs refused: the schema goes in the prompt, yomikai checks answers"
        return Check("llm-json", True, detail, True)
    if llm.repairs > repairs:
        detail = "json_schema taken but not followed: answers needed a repair round trip"
        return Check("llm-json", True, detail, True)
    return Check("llm-json", True, "Structured Outputs honoured (json_schema)")


async def _llm_embedding(llm: LLM) -> Check:
    model = llm.embedding_model
    if model is None:
        return Check("llm-embedding", True, f"off (YOMIKAI_EMBEDDING_MODEL): {WORD_SEARCH}", True)
    try:
        async with asyncio.timeout(TIMEOUT):
            vectors, _ = await llm.embed(["yomikai doctor"], purpose="doctor")
    except TimeoutError:
        return Check("llm-embedding", True, f"{model}: no answer within {TIMEOUT:g} s", True)
    except LLMError as exc:
        why = llm.embeddings_refusal or str(exc).removeprefix("doctor: ")
        return Check("llm-embedding", True, f"{model} unavailable ({why}): {WORD_SEARCH}", True)
    return Check("llm-embedding", True, f"model {model}, {len(vectors[0])} dimensions")


def _llm_fallbacks(llm: LLM) -> Check:
    """Which server yomikai takes this for, and what it does instead of what the server lacks."""
    parts = [f"server {llm.server}", f"output limit sent as {' and '.join(llm.token_fields)}"]
    fallbacks = []
    if llm.schema_in_prompt:
        fallbacks.append("JSON schema in the prompt")
    if not llm.embeddings_enabled:
        fallbacks.append("no embeddings (word search)")
    warning = bool(fallbacks)
    if llm.context_tokens is not None:
        parts.append(f"prompts kept under {llm.context_tokens} tokens")
    elif llm.server == "ollama":
        warning = True
        parts.append(
            "set YOMIKAI_LLM_CONTEXT_TOKENS to Ollama's context length: it silently cuts the"
            " middle out of longer prompts"
        )
    parts.append(f"fallbacks: {', '.join(fallbacks) or 'none'}")
    return Check("llm-fallbacks", True, "; ".join(parts), warning)


# ---------------------------------------------------------------------------- paper sources
async def _huggingface(settings: Settings, http: httpx.AsyncClient) -> Check:
    try:
        response = await http.get(f"{settings.hf_api}/daily_papers", params={"limit": 1})
    except httpx.TransportError as exc:
        return Check("huggingface", False, _transport_problem(exc))
    if response.status_code != 200:
        return Check("huggingface", False, f"daily_papers answered HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, list):
        return Check("huggingface", False, "daily_papers answered something other than a list")
    return Check("huggingface", True, f"daily_papers answered a list of {len(data)}")


async def _arxiv(settings: Settings, http: httpx.AsyncClient) -> Check:
    params = {"id_list": PROBE_PAPER, "max_results": "1"}
    try:
        response = await http.get(settings.arxiv_api, params=params)
    except httpx.TransportError as exc:
        return Check("arxiv", False, _transport_problem(exc))
    if response.status_code != 200:
        return Check("arxiv", False, f"query answered HTTP {response.status_code}")
    try:
        papers = parse_feed(response.content)
    except SourceError as exc:
        return Check("arxiv", False, str(exc))
    if PROBE_PAPER not in papers:
        return Check("arxiv", True, f"Atom feed, but without {PROBE_PAPER}", True)
    return Check("arxiv", True, f"Atom feed with {PROBE_PAPER}")
