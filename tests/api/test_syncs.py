"""Seed 004's connection syncs: its curl examples replayed against real runs in a tenant of
their own (run_selected syncs every enabled pipeline of the tenant), through its X-API-Key."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

import httpx
import pytest

from tests.api.test_errors import assert_error
from tests.auth import make_key
from tests.pipelines import create_connection, create_pipeline
from tests.replay.recording import record

pytestmark = pytest.mark.postgres

ROWS = 30


@dataclass
class Syncs:
    http: httpx.AsyncClient
    tenant_id: str
    ids: dict[str, str]  # name -> pipeline id
    table: str
    key: str


@pytest.fixture
async def syncs(app, db, source, source_db, target_db):
    """A fresh tenant with three connections: ``trello`` (fast), ``slow``, ``paused``."""
    tenant_id = f"s4-{uuid.uuid4().hex[:8]}"
    key = await make_key(db, tenant_id)
    table = f"s4_{uuid.uuid4().hex[:8]}"
    await source.execute(
        f"CREATE TABLE public.{table} AS SELECT g AS id FROM generate_series(1, {ROWS}) AS g"
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://ductwork.test",
        headers={"X-API-Key": key, "X-Tenant-ID": tenant_id},
    ) as http:
        src = await create_connection(http, source_db, "src")
        dst = await create_connection(http, target_db, "dst")
        ids = {}
        for name, query in (
            ("trello", f"SELECT * FROM public.{table}"),
            ("slow", f"SELECT t.* FROM public.{table} t, pg_sleep(30) s"),
            ("paused", f"SELECT * FROM public.{table}"),
        ):
            definition = {
                "sources": {"rows": {"connection": src, "query": query}},
                "sinks": {
                    "out": {"connection": dst, "table": f"{table}.{name}", "mode": "replace"}
                },
            }
            ids[name] = await create_pipeline(http, name, definition)
        response = await http.put(f"/api/v1/pipelines/{ids['paused']}", json={"status": "paused"})
        assert response.status_code == 200, response.text
        yield Syncs(http, tenant_id, ids, table, key)


async def _task(http: httpx.AsyncClient, task_id: str, until, within: float = 60) -> dict:
    deadline = time.monotonic() + within
    while True:
        response = await http.get(f"/task_status/{task_id}")
        assert response.status_code == 200, response.text
        body = response.json()
        if until(body):
            return body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.2)


async def test_connections_and_pipelines(syncs):
    # curl -H "X-API-Key: <your-key>" http://127.0.0.1:8081/connections
    response = await syncs.http.get("/connections")
    assert response.status_code == 200, response.text
    listed = response.json()
    assert [c["name"] for c in listed] == ["trello", "slow", "paused"]
    trello = listed[0]
    assert trello == {
        "name": "trello",
        "type": "postgresql",
        "enabled": True,
        "schema_name": syncs.table,
        "last_run_at": None,
        "problem": None,  # set when the stored definition cannot run
    }
    assert [c["enabled"] for c in listed] == [True, True, False]

    # curl …/pipelines?only_enabled=true  (same shape as /connections)
    response = await syncs.http.get("/pipelines", params={"only_enabled": "true"})
    assert response.status_code == 200, response.text
    assert response.json() == listed[:2]
    assert (await syncs.http.get("/pipelines")).json() == listed

    # curl …/connections/trello/status, before any run
    response = await syncs.http.get("/connections/trello/status")
    assert response.status_code == 200, response.text
    assert response.json() == {
        **trello,
        "last_run_success": None,
        "last_run_error": None,
        "last_run_duration_ms": None,
        "last_run_attempts": None,
    }
    assert (await syncs.http.get("/history")).json() == []


async def test_synchronous_run(syncs, target):
    # curl -X POST … "http://127.0.0.1:8081/connections/trello/run?include_report=true"
    response = await syncs.http.post("/connections/trello/run", params={"include_report": "true"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "success",
        "duration_ms",
        "rows_inserted",
        "error",
        "report",
        "attempts",
        "records_reported",
        "progress_counts",
        "run_id",
    }
    assert body["success"] is True and body["error"] is None, body
    assert body["rows_inserted"] == ROWS and body["records_reported"] == ROWS
    assert body["attempts"] == 1 and body["duration_ms"] > 0
    assert body["progress_counts"] and ROWS in body["progress_counts"].values()
    assert "COMPLETED" in body["report"] and body["run_id"].startswith("exec-")
    assert await target.fetchval(f"SELECT count(*) FROM {syncs.table}.trello") == ROWS

    second = (await syncs.http.post("/connections/trello/run")).json()
    assert "report" not in second and second["success"] is True
    assert second["run_id"] != body["run_id"]

    status = (await syncs.http.get("/connections/trello/status")).json()
    assert status["last_run_success"] is True and status["last_run_error"] is None
    assert status["last_run_attempts"] == 1 and status["last_run_duration_ms"] > 0
    assert status["last_run_at"] is not None

    # curl …/history?limit=25, newest first
    history = (await syncs.http.get("/history", params={"limit": 25})).json()
    assert [h["run_id"] for h in history] == [second["run_id"], body["run_id"]]
    assert history[0]["connection"] == "trello" and history[0]["success"] is True
    assert history[0]["rows_inserted"] == ROWS
    assert len((await syncs.http.get("/history", params={"limit": 1})).json()) == 1
    listed = (await syncs.http.get("/connections")).json()
    assert listed[0]["last_run_at"] is not None and listed[1]["last_run_at"] is None


async def test_async_run_status_and_cancel(syncs):
    # curl -X POST … http://127.0.0.1:8081/connections/trello/run_async
    response = await syncs.http.post("/connections/trello/run_async")
    assert response.status_code == 200, response.text
    started = response.json()
    assert set(started) == {"message", "task_id", "connection"}
    assert started["connection"] == "trello"
    done = await _task(syncs.http, started["task_id"], lambda b: not b["active"])
    assert done["kind"] == "single" and done["status"] == "finished"
    assert done["connection"] == "trello" and done["connections"] == ["trello"]
    assert done["completed"] == ["trello"] and done["current"] is None
    assert done["canceled"] is False and done["finished_at"] is not None
    assert done["result"]["success"] is True and done["result"]["rows_inserted"] == ROWS
    assert done["error"] is None
    # A completed task cannot be cancelled.
    assert_error(await syncs.http.post(f"/cancel_task/{started['task_id']}"), 404, "TASK_NOT_FOUND")

    slow = (await syncs.http.post("/connections/slow/run_async")).json()
    running = await _task(syncs.http, slow["task_id"], lambda b: b["status"] == "running")
    assert running["active"] is True and running["current"] == "slow"
    # curl -X POST … http://127.0.0.1:8081/cancel_task/<task-id>
    response = await syncs.http.post(f"/cancel_task/{slow['task_id']}")
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"message"}
    cancelled = await _task(syncs.http, slow["task_id"], lambda b: not b["active"], within=30)
    assert cancelled["status"] == "cancelled" and cancelled["canceled"] is True
    assert cancelled["result"]["success"] is False


async def test_run_selected_batch_in_order_and_cancel(syncs, client):
    # curl -X POST -H "X-API-Key: <your-key>" http://127.0.0.1:8081/run_selected
    response = await syncs.http.post("/run_selected")
    assert response.status_code == 200, response.text
    started = response.json()
    assert set(started) == {"message", "task_id", "connections"}
    assert started["connections"] == ["trello", "slow"]  # enabled ones, in order
    task_id = started["task_id"]
    busy = await _task(syncs.http, task_id, lambda b: b["current"] == "slow")
    assert busy["kind"] == "batch" and busy["status"] == "running" and busy["active"]
    assert busy["completed"] == ["trello"] and busy["connections"] == ["trello", "slow"]
    assert busy["results"]["trello"]["success"] is True

    response = await syncs.http.post(f"/cancel_task/{task_id}")
    assert response.status_code == 200, response.text
    ended = await _task(syncs.http, task_id, lambda b: not b["active"], within=30)
    assert ended["status"] == "cancelled" and ended["canceled"] is True
    assert ended["completed"] == ["trello"] and ended["current"] is None
    assert ended["finished_at"] is not None
    # The connection's run was cancelled for real, not left running.
    slow_run = ended["results"]["slow"]["run_id"]
    slow = await _task(syncs.http, slow_run, lambda b: not b["active"], within=30)
    assert slow["status"] == "cancelled"
    assert_error(await syncs.http.post(f"/cancel_task/{task_id}"), 404, "TASK_NOT_FOUND")
    await record(
        client.get_workflow_handle(f"{syncs.tenant_id}/sync/{task_id}"), "batch_sync_cancelled"
    )

    # With "slow" paused, a batch runs to its end.
    response = await syncs.http.put(
        f"/api/v1/pipelines/{syncs.ids['slow']}", json={"status": "paused"}
    )
    assert response.status_code == 200, response.text
    started = (await syncs.http.post("/run_selected")).json()
    assert started["connections"] == ["trello"]
    ended = await _task(syncs.http, started["task_id"], lambda b: not b["active"])
    assert ended["status"] == "finished" and ended["completed"] == ["trello"]
    assert ended["results"]["trello"]["success"] is True
    await record(
        client.get_workflow_handle(f"{syncs.tenant_id}/sync/{started['task_id']}"),
        "batch_sync_finished",
    )


async def test_errors(app, syncs, anon_api):
    for method, path in (
        ("POST", "/connections/nope/run"),
        ("POST", "/connections/nope/run_async"),
        ("GET", "/connections/nope/status"),
    ):
        body = assert_error(await syncs.http.request(method, path), 404, "CONNECTION_NOT_FOUND")
        assert "'nope'" in body["error"]["message"]
    for method, path in (
        ("GET", "/task_status/nope"),
        ("GET", f"/task_status/batch-{uuid.uuid4().hex}"),
        ("POST", "/cancel_task/nope"),
        ("POST", f"/cancel_task/batch-{uuid.uuid4().hex}"),
    ):
        assert_error(await syncs.http.request(method, path), 404, "TASK_NOT_FOUND")
    # Seed 004's clients send only X-API-Key; without it the answer is a 401.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://ductwork.test",
        headers={"X-API-Key": syncs.key},
    ) as only_key:
        response = await only_key.get("/connections/trello/status")
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "trello"
    assert_error(await anon_api.get("/connections"), 401, "AUTHENTICATION_REQUIRED")
