"""Executions: execute on Temporal, read progress and metrics, list, cancel, logs."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import pytest

from core.temporal import KIND, PIPELINE_ID, PIPELINE_NAME, TENANT
from store import runs as run_store
from store.models import Execution, utcnow
from tests.api.test_errors import assert_error
from tests.pipelines import create_connection, create_pipeline, unique_name, wait_finished

pytestmark = pytest.mark.postgres

ROWS = 250


@dataclass
class Pipe:
    id: str
    name: str
    table: str


@pytest.fixture
async def pipe(api, source, source_db, target_db) -> Pipe:
    table = f"runs_{uuid.uuid4().hex[:8]}"
    await source.execute(
        f"CREATE TABLE public.{table} AS "
        f"SELECT g AS id, 'row ' || g AS note FROM generate_series(1, {ROWS}) AS g"
    )
    src = await create_connection(api, source_db, unique_name("ex-src"))
    dst = await create_connection(api, target_db, unique_name("ex-dst"))
    name = unique_name("exec-pipe")
    pipeline_id = await create_pipeline(
        api,
        name,
        {
            "sources": {"rows": {"connection": src, "table": f"public.{table}"}},
            "sinks": {"copy": {"connection": dst, "table": f"landing.{table}"}},
        },
    )
    return Pipe(pipeline_id, name, table)


async def submit(api, pipeline_id: str, **body) -> dict:
    response = await api.post(f"/v1/pipelines/{pipeline_id}/execute", json=body)
    assert response.status_code == 202, response.text
    return response.json()


async def test_execute_is_accepted_and_runs_on_temporal(api, client, settings, pipe):
    submitted = await submit(api, pipe.id, parameters={"start_date": "2026-02-01"}, priority="HIGH")
    execution_id = submitted["executionId"]
    assert execution_id.startswith("exec-")
    assert submitted["pipelineId"] == pipe.id
    assert submitted["status"] == "QUEUED"
    assert submitted["engine"] == "temporal"
    assert submitted["estimatedDurationMs"] is None  # no completed run yet
    assert datetime.fromisoformat(submitted["submittedAt"]).tzinfo is not None
    assert submitted["workflowId"] == f"default/run/{execution_id}"
    assert submitted["temporalUiUrl"] == (
        f"{settings.temporal.web_url}/namespaces/{settings.temporal.namespace}"
        f"/workflows/{quote(submitted['workflowId'], safe='')}"
    )

    described = await client.get_workflow_handle(submitted["workflowId"]).describe()
    assert described.id == submitted["workflowId"]
    assert described.task_queue == settings.temporal.task_queue
    assert described.workflow_type == "PipelineRunWorkflow"
    attributes = described.typed_search_attributes
    assert attributes.get(PIPELINE_ID) == pipe.id
    assert attributes.get(PIPELINE_NAME) == pipe.name
    assert attributes.get(TENANT) == "default"
    assert attributes.get(KIND) == "run"

    run = await wait_finished(api, execution_id)
    assert run["status"] == "COMPLETED", run
    assert run["parameters"] == {"start_date": "2026-02-01"}
    assert run["priority"] == "HIGH"


async def test_finished_execution_shows_progress_and_metrics(api, target, pipe):
    execution_id = (await submit(api, pipe.id))["executionId"]
    run = await wait_finished(api, execution_id)
    assert run["status"] == "COMPLETED", run
    assert run["executionId"] == execution_id
    assert run["pipelineId"] == pipe.id
    assert run["pipelineVersion"] == 1
    assert run["engine"] == "temporal"
    assert run["error"] is None
    assert run["progress"] == {
        "totalTasks": 2,
        "completedTasks": 2,
        "currentTask": None,
        "percentage": 100,
    }
    metrics = run["metrics"]
    assert set(metrics) == {"rowsProcessed", "bytesProcessed", "elapsedMs", "rowsLoaded"}
    assert metrics["rowsProcessed"] == ROWS
    assert metrics["rowsLoaded"] == ROWS
    assert metrics["bytesProcessed"] > 0
    submitted = datetime.fromisoformat(run["submittedAt"])
    started = datetime.fromisoformat(run["startedAt"])
    finished = datetime.fromisoformat(run["finishedAt"])
    assert submitted <= started <= finished
    assert metrics["elapsedMs"] == pytest.approx((finished - started).total_seconds() * 1000, abs=1)
    tasks = {t["name"]: t for t in run["tasks"]}
    assert set(tasks) == {"extract_rows", "load_copy"}
    assert tasks["extract_rows"]["kind"] == "extract"
    assert tasks["load_copy"]["kind"] == "load"
    assert all(t["status"] == "COMPLETED" and t["attempt"] == 1 for t in tasks.values())
    assert await target.fetchval(f"SELECT count(*) FROM landing.{pipe.table}") == ROWS


async def test_live_view_while_running(api, pipe):
    execution_id = (await submit(api, pipe.id))["executionId"]
    seen = []
    while True:
        run = (await api.get(f"/v1/pipelines/executions/{execution_id}")).json()
        progress = run["progress"]
        seen.append(run["status"])
        assert run["status"] in {"QUEUED", "RUNNING", "COMPLETED"}, run
        assert set(progress) == {"totalTasks", "completedTasks", "currentTask", "percentage"}
        assert 0 <= progress["percentage"] <= 100
        assert progress["completedTasks"] <= progress["totalTasks"] or progress["totalTasks"] == 0
        # A finished status is only shown once the end is recorded.
        assert (run["status"] == "COMPLETED") == (run["finishedAt"] is not None), run
        if run["status"] == "COMPLETED":
            break
        await asyncio.sleep(0.02)
    assert seen[-1] == "COMPLETED"
    assert run["progress"]["percentage"] == 100
    # Right after a client sees the end, the next run is accepted.
    await wait_finished(api, (await submit(api, pipe.id))["executionId"])


async def test_a_completed_run_gives_the_next_an_estimate(api, pipe):
    first = await submit(api, pipe.id)
    done = await wait_finished(api, first["executionId"])
    second = await submit(api, pipe.id)
    assert second["estimatedDurationMs"] == done["metrics"]["elapsedMs"]
    await wait_finished(api, second["executionId"])


async def test_engine_override(api, pipe):
    response = await api.post(
        f"/v1/pipelines/{pipe.id}/execute", json={"engine_override": "airflow"}
    )
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["detail"][0]["loc"] == ["body", "engine_override"]
    assert "airflow" in body["error"]["message"]
    listed = await api.get("/v1/pipelines/executions", params={"pipelineId": pipe.id})
    assert listed.json()["totalElements"] == 0  # nothing was started

    accepted = await submit(api, pipe.id, engineOverride="temporal")
    assert accepted["engine"] == "temporal"
    await wait_finished(api, accepted["executionId"])


async def test_bad_execute_bodies(api, pipe):
    response = await api.post(f"/v1/pipelines/{pipe.id}/execute", json={"priority": "URGENT"})
    assert assert_error(response, 400, "VALIDATION_ERROR")["detail"][0]["loc"] == [
        "body",
        "priority",
    ]
    response = await api.post(f"/v1/pipelines/{pipe.id}/execute", json={"param": {}})
    assert assert_error(response, 400, "VALIDATION_ERROR")["detail"][0]["loc"] == [
        "body",
        "param",
    ]


async def test_execute_unknown_pipeline_is_404(api):
    response = await api.post(f"/v1/pipelines/{uuid.uuid4()}/execute", json={})
    assert_error(response, 404, "PIPELINE_NOT_FOUND")


async def test_execute_while_a_run_is_active_is_a_conflict(api, db, pipe):
    execution_id = f"exec-{uuid.uuid4().hex}"
    async with db.session() as session:
        await run_store.create(
            session,
            Execution(
                id=execution_id,
                tenant_id="default",
                pipeline_id=pipe.id,
                pipeline_version=1,
                workflow_id=f"default/run/{execution_id}",
                status="QUEUED",
                submitted_at=utcnow(),
            ),
        )
    response = await api.post(f"/v1/pipelines/{pipe.id}/execute", json={})
    body = assert_error(response, 409, "PIPELINE_ALREADY_RUNNING")
    assert execution_id in body["detail"]
    async with db.session() as session:
        await run_store.set_status(session, execution_id, "CANCELLED", total_tasks=0)
    await wait_finished(api, (await submit(api, pipe.id))["executionId"])


async def test_list_filters_and_pages(api, source, pipe):
    completed = (await submit(api, pipe.id))["executionId"]
    assert (await wait_finished(api, completed))["status"] == "COMPLETED"
    await source.execute(f"DROP TABLE public.{pipe.table}")
    failed_id = (await submit(api, pipe.id))["executionId"]
    failed = await wait_finished(api, failed_id)
    assert failed["status"] == "FAILED", failed
    assert pipe.table in failed["error"]

    url = "/v1/pipelines/executions"
    everything = await api.get(url, params={"pipelineId": pipe.id})
    assert everything.status_code == 200
    page = everything.json()
    # Newest first.
    assert [e["executionId"] for e in page["content"]] == [failed_id, completed]
    assert page["totalElements"] == 2
    assert everything.headers["X-Total-Count"] == "2"
    assert {e["pipelineId"] for e in page["content"]} == {pipe.id}

    only_failed = (await api.get(url, params={"pipelineId": pipe.id, "status": "FAILED"})).json()
    assert [e["executionId"] for e in only_failed["content"]] == [failed_id]
    assert only_failed["content"][0]["error"] == failed["error"]
    only_done = (await api.get(url, params={"pipelineId": pipe.id, "status": "COMPLETED"})).json()
    assert [e["executionId"] for e in only_done["content"]] == [completed]
    running = (await api.get(url, params={"pipelineId": pipe.id, "status": "RUNNING"})).json()
    assert running["totalElements"] == 0 and running["content"] == []

    first = await api.get(url, params={"pipelineId": pipe.id, "page": 0, "size": 1})
    second = await api.get(url, params={"pipelineId": pipe.id, "page": 1, "size": 1})
    assert [e["executionId"] for e in first.json()["content"]] == [failed_id]
    assert [e["executionId"] for e in second.json()["content"]] == [completed]
    assert first.json()["totalPages"] == 2
    assert first.headers["X-Per-Page"] == "1"
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    assert f"pipelineId={pipe.id}" in first.headers["Link"]
    assert 'rel="prev"' in second.headers["Link"]

    across = (await api.get(url, params={"status": "FAILED", "size": 500})).json()
    assert failed_id in {e["executionId"] for e in across["content"]}
    assert completed not in {e["executionId"] for e in across["content"]}
    nobody = (await api.get(url, params={"pipelineId": str(uuid.uuid4())})).json()
    assert nobody["totalElements"] == 0
    assert_error(await api.get(url, params={"status": "DONE"}), 400, "VALIDATION_ERROR")


async def test_cancel_of_a_finished_run_is_a_conflict(api, pipe):
    execution_id = (await submit(api, pipe.id))["executionId"]
    assert (await wait_finished(api, execution_id))["status"] == "COMPLETED"
    response = await api.post(f"/v1/pipelines/executions/{execution_id}/cancel")
    body = assert_error(response, 409, "EXECUTION_FINISHED")
    assert "COMPLETED" in body["detail"]
    after = (await api.get(f"/v1/pipelines/executions/{execution_id}")).json()
    assert after["status"] == "COMPLETED"


@pytest.mark.parametrize("action", ["pause", "resume"])
async def test_only_a_continuous_run_pauses(api, pipe, action):
    """A batch run has no stream to pause: 409 saying to cancel it instead; an unknown
    execution is a 404."""
    execution_id = (await submit(api, pipe.id))["executionId"]
    await wait_finished(api, execution_id)
    response = await api.post(f"/v1/pipelines/executions/{execution_id}/{action}")
    body = assert_error(response, 409, "NOT_CONTINUOUS")
    assert "cancel" in body["detail"]
    missing = await api.post(f"/v1/pipelines/executions/{uuid.uuid4()}/{action}")
    assert missing.status_code == 404, missing.text


async def test_logs(api, pipe):
    execution_id = (await submit(api, pipe.id))["executionId"]
    assert (await wait_finished(api, execution_id))["status"] == "COMPLETED"
    url = f"/v1/pipelines/executions/{execution_id}/logs"

    response = await api.get(url)
    assert response.status_code == 200, response.text
    logs = response.json()
    assert logs["executionId"] == execution_id
    assert logs["task"] is None
    lines = logs["lines"]
    assert set(lines[0]) == {"timestamp", "level", "task", "message"}
    tasks = {line["task"] for line in lines}
    assert {"run", "extract_rows", "load_copy"} <= tasks
    assert lines[0]["task"] == "run" and lines[0]["message"] == "run running"
    assert lines[-1]["task"] == "run" and lines[-1]["message"].startswith("run completed")
    times = [datetime.fromisoformat(line["timestamp"]) for line in lines]
    assert times == sorted(times)
    assert all(t.tzinfo is not None for t in times)

    load = (await api.get(url, params={"task": "load_copy"})).json()
    assert load["task"] == "load_copy"
    assert load["lines"] == [line for line in lines if line["task"] == "load_copy"]
    assert len(load["lines"]) >= 2

    last_two = (await api.get(url, params={"lines": 2})).json()["lines"]
    assert last_two == lines[-2:]
    last_load = (await api.get(url, params={"task": "load_copy", "lines": 1})).json()["lines"]
    assert last_load == load["lines"][-1:]

    none = (await api.get(url, params={"task": "no_such_task"})).json()
    assert none["lines"] == []
    assert_error(await api.get(url, params={"lines": 0}), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("POST", "/cancel"), ("GET", "/logs")])
async def test_unknown_execution_is_404(api, method, suffix):
    execution_id = f"exec-{uuid.uuid4().hex}"
    response = await api.request(method, f"/v1/pipelines/executions/{execution_id}{suffix}")
    assert execution_id in assert_error(response, 404, "EXECUTION_NOT_FOUND")["detail"]
