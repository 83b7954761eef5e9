"""Run operations on Temporal: start, read live progress, reconcile status, cancel."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from core import temporal
from core.definition import PipelineDefinition
from core.settings import Settings
from store import pipelines as pipeline_store
from store import runs as run_store
from store.errors import Conflict
from store.models import Execution, Pipeline, utcnow
from workflows.payloads import Progress, RunInput, RunStatus
from workflows.pipeline_run import PipelineRunWorkflow

# What a closed workflow means for a run the store still shows as active.
_CLOSED = {
    WorkflowExecutionStatus.COMPLETED: RunStatus.COMPLETED,
    WorkflowExecutionStatus.FAILED: RunStatus.FAILED,
    WorkflowExecutionStatus.CANCELED: RunStatus.CANCELLED,
    WorkflowExecutionStatus.TERMINATED: RunStatus.FAILED,
    WorkflowExecutionStatus.TIMED_OUT: RunStatus.FAILED,
}


class TemporalUnavailable(Exception):
    """The Temporal server could not be reached."""


class MissingParameters(ValueError):
    """The pipeline's SQL uses parameters that neither the run nor the definition gives."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            f"missing parameter(s) {', '.join(names)}: the pipeline's SQL uses them "
            "and its orchestration.parameters gives no default"
        )
        self.names = names


async def check_parameters(
    session: AsyncSession,
    pipeline: Pipeline,
    parameters: dict[str, Any],
    version_number: int | None = None,
) -> None:
    """Raise MissingParameters when the version (default: current) needs parameters not given.

    ``submit`` makes this check; a schedule makes it too, before its runs are due.
    """
    version = await pipeline_store.get_version(
        session, pipeline.id, version_number or pipeline.current_version
    )
    missing = PipelineDefinition.model_validate(version.definition).missing_parameters(parameters)
    if missing:
        raise MissingParameters(missing)


async def submit(
    session: AsyncSession,
    client: Client,
    settings: Settings,
    pipeline: Pipeline,
    parameters: dict[str, Any],
    *,
    priority: str = "NORMAL",
    version: int | None = None,
) -> Execution:
    """The one way to start a run of a pipeline, on every API surface.

    The run executes ``version`` (a deployment's pinned one), else the current version.
    Raises MissingParameters, NotFound (no such version), Conflict (PIPELINE_ALREADY_RUNNING)
    or TemporalUnavailable; the store keeps no execution whose workflow did not start.
    """
    version = version or pipeline.current_version
    await check_parameters(session, pipeline, parameters, version)
    active = await active_run(session, client, pipeline.id)
    if active is not None:
        raise Conflict(
            f"pipeline {pipeline.name!r} is already running (execution {active.id}); "
            "wait for it or cancel it",
            code="PIPELINE_ALREADY_RUNNING",
        )
    execution_id = f"exec-{uuid.uuid4().hex}"
    execution = Execution(
        id=execution_id,
        tenant_id=pipeline.tenant_id,
        pipeline_id=pipeline.id,
        pipeline_version=version,
        workflow_id=workflow_id(pipeline.tenant_id, execution_id),
        status=RunStatus.QUEUED.value,
        priority=priority,
        parameters=parameters,
        submitted_at=utcnow(),
    )
    await run_store.create(session, execution)
    try:
        await start(client, settings, execution, pipeline)
    except TemporalUnavailable:
        await run_store.discard(session, execution)
        raise
    return execution


def workflow_id(tenant_id: str, execution_id: str) -> str:
    return temporal.workflow_id("run", tenant_id, execution_id)


async def start(
    client: Client, settings: Settings, execution: Execution, pipeline: Pipeline
) -> None:
    try:
        await client.start_workflow(
            PipelineRunWorkflow.run,
            RunInput(execution.id, execution.tenant_id, pipeline.id, execution.pipeline_version),
            id=execution.workflow_id,
            task_queue=settings.temporal.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            search_attributes=temporal.search_attributes(
                execution.tenant_id, "run", pipeline.id, pipeline.name
            ),
            static_summary=f"{pipeline.name} v{execution.pipeline_version}",
        )
    except RPCError as exc:
        if exc.status in temporal.UNREACHABLE:
            raise TemporalUnavailable(exc.message) from exc
        raise


async def live_progress(
    client: Client, execution: Execution
) -> tuple[RunStatus | None, Progress | None]:
    """The workflow's own view of an active run: a status if it has closed, and its progress."""
    handle: WorkflowHandle = client.get_workflow_handle(execution.workflow_id)
    try:
        described = await handle.describe()
    except RPCError:
        return None, None
    closed = _CLOSED.get(described.status) if described.status else None
    if closed is not None and closed is not RunStatus.COMPLETED:
        return closed, None
    try:
        return closed, await handle.query(PipelineRunWorkflow.progress)
    except RPCError:
        return closed, None  # no worker to answer yet: the store's view stands


async def cancel(client: Client, execution: Execution) -> bool:
    """Request cancellation; False when the workflow has already closed."""
    handle = client.get_workflow_handle(execution.workflow_id)
    try:
        await handle.cancel()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            return False
        if exc.status in temporal.UNREACHABLE:
            raise TemporalUnavailable(exc.message) from exc
        raise
    return True


async def active_run(session: AsyncSession, client: Client, pipeline_id: str) -> Execution | None:
    """The pipeline's run in progress, if any.

    A workflow terminated from outside (Web UI, CLI) never records its end; such a run is
    settled here from Temporal's own status, so it does not block the pipeline forever.
    """
    execution = await run_store.active_for_pipeline(session, pipeline_id)
    if execution is None:
        return None
    handle = client.get_workflow_handle(execution.workflow_id)
    try:
        described = await handle.describe()
    except RPCError:
        return execution
    closed = _CLOSED.get(described.status) if described.status else None
    if closed is None:
        return execution
    await run_store.set_status(
        session,
        execution.id,
        closed.value,
        total_tasks=execution.total_tasks,
        error=f"workflow ended as {described.status.name} without recording its outcome",
    )
    return None
