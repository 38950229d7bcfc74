"""What yomikai knows of the OpenAI-compatible servers: which one it talks to, how each words its
errors, and which of those errors mean a context window, a refused field or no embeddings.

The habits are those the servers document in their code and issue trackers: OpenAI rejects
`max_tokens` on its newer models; Ollama and older llama.cpp ignore `max_completion_tokens`;
servers word errors as objects, flat objects or plain strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

OPENAI_HOST = "api.openai.com"
# Default ports that name the server; llama.cpp (8080) and vLLM (8000) share theirs with too
# much else to be told apart.
DEFAULT_PORTS = {11434: "ollama", 1234: "lmstudio"}
_DETAIL_CHARS = 200
_CONTEXT_MARKERS = (
    "context size",
    "context length",
    "context window",
    "context_length_exceeded",
    "exceed_context_size",
    "maximum context",
)
_FORMAT_MARKERS = ("response_format", "json_schema", "json_object", "structured output")
_REFUSAL_MARKERS = (
    "unsupported",
    "unrecognized",
    "not supported",
    "extra",
    "unknown",
    "not permitted",
)
_NO_EMBEDDINGS = ("not support embeddings", "does not support embedding")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ErrorBody:
    """An error answer, however the server shaped it: `label` is its code or type, if any."""

    status: int
    message: str
    label: str | None = None
    param: str | None = None

    @property
    def is_context_overflow(self) -> bool:
        """A prompt longer than the context window: llama.cpp's exceed_context_size_error (500 in
        older builds), vLLM's and OpenAI's "maximum context length"."""
        text = f"{self.label or ''} {self.message}".lower()
        return self.status in (400, 413, 500) and any(m in text for m in _CONTEXT_MARKERS)

    @property
    def refuses_response_format(self) -> bool:
        """The server will not take `response_format` as sent (LM Studio's plain-string 400,
        llama.cpp builds without json_schema, proxies that reject the field)."""
        text = f"{self.param or ''} {self.message}".lower()
        return self.status in (400, 422, 500, 501) and any(m in text for m in _FORMAT_MARKERS)

    @property
    def refuses_embeddings(self) -> bool:
        """No embeddings here, for good: Ollama's chat model and llama.cpp without --embeddings
        (501), an unknown embedding model (404)."""
        text = self.message.lower()
        return self.status in (404, 501) or any(m in text for m in _NO_EMBEDDINGS)

    def refused_field(self, fields: tuple[str, ...]) -> str | None:
        """Which of `fields` the server rejects as unknown or unsupported, if any."""
        if self.status not in (400, 422):
            return None
        if self.param in fields:
            return self.param
        text = self.message.lower()
        if not any(marker in text for marker in _REFUSAL_MARKERS):
            return None
        named = [(text.find(field), field) for field in fields if field in text]
        return min(named)[1] if named else None


def detect_server(setting: str, base_url: str | None) -> str:
    """The server kind: the setting unless `auto`; then OpenAI for its own URL (or none), the
    server whose default port the URL names, else `other`."""
    if setting != "auto":
        return setting
    if not base_url:
        return "openai"
    parts = urlsplit(base_url)
    if parts.hostname == OPENAI_HOST:
        return "openai"
    return DEFAULT_PORTS.get(parts.port or 0, "other")


def read_error(status: int, body: object) -> ErrorBody:
    """The error in `body` as the openai client kept it: the value of `error` when the answer was
    `{"error": ...}`, else the whole JSON answer, or its text when it was not JSON."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, str):
            return ErrorBody(status, _clean(inner))
        if isinstance(inner, dict):
            body = inner
        message = body.get("message") or body.get("detail") or body.get("msg") or ""
        return ErrorBody(status, _clean(str(message)), _label(body), _text_or_none(body, "param"))
    if isinstance(body, str):
        return ErrorBody(status, _clean(body))
    return ErrorBody(status, "")


def _label(body: dict[str, object]) -> str | None:
    return _text_or_none(body, "code") or _text_or_none(body, "type")


def _text_or_none(body: dict[str, object], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) and value else None


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()[:_DETAIL_CHARS]
