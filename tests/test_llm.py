"""The LLM client against the OpenAI-compatible fake in its default, OpenAI mode: JSON checked
by yomikai, text, streams, embeddings, and every malformed answer as a clear LLMError."""

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator

import pytest

from bot.config import load_settings
from bot.llm.client import EMBED_BATCH, LLM, LLMError, TextStream, Usage
from bot.llm.tokens import estimate_tokens
from tests.fakes.openai import EMBEDDING_DIMENSIONS, FakeOpenAI
from tests.fakes.server import serve

SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "integer"}},
    "required": ["answer"],
    "additionalProperties": False,
}
MESSAGES = [{"role": "user", "content": "What is six times seven?"}]
FAST_RETRY = {"retry-after-ms": "10"}


def make_llm(fake: FakeOpenAI, url: str, **env: str) -> LLM:
    settings = load_settings({**fake.settings_env(url), "YOMIKAI_LLM_TIMEOUT": "0.25", **env})
    llm = LLM.from_settings(settings)
    assert llm is not None
    return llm


@pytest.fixture
def fake() -> FakeOpenAI:
    fake = FakeOpenAI()
    fake.json_responders["arithmetic"] = lambda body: {"answer": 42}
    return fake


@pytest.fixture
async def url(fake: FakeOpenAI) -> AsyncIterator[str]:
    async with serve(fake.app) as base:
        yield base


@pytest.fixture
async def llm(fake: FakeOpenAI, url: str) -> AsyncIterator[LLM]:
    llm = make_llm(fake, url, YOMIKAI_LLM_MODEL="gpt-test")
    yield llm
    await llm.aclose()


async def ask_json(llm: LLM) -> tuple[dict, Usage]:
    return await llm.complete_json(
        purpose="quiz", messages=MESSAGES, schema_name="arithmetic", schema=SCHEMA
    )


async def drain(stream: TextStream) -> str:
    """Read a whole stream, closing it however it ends."""
    async with stream:
        return "".join([delta async for delta in stream])


async def test_complete_json_sends_strict_schema_with_configured_model(
    llm: LLM, fake: FakeOpenAI
) -> None:
    data, usage = await ask_json(llm)

    assert data == {"answer": 42}
    [received] = fake.requests
    assert received.body["model"] == "gpt-test"
    assert received.body["messages"] == MESSAGES
    assert received.body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "arithmetic", "strict": True, "schema": SCHEMA},
    }
    assert (received.purpose, received.auth) == ("quiz", "ok")
    assert usage.purpose == "quiz"
    assert usage.model == "gpt-test"
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0


async def test_complete_text_returns_text_and_usage(llm: LLM, fake: FakeOpenAI) -> None:
    fake.text_responder = lambda body: "Forty-two."

    text, usage = await llm.complete_text(purpose="ask", messages=MESSAGES, max_tokens=50)

    assert text == "Forty-two."
    assert fake.requests[0].body["max_completion_tokens"] == 50
    assert "max_tokens" not in fake.requests[0].body  # OpenAI refuses it on its newer models
    assert "response_format" not in fake.requests[0].body
    assert usage == Usage("ask", "gpt-test", usage.prompt_tokens, usage.completion_tokens)
    assert usage.prompt_tokens > 0


async def test_usage_is_estimated_when_the_server_omits_it(llm: LLM, fake: FakeOpenAI) -> None:
    fake.report_usage = False

    _, usage = await ask_json(llm)

    assert usage.prompt_tokens == llm.prompt_tokens(MESSAGES) > 0
    assert usage.completion_tokens == estimate_tokens('{"answer": 42}')


@pytest.mark.parametrize("status", [500, 429])
async def test_transient_errors_are_retried(llm: LLM, fake: FakeOpenAI, status: int) -> None:
    fake.fail_next(status, headers=FAST_RETRY)

    data, _ = await ask_json(llm)

    assert data == {"answer": 42}
    assert fake.count(purpose="quiz") == 2


