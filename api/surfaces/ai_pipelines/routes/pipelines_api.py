"""/api/v1/pipelines (the AI-ETL pipelines API, snake_case): read, update metadata, delete,
versions, run, status.

The same store and run logic as /v1/pipelines (pipeline service API); only the words and shapes
differ.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.deps import ClientDep, Editor, PerPageDep, SessionDep, SettingsDep, TagsDep, Viewer
from api.errors import invalid, missing_parameters
from api.listing import shown, strings
from api.pagination import paged_per_page
from api.schemas.pipelines_api import (
    PipelineDocument,
    PipelineMetadataUpdate,
    PipelineStatusOut,
    RunAccepted,
    RunRequest,
    VersionList,
    VersionOut,
)
from api.surfaces.ai_pipelines import configuration
from api.surfaces.ai_pipelines.review import require_confirmation
from api.surfaces.ai_pipelines.routes.runs_api import run_state
from api.surfaces.ai_pipelines.words import (
    LISTED_WORDS,
    PIPELINE_WORDS,
    pipeline_word,
    run_word,
    stored_pipeline_status,
)
from core.settings import Settings
from core.temporal import workflow_ui_url
from services import pipeline_metadata, runs, schedules
from store import deployments as deployment_store
from store import generations as generation_store
from store import monitoring as monitoring_store
from store import pipelines as pipeline_store
from store import schedules as schedule_store
from store.models import Pipeline, PipelineVersion, utcnow

router = APIRouter(prefix="/api/v1/pipelines", tags=["pipelines (AI-ETL pipelines API)"])

_SETTABLE_STATUSES = (*PIPELINE_WORDS.values(), "archived")


async def _schedule(session: AsyncSession, pipeline: Pipeline, definition: dict) -> str | None:
    """The pipeline's own Temporal Schedule's cron, else the one its definition asks for."""
    own = await schedule_store.pipeline_own(session, pipeline.tenant_id, pipeline.id)
    orchestration = definition.get("orchestration") if isinstance(definition, dict) else None
    return own.cron if own else (orchestration or {}).get("schedule")


async def document(
    session: AsyncSession,
    pipeline: Pipeline,
    version: PipelineVersion | None = None,
    *,
    requests: list[dict] | None = None,
    deployed: bool | None = None,
) -> PipelineDocument:
    """The pipeline as the AI-ETL pipelines API shows it; ``requests`` (its generate requests)
    and ``deployed`` are looked up unless a list gives them."""
    if version is None:
        version = await pipeline_store.get_version(session, pipeline.id, pipeline.current_version)
    if requests is None:
        found = await configuration.generation_requests(session, pipeline.tenant_id, [pipeline.id])
        requests = found.get(pipeline.id, [])
    if deployed is None:
        deployed = bool(
            await deployment_store.for_pipeline(
                session, pipeline.tenant_id, pipeline.id, statuses=("DEPLOYED",)
            )
        )
    return PipelineDocument(
        id=pipeline.id,
        project_id=configuration.project_of(requests),
        name=pipeline.name,
        status=pipeline_word(pipeline.status, deployed=deployed),
        description=pipeline.description,
        schedule=await _schedule(session, pipeline, version.definition),
        configuration=await configuration.configuration(
            session, pipeline.tenant_id, version.definition, requests
        ),
        tags=pipeline.tags,
        version=version.label,
        version_number=version.number,
        created_at=pipeline.created_at,
        updated_at=pipeline.updated_at,
    )


@router.get("", response_model=None)
async def list_pipelines(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Viewer,
    page: PerPageDep,
    tags: TagsDep,
    status_filter: Annotated[
        str | None, Query(alias="status", description=", ".join(LISTED_WORDS))
    ] = None,
) -> dict:
    live = {d.pipeline_id for d in await deployment_store.deployed(session, principal.tenant_id)}
    keep = None
    if status_filter is not None:
        wanted = status_filter.strip().lower()
        if wanted not in LISTED_WORDS:
            words = ", ".join(LISTED_WORDS)
            raise invalid(
                f"unknown status {status_filter!r}: use one of {words}",
                [{"loc": ["query", "status"], "msg": f"one of {words}", "type": "enum"}],
            )

        def keep(row: Pipeline) -> bool:
            return pipeline_word(row.status, deployed=row.id in live) == wanted

    rows, total = await pipeline_store.page(
        session,
        principal.tenant_id,
        tags=tags,
        keep=keep,
        offset=page.offset,
        limit=page.per_page,
    )
    paged_per_page(request, response, total, page.page, page.per_page)
    versions = await pipeline_store.current_versions(session, rows)
    requests = await configuration.generation_requests(
        session, principal.tenant_id, [r.id for r in rows]
    )

    async def item(row: Pipeline) -> dict:
        shown_row = await document(
            session,
            row,
            versions[row.id],
            requests=requests.get(row.id, []),
            deployed=row.id in live,
        )
        return shown_row.model_dump(mode="json")

    def with_problem(row: Pipeline, problem: str) -> dict:
        version = versions.get(row.id)
        bare = PipelineDocument(
            id=row.id,
            project_id=None,
            name=row.name,
            status=pipeline_word(row.status, deployed=row.id in live),
            description=row.description,
            schedule=None,
            configuration={},
            tags=strings(row.tags),
            version=version.label if version else "",
            version_number=row.current_version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        return {**bare.model_dump(mode="json"), "problem": problem}

    items = await shown(rows, item, fallback=with_problem, what="pipeline")
    return {"pipelines": items, "total": total, "page": page.page, "per_page": page.per_page}


@router.get("/{pipeline_id}", response_model=PipelineDocument)
async def get_pipeline(
    pipeline_id: str, session: SessionDep, principal: Viewer
) -> PipelineDocument:
    return await document(
        session, await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    )


@router.put("/{pipeline_id}", response_model=PipelineDocument)
async def update_pipeline(
    pipeline_id: str,
    body: PipelineMetadataUpdate,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
) -> PipelineDocument:
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    new_status = None
    if body.status is not None:
        if body.status.lower() not in _SETTABLE_STATUSES:
            raise invalid(
                f"status {body.status!r} cannot be set: use one of {', '.join(_SETTABLE_STATUSES)}",
                [{"loc": ["body", "status"], "msg": "unknown status", "type": "value_error"}],
            )
        new_status = stored_pipeline_status(body.status)
    await pipeline_metadata.apply(
        session,
        client,
        pipeline,
        name=body.name,
        description=body.description,
        tags=body.tags,
    )
    if "schedule" in body.model_fields_set or body.timezone is not None:
        await _reschedule(session, client, settings, pipeline, body)
    # The status last, so that pausing also pauses a schedule this request has just set.
    await pipeline_metadata.apply(session, client, pipeline, status=new_status)
    pipeline.updated_at = utcnow()
    session.add(pipeline)
    await session.commit()
    return await document(session, pipeline)


@router.delete("/{pipeline_id}")
async def delete_pipeline(
    pipeline_id: str, session: SessionDep, client: ClientDep, principal: Editor
) -> dict:
    """Soft delete: the pipeline leaves every list and cannot run; its runs stay readable."""
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    await pipeline_metadata.delete(session, client, pipeline)
    return {"status": "deleted", "id": pipeline.id}


@router.get("/{pipeline_id}/versions", response_model=VersionList)
async def list_versions(pipeline_id: str, session: SessionDep, principal: Viewer) -> VersionList:
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    generated = await generation_store.artifacts_by_version(
        session, principal.tenant_id, pipeline.id
    )
    result = await session.exec(
        select(PipelineVersion)
        .where(PipelineVersion.pipeline_id == pipeline.id)
        .order_by(col(PipelineVersion.number).desc())
    )
    return VersionList(
        versions=[
            VersionOut(
                version=v.label,
                number=v.number,
                created_at=v.created_at,
                created_by=v.created_by,
                description=v.description,
                current=v.number == pipeline.current_version,
                # What generation made of this version (if it did), and its definition.
                artifacts={**generated.get(v.number, {}), "definition": v.definition},
            )
            for v in result
        ]
    )


@router.post("/{pipeline_id}:run", status_code=status.HTTP_202_ACCEPTED, response_model=RunAccepted)
async def run_pipeline(
    pipeline_id: str,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
    body: RunRequest | None = None,
    confirm: Annotated[bool, Query(description="run a generated version needing review")] = False,
) -> RunAccepted:
    body = body or RunRequest()
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    await require_confirmation(
        session, principal.tenant_id, pipeline, confirm or body.confirm, "run"
    )
    parameters = {**body.params.parameters(), **body.conf.parameters()}
    try:
        execution = await runs.submit(session, client, settings, pipeline, parameters)
    except runs.MissingParameters as exc:
        raise missing_parameters(exc, "body", "conf") from None
    return RunAccepted(
        run_id=execution.id,
        status=run_word(execution.status),
        pipeline_id=pipeline.id,
        workflow_id=execution.workflow_id,
        temporal_ui_url=workflow_ui_url(settings, execution.workflow_id),
    )


@router.get("/{pipeline_id}/status", response_model=PipelineStatusOut)
async def pipeline_status(
    pipeline_id: str, session: SessionDep, client: ClientDep, principal: Viewer
) -> PipelineStatusOut:
    """The pipeline's latest run: status, current task, progress, estimated completion."""
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    last = await monitoring_store.last_run(session, pipeline.id)
    if last is None:
        return PipelineStatusOut(
            pipeline_id=pipeline.id,
            run_id=None,
            status="idle",
            current_task=None,
            progress=0,
            started_at=None,
            finished_at=None,
            estimated_completion=None,
        )
    state = await run_state(session, await runs.snapshot_of(session, client, last))
    return PipelineStatusOut(
        pipeline_id=pipeline.id,
        run_id=last.id,
        status=state.status,
        current_task=state.current_task,
        progress=state.progress,
        started_at=state.started_at,
        finished_at=state.finished_at,
        estimated_completion=state.estimated_completion,
    )


