"""One client for any OpenAI-compatible server: JSON that yomikai validates itself, plain and
streamed text, embeddings, token usage.

It fits the server rather than trusting it: the output limit goes in `max_completion_tokens` and,
except to OpenAI, in `max_tokens` too (Ollama and older llama.cpp read only that one); a server
that refuses Structured Outputs gets the schema in the prompt; a field the server rejects is
dropped; a server without embeddings is asked once. What a server refused is remembered for the
life of the client. Answers are read from the raw body, so a body that is not JSON, an empty
completion or a broken stream is an LLMError, never a traceback from the openai client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import openai
from openai import AsyncOpenAI

from bot.config import Settings
from bot.llm.schema import read_object, schema_instruction
from bot.llm.servers import ErrorBody, detect_server, read_error
from bot.llm.stream import DONE, Chunk, content_text, read_chunk, sse_data
from bot.llm.tokens import estimate_tokens

log = logging.getLogger(__name__)

MAX_RETRIES = 2
# Lets logs, and the fake server in tests, tell which feature spent the tokens.
PURPOSE_HEADER = "X-Yomikai-Purpose"
JSON_MAX_TOKENS = 4096
# With a context window set, a JSON answer gets what the prompt leaves of it, down to this.
JSON_MIN_TOKENS = 1024
EMBED_BATCH = 64
EMBEDDINGS_OFF = "off"
# Tokens a chat message costs beside its text: role and separators of the chat template.
MESSAGE_OVERHEAD = 4
# stream_text stops reading at this multiple of max_tokens: the estimate over-counts, so a server
# that honours the limit ends first, while one that ignores it is cut short.
STREAM_OVERRUN = 1.5
REPAIR_PROMPT = (
    "That answer cannot be used: {problem}. Answer again with the corrected JSON object only."
)
_DETAIL_CHARS = 200
_GLIMPSE_CHARS = 60
_TOKEN_FIELDS = ("max_tokens", "max_completion_tokens")
_OPTIONAL_FIELDS = (*_TOKEN_FIELDS, "stream_options")

T = TypeVar("T")
Messages = list[dict[str, Any]]


@dataclass(frozen=True)
class Usage:
    purpose: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    # Each request's (prompt, completion) tokens when this sums several (a JSON repair round
    # trip, embedding batches): each is one llm_usage row. Empty for a single request.
    requests: tuple[tuple[int, int], ...] = field(default=(), compare=False)

    def each(self) -> tuple[tuple[int, int], ...]:
        """(prompt, completion) tokens of every request this counts."""
        return self.requests or ((self.prompt_tokens, self.completion_tokens),)

    def plus(self, other: Usage) -> Usage:
        return replace(
            self,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            requests=self.each() + other.each(),
        )


class LLMError(Exception):
    """An LLM call gave no usable answer; the message fits a log line and never holds the key."""


class _StatusError(LLMError):
    """The server answered an HTTP error; `error` says what it meant."""

    def __init__(self, message: str, error: ErrorBody) -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True)
class _Completion:
    text: str
    finish_reason: str | None
    usage: Usage


class LLM:
    """Chat completions and embeddings for one server, at most `concurrency` requests in flight."""

    def __init__(
        self,
        client: AsyncOpenAI,
        *,
        model: str,
        timeout: float,
        concurrency: int,
        secret: str,
        server: str = "openai",
        embedding_model: str | None = None,
        context_tokens: int | None = None,
        tries: int = MAX_RETRIES + 1,
    ) -> None:
        self._client = client
        self.model = model
        self.server = server
        self.embedding_model = embedding_model
        # The prompt plus the answer must fit in it; None when the window is not configured.
        self.context_tokens = context_tokens
        # Repair round trips made for JSON that did not parse or follow its schema.
        self.repairs = 0
        self._timeout = timeout
        self._tries = tries
        self._slots = asyncio.Semaphore(concurrency)
        self._secret = secret
        self._schema_in_prompt = False
        self._dropped: set[str] = set()
        self._embeddings_refusal: str | None = None
        # Until an embeddings request succeeds, none is retried: a server without embeddings
        # answers 501 or 404, which the openai client would retry like any 5xx.
        self._embeddings_seen = False

    @classmethod
    def from_settings(
        cls, settings: Settings, *, timeout: float | None = None, max_retries: int = MAX_RETRIES
    ) -> LLM | None:
        """The configured client, or None when OPENAI_API_KEY is unset."""
        if not settings.openai_api_key:
            return None
        timeout = settings.llm_timeout if timeout is None else timeout
        client = AsyncOpenAI(
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            timeout=timeout,
            max_retries=max_retries,
        )
        embedding = settings.embedding_model
        return cls(
            client,
            model=settings.llm_model,
            timeout=timeout,
            concurrency=settings.llm_concurrency,
            secret=settings.openai_api_key,
            server=detect_server(settings.llm_server, settings.openai_base_url),
            embedding_model=None if embedding.lower() == EMBEDDINGS_OFF else embedding,
            context_tokens=settings.llm_context_tokens,
            tries=max_retries + 1,
        )

    # ------------------------------------------------------------------ what the server allows
    @property
    def embeddings_enabled(self) -> bool:
        return self.embedding_model is not None and self._embeddings_refusal is None

    @property
    def embeddings_refusal(self) -> str | None:
        """Why the server's embeddings were turned off, once it refused them."""
        return self._embeddings_refusal

    @property
    def schema_in_prompt(self) -> bool:
        """True once the server refused Structured Outputs: schemas then go in the prompt."""
        return self._schema_in_prompt

    @property
    def token_fields(self) -> tuple[str, ...]:
        """The request fields that carry the output token limit to this server."""
        fields = ("max_completion_tokens",) if self.server == "openai" else _TOKEN_FIELDS
        return tuple(field for field in fields if field not in self._dropped)

    def prompt_tokens(self, messages: Messages) -> int:
        """A conservative estimate of what `messages` cost as a prompt (bot.llm.tokens)."""
        return sum(
            estimate_tokens(content_text(m.get("content"))) + MESSAGE_OVERHEAD for m in messages
        )

    # ------------------------------------------------------------------ chat
    async def complete_json(
        self,
        *,
        purpose: str,
        messages: Messages,
        schema_name: str,
        schema: dict[str, Any],
        max_tokens: int = JSON_MAX_TOKENS,
    ) -> tuple[dict[str, Any], Usage]:
        """A JSON object that follows `schema`, as checked here whatever the server enforced.
        An answer that does not parse or follow the schema gets one repair round trip (the answer
        and the problem sent back), then LLMError. Within a context window, the answer may
        have less than `max_tokens`: what the prompt leaves, if at least JSON_MIN_TOKENS."""
        text, usage = await self._json_answer(purpose, messages, schema_name, schema, max_tokens)
        data, problem = read_object(text, schema)
        if data is not None:
            return data, usage
        self.repairs += 1
        log.info("%s: asking the LLM to repair its JSON: %s", purpose, problem)
        repair = [
            *messages,
            {"role": "assistant", "content": text},
            {"role": "user", "content": REPAIR_PROMPT.format(problem=problem)},
        ]
        text, more = await self._json_answer(purpose, repair, schema_name, schema, max_tokens)
        data, problem = read_object(text, schema)
        if data is None:
            raise LLMError(self._redact(f"{purpose}: {problem}, again after a repair request"))
        return data, usage.plus(more)

    async def complete_text(
        self, *, purpose: str, messages: Messages, max_tokens: int
    ) -> tuple[str, Usage]:
        """Free text of at most `max_tokens` output tokens."""
        completion = await self._chat(purpose, messages, max_tokens)
        return completion.text, completion.usage

    def stream_text(self, *, purpose: str, messages: Messages, max_tokens: int) -> TextStream:
        """Free text as it is written: `async with llm.stream_text(...) as stream:` then
        `async for delta in stream`; `stream.usage` once the text is complete."""
        return TextStream(self, purpose, messages, max_tokens)

    # ------------------------------------------------------------------ embeddings
    async def embed(
        self, texts: Sequence[str], *, purpose: str = "embeddings"
    ) -> tuple[list[list[float]], Usage]:
        """One vector per text, from `embedding_model`, EMBED_BATCH texts per request."""
        if self.embedding_model is None or self._embeddings_refusal is not None:
            reason = self._embeddings_refusal or "YOMIKAI_EMBEDDING_MODEL is off"
            raise LLMError(f"{purpose}: embeddings are off: {reason}")
        vectors: list[list[float]] = []
        usage: Usage | None = None
        for start in range(0, len(texts), EMBED_BATCH):
            batch = list(texts[start : start + EMBED_BATCH])
            body = await self._embed_batch(purpose, self.embedding_model, batch)
            got, batch_usage = self._embeddings(purpose, body, batch)
            vectors.extend(got)
            usage = batch_usage if usage is None else usage.plus(batch_usage)
        return vectors, usage or Usage(purpose, self.embedding_model, 0, 0)

    async def aclose(self) -> None:
        await self._client.close()

    # ------------------------------------------------------------------ JSON
    async def _json_answer(
        self, purpose: str, messages: Messages, name: str, schema: dict[str, Any], max_tokens: int
    ) -> tuple[str, Usage]:
        while True:
            in_prompt = self._schema_in_prompt
            sent = _with_schema(messages, name, schema) if in_prompt else messages
            limit = self._room(sent, max_tokens, JSON_MIN_TOKENS)
            response_format = None
            if not in_prompt:
                json_schema = {"name": name, "strict": True, "schema": schema}
                response_format = {"type": "json_schema", "json_schema": json_schema}
            try:
                completion = await self._chat(purpose, sent, limit, response_format)
            except _StatusError as exc:
                if in_prompt or not exc.error.refuses_response_format:
                    raise
                self._refuse_response_format(exc.error)
                continue
            if completion.finish_reason == "length":
                raise LLMError(f"{purpose}: the LLM's JSON was cut off at the output token limit")
            return completion.text, completion.usage

    def _refuse_response_format(self, error: ErrorBody) -> None:
        if not self._schema_in_prompt:
            self._schema_in_prompt = True
            log.warning(
                "the LLM server refuses Structured Outputs (HTTP %s: %s): yomikai puts the schema"
                " in the prompt from now on",
                error.status,
                self._redact(error.message),
            )

    # ------------------------------------------------------------------ requests
    async def _chat(
        self,
        purpose: str,
        messages: Messages,
        max_tokens: int,
        response_format: dict[str, Any] | None = None,
    ) -> _Completion:
        self._check_context(purpose, messages, max_tokens)

        async def send(params: dict[str, Any]) -> bytes:
            async with self._slots:
                raw = await self._call(
                    purpose,
                    self._client.chat.completions.with_raw_response.create(
                        extra_headers={PURPOSE_HEADER: purpose}, **params
                    ),
                )
            return raw.content

        content = await self._adapting(
            lambda: self._chat_params(messages, max_tokens, response_format), send
        )
        return self._completion(purpose, messages, self._json_body(purpose, content))

    @contextlib.asynccontextmanager
    async def _chat_stream(
        self, purpose: str, messages: Messages, max_tokens: int
    ) -> AsyncIterator[AsyncIterator[str]]:
        """The lines of a streamed answer, the request's slot held until they are read."""
        self._check_context(purpose, messages, max_tokens)
        async with self._slots, contextlib.AsyncExitStack() as stack:

            async def send(params: dict[str, Any]) -> Any:
                manager = self._client.chat.completions.with_streaming_response.create(
                    extra_headers={PURPOSE_HEADER: purpose}, **params
                )
                return await self._call(purpose, stack.enter_async_context(manager))

            response = await self._adapting(
                lambda: self._chat_params(messages, max_tokens, stream=True), send
            )
            yield response.iter_lines()

    async def _embed_batch(self, purpose: str, model: str, batch: list[str]) -> dict[str, Any]:
        client = self._client if self._embeddings_seen else self._client.with_options(max_retries=0)
        try:
            async with self._slots:
                raw = await self._call(
                    purpose,
                    client.embeddings.with_raw_response.create(
                        model=model,
                        input=batch,
                        encoding_format="float",
                        extra_headers={PURPOSE_HEADER: purpose},
                    ),
                )
        except _StatusError as exc:
            if exc.error.refuses_embeddings:
                self._refuse_embeddings(exc.error)
            raise
        self._embeddings_seen = True
        return self._json_body(purpose, raw.content)

    def _refuse_embeddings(self, error: ErrorBody) -> None:
        if self._embeddings_refusal is None:
            detail = f": {self._redact(error.message)}" if error.message else ""
            self._embeddings_refusal = f"the server answered HTTP {error.status}{detail}"
            log.warning(
                "embeddings off for the life of this process (model %s): %s",
                self.embedding_model,
                self._embeddings_refusal,
            )

    def _chat_params(
        self,
        messages: Messages,
        max_tokens: int,
        response_format: dict[str, Any] | None = None,
        *,
        stream: bool = False,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.model, "messages": messages}
        params.update(dict.fromkeys(self.token_fields, max_tokens))
        if response_format is not None:
            params["response_format"] = response_format
        if stream:
            params["stream"] = True
            if "stream_options" not in self._dropped:
                params["stream_options"] = {"include_usage": True}
        return params

    async def _adapting(
        self, build: Callable[[], dict[str, Any]], send: Callable[[dict[str, Any]], Awaitable[T]]
    ) -> T:
        """`send(build())`, sent again without each optional field the server rejects."""
        while True:
            params = build()
            try:
                return await send(params)
            except _StatusError as exc:
                sent = tuple(field for field in _OPTIONAL_FIELDS if field in params)
                field = exc.error.refused_field(sent)
                # Never without an output limit: the last limit field stays, refused or not.
                if field is None or (field in _TOKEN_FIELDS and len(self.token_fields) < 2):
                    raise
                self._dropped.add(field)
                log.warning(
                    "the LLM server rejects %s (%s): yomikai stops sending it",
                    field,
                    self._redact(exc.error.message),
                )

    async def _call(self, purpose: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except openai.APIStatusError as exc:
            raise self._status_error(purpose, exc) from None
        except openai.APITimeoutError:
            raise LLMError(
                f"{purpose}: no answer from the LLM API within {self._timeout:g} s"
                f" ({self._tries} tries)"
            ) from None
        except openai.APIConnectionError:
            raise LLMError(f"{purpose}: cannot reach the LLM API") from None
        except openai.APIError as exc:
            detail = self._redact(exc.message)[:_DETAIL_CHARS]
            raise LLMError(f"{purpose}: LLM API error: {detail}") from None

    def _room(self, messages: Messages, wanted: int, least: int) -> int:
        """`wanted` output tokens, or what the context window leaves of them if that is at
        least `least` (else `wanted`, which _check_context refuses)."""
        if self.context_tokens is None:
            return wanted
        room = self.context_tokens - self.prompt_tokens(messages)
        return min(wanted, room) if room >= min(least, wanted) else wanted

    def _check_context(self, purpose: str, messages: Messages, max_tokens: int) -> None:
        if self.context_tokens is None:
            return
        prompt = self.prompt_tokens(messages)
        if prompt + max_tokens > self.context_tokens:
            raise LLMError(
                f"{purpose}: prompt too long for the context window, not sent: about {prompt}"
                f" tokens + {max_tokens} for the answer > {self.context_tokens}"
                " (YOMIKAI_LLM_CONTEXT_TOKENS)"
            )

    # ------------------------------------------------------------------ reading answers
    def _status_error(self, purpose: str, exc: openai.APIStatusError) -> _StatusError:
        error = read_error(exc.status_code, exc.body)
        error = replace(error, message=self._redact(error.message))
        if error.is_context_overflow:
            problem = (
                f"{purpose}: the prompt is too long for the LLM's context window"
                f" (HTTP {error.status}: {error.message}); set YOMIKAI_LLM_CONTEXT_TOKENS to the"
                " server's window so yomikai trims prompts before sending"
            )
        else:
            problem = f"{purpose}: LLM API answered HTTP {error.status}"
            if error.label:
                problem += f" ({error.label})"
            if error.message:
                problem += f": {error.message}"
        return _StatusError(self._redact(problem), error)

    def _json_body(self, purpose: str, content: bytes) -> dict[str, Any]:
        try:
            body = json.loads(content)
        except ValueError:
            raise LLMError(
                f"{purpose}: the LLM API answered a body that is not valid JSON"
                f" (cut off, or not JSON: {self._glimpse(content)})"
            ) from None
        if not isinstance(body, dict):
            raise LLMError(f"{purpose}: the LLM API answered JSON that is not an object")
        if body.get("error") and not (body.get("choices") or body.get("data")):
            message = read_error(200, body).message or "no message"
            raise LLMError(self._redact(f"{purpose}: the LLM API answered an error: {message}"))
        return body

    def _completion(self, purpose: str, messages: Messages, body: dict[str, Any]) -> _Completion:
        choices = body.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise LLMError(f"{purpose}: the LLM answered no choices")
        choice = choices[0]
        message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
        refusal = message.get("refusal")
        if isinstance(refusal, str) and refusal:
            raise LLMError(self._redact(f"{purpose}: the model refused: {refusal}")[:_DETAIL_CHARS])
        text = content_text(message.get("content"))
        finish = choice.get("finish_reason")
        if not text.strip():
            raise LLMError(_empty_problem(purpose, "content", finish))
        usage = self._usage(purpose, body.get("model"), body.get("usage"), messages, text)
        return _Completion(text, finish if isinstance(finish, str) else None, usage)

    def _usage(
        self, purpose: str, model: object, usage: object, messages: Messages, text: str
    ) -> Usage:
        """The server's count, or the estimate of what it left out."""
        counts = usage if isinstance(usage, dict) else {}
        prompt, completion = counts.get("prompt_tokens"), counts.get("completion_tokens")
        return Usage(
            purpose=purpose,
            model=model if isinstance(model, str) and model else self.model,
            prompt_tokens=prompt if _is_count(prompt) else self.prompt_tokens(messages),
            completion_tokens=completion if _is_count(completion) else estimate_tokens(text),
        )

    def _embeddings(
        self, purpose: str, body: dict[str, Any], batch: list[str]
    ) -> tuple[list[list[float]], Usage]:
        data = body.get("data")
        if not isinstance(data, list) or len(data) != len(batch):
            count = len(data) if isinstance(data, list) else "no"
            raise LLMError(f"{purpose}: the LLM API answered {count} embeddings for {len(batch)}")
        vectors = _vectors(sorted(data, key=lambda item: _index(item, data)))
        if vectors is None:
            raise LLMError(f"{purpose}: the LLM API answered embeddings that are not vectors")
        counts = body.get("usage") if isinstance(body.get("usage"), dict) else {}
        prompt = counts.get("prompt_tokens")
        model = body.get("model")
        usage = Usage(
            purpose=purpose,
            model=model if isinstance(model, str) and model else str(self.embedding_model),
            prompt_tokens=prompt if _is_count(prompt) else sum(map(estimate_tokens, batch)),
            completion_tokens=0,
        )
        return vectors, usage

    def _glimpse(self, content: bytes) -> str:
        text = " ".join(content.decode("utf-8", "replace").split())
        return repr(self._redact(text[:_GLIMPSE_CHARS]) or "an empty body")

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "[redacted]")


