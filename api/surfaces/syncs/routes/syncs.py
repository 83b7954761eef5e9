"""The connection syncs API's connection syncs, at the root: /connections, /pipelines,
/run_selected,
/task_status, /cancel_task, /history.

A the connection syncs API "connection" is a Ductwork pipeline addressed by its name (README, "API
surfaces").
A single run's task id is its execution id; ``/run_selected`` starts a BatchSyncWorkflow whose
task id is ``batch-…`` and whose workflow id is ``{tenant}/sync/{task_id}``.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from api.deps import ClientDep, Editor, SessionDep, SettingsDep, Viewer
from api.errors import missing_parameters
from api.surfaces.syncs.schemas.syncs import (
    AsyncStarted,
    BatchStarted,
    ConnectionOut,
    ConnectionStatus,
    HistoryEntry,
    Message,
    SyncResult,
    TaskStatus,
)
from api.surfaces.syncs.words import TASK_WORDS
from core import temporal
from domain.status import RunStatus
from services import runs, syncs
from store import runs as run_store
from store import syncs as sync_store
from store.errors import NotFound
from store.models import Execution, Pipeline
from workflows.batch_sync import BatchSyncWorkflow
from workflows.sync_payloads import BatchSyncInput, BatchSyncState, SyncTarget

router = APIRouter(tags=["connection syncs (connection syncs API)"])

_BATCH_ID = re.compile(r"batch-[0-9a-f]{32}")


async def _connection(session: AsyncSession, tenant_id: str, name: str) -> Pipeline:
    return await syncs.pipeline_named(
        session,
        tenant_id,
        name,
        code="CONNECTION_NOT_FOUND",
        message=f"connection {name!r} not found; GET /connections lists them",
    )


async def _list(session: AsyncSession, tenant_id: str, only_enabled: bool) -> list[ConnectionOut]:
    rows = await sync_store.pipelines(session, tenant_id)
    last = await sync_store.last_runs(session, [row.id for row in rows])
    found = []
    for row in rows:
        described = await syncs.describe(session, row)
        if only_enabled and not described.enabled:
            continue
        run = last.get(row.id)
        found.append(
            ConnectionOut(
                **vars(described),
                last_run_at=(run.started_at or run.submitted_at) if run else None,
            )
        )
    return found


@router.get("/connections", response_model=list[ConnectionOut])
async def list_connections(
    session: SessionDep,
    principal: Viewer,
    only_enabled: Annotated[bool, Query(description="only enabled connections")] = False,
) -> list[ConnectionOut]:
    return await _list(session, principal.tenant_id, only_enabled)


@router.get("/pipelines", response_model=list[ConnectionOut])
async def list_pipelines(
    session: SessionDep,
    principal: Viewer,
    only_enabled: Annotated[bool, Query(description="only enabled pipelines")] = False,
) -> list[ConnectionOut]:
    return await _list(session, principal.tenant_id, only_enabled)


async def _submit(
    session: AsyncSession, client: Client, settings: SettingsDep, pipeline: Pipeline
) -> Execution:
    try:
        return await runs.submit(session, client, settings, pipeline, {})
    except runs.MissingParameters as exc:
        raise missing_parameters(
            exc, "path", "name", caller=f"connection {pipeline.name!r}"
        ) from None


@router.post(
    "/connections/{name}/run", response_model=SyncResult, response_model_exclude_unset=True
)
async def run_connection(
    name: str,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
    include_report: Annotated[bool, Query(description="add a plain-text report")] = False,
) -> dict[str, Any]:
    """Run the sync and answer when it has finished (success or not)."""
    pipeline = await _connection(session, principal.tenant_id, name)
    execution = await _submit(session, client, settings, pipeline)
    await syncs.wait_closed(client, execution)
    await session.refresh(execution)
    # A workflow closed without recording its end (terminated from outside) settles the row.
    run = await runs.snapshot_of(session, client, execution)
    return syncs.sync_result(run.execution, run.steps, include_report=include_report)


@router.post("/connections/{name}/run_async", response_model=AsyncStarted)
async def run_connection_async(
    name: str, session: SessionDep, client: ClientDep, settings: SettingsDep, principal: Editor
) -> AsyncStarted:
    pipeline = await _connection(session, principal.tenant_id, name)
    execution = await _submit(session, client, settings, pipeline)
    return AsyncStarted(
        message=f"sync of {pipeline.name!r} started; GET /task_status/{execution.id}",
        task_id=execution.id,
        connection=pipeline.name,
    )


@router.get("/connections/{name}/status", response_model=ConnectionStatus)
async def connection_status(name: str, session: SessionDep, principal: Viewer) -> ConnectionStatus:
    pipeline = await _connection(session, principal.tenant_id, name)
    described = await syncs.describe(session, pipeline)
    run = (await sync_store.last_runs(session, [pipeline.id])).get(pipeline.id)
    if run is None:
        return ConnectionStatus(
            **vars(described),
            last_run_at=None,
            last_run_success=None,
            last_run_error=None,
            last_run_duration_ms=None,
            last_run_attempts=None,
        )
    result = syncs.sync_result(run, await run_store.steps(session, run.id), include_report=False)
    finished = RunStatus(run.status).finished
    return ConnectionStatus(
        **vars(described),
        last_run_at=run.started_at or run.submitted_at,
        last_run_success=result["success"] if finished else None,
        last_run_error=result["error"],
        last_run_duration_ms=result["duration_ms"] if finished else None,
        last_run_attempts=result["attempts"],
    )


@router.post("/run_selected", response_model=BatchStarted)
async def run_selected(
    session: SessionDep, client: ClientDep, settings: SettingsDep, principal: Editor
) -> BatchStarted:
    """Sync every enabled connection, one after the other, in a BatchSyncWorkflow."""
    targets = [
        SyncTarget(row.id, row.name)
        for row in await sync_store.pipelines(session, principal.tenant_id)
        if row.status.upper() != "PAUSED"
    ]
    task_id = f"batch-{uuid.uuid4().hex}"
    try:
        await client.start_workflow(
            BatchSyncWorkflow.run,
            BatchSyncInput(task_id, principal.tenant_id, targets),
            id=_batch_workflow_id(principal.tenant_id, task_id),
            task_queue=settings.temporal.task_queue,
            search_attributes=temporal.search_attributes(principal.tenant_id, "sync"),
            static_summary=f"sync of {len(targets)} connection(s) by {principal.subject}",
        )
    except RPCError as exc:
        if exc.status in temporal.UNREACHABLE:
            raise runs.TemporalUnavailable(exc.message) from exc
        raise
    return BatchStarted(
        message=f"batch sync of {len(targets)} connection(s) started; GET /task_status/{task_id}",
        task_id=task_id,
        connections=[t.name for t in targets],
    )


def _batch_workflow_id(tenant_id: str, task_id: str) -> str:
    return temporal.workflow_id("sync", tenant_id, task_id)


def _task_not_found(task_id: str) -> NotFound:
    return NotFound(f"task {task_id!r} not found", code="TASK_NOT_FOUND")


async def _single(session: AsyncSession, tenant_id: str, task_id: str) -> Execution:
    try:
        return await run_store.get(session, tenant_id, task_id)
    except NotFound:
        raise _task_not_found(task_id) from None


async def _batch(client: Client, tenant_id: str, task_id: str) -> tuple[WorkflowHandle, bool]:
    """The batch's workflow handle and whether it is still running; 404 when unknown."""
    if not _BATCH_ID.fullmatch(task_id):
        raise _task_not_found(task_id)
    handle = client.get_workflow_handle_for(
        BatchSyncWorkflow.run, _batch_workflow_id(tenant_id, task_id)
    )
    try:
        described = await handle.describe()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise _task_not_found(task_id) from None
        raise runs.TemporalUnavailable(exc.message) from exc
    return handle, described.status is WorkflowExecutionStatus.RUNNING


