import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.config import load_settings
from bot.llm.client import LLM, LLMError, Usage
from tests.fakes.openai import FakeOpenAI
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
    assert "response_format" not in fake.requests[0].body
    assert usage == Usage("ask", "gpt-test", usage.prompt_tokens, usage.completion_tokens)
    assert usage.prompt_tokens > 0


async def test_usage_is_zero_when_the_server_omits_it(llm: LLM, fake: FakeOpenAI) -> None:
    fake.report_usage = False

    _, usage = await ask_json(llm)

    assert (usage.prompt_tokens, usage.completion_tokens) == (0, 0)


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


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"content": "not json"}, "invalid JSON"),
        ({"content": "[1, 2]"}, "not an object"),
        ({"content": "  "}, "empty content"),
        ({"refusal": "I can't help with that."}, "refused: I can't help"),
        ({"content": '{"answer": 4', "finish_reason": "length"}, "cut off"),
    ],
)
async def test_unusable_answers_raise_llm_error(
    llm: LLM, fake: FakeOpenAI, answer: dict, problem: str
) -> None:
    fake.fail_next(**answer)

    with pytest.raises(LLMError, match=problem):
        await ask_json(llm)


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
