"""Run operations on Temporal: start, read live progress, reconcile status, cancel.

No run without a workflow: an execution row is written before its workflow starts (the store
keeps one run in progress per pipeline), so a row can outlive a start that never happened (the
API killed while it waited for Temporal) or a workflow that never recorded its end (terminated
from outside). Wherever such a row is found (the active-run check, a status read, the periodic
``reconcile_active``) it is settled from what Temporal says, so it never blocks its pipeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from core import temporal
from core.settings import Settings
from domain.definition import PipelineDefinition
from domain.status import RunStatus
from services import open_workflows
from services.stored_definitions import version_definition
from store import runs as run_store
from store.db import Database
from store.errors import Conflict
from store.models import Execution, Pipeline, RunLog, RunStep, utcnow
from workflows.payloads import Progress, RunInput
from workflows.pipeline_run import PipelineRunWorkflow
from workflows.stream_payloads import StreamInput
from workflows.stream_run import StreamPipelineWorkflow

# What a closed workflow means for a run the store still shows as active.
_CLOSED = {
    WorkflowExecutionStatus.COMPLETED: RunStatus.COMPLETED,
    WorkflowExecutionStatus.FAILED: RunStatus.FAILED,
    WorkflowExecutionStatus.CANCELED: RunStatus.CANCELLED,
    WorkflowExecutionStatus.TERMINATED: RunStatus.FAILED,
    WorkflowExecutionStatus.TIMED_OUT: RunStatus.FAILED,
}

BATCH_RUN = PipelineRunWorkflow.__name__  # its @workflow.defn names no other type
"""The workflow type of a batch run: its progress is the store's while a step runs."""
STREAM_RUN = StreamPipelineWorkflow.__name__
"""The workflow type of a continuous run: it alone can be paused and resumed."""
START_TIMEOUT = timedelta(seconds=5)
"""The longest ``submit`` waits for Temporal to accept a run; then the API answers 503."""
START_WINDOW = 3 * START_TIMEOUT
"""Past this, a queued run whose workflow Temporal does not know will never start: whoever
submitted it has given it up (and discarded it) or died while waiting."""
NEVER_STARTED = "never started: the API stopped before Temporal accepted the run"
CANCEL_ANSWER_WAIT = 5.0
"""Seconds a cancel request waits for the run's outcome, to answer with it when it can."""


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
    definition = await version_definition(
        session, pipeline, version_number or pipeline.current_version
    )
    _require_parameters(definition, parameters)


def _require_parameters(definition: PipelineDefinition, parameters: dict[str, Any]) -> None:
    missing = definition.missing_parameters(parameters)
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
    execution_id: str | None = None,
) -> Execution:
    """The one way to start a run of a pipeline, on every API surface.

    The run executes ``version`` (a deployment's pinned one), else the current version.
    Raises MissingParameters, NotFound (no such version), Conflict (PIPELINE_ALREADY_RUNNING)
    or TemporalUnavailable; the store keeps no execution whose workflow did not start.
    ``execution_id`` (from ``execution_id_for``) makes a retried caller find its own run.
    """
    version = version or pipeline.current_version
    if execution_id is not None:
        existing = await session.get(Execution, execution_id)
        if existing is not None:
            if existing.status == RunStatus.QUEUED.value:
                continuous = await is_continuous(session, pipeline, existing.pipeline_version)
                await start(client, settings, existing, pipeline, again=True, continuous=continuous)
            return existing
    definition = await version_definition(session, pipeline, version)
    _require_parameters(definition, parameters)
    execution_id = execution_id or f"exec-{uuid.uuid4().hex}"
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
    continuous = runs_continuously(definition)
    await _create_unless_running(session, client, pipeline, execution)
    try:
        await start(client, settings, execution, pipeline, continuous=continuous)
    except Exception:
        # Not accepted, or not in time. Should the start reach Temporal after all, its workflow
        # finds no execution and stops before doing anything (plan_run).
        await run_store.discard(session, execution)
        raise
    return execution