async def test_retries_are_bounded(llm: LLM, fake: FakeOpenAI) -> None:
    fake.fail_next(503, headers=FAST_RETRY, times=4)

    with pytest.raises(LLMError, match=r"quiz: LLM API answered HTTP 503"):
        await ask_json(llm)

    assert fake.count() == 3


async def test_hanging_server_times_out_quickly(llm: LLM, fake: FakeOpenAI) -> None:
    fake.fail_next(hang=True, times=3)
    started = time.monotonic()

    with pytest.raises(LLMError, match=r"no answer from the LLM API within 0.25 s"):
        await ask_json(llm)

    assert time.monotonic() - started < 5
    assert fake.count() == 3


# Unparsable JSON is sent back once for repair, so it must come twice to fail.
@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"content": "not json", "times": 2}, "invalid JSON"),
        ({"content": "[1, 2]", "times": 2}, "not an object"),
        ({"content": '{"answer": "42"}', "times": 2}, r"\$\.answer should be integer"),
        ({"content": "  "}, "empty content"),
        ({"refusal": "I can't help with that."}, "refused: I can't help"),
        ({"content": '{"answer": 4', "finish_reason": "length"}, "cut off"),
    ],
)
async def test_unusable_answers_raise_llm_error(
    llm: LLM, fake: FakeOpenAI, answer: dict, problem: str
) -> None:
    fake.fail_next(**answer)

    with pytest.raises(LLMError, match=problem) as caught:
        await ask_json(llm)

    assert caught.value.__cause__ is None


async def test_unknown_schema_is_a_bad_request(llm: LLM) -> None:
    with pytest.raises(LLMError, match=r"HTTP 400 \(unknown_schema\)"):
        await llm.complete_json(purpose="quiz", messages=MESSAGES, schema_name="x", schema=SCHEMA)


async def test_rejected_key_never_appears_in_the_error(fake: FakeOpenAI, url: str) -> None:
    secret = "sk-wrong-0123456789abcdef"
    llm = make_llm(fake, url, OPENAI_API_KEY=secret)
    try:
        with pytest.raises(LLMError) as caught:
            await ask_json(llm)
    finally:
        await llm.aclose()

    message = str(caught.value)
    assert "HTTP 401 (invalid_api_key)" in message
    assert secret not in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert [r.auth for r in fake.requests] == ["wrong"]
    assert secret not in repr(fake.requests)


async def test_unreachable_server_raises_llm_error(fake: FakeOpenAI) -> None:
    async with serve(fake.app) as closed_url:
        pass
    llm = make_llm(fake, closed_url)
    try:
        with pytest.raises(LLMError, match="cannot reach the LLM API"):
            await ask_json(llm)
    finally:
        await llm.aclose()


async def test_concurrency_is_limited_by_settings(fake: FakeOpenAI, url: str) -> None:
    fake.delay = 0.05
    llm = make_llm(fake, url, YOMIKAI_LLM_CONCURRENCY="2")
    try:
        await asyncio.gather(*(ask_json(llm) for _ in range(5)))
    finally:
        await llm.aclose()

    assert fake.count() == 5
    assert fake.peak_in_flight == 2


async def test_fake_delays_requests_independently(llm: LLM, fake: FakeOpenAI) -> None:
    fake.delay = 0.05

    await asyncio.gather(*(ask_json(llm) for _ in range(5)))

    assert fake.peak_in_flight == 5


@pytest.mark.parametrize("key", [None, ""])
def test_no_key_means_no_llm(key: str | None) -> None:
    env = {} if key is None else {"OPENAI_API_KEY": key}
    assert LLM.from_settings(load_settings(env)) is None


# ------------------------------------------------------------------ JSON checked by yomikai


async def test_bad_json_gets_one_repair_round_trip(llm: LLM, fake: FakeOpenAI) -> None:
    fake.fail_next(content='{"answer": "forty-two"}')

    data, usage = await ask_json(llm)

    assert data == {"answer": 42}
    _, repair = fake.requests
    assert repair.messages[: len(MESSAGES)] == MESSAGES
    assert repair.messages[-2] == {"role": "assistant", "content": '{"answer": "forty-two"}'}
    assert repair.messages[-1]["role"] == "user"
    assert "$.answer should be integer" in repair.messages[-1]["content"]
    assert "corrected JSON object only" in repair.messages[-1]["content"]
    assert llm.repairs == 1
    assert usage.prompt_tokens > llm.prompt_tokens(MESSAGES)  # both round trips counted


