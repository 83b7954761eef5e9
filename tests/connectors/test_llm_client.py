"""The OpenAI-compatible client against a loopback server: replies, usage, cost, error classes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError

from activities.llm import ChatInput, LLMActivities
from connectors.base import TerminalError, TransientError
from connectors.llm import chat_client
from connectors.llm.openai_compatible import OpenAICompatibleClient, RateLimited
from core.settings import LLMSettings, Settings
from tests.llm_server import LLMServer


@pytest.fixture(scope="module")
def llm() -> Iterator[LLMServer]:
    with LLMServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _clean(llm: LLMServer) -> None:
    llm.clear()


def client(llm: LLMServer, **kwargs) -> OpenAICompatibleClient:
    return OpenAICompatibleClient(base_url=llm.url, model="m1", api_key="sk-test-secret", **kwargs)


async def test_reply_usage_and_cost(llm: LLMServer) -> None:
    llm.reply('{"ok": true}', prompt_tokens=1000, completion_tokens=500)
    reply = await client(llm, prompt_cost_per_1k=0.01, completion_cost_per_1k=0.02).complete(
        [{"role": "user", "content": "hi"}], json_mode=True
    )
    assert reply.text == '{"ok": true}'
    assert (reply.provider, reply.model) == ("openai-compatible", "m1")
    assert (reply.prompt_tokens, reply.completion_tokens) == (1000, 500)
    assert reply.cost_usd == pytest.approx(0.02)
    assert llm.requests[0]["response_format"] == {"type": "json_object"}
    assert llm.headers[0]["authorization"] == "Bearer sk-test-secret"
    assert "sk-test-secret" not in repr(reply)


async def test_errors_are_classified_and_not_retried_by_the_sdk(llm: LLMServer) -> None:
    chat = client(llm)
    messages = [{"role": "user", "content": "hi"}]
    llm.fail(429, retry_after=2)
    with pytest.raises(RateLimited) as limited:
        await chat.complete(messages)
    assert limited.value.retry_after_seconds == 2
    llm.fail(503)
    with pytest.raises(TransientError):
        await chat.complete(messages)
    llm.fail(401, message="bad key")
    with pytest.raises(TerminalError, match="401"):
        await chat.complete(messages)
    assert len(llm.requests) == 3  # max_retries=0: one request per call


async def test_unreachable_endpoint_is_transient() -> None:
    chat = OpenAICompatibleClient(base_url="http://127.0.0.1:9/v1", model="m", timeout_seconds=2)
    with pytest.raises(TransientError):
        await chat.complete([{"role": "user", "content": "hi"}])


def test_chat_client_from_settings(llm: LLMServer) -> None:
    assert chat_client(Settings()) is None
    configured = chat_client(Settings(llm={"base_url": llm.url, "model": "m2", "api_key": "k"}))
    assert configured is not None and configured.model == "m2"


async def test_activity_maps_rate_limit_to_retry_delay(llm: LLMServer) -> None:
    activities = LLMActivities(LLMSettings(base_url=llm.url, model="m3"))
    llm.fail(429, retry_after=3)
    with pytest.raises(ApplicationError) as failed:
        await activities.chat(ChatInput(messages=[{"role": "user", "content": "x"}]))
    assert failed.value.next_retry_delay == timedelta(seconds=3)
    assert not failed.value.non_retryable
    llm.fail(400, message="bad")
    with pytest.raises(ApplicationError) as refused:
        await activities.chat(ChatInput(messages=[{"role": "user", "content": "x"}]))
    assert refused.value.non_retryable
    with pytest.raises(ApplicationError, match="no LLM endpoint"):
        await LLMActivities(LLMSettings()).chat(ChatInput(messages=[]))
