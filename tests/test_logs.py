"""Log lines as text or JSON, secrets redacted from both."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.logs import configure_logging
from tests.test_cli import one_line_error, yomikai

TOKEN = "tok.discord-SECRET-value"
KEY = "sk-openai-SECRET-value"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """A stream that configure_logging writes to; the root logger is restored afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    yield out
    for handler in root.handlers[:]:
        if handler not in saved[0]:
            root.removeHandler(handler)
    root.setLevel(saved[1])


def json_lines(out: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_json_lines_carry_time_level_logger_and_message(stream: io.StringIO) -> None:
    configure_logging("json", logging.INFO, stream=stream)
    logging.getLogger("yomikai.test").info("fetched %d papers for %s", 10, "2024-05")
    logging.getLogger("yomikai.test").debug("below the level")
    logging.getLogger("discord.client").warning("日本語もそのまま")
    first, second = json_lines(stream)
    assert set(first) == {"time", "level", "logger", "message"}
    assert (first["level"], first["logger"]) == ("INFO", "yomikai.test")
    assert first["message"] == "fetched 10 papers for 2024-05"
    when = datetime.fromisoformat(first["time"])
    assert when.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - when) < timedelta(minutes=1)
    assert (second["level"], second["message"]) == ("WARNING", "日本語もそのまま")


def test_an_exception_lands_in_exc(stream: io.StringIO) -> None:
    configure_logging("json", logging.INFO, stream=stream)
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logging.getLogger("yomikai").exception("summary failed")
    (line,) = json_lines(stream)
    assert line["message"] == "summary failed"
    assert line["exc"].startswith("Traceback (most recent call last):")
    assert line["exc"].rstrip().endswith("ZeroDivisionError: division by zero")


def test_text_keeps_the_usual_format(stream: io.StringIO) -> None:
    configure_logging("text", logging.INFO, stream=stream)
    logging.getLogger("yomikai").info("hello")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO yomikai: hello\n", stream.getvalue()
    )


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_are_redacted_from_messages_and_tracebacks(fmt: str, stream: io.StringIO) -> None:
    configure_logging(fmt, logging.INFO, secrets=(TOKEN, KEY, None), stream=stream)
    log = logging.getLogger("yomikai")
    log.info("login with %s", TOKEN)
    log.warning(f"LLM said: Incorrect API key provided: {KEY}.")
    try:
        raise RuntimeError(f"bad header Authorization: Bot {TOKEN}")
    except RuntimeError:
        log.exception("request failed")
    output = stream.getvalue()
    assert "SECRET" not in output
    assert output.count("[redacted]") == 3
    assert "login with [redacted]" in output
    assert "Authorization: Bot [redacted]" in output


def test_a_placeholder_key_is_not_redacted_everywhere(stream: io.StringIO) -> None:
    configure_logging("text", logging.INFO, secrets=("x",), stream=stream)
    logging.getLogger("yomikai").info("max_retries exceeded")
    assert "max_retries exceeded" in stream.getvalue()


def test_configuring_again_replaces_the_handler(stream: io.StringIO) -> None:
    configure_logging("text", logging.INFO, stream=stream)
    configure_logging("json", logging.INFO, stream=stream)
    logging.getLogger("yomikai").info("once")
    assert [line["message"] for line in json_lines(stream)] == ["once"]


def test_the_format_is_a_setting() -> None:
    assert load_settings({}).log_format == "text"
    assert load_settings({"YOMIKAI_LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(ConfigError, match=r"^YOMIKAI_LOG_FORMAT: must be one of text, json"):
        load_settings({"YOMIKAI_LOG_FORMAT": "yaml"})


def test_the_cli_logs_json_and_names_a_bad_format(tmp_path: Path) -> None:
    env = {
        "YOMIKAI_DB": str(tmp_path / "y.db"),
        "YOMIKAI_LOG_FORMAT": "json",
        "OPENAI_API_KEY": KEY,
    }
    result = yomikai(env, "-v", "db", "migrate")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert any(line["message"].startswith("database migrated to 0001_") for line in lines)
    assert all(line["logger"] == "bot.store.database" for line in lines)
    bad = one_line_error(yomikai(env | {"YOMIKAI_LOG_FORMAT": "xml"}, "db", "migrate"))
    assert bad == "yomikai: YOMIKAI_LOG_FORMAT: must be one of text, json"
