"""/api/v1/runs (AI-ETL pipelines API, AI-ETL platform API): a run's status and logs, in
snake_case."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import ClientDep, LogCursor, SessionDep, SettingsDep, Viewer
from api.schemas.pipelines_api import RunLogLine, RunLogs, RunStatusOut
from api.surfaces.ai_pipelines.words import run_word
from core.temporal import workflow_ui_url
from services import runs
from store import runs as run_store

router = APIRouter(prefix="/api/v1/runs", tags=["runs (AI-ETL pipelines API)"])


async def run_state(session: AsyncSession, run: runs.RunSnapshot) -> RunStatusOut:
    """A run's snapshot in this surface's words (live progress while it is active)."""
    row, status, progress = run.execution, run.status, run.progress
    estimated = row.finished_at
    if row.finished_at is None and row.started_at is not None:
        typical = await run_store.typical_duration_ms(session, row.pipeline_id)
        if typical is not None:
            estimated = row.started_at + timedelta(milliseconds=typical)
    return RunStatusOut(
        run_id=row.id,
        pipeline_id=row.pipeline_id,
        status=run_word(status.value),
        current_task=None if status.finished else run.current_task,
        progress=progress.percentage,
        total_tasks=progress.total_tasks,
        completed_tasks=progress.completed_tasks,
        rows_processed=run.rows_processed,
        rows_loaded=run.rows_loaded,
        submitted_at=row.submitted_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        estimated_completion=estimated,
        error=row.error,
        workflow_id=row.workflow_id,
        temporal_ui_url="",
    )


@router.get("/{run_id}/status", response_model=RunStatusOut)
async def run_status(
    run_id: str, session: SessionDep, client: ClientDep, settings: SettingsDep, principal: Viewer
) -> RunStatusOut:
    run = await runs.snapshot(session, client, principal.tenant_id, run_id)
    state = await run_state(session, run)
    state.temporal_ui_url = workflow_ui_url(settings, run.execution.workflow_id)
    return state


@router.get("/{run_id}/logs", response_model=RunLogs)
async def run_logs(
    run_id: str,
    session: SessionDep,
    principal: Viewer,
    task: Annotated[str | None, Query(description="only this task's lines")] = None,
    lines: Annotated[int, Query(ge=1, le=10_000, description="the last N lines")] = 100,
    after: LogCursor = None,
) -> RunLogs:
    page = await runs.log_page(
        session, principal.tenant_id, run_id, task=task, lines=lines, after=after
    )
    return RunLogs(
        run_id=page.execution_id,
        task=task,
        logs=[RunLogLine(**line) for line in page.lines],
        next_after=page.next_after,
    )
