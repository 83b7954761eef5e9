"""AssetPipelineWorkflow alone, its activities mocked: dependency order with independent assets
side by side, the first failure stopping the run, and a cancel reaching the running asset."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError, CancelledError
from temporalio.worker import Worker

from workflows.asset_payloads import (
    AssetNode,
    AssetOutcome,
    AssetPlan,
    AssetRunEnd,
    AssetRunInput,
    AssetStep,
)
from workflows.asset_pipeline import AssetPipelineWorkflow
from workflows.notify import NotifyWorkflow
from workflows.notify_payloads import NotifyInput, NotifyPlan
from workflows.payloads import RunStatus

DIAMOND = [
    AssetNode("a"),
    AssetNode("b", ["a"]),
    AssetNode("c", ["a"]),
    AssetNode("d", ["b", "c"]),
]


class Mocks:
    """The asset activities under their registered names, keeping what happened."""

    def __init__(self, fail: str | None = None, hold: str | None = None) -> None:
        self.fail, self.hold = fail, hold
        self.events: list[tuple[str, str]] = []
        self.ends: list[AssetRunEnd] = []
        self.held = asyncio.Event()

    def activities(self) -> list:
        @activity.defn(name="plan_asset_run")
        async def plan(run: AssetRunInput) -> AssetPlan:
            return AssetPlan(assets=DIAMOND, heartbeat_timeout_seconds=2, retries=0)

        @activity.defn(name="materialize_asset")
        async def materialize(step: AssetStep) -> AssetOutcome:
            self.events.append(("start", step.asset))
            try:
                if step.asset == self.hold:
                    self.held.set()
                    while True:
                        activity.heartbeat()
                        await asyncio.sleep(0.1)
                await asyncio.sleep(0.3)
                if step.asset == self.fail:
                    raise ApplicationError("no rows", type="TOO_FEW_ROWS", non_retryable=True)
            except asyncio.CancelledError:
                self.events.append(("cancelled", step.asset))
                raise
            self.events.append(("end", step.asset))
            return AssetOutcome(step.asset, {"rows": 1})

        @activity.defn(name="record_asset_run")
        async def record(end: AssetRunEnd) -> None:
            self.ends.append(end)

        @activity.defn(name="plan_notifications")
        async def notifications(run: NotifyInput) -> NotifyPlan:
            return NotifyPlan()

        return [plan, materialize, record, notifications]


async def _run(client: Client, mocks: Mocks, *, cancel: bool = False):  # type: ignore[no-untyped-def]
    queue = f"assets-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[AssetPipelineWorkflow, NotifyWorkflow],
        activities=mocks.activities(),
    ):
        handle = await client.start_workflow(
            AssetPipelineWorkflow.run,
            AssetRunInput(f"run_{uuid.uuid4().hex[:12]}", "t", "diamond"),
            id=f"t/assets/{uuid.uuid4().hex}",
            task_queue=queue,
        )
        if cancel:
            await asyncio.wait_for(mocks.held.wait(), 20)
            await handle.cancel()
        return await handle.result()


def _index(events: list[tuple[str, str]], event: str, asset: str) -> int:
    return events.index((event, asset))


async def test_dependencies_first_and_independent_assets_side_by_side(client):
    mocks = Mocks()
    result = await _run(client, mocks)
    assert result.status is RunStatus.COMPLETED
    assert set(result.outputs) == {"a", "b", "c", "d"}
    e = mocks.events
    assert _index(e, "end", "a") < min(_index(e, "start", "b"), _index(e, "start", "c"))
    # b and c both started before either ended: side by side.
    assert max(_index(e, "start", "b"), _index(e, "start", "c")) < min(
        _index(e, "end", "b"), _index(e, "end", "c")
    )
    assert _index(e, "start", "d") > max(_index(e, "end", "b"), _index(e, "end", "c"))
    assert [end.status for end in mocks.ends] == [RunStatus.COMPLETED]


async def test_first_failure_stops_the_run_naming_the_asset(client):
    mocks = Mocks(fail="c")
    with pytest.raises(WorkflowFailureError) as caught:
        await _run(client, mocks)
    assert ("start", "d") not in mocks.events
    (end,) = mocks.ends
    assert (end.status, end.failed_asset, end.error) == (RunStatus.FAILED, "c", "no rows")
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "PIPELINE_FAILED"


async def test_cancel_reaches_the_running_asset(client):
    mocks = Mocks(hold="b")
    with pytest.raises(WorkflowFailureError) as caught:
        await _run(client, mocks, cancel=True)
    assert isinstance(caught.value.cause, CancelledError)
    assert ("cancelled", "b") in mocks.events
    assert ("start", "d") not in mocks.events
    assert [end.status for end in mocks.ends] == [RunStatus.CANCELLED]