@pytest.mark.parametrize("wrap", ["fenced", "prose"])
async def test_fenced_or_prose_wrapped_json_is_read_without_repair(
    llm: LLM, fake: FakeOpenAI, wrap: str
) -> None:
    fake.wrap_json = wrap

    data, _ = await ask_json(llm)

    assert data == {"answer": 42}
    assert (fake.count(), llm.repairs) == (1, 0)


async def test_refused_structured_outputs_move_the_schema_into_the_prompt_once(
    llm: LLM, fake: FakeOpenAI
) -> None:
    fake.refuse_response_format = True

    for _ in range(3):
        assert (await ask_json(llm))[0] == {"answer": 42}

    assert llm.schema_in_prompt
    refused, *prompted = fake.requests
    assert refused.body["response_format"]["type"] == "json_schema"
    assert len(prompted) == 3
    for received in prompted:
        assert "response_format" not in received.body
        assert received.schema_in_prompt
        assert received.schema_name == "arithmetic"
        [system] = [m for m in received.messages if m["role"] == "system"]
        assert json.dumps(SCHEMA) in system["content"]
        assert received.messages[-1] == MESSAGES[-1]


async def test_the_schema_joins_an_existing_system_prompt(llm: LLM, fake: FakeOpenAI) -> None:
    fake.refuse_response_format = True
    messages = [{"role": "system", "content": "You do sums."}, *MESSAGES]

    await llm.complete_json(
        purpose="quiz", messages=messages, schema_name="arithmetic", schema=SCHEMA
    )

    sent = fake.requests[-1].messages
    assert [m["role"] for m in sent] == ["system", "user"]
    assert sent[0]["content"].startswith("You do sums.\n\nAnswer with one JSON object only")


# ------------------------------------------------------------------ malformed answers


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (
            {"status": 200, "body": "<html>Bad gateway</html>", "content_type": "text/html"},
            "answered a body that is not valid JSON .*'<html>Bad gateway</html>'",
        ),
        ({"status": 200, "body": '{"id": "chatcmpl-1", "choi'}, "not valid JSON"),
        ({"status": 200, "body": ""}, "not valid JSON .*an empty body"),
        ({"status": 200, "body": '{"id": "chatcmpl-1", "choices": []}'}, "no choices"),
        ({"status": 200, "body": '{"error": {"message": "out of memory"}}'}, "error: out of mem"),
        ({"status": 400, "body": '{"error": "model is loading"}'}, "HTTP 400: model is loading"),
        ({"status": 400, "body": '{"message": "flat and short"}'}, "HTTP 400: flat and short"),
        (
            {"status": 400, "body": "no JSON at all", "content_type": "text/plain"},
            "HTTP 400: no JSON at all",
        ),
        ({"content": ""}, "empty content"),
    ],
)
async def test_malformed_answers_are_clear_llm_errors(
    llm: LLM, fake: FakeOpenAI, answer: dict, problem: str
) -> None:
    fake.fail_next(**answer)

    with pytest.raises(LLMError, match=problem) as caught:
        await llm.complete_text(purpose="ask", messages=MESSAGES, max_tokens=50)

    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ or caught.value.__context__ is None


async def test_a_refused_limit_field_is_dropped_and_remembered(fake: FakeOpenAI, url: str) -> None:
    # An OpenAI endpoint at another URL, not named: yomikai sends both limits, once.
    llm = make_llm(fake, url, YOMIKAI_LLM_SERVER="auto")
    try:
        for _ in range(2):
            text, _ = await llm.complete_text(purpose="ask", messages=MESSAGES, max_tokens=20)
            assert text
    finally:
        await llm.aclose()

    refused, *accepted = fake.requests
    assert {"max_tokens", "max_completion_tokens"} <= set(refused.body)
    assert len(accepted) == 2
    assert all(
        "max_tokens" not in r.body and r.body["max_completion_tokens"] == 20 for r in accepted
    )
    assert llm.token_fields == ("max_completion_tokens",)