# --- schedules: Temporal Schedules, kept by services.schedules (the lifecycle area) -------------


async def _reschedule(
    session: AsyncSession,
    client: Client,
    settings: Settings,
    pipeline: Pipeline,
    body: PipelineMetadataUpdate,
) -> None:
    """Set, change or (an empty or null ``schedule``) remove the pipeline's own schedule."""
    own = await schedule_store.pipeline_own(session, pipeline.tenant_id, pipeline.id)
    if "schedule" in body.model_fields_set:
        cron = (body.schedule or "").strip() or None
    else:  # only the time zone changes
        cron = own.cron if own else None
        if cron is None:
            message = "timezone needs a schedule: give 'schedule' (a cron expression) as well"
            raise invalid(
                message, [{"loc": ["body", "schedule"], "msg": message, "type": "missing"}]
            )
    timezone = body.timezone or (own.timezone if own else "UTC")
    try:
        await schedules.set_pipeline_schedule(
            client, session, settings, pipeline.tenant_id, pipeline.id, cron, timezone
        )
    except schedules.InvalidSchedule as exc:
        where = "timezone" if exc.field == "timezone" else "schedule"
        raise invalid(
            str(exc), [{"loc": ["body", where], "msg": str(exc), "type": "value_error"}]
        ) from None
