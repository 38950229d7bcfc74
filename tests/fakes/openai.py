"""An OpenAI-compatible server with deterministic answers, failure knobs, and the habits of the
servers study groups run, chosen by `mode`:

- `openai`: 400 on a body field it does not know and on `max_tokens` (its newer models want
  `max_completion_tokens`), 400 on a json_schema without a name; errors as `{"error": {...}}`.
- `ollama`: reads `max_tokens` only (without it a local model runs on), ignores
  `max_completion_tokens`, `strict`, the schema's name and unknown fields; silently cuts the middle
  out of a prompt longer than its context window (recorded in `truncations`); 501 on embeddings
  for a chat model.
- `llamacpp`: reads both limits (`max_completion_tokens` since 2026), ignores `strict`; a prompt
  longer than the window gets 400 `exceed_context_size_error`; errors carry `code` as a number.
- `llamacpp-old`: reads `max_tokens` only, puts usage in the last content chunk of a stream,
  answers 500 to a prompt longer than the window and to a json_schema response_format.
- `vllm`: 400 on a json_schema without a name, takes `strict` without acting on it, ignores
  unknown fields; errors flat: `{"object": "error", "message": ...}`.
- `lmstudio`: 400 with a plain-string `error` on `{"type": "json_object"}`; reads `max_tokens`
  only; a prompt longer than the window gets 200 and an empty answer.

Every mode streams (`data: {...}` chunks, `data: [DONE]`, a usage chunk when asked for with
`stream_options`), serves `/v1/embeddings` from `embedder`, and counts requests by purpose.
`fail_next` scripts odd answers: an HTTP error, a hang, given content, a raw body (not JSON,
truncated JSON), a stream that breaks off.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
import math
import re
import struct
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.doctor import PROBE_SCHEMA_NAME
from bot.llm.client import PURPOSE_HEADER
from bot.llm.schema import SCHEMA_PROMPT
from bot.llm.tokens import estimate_tokens
from bot.papers.summaries import HOOK_CHARS, PAPER_CLOSE, PAPER_OPEN, SCHEMA_NAME

DEFAULT_KEY = "test-key"
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"
EMBEDDING_DIMENSIONS = 64
MODES = ("openai", "ollama", "llamacpp", "llamacpp-old", "vllm", "lmstudio")
# What a local model writes when nothing bounds its output (it stops at its context in reality).
RUNAWAY_TOKENS = 3000
WORDS_PER_CHUNK = 3
# Ollama keeps the prompt's first tokens (num_keep) when it cuts a prompt to the window.
OLLAMA_KEEP_TOKENS = 5
NO_EMBEDDINGS = "This server does not support embeddings. Start it with `--embeddings`"

TextResponder = Callable[[dict[str, Any]], str]
JsonResponder = Callable[[dict[str, Any]], dict[str, Any]]
Embedder = Callable[[list[str]], list[list[float]]]

# The request fields each server reads as the output token limit, first one wins.
LIMIT_FIELDS = {
    "openai": ("max_completion_tokens", "max_tokens"),
    "ollama": ("max_tokens",),
    "llamacpp": ("max_completion_tokens", "max_tokens"),
    "llamacpp-old": ("max_tokens",),
    "vllm": ("max_completion_tokens", "max_tokens"),
    "lmstudio": ("max_tokens",),
}
OPENAI_CHAT_FIELDS = frozenset(
    [
        "model",
        "messages",
        "max_completion_tokens",
        "max_tokens",
        "temperature",
        "top_p",
        "n",
        "stream",
        "stream_options",
        "stop",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "user",
        "seed",
        "response_format",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "service_tier",
        "store",
        "metadata",
        "reasoning_effort",
        "modalities",
        "audio",
        "prediction",
        "web_search_options",
        "verbosity",
        "prompt_cache_key",
        "safety_identifier",
    ]
)
OPENAI_EMBEDDING_FIELDS = frozenset({"model", "input", "encoding_format", "dimensions", "user"})
OWNERS = {
    "openai": "system",
    "ollama": "library",
    "llamacpp": "llamacpp",
    "llamacpp-old": "llamacpp",
    "vllm": "vllm",
    "lmstudio": "organization_owner",
}

_PAPER = re.compile(re.escape(PAPER_OPEN) + r"\s*(.*?)\s*" + re.escape(PAPER_CLOSE), re.S)
_LANGUAGE = re.compile(r"\((ja|en)\)")
_PROMPTED_SCHEMA = re.compile(re.escape(SCHEMA_PROMPT.split("{name}")[0]) + r'([^"]+)"')
_PIECES = re.compile(r"\S{1,12}\s*|\s+")
_WORDS = re.compile(r"\w+")
_TRIM = ".,;:()[]{}\"'"


@dataclass(frozen=True)
class Failure:
    """How the fake misbehaves for one request: an error status, a hang, odd content, a raw
    `body` (answered with `status`), or a stream that breaks off after its first text."""

    status: int = 500
    headers: Mapping[str, str] = field(default_factory=dict)
    hang: bool = False
    content: str | None = None
    refusal: str | None = None
    finish_reason: str = "stop"
    body: str | None = None
    content_type: str = "application/json"
    cut_stream: bool = False


@dataclass(frozen=True)
class Received:
    """One request as the fake saw it; `auth` is "ok", "wrong" or "missing", never a key;
    `endpoint` is "chat" or "embeddings"."""

    body: dict[str, Any]
    purpose: str | None
    auth: str
    endpoint: str = "chat"

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def schema_in_prompt(self) -> bool:
        """The schema came in the prompt (yomikai's fallback), not as response_format."""
        return not self.body.get("response_format") and _prompted_schema(self.body) is not None

    @property
    def schema_name(self) -> str | None:
        response_format = self.body.get("response_format") or {}
        name = (response_format.get("json_schema") or {}).get("name")
        return name or _prompted_schema(self.body)

    def content(self, role: str) -> str:
        """The text of the first message with `role`, "" when there is none."""
        return next((m["content"] for m in self.messages if m.get("role") == role), "")


@dataclass(frozen=True)
class Reported:
    """The token usage one answer reported to the client, and the purpose it was asked for."""

    purpose: str | None
    endpoint: str
    prompt_tokens: int
    completion_tokens: int


def _user_text(body: dict[str, Any]) -> str:
    return "\n".join(m["content"] for m in body.get("messages", []) if m.get("role") == "user")


def _prompted_schema(body: dict[str, Any]) -> str | None:
    for message in body.get("messages", []):
        if message.get("role") == "system" and isinstance(message.get("content"), str):
            found = _PROMPTED_SCHEMA.search(message["content"])
            if found:
                return found.group(1)
    return None


def paper_in(body: dict[str, Any]) -> dict[str, Any]:
    """The paper JSON inside the `<paper>` block of the request's user message."""
    match = _PAPER.search(_user_text(body))
    try:
        return json.loads(match.group(1)) if match else {}
    except json.JSONDecodeError:  # a prompt the fake cut, as Ollama does
        return {}


def _names(paper: dict[str, Any]) -> list[str]:
    words = (
        w.strip(_TRIM) for w in f"{paper.get('title', '')} {paper.get('abstract', '')}".split()
    )
    # Mixed case or letters with digits mark a coined name: MedQA, GPT-4, LLaMA.
    coined = [
        w
        for w in words
        if any(c.isupper() for c in w[1:]) or (w[:1].isupper() and any(c.isdigit() for c in w))
    ]
    return list(dict.fromkeys(coined))[:5]


def _affiliations(paper: dict[str, Any]) -> list[str]:
    found = (a for author in paper.get("authors", []) for a in author.get("affiliations", []))
    return list(dict.fromkeys(found))


def _topic(paper: dict[str, Any]) -> str:
    words = (paper.get("abstract") or paper.get("title", "")).split()[:6]
    return " ".join(words).strip(_TRIM)


def _clip(text: str) -> str:
    return text if len(text) <= HOOK_CHARS else text[: HOOK_CHARS - 1] + "…"


def fake_summary(body: dict[str, Any]) -> dict[str, str]:
    """A valid summary derived from the request's paper, in the language the prompt asks for."""
    paper = paper_in(body)
    language = _LANGUAGE.search(_user_text(body))
    title, abstract, topic = paper.get("title", ""), paper.get("abstract", ""), _topic(paper)
    names = _names(paper)
    keyword = names[0] if names else topic
    if language and language.group(1) == "en":
        return {
            "title": title,
            "abstract": abstract,
            "purpose": f"Problem: {topic}",
            "results": f"Gains on {topic}",
            "method": f"Approach built on {keyword}",
            "names": ", ".join(names),
            "affiliations": "; ".join(_affiliations(paper)),
            "hook": _clip(f"Worth reading: {title}"),
        }
    return {
        "title": f"「{title}」の日本語訳",
        "abstract": f"【和訳】{abstract}",
        "purpose": f"{topic}に関する課題の解決",
        "results": f"{topic}での性能向上",
        "method": f"{keyword}に基づく手法",
        "names": "、".join(names),
        "affiliations": "、".join(_affiliations(paper)),
        "hook": _clip(f"注目: {title}"),
    }


def grounded_echo(body: dict[str, Any]) -> str:
    """A short answer that quotes the last line of the user's message."""
    lines = [line for line in _user_text(body).splitlines() if line.strip()]
    return f"Fake answer, grounded in the given context: {lines[-1][:200] if lines else ''}"


def hashed_embedding(texts: list[str]) -> list[list[float]]:
    """A deterministic bag of words: each word hashed to one of EMBEDDING_DIMENSIONS, normalized."""
    vectors = []
    for text in texts:
        vector = [0.0] * EMBEDDING_DIMENSIONS
        for word in _WORDS.findall(text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "big") % EMBEDDING_DIMENSIONS] += 1.0
        norm = math.sqrt(sum(x * x for x in vector))
        vectors.append([x / norm for x in vector] if norm else vector)
    return vectors