def _moment(text: str | None) -> datetime | None:
    """A moment of the batch's state (ISO text from ``workflow.now()``; empty: not yet)."""
    return datetime.fromisoformat(text) if text else None


@router.get("/task_status/{task_id}", response_model=TaskStatus)
async def task_status(
    task_id: str, session: SessionDep, client: ClientDep, principal: Viewer
) -> TaskStatus:
    if not task_id.startswith("batch-"):
        return await _single_status(session, client, principal.tenant_id, task_id)
    handle, running = await _batch(client, principal.tenant_id, task_id)
    try:
        state: BatchSyncState = (
            await handle.query(BatchSyncWorkflow.state)
            if running
            else await handle.result(rpc_timeout=None)
        )
    except (RPCError, WorkflowFailureError, WorkflowQueryFailedError):
        # No worker to answer yet, or the batch was terminated from outside.
        return TaskStatus(
            task_id=task_id,
            kind="batch",
            status="queued" if running else "cancelled",
            connections=[],
            current=None,
            completed=[],
            canceled=not running,
            started_at=None,
            finished_at=None,
            active=running,
        )
    return TaskStatus(
        task_id=task_id,
        kind="batch",
        status=state.status,
        connections=state.connections,
        current=state.current,
        completed=state.completed,
        canceled=state.canceled,
        started_at=_moment(state.started_at),
        finished_at=_moment(state.finished_at),
        active=running,
        results={name: vars(result) for name, result in state.results.items()},
    )


