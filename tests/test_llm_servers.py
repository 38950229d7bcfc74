"""One client, every server: the LLM client against the fake in each server's mode (OpenAI,
Ollama, llama.cpp current and old, vLLM, LM Studio), over real HTTP on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from bot.config import load_settings
from bot.llm.client import LLM, STREAM_OVERRUN, LLMError, TextStream
from bot.llm.tokens import estimate_tokens
from bot.models import Paper
from bot.papers.summaries import SCHEMA_NAME, Summarizer
from tests.fakes.openai import DEFAULT_MODEL, MODES, FakeOpenAI
from tests.fakes.server import serve
from tests.fixtures_papers import arxiv_paper

PAPER = arxiv_paper("2109.04454")
OTHER_PAPER = arxiv_paper("2109.01652")
MESSAGES = [{"role": "user", "content": "Explain the method of the paper in a few lines."}]
LONG_ANSWER = " ".join(f"sentence {i} of a very long answer." for i in range(400))
LOCAL = [mode for mode in MODES if mode != "openai"]


@dataclasses.dataclass
class Server:
    fake: FakeOpenAI
    llm: LLM


@asynccontextmanager
async def running(mode: str, **env: str) -> AsyncIterator[Server]:
    fake = FakeOpenAI(mode=mode)
    fake.error_headers = {"retry-after-ms": "1"}  # the client's retries, without their pauses
    async with serve(fake.app) as url:
        settings = load_settings({**fake.settings_env(url), "YOMIKAI_LLM_TIMEOUT": "5", **env})
        llm = LLM.from_settings(settings)
        assert llm is not None
        try:
            yield Server(fake, llm)
        finally:
            await llm.aclose()


@pytest.fixture(params=MODES)
async def server(request: pytest.FixtureRequest) -> AsyncIterator[Server]:
    async with running(request.param) as started:
        yield started


async def drain(stream: TextStream) -> str:
    async with stream:
        return "".join([delta async for delta in stream])


def long_paper() -> Paper:
    return dataclasses.replace(PAPER, abstract="A long abstract about attention. " * 400)


# ------------------------------------------------------------------ summaries


async def test_summaries_come_back_valid(server: Server) -> None:
    summarizer = Summarizer(server.llm)

    summary, usage = await summarizer.summarize(PAPER, "ja")
    second, _ = await summarizer.summarize(OTHER_PAPER, "en")

    assert summary.title == f"「{PAPER.title}」の日本語訳"
    assert summary.abstract == f"【和訳】{PAPER.abstract}"
    assert summary.hook
    assert second.title == OTHER_PAPER.title
    assert usage.prompt_tokens > 0
    assert server.fake.truncations == []


async def test_structured_outputs_are_sent_as_each_server_takes_them(server: Server) -> None:
    await Summarizer(server.llm).summarize(PAPER, "en")

    last = server.fake.requests[-1]
    if server.fake.mode == "llamacpp-old":  # no json_schema in builds before 2024-09
        assert server.llm.schema_in_prompt
        assert last.schema_in_prompt
        assert "response_format" not in last.body
    else:
        assert not server.llm.schema_in_prompt
        json_schema = last.body["response_format"]["json_schema"]
        assert (json_schema["name"], json_schema["strict"]) == (SCHEMA_NAME, True)


async def test_the_schema_in_prompt_fallback_is_remembered(server: Server) -> None:
    fake, summarizer = server.fake, Summarizer(server.llm)
    fake.refuse_response_format = True

    await summarizer.summarize(PAPER, "ja")
    first = fake.count()
    await summarizer.summarize(OTHER_PAPER, "ja")
    await summarizer.summarize(PAPER, "en")

    assert server.llm.schema_in_prompt
    refusals = 3 if fake.mode == "llamacpp-old" else 1  # a 500 is retried twice first
    assert first == refusals + 1
    assert fake.count() == first + 2
    assert all(r.schema_in_prompt for r in fake.requests[refusals:])


@pytest.mark.parametrize("wrap", ["fenced", "prose"])
async def test_json_wrapped_by_a_model_that_ignores_the_schema_is_read(
    server: Server, wrap: str
) -> None:
    server.fake.refuse_response_format = True
    server.fake.wrap_json = wrap

    summary, _ = await Summarizer(server.llm).summarize(PAPER, "en")

    assert summary.title == PAPER.title
    assert server.llm.repairs == 0


async def test_a_summary_that_breaks_the_schema_is_repaired_once(server: Server) -> None:
    server.fake.fail_next(content='{"title": "only a title"}')

    summary, _ = await Summarizer(server.llm).summarize(PAPER, "en")

    assert summary.abstract == PAPER.abstract
    assert server.llm.repairs == 1
    assert "$ lacks abstract" in server.fake.requests[-1].messages[-1]["content"]


async def test_a_summary_that_breaks_the_schema_twice_stays_pending(server: Server) -> None:
    server.fake.fail_next(content='{"title": "only a title"}', times=2)

    with pytest.raises(LLMError, match=r"does not follow the schema: .*again after a repair"):
        await Summarizer(server.llm).summarize(PAPER, "en")


# ------------------------------------------------------------------ output limits


async def test_the_output_limit_goes_in_the_fields_each_server_reads(server: Server) -> None:
    await server.llm.complete_text(purpose="ask", messages=MESSAGES, max_tokens=64)

    body = server.fake.requests[-1].body
    assert body["max_completion_tokens"] == 64
    if server.fake.mode == "openai":
        assert "max_tokens" not in body
    else:
        assert body["max_tokens"] == 64  # Ollama, older llama.cpp and LM Studio read only this


async def test_complete_text_is_bounded_by_max_tokens(server: Server) -> None:
    server.fake.cut_at_limit = True
    server.fake.text_responder = lambda body: LONG_ANSWER

    text, usage = await server.llm.complete_text(purpose="ask", messages=MESSAGES, max_tokens=50)

    assert 0 < estimate_tokens(text) <= 50
    assert LONG_ANSWER.startswith(text)
    assert usage.completion_tokens <= 51


async def test_stream_text_streams_and_is_bounded_by_max_tokens(server: Server) -> None:
    server.fake.cut_at_limit = True
    server.fake.text_responder = lambda body: LONG_ANSWER
    stream = server.llm.stream_text(purpose="ask", messages=MESSAGES, max_tokens=50)

    async with stream:
        deltas = [delta async for delta in stream]

    text = "".join(deltas)
    assert len(deltas) > 5
    assert 0 < estimate_tokens(text) <= 50
    assert LONG_ANSWER.startswith(text)
    assert not stream.cut  # the server stopped at the limit by itself
    assert stream.usage is not None
    # The server's own count, wherever it put it (the last content chunk for llamacpp-old).
    assert stream.usage.prompt_tokens == estimate_tokens(MESSAGES[0]["content"]) + 1


async def test_without_max_tokens_ollama_runs_on_and_the_stream_is_cut() -> None:
    # An Ollama taken for OpenAI gets only max_completion_tokens, which it ignores.
    async with running("ollama", YOMIKAI_LLM_SERVER="openai") as server:
        text, _ = await server.llm.complete_text(purpose="ask", messages=MESSAGES, max_tokens=50)
        stream = server.llm.stream_text(purpose="ask", messages=MESSAGES, max_tokens=50)
        streamed = await drain(stream)

    assert estimate_tokens(text) > 1000  # ran on
    assert stream.cut
    assert 50 < estimate_tokens(streamed) <= 50 * STREAM_OVERRUN + 10
    assert stream.usage is not None
    assert stream.usage.completion_tokens == estimate_tokens(streamed)


async def test_a_slow_local_model_streams_as_it_writes() -> None:
    async with running("ollama") as server:
        server.fake.token_delay = 0.002
        server.fake.text_responder = lambda body: "one two three four five six seven eight nine"
        stream = server.llm.stream_text(purpose="ask", messages=MESSAGES, max_tokens=50)
        async with stream:
            first = await anext(stream)
            assert stream.text == first  # the rest is not written yet
            rest = [delta async for delta in stream]

    assert first + "".join(rest) == "one two three four five six seven eight nine"


# ------------------------------------------------------------------ embeddings


async def test_embeddings_work_with_an_embedding_model(server: Server) -> None:
    vectors, usage = await server.llm.embed(["attention is all you need", "zero-shot learners"])

    assert len(vectors) == 2
    assert vectors[0] != vectors[1]
    assert usage.prompt_tokens > 0
    assert server.llm.embeddings_enabled


async def test_ollama_refuses_embeddings_from_a_chat_model_and_is_asked_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.llm.client")
    async with running("ollama", YOMIKAI_EMBEDDING_MODEL=DEFAULT_MODEL) as server:
        with pytest.raises(LLMError, match=r"HTTP 501.*does not support embeddings"):
            await server.llm.embed(["x"], purpose="ask")
        with pytest.raises(LLMError, match="embeddings are off: the server answered HTTP 501"):
            await server.llm.embed(["y"], purpose="ask")

        assert not server.llm.embeddings_enabled
        assert server.fake.count(endpoint="embeddings") == 1
    assert len([r for r in caplog.records if "embeddings off" in r.getMessage()]) == 1


@pytest.mark.parametrize(
    ("mode", "problem"),
    [
        ("llamacpp", "HTTP 501.*Start it with `--embeddings`"),
        ("llamacpp-old", "HTTP 501"),
        ("vllm", "HTTP 404: Not Found"),
        ("lmstudio", "HTTP 404"),
        ("openai", r"HTTP 404 \(model_not_found\)"),
    ],
)
async def test_a_server_without_embeddings_is_cleanly_disabled(mode: str, problem: str) -> None:
    async with running(mode) as server:
        server.fake.embeddings = False
        with pytest.raises(LLMError, match=problem):
            await server.llm.embed(["x"])

        assert not server.llm.embeddings_enabled
        assert server.llm.embeddings_refusal is not None


# ------------------------------------------------------------------ malformed answers

MALFORMED: dict[str, tuple[dict, str]] = {
    "not JSON": (
        {"status": 200, "body": "<!DOCTYPE html><p>proxy error</p>", "content_type": "text/html"},
        "not valid JSON",
    ),
    "truncated JSON": (
        {"status": 200, "body": '{"id": "x", "object": "chat.compl'},
        "not valid JSON",
    ),
    "empty completion": ({"content": ""}, "empty content"),
    "string error": ({"status": 400, "body": '{"error": "Model unloaded"}'}, "HTTP 400: Model unl"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_malformed_answers_are_clear_llm_errors(server: Server, case: str) -> None:
    answer, problem = MALFORMED[case]
    server.fake.fail_next(**answer)

    with pytest.raises(LLMError, match=problem) as caught:
        await Summarizer(server.llm).summarize(PAPER, "en")

    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"content": ""}, "empty stream"),
        ({"cut_stream": True}, "stream broke off"),
        ({"status": 400, "body": '{"error": "Model unloaded"}'}, "HTTP 400: Model unloaded"),
    ],
)
async def test_malformed_streams_are_clear_llm_errors(
    server: Server, answer: dict, problem: str
) -> None:
    server.fake.fail_next(**answer)

    with pytest.raises(LLMError, match=problem) as caught:
        await drain(server.llm.stream_text(purpose="ask", messages=MESSAGES, max_tokens=50))

    assert caught.value.__cause__ is None


# ------------------------------------------------------------------ context windows


@pytest.mark.parametrize("mode", MODES)
async def test_a_prompt_too_long_for_the_window_is_refused_before_sending(mode: str) -> None:
    async with running(mode, YOMIKAI_LLM_CONTEXT_TOKENS="3000") as server:
        server.fake.context_window = 3000
        summarizer = Summarizer(server.llm)
        summary, _ = await summarizer.summarize(PAPER, "en")  # fits, with a smaller JSON budget

        with pytest.raises(LLMError, match="prompt too long for the context window, not sent"):
            await summarizer.summarize(long_paper(), "en")
        with pytest.raises(LLMError, match="prompt too long"):
            await drain(
                server.llm.stream_text(purpose="ask", messages=long_messages(), max_tokens=50)
            )

    assert summary.title == PAPER.title
    assert server.llm.context_tokens == 3000
    sent = server.fake.requests[-1]  # the one summary that fit (after refusals in llamacpp-old)
    assert server.fake.count() == (4 if mode == "llamacpp-old" else 1)
    assert sent.body["max_completion_tokens"] <= 3000 - server.llm.prompt_tokens(sent.messages)
    assert server.fake.truncations == []  # so Ollama never cut a prompt


def long_messages() -> list[dict[str, str]]:
    return [{"role": "user", "content": "Tell me everything. " * 800}]


SERVER_OVERFLOW: dict[str, str] = {
    "openai": r"too long for the LLM's context window \(HTTP 400: This model's maximum context",
    "llamacpp": r"context window \(HTTP 400: request \(\d+ tokens\) exceeds the available",
    "llamacpp-old": r"context window \(HTTP 500: Context size has been exceeded",
    "vllm": r"context window \(HTTP 400: This model's maximum context length is 500 tokens",
    "lmstudio": "empty stream .*exceeds the model's context window",
}


@pytest.mark.parametrize("mode", list(SERVER_OVERFLOW))
async def test_a_too_long_prompt_answered_by_the_server_names_the_context_window(
    mode: str,
) -> None:
    async with running(mode) as server:
        server.fake.context_window = 500
        with pytest.raises(LLMError, match=SERVER_OVERFLOW[mode]):
            await drain(
                server.llm.stream_text(purpose="ask", messages=long_messages(), max_tokens=50)
            )


async def test_without_a_window_setting_ollama_silently_cuts_the_prompt() -> None:
    """Why YOMIKAI_LLM_CONTEXT_TOKENS matters with Ollama: it answers, having read a prompt
    with its middle cut out."""
    async with running("ollama") as server:
        server.fake.context_window = 500
        text, _ = await server.llm.complete_text(
            purpose="ask", messages=long_messages(), max_tokens=50
        )

    assert text
    [(prompt, window)] = server.fake.truncations
    assert prompt > window == 500


# ------------------------------------------------------------------ habits of the fake itself

NO_NAME = {"type": "json_schema", "json_schema": {"schema": {"type": "object"}}}
REJECTED = {
    "openai max_tokens": ("openai", {"max_tokens": 5}, "Unsupported parameter: 'max_tokens'"),
    "openai unknown field": (
        "openai",
        {"top_k": 5},
        "Unrecognized request argument supplied: top_k",
    ),
    "openai schema without name": ("openai", {"response_format": NO_NAME}, "json_schema.name"),
    "vllm schema without name": ("vllm", {"response_format": NO_NAME}, "'name'), 'msg': 'Field"),
    "lmstudio json_object": (
        "lmstudio",
        {"response_format": {"type": "json_object"}},
        "\"error\": \"'response_format.type' must be 'json_schema' or 'text'\"",
    ),
}


@pytest.mark.parametrize("case", list(REJECTED))
async def test_the_fake_rejects_what_each_server_rejects(case: str) -> None:
    mode, extra, text = REJECTED[case]
    fake = FakeOpenAI(mode=mode)
    body = {"model": DEFAULT_MODEL, "messages": MESSAGES, **extra}
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    async with serve(fake.app) as url, httpx.AsyncClient() as http:
        response = await http.post(f"{url}/v1/chat/completions", json=body, headers=headers)

    assert response.status_code == 400
    assert text in response.text


@pytest.mark.parametrize("mode", ["ollama", "llamacpp", "vllm"])
async def test_the_fake_ignores_what_lenient_servers_ignore(mode: str) -> None:
    fake = FakeOpenAI(mode=mode)
    body = {"model": "any", "messages": MESSAGES, "top_k": 5, "max_tokens": 20}
    async with serve(fake.app) as url, httpx.AsyncClient() as http:
        response = await http.post(f"{url}/v1/chat/completions", json=body)

    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"]
    assert fake.ignored_fields == ["top_k"]
