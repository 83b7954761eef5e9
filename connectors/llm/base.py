"""The chat client interface every LLM provider implements, and how to pick one from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# The provider name of the built-in planner that needs no model (ai/generation/offline.py).
OFFLINE_PROVIDER = "offline"
OFFLINE_MODEL = "ductwork-rules"


@dataclass(frozen=True)
class ChatReply:
    """One completion: its text, who produced it, what it used and what it cost (estimated)."""

    text: str
    provider: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ChatClient(Protocol):
    provider: str
    model: str

    async def complete(
        self, messages: list[dict[str, str]], *, json_mode: bool = False
    ) -> ChatReply: ...


def estimate_cost(
    prompt_tokens: int, completion_tokens: int, prompt_per_1k: float, completion_per_1k: float
) -> float:
    return round(
        prompt_tokens / 1000 * prompt_per_1k + completion_tokens / 1000 * completion_per_1k, 6
    )


class Secret(Protocol):
    def get_secret_value(self) -> str: ...


class LLMEndpoint(Protocol):
    """What a client reads of the endpoint's settings (core.settings.LLMSettings has it)."""

    @property
    def base_url(self) -> str | None: ...
    @property
    def model(self) -> str: ...
    @property
    def api_key(self) -> Secret | None: ...
    @property
    def timeout_seconds(self) -> float: ...
    @property
    def prompt_cost_per_1k(self) -> float: ...
    @property
    def completion_cost_per_1k(self) -> float: ...


class LLMConfigured(Protocol):
    """Settings with an ``llm`` section (core.settings.Settings): connectors import no core."""

    @property
    def llm(self) -> LLMEndpoint: ...


def chat_client(settings: LLMConfigured) -> ChatClient | None:
    """The configured endpoint's client; None when no endpoint is configured (offline planner)."""
    if not settings.llm.base_url:
        return None
    from connectors.llm.openai_compatible import OpenAICompatibleClient

    return OpenAICompatibleClient.from_settings(settings.llm)
