"""No record outlives its workflow: a run (or a deployment, or an approval request) whose
workflow never started or ended without recording it is settled wherever it is found (the
active-run check, a status read, the periodic sweep, which settles asset runs too), so it never
blocks its pipeline; and a start that reaches Temporal after its run was given up does
nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from temporalio.client import Client, WorkflowFailureError

from api.main import settle_stale_runs
from core import temporal
from services import asset_pipelines, runs
from store import asset_runs
from store import pipelines as pipeline_store
from store import runs as run_store
from store.db import Database
from store.models import Execution, utcnow
from store.models.assets import AssetRun
from store.models.lifecycle import Deployment
from tests.auth import DEFAULT_TENANT
from tests.pipelines import create_connection, create_pipeline, unique_name, wait_finished

LONG_AGO = runs.START_WINDOW + timedelta(seconds=5)  # no start of it can still be under way


@pytest.fixture
async def pipeline(api: httpx.AsyncClient, source, source_db, target_db) -> tuple[str, str]:
    """A pipeline (id, its target table) that moves a 3-row table."""
    table = unique_name("phantom")
    await source.execute(f"CREATE TABLE {table} AS SELECT g AS id FROM generate_series(1, 3) g")
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    pipeline_id = await create_pipeline(
        api,
        unique_name("phantom"),
        {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
        },
    )
    return pipeline_id, f"wh.{table}"


async def _orphan(db: Database, pipeline_id: str, *, age: timedelta, status: str = "QUEUED") -> str:
    """An execution row as a killed API leaves it: its workflow never started."""
    execution_id = f"exec-{uuid.uuid4().hex}"
    async with db.session() as session:
        await run_store.create(
            session,
            Execution(
                id=execution_id,
                tenant_id=DEFAULT_TENANT,
                pipeline_id=pipeline_id,
                pipeline_version=1,
                workflow_id=runs.workflow_id(DEFAULT_TENANT, execution_id),
                status=status,
                submitted_at=utcnow() - age,
            ),
        )
    return execution_id


async def _row(db: Database, execution_id: str) -> Execution:
    async with db.session() as session:
        return await run_store.get(session, DEFAULT_TENANT, execution_id)


async def test_a_run_that_never_started_is_settled_wherever_it_is_found(api, db, client, pipeline):
    pipeline_id, _ = pipeline
    execute = f"/v1/pipelines/{pipeline_id}/execute"

    # Found by the active-run check: the new run starts.
    orphan = await _orphan(db, pipeline_id, age=LONG_AGO)
    response = await api.post(execute, json={})
    assert response.status_code == 202, response.text
    settled = (await api.get(f"/v1/pipelines/executions/{orphan}")).json()
    assert (settled["status"], settled["error"]) == ("FAILED", runs.NEVER_STARTED)
    run = await wait_finished(api, response.json()["executionId"])
    assert run["status"] == "COMPLETED", run

    # While its start may still be under way, it is the run in progress.
    fresh = await _orphan(db, pipeline_id, age=timedelta(0))
    response = await api.post(execute, json={})
    assert response.status_code == 409 and fresh in response.json()["detail"], response.text
    assert (await _row(db, fresh)).status == "QUEUED"
    async with db.session() as session:
        row = await run_store.get(session, DEFAULT_TENANT, fresh)
        row.submitted_at = utcnow() - LONG_AGO
        session.add(row)
        await session.commit()

    # Found by a status read, on every surface that reads one.
    body = (await api.get(f"/v1/pipelines/executions/{fresh}")).json()
    assert (body["status"], body["error"]) == ("FAILED", runs.NEVER_STARTED)

    # Cancelled while its start may be under way: ended at once (a late start does nothing).
    unsure = await _orphan(db, pipeline_id, age=timedelta(0))
    answer = await api.post(f"/v1/pipelines/executions/{unsure}/cancel")
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "CANCELLED", answer.json()
    response = await api.post(execute, json={})
    assert response.status_code == 202, response.text
    await wait_finished(api, response.json()["executionId"])

    # Found by the periodic sweep: a running row whose workflow is gone.
    gone = await _orphan(db, pipeline_id, age=LONG_AGO, status="RUNNING")
    assert await runs.reconcile_active(db, client) >= 1
    row = await _row(db, gone)
    assert row.status == "FAILED" and "no longer exists" in (row.error or ""), row


async def test_a_start_that_lands_after_its_run_was_settled_does_nothing(
    db, client, settings, pipeline, target
):
    pipeline_id, target_table = pipeline
    orphan = await _orphan(db, pipeline_id, age=LONG_AGO)
    async with db.session() as session:
        execution = await run_store.get(session, DEFAULT_TENANT, orphan)
        assert await runs.reconcile(session, client, execution) is not None
        found = await pipeline_store.get(session, DEFAULT_TENANT, pipeline_id)
    # The killed API's request reaches Temporal only now.
    await runs.start(client, settings, execution, found)
    with pytest.raises(WorkflowFailureError) as failed:
        await client.get_workflow_handle(execution.workflow_id).result()
    assert "already ended" in str(failed.value.cause), failed.value.cause
    row = await _row(db, orphan)
    assert (row.status, row.error) == ("FAILED", runs.NEVER_STARTED)  # the first end stands
    assert await target.fetchval("SELECT to_regclass($1)", target_table) is None


async def test_a_retried_start_of_a_scheduled_run_finds_its_own_run(
    api, db, client, settings, pipeline
):
    pipeline_id, _ = pipeline
    caller = f"sched-{uuid.uuid4().hex}-2026-12-05T06:00:00Z"
    async with db.session() as session:
        found = await pipeline_store.get(session, DEFAULT_TENANT, pipeline_id)
        first = await runs.submit(
            session, client, settings, found, {}, execution_id=runs.execution_id_for(caller)
        )
    async with db.session() as session:  # the activity, retried after its worker died
        again = await runs.submit(
            session, client, settings, found, {}, execution_id=runs.execution_id_for(caller)
        )
    assert again.id == first.id
    run = await wait_finished(api, first.id)
    assert run["status"] == "COMPLETED", run
    listed = await api.get("/v1/pipelines/executions", params={"pipelineId": pipeline_id})
    assert listed.json()["totalElements"] == 1


async def _deploy(api: httpx.AsyncClient, pipeline_id: str, environment: str) -> httpx.Response:
    return await api.post(
        f"/api/v1/pipelines/{pipeline_id}:deploy?mode=api", json={"environment": environment}
    )


async def test_a_deployment_that_never_started_does_not_block_the_next(api, db, pipeline):
    pipeline_id, _ = pipeline
    deployment_id = f"dep-{uuid.uuid4().hex}"
    async with db.session() as session:
        session.add(
            Deployment(
                id=deployment_id,
                tenant_id=DEFAULT_TENANT,
                pipeline_id=pipeline_id,
                version=1,
                environment="staging",
                mode="api",
                status="PENDING",
                dag_id=f"phantom_{deployment_id}",
                workflow_id=f"{DEFAULT_TENANT}/deploy/{pipeline_id}/1/{deployment_id}",
                requested_by="test",
                created_at=utcnow() - LONG_AGO,
            )
        )
        await session.commit()
    response = await _deploy(api, pipeline_id, "staging")
    assert response.status_code == 200, response.text
    async with db.session() as session:
        row = await session.get(Deployment, deployment_id)
    assert row is not None and row.status == "FAILED" and "never started" in (row.message or "")


async def test_a_terminated_deployment_leaves_no_pending_approval_nor_deployment(
    api, db, client: Client, pipeline
):
    pipeline_id, _ = pipeline
    response = await _deploy(api, pipeline_id, "production")
    assert response.status_code == 202, response.text
    workflow_id = response.json()["details"]["workflow_id"]
    status = f"/v1/pipelines/workflows/{workflow_id}/status"
    for _ in range(200):
        approval = (await api.get(status)).json()["approval"]
        if approval and approval["status"] == "PENDING":
            break
        await asyncio.sleep(0.05)
    await client.get_workflow_handle(workflow_id).terminate("operator")

    body = (await api.get(status)).json()
    assert body["status"] == "TERMINATED"
    assert body["approval"]["status"] == "CANCELLED", body  # nothing awaits a decision
    # The deployment it left PENDING does not block the next one.
    again = await _deploy(api, pipeline_id, "production")
    assert again.status_code == 202, again.text
    await client.get_workflow_handle(again.json()["details"]["workflow_id"]).terminate("done")


async def _asset_run(db: Database, tenant: str, *, age: timedelta) -> AssetRun:
    """An asset run RUNNING since ``age`` ago with two assets, as the store has it when its
    workflow ended without recording that (the API down, a terminate from outside)."""
    run_id = f"{asset_pipelines.RUN_PREFIX}{uuid.uuid4().hex[:16]}"
    run = AssetRun(
        id=run_id,
        tenant_id=tenant,
        pipeline="scoring_pipeline",
        workflow_id=temporal.workflow_id("assets", tenant, run_id),
        status="RUNNING",
        batch_id="B1",
        submitted_at=utcnow() - age,
        started_at=utcnow() - age,
    )
    async with db.session() as session:
        return await asset_runs.create_run(session, run, ["extract_features", "score_batch"])


async def test_the_sweep_settles_asset_runs_nobody_reads(db, client):
    tenant = f"sweep-{uuid.uuid4().hex[:8]}"
    terminated = await _asset_run(db, tenant, age=LONG_AGO)
    handle = await client.start_workflow(
        "AssetPipelineWorkflow", id=terminated.workflow_id, task_queue=f"nobody-{uuid.uuid4()}"
    )
    await handle.terminate("ended while the API was down")
    gone = await _asset_run(db, tenant, age=LONG_AGO)  # its workflow never existed
    young = await _asset_run(db, tenant, age=timedelta(0))  # its start may be under way

    assert await settle_stale_runs(db, client) >= 2
    async with db.session() as session:
        ended = await asset_runs.get_run(session, tenant, terminated.id)
        assert (ended.status, ended.error) == (
            "FAILED",
            "workflow ended as TERMINATED without recording its outcome",
        )
        assets = await asset_runs.materializations(session, terminated.id)
        assert {a.status for a in assets} == {asset_runs.SKIPPED}
        lost = await asset_runs.get_run(session, tenant, gone.id)
        assert (lost.status, lost.error) == ("FAILED", "its workflow no longer exists")
        assert (await asset_runs.get_run(session, tenant, young.id)).status == "RUNNING"
    # Settled once: the next sweep leaves them as they are.
    await settle_stale_runs(db, client)
    async with db.session() as session:
        assert (await asset_runs.get_run(session, tenant, terminated.id)).finished_at == (
            ended.finished_at
        )
