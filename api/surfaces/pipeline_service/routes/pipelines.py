"""/v1/pipelines: create, list, read, update (new version on definition change), delete."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import (
    CipherDep,
    ClientDep,
    Editor,
    PageDep,
    SessionDep,
    SettingsDep,
    TagsDep,
    Viewer,
)
from api.errors import invalid
from api.listing import shown, strings
from api.pagination import paged
from api.surfaces.pipeline_service.schemas.pipelines import (
    PipelineCreate,
    PipelineCreated,
    PipelineOut,
    PipelineStatus,
    PipelineUpdate,
)
from core.secrets import Cipher
from core.settings import Settings
from domain.definition import PipelineDefinition
from services import pipeline_metadata
from services.definition_validation import check_definition, problems_code
from services.stored_definitions import definition_of
from store import pipelines as pipeline_store
from store.models import Pipeline, PipelineVersion, utcnow

router = APIRouter(prefix="/v1/pipelines", tags=["pipelines"])


def stored_definition(definition: PipelineDefinition) -> dict:
    return definition.model_dump(mode="json", by_alias=True, exclude_none=True)


async def _validated(
    session: AsyncSession,
    cipher: Cipher,
    settings: Settings,
    tenant_id: str,
    definition: PipelineDefinition,
) -> set[str]:
    """The connection ids the definition uses; 422 listing every problem otherwise."""
    problems, ids = await check_definition(session, cipher, settings, tenant_id, definition)
    if problems:
        details = [p.as_dict() for p in problems]
        raise invalid(
            "invalid pipeline definition: " + "; ".join(p.msg for p in problems),
            details,
            code=problems_code(problems),
        )
    return set(ids.values())


async def _out(
    session: AsyncSession, pipeline: Pipeline, version: PipelineVersion | None = None
) -> PipelineOut:
    if version is None:
        version = await pipeline_store.get_version(session, pipeline.id, pipeline.current_version)
    return PipelineOut(
        pipeline_id=pipeline.id,
        name=pipeline.name,
        version=version.label,
        version_number=version.number,
        description=pipeline.description,
        # Not an object only when written by hand: shown empty (running it says why).
        definition=version.definition if isinstance(version.definition, dict) else {},
        tags=pipeline.tags,
        status=pipeline.status,
        created_at=pipeline.created_at,
        updated_at=pipeline.updated_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PipelineCreated)
async def create_pipeline(
    body: PipelineCreate,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Editor,
) -> PipelineCreated:
    connection_ids = await _validated(
        session, cipher, settings, principal.tenant_id, body.definition
    )
    now = utcnow()
    pipeline = Pipeline(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        name=body.name,
        description=body.description,
        tags=body.tags,
        status=PipelineStatus.CREATED.value,
        current_version=1,
        created_at=now,
        updated_at=now,
    )
    version = PipelineVersion(
        pipeline_id=pipeline.id,
        number=1,
        label=body.version,
        definition=stored_definition(body.definition),
        created_by=principal.subject,
        description=body.description,
        created_at=now,
    )
    await pipeline_store.create(session, pipeline, version, connection_ids)
    return PipelineCreated(
        pipeline_id=pipeline.id,
        name=pipeline.name,
        version=version.label,
        status=pipeline.status,
        created_at=now,
    )


@router.get("", response_model=None)
async def list_pipelines(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Viewer,
    page: PageDep,
    tags: TagsDep,
    status_filter: Annotated[PipelineStatus | None, Query(alias="status")] = None,
) -> dict:
    wanted = status_filter.value if status_filter else None
    rows, total = await pipeline_store.page(
        session,
        principal.tenant_id,
        tags=tags,
        keep=(lambda row: row.status.upper() == wanted) if wanted else None,
        offset=page.offset,
        limit=page.size,
    )
    versions = await pipeline_store.current_versions(session, rows)

    async def item(row: Pipeline) -> dict:
        return (await _out(session, row, versions[row.id])).model_dump(by_alias=True, mode="json")

    def with_problem(row: Pipeline, problem: str) -> dict:
        version = versions.get(row.id)
        bare = PipelineOut(
            pipeline_id=row.id,
            name=row.name,
            version=version.label if version else "",
            version_number=row.current_version,
            description=row.description,
            definition={},
            tags=strings(row.tags),
            status=row.status,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        return {**bare.model_dump(by_alias=True, mode="json"), "problem": problem}

    items = await shown(rows, item, fallback=with_problem, what="pipeline")
    return paged(request, response, items, total, page)


@router.get("/{pipeline_id}", response_model=PipelineOut)
async def get_pipeline(pipeline_id: str, session: SessionDep, principal: Viewer) -> PipelineOut:
    return await _out(session, await pipeline_store.get(session, principal.tenant_id, pipeline_id))


@router.put("/{pipeline_id}", response_model=PipelineOut)
async def update_pipeline(
    pipeline_id: str,
    body: PipelineUpdate,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    client: ClientDep,
    principal: Editor,
) -> PipelineOut:
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    current = await pipeline_store.get_version(session, pipeline.id, pipeline.current_version)
    new_definition = stored_definition(body.definition) if body.definition else current.definition
    version = None
    # The definition is checked before anything changes: a refused update changes nothing.
    if new_definition != current.definition or (body.version and body.version != current.label):
        connection_ids = await _validated(
            session,
            cipher,
            settings,
            principal.tenant_id,
            body.definition or definition_of(pipeline, current),
        )
        version = PipelineVersion(
            pipeline_id=pipeline.id,
            number=current.number + 1,
            label=pipeline_store.next_label(current.label, body.version),
            definition=new_definition,
            created_by=principal.subject,
            description=body.description,
            created_at=utcnow(),
        )
    await pipeline_metadata.apply(
        session,
        client,
        pipeline,
        name=body.name,
        description=body.description,
        tags=body.tags,
        status=body.status.value if body.status else None,
    )
    if version is not None:
        await pipeline_store.add_version(session, pipeline, version, connection_ids)
    pipeline.updated_at = utcnow()
    session.add(pipeline)
    await session.commit()
    return await _out(session, pipeline)


@router.delete("/{pipeline_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_pipeline(
    pipeline_id: str, session: SessionDep, client: ClientDep, principal: Editor
) -> Response:
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    await pipeline_metadata.delete(session, client, pipeline)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
