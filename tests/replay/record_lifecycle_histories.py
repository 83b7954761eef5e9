"""Record the lifecycle histories the replay tests check (RECORD_HISTORIES=1; on purpose only).

DeploymentWorkflow approved and rejected, ScheduledRunWorkflow, and a run paused by an
``approve`` check and then approved.
"""

from __future__ import annotations

import os

import pytest

from tests.api.test_lifecycle import (  # noqa: F401  (pipeline is a fixture)
    _scheduled_execution,
    _signal,
    _wait_approval_pending,
    _wait_deployed,
    pipeline,
)
from tests.pipelines import execute, wait_finished
from tests.replay.record_histories import HISTORIES
from tests.workflows.test_approval_gate import CHECKS, _decide, _pending
from tests.workflows.test_quality_and_transforms import _payments, _payments_pipeline, _pipeline

pytestmark = pytest.mark.skipif(
    os.environ.get("RECORD_HISTORIES") != "1", reason="records only with RECORD_HISTORIES=1"
)


async def _save(client, workflow_id: str, name: str) -> None:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / f"{name}.json").write_text(history.to_json())


async def test_record_deployments_and_scheduled_run(api, client, pipeline):  # noqa: F811
    pipeline_id, _ = pipeline
    for name, approved in (("deployment_rejected", False), ("deployment_approved", True)):
        response = await api.post(
            f"/api/v1/pipelines/{pipeline_id}:deploy?mode=watch_folder",
            json={"environment": "production", "schedule": "0 6 * * *"},
        )
        workflow_id = response.json()["details"]["workflow_id"]
        await _wait_approval_pending(api, workflow_id)
        await _signal(api, workflow_id, {"approved": approved, "approvedBy": "rec", "reason": "r"})
        await _wait_deployed(api, workflow_id)
        await _save(client, workflow_id, name)

    schedules = (await api.get(f"/v1/pipelines/schedules?pipelineId={pipeline_id}")).json()
    schedule_id = schedules["content"][0]["scheduleId"]
    await api.post(f"/v1/pipelines/schedules/{schedule_id}/trigger")
    execution = await _scheduled_execution(api, pipeline_id)
    await wait_finished(api, execution["executionId"])
    listed = client.list_workflows(
        f"WorkflowType = 'ScheduledRunWorkflow' AND DuctworkPipelineId = '{pipeline_id}'"
    )
    async for found in listed:
        await _save(client, found.id, "scheduled_run")
        break


async def test_record_approved_run(api, client, source, source_db, target_db):
    table = await _payments(source)
    pipeline_id = await _pipeline(
        api, source_db, target_db, _payments_pipeline(table, f"wh.{table}", CHECKS)
    )
    execution = await execute(api, pipeline_id)
    run = (await api.get(f"/v1/pipelines/executions/{execution}")).json()
    await _pending(api, run["workflowId"])
    await _decide(api, run["workflowId"], True, "recorded")
    await wait_finished(api, execution)
    await _save(client, run["workflowId"], "pipeline_run_approved")
