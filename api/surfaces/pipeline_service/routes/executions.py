"""Pipeline executions: execute, read (live progress and metrics), list, cancel, pause and
resume (continuous runs), logs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.deps import ClientDep, Editor, LogCursor, PageDep, SessionDep, SettingsDep, Viewer
from api.errors import invalid, missing_parameters
from api.pagination import paged
from api.surfaces.pipeline_service.schemas.executions import (
    CancelAccepted,
    ExecuteRequest,
    ExecutionLogs,
    ExecutionOut,
    ExecutionSubmitted,
    LogLine,
    MetricsOut,
    PauseAccepted,
    ProgressOut,
    StreamOut,
    TaskOut,
)
from core.settings import Settings
from core.temporal import workflow_ui_url
from domain.status import RunStatus
from services import runs
from store import pipelines as pipeline_store
from store import runs as run_store
from store.errors import Conflict

router = APIRouter(prefix="/v1/pipelines", tags=["executions"])


@router.post(
    "/{pipeline_id}/execute",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ExecutionSubmitted,
)
async def execute_pipeline(
    pipeline_id: str,
    body: ExecuteRequest,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
) -> ExecutionSubmitted:
    if body.engine_override not in (None, "temporal"):
        raise invalid(
            f"engine {body.engine_override!r} is not available; Ductwork runs on 'temporal'",
            [{"loc": ["body", "engine_override"], "msg": "only 'temporal'", "type": "value_error"}],
        )
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    # Read before the run is recorded, which it does not change (a queued run has not
    # finished), while the session has written nothing: on SQLite it is then read in this
    # thread (store.db.read_now); elsewhere on the connection the session holds already.
    typical = await run_store.typical_duration_ms(session, pipeline.id)
    try:
        execution = await runs.submit(
            session, client, settings, pipeline, body.parameters, priority=body.priority
        )
    except runs.MissingParameters as exc:
        raise missing_parameters(exc, "body", "parameters") from None
    return ExecutionSubmitted(
        execution_id=execution.id,
        pipeline_id=pipeline.id,
        status=execution.status,
        engine=execution.engine,
        estimated_duration_ms=typical,
        submitted_at=execution.submitted_at,
        workflow_id=execution.workflow_id,
        temporal_ui_url=workflow_ui_url(settings, execution.workflow_id),
    )


@router.get("/executions", response_model=None)
async def list_executions(
    request: Request,
    response: Response,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Viewer,
    page: PageDep,
    pipeline_id: Annotated[str | None, Query(alias="pipelineId")] = None,
    status_filter: Annotated[RunStatus | None, Query(alias="status")] = None,
) -> dict:
    rows, total = await run_store.page(
        session,
        principal.tenant_id,
        pipeline_id=pipeline_id,
        status=status_filter.value if status_filter else None,
        offset=page.offset,
        limit=page.size,
    )
    steps = await run_store.steps_of(session, [row.id for row in rows])
    items = [
        _describe(
            settings, await runs.snapshot_of(session, client, row, steps[row.id], live=False)
        ).model_dump(by_alias=True, mode="json")
        for row in rows
    ]
    return paged(request, response, items, total, page)


@router.get("/executions/{execution_id}", response_model=ExecutionOut)
async def get_execution(
    execution_id: str,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Viewer,
) -> ExecutionOut:
    return _describe(
        settings, await runs.snapshot(session, client, principal.tenant_id, execution_id)
    )


@router.post(
    "/executions/{execution_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CancelAccepted,
)
async def cancel_execution(
    execution_id: str, session: SessionDep, client: ClientDep, principal: Editor
) -> CancelAccepted:
    row = await run_store.get(session, principal.tenant_id, execution_id)
    if RunStatus(row.status).finished:
        raise Conflict(
            f"execution {execution_id} has already finished ({row.status}); nothing to cancel",
            code="EXECUTION_FINISHED",
        )
    requested = await runs.cancel(client, row, session)
    if not requested:
        raise Conflict(f"execution {execution_id} has already finished", code="EXECUTION_FINISHED")
    # Answer with the outcome when it comes in time: CANCELLED (nothing loaded), or COMPLETED
    # when the cancel arrived after the load had committed.
    row = await runs.outcome_after_cancel(session, client, row)
    return CancelAccepted(
        execution_id=row.id, status=row.status, note=row.note, message=runs.cancel_message(row)
    )


PAUSE_MESSAGES = {
    True: "the run pauses once its current micro-batch is loaded; resume it to read on",
    False: "the run reads on from where it paused",
}


@router.post(
    "/executions/{execution_id}/pause",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PauseAccepted,
)
async def pause_execution(
    execution_id: str, session: SessionDep, client: ClientDep, principal: Editor
) -> PauseAccepted:
    """A continuous run stops reading after its current micro-batch, keeping its position."""
    return await _set_paused(session, client, principal.tenant_id, execution_id, True)


@router.post(
    "/executions/{execution_id}/resume",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PauseAccepted,
)
async def resume_execution(
    execution_id: str, session: SessionDep, client: ClientDep, principal: Editor
) -> PauseAccepted:
    """A paused continuous run reads on from the position its target holds."""
    return await _set_paused(session, client, principal.tenant_id, execution_id, False)


async def _set_paused(
    session: AsyncSession, client: Client, tenant_id: str, execution_id: str, paused: bool
) -> PauseAccepted:
    row = await run_store.get(session, tenant_id, execution_id)
    await runs.set_paused(client, row, paused)
    return PauseAccepted(execution_id=row.id, paused=paused, message=PAUSE_MESSAGES[paused])


@router.get("/executions/{execution_id}/logs", response_model=ExecutionLogs)
async def execution_logs(
    execution_id: str,
    session: SessionDep,
    principal: Viewer,
    task: Annotated[str | None, Query(description="only this task's lines")] = None,
    lines: Annotated[int, Query(ge=1, le=10_000, description="the last N lines")] = 100,
    after: LogCursor = None,
) -> ExecutionLogs:
    page = await runs.log_page(
        session, principal.tenant_id, execution_id, task=task, lines=lines, after=after
    )
    return ExecutionLogs(
        execution_id=page.execution_id,
        task=task,
        lines=[LogLine(**line) for line in page.lines],
        next_after=page.next_after,
    )


def _describe(settings: Settings, run: runs.RunSnapshot) -> ExecutionOut:
    """The run's snapshot in this surface's words (live progress while it is active)."""
    row, steps, progress = run.execution, run.steps, run.progress
    return ExecutionOut(
        execution_id=row.id,
        pipeline_id=row.pipeline_id,
        pipeline_version=row.pipeline_version,
        status=run.status.value,
        engine=row.engine,
        priority=row.priority,
        parameters=row.parameters,
        stream=StreamOut(**progress.stream) if progress.stream else None,
        progress=ProgressOut(
            total_tasks=progress.total_tasks,
            completed_tasks=progress.completed_tasks,
            current_task=run.current_task,
            percentage=progress.percentage,
        ),
        metrics=MetricsOut(
            rows_processed=run.rows_processed,
            rows_loaded=run.rows_loaded,
            bytes_processed=run.bytes_processed,
            elapsed_ms=run_store.elapsed_ms(row.started_at, row.finished_at) or 0,  # queued: 0
        ),
        tasks=[
            TaskOut(
                name=s.name,
                kind=s.kind,
                status=s.status,
                attempt=s.attempt,
                rows=s.rows,
                bytes=s.bytes,
                started_at=s.started_at,
                finished_at=s.finished_at,
                error=s.error,
            )
            for s in steps
        ],
        error=row.error,
        note=row.note,
        submitted_at=row.submitted_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        workflow_id=row.workflow_id,
        temporal_ui_url=workflow_ui_url(settings, row.workflow_id),
    )
