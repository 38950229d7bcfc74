"""An OpenAI-compatible chat completions server with deterministic answers and failure knobs."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.llm.client import PURPOSE_HEADER
from bot.papers.summaries import HOOK_CHARS, PAPER_CLOSE, PAPER_OPEN, SCHEMA_NAME

DEFAULT_KEY = "test-key"
DEFAULT_MODEL = "gpt-4o-mini"

TextResponder = Callable[[dict[str, Any]], str]
JsonResponder = Callable[[dict[str, Any]], dict[str, Any]]

_PAPER = re.compile(re.escape(PAPER_OPEN) + r"\s*(.*?)\s*" + re.escape(PAPER_CLOSE), re.S)
_LANGUAGE = re.compile(r"\((ja|en)\)")
_TRIM = ".,;:()[]{}\"'"


@dataclass(frozen=True)
class Failure:
    """How the fake misbehaves for one request: an error status, a hang, or odd content."""

    status: int = 500
    headers: Mapping[str, str] = field(default_factory=dict)
    hang: bool = False
    content: str | None = None
    refusal: str | None = None
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Received:
    """One chat request as the fake saw it; `auth` is "ok", "wrong" or "missing", never a key."""

    body: dict[str, Any]
    purpose: str | None
    auth: str

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def schema_name(self) -> str | None:
        response_format = self.body.get("response_format") or {}
        return (response_format.get("json_schema") or {}).get("name")

    def content(self, role: str) -> str:
        """The text of the first message with `role`, "" when there is none."""
        return next((m["content"] for m in self.messages if m.get("role") == role), "")


def _user_text(body: dict[str, Any]) -> str:
    return "\n".join(m["content"] for m in body.get("messages", []) if m.get("role") == "user")


def paper_in(body: dict[str, Any]) -> dict[str, Any]:
    """The paper JSON inside the `<paper>` block of the request's user message."""
    match = _PAPER.search(_user_text(body))
    return json.loads(match.group(1)) if match else {}


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


def _error(
    status: int, message: str, code: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    body = {"error": {"message": message, "type": code, "param": None, "code": code}}
    return web.json_response(body, status=status, headers=headers)


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
    ) -> None:
        self.api_key = api_key
        self.delay = delay
        self.text_responder = text_responder
        self.json_responders: dict[str, JsonResponder] = {SCHEMA_NAME: fake_summary}
        self.report_usage = report_usage
        self.hang_cap = hang_cap
        self.requests: list[Received] = []
        self.peak_in_flight = 0
        self._in_flight = 0
        self._failures: deque[Failure] = deque()
        self._always: int | None = None
        self._ids = itertools.count(1)
        self._closing = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_post("/v1/chat/completions", self._chat)
        self.app.router.add_get("/v1/models", self._models)
        self.app.on_startup.append(self._open)
        self.app.on_shutdown.append(self._close)

    def settings_env(self, url: str) -> dict[str, str]:
        """Environment for bot.config.load_settings that points the bot at this fake."""
        return {"OPENAI_API_KEY": self.api_key, "OPENAI_BASE_URL": f"{url}/v1"}

    def fail_next(
        self,
        status: int = 500,
        *,
        headers: Mapping[str, str] | None = None,
        hang: bool = False,
        content: str | None = None,
        refusal: str | None = None,
        finish_reason: str = "stop",
        times: int = 1,
    ) -> None:
        """Queue `times` misbehaving answers; `content`/`refusal` answer 200 with that message."""
        failure = Failure(status, dict(headers or {}), hang, content, refusal, finish_reason)
        self._failures.extend([failure] * times)

    def always_fail(self, status: int | None = 500) -> None:
        """Answer every request with `status` until called with None."""
        self._always = status

    def count(self, purpose: str | None = None, schema_name: str | None = None) -> int:
        """Requests received (retries included), optionally only those of a purpose or schema."""
        return sum(
            1
            for r in self.requests
            if purpose in (None, r.purpose) and schema_name in (None, r.schema_name)
        )

    async def _open(self, app: web.Application) -> None:
        self._closing = asyncio.Event()

    async def _close(self, app: web.Application) -> None:
        self._closing.set()

    def _auth(self, request: web.Request) -> str:
        header = request.headers.get("Authorization")
        if header is None:
            return "missing"
        return "ok" if header == f"Bearer {self.api_key}" else "wrong"

    async def _chat(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "We could not parse the JSON body of your request.", "invalid_json")
        auth = self._auth(request)
        self.requests.append(Received(body, request.headers.get(PURPOSE_HEADER), auth))
        if auth != "ok":
            # Echoes the presented key in full (OpenAI masks it) so redaction gets tested.
            presented = request.headers.get("Authorization", "").removeprefix("Bearer ")
            return _error(401, f"Incorrect API key provided: {presented}.", "invalid_api_key")
        self._in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            return await self._respond(body)
        finally:
            self._in_flight -= 1

    async def _respond(self, body: dict[str, Any]) -> web.Response:
        if self.delay:
            await asyncio.sleep(self.delay)
        failure = self._next_failure()
        if failure:
            return await self._misbehave(body, failure)
        return self._answer(body)

    def _next_failure(self) -> Failure | None:
        if self._failures:
            return self._failures.popleft()
        return Failure(self._always) if self._always else None

    async def _misbehave(self, body: dict[str, Any], failure: Failure) -> web.Response:
        if failure.hang:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.hang_cap)
            return _error(504, "The fake hung until shutdown.", "timeout")
        if failure.content is not None or failure.refusal is not None:
            return self._completion(body, failure.content, failure.refusal, failure.finish_reason)
        return _error(
            failure.status, "The fake failed on purpose.", "fake_failure", failure.headers
        )

    def _answer(self, body: dict[str, Any]) -> web.Response:
        response_format = body.get("response_format") or {}
        if response_format.get("type") != "json_schema":
            return self._completion(body, self.text_responder(body))
        name = response_format["json_schema"]["name"]
        if name not in self.json_responders:
            return _error(400, f"The fake has no answer for schema {name}.", "unknown_schema")
        return self._completion(
            body, json.dumps(self.json_responders[name](body), ensure_ascii=False)
        )

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
        if self.report_usage:
            prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4 + 1
            completion = len(content or refusal or "") // 4 + 1
            data["usage"] = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
        return web.json_response(data)

    async def _models(self, request: web.Request) -> web.Response:
        if self._auth(request) != "ok":
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        model = {"id": DEFAULT_MODEL, "object": "model", "created": 0, "owned_by": "fake"}
        return web.json_response({"object": "list", "data": [model]})