async def _create_unless_running(
    session: AsyncSession, client: Client, pipeline: Pipeline, execution: Execution
) -> None:
    """Record the queued run. The store admits one run in progress per pipeline, so no read
    comes first: only when one is in the way is it looked at, and settled from Temporal if
    its workflow will never record its end (terminated from outside), then the run is
    recorded after all."""
    try:
        await run_store.create(session, execution)
    except Conflict:
        await session.refresh(pipeline)  # the refused insert's rollback expired it
        active = await active_run(session, client, pipeline.id)
        if active is not None:
            raise Conflict(
                f"pipeline {pipeline.name!r} is already running (execution {active.id}); "
                "wait for it or cancel it",
                code="PIPELINE_ALREADY_RUNNING",
            ) from None
        await run_store.create(session, execution)


async def is_continuous(session: AsyncSession, pipeline: Pipeline, version: int) -> bool:
    """Whether the version runs as a continuous pipeline (micro-batches until cancelled)."""
    return runs_continuously(await version_definition(session, pipeline, version))


def runs_continuously(definition: PipelineDefinition) -> bool:
    return definition.orchestration.mode == "continuous"


def execution_id_for(caller: str) -> str:
    """The execution id of the run a caller (a schedule's fire, a batch's sync) starts: the
    same on every retry of that caller, so a retry after a crash finds its run."""
    return f"exec-{hashlib.sha256(caller.encode()).hexdigest()[:32]}"


def workflow_id(tenant_id: str, execution_id: str) -> str:
    return temporal.workflow_id("run", tenant_id, execution_id)


async def start(
    client: Client,
    settings: Settings,
    execution: Execution,
    pipeline: Pipeline,
    *,
    again: bool = False,
    continuous: bool = False,
) -> None:
    """Start the run's workflow, waiting at most START_TIMEOUT. ``again``: a retry of a start
    that may have happened; a workflow that already exists (even closed) is the run's.
    ``continuous``: the run is a StreamPipelineWorkflow (same id, same progress query)."""
    run = RunInput(execution.id, execution.tenant_id, pipeline.id, execution.pipeline_version)
    workflow: Any = StreamPipelineWorkflow.run if continuous else PipelineRunWorkflow.run
    try:
        await asyncio.wait_for(
            client.start_workflow(
                workflow,
                StreamInput(run) if continuous else run,
                id=execution.workflow_id,
                task_queue=settings.temporal.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=temporal.search_attributes(
                    execution.tenant_id, "run", pipeline.id, pipeline.name
                ),
                static_summary=f"{pipeline.name} v{execution.pipeline_version}",
                rpc_timeout=START_TIMEOUT,
            ),
            START_TIMEOUT.total_seconds(),
        )
    except WorkflowAlreadyStartedError:
        if not again:
            raise
    except TimeoutError as exc:
        raise TemporalUnavailable(
            f"Temporal did not accept the run within {START_TIMEOUT.total_seconds():g} s"
        ) from exc
    except RPCError as exc:
        if exc.status in temporal.UNREACHABLE:
            raise TemporalUnavailable(exc.message) from exc
        raise


async def live_progress(
    client: Client,
    execution: Execution,
    session: AsyncSession | None = None,
    *,
    stored: bool = False,
) -> tuple[RunStatus | None, Progress | None]:
    """The workflow's own view of an active run: a status if it has closed, and its progress.

    With ``session``, a run whose workflow will never record its end is settled on the way.
    ``stored``: the store shows the run's progress, so a batch run's workflow is only
    described; its progress is then None (the store's stands). A query is a workflow task on
    a worker: it costs a round trip to the worker, and waits while the workflow is busy (its
    bookkeeping, as a run starts and ends).
    """
    handle: WorkflowHandle = client.get_workflow_handle(execution.workflow_id)
    # Unless the store has the progress, it is asked for while the workflow is described:
    # one round trip, not two. An open workflow is described at most once per
    # open_workflows.FRESH_FOR: the staleness bound of a run terminated from outside.
    query = None if stored else asyncio.ensure_future(handle.query(PipelineRunWorkflow.progress))
    try:
        described = await open_workflows.describe(client, execution.workflow_id)
    except RPCError as exc:
        await _dropped(query)
        if session is not None and exc.status is RPCStatusCode.NOT_FOUND:
            return await _settle_missing(session, execution), None
        return None, None
    except BaseException:
        await _dropped(query)
        raise
    closed = _CLOSED.get(described.status) if described.status else None
    if closed is not None and closed is not RunStatus.COMPLETED:
        await _dropped(query)  # a closed workflow's answer would come from a replay: unneeded
    if session is not None and closed is not None and described.status is not None:
        await _settle_closed(session, execution, described.status)
    if closed is not None and closed is not RunStatus.COMPLETED:
        return closed, None
    if query is None and (closed is not None or described.workflow_type == BATCH_RUN):
        return closed, None  # the store's progress stands
    try:
        # A continuous run's stream figures are in its workflow only.
        return closed, await (query or handle.query(PipelineRunWorkflow.progress))
    except RPCError:
        return closed, None  # no worker to answer yet: the store's view stands


