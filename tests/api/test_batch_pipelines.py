"""Seed 002's /api/pipeline: its curl examples replayed against real runs (PostgreSQL to
PostgreSQL), with the batch id and config reaching the run, filters, and a real cancel."""

from __future__ import annotations

import uuid

import pytest

from tests.api.test_errors import assert_error
from tests.asset_runs import wait_run
from tests.pipelines import create_connection, create_pipeline

pytestmark = pytest.mark.postgres

ROWS = 40


async def _pipeline(api, source, source_db, target_db, *, slow: bool = False) -> tuple[str, str]:
    """A pipeline that copies a table and stamps each row with the run's batch id."""
    table = f"s2_{uuid.uuid4().hex[:8]}"
    await source.execute(
        f"CREATE TABLE public.{table} AS SELECT g AS id FROM generate_series(1, {ROWS}) AS g"
    )
    tag = uuid.uuid4().hex[:8]
    src = await create_connection(api, source_db, f"s2-src-{tag}")
    dst = await create_connection(api, target_db, f"s2-dst-{tag}")
    sleep = ", pg_sleep(30) s" if slow else ""
    query = f"SELECT t.id, :batch_id AS batch, :scorecard_version AS card FROM {table} t{sleep}"
    name = f"scoring_pipeline_{tag}"
    definition = {
        "sources": {"parties": {"connection": src, "query": query}},
        "sinks": {"scored": {"connection": dst, "table": f"scored.{table}", "mode": "replace"}},
        "orchestration": {"parameters": {"scorecard_version": "v0"}},
    }
    await create_pipeline(api, name, definition)
    return name, f"scored.{table}"


async def _status(api, run_id: str, until: set[str], within: float = 60) -> dict:
    return await wait_run(api, run_id, until, within)


async def test_trigger_status_and_runs(api, source, source_db, target_db, target):
    name, table = await _pipeline(api, source, source_db, target_db)

    # curl -X POST …/api/pipeline/trigger/full_scoring_pipeline -d '{"batch_id": "BATCH_001"}'
    batch = f"BATCH_{uuid.uuid4().hex[:6]}"
    response = await api.post(
        f"/api/pipeline/trigger/{name}",
        json={"batch_id": batch, "config": {"scorecard_version": "v1", "blend_factor": 0.5}},
    )
    assert response.status_code == 200, response.text
    triggered = response.json()
    assert set(triggered) == {"run_id", "pipeline", "status", "batch_id", "started_at"}
    assert triggered["pipeline"] == name and triggered["batch_id"] == batch
    assert triggered["status"] in {"QUEUED", "STARTED"}

    # curl …/api/pipeline/status/run_abc123
    body = await _status(api, triggered["run_id"], {"SUCCESS", "FAILURE"})
    assert body["status"] == "SUCCESS", body
    assert body["batch_id"] == batch
    assert body["config"] == {"scorecard_version": "v1", "blend_factor": 0.5}
    assert body["ended_at"] is not None and body["duration_seconds"] >= 0
    assert body["assets"], body
    assert {a["status"] for a in body["assets"].values()} == {"SUCCESS"}
    loaded = [a for a in body["assets"].values() if a["output"]["kind"] == "load"]
    assert loaded and loaded[0]["output"]["rows"] == ROWS
    # The batch id and config reached the run: every row carries them.
    rows = await target.fetch(f"SELECT DISTINCT batch, card FROM {table}")
    assert [(r["batch"], r["card"]) for r in rows] == [(batch, "v1")]

    # A second, different batch; then the list and its filters.
    other = await api.post(f"/api/pipeline/trigger/{name}", json={"batch_id": "OTHER"})
    assert other.status_code == 200, other.text
    await _status(api, other.json()["run_id"], {"SUCCESS", "FAILURE"})

    # curl "…/api/pipeline/runs?status=FAILURE&limit=10"
    response = await api.get("/api/pipeline/runs", params={"status": "SUCCESS", "limit": 10})
    assert response.status_code == 200, response.text
    listed = response.json()
    assert set(listed) == {"runs", "total", "page", "per_page"}
    assert listed["per_page"] == 10 and listed["page"] == 1
    assert len(listed["runs"]) <= 10 and listed["total"] >= 2
    assert {r["status"] for r in listed["runs"]} == {"SUCCESS"}

    response = await api.get("/api/pipeline/runs", params={"pipeline": name, "batch_id": batch})
    runs = response.json()["runs"]
    assert [r["run_id"] for r in runs] == [triggered["run_id"]]
    assert runs[0]["pipeline"] == name and runs[0]["duration_seconds"] >= 0
    response = await api.get("/api/pipeline/runs", params={"pipeline": name, "limit": 1})
    assert response.json()["total"] == 2 and len(response.json()["runs"]) == 1
    assert response.headers["X-Total-Count"] == "2"
    # The Link URLs page with this surface's own size parameter, ``limit``.
    assert "limit=1" in response.headers["Link"] and "per_page" not in response.headers["Link"]
    response = await api.get("/api/pipeline/runs", params={"pipeline": name, "status": "FAILURE"})
    assert response.json() == {"runs": [], "total": 0, "page": 1, "per_page": 20}

    # Cancelling a finished run is a conflict, not a silent success.
    response = await api.post(f"/api/pipeline/cancel/{triggered['run_id']}")
    assert_error(response, 409, "RUN_ALREADY_FINISHED")