class TextStream:
    """A streamed answer: an async iterator of text deltas, closed by `async with` or `aclose()`.
    `usage` is set once the text is complete (estimated when the server sends none), `text`
    holds what arrived, `cut` tells that yomikai stopped reading past the token limit."""

    def __init__(self, llm: LLM, purpose: str, messages: Messages, max_tokens: int) -> None:
        self.usage: Usage | None = None
        self.text = ""
        self.finish_reason: str | None = None
        self.cut = False
        self._llm = llm
        self._purpose = purpose
        self._messages = messages
        self._max_tokens = max_tokens
        self._deltas: AsyncGenerator[str, None] = self._read()

    def __aiter__(self) -> TextStream:
        return self

    async def __anext__(self) -> str:
        return await self._deltas.__anext__()

    async def __aenter__(self) -> TextStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._deltas.aclose()

    async def _read(self) -> AsyncGenerator[str, None]:
        llm, purpose = self._llm, self._purpose
        limit = math.ceil(self._max_tokens * STREAM_OVERRUN)
        tokens = 0
        usage: dict[str, Any] | None = None
        model: str | None = None
        stray: list[str] = []
        try:
            async with llm._chat_stream(purpose, self._messages, self._max_tokens) as lines:
                async for data in sse_data(lines, stray):
                    if data.strip() == DONE:
                        break
                    chunk = self._chunk(data)
                    usage, model = chunk.usage or usage, chunk.model or model
                    self.finish_reason = chunk.finish_reason or self.finish_reason
                    if chunk.text:
                        self.text += chunk.text
                        tokens += estimate_tokens(chunk.text)
                        yield chunk.text
                    if tokens >= limit:
                        self.cut = True
                        break
        except LLMError:
            raise
        except Exception as exc:  # the HTTP layer's own errors, once the body is streaming
            raise LLMError(
                f"{purpose}: the LLM's stream broke off ({type(exc).__name__})"
            ) from None
        if not self.text.strip() and stray:
            self.text = self._stray_answer(stray)
            yield self.text
        if not self.text.strip():
            raise LLMError(_empty_problem(purpose, "stream", self.finish_reason))
        self.usage = llm._usage(
            purpose, model, None if self.cut else usage, self._messages, self.text
        )

    def _chunk(self, data: str) -> Chunk:
        purpose = self._purpose
        try:
            chunk = read_chunk(data)
        except ValueError:
            glimpse = self._llm._glimpse(data.encode())
            raise LLMError(
                f"{purpose}: the LLM's stream held a chunk that is not JSON: {glimpse}"
            ) from None
        if chunk.error is not None:
            error = read_error(200, {"error": chunk.error})
            if error.is_context_overflow:
                raise LLMError(f"{purpose}: the prompt is too long for the LLM's context window")
            raise LLMError(
                self._llm._redact(f"{purpose}: the LLM's stream broke off: {error.message}")
            )
        if chunk.refusal:
            raise LLMError(self._llm._redact(f"{purpose}: the model refused: {chunk.refusal}"))
        return chunk

    def _stray_answer(self, stray: list[str]) -> str:
        """The text of a body that was no stream: a plain completion, else an LLMError."""
        llm, purpose = self._llm, self._purpose
        body = llm._json_body(purpose, "\n".join(stray).encode())
        return llm._completion(purpose, self._messages, body).text


