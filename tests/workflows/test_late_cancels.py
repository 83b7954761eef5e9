"""Cancels that arrive past the point of no return, for the other workflows that change a
target: a deployment cancelled while it publishes is DEPLOYED (noted), not CANCELLED; a batch
sync cancelled while a connection's run commits reports that run as it ended.

Only the workflow under test runs, on a worker of its own; its activities are mocks that hold
at the instant the test needs.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import CancelledError
from temporalio.worker import Worker

from tests.replay.recording import record
from workflows.batch_sync import BatchSyncWorkflow
from workflows.deployment import LATE_CANCEL_NOTE, DeploymentWorkflow
from workflows.lifecycle_payloads import (
    ApplySchedule,
    DeployInput,
    DeployPlan,
    DeployResult,
    FinishDeployment,
    PublishDag,
)
from workflows.pipeline_run import LATE_CANCEL_NOTE as RUN_LATE_CANCEL_NOTE
from workflows.sync_payloads import (
    BatchSyncInput,
    BatchSyncState,
    ConnectionResult,
    StartedSync,
    StartSync,
    SyncOutcome,
    SyncRun,
    SyncTarget,
)


class Deployer:
    """The deployment's activities: validation and publishing hold until released."""

    def __init__(self) -> None:
        self.validating = asyncio.Event()
        self.publishing = asyncio.Event()
        self.release = asyncio.Event()
        self.hold_in = "publish"
        self.finished: list[FinishDeployment] = []

    def activities(self) -> list:
        @activity.defn(name="validate_deployment")
        async def validate(deploy: DeployInput) -> DeployPlan:
            self.validating.set()
            if self.hold_in == "validate":
                while True:  # until the cancel reaches it through its heartbeat
                    activity.heartbeat()
                    await asyncio.sleep(0.1)
            return DeployPlan("orders", "1.0.0", "default__orders__v1", "0 6 * * *", "UTC")

        @activity.defn(name="publish_dag")
        async def publish(publish: PublishDag) -> str | None:
            self.publishing.set()
            await self.release.wait()
            return "/dags/default__orders__v1.py"

        @activity.defn(name="apply_schedule")
        async def apply(apply: ApplySchedule) -> None:
            return None

        @activity.defn(name="finish_deployment")
        async def finish(finish: FinishDeployment) -> None:
            self.finished.append(finish)

        return [validate, publish, apply, finish]


def _deploy_input() -> DeployInput:
    return DeployInput(
        deployment_id=f"dep-{uuid.uuid4().hex}",
        tenant_id="default",
        pipeline_id="orders",
        version=1,
        environment="staging",
        mode="api",
        requested_by="test",
        needs_approval=False,
        approval_timeout_seconds=60,
    )


async def test_a_deployment_cancelled_while_it_publishes_is_deployed_and_says_so(
    client: Client,
):
    deployer = Deployer()
    queue = f"late-{uuid.uuid4()}"
    async with Worker(
        client, task_queue=queue, workflows=[DeploymentWorkflow], activities=deployer.activities()
    ):
        handle = await client.start_workflow(
            DeploymentWorkflow.run, _deploy_input(), id=f"deploy-{uuid.uuid4()}", task_queue=queue
        )
        await asyncio.wait_for(deployer.publishing.wait(), 30)
        await handle.cancel()
        await asyncio.sleep(0.5)  # the cancel has reached the workflow, mid-publish
        deployer.release.set()
        result: DeployResult = await handle.result()
        await record(handle, "deployment_cancelled_while_publishing")
    assert result.status == "DEPLOYED"
    (finish,) = deployer.finished
    assert finish.status == "DEPLOYED" and LATE_CANCEL_NOTE in (finish.message or ""), finish


async def test_a_deployment_cancelled_before_it_publishes_is_cancelled(client: Client):
    deployer = Deployer()
    deployer.hold_in = "validate"
    queue = f"late-{uuid.uuid4()}"
    async with Worker(
        client, task_queue=queue, workflows=[DeploymentWorkflow], activities=deployer.activities()
    ):
        handle = await client.start_workflow(
            DeploymentWorkflow.run, _deploy_input(), id=f"deploy-{uuid.uuid4()}", task_queue=queue
        )
        await asyncio.wait_for(deployer.validating.wait(), 30)
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
    assert isinstance(failed.value.cause, CancelledError)
    assert not deployer.publishing.is_set()
    assert [f.status for f in deployer.finished] == ["CANCELLED"]


async def test_a_batch_cancelled_while_a_run_commits_reports_what_the_run_became(
    client: Client,
):
    waiting = asyncio.Event()
    calls: list[str] = []

    @activity.defn(name="start_sync")
    async def start(start: StartSync) -> StartedSync:
        return StartedSync(f"exec-{start.pipeline_id}", f"default/run/exec-{start.pipeline_id}")

    @activity.defn(name="await_sync")
    async def await_run(run: SyncRun) -> SyncOutcome:
        calls.append("await")
        if len(calls) == 1:  # the batch's cancel reaches this wait
            waiting.set()
            while True:
                activity.heartbeat()
                await asyncio.sleep(0.1)
        # The run's load had committed when its cancel came: it completed.
        return SyncOutcome("COMPLETED", None, RUN_LATE_CANCEL_NOTE)

    @activity.defn(name="cancel_sync")
    async def cancel(run: SyncRun) -> None:
        calls.append("cancel")

    queue = f"late-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[BatchSyncWorkflow],
        activities=[start, await_run, cancel],
    ):
        handle = await client.start_workflow(
            BatchSyncWorkflow.run,
            BatchSyncInput(
                "batch-x", "default", [SyncTarget("orders", "orders"), SyncTarget("refunds", "r")]
            ),
            id=f"sync-{uuid.uuid4()}",
            task_queue=queue,
        )
        await asyncio.wait_for(waiting.wait(), 30)
        await handle.cancel()
        state: BatchSyncState = await handle.result()
        await record(handle, "batch_sync_cancelled_run_completed")
    assert state.status == "cancelled" and state.canceled
    assert calls == ["await", "cancel", "await"]
    assert state.results == {
        "orders": ConnectionResult(True, "exec-orders", None, RUN_LATE_CANCEL_NOTE)
    }  # the run completed: its rows are loaded, whatever the batch's cancel asked
    assert state.completed == []  # and the rest of the batch was skipped
