"""Tables of the webhooks area: webhooks, their deliveries and every delivery attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.core import _ts


class Webhook(SQLModel, table=True):
    """A URL told about runs that finish; its secret is encrypted (core.secrets.Cipher)."""

    __tablename__ = "webhooks"
    __table_args__ = (Index("ix_webhooks_tenant_surface", "tenant_id", "surface"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    surface: str = Field(max_length=16)  # "v1" (AI-ETL platform) or "pipeline" (batch pipelines)
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Pipeline ids or names; empty: every pipeline of the tenant.
    pipelines: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret_encrypted: str
    created_by: str = Field(max_length=200)
    created_at: datetime = _ts(nullable=False)


class WebhookDelivery(SQLModel, table=True):
    """One event sent to one webhook: PENDING until DELIVERED, or FAILED when given up."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "execution_id", "event", name="uq_webhook_deliveries"),
        # The retention sweep deletes ended deliveries by age.
        Index("ix_webhook_deliveries_status_updated", "status", "updated_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    webhook_id: str = Field(foreign_key="webhooks.id", index=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    execution_id: str = Field(max_length=64)
    event: str = Field(max_length=64)
    status: str = Field(default="PENDING", max_length=16)
    attempts: int = 0
    status_code: int | None = None  # of the last attempt
    error: str | None = None  # of the last attempt
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)
    delivered_at: datetime | None = _ts(nullable=True)


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(foreign_key="webhook_deliveries.id", index=True, max_length=64)
    attempt: int
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0
    at: datetime = _ts(nullable=False)