def _with_schema(messages: Messages, name: str, schema: dict[str, Any]) -> Messages:
    """`messages` with the schema in their system prompt: one system message, since some chat
    templates refuse a second."""
    instruction = schema_instruction(name, schema)
    first = messages[0] if messages else {}
    if first.get("role") == "system" and isinstance(first.get("content"), str):
        return [{**first, "content": f"{first['content']}\n\n{instruction}"}, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]


def _empty_problem(purpose: str, what: str, finish_reason: str | None) -> str:
    if finish_reason == "length":
        return (
            f"{purpose}: the LLM answered empty {what}: the output token limit came before any"
            " text (a reasoning model may spend it thinking)"
        )
    return (
        f"{purpose}: the LLM answered empty {what} (some servers, LM Studio among them, answer"
        " so when the prompt exceeds the model's context window)"
    )


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _vectors(items: list[Any]) -> list[list[float]] | None:
    """The `embedding` of each item, all of one dimension, or None when one is no vector."""
    vectors: list[list[float]] = []
    for item in items:
        vector = item.get("embedding") if isinstance(item, dict) else None
        if not isinstance(vector, list) or not vector or not all(map(_is_number, vector)):
            return None
        vectors.append([float(x) for x in vector])
    return vectors if len({len(v) for v in vectors}) <= 1 else None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _index(item: object, data: list[Any]) -> int:
    index = item.get("index") if isinstance(item, dict) else None
    return index if _is_count(index) else data.index(item)
