"""Published JSON Schemas: a stable URL for editors and CI checks of pipeline definitions."""

from __future__ import annotations

from fastapi import APIRouter

from domain.assets import asset_definition_json_schema
from domain.definition import definition_json_schema

router = APIRouter(prefix="/v1/schemas", tags=["schemas"])


@router.get("/pipeline-definition", summary="JSON Schema of a pipeline definition")
async def pipeline_definition_schema() -> dict:
    return definition_json_schema()


@router.get("/asset-pipeline-definition", summary="JSON Schema of an asset pipeline definition")
async def asset_pipeline_definition_schema() -> dict:
    """The format of /api/pipeline/definitions bodies: assets with dependencies, each a SQL or
    a built-in Python step."""
    return asset_definition_json_schema()
