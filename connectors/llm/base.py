"""The chat client interface every LLM provider implements, and how to pick one from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from core.settings import Settings

# The provider name of the built-in planner that needs no model (core/generation/offline.py).
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


def chat_client(settings: Settings) -> ChatClient | None:
    """The configured endpoint's client; None when no endpoint is configured (offline planner)."""
    if not settings.llm.base_url:
        return None
    from connectors.llm.openai_compatible import OpenAICompatibleClient

    return OpenAICompatibleClient.from_settings(settings.llm)
