"""The LLM call as an activity: Temporal owns its retries, the API key never leaves the worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.runtime import to_application_error
from connectors.base import ConnectorError
from connectors.llm.base import ChatClient, ChatReply
from connectors.llm.openai_compatible import OpenAICompatibleClient, RateLimited
from core.settings import LLMSettings


@dataclass
class ChatInput:
    """Messages for one completion; the endpoint and its key come from the worker's settings."""

    messages: list[dict[str, str]] = field(default_factory=list)
    json_mode: bool = False
    purpose: str = ""  # for logs: "generate", "repair", "describe", ...


class LLMActivities:
    def __init__(self, settings: LLMSettings | None = None) -> None:
        self.settings = settings or LLMSettings()
        self._client: ChatClient | None = None

    def client(self) -> ChatClient:
        if self._client is None:
            if not self.settings.base_url:
                raise ApplicationError(
                    "no LLM endpoint is configured on the worker (DUCTWORK_LLM__BASE_URL)",
                    type="LLM_NOT_CONFIGURED",
                    non_retryable=True,
                )
            self._client = OpenAICompatibleClient.from_settings(self.settings)
        return self._client

    @activity.defn(name="llm_chat")
    async def chat(self, request: ChatInput) -> ChatReply:
        try:
            return await self.client().complete(request.messages, json_mode=request.json_mode)
        except RateLimited as exc:
            delay = exc.retry_after_seconds
            raise ApplicationError(
                exc.message,
                type=exc.error_type,
                next_retry_delay=timedelta(seconds=delay) if delay is not None else None,
            ) from exc
        except ConnectorError as exc:
            raise to_application_error(exc) from exc
