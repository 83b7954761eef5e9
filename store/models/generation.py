"""Tables of the generation area; import them from ``store.models.generation``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from store.models.core import _ts


class Generation(SQLModel, table=True):
    """One AI generation: the request, who answered (provider/model/tokens/cost), the artifacts
    of the version it stored (or why it failed)."""

    __tablename__ = "generations"
    __table_args__ = (Index("ix_generations_tenant_pipeline", "tenant_id", "pipeline_id"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    pipeline_id: str | None = Field(default=None, max_length=64)
    version_number: int | None = None
    mode: str = Field(max_length=16)  # generate, regenerate
    status: str = Field(max_length=16)  # generated, failed
    intent: str
    request: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    provider: str = Field(max_length=64)
    model: str = Field(max_length=200)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    attempts: int = 0
    artifacts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    errors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=200)
    created_at: datetime = _ts(nullable=False)