async def _single_status(
    session: AsyncSession, client: Client, tenant_id: str, task_id: str
) -> TaskStatus:
    run = await runs.snapshot_of(session, client, await _single(session, tenant_id, task_id))
    row, status = run.execution, run.status
    finished = status.finished  # only a recorded end (or a settled one) is finished
    name = await sync_store.pipeline_name(session, row.pipeline_id)
    result = syncs.sync_result(row, run.steps, include_report=False) if finished else None
    return TaskStatus(
        task_id=row.id,
        kind="single",
        status=TASK_WORDS[status],
        connections=[name],
        current=None if finished else name,
        completed=[name] if finished else [],
        canceled=finished and status is RunStatus.CANCELLED,
        started_at=row.started_at or row.submitted_at,
        finished_at=row.finished_at if finished else None,
        active=not finished,
        connection=name,
        result=result,
        error=result["error"] if result else None,
    )


@router.post("/cancel_task/{task_id}", response_model=Message)
async def cancel_task(
    task_id: str, session: SessionDep, client: ClientDep, principal: Editor
) -> Message:
    gone = f"task {task_id!r} has already completed"
    if not task_id.startswith("batch-"):
        row = await _single(session, principal.tenant_id, task_id)
        if RunStatus(row.status).finished:
            raise NotFound(gone, code="TASK_NOT_FOUND")
        requested = await runs.cancel(client, row, session)
        if not requested:
            raise NotFound(gone, code="TASK_NOT_FOUND")
        row = await runs.outcome_after_cancel(session, client, row)
        if RunStatus(row.status).finished:
            return Message(message=f"task {task_id}: {runs.cancel_message(row)}")
        return Message(message=f"cancellation of task {task_id} requested")
    handle, running = await _batch(client, principal.tenant_id, task_id)
    if not running:
        raise NotFound(gone, code="TASK_NOT_FOUND")
    await handle.cancel()
    return Message(message=f"cancellation of task {task_id} requested")


@router.get("/history", response_model=list[HistoryEntry])
async def history(
    session: SessionDep,
    principal: Viewer,
    limit: Annotated[int, Query(ge=1, le=1000, description="most recent entries")] = 10,
) -> list[HistoryEntry]:
    rows, _ = await sync_store.runs(session, principal.tenant_id, limit=limit)
    steps = await run_store.steps_of(session, [row.id for row, _ in rows])
    entries = []
    for row, name in rows:
        result = syncs.sync_result(row, steps[row.id], include_report=False)
        finished = RunStatus(row.status).finished
        entries.append(
            HistoryEntry(
                run_id=row.id,
                task_id=row.id,
                connection=name,
                status=TASK_WORDS[RunStatus(row.status)],
                success=result["success"] if finished else None,
                started_at=row.started_at,
                finished_at=row.finished_at,
                duration_ms=result["duration_ms"] if finished else None,
                rows_inserted=result["rows_inserted"],
                attempts=result["attempts"],
                error=result["error"],
            )
        )
    return entries