async def test_cancel_a_running_pipeline(api, source, source_db, target_db):
    name, _ = await _pipeline(api, source, source_db, target_db, slow=True)
    response = await api.post(f"/api/pipeline/trigger/{name}", json={"batch_id": "SLOW"})
    assert response.status_code == 200, response.text
    run_id = response.json()["run_id"]
    await _status(api, run_id, {"STARTED"})

    # curl -X POST …/api/pipeline/cancel/run_abc123
    response = await api.post(f"/api/pipeline/cancel/{run_id}")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert {k: answer[k] for k in ("run_id", "status")} == {"run_id": run_id, "status": "CANCELING"}
    # Known in time, the outcome is in the message: nothing was loaded.
    assert answer["message"] in (
        "Pipeline cancellation requested",
        "Pipeline cancellation requested; cancelled: nothing was loaded, every target is as it was",
    ), answer
    body = await _status(api, run_id, {"CANCELED", "SUCCESS", "FAILURE"}, within=30)
    assert body["status"] == "CANCELED", body
    assert body["ended_at"] is not None
    response = await api.get("/api/pipeline/runs", params={"pipeline": name, "status": "CANCELED"})
    assert [r["run_id"] for r in response.json()["runs"]] == [run_id]


async def test_errors(api):
    response = await api.post(
        "/api/pipeline/trigger/invalid_pipeline", json={"batch_id": "BATCH_001"}
    )
    body = assert_error(response, 404, "PIPELINE_NOT_FOUND")
    assert body["error"]["message"] == "Pipeline 'invalid_pipeline' not found"
    body = assert_error(await api.get("/api/pipeline/status/run_invalid"), 404, "RUN_NOT_FOUND")
    assert body["error"]["message"] == "Pipeline run 'run_invalid' not found"
    assert_error(await api.post("/api/pipeline/cancel/run_invalid"), 404, "RUN_NOT_FOUND")
    assert_error(
        await api.get("/api/pipeline/runs", params={"pipeline": "invalid_pipeline"}),
        404,
        "PIPELINE_NOT_FOUND",
    )
    assert_error(
        await api.get("/api/pipeline/runs", params={"status": "DONE"}), 422, "VALIDATION_ERROR"
    )
    # batch_id is required; config values are scalars.
    assert_error(
        await api.post("/api/pipeline/trigger/invalid_pipeline", json={}), 422, "VALIDATION_ERROR"
    )
    assert_error(
        await api.post(
            "/api/pipeline/trigger/invalid_pipeline",
            json={"batch_id": "B", "config": {"nested": {"a": 1}}},
        ),
        422,
        "VALIDATION_ERROR",
    )
