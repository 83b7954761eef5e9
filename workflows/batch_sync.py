"""BatchSyncWorkflow: the connection syncs API's run_selected — one run per enabled connection, in
order.

Each connection's run starts the way the API starts any run (``services.runs.submit``: an execution
row, then PipelineRunWorkflow), so it is listed and costed like the others. Cancelling the batch
cancels the run in progress, skips the rest and ends the batch as ``cancelled``; that run's
result is what it became (a cancel that came after its load had committed is too late: the
run completed, and its result says so).
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from activities.syncs import SyncActivities
    from workflows import policies
    from workflows.payloads import RunStatus
    from workflows.sync_payloads import (
        BatchSyncInput,
        BatchSyncState,
        ConnectionResult,
        StartSync,
        SyncOutcome,
        SyncRun,
        SyncTarget,
    )

RUN_OUTCOME_PATCH = "batch-sync-cancelled-run-outcome"


@workflow.defn
class BatchSyncWorkflow:
    def __init__(self) -> None:
        self._state = BatchSyncState(status="queued", connections=[], started_at="")

    @workflow.query
    def state(self) -> BatchSyncState:
        return self._state

    @workflow.run
    async def run(self, batch: BatchSyncInput) -> BatchSyncState:
        state = self._state
        state.connections = [t.name for t in batch.targets]
        state.started_at = workflow.now().isoformat()
        state.status = "running"
        try:
            for target in batch.targets:
                state.current = target.name
                state.results[target.name] = await self._sync(batch.tenant_id, target)
                state.completed.append(target.name)
        except (asyncio.CancelledError, ActivityError) as exc:
            if not is_cancelled_exception(exc):
                raise
            state.canceled = True
        state.current = None
        state.status = "cancelled" if state.canceled else "finished"
        state.finished_at = workflow.now().isoformat()
        return state

    async def _sync(self, tenant_id: str, target: SyncTarget) -> ConnectionResult:
        # Shielded: a cancel that arrives while the run starts still learns its id and cancels it.
        starting = asyncio.ensure_future(
            workflow.execute_activity_method(
                SyncActivities.start_sync,
                StartSync(tenant_id, target.pipeline_id),
                start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
                retry_policy=policies.BOOKKEEPING_RETRY,
            )
        )
        try:
            started = await asyncio.shield(starting)
        except asyncio.CancelledError:
            started = await starting
            if started.execution_id is not None and started.workflow_id is not None:
                await self._cancel(
                    target, SyncRun(tenant_id, started.execution_id, started.workflow_id)
                )
            raise
        if started.execution_id is None or started.workflow_id is None:
            return ConnectionResult(False, None, started.error)
        run = SyncRun(tenant_id, started.execution_id, started.workflow_id)
        try:
            outcome: SyncOutcome = await workflow.execute_activity_method(
                SyncActivities.await_sync,
                run,
                start_to_close_timeout=policies.SYNC_WAIT_TIMEOUT,
                heartbeat_timeout=policies.SYNC_HEARTBEAT_TIMEOUT,
                retry_policy=policies.BOOKKEEPING_RETRY,
                cancellation_type=workflow.ActivityCancellationType.TRY_CANCEL,
            )
        except (asyncio.CancelledError, ActivityError) as exc:
            # The batch's cancel reaches the waiting activity first, as its ActivityError.
            if not is_cancelled_exception(exc):
                return ConnectionResult(False, run.execution_id, str(exc.__cause__ or exc))
            await self._cancel(target, run)
            raise
        return ConnectionResult(
            outcome.status == RunStatus.COMPLETED, run.execution_id, outcome.error
        )

    async def _cancel(self, target: SyncTarget, run: SyncRun) -> None:
        """The batch was cancelled: cancel the connection's run too, and keep what it became."""
        await workflow.execute_activity_method(
            SyncActivities.cancel_sync,
            run,
            start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
            retry_policy=policies.BOOKKEEPING_RETRY,
        )
        result = ConnectionResult(False, run.execution_id, "cancelled")
        if workflow.patched(RUN_OUTCOME_PATCH):
            outcome: SyncOutcome = await workflow.execute_activity_method(
                SyncActivities.await_sync,
                run,
                start_to_close_timeout=policies.SYNC_WAIT_TIMEOUT,
                heartbeat_timeout=policies.SYNC_HEARTBEAT_TIMEOUT,
                retry_policy=policies.BOOKKEEPING_RETRY,
            )
            if outcome.status == RunStatus.COMPLETED:
                # The cancel came after the run's load had committed: its rows are loaded.
                result = ConnectionResult(True, run.execution_id, note=outcome.note)
            elif outcome.status != RunStatus.CANCELLED:
                result = ConnectionResult(False, run.execution_id, outcome.error)
        self._state.results[target.name] = result
