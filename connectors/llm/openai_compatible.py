"""Any OpenAI-compatible chat-completions endpoint: OpenAI, Azure OpenAI, vLLM, Ollama, LM Studio.

The SDK's own retries are off: the caller is a Temporal activity, and Temporal owns retries.
Errors leave classified: 429, 5xx, timeouts and connection failures are transient; any other
4xx (bad request, wrong key, unknown model) is terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from connectors.base import TerminalError, TransientError
from connectors.llm.base import ChatReply, LLMEndpoint, estimate_cost

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionMessageParam

# The openai SDK (about 40 MB resident) is imported by the client that uses it, not at worker start.

PROVIDER = "openai-compatible"


class RateLimited(TransientError):
    """HTTP 429: retry, after the endpoint's Retry-After when it gave one."""

    def __init__(self, message: str, *, retry_after_seconds: float | None) -> None:
        super().__init__(message, error_type="LLM_RATE_LIMITED")
        self.retry_after_seconds = retry_after_seconds


class OpenAICompatibleClient:
    provider = PROVIDER

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_seconds: float = 60.0,
        prompt_cost_per_1k: float = 0.0,
        completion_cost_per_1k: float = 0.0,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self._prompt_cost = prompt_cost_per_1k
        self._completion_cost = completion_cost_per_1k
        import openai

        # Local servers (Ollama, vLLM) take no key; the SDK insists on one.
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "unused",
            max_retries=0,
            timeout=timeout_seconds,
        )

    @classmethod
    def from_settings(cls, llm: LLMEndpoint) -> OpenAICompatibleClient:
        if not llm.base_url:
            raise ValueError("no LLM endpoint configured (DUCTWORK_LLM__BASE_URL)")
        return cls(
            base_url=llm.base_url,
            model=llm.model,
            api_key=llm.api_key.get_secret_value() if llm.api_key else None,
            timeout_seconds=llm.timeout_seconds,
            prompt_cost_per_1k=llm.prompt_cost_per_1k,
            completion_cost_per_1k=llm.completion_cost_per_1k,
        )

    async def complete(
        self, messages: list[dict[str, str]], *, json_mode: bool = False
    ) -> ChatReply:
        import openai

        kwargs: dict = {}
        if json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                # The prompts build {"role", "content"} dicts of the chat roles: those params.
                messages=cast("list[ChatCompletionMessageParam]", messages),
                temperature=0,
                **kwargs,
            )
        except openai.APITimeoutError as exc:
            raise TransientError(
                f"LLM endpoint timed out: {exc}", error_type="LLM_TIMEOUT"
            ) from exc
        except openai.APIConnectionError as exc:
            raise TransientError(
                f"cannot reach the LLM endpoint: {exc}", error_type="LLM_UNAVAILABLE"
            ) from exc
        except openai.RateLimitError as exc:
            retry_after = _seconds(exc.response.headers.get("retry-after"))
            hint = f" (retry after {retry_after:g}s)" if retry_after is not None else ""
            raise RateLimited(
                f"LLM endpoint rate-limited the request{hint}", retry_after_seconds=retry_after
            ) from exc
        except openai.APIStatusError as exc:
            if exc.status_code >= 500:
                raise TransientError(
                    f"LLM endpoint failed with HTTP {exc.status_code}", error_type="LLM_UNAVAILABLE"
                ) from exc
            raise TerminalError(
                f"LLM endpoint refused the request with HTTP {exc.status_code}: {_message(exc)}",
                error_type="LLM_REJECTED",
            ) from exc
        except openai.OpenAIError as exc:
            raise TerminalError(f"LLM call failed: {exc}", error_type="LLM_ERROR") from exc
        if not response.choices:
            raise TransientError("LLM endpoint returned no choices", error_type="LLM_EMPTY")
        text = response.choices[0].message.content or ""
        usage = response.usage
        prompt_tokens = usage.prompt_tokens if usage else 0
        completion_tokens = usage.completion_tokens if usage else 0
        return ChatReply(
            text=text,
            provider=self.provider,
            model=response.model or self.model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=estimate_cost(
                prompt_tokens, completion_tokens, self._prompt_cost, self._completion_cost
            ),
        )


def _message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
    return str(exc.message)[:300]


def _seconds(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare for APIs and ignored)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