def clip_tokens(text: str, limit: int) -> str:
    """The longest start of `text` that costs at most `limit` tokens (bot.llm.tokens)."""
    if estimate_tokens(text) <= limit:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if estimate_tokens(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def _run_on(text: str) -> str:
    pad = " And there is more to say about that."
    missing = max(0, RUNAWAY_TOKENS - estimate_tokens(text))
    return text + pad * (missing // estimate_tokens(pad) + 1)


def _pieces(text: str) -> list[str]:
    """`text` in stream chunks of a few words (long words split), joined back exactly."""
    words = _PIECES.findall(text)
    return ["".join(words[i : i + WORDS_PER_CHUNK]) for i in range(0, len(words), WORDS_PER_CHUNK)]


def _prompt_tokens(body: dict[str, Any]) -> int:
    return sum(estimate_tokens(str(m.get("content") or "")) for m in body.get("messages", []))


def _wrapped(text: str, wrap: str | None) -> str:
    if wrap == "fenced":
        return f"```json\n{text}\n```"
    if wrap == "prose":
        return f"Sure! Here is the JSON you asked for:\n{text}\nTell me if you need more."
    return text


class FakeOpenAI:
    """Serve `app` (tests/fakes/server.py) and point OPENAI_BASE_URL at `<url>/v1`."""

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_KEY,
        delay: float = 0.0,
        text_responder: TextResponder = grounded_echo,
        report_usage: bool = True,
        hang_cap: float = 30.0,
        mode: str = "openai",
        token_delay: float = 0.0,
        context_window: int | None = None,
        embedder: Embedder = hashed_embedding,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode}: one of {', '.join(MODES)}")
        self.api_key = api_key
        self.mode = mode
        self.delay = delay
        # Embedding models answer far faster than chat models: their own delay, 0 by default.
        self.embedding_delay = 0.0
        # Seconds per output token of a streamed answer: a slow local model.
        self.token_delay = token_delay
        # Called with a streamed request's body just before its first text is sent (benchmarks).
        self.on_first_token: Callable[[dict[str, Any]], None] | None = None
        self.text_responder = text_responder
        self.json_responders: dict[str, JsonResponder] = {
            SCHEMA_NAME: fake_summary,
            PROBE_SCHEMA_NAME: lambda body: {"ok": True},
        }
        self.embedder = embedder
        self.report_usage = report_usage
        self.hang_cap = hang_cap
        # Tokens of the model's context window (None: unlimited), counted with bot.llm.tokens.
        self.context_window = context_window
        # Whether answers are cut at the request's output limit; off in openai mode, whose
        # tests of long answers predate the limits.
        self.cut_at_limit = mode != "openai"
        # False: this server has no embeddings (llama.cpp without --embeddings...); Ollama
        # refuses them for a chat model whatever this says.
        self.embeddings = True
        # True: refuse response_format as this mode words it (llamacpp-old always does).
        self.refuse_response_format = False
        # "fenced" or "prose": the model ignores the schema's format and wraps its JSON.
        self.wrap_json: str | None = None
        # Headers added to every error, e.g. {"retry-after-ms": "10"} to make retries fast.
        self.error_headers: dict[str, str] = {}
        self.models = [DEFAULT_MODEL, DEFAULT_EMBEDDING_MODEL]
        self.requests: list[Received] = []
        # The usage each answer carried, as the client read it (what a bill counts).
        self.reported: list[Reported] = []
        # Ollama mode: (prompt tokens, window) of each prompt it silently cut.
        self.truncations: list[tuple[int, int]] = []
        # Fields a lenient server received and ignored, as vLLM logs them.
        self.ignored_fields: list[str] = []
        self.peak_in_flight = 0
        self._in_flight = 0
        self._failures: dict[str, deque[Failure]] = {"chat": deque(), "embeddings": deque()}
        self._always: int | None = None
        self._ids = itertools.count(1)
        self._closing = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_post("/v1/chat/completions", self._chat)
        self.app.router.add_post("/v1/embeddings", self._embeddings)
        self.app.router.add_get("/v1/models", self._models)
        self.app.on_startup.append(self._open)
        self.app.on_shutdown.append(self._close)

    def settings_env(self, url: str) -> dict[str, str]:
        """Environment for bot.config.load_settings that points the bot at this fake. In openai
        mode it names the server, as one must for an OpenAI endpoint at another URL."""
        env = {"OPENAI_API_KEY": self.api_key, "OPENAI_BASE_URL": f"{url}/v1"}
        if self.mode == "openai":
            env["YOMIKAI_LLM_SERVER"] = "openai"
        return env

    def fail_next(
        self,
        status: int = 500,
        *,
        headers: Mapping[str, str] | None = None,
        hang: bool = False,
        content: str | None = None,
        refusal: str | None = None,
        finish_reason: str = "stop",
        body: str | None = None,
        content_type: str = "application/json",
        cut_stream: bool = False,
        times: int = 1,
        endpoint: str = "chat",
    ) -> None:
        """Queue `times` misbehaving answers to the next requests of `endpoint` ("chat" or
        "embeddings"): `content`/`refusal` answer 200 with that message, `body` answers that
        raw text with `status`, `cut_stream` sends the first chunk of a stream and drops the
        connection."""
        failure = Failure(
            status,
            dict(headers or {}),
            hang,
            content,
            refusal,
            finish_reason,
            body,
            content_type,
            cut_stream,
        )
        self._failures[endpoint].extend([failure] * times)

    def always_fail(self, status: int | None = 500) -> None:
        """Answer every request, chat and embeddings, with `status` until called with None."""
        self._always = status

    def count(
        self,
        purpose: str | None = None,
        schema_name: str | None = None,
        endpoint: str | None = None,
    ) -> int:
        """Requests received (retries included), optionally only those of a purpose, a schema
        (sent as response_format or in the prompt) or an endpoint ("chat", "embeddings")."""
        return sum(
            1
            for r in self.requests
            if purpose in (None, r.purpose)
            and schema_name in (None, r.schema_name)
            and endpoint in (None, r.endpoint)
        )

    def usage_reported(self, purpose: str | None = None) -> tuple[int, int, int]:
        """(answers that reported usage, their prompt tokens, their completion tokens),
        optionally of one purpose."""
        chosen = [r for r in self.reported if purpose in (None, r.purpose)]
        return (
            len(chosen),
            sum(r.prompt_tokens for r in chosen),
            sum(r.completion_tokens for r in chosen),
        )

    def _report(self, body: dict[str, Any], usage: dict[str, int], endpoint: str = "chat") -> None:
        received = next((r for r in reversed(self.requests) if r.body is body), None)
        purpose = received.purpose if received else None
        completion = usage.get("completion_tokens", 0)
        self.reported.append(Reported(purpose, endpoint, usage["prompt_tokens"], completion))

    async def _open(self, app: web.Application) -> None:
        self._closing = asyncio.Event()

    async def _close(self, app: web.Application) -> None:
        self._closing.set()

    # ------------------------------------------------------------------ errors, per server
    def _error(
        self,
        status: int,
        message: str,
        code: str | None = None,
        *,
        kind: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> web.Response:
        kind = kind or code or "invalid_request_error"
        body: dict[str, Any]
        if self.mode == "lmstudio":
            body = {"error": message}
        elif self.mode == "vllm":
            body = {"object": "error", "message": message, "type": kind, "param": param}
            body["code"] = status
        elif self.mode in ("llamacpp", "llamacpp-old"):
            body = {"error": {"code": status, "message": message, "type": kind, **(extra or {})}}
        elif self.mode == "ollama":
            body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        else:
            body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
        return web.json_response(
            body, status=status, headers={**self.error_headers, **(headers or {})}
        )

    def _auth(self, request: web.Request) -> str:
        header = request.headers.get("Authorization")
        if header is None:
            return "missing"
        return "ok" if header == f"Bearer {self.api_key}" else "wrong"

    def _rejected_key(self, request: web.Request, auth: str) -> web.Response | None:
        """OpenAI checks the key; the local servers, started without one, ignore it."""
        if auth == "ok" or self.mode != "openai":
            return None
        # Echoes the presented key in full (OpenAI masks it) so redaction gets tested.
        presented = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return self._error(401, f"Incorrect API key provided: {presented}.", "invalid_api_key")

    # ------------------------------------------------------------------ chat
    async def _chat(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return self._error(
                400, "We could not parse the JSON body of your request.", "invalid_json"
            )
        auth = self._auth(request)
        self.requests.append(Received(body, request.headers.get(PURPOSE_HEADER), auth))
        rejected = self._rejected_key(request, auth)
        if rejected:
            return rejected
        self._in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            return await self._respond(request, body)
        finally:
            self._in_flight -= 1

    async def _respond(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        if self.delay:
            await asyncio.sleep(self.delay)
        failure = self._next_failure("chat")
        if failure:
            return await self._misbehave(request, body, failure)
        refused = self._refusal(body)
        if refused:
            return refused
        overflow = await self._overflow(request, body)
        if overflow is not None:
            return overflow
        answer = self._answer(body)
        if isinstance(answer, web.Response):
            return answer
        return await self._reply(request, body, *answer)

    def _next_failure(self, endpoint: str) -> Failure | None:
        if self._failures[endpoint]:
            return self._failures[endpoint].popleft()
        return Failure(self._always) if self._always else None

    async def _misbehave(
        self, request: web.Request, body: dict[str, Any], failure: Failure
    ) -> web.StreamResponse:
        if failure.hang:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.hang_cap)
            return self._error(504, "The fake hung until shutdown.", "timeout")
        if failure.body is not None:
            return web.Response(
                body=failure.body.encode(),
                status=failure.status,
                content_type=failure.content_type,
                headers=failure.headers,
            )
        if failure.cut_stream:
            answer = self._answer(body)
            text = answer[0] if isinstance(answer, tuple) else "Part of an answer, then nothing"
            return await self._reply(request, body, text, cut=True)
        if failure.content is not None or failure.refusal is not None:
            return await self._reply(
                request, body, failure.content, failure.finish_reason, refusal=failure.refusal
            )
        return self._error(
            failure.status, "The fake failed on purpose.", "fake_failure", headers=failure.headers
        )

    def _refusal(self, body: dict[str, Any]) -> web.Response | None:
        """What this server rejects in the body; what it merely ignores is noted."""
        response_format = body.get("response_format") or {}
        kind = response_format.get("type")
        schema = response_format.get("json_schema") or {}
        if self.mode == "openai":
            return self._openai_refusal(body, kind, schema)
        if self.mode in ("ollama", "vllm", "llamacpp", "llamacpp-old"):
            self.ignored_fields.extend(sorted(set(body) - OPENAI_CHAT_FIELDS))
        if kind == "json_object" and self.mode == "lmstudio":
            return self._error(400, "'response_format.type' must be 'json_schema' or 'text'")
        if (kind == "json_schema" and self.mode == "llamacpp-old") or (
            kind and self.refuse_response_format
        ):
            return self._response_format_refusal(kind)
        if kind == "json_schema" and self.mode == "vllm" and not schema.get("name"):
            location = "('body', 'response_format', 'json_schema', 'name')"
            return self._error(
                400,
                f"[{{'type': 'missing', 'loc': {location}, 'msg': 'Field required'}}]",
                kind="BadRequestError",
            )
        return None

    def _openai_refusal(
        self, body: dict[str, Any], kind: str | None, schema: dict[str, Any]
    ) -> web.Response | None:
        unknown = sorted(set(body) - OPENAI_CHAT_FIELDS)
        if unknown:
            return self._error(400, f"Unrecognized request argument supplied: {unknown[0]}")
        if "max_tokens" in body:
            return self._error(
                400,
                "Unsupported parameter: 'max_tokens' is not supported with this model."
                " Use 'max_completion_tokens' instead.",
                "unsupported_parameter",
                kind="invalid_request_error",
                param="max_tokens",
            )
        if kind == "json_schema" and not schema.get("name"):
            name = "response_format.json_schema.name"
            return self._error(
                400,
                f"Missing required parameter: '{name}'.",
                "missing_required_parameter",
                kind="invalid_request_error",
                param=name,
            )
        if kind and self.refuse_response_format:
            return self._response_format_refusal(kind)
        return None

    def _response_format_refusal(self, kind: str) -> web.Response:
        if self.mode in ("llamacpp", "llamacpp-old"):
            status = 500 if self.mode == "llamacpp-old" else 400
            message = (
                f'response_format type must be one of "text" or "json_object", but got: {kind}'
            )
            return self._error(status, message, kind="server_error" if status == 500 else None)
        if self.mode == "lmstudio":
            return self._error(400, "'response_format.type' must be 'text'")
        return self._error(
            400,
            f"'response_format' of type '{kind}' is not supported with this model.",
            param="response_format",
        )

    def _limit(self, body: dict[str, Any]) -> int | None:
        """The output token limit this server reads from the body, if any."""
        for name in LIMIT_FIELDS[self.mode]:
            value = body.get(name)
            if isinstance(value, int) and value > 0:
                return value
        return None

    async def _overflow(
        self, request: web.Request, body: dict[str, Any]
    ) -> web.StreamResponse | None:
        """How this server meets a prompt longer than its window: an error, LM Studio's 200
        with an empty answer, or None when it fits (or when Ollama cut it to fit)."""
        window = self.context_window
        if window is None:
            return None
        prompt = _prompt_tokens(body)
        answer = self._limit(body) or 0
        if self.mode in ("openai", "vllm") and prompt + answer > window:
            message = (
                f"This model's maximum context length is {window} tokens. However, you requested"
                f" {prompt + answer} tokens ({prompt} in the messages, {answer} in the"
                " completion). Please reduce the length of the messages or completion."
            )
            if self.mode == "vllm":
                return self._error(400, message, kind="BadRequestError")
            return self._error(400, message, "context_length_exceeded", param="messages")
        if prompt < window:
            return None
        if self.mode == "ollama":
            self._cut_middle(body, prompt, window)
            return None
        if self.mode == "llamacpp":
            return self._error(
                400,
                f"request ({prompt} tokens) exceeds the available context size ({window} tokens),"
                " try increasing it",
                kind="exceed_context_size_error",
                extra={"n_prompt_tokens": prompt, "n_ctx": window},
            )
        if self.mode == "llamacpp-old":
            return self._error(500, "Context size has been exceeded.", kind="server_error")
        return await self._reply(request, body, "")

    def _cut_middle(self, body: dict[str, Any], prompt: int, window: int) -> None:
        """Ollama's context shift: keep the first tokens and the tail, say nothing."""
        self.truncations.append((prompt, window))
        text = "\n".join(str(m.get("content") or "") for m in body.get("messages", []))
        head = clip_tokens(text, OLLAMA_KEEP_TOKENS)
        tail = clip_tokens(text[::-1], window // 2)[::-1]
        body["messages"] = [{"role": "user", "content": head + tail}]

    def _answer(self, body: dict[str, Any]) -> tuple[str, str] | web.Response:
        """The answer text and its finish reason, bounded as this server bounds output."""
        response_format = body.get("response_format") or {}
        asked_json = response_format.get("type") in ("json_schema", "json_object")
        name = (response_format.get("json_schema") or {}).get("name") or _prompted_schema(body)
        if name is None and not asked_json:
            return self._bounded(body, self.text_responder(body), run_on=True)
        if name not in self.json_responders:
            return self._error(400, f"The fake has no answer for schema {name}.", "unknown_schema")
        text = json.dumps(self.json_responders[name](body), ensure_ascii=False)
        return self._bounded(body, _wrapped(text, self.wrap_json), run_on=False)

    def _bounded(self, body: dict[str, Any], text: str, *, run_on: bool) -> tuple[str, str]:
        if not self.cut_at_limit:
            return text, "stop"
        limit = self._limit(body)
        if limit is None:
            if run_on and self.mode != "openai":
                return _run_on(text), "length"
            return text, "stop"
        clipped = clip_tokens(text, limit)
        return clipped, "length" if clipped != text else "stop"

    async def _reply(
        self,
        request: web.Request,
        body: dict[str, Any],
        content: str | None,
        finish_reason: str = "stop",
        *,
        refusal: str | None = None,
        cut: bool = False,
    ) -> web.StreamResponse:
        if body.get("stream"):
            return await self._stream(request, body, content or "", finish_reason, refusal, cut)
        return self._completion(body, content, refusal, finish_reason)

    def _usage(self, body: dict[str, Any], content: str) -> dict[str, int] | None:
        if not self.report_usage:
            return None
        prompt, completion = _prompt_tokens(body) + 1, estimate_tokens(content) + 1
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _completion(
        self,
        body: dict[str, Any],
        content: str | None,
        refusal: str | None = None,
        finish_reason: str = "stop",
    ) -> web.Response:
        message = {"role": "assistant", "content": content, "refusal": refusal}
        data: dict[str, Any] = {
            "id": f"chatcmpl-fake{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", DEFAULT_MODEL),
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
            ],
        }
        usage = self._usage(body, content or refusal or "")
        if usage:
            data["usage"] = usage
            self._report(body, usage)
        return web.json_response(data)

    async def _stream(
        self,
        request: web.Request,
        body: dict[str, Any],
        content: str,
        finish_reason: str,
        refusal: str | None,
        cut: bool,
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        base = {
            "id": f"chatcmpl-fake{next(self._ids)}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model", DEFAULT_MODEL),
        }
        usage = self._usage(body, content or refusal or "")
        asked_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        pieces = _pieces(content)
        # llama.cpp before 2025 sent usage (asked or not) in its last content chunk.
        usage_in_last = self.mode == "llamacpp-old" and bool(pieces)

        async def send(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> None:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            chunk = {**base, "choices": [choice], **extra}
            await response.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())

        with contextlib.suppress(ConnectionError):
            await send({"role": "assistant", "content": ""})
            if refusal:
                await send({"refusal": refusal})
            for index, piece in enumerate(pieces):
                if self.token_delay:
                    await asyncio.sleep(self.token_delay * estimate_tokens(piece))
                if index == 0 and self.on_first_token is not None:
                    self.on_first_token(body)
                if usage_in_last and index == len(pieces) - 1:
                    await send(
                        {"content": piece}, finish_reason, **({"usage": usage} if usage else {})
                    )
                    if usage:
                        self._report(body, usage)
                else:
                    await send({"content": piece})
                if cut and request.transport is not None:
                    request.transport.abort()
                    return response
            if not usage_in_last:
                await send({}, finish_reason)
                if asked_usage and usage:
                    chunk = {**base, "choices": [], "usage": usage}
                    await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self._report(body, usage)
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
        return response

    # ------------------------------------------------------------------ embeddings
    async def _embeddings(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return self._error(
                400, "We could not parse the JSON body of your request.", "invalid_json"
            )
        auth = self._auth(request)
        self.requests.append(
            Received(body, request.headers.get(PURPOSE_HEADER), auth, endpoint="embeddings")
        )
        rejected = self._rejected_key(request, auth)
        if rejected:
            return rejected
        if self.embedding_delay:
            await asyncio.sleep(self.embedding_delay)
        failure = self._next_failure("embeddings")
        if failure:
            return await self._misbehave(request, body, failure)
        inputs = body.get("input")
        inputs = [inputs] if isinstance(inputs, str) else inputs
        if not isinstance(inputs, list) or not all(isinstance(t, str) for t in inputs):
            return self._error(400, "'input' must be a string or a list of strings", param="input")
        refused = self._embeddings_refusal(body)
        if refused:
            return refused
        model = str(body.get("model") or DEFAULT_EMBEDDING_MODEL)
        vectors = self.embedder(inputs)
        as_base64 = body.get("encoding_format") == "base64"
        data = [
            {"object": "embedding", "index": i, "embedding": _encoded(v) if as_base64 else v}
            for i, v in enumerate(vectors)
        ]
        tokens = sum(map(estimate_tokens, inputs))
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        self._report(body, usage, "embeddings")
        return web.json_response({"object": "list", "data": data, "model": model, "usage": usage})

    def _embeddings_refusal(self, body: dict[str, Any]) -> web.Response | None:
        model = str(body.get("model") or "")
        if self.mode == "openai":
            unknown = sorted(set(body) - OPENAI_EMBEDDING_FIELDS)
            if unknown:
                return self._error(400, f"Unrecognized request argument supplied: {unknown[0]}")
        if self.mode == "ollama" and "embed" not in model.lower():
            # Ollama starts a chat model's runner without --embeddings and passes on its 501.
            return self._error(501, NO_EMBEDDINGS, kind="api_error")
        if self.embeddings:
            return None
        if self.mode in ("llamacpp", "llamacpp-old"):
            return self._error(501, NO_EMBEDDINGS, kind="not_supported_error")
        if self.mode == "vllm":
            return web.json_response({"detail": "Not Found"}, status=404)
        message = f"The model `{model}` does not exist or you do not have access to it."
        return self._error(404, message, "model_not_found")

    async def _models(self, request: web.Request) -> web.Response:
        if self.mode == "openai" and self._auth(request) != "ok":
            return self._error(401, "Incorrect API key provided.", "invalid_api_key")
        owner = OWNERS[self.mode]
        data = [{"id": m, "object": "model", "created": 0, "owned_by": owner} for m in self.models]
        if self.mode == "vllm" and self.context_window:
            for model in data:
                model["max_model_len"] = self.context_window
        return web.json_response({"object": "list", "data": data})


def _encoded(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