async def test_a_prompt_too_long_for_the_window_is_never_sent(fake: FakeOpenAI, url: str) -> None:
    llm = make_llm(fake, url, YOMIKAI_LLM_CONTEXT_TOKENS="300")
    long_messages = [{"role": "user", "content": "word " * 1000}]
    try:
        assert llm.context_tokens == 300
        with pytest.raises(LLMError, match="prompt too long for the context window, not sent"):
            await llm.complete_text(purpose="ask", messages=long_messages, max_tokens=50)
        with pytest.raises(LLMError, match="prompt too long"):
            await ask_json(llm)  # the JSON answer's own limit does not fit either
        with pytest.raises(LLMError, match="prompt too long"):
            await drain(llm.stream_text(purpose="ask", messages=long_messages, max_tokens=5))
        text, _ = await llm.complete_text(purpose="ask", messages=MESSAGES, max_tokens=50)
    finally:
        await llm.aclose()

    assert text
    assert fake.count() == 1


# ------------------------------------------------------------------ streams


async def test_stream_text_yields_deltas_and_usage(llm: LLM, fake: FakeOpenAI) -> None:
    answer = "The product of six and seven is forty-two, as every child learns at school."
    fake.text_responder = lambda body: answer

    async with llm.stream_text(purpose="ask", messages=MESSAGES, max_tokens=100) as stream:
        deltas = [delta async for delta in stream]

    assert "".join(deltas) == answer == stream.text
    assert len(deltas) > 3
    assert stream.usage is not None
    assert stream.usage.purpose == "ask"
    assert stream.usage.completion_tokens == estimate_tokens(answer) + 1  # the fake's count
    [received] = fake.requests
    assert received.body["stream"] is True
    assert received.body["stream_options"] == {"include_usage": True}
    assert received.body["max_completion_tokens"] == 100


async def test_stream_usage_is_estimated_when_the_server_sends_none(
    llm: LLM, fake: FakeOpenAI
) -> None:
    fake.report_usage = False

    stream = llm.stream_text(purpose="ask", messages=MESSAGES, max_tokens=100)
    text = "".join([delta async for delta in stream])

    assert stream.usage == Usage(
        "ask", "gpt-test", llm.prompt_tokens(MESSAGES), estimate_tokens(text)
    )


async def test_leaving_a_stream_early_closes_it(llm: LLM, fake: FakeOpenAI) -> None:
    fake.text_responder = lambda body: "word " * 200

    async with llm.stream_text(purpose="ask", messages=MESSAGES, max_tokens=400) as stream:
        async for _ in stream:
            break

    assert stream.usage is None
    text, _ = await llm.complete_text(purpose="ask", messages=MESSAGES, max_tokens=10)
    assert text  # the slot and the connection were given back


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"content": ""}, "empty stream .*context window"),
        ({"cut_stream": True}, r"stream broke off \(\w+\)"),
        (
            {
                "status": 200,
                "content_type": "text/event-stream",
                "body": 'data: {"choices": [{"index": 0, "delta": {"content": "Hel\n\n',
            },
            "chunk that is not JSON",
        ),
        (
            {
                "status": 200,
                "content_type": "text/event-stream",
                "body": 'data: {"choices": [{"index": 0, "delta": {"content": "Hi"}}]}\n\n'
                'data: {"error": {"message": "the model crashed"}}\n\n',
            },
            "stream broke off: the model crashed",
        ),
        (
            {"status": 200, "content_type": "text/plain", "body": "<html>maintenance</html>"},
            "not valid JSON",
        ),
        ({"status": 400, "body": '{"error": "no streams today"}'}, "HTTP 400: no streams today"),
    ],
)
async def test_broken_streams_are_clear_llm_errors(
    llm: LLM, fake: FakeOpenAI, answer: dict, problem: str
) -> None:
    fake.fail_next(**answer)

    with pytest.raises(LLMError, match=problem) as caught:
        await drain(llm.stream_text(purpose="ask", messages=MESSAGES, max_tokens=50))

    assert caught.value.__cause__ is None


