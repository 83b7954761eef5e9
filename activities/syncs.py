"""Activities of BatchSyncWorkflow: start one connection's run, wait for it, cancel it."""

from __future__ import annotations

import asyncio
import contextlib

from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.service import RPCError

from activities.runtime import queue_settings
from services import runs
from store import pipelines as pipeline_store
from store import runs as run_store
from store.db import Database
from store.errors import Conflict, NotFound
from workflows import policies
from workflows.sync_payloads import StartedSync, StartSync, SyncOutcome, SyncRun


class SyncActivities:
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn(name="start_sync")
    async def start_sync(self, start: StartSync) -> StartedSync:
        """Start the connection's run the way the API does; a run that cannot start says why."""
        async with self.db.session() as session:
            try:
                pipeline = await pipeline_store.get(session, start.tenant_id, start.pipeline_id)
                execution = await runs.submit(
                    session,
                    activity.client(),
                    queue_settings(),
                    pipeline,
                    {},
                    # A retry after a crash between the row and the start finds its own run.
                    execution_id=runs.execution_id_for(
                        f"{activity.info().workflow_id}/{start.pipeline_id}"
                    ),
                )
            except (NotFound, Conflict) as exc:
                return StartedSync(None, error=exc.message)
            except runs.MissingParameters as exc:
                return StartedSync(None, error=str(exc))
            return StartedSync(execution.id, execution.workflow_id)

    @activity.defn(name="await_sync")
    async def await_sync(self, run: SyncRun) -> SyncOutcome:
        """Wait for the run's workflow to close, heartbeating; then read its recorded outcome."""
        handle = activity.client().get_workflow_handle(run.workflow_id)
        result = asyncio.ensure_future(handle.result())
        try:
            while not result.done():
                activity.heartbeat()
                await asyncio.wait({result}, timeout=policies.SYNC_HEARTBEAT_EVERY_SECONDS)
            # Failed or cancelled: the store holds the outcome.
            with contextlib.suppress(WorkflowFailureError, RPCError):
                result.result()
        finally:
            result.cancel()
        async with self.db.session() as session:
            row = await run_store.get(session, run.tenant_id, run.execution_id)
            return SyncOutcome(row.status, row.error, row.note)

    @activity.defn(name="cancel_sync")
    async def cancel_sync(self, run: SyncRun) -> None:
        async with self.db.session() as session:
            row = await run_store.get(session, run.tenant_id, run.execution_id)
        await runs.cancel(activity.client(), row)
