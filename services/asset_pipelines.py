"""Asset pipelines as use cases: the built-in ones and each tenant's own, by name; define,
trigger, read, list and cancel their runs (on Temporal: AssetPipelineWorkflow).

A run's row is written before its workflow starts and discarded when the start fails; its
status and every asset's progress are recorded by the workflow's activities. A row whose
workflow closed without recording its end is settled from Temporal's word when it is read, and
by the API's periodic sweep (``reconcile_active``).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from core import temporal
from core.settings import Settings
from domain.assets import AssetPipelineDefinition
from domain.credit_scoring.pipelines import BUILT_IN
from domain.status import RunStatus
from services.runs import _CLOSED, START_TIMEOUT, START_WINDOW, TemporalUnavailable
from store import asset_runs
from store import connections as connection_store
from store import syncs as sync_store
from store.db import Database
from store.errors import Conflict, NotFound
from store.models.assets import AssetMaterialization, AssetPipelineRow, AssetRun
from store.models.core import utcnow
from workflows.asset_payloads import AssetRunInput
from workflows.asset_pipeline import AssetPipelineWorkflow

RUN_PREFIX = "run_"


@dataclass
class AssetPipeline:
    definition: AssetPipelineDefinition
    built_in: bool

    @property
    def name(self) -> str:
        return self.definition.name


@dataclass
class AssetRunView:
    run: AssetRun
    assets: list[AssetMaterialization]


# --- definitions


async def find(session: AsyncSession, tenant_id: str, name: str) -> AssetPipeline | None:
    """The built-in pipeline or the tenant's own called ``name``."""
    if name in BUILT_IN:
        return AssetPipeline(BUILT_IN[name], True)
    row = await asset_runs.definition(session, tenant_id, name)
    if row is None:
        return None
    return AssetPipeline(AssetPipelineDefinition.model_validate(row.definition), False)


async def every(session: AsyncSession, tenant_id: str) -> list[AssetPipeline]:
    own = [
        AssetPipeline(AssetPipelineDefinition.model_validate(row.definition), False)
        for row in await asset_runs.definitions(session, tenant_id)
    ]
    return [AssetPipeline(d, True) for d in BUILT_IN.values()] + own


