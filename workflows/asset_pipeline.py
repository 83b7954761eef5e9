"""AssetPipelineWorkflow: materialise a pipeline's assets in dependency order.

Each asset is one ``materialize_asset`` activity whose summary names it in the Temporal Web UI;
an asset starts as soon as its dependencies are done, so independent assets run side by side.
The first asset that fails stops the run: nothing new starts, the assets under way finish, and
the run fails naming that asset and its error. A cancel reaches the running assets (they
heartbeat), which drop their staging tables, and the run ends CANCELLED.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    WorkflowAlreadyStartedError,
    is_cancelled_exception,
)

from workflows.notify import NotifyWorkflow

with workflow.unsafe.imports_passed_through():
    from activities.assets.activities import AssetActivities
    from core import temporal
    from workflows import policies
    from workflows.asset_payloads import (
        AssetNode,
        AssetOutcome,
        AssetPlan,
        AssetRunEnd,
        AssetRunInput,
        AssetRunResult,
        AssetStep,
    )
    from workflows.errors import failure_message
    from workflows.notify_payloads import NotifyInput
    from workflows.payloads import RunStatus


@workflow.defn
class AssetPipelineWorkflow:
    def __init__(self) -> None:
        self._running: list[str] = []
        self._done: list[str] = []

    @workflow.query
    def running_assets(self) -> list[str]:
        return list(self._running)

    @workflow.run
    async def run(self, run: AssetRunInput) -> AssetRunResult:
        outputs: dict[str, dict] = {}
        failure: tuple[str, str] | None = None
        try:
            plan = await workflow.execute_activity_method(
                AssetActivities.plan_asset_run,
                run,
                start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
                retry_policy=policies.BOOKKEEPING_RETRY,
            )
            if not plan.assets:  # the run was given up before its workflow started
                return AssetRunResult(run.run_id, RunStatus.CANCELLED)
            failure = await self._materialize(run, plan, outputs)
        except asyncio.CancelledError:
            await self._end(run, AssetRunEnd(run.run_id, run.tenant_id, RunStatus.CANCELLED))
            raise
        if failure is not None:
            asset, error = failure
            await self._end(
                run, AssetRunEnd(run.run_id, run.tenant_id, RunStatus.FAILED, error, asset)
            )
            raise ApplicationError(
                f"{asset}: {error}",
                {"failed_asset": asset, "error": error},
                type="PIPELINE_FAILED",
                non_retryable=True,
            )
        await self._end(run, AssetRunEnd(run.run_id, run.tenant_id, RunStatus.COMPLETED))
        return AssetRunResult(run.run_id, RunStatus.COMPLETED, outputs)

    async def _materialize(
        self, run: AssetRunInput, plan: AssetPlan, outputs: dict[str, dict]
    ) -> tuple[str, str] | None:
        """Start each asset once its dependencies are done; the first failure, if any."""
        pending = {node.name: node for node in plan.assets}
        tasks: dict[str, asyncio.Task[AssetOutcome]] = {}
        failure: tuple[str, str] | None = None
        while pending or tasks:
            if failure is None:
                for node in [n for n in pending.values() if _ready(n, outputs)]:
                    del pending[node.name]
                    tasks[node.name] = asyncio.ensure_future(self._asset(run, plan, node))
            if not tasks:
                break  # a failure left the rest unstarted
            try:
                await workflow.wait(list(tasks.values()), return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                # The cancel reaches each running asset; they drop what they staged.
                for task in tasks.values():
                    task.cancel()
                await workflow.wait(list(tasks.values()))
                for task in tasks.values():  # their cancellation is the run's: seen here
                    if not task.cancelled():
                        task.exception()
                raise
            for name, task in list(tasks.items()):
                if not task.done():
                    continue
                del tasks[name]
                error = task.exception()
                if error is None:
                    outputs[name] = task.result().output
                elif isinstance(error, ActivityError) and not is_cancelled_exception(error):
                    failure = failure or (name, failure_message(error))
                else:
                    raise error
        return failure

    async def _asset(self, run: AssetRunInput, plan: AssetPlan, node: AssetNode) -> AssetOutcome:
        self._running.append(node.name)
        try:
            return await workflow.execute_activity_method(
                AssetActivities.materialize,
                AssetStep(run.run_id, run.tenant_id, node.name),
                start_to_close_timeout=policies.data_timeout(plan.timeout_minutes),
                heartbeat_timeout=timedelta(seconds=plan.heartbeat_timeout_seconds),
                retry_policy=policies.data_retry(plan.retries),
                cancellation_type=workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
                summary=node.name,
            )
        finally:
            self._running.remove(node.name)

    async def _end(self, run: AssetRunInput, end: AssetRunEnd) -> None:
        """Record the run's end; a completed or failed run tells its webhooks (not waiting)."""
        await workflow.execute_activity_method(
            AssetActivities.record_asset_run,
            end,
            start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
            retry_policy=policies.BOOKKEEPING_RETRY,
        )
        if end.status not in (RunStatus.COMPLETED, RunStatus.FAILED):
            return
        try:
            await workflow.start_child_workflow(
                NotifyWorkflow.run,
                NotifyInput(run.tenant_id, run.run_id, run.pipeline, end.status.value, "assets"),
                id=temporal.workflow_id("notify", run.tenant_id, run.run_id),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                search_attributes=temporal.search_attributes(
                    run.tenant_id, "notify", pipeline_name=run.pipeline
                ),
                static_summary=f"webhooks of run {run.run_id}",
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("webhooks of run %s already notified", run.run_id)


def _ready(node: AssetNode, outputs: dict[str, dict]) -> bool:
    return all(dep in outputs for dep in node.deps)
