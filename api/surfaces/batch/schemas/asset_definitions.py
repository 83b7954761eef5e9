"""Bodies of /api/pipeline/definitions: asset pipelines, built-in and the tenant's own."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class AssetPipelineOut(BaseModel):
    name: str
    built_in: bool = Field(description="true for the credit-scoring package's pipelines")
    description: str | None
    definition: dict[str, Any] = Field(
        description="the asset pipeline definition (JSON Schema: "
        "/v1/schemas/asset-pipeline-definition)"
    )


class AssetPipelineList(BaseModel):
    pipelines: list[AssetPipelineOut]
    total: int