async def define(
    session: AsyncSession,
    tenant_id: str,
    definition: AssetPipelineDefinition,
    created_by: str,
    *,
    replace: bool = False,
) -> AssetPipeline:
    """Save the tenant's own asset pipeline (a new one, or a new definition of one)."""
    if definition.name in BUILT_IN:
        raise Conflict(
            f"{definition.name!r} is a built-in pipeline: choose another name",
            code="PIPELINE_EXISTS",
        )
    if await sync_store.by_name(session, tenant_id, definition.name) is not None:
        raise Conflict(
            f"a pipeline named {definition.name!r} exists already: /api/pipeline addresses "
            "pipelines by name, so choose another",
            code="PIPELINE_EXISTS",
        )
    if definition.connection is not None and definition.database_file is None:
        found = await connection_store.find(session, tenant_id, definition.connection)
        if found is None:
            raise NotFound(
                f"connection {definition.connection!r} not found: create it first, or leave "
                "connection out to use the tenant's asset database file",
                code="CONNECTION_NOT_FOUND",
            )
    body = definition.model_dump(mode="json", by_alias=True, exclude_none=True)
    row = await asset_runs.definition(session, tenant_id, definition.name)
    now = utcnow()
    if row is not None and not replace:
        raise Conflict(
            f"an asset pipeline named {definition.name!r} already exists: PUT replaces it",
            code="PIPELINE_EXISTS",
        )
    if row is None:
        row = AssetPipelineRow(
            id=f"apl_{uuid.uuid4().hex}",
            tenant_id=tenant_id,
            name=definition.name,
            definition=body,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
    else:
        row.definition, row.updated_at = body, now
    await asset_runs.save_definition(session, row)
    return AssetPipeline(definition, False)


async def remove(session: AsyncSession, tenant_id: str, name: str) -> None:
    row = await asset_runs.definition(session, tenant_id, name)
    if row is None:
        code = "PIPELINE_NOT_FOUND"
        why = " (a built-in pipeline cannot be deleted)" if name in BUILT_IN else ""
        raise NotFound(f"Pipeline {name!r} not found{why}", code=code)
    await asset_runs.delete_definition(session, row)


# --- runs


async def trigger(
    session: AsyncSession,
    client: Client,
    settings: Settings,
    tenant_id: str,
    pipeline: AssetPipeline,
    batch_id: str | None,
    config: dict[str, Any],
) -> AssetRun:
    """Start a run; ValueError (bad config, said how), TemporalUnavailable."""
    resolved = pipeline.definition.resolve_config(config)
    run_id = f"{RUN_PREFIX}{uuid.uuid4().hex[:16]}"
    run = AssetRun(
        id=run_id,
        tenant_id=tenant_id,
        pipeline=pipeline.name,
        workflow_id=temporal.workflow_id("assets", tenant_id, run_id),
        status=RunStatus.QUEUED.value,
        batch_id=batch_id,
        config=resolved,
        definition=pipeline.definition.model_dump(mode="json", by_alias=True),
        built_in=pipeline.built_in,
        submitted_at=utcnow(),
    )
    await asset_runs.create_run(session, run, pipeline.definition.order())
    try:
        await asyncio.wait_for(
            client.start_workflow(
                AssetPipelineWorkflow.run,
                AssetRunInput(run_id, tenant_id, pipeline.name),
                id=run.workflow_id,
                task_queue=settings.temporal.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=temporal.search_attributes(
                    tenant_id, "assets", pipeline_name=pipeline.name
                ),
                static_summary=f"{pipeline.name}" + (f" · batch {batch_id}" if batch_id else ""),
                rpc_timeout=START_TIMEOUT,
            ),
            START_TIMEOUT.total_seconds(),
        )
    except (TimeoutError, RPCError) as exc:
        await asset_runs.discard_run(session, run)
        if isinstance(exc, RPCError) and exc.status not in temporal.UNREACHABLE:
            raise
        raise TemporalUnavailable(
            f"Temporal did not accept the run within {START_TIMEOUT.total_seconds():g} s"
        ) from exc
    except BaseException:
        await asset_runs.discard_run(session, run)
        raise
    # Temporal has the run: it is started (the documented STARTED), its assets queued.
    await asset_runs.set_run_status(session, run_id, RunStatus.RUNNING.value)
    return await asset_runs.get_run(session, tenant_id, run_id)


def is_asset_run(run_id: str) -> bool:
    return run_id.startswith(RUN_PREFIX)


async def view(session: AsyncSession, client: Client, tenant_id: str, run_id: str) -> AssetRunView:
    """The run and its assets, as the store has them (NotFound: RUN_NOT_FOUND); an active run
    whose workflow has closed without recording its end is settled on the way."""
    run = await asset_runs.get_run(session, tenant_id, run_id)
    # A young run records its own end; only one that may have lost its workflow asks Temporal.
    if run.status in asset_runs.ACTIVE and utcnow() - run.submitted_at > START_WINDOW:
        await _settle(session, client, run)
        run = await asset_runs.get_run(session, tenant_id, run_id)
    return AssetRunView(run, await asset_runs.materializations(session, run.id))


async def reconcile_active(db: Database, client: Client) -> int:
    """Settle every asset run in progress whose workflow has closed without recording its end
    (or is gone); how many were settled. The API's periodic sweep runs it, for runs nobody
    reads."""
    async with db.session() as session:
        settled = 0
        for run in await asset_runs.active_before(session, utcnow() - START_WINDOW):
            if await _settle(session, client, run):
                settled += 1
    return settled


async def _settle(session: AsyncSession, client: Client, run: AssetRun) -> bool:
    """End the run from Temporal's word when its workflow has closed or is gone; False when it
    is still running, Temporal cannot say now, or its own end landed first."""
    try:
        described = await client.get_workflow_handle(run.workflow_id).describe()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            return await asset_runs.set_run_status(
                session, run.id, RunStatus.FAILED.value, error="its workflow no longer exists"
            )
        return False
    closed = _CLOSED.get(described.status) if described.status else None
    if closed is None or described.status is None:
        return False
    return await asset_runs.set_run_status(
        session,
        run.id,
        closed.value,
        error=f"workflow ended as {described.status.name} without recording its outcome",
    )


async def cancel(client: Client, run: AssetRun) -> bool:
    """Ask the run's workflow to cancel; False when it has already closed."""
    handle = client.get_workflow_handle(run.workflow_id)
    try:
        described = await handle.describe()
        if described.status is not WorkflowExecutionStatus.RUNNING:
            return False
        await handle.cancel()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            return False
        if exc.status in temporal.UNREACHABLE:
            raise TemporalUnavailable(exc.message) from exc
        raise
    return True
