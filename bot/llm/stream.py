"""Streamed chat completions read as plain server-sent events, not through the openai client's
models: each server puts text, finish reason and usage in chunks of its own shape (usage in a
last chunk of its own, or in the last content chunk as older llama.cpp builds do)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

DONE = "[DONE]"


@dataclass(frozen=True)
class Chunk:
    """What one streamed chunk carries; `error` is its `error` value when the server failed
    mid-stream."""

    text: str = ""
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    model: str | None = None
    refusal: str | None = None
    error: object = None


async def sse_data(lines: AsyncIterator[str], stray: list[str]) -> AsyncIterator[str]:
    """The data of each event in a text/event-stream; lines that are no SSE field go to
    `stray`, so a body that is not a stream can still be read."""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        name, colon, value = line.partition(":")
        if name == "data" and colon:
            data.append(value.removeprefix(" "))
        elif name not in ("", "event", "id", "retry"):
            stray.append(line)
    if data:
        yield "\n".join(data)


def read_chunk(data: str) -> Chunk:
    """The chunk in an event's data; ValueError when it is not a JSON object."""
    chunk = json.loads(data)
    if not isinstance(chunk, dict):
        raise ValueError("not a JSON object")
    usage = chunk.get("usage")
    model = chunk.get("model")
    common = {
        "usage": usage if isinstance(usage, dict) else None,
        "model": model if isinstance(model, str) and model else None,
    }
    if chunk.get("error"):
        return Chunk(error=chunk["error"], **common)
    choices = chunk.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else {}
    if not isinstance(choice, dict):
        raise ValueError("a choice that is not an object")
    delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else {}
    refusal = delta.get("refusal")
    finish = choice.get("finish_reason")
    return Chunk(
        text=content_text(delta.get("content")),
        finish_reason=finish if isinstance(finish, str) else None,
        refusal=refusal if isinstance(refusal, str) and refusal else None,
        **common,
    )


def content_text(content: object) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = (p.get("text") for p in content if isinstance(p, dict))
        return "".join(p for p in parts if isinstance(p, str))
    return ""