async def _dropped(task: asyncio.Future | None) -> None:
    """Cancel a request no longer needed, and let it end."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(BaseException):
        await task


@dataclass
class RunSnapshot:
    """A run as every surface shows it: the stored row, its steps, and the one status.

    ``progress`` carries the status, the task counts and the workflow's current task;
    ``live`` is True when the workflow answered the progress query; ``settled`` is the row's
    recorded end when this read found the run's workflow closed or gone (and settled the row
    if the workflow had not recorded its end).
    """

    execution: Execution
    steps: list[RunStep]
    status: RunStatus
    progress: Progress
    live: bool = False
    settled: RunStatus | None = None
    running_steps: list[str] = field(default_factory=list)

    @property
    def current_task(self) -> str | None:
        """The workflow's current task, else the steps the store shows running."""
        return self.progress.current_task or ", ".join(self.running_steps) or None

    @property
    def rows_processed(self) -> int:
        return sum(s.rows for s in self.steps if s.kind == "extract")

    @property
    def rows_loaded(self) -> int:
        return sum(s.rows for s in self.steps if s.kind == "load")

    @property
    def bytes_processed(self) -> int:
        return sum(s.bytes for s in self.steps)


@dataclass(frozen=True)
class LogPage:
    """A run's log lines as the logs routes of every surface answer them. With a cursor
    (``after``) each line carries its id and ``next_after`` is the id to ask after next;
    without one both are None (the documented answer)."""

    execution_id: str
    lines: list[dict[str, Any]]
    next_after: int | None


async def log_page(
    session: AsyncSession,
    tenant_id: str,
    execution_id: str,
    *,
    task: str | None,
    lines: int,
    after: int | None,
) -> LogPage:
    """The tenant's run ``execution_id`` (NotFound otherwise): its last ``lines`` log lines, or
    the first ``lines`` after the line ``after``."""
    row = await run_store.get(session, tenant_id, execution_id)
    found = await run_store.logs(session, row.id, task=task, lines=lines, after=after)
    cursor = after is not None
    return LogPage(
        execution_id=row.id,
        lines=[
            {
                "id": line.id if cursor else None,
                "timestamp": line.ts,
                "level": line.level,
                "task": line.task,
                "message": line.message,
            }
            for line in found
        ],
        next_after=(found[-1].id if found else after) if cursor else None,
    )


async def snapshot(
    session: AsyncSession, client: Client, tenant_id: str, execution_id: str
) -> RunSnapshot:
    """The tenant's run ``execution_id`` (NotFound otherwise), read as ``snapshot_of`` reads it:
    the row and its steps in one query, and a finished run in nothing more."""
    execution, steps = await run_store.get_with_steps(session, tenant_id, execution_id)
    return await snapshot_of(session, client, execution, steps)


