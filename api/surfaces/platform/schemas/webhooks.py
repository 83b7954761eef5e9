"""Request and response bodies of the webhook routes (the AI-ETL platform API and the named batch
pipelines API, snake_case)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

PipelineRef = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")]
SECRET_HELP = (
    "HMAC-SHA256 key of the signatures (8 to 500 characters); stored encrypted and never "
    "returned. Omitted: the server generates one and returns it once, in this response."
)


class _WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000, description="http(s) URL to POST events to")
    secret: SecretStr | None = Field(default=None, description=SECRET_HELP)
    pipelines: list[PipelineRef] = Field(
        default_factory=list,
        max_length=100,
        description="pipeline ids or names whose runs are notified; empty: every pipeline",
    )

    @field_validator("secret")
    @classmethod
    def _secret_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not 8 <= len(value.get_secret_value()) <= 500:
            raise ValueError("the secret must have 8 to 500 characters")
        return value


class V1WebhookCreate(_WebhookCreate):
    """The AI-ETL platform API: ``{"url", "events": ["pipeline.completed", "pipeline.failed"],
    "secret"}``."""

    events: list[Literal["pipeline.completed", "pipeline.failed"]] = Field(
        min_length=1, max_length=2
    )


class PipelineWebhookCreate(_WebhookCreate):
    """The named batch pipelines API: ``{"url", "events": ["SUCCESS", "FAILURE"], "pipelines":
    [...]}``."""

    events: list[Literal["SUCCESS", "FAILURE"]] = Field(min_length=1, max_length=2)


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    pipelines: list[str]
    has_secret: bool = True
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str | None = Field(
        default=None, description="only when the server generated it; shown this once"
    )


class WebhookList(BaseModel):
    webhooks: list[WebhookOut]
    total: int
    page: int
    per_page: int


class AttemptOut(BaseModel):
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: int
    at: datetime


class DeliveryOut(BaseModel):
    id: str
    webhook_id: str
    run_id: str
    event: str
    status: Literal["PENDING", "DELIVERED", "FAILED"]
    attempts: int
    status_code: int | None = Field(description="of the last attempt")
    error: str | None = Field(description="of the last attempt")
    created_at: datetime
    delivered_at: datetime | None
    history: list[AttemptOut] = Field(description="every attempt, in order")


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]
    total: int
    page: int
    per_page: int
