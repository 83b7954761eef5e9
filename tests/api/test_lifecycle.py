"""Deployments, approvals, schedules, workflow endpoints and the Airflow views, through the API."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from domain.airflow_dag import dag_id
from tests import auth
from tests.pipelines import create_connection, create_pipeline, unique_name, wait_finished


@pytest.fixture
async def pipeline(api: httpx.AsyncClient, source, source_db, target_db) -> tuple[str, str]:
    """A small pipeline (id, name) that moves a 3-row table."""
    table = f"lc_{uuid.uuid4().hex[:8]}"
    await source.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, amount numeric)")
    await source.execute(f"INSERT INTO {table} VALUES (1, 10), (2, 20), (3, 30)")
    src = await create_connection(api, source_db, unique_name("lc-src"))
    dst = await create_connection(api, target_db, unique_name("lc-dst"))
    name = unique_name("lifecycle")
    definition = {
        "sources": {"rows": {"connection": src, "table": table}},
        "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
        "quality_checks": [{"name": "has_rows", "type": "row_count", "min": 1}],
    }
    return await create_pipeline(api, name, definition), name


async def _signal(api: httpx.AsyncClient, workflow_id: str, data: dict) -> httpx.Response:
    return await api.post(
        f"/v1/pipelines/workflows/{workflow_id}/signal",
        json={"signalName": "approval", "data": data},
    )


async def _wait_deployed(api: httpx.AsyncClient, workflow_id: str) -> dict:
    for _ in range(200):
        body = (await api.get(f"/v1/pipelines/workflows/{workflow_id}/status")).json()
        if body["status"] != "RUNNING":
            return body
        await asyncio.sleep(0.05)
    raise TimeoutError(body)


async def test_deploy_watch_folder_writes_a_dag_and_refuses_a_second_deploy(
    api, pipeline, settings
):
    pipeline_id, _ = pipeline
    response = await api.post(f"/api/v1/pipelines/{pipeline_id}:deploy?mode=watch_folder")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "deployed"
    details = body["details"]
    assert details["temporal_ui_url"].startswith(settings.temporal.web_url)
    assert details["dag_id"] == dag_id("default", pipeline_id, 1)  # tenant, pipeline, version
    assert Path(details["dag_path"]).name == f"{details['dag_id']}.py"
    source = await asyncio.to_thread(Path(details["dag_path"]).read_text)
    compile(source, details["dag_path"], "exec")
    assert "not-needed" not in source and "s3cret" not in source  # no credentials
    assert "from airflow import DAG" in source

    again = await api.post(f"/api/v1/pipelines/{pipeline_id}:deploy?mode=watch_folder")
    assert again.status_code == 409, again.text
    assert again.json()["error_code"] == "PIPELINE_ALREADY_DEPLOYED"

    dags = (await api.get("/v1/airflow/dags")).json()["dags"]
    assert details["dag_id"] in {d["dagId"] for d in dags}


async def test_deploy_errors(api, pipeline):
    pipeline_id, _ = pipeline
    missing = await api.post("/api/v1/pipelines/no-such-pipeline:deploy")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "PIPELINE_NOT_FOUND"
    bad_mode = await api.post(f"/api/v1/pipelines/{pipeline_id}:deploy?mode=ftp")
    assert bad_mode.status_code == 400  # request validation on /api/v1
    bad_cron = await api.post(
        f"/api/v1/pipelines/{pipeline_id}:deploy", json={"schedule": "every day"}
    )
    assert bad_cron.status_code == 400
    assert "cron" in bad_cron.json()["error"]["message"]
    bad_zone = await api.post(
        f"/api/v1/pipelines/{pipeline_id}:deploy",
        json={"schedule": "0 6 * * *", "timezone": "Mars/Olympus"},
    )
    assert bad_zone.status_code == 400


async def test_deploy_git_sync_commits_the_dag(api, pipeline, settings):
    pipeline_id, _ = pipeline
    response = await api.post(
        f"/api/v1/pipelines/{pipeline_id}:deploy?mode=git_sync", json={"environment": "staging"}
    )
    assert response.status_code == 200, response.text
    path = Path(response.json()["details"]["dag_path"])
    log = await asyncio.to_thread(
        subprocess.run,
        ["git", "log", "--format=%s", "--", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"Deploy {path.stem}" in log.stdout


async def test_production_deploy_waits_for_one_approval(api, pipeline):
    pipeline_id, _ = pipeline
    response = await api.post(
        f"/api/v1/pipelines/{pipeline_id}:deploy?mode=api",
        json={"environment": "production", "schedule": "0 6 * * *", "timezone": "America/New_York"},
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending_approval"
    workflow_id = response.json()["details"]["workflow_id"]

    status = await _wait_approval_pending(api, workflow_id)
    assert status["approval"]["status"] == "PENDING"

    no_approver = await _signal(api, workflow_id, {"approved": True})
    assert no_approver.status_code == 400, no_approver.text  # request validation on /v1
    bad_body = await _signal(api, workflow_id, {"approvedBy": "x"})
    assert bad_body.status_code == 400

    approved = await _signal(
        api, workflow_id, {"approved": True, "approvedBy": "steward@acme.com", "reason": "ok"}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approval"]["status"] == "APPROVED"

    second = await _signal(
        api, workflow_id, {"approved": False, "approvedBy": "other@acme.com", "reason": "no"}
    )
    assert second.status_code == 409, second.text
    assert "already approved by steward@acme.com" in second.json()["error"]["message"]

    final = await _wait_deployed(api, workflow_id)
    assert final["status"] == "COMPLETED", final
    assert final["approval"]["approvedBy"] == "steward@acme.com"
    schedules = (await api.get(f"/v1/pipelines/schedules?pipelineId={pipeline_id}")).json()
    assert [(s["cronExpression"], s["timezone"]) for s in schedules["content"]] == [
        ("0 6 * * *", "America/New_York")
    ]
    assert schedules["content"][0]["nextRunTimes"]


async def _wait_approval_pending(api: httpx.AsyncClient, workflow_id: str) -> dict:
    for _ in range(200):
        body = (await api.get(f"/v1/pipelines/workflows/{workflow_id}/status")).json()
        if body.get("approval"):
            return body
        await asyncio.sleep(0.05)
    raise TimeoutError(body)


async def test_rejected_deployment_ends_with_the_reason(api, pipeline):
    pipeline_id, _ = pipeline
    response = await api.post(
        f"/api/v1/pipelines/{pipeline_id}:deploy?mode=api", json={"environment": "production"}
    )
    workflow_id = response.json()["details"]["workflow_id"]
    await _wait_approval_pending(api, workflow_id)
    rejected = await _signal(
        api, workflow_id, {"approved": False, "approvedBy": "cso@acme.com", "reason": "PII"}
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["approval"]["status"] == "REJECTED"
    final = await _wait_deployed(api, workflow_id)
    assert final["status"] == "FAILED"
    assert final["approval"]["reason"] == "PII"
    # Nothing was deployed, so a new deployment of that version may start.
    dags = (await api.get("/v1/airflow/dags")).json()["dags"]
    assert pipeline_id not in {d["pipelineId"] for d in dags}


async def test_workflow_endpoints_hide_other_tenants_and_unknown_ids(
    api, app, pipeline, other_tenant
):
    pipeline_id, _ = pipeline
    response = await api.post(
        f"/api/v1/pipelines/{pipeline_id}:deploy?mode=api", json={"environment": "production"}
    )
    workflow_id = response.json()["details"]["workflow_id"]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://ductwork.test",
        headers=auth.headers(other_tenant.admin_key, other_tenant.tenant_id),
    ) as other:
        for path in ("status",):
            assert (
                await other.get(f"/v1/pipelines/workflows/{workflow_id}/{path}")
            ).status_code == 404
        assert (
            await _signal(other, workflow_id, {"approved": True, "approvedBy": "x"})
        ).status_code == 404
        assert (
            await other.post(f"/v1/pipelines/workflows/{workflow_id}/cancel")
        ).status_code == 404
    unknown = await api.get("/v1/pipelines/workflows/default/run/nope/status")
    assert unknown.status_code == 404
    assert unknown.json()["error_code"] == "WORKFLOW_NOT_FOUND"

    # Cancel the pending deployment; a second cancel finds it ended.
    cancelled = await api.post(f"/v1/pipelines/workflows/{workflow_id}/cancel")
    assert cancelled.status_code == 202, cancelled.text
    final = await _wait_deployed(api, workflow_id)
    assert final["status"] == "CANCELED"
    again = await api.post(f"/v1/pipelines/workflows/{workflow_id}/cancel")
    assert again.status_code == 409
    late = await _signal(api, workflow_id, {"approved": True, "approvedBy": "x"})
    assert late.status_code == 409


async def test_rollback_makes_a_new_version_and_redeploys(api, pipeline):
    pipeline_id, _ = pipeline
    first = (await api.get(f"/v1/pipelines/{pipeline_id}")).json()
    changed = dict(first["definition"], quality_checks=[{"type": "row_count", "min": 2}])
    updated = await api.put(f"/v1/pipelines/{pipeline_id}", json={"definition": changed})
    assert updated.status_code == 200, updated.text
    assert updated.json()["versionNumber"] == 2
    deployed = await api.post(f"/api/v1/pipelines/{pipeline_id}:deploy?mode=api")
    assert deployed.status_code == 200, deployed.text

    response = await api.post(f"/api/v1/pipelines/{pipeline_id}:rollback", json={"version": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "rolled_back" and body["version"] == 1
    assert body["details"]["previous_version"] == 2
    assert body["details"]["rolled_back_to"] == 1
    assert body["details"]["new_version"] == 3
    assert body["details"]["redeployed"] is True
    now = (await api.get(f"/v1/pipelines/{pipeline_id}")).json()
    assert now["versionNumber"] == 3 and now["definition"] == first["definition"]
    dag = (await api.get(f"/v1/airflow/dags/{body['details']['deployment']['dag_id']}")).json()
    assert dag["version"] == 3

    same = await api.post(f"/api/v1/pipelines/{pipeline_id}:rollback", json={"version": 3})
    assert same.status_code == 409
    missing = await api.post(f"/api/v1/pipelines/{pipeline_id}:rollback", json={"version": 99})
    assert missing.status_code == 404
    for version in (10**20, "99999999999999999999", "²"):  # past the column, or not ASCII
        missing = await api.post(
            f"/api/v1/pipelines/{pipeline_id}:rollback", json={"version": version}
        )
        assert missing.status_code == 404, missing.text
    invalid = await api.post(f"/api/v1/pipelines/{pipeline_id}:rollback", json={})
    assert invalid.status_code == 400


async def test_schedules_crud_and_trigger_records_an_execution(api, pipeline):
    pipeline_id, _ = pipeline
    body = {
        "pipelineId": pipeline_id,
        "cronExpression": "0 6 * * *",
        "timezone": "America/New_York",
        "parameters": {"lookback_days": 1},
        "enabled": True,
    }
    created = await api.post("/v1/pipelines/schedules", json=body)
    assert created.status_code == 201, created.text
    schedule = created.json()
    schedule_id = schedule["scheduleId"]
    assert schedule["nextRunTimes"], schedule
    # 06:00 in New York is 10:00 or 11:00 UTC, depending on daylight saving time.
    assert {t[11:16] for t in schedule["nextRunTimes"]} <= {"10:00", "11:00"}

    listed = (await api.get(f"/v1/pipelines/schedules?pipelineId={pipeline_id}")).json()
    assert [s["scheduleId"] for s in listed["content"]] == [schedule_id]

    paused = await api.put(f"/v1/pipelines/schedules/{schedule_id}", json={"enabled": False})
    assert paused.status_code == 200 and paused.json()["enabled"] is False
    moved = await api.put(
        f"/v1/pipelines/schedules/{schedule_id}", json={"cronExpression": "30 7 * * 1"}
    )
    assert moved.json()["cronExpression"] == "30 7 * * 1" and moved.json()["enabled"] is False

    triggered = await api.post(f"/v1/pipelines/schedules/{schedule_id}/trigger")
    assert triggered.status_code == 202, triggered.text
    execution = await _scheduled_execution(api, pipeline_id)
    assert execution["parameters"] == {"lookback_days": 1}
    finished = await wait_finished(api, execution["executionId"])
    assert finished["status"] == "COMPLETED", finished

    deleted = await api.delete(f"/v1/pipelines/schedules/{schedule_id}")
    assert deleted.status_code == 204
    assert (await api.get(f"/v1/pipelines/schedules/{schedule_id}")).status_code == 404
    assert (await api.post(f"/v1/pipelines/schedules/{schedule_id}/trigger")).status_code == 404


async def _scheduled_execution(api: httpx.AsyncClient, pipeline_id: str) -> dict:
    for _ in range(200):
        page = (await api.get(f"/v1/pipelines/executions?pipelineId={pipeline_id}")).json()
        if page["content"]:
            return page["content"][0]
        await asyncio.sleep(0.05)
    raise TimeoutError("the schedule started no run")


async def test_schedule_errors(api, pipeline):
    pipeline_id, _ = pipeline
    base = {"pipelineId": pipeline_id, "cronExpression": "0 6 * * *"}
    cases = [
        ({**base, "pipelineId": "nope"}, 404),
        ({**base, "cronExpression": "whenever"}, 400),  # request validation on /v1
        ({**base, "cronExpression": "99 99 * * *"}, 400),
        ({**base, "timezone": "Nowhere/Land"}, 400),
        ({**base, "unknownField": 1}, 400),
        ({"cronExpression": "0 6 * * *"}, 400),
    ]
    for body, expected in cases:
        response = await api.post("/v1/pipelines/schedules", json=body)
        assert response.status_code == expected, (body, response.text)
    assert (
        await api.put("/v1/pipelines/schedules/nope", json={"enabled": True})
    ).status_code == 404
    assert (await api.delete("/v1/pipelines/schedules/nope")).status_code == 404
    rows = (await api.get(f"/v1/pipelines/schedules?pipelineId={pipeline_id}")).json()
    assert rows["content"] == []  # refused schedules leave nothing behind


async def test_airflow_views_over_runs_and_schedules(api, pipeline):
    pipeline_id, _ = pipeline
    deployed = await api.post(
        f"/api/v1/pipelines/{pipeline_id}:deploy?mode=api", json={"schedule": "0 6 * * *"}
    )
    assert deployed.status_code == 200, deployed.text
    dag_id = deployed.json()["details"]["dag_id"]
    dag = (await api.get(f"/v1/airflow/dags/{dag_id}")).json()
    assert dag["scheduleInterval"] == "0 6 * * *" and dag["isPaused"] is False

    run = await api.post(f"/v1/airflow/dags/{dag_id}/trigger", json={"conf": {}})
    assert run.status_code == 200, run.text
    run_id = run.json()["dagRunId"]
    await wait_finished(api, run_id)
    runs = (await api.get(f"/v1/airflow/dags/{dag_id}/runs?limit=25")).json()
    assert runs["dagRuns"][0]["dagRunId"] == run_id
    assert runs["dagRuns"][0]["state"] == "success"
    tasks = (await api.get(f"/v1/airflow/dags/{dag_id}/runs/{run_id}/tasks")).json()
    names = [t["taskId"] for t in tasks["taskInstances"]]
    assert names and all(t["state"] == "success" for t in tasks["taskInstances"])
    logs = (await api.get(f"/v1/airflow/dags/{dag_id}/runs/{run_id}/tasks/{names[0]}/logs")).json()
    assert "started" in logs["content"]

    assert (await api.post(f"/v1/airflow/dags/{dag_id}/pause")).json()["isPaused"] is True
    schedules = (await api.get(f"/v1/pipelines/schedules?pipelineId={pipeline_id}")).json()
    assert [s["enabled"] for s in schedules["content"]] == [False]
    assert (await api.post(f"/v1/airflow/dags/{dag_id}/unpause")).json()["isPaused"] is False

    assert (await api.get("/v1/airflow/dags/nope/runs")).status_code == 404
    assert (await api.get(f"/v1/airflow/dags/{dag_id}/runs/nope/tasks")).status_code == 404
    missing_task = await api.get(f"/v1/airflow/dags/{dag_id}/runs/{run_id}/tasks/nope/logs")
    assert missing_task.status_code == 404
    assert (await api.post("/v1/airflow/dags/nope/trigger", json={})).status_code == 404


async def test_roles(app, api, pipeline, tenancy):
    pipeline_id, _ = pipeline

    def as_role(role: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://ductwork.test",
            headers=auth.headers(tenancy.token(role)),
        )

    async with as_role("viewer") as viewer, as_role("editor") as editor:
        body = {"pipelineId": pipeline_id, "cronExpression": "0 6 * * *"}
        assert (await viewer.post("/v1/pipelines/schedules", json=body)).status_code == 403
        assert (await viewer.get("/v1/airflow/dags")).status_code == 200
        production = await editor.post(
            f"/api/v1/pipelines/{pipeline_id}:deploy?mode=api", json={"environment": "production"}
        )
        assert production.status_code == 403
        pending = await api.post(
            f"/api/v1/pipelines/{pipeline_id}:deploy?mode=api", json={"environment": "production"}
        )
        workflow_id = pending.json()["details"]["workflow_id"]
        await _wait_approval_pending(api, workflow_id)
        refused = await _signal(editor, workflow_id, {"approved": True, "approvedBy": "e"})
        assert refused.status_code == 403
        assert (await api.post(f"/v1/pipelines/workflows/{workflow_id}/cancel")).status_code == 202
