"""Settings from the environment, optionally from a TOML file named by YOMIKAI_CONFIG."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.usage.prices import DEFAULT_PRICES, Prices, parse_prices

LANGUAGES = ("ja", "en")
LOG_FORMATS = ("text", "json")
LLM_SERVERS = ("auto", "openai", "ollama", "llamacpp", "vllm", "lmstudio", "other")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
    return value


def _log_format(value: str) -> str:
    if value not in LOG_FORMATS:
        raise ValueError(f"must be one of {', '.join(LOG_FORMATS)}")
    return value


def _llm_server(value: str) -> str:
    if value not in LLM_SERVERS:
        raise ValueError(f"must be one of {', '.join(LLM_SERVERS)}")
    return value


def _positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError("must be a positive number")
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a positive whole number")
    return number


def _text(value: str) -> str:
    return value


def _non_negative_float(value: str) -> float:
    number = float(value)
    if number < 0:
        raise ValueError("must be zero or more")
    return number


def _guild_ids(value: str) -> tuple[int, ...]:
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise ValueError("must be guild ids separated by commas")
    return tuple(int(part) for part in parts)


# (environment variable, TOML key, parser, default); the TOML key is the variable's lowercase
# name without the YOMIKAI_ prefix.
_SETTINGS: tuple[tuple[str, str, Callable[[str], Any], str | None], ...] = (
    ("DISCORD_TOKEN", "discord_token", _text, None),
    ("YOMIKAI_DISCORD_API", "discord_api", _url, "https://discord.com/api/v10"),
    ("YOMIKAI_DB", "db", Path, "data/yomikai.db"),
    ("OPENAI_API_KEY", "openai_api_key", _text, None),
    ("OPENAI_BASE_URL", "openai_base_url", _url, None),
    ("YOMIKAI_LLM_MODEL", "llm_model", _text, "gpt-4o-mini"),
    ("YOMIKAI_LLM_TIMEOUT", "llm_timeout", _positive_float, "60"),
    ("YOMIKAI_LLM_CONCURRENCY", "llm_concurrency", _positive_int, "10"),
    ("YOMIKAI_LLM_SERVER", "llm_server", _llm_server, "auto"),
    ("YOMIKAI_LLM_CONTEXT_TOKENS", "llm_context_tokens", _positive_int, None),
    ("YOMIKAI_EMBEDDING_MODEL", "embedding_model", _text, "text-embedding-3-small"),
    ("YOMIKAI_LLM_PRICES", "llm_prices", parse_prices, DEFAULT_PRICES),
    ("YOMIKAI_HF_API", "hf_api", _url, "https://huggingface.co/api"),
    ("YOMIKAI_ARXIV_API", "arxiv_api", _url, "https://export.arxiv.org/api/query"),
    ("YOMIKAI_ARXIV_HTML", "arxiv_html", _url, "https://arxiv.org/html"),
    ("YOMIKAI_ARXIV_PDF", "arxiv_pdf", _url, "https://arxiv.org/pdf"),
    ("YOMIKAI_ARXIV_FILES_INTERVAL", "arxiv_files_interval", _non_negative_float, "3"),
    ("YOMIKAI_HTTP_TIMEOUT", "http_timeout", _positive_float, "20"),
    ("YOMIKAI_LANGUAGE", "language", _language, "ja"),
    ("YOMIKAI_COMMAND_GUILDS", "command_guilds", _guild_ids, ""),
    ("YOMIKAI_ASK_COOLDOWN", "ask_cooldown", _non_negative_float, "20"),
    ("YOMIKAI_ASK_CONTEXT_TOKENS", "ask_context_tokens", _positive_int, "12000"),
    ("YOMIKAI_CATCHUP_GRACE_HOURS", "catchup_grace_hours", _non_negative_float, "72"),
    ("YOMIKAI_LOG_FORMAT", "log_format", _log_format, "text"),
)

ENV_NAMES = tuple(name for name, *_ in _SETTINGS)


@dataclass(frozen=True)
class Settings:
    discord_token: str | None = field(default=None, repr=False)
    discord_api: str = "https://discord.com/api/v10"
    db: Path = Path("data/yomikai.db")
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = 60.0
    llm_concurrency: int = 10
    llm_server: str = "auto"
    llm_context_tokens: int | None = None
    embedding_model: str = "text-embedding-3-small"
    llm_prices: Prices = field(default_factory=lambda: parse_prices(DEFAULT_PRICES))
    hf_api: str = "https://huggingface.co/api"
    arxiv_api: str = "https://export.arxiv.org/api/query"
    arxiv_html: str = "https://arxiv.org/html"
    arxiv_pdf: str = "https://arxiv.org/pdf"
    arxiv_files_interval: float = 3.0
    http_timeout: float = 20.0
    language: str = "ja"
    command_guilds: tuple[int, ...] = ()
    ask_cooldown: float = 20.0
    ask_context_tokens: int = 12000
    catchup_grace_hours: float = 72.0
    log_format: str = "text"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.openai_api_key)


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"YOMIKAI_CONFIG: cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"YOMIKAI_CONFIG: {path} is not valid TOML: {exc}") from exc


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting; the environment wins over the TOML file."""
    env = os.environ if environ is None else environ
    file_values = _read_toml(env["YOMIKAI_CONFIG"]) if env.get("YOMIKAI_CONFIG") else {}
    values: dict[str, Any] = {}
    for name, key, parse, default in _SETTINGS:
        raw = env.get(name)
        if raw is None or raw == "":
            raw = file_values.get(key, default)
        if raw is None:
            values[key] = None
            continue
        try:
            values[key] = parse(str(raw).strip())
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from None
    return Settings(**values)
