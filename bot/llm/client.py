"""One OpenAI-compatible chat client: JSON via Structured Outputs, plain text, token usage."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion

from bot.config import Settings

MAX_RETRIES = 2
# Lets logs, and the fake server in tests, tell which feature spent the tokens.
PURPOSE_HEADER = "X-Yomikai-Purpose"
_DETAIL_CHARS = 200


@dataclass(frozen=True)
class Usage:
    purpose: str
    model: str
    prompt_tokens: int
    completion_tokens: int


class LLMError(Exception):
    """An LLM call gave no usable answer; the message fits a log line and never holds the key."""


class LLM:
    """Chat completions for one model, at most `concurrency` requests in flight."""

    def __init__(
        self, client: AsyncOpenAI, *, model: str, timeout: float, concurrency: int, secret: str
    ) -> None:
        self._client = client
        self.model = model
        self._timeout = timeout
        self._slots = asyncio.Semaphore(concurrency)
        self._secret = secret

    @classmethod
    def from_settings(cls, settings: Settings) -> LLM | None:
        """The configured client, or None when OPENAI_API_KEY is unset."""
        if not settings.openai_api_key:
            return None
        client = AsyncOpenAI(
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout,
            max_retries=MAX_RETRIES,
        )
        return cls(
            client,
            model=settings.llm_model,
            timeout=settings.llm_timeout,
            concurrency=settings.llm_concurrency,
            secret=settings.openai_api_key,
        )

    async def complete_json(
        self, *, purpose: str, messages: list[dict[str, Any]], schema_name: str, schema: dict
    ) -> tuple[dict[str, Any], Usage]:
        """A JSON object that the model was constrained to `schema` (strict) to produce."""
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": schema_name, "strict": True, "schema": schema},
        }
        response = await self._create(purpose, messages=messages, response_format=response_format)
        text = self._content(purpose, response)
        if response.choices[0].finish_reason == "length":
            raise LLMError(f"{purpose}: the LLM's JSON was cut off at the output token limit")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LLMError(f"{purpose}: the LLM answered invalid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise LLMError(f"{purpose}: the LLM answered JSON that is not an object")
        return data, self._usage(purpose, response)

    async def complete_text(
        self, *, purpose: str, messages: list[dict[str, Any]], max_tokens: int
    ) -> tuple[str, Usage]:
        """Free text of at most `max_tokens` output tokens."""
        response = await self._create(purpose, messages=messages, max_completion_tokens=max_tokens)
        return self._content(purpose, response), self._usage(purpose, response)

    async def aclose(self) -> None:
        await self._client.close()

    async def _create(self, purpose: str, **params: Any) -> ChatCompletion:
        try:
            async with self._slots:
                return await self._client.chat.completions.create(
                    model=self.model, extra_headers={PURPOSE_HEADER: purpose}, **params
                )
        except openai.APIStatusError as exc:
            raise LLMError(self._status_problem(purpose, exc)) from None
        except openai.APITimeoutError:
            tries = MAX_RETRIES + 1
            raise LLMError(
                f"{purpose}: no answer from the LLM API within {self._timeout:g} s ({tries} tries)"
            ) from None
        except openai.APIConnectionError:
            raise LLMError(f"{purpose}: cannot reach the LLM API") from None
        except openai.APIError as exc:
            detail = self._redact(exc.message)[:_DETAIL_CHARS]
            raise LLMError(f"{purpose}: LLM API error: {detail}") from None

    def _status_problem(self, purpose: str, exc: openai.APIStatusError) -> str:
        problem = f"{purpose}: LLM API answered HTTP {exc.status_code}"
        body = exc.body if isinstance(exc.body, dict) else {}
        if body.get("code"):
            problem += f" ({body['code']})"
        if isinstance(body.get("message"), str):
            problem += f": {self._redact(body['message'])[:_DETAIL_CHARS]}"
        return self._redact(problem)

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "[redacted]")

    def _content(self, purpose: str, response: ChatCompletion) -> str:
        if not response.choices:
            raise LLMError(f"{purpose}: the LLM answered no choices")
        message = response.choices[0].message
        if message.refusal:
            raise LLMError(f"{purpose}: the model refused: {message.refusal[:_DETAIL_CHARS]}")
        if not message.content or not message.content.strip():
            raise LLMError(f"{purpose}: the LLM answered empty content")
        return message.content

    def _usage(self, purpose: str, response: ChatCompletion) -> Usage:
        usage = response.usage
        return Usage(
            purpose=purpose,
            model=response.model or self.model,
            prompt_tokens=(usage.prompt_tokens or 0) if usage else 0,
            completion_tokens=(usage.completion_tokens or 0) if usage else 0,
        )
