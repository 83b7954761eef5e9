"""The whole lifecycle through the API, on the real Temporal dev server and real PostgreSQL:

create from a template → deploy to production with a schedule → wait for approval → approve
through /v1/pipelines/workflows/{id}/signal → the deployment completes and the pipeline's
Temporal Schedule exists → the schedule fires (trigger) → the run loads every source row →
metrics, lineage and cost reflect that run; a second decision on the approval gets 409.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime

import httpx
import pytest
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow

from domain import templates
from tests.pipelines import create_connection, decoded_history, wait_finished

pytestmark = pytest.mark.postgres

TEMPLATE = "healthcare/claims"


async def _poll(probe, what: str, within: float = 15.0):  # type: ignore[no-untyped-def]
    """Call ``probe`` until it returns something truthy; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {within}s")
        await asyncio.sleep(0.1)


async def _workflow(api: httpx.AsyncClient, workflow_id: str) -> dict:
    response = await api.get(f"/v1/pipelines/workflows/{workflow_id}/status")
    assert response.status_code == 200, response.text
    return response.json()


async def _decide(api: httpx.AsyncClient, workflow_id: str, data: dict) -> httpx.Response:
    return await api.post(
        f"/v1/pipelines/workflows/{workflow_id}/signal",
        json={"signalName": "approval", "data": data},
    )


