"""Request and response bodies of /v1/pipelines."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from api.schemas.common import CamelModel, CamelRequest
from domain.definition import PipelineDefinition


class PipelineStatus(StrEnum):
    CREATED = "CREATED"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ARCHIVED = "ARCHIVED"


class PipelineCreate(CamelRequest):
    name: str = Field(min_length=1, max_length=200)
    version: str = Field(default="1.0.0", min_length=1, max_length=64)
    description: str | None = None
    definition: PipelineDefinition
    tags: list[str] = Field(default_factory=list)


class PipelineUpdate(CamelRequest):
    """Metadata changes apply in place; a definition change makes a new immutable version."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    version: str | None = Field(default=None, min_length=1, max_length=64)
    description: str | None = None
    definition: PipelineDefinition | None = None
    tags: list[str] | None = None
    status: PipelineStatus | None = None


class PipelineCreated(CamelModel):
    pipeline_id: str
    name: str
    version: str
    status: str
    created_at: datetime


class PipelineOut(CamelModel):
    pipeline_id: str
    name: str
    version: str
    version_number: int
    description: str | None
    definition: dict[str, Any]
    tags: list[str]
    status: str
    created_at: datetime
    updated_at: datetime
