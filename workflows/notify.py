"""NotifyWorkflow: tell a finished run's webhooks, each delivery retried until done or given up.

Started by PipelineRunWorkflow as an abandoned child when a run completes or fails, so a run
never waits for (or fails because of) a slow receiver. Its history holds ids only: the
activities read webhooks, secrets and run details from the store.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities.notify import NotifyActivities
    from core import temporal
    from workflows import policies
    from workflows.errors import failure_message
    from workflows.notify_payloads import (
        DeliveryOutcome,
        DeliveryStep,
        GiveUp,
        NotifyInput,
        NotifyPlan,
        NotifyResult,
    )
    from workflows.payloads import RunStatus

NOTIFY_PATCH = "notify-webhooks-on-finish"
NOTIFIED_STATUSES = (RunStatus.COMPLETED, RunStatus.FAILED)


@workflow.defn
class NotifyWorkflow:
    @workflow.run
    async def run(self, run: NotifyInput) -> NotifyResult:
        plan = await workflow.execute_activity_method(
            NotifyActivities.plan,
            run,
            start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
            retry_policy=policies.BOOKKEEPING_RETRY,
        )
        outcomes = await asyncio.gather(
            *(self._deliver(run, plan, delivery_id) for delivery_id in plan.delivery_ids)
        )
        result = NotifyResult()
        for outcome in outcomes:
            if outcome.status == "DELIVERED":
                result.delivered += 1
            elif outcome.status == "GONE":
                result.gone += 1
            else:
                result.failed += 1
        return result

    async def _deliver(
        self, run: NotifyInput, plan: NotifyPlan, delivery_id: str
    ) -> DeliveryOutcome:
        try:
            return await workflow.execute_activity_method(
                NotifyActivities.deliver,
                DeliveryStep(run.tenant_id, delivery_id),
                start_to_close_timeout=policies.webhook_timeout(plan.attempt_timeout_seconds),
                retry_policy=policies.webhook_retry(
                    plan.max_attempts, plan.retry_initial_seconds, plan.retry_max_interval_seconds
                ),
            )
        except ActivityError as err:
            reason = failure_message(err)
            await workflow.execute_activity_method(
                NotifyActivities.give_up,
                GiveUp(run.tenant_id, delivery_id, reason),
                start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
                retry_policy=policies.BOOKKEEPING_RETRY,
            )
            return DeliveryOutcome(delivery_id, "FAILED")


async def notify_finished(
    tenant_id: str, execution_id: str, pipeline_id: str, status: str, pipeline_name: str | None
) -> None:
    """From a run workflow: start NotifyWorkflow for a completed or failed run, not waiting."""
    if status not in NOTIFIED_STATUSES or not workflow.patched(NOTIFY_PATCH):
        return
    try:
        await workflow.start_child_workflow(
            NotifyWorkflow.run,
            NotifyInput(tenant_id, execution_id, pipeline_id, status),
            id=temporal.workflow_id("notify", tenant_id, execution_id),
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            search_attributes=temporal.search_attributes(
                tenant_id, "notify", pipeline_id, pipeline_name
            ),
            static_summary=f"webhooks of run {execution_id}",
        )
    except WorkflowAlreadyStartedError:
        workflow.logger.info("webhooks of run %s already notified", execution_id)
