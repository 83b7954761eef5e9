"""DeploymentWorkflow: validate a version → approval (production) → DAG file → schedule → record.

Rollback is a deployment of a new version that copies an older one.

A cancel before publishing ends the deployment CANCELLED with nothing changed. Once the DAG file
and the schedule are being written, a cancel can no longer undo them: the deployment goes on to
DEPLOYED, its message noting the late cancel (workflows/shield.py).
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, is_cancelled_exception

from workflows.shield import to_the_end

with workflow.unsafe.imports_passed_through():
    from activities.lifecycle import LifecycleActivities
    from workflows import policies
    from workflows.approval import ApprovalGate
    from workflows.errors import failure_message
    from workflows.lifecycle_payloads import (
        ApplySchedule,
        ApprovalRequest,
        ApprovalStatus,
        DeployInput,
        DeployPlan,
        DeployResult,
        FinishDeployment,
        PublishDag,
    )

CANCEL_MATCHES_TARGET_PATCH = "deploy-cancel-matches-target"
LATE_CANCEL_NOTE = "the cancel arrived after publishing had begun, so the deployment went on"


@workflow.defn
class DeploymentWorkflow(ApprovalGate):
    def __init__(self) -> None:
        super().__init__()
        self._stage = "validating"
        self._goes_on = False  # past the point of no return, with the patch
        self._late_cancel = False

    @workflow.query
    def stage(self) -> str:
        return self._stage

    @workflow.run
    async def run(self, deploy: DeployInput) -> DeployResult:
        plan: DeployPlan | None = None
        try:
            plan = await self._call(LifecycleActivities.validate_deployment, deploy)
            if deploy.needs_approval:
                self._stage = "awaiting_approval"
                outcome = await self.await_approval(
                    ApprovalRequest(
                        tenant_id=deploy.tenant_id,
                        kind="deployment",
                        subject=f"deploy {plan.pipeline_name} version {plan.version_label} "
                        f"to {deploy.environment}",
                        timeout_seconds=deploy.approval_timeout_seconds,
                        pipeline_id=deploy.pipeline_id,
                        requested_by=deploy.requested_by,
                    )
                )
                if outcome.status != ApprovalStatus.APPROVED:
                    return await self._refused(
                        deploy, plan, outcome.status, outcome.decided_by, outcome.reason
                    )
            self._stage = "publishing"
            self._goes_on = workflow.patched(CANCEL_MATCHES_TARGET_PATCH)
            dag_path = await to_the_end(self._publish(deploy, plan), self._note_late_cancel)
        except asyncio.CancelledError:
            await self._cancelled(deploy)
            raise
        except ActivityError as err:
            if is_cancelled_exception(err):
                # The cancel reached a running activity (e.g. still validating).
                await self._cancelled(deploy)
                raise asyncio.CancelledError("deployment cancelled on request") from err
            message = failure_message(err)
            await self._finish(
                FinishDeployment(deploy.deployment_id, deploy.tenant_id, "FAILED", message)
            )
            raise ApplicationError(message, type="DEPLOYMENT_FAILED", non_retryable=True) from err
        self._stage = "deployed"
        await to_the_end(
            workflow.wait_condition(workflow.all_handlers_finished), self._note_late_cancel
        )
        return DeployResult(deploy.deployment_id, "DEPLOYED", plan.dag_id, dag_path, workflow.now())

    async def _publish(self, deploy: DeployInput, plan: DeployPlan) -> str | None:
        """The DAG file, the schedule and the record: what a cancel can no longer undo."""
        dag_path = await self._call(
            LifecycleActivities.publish_dag, PublishDag(deploy, plan.dag_id, plan.schedule)
        )
        self._stage = "scheduling"
        if plan.schedule:
            await self._call(
                LifecycleActivities.apply_schedule,
                ApplySchedule(
                    deploy.tenant_id,
                    deploy.pipeline_id,
                    plan.schedule,
                    plan.timezone,
                    # The schedule runs this version, the one validated (and approved).
                    environment=deploy.environment,
                    version=deploy.version,
                ),
            )
        message = f"version {plan.version_label} deployed to {deploy.environment}"
        if self._late_cancel:
            message += f"; {LATE_CANCEL_NOTE}"
        await self._finish(
            FinishDeployment(
                deploy.deployment_id,
                deploy.tenant_id,
                "DEPLOYED",
                message,
                dag_path,
                plan.schedule,
                plan.timezone,
            ),
        )
        return dag_path

    def _note_late_cancel(self) -> bool:
        """A cancel while publishing: noted, and the deployment goes on (not before the patch)."""
        self._late_cancel = self._goes_on
        return self._goes_on

    async def _refused(
        self,
        deploy: DeployInput,
        plan: DeployPlan,
        status: ApprovalStatus,
        by: str | None,
        reason: str | None,
    ) -> DeployResult:
        if status == ApprovalStatus.REJECTED:
            message = f"rejected by {by}: {reason or 'no reason given'}"
        else:
            message = "the approval request expired without a decision"
        self._stage = status.value.lower()
        await self._finish(
            FinishDeployment(deploy.deployment_id, deploy.tenant_id, status.value, message)
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        # Ending as failed (with the reason) shows the refusal in the Web UI and to callers.
        raise ApplicationError(
            f"deployment {message}", type=f"DEPLOYMENT_{status.value}", non_retryable=True
        )

    async def _cancelled(self, deploy: DeployInput) -> None:
        await self._finish(
            FinishDeployment(
                deploy.deployment_id, deploy.tenant_id, "CANCELLED", "cancelled on request"
            )
        )

    async def _finish(self, finish: FinishDeployment) -> None:
        await self._call(LifecycleActivities.finish_deployment, finish)

    async def _call(self, method, arg):  # type: ignore[no-untyped-def]
        return await workflow.execute_activity_method(
            method,
            arg,
            start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
            retry_policy=policies.BOOKKEEPING_RETRY,
        )