async def test_template_to_approved_production_deployment_to_scheduled_run(
    api: httpx.AsyncClient, client: Client, source, target, source_db, target_db
):
    suffix = uuid.uuid4().hex[:8]

    # 1. A pipeline from the healthcare claims template, over its own sample data.
    schema, out_schema = f"claims_{suffix}", f"claims_mart_{suffix}"
    await source.execute(templates.get(TEMPLATE).sample_sql(schema))
    src = await create_connection(api, source_db, f"lc-e2e-src-{suffix}")
    dst = await create_connection(api, target_db, f"lc-e2e-dst-{suffix}")
    created = await api.post(
        f"/v1/pipelines/templates/{TEMPLATE}/create",
        json={
            "pipelineName": f"claims-e2e-{suffix}",
            "parameters": {
                "SOURCE_CONNECTION": src,
                "TARGET_CONNECTION": dst,
                "SOURCE_SCHEMA": schema,
                "TARGET_SCHEMA": out_schema,
                "MEMBER_KEY_NAMESPACE": "acme-health",
            },
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["templateId"] == TEMPLATE
    pipeline_id = created.json()["pipelineId"]
    # Nothing is scheduled before the deployment.
    listed = await api.get("/v1/pipelines/schedules", params={"pipelineId": pipeline_id})
    assert listed.json()["content"] == []

    # 2. Deploy to production with a schedule: it waits for approval.
    deploy = await api.post(
        f"/api/v1/pipelines/{pipeline_id}:deploy",
        json={"environment": "production", "schedule": "15 4 * * *", "timezone": "Europe/Berlin"},
    )
    assert deploy.status_code == 202, deploy.text
    assert deploy.json()["status"] == "pending_approval"
    details = deploy.json()["details"]
    assert details["environment"] == "production"
    workflow_id = details["workflow_id"]
    assert details["temporal_ui_url"]

    async def pending() -> dict | None:
        body = await _workflow(api, workflow_id)
        return body if body["approval"] else None

    waiting = await _poll(pending, "the deployment to ask for approval")
    assert waiting["status"] == "RUNNING" and waiting["workflowType"] == "DeploymentWorkflow"
    assert waiting["approval"]["status"] == "PENDING"
    assert waiting["approval"]["kind"] == "deployment"

    # 3. Approve through the workflows surface; the deployment completes.
    approved = await _decide(
        api,
        workflow_id,
        {"approved": True, "approvedBy": "release-manager@acme.com", "reason": "CAB-1234"},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approval"]["status"] == "APPROVED"
    assert approved.json()["approval"]["approvedBy"] == "release-manager@acme.com"

    async def closed() -> dict | None:
        body = await _workflow(api, workflow_id)
        return body if body["status"] != "RUNNING" else None

    final = await _poll(closed, "the deployment to finish")
    assert final["status"] == "COMPLETED", final
    assert final["approval"]["status"] == "APPROVED"
    assert final["approval"]["reason"] == "CAB-1234"
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    assert "release-manager@acme.com" in decoded_history(history.to_json())  # who approved

    # A second decision on the same request is refused, now that it was taken.
    second = await _decide(
        api, workflow_id, {"approved": False, "approvedBy": "someone@acme.com", "reason": "late"}
    )
    assert second.status_code == 409, second.text
    assert second.json()["error_code"] == "APPROVAL_ALREADY_DECIDED"
    assert "release-manager@acme.com" in second.json()["error"]["message"]

    # 4. The pipeline's Temporal Schedule exists, with the deployment's cron and time zone.
    schedules = (
        await api.get("/v1/pipelines/schedules", params={"pipelineId": pipeline_id})
    ).json()["content"]
    assert [(s["cronExpression"], s["timezone"], s["enabled"]) for s in schedules] == [
        ("15 4 * * *", "Europe/Berlin", True)
    ]
    schedule = schedules[0]
    assert schedule["nextRunTimes"]
    handle = client.get_schedule_handle(schedule["temporalScheduleId"])
    described = await handle.describe()
    assert described.schedule.spec.time_zone_name == "Europe/Berlin"
    assert described.schedule.action.workflow == "ScheduledRunWorkflow"
    assert not described.schedule.state.paused
    assert described.info.recent_actions == []  # it has not fired yet

    # 5. The schedule fires: Temporal itself takes the schedule's action now.
    triggered = await api.post(f"/v1/pipelines/schedules/{schedule['scheduleId']}/trigger")
    assert triggered.status_code == 202, triggered.text

    async def fired():  # type: ignore[no-untyped-def]
        return (await handle.describe()).info.recent_actions

    [action] = await _poll(fired, "the schedule to take its action")
    assert isinstance(action.action, ScheduleActionExecutionStartWorkflow)
    scheduled_run = await client.get_workflow_handle(action.action.workflow_id).result()
    execution_id = scheduled_run["execution_id"]
    assert execution_id, scheduled_run

    # 6. The run it started loads every claim.
    run = await wait_finished(api, execution_id, within=30)
    assert run["status"] == "COMPLETED", run
    assert run["pipelineId"] == pipeline_id
    source_rows = await source.fetchval(f"SELECT count(*) FROM {schema}.claims")
    target_rows = await target.fetchval(f"SELECT count(*) FROM {out_schema}.claims")
    assert source_rows == 3000 and target_rows == source_rows
    assert run["metrics"]["rowsLoaded"] >= target_rows
    executions = (
        await api.get("/v1/pipelines/executions", params={"pipelineId": pipeline_id})
    ).json()["content"]
    assert [e["executionId"] for e in executions] == [execution_id]

    # 7. Metrics, lineage and cost reflect that run.
    metrics = await api.get(
        "/v1/pipelines/monitoring/metrics", params={"pipelineId": pipeline_id, "period": "7d"}
    )
    assert metrics.status_code == 200, metrics.text
    body = metrics.json()
    assert body["metrics"]["executionCount"] == 1
    assert body["metrics"]["succeeded"] == 1 and body["metrics"]["successRate"] == 1.0
    assert body["metrics"]["totalRowsLoaded"] >= target_rows
    assert body["metrics"]["totalCostUsd"] > 0
    assert body["costIsEstimate"] is True
    assert sum(day["executions"] for day in body["history"]) == 1

    lineage = await api.get(f"/v1/pipelines/{pipeline_id}/lineage")
    assert lineage.status_code == 200, lineage.text
    graph = lineage.json()
    assert graph["lastExecuted"] is not None
    assert datetime.fromisoformat(graph["lastExecuted"]) == datetime.fromisoformat(run["startedAt"])
    assert {s["fqn"] for s in graph["sinks"]} == {
        f"{target_db}.{out_schema}.claims",
        f"{target_db}.{out_schema}.provider_month",
    }
    assert f"{source_db}.{schema}.providers" in {s["fqn"] for s in graph["sources"]}

    cost = await api.get(f"/v1/pipelines/{pipeline_id}/cost", params={"period": "30d"})
    assert cost.status_code == 200, cost.text
    priced = cost.json()
    assert priced["executionCount"] == 1
    assert [e["executionId"] for e in priced["executions"]] == [execution_id]
    assert priced["totalCostUsd"] > 0 and priced["costPerExecution"] > 0
    assert priced["estimate"] is True and "estimate" in priced["note"]