async def snapshot_of(
    session: AsyncSession,
    client: Client,
    execution: Execution,
    steps: list[RunStep] | None = None,
    *,
    live: bool = True,
) -> RunSnapshot:
    """The run's snapshot: the store's row and steps, with the workflow's word while it is active.

    The one rule for which source wins:

    1. A finished row is final: its recorded status, and the workflow is not asked.
    2. A workflow that has closed, or is gone past the start window, settles the row (unless
       its own end landed first); the row's recorded end is then the status (``settled``).
       An open workflow's description is reused for ``open_workflows.FRESH_FOR`` seconds, so a
       workflow terminated from outside is seen closed at most that long after it closed.
    3. Otherwise the run is RUNNING once either the row or the live query says it started, else
       QUEUED; a live status that has finished counts as RUNNING until the row records the end,
       so the status always agrees with the row's ``finished_at``. Progress is the store's
       (total tasks, completed and running steps) for a batch run that awaits nothing (no
       step failed, no approval possibly awaited): the workflow is then only described, not
       queried. Otherwise (a retry due, an approval, a continuous run's stream) it is the live
       query's when the workflow answers, else the store's.

    ``live=False`` (lists) reads the store only.
    """
    if steps is None:
        steps = await run_store.steps(session, execution.id)
    status = RunStatus(execution.status)
    done = sum(1 for s in steps if s.status == RunStatus.COMPLETED)
    progress = Progress(status, execution.total_tasks, done, None)
    running = [s.name for s in steps if s.status == RunStatus.RUNNING]
    answered, settled = False, None
    if live and not status.finished:
        # The store has the progress, unless a step failed (a retry is due) or the checks have
        # run and no step runs (an approval may be awaited): only the workflow knows what it
        # waits for. A continuous run is asked for its stream anyway.
        awaits = any(s.status == RunStatus.FAILED for s in steps) or (
            not running and any(s.kind == "quality" for s in steps)
        )
        stored = not awaits
        closed, current = await live_progress(client, execution, session, stored=stored)
        if closed is not None and RunStatus(execution.status).finished:
            settled = status = RunStatus(execution.status)  # re-read by the settlement
        elif closed is not None:
            status = closed
        else:
            said = current.status if current is not None else status
            started = RunStatus.RUNNING in (status, said) or said.finished
            status = RunStatus.RUNNING if started else RunStatus.QUEUED
        if current is not None:
            progress, answered = current, True
    progress.status = status
    return RunSnapshot(execution, steps, status, progress, answered, settled, running)


async def cancel(client: Client, execution: Execution, session: AsyncSession | None = None) -> bool:
    """Request cancellation; False when the workflow has already closed.

    A queued run whose workflow Temporal does not know (yet, or ever) is cancelled in the
    store, given ``session``: should its start land later, its workflow does nothing.
    """
    handle = client.get_workflow_handle(execution.workflow_id)
    try:
        await handle.cancel()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            if session is None or execution.status != RunStatus.QUEUED.value:
                return False
            message = "cancelled before its workflow started"
            return await _settle(session, execution, RunStatus.CANCELLED, message) is not None
        if exc.status in temporal.UNREACHABLE:
            raise TemporalUnavailable(exc.message) from exc
        raise
    return True


async def set_paused(client: Client, execution: Execution, paused: bool) -> None:
    """Pause a continuous run's stream after its current micro-batch (``paused``), or let it
    read on. Conflict when the run is not continuous or its workflow has closed."""
    handle = client.get_workflow_handle(execution.workflow_id)
    try:
        described = await handle.describe()
        if described.workflow_type != STREAM_RUN:
            raise Conflict(
                f"execution {execution.id} is a batch run: only a continuous pipeline's "
                "execution can be paused (cancel a batch run instead)",
                code="NOT_CONTINUOUS",
            )
        if described.status is not WorkflowExecutionStatus.RUNNING:
            raise Conflict(
                f"execution {execution.id} has already finished; nothing to "
                + ("pause" if paused else "resume"),
                code="EXECUTION_FINISHED",
            )
        await handle.signal(
            StreamPipelineWorkflow.pause if paused else StreamPipelineWorkflow.resume
        )
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise Conflict(
                f"execution {execution.id} has no running workflow to signal",
                code="EXECUTION_FINISHED",
            ) from None
        if exc.status in temporal.UNREACHABLE:
            raise TemporalUnavailable(exc.message) from exc
        raise