async def test_a_completion_answered_to_a_stream_request_is_read(
    llm: LLM, fake: FakeOpenAI
) -> None:
    body = {"choices": [{"index": 0, "message": {"content": "Not streamed."}}]}
    fake.fail_next(200, body=json.dumps(body))

    stream = llm.stream_text(purpose="ask", messages=MESSAGES, max_tokens=50)

    assert [delta async for delta in stream] == ["Not streamed."]
    assert stream.usage is not None


# ------------------------------------------------------------------ embeddings


async def test_embeddings_are_batched_and_counted(llm: LLM, fake: FakeOpenAI) -> None:
    texts = [f"passage number {i} about attention" for i in range(2 * EMBED_BATCH + 2)]

    vectors, usage = await llm.embed(texts, purpose="fulltext")

    assert len(vectors) == len(texts)
    assert {len(v) for v in vectors} == {EMBEDDING_DIMENSIONS}
    assert vectors[0] != vectors[1]
    assert fake.count(purpose="fulltext", endpoint="embeddings") == 3
    assert [len(r.body["input"]) for r in fake.requests] == [EMBED_BATCH, EMBED_BATCH, 2]
    assert {r.body["model"] for r in fake.requests} == {"text-embedding-3-small"}
    assert all(r.body["encoding_format"] == "float" for r in fake.requests)
    assert usage == Usage("fulltext", "text-embedding-3-small", usage.prompt_tokens, 0)
    assert usage.prompt_tokens == sum(map(estimate_tokens, texts))


async def test_the_embedder_is_pluggable(llm: LLM, fake: FakeOpenAI) -> None:
    fake.embedder = lambda texts: [[float(len(t)), 1.0] for t in texts]

    vectors, _ = await llm.embed(["ab", "abcd"])

    assert vectors == [[2.0, 1.0], [4.0, 1.0]]


async def test_embeddings_off_by_setting(fake: FakeOpenAI, url: str) -> None:
    llm = make_llm(fake, url, YOMIKAI_EMBEDDING_MODEL="off")
    try:
        assert not llm.embeddings_enabled
        assert llm.embedding_model is None
        with pytest.raises(LLMError, match="embeddings are off: YOMIKAI_EMBEDDING_MODEL is off"):
            await llm.embed(["x"])
    finally:
        await llm.aclose()
    assert fake.count() == 0


async def test_a_server_without_embeddings_is_asked_once(
    llm: LLM, fake: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    fake.embeddings = False
    caplog.set_level(logging.WARNING, logger="bot.llm.client")

    with pytest.raises(LLMError, match=r"HTTP 404 \(model_not_found\)"):
        await llm.embed(["x"], purpose="ask")
    with pytest.raises(LLMError, match="embeddings are off: the server answered HTTP 404"):
        await llm.embed(["y"], purpose="ask")

    assert not llm.embeddings_enabled
    assert fake.count(endpoint="embeddings") == 1
    [line] = [r.getMessage() for r in caplog.records if "embeddings" in r.getMessage()]
    assert "embeddings off for the life of this process" in line


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"status": 200, "body": "<html>", "content_type": "text/html"}, "not valid JSON"),
        ({"status": 200, "body": '{"data": [{"embedding": "abc"}]}'}, "not vectors"),
        ({"status": 200, "body": '{"object": "list", "data": []}'}, "0 embeddings for 1"),
    ],
)
async def test_garbage_embeddings_are_llm_errors_but_not_remembered(
    llm: LLM, fake: FakeOpenAI, answer: dict, problem: str
) -> None:
    fake.fail_next(**answer, endpoint="embeddings")

    with pytest.raises(LLMError, match=problem):
        await llm.embed(["x"])

    assert llm.embeddings_enabled
    assert len((await llm.embed(["x"]))[0]) == 1
