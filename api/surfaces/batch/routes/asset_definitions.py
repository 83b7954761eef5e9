"""/api/pipeline/definitions: the tenant's asset pipelines (and the built-in ones), by name.

A definition saved here is a pipeline that /api/pipeline/trigger/{pipeline} runs; its format is
``domain.assets.AssetPipelineDefinition``, published at /v1/schemas/asset-pipeline-definition.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import Editor, SessionDep, Viewer
from api.errors import invalid
from api.surfaces.batch.schemas.asset_definitions import AssetPipelineList, AssetPipelineOut
from domain.assets import AssetPipelineDefinition
from services import asset_pipelines
from store.errors import NotFound

router = APIRouter(prefix="/definitions")


def _out(pipeline: asset_pipelines.AssetPipeline) -> AssetPipelineOut:
    return AssetPipelineOut(
        name=pipeline.name,
        built_in=pipeline.built_in,
        description=pipeline.definition.description,
        definition=pipeline.definition.model_dump(mode="json", by_alias=True, exclude_none=True),
    )


@router.get("", response_model=AssetPipelineList)
async def list_definitions(session: SessionDep, principal: Viewer) -> AssetPipelineList:
    found = await asset_pipelines.every(session, principal.tenant_id)
    return AssetPipelineList(pipelines=[_out(p) for p in found], total=len(found))


@router.get("/{name}", response_model=AssetPipelineOut)
async def get_definition(name: str, session: SessionDep, principal: Viewer) -> AssetPipelineOut:
    found = await asset_pipelines.find(session, principal.tenant_id, name)
    if found is None:
        raise NotFound(f"Pipeline {name!r} not found", code="PIPELINE_NOT_FOUND")
    return _out(found)


@router.post("", response_model=AssetPipelineOut, status_code=201)
async def create_definition(
    body: AssetPipelineDefinition, session: SessionDep, principal: Editor
) -> AssetPipelineOut:
    saved = await asset_pipelines.define(session, principal.tenant_id, body, principal.subject)
    return _out(saved)


@router.put("/{name}", response_model=AssetPipelineOut)
async def replace_definition(
    name: str, body: AssetPipelineDefinition, session: SessionDep, principal: Editor
) -> AssetPipelineOut:
    if body.name != name:
        message = f"the definition's name {body.name!r} differs from the path's {name!r}"
        raise invalid(message, [{"loc": ["body", "name"], "msg": message, "type": "value_error"}])
    saved = await asset_pipelines.define(
        session, principal.tenant_id, body, principal.subject, replace=True
    )
    return _out(saved)


@router.delete("/{name}", status_code=204)
async def delete_definition(name: str, session: SessionDep, principal: Editor) -> Response:
    await asset_pipelines.remove(session, principal.tenant_id, name)
    return Response(status_code=204)