async def outcome_after_cancel(
    session: AsyncSession, client: Client, execution: Execution, wait: float = CANCEL_ANSWER_WAIT
) -> Execution:
    """The run after a cancel request: its recorded end if its workflow closes within ``wait``
    seconds (CANCELLED, or COMPLETED with a note when the load had already committed), else
    as it stands (the outcome is not known yet)."""
    handle = client.get_workflow_handle(execution.workflow_id)
    with contextlib.suppress(TimeoutError, WorkflowFailureError, RPCError):
        await asyncio.wait_for(handle.result(rpc_timeout=timedelta(seconds=wait)), wait)
    await session.refresh(execution)
    return execution


def cancel_message(execution: Execution) -> str:
    """What a cancel came to, in words, for the answer to the cancel request."""
    status = RunStatus(execution.status)
    if status is RunStatus.CANCELLED:
        return "cancelled: nothing was loaded, every target is as it was"
    if status is RunStatus.COMPLETED:
        return f"completed: {execution.note or 'the run had finished before the cancel arrived'}"
    if status is RunStatus.FAILED:
        return f"failed before the cancel took effect: {execution.error}"
    return "cancellation requested; the outcome is not known yet: read the run for it"


async def active_run(session: AsyncSession, client: Client, pipeline_id: str) -> Execution | None:
    """The pipeline's run in progress, if any.

    A run whose workflow will never record its end (terminated from outside, or never started)
    is settled here from Temporal's own word, so it does not block the pipeline forever.
    """
    execution = await run_store.active_for_pipeline(session, pipeline_id)
    if execution is None:
        return None
    await reconcile(session, client, execution)  # the row is re-read on the way
    return execution if execution.status in run_store.ACTIVE else None


async def reconcile(
    session: AsyncSession, client: Client, execution: Execution
) -> RunStatus | None:
    """Settle an active run from Temporal when its workflow will never record its end; the
    status it got, or None: still active, or Temporal cannot say now."""
    handle = client.get_workflow_handle(execution.workflow_id)
    try:
        described = await handle.describe()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            return await _settle_missing(session, execution)
        return None
    if described.status is None or described.status not in _CLOSED:
        return None
    return await _settle_closed(session, execution, described.status)


async def reconcile_active(db: Database, client: Client) -> int:
    """Settle every run in progress that can never end by itself; how many were settled.

    The API runs it periodically, for rows nobody reads (a run listed but never opened).
    """
    async with db.session() as session:
        rows = await run_store.active_before(session, utcnow() - START_WINDOW)
        settled = 0
        for row in rows:
            if await reconcile(session, client, row) is not None:
                settled += 1
    return settled


async def _settle_missing(session: AsyncSession, execution: Execution) -> RunStatus | None:
    """Temporal does not know the run's workflow: once no start can still be under way, the
    run never started (or its workflow is long gone) and it is settled FAILED."""
    if utcnow() - execution.submitted_at < START_WINDOW:
        return None  # its start may still be on the way
    if execution.status == RunStatus.QUEUED.value:
        message = NEVER_STARTED
    else:
        message = "its workflow no longer exists in Temporal, and it never recorded its end"
    return await _settle(session, execution, RunStatus.FAILED, message)


async def _settle_closed(
    session: AsyncSession, execution: Execution, closed: WorkflowExecutionStatus
) -> RunStatus | None:
    message = f"workflow ended as {closed.name} without recording its outcome"
    return await _settle(session, execution, _CLOSED[closed], message)


async def _settle(
    session: AsyncSession, execution: Execution, status: RunStatus, message: str
) -> RunStatus | None:
    """Record the end; a run whose own end landed first keeps it (and None is returned)."""
    if not await run_store.set_status(
        session, execution.id, status.value, total_tasks=execution.total_tasks, error=message
    ):
        return None
    await run_store.add_logs(
        session,
        [
            RunLog(
                execution_id=execution.id,
                ts=utcnow(),
                level="ERROR" if status is RunStatus.FAILED else "INFO",
                task="run",
                message=f"run {status.value.lower()}: {message}",
            )
        ],
    )
    return status
