"""Seed 000's /api/v1/pipelines and /api/v1/runs: documents, metadata updates, soft delete,
versions, runs with conf, pipeline and run status, logs; and seed 001's observability metrics."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

import pytest

from tests.api.test_errors import assert_error, documented_code
from tests.pipelines import create_connection, create_pipeline, unique_name

pytestmark = pytest.mark.postgres

ROWS = 120


@dataclass
class Pipe:
    id: str
    name: str
    table: str
    src: str
    dst: str


@pytest.fixture
async def pipe(api, source, source_db, target_db) -> Pipe:
    table = f"s0_{uuid.uuid4().hex[:8]}"
    await source.execute(
        f"CREATE TABLE public.{table} AS SELECT g AS id, date '2026-01-01' + g AS day "
        f"FROM generate_series(1, {ROWS}) AS g"
    )
    src = await create_connection(api, source_db, unique_name("s0-src"))
    dst = await create_connection(api, target_db, unique_name("s0-dst"))
    name = unique_name("seed0")
    definition = {
        "sources": {
            "rows": {
                "connection": src,
                "query": f"SELECT * FROM public.{table} WHERE day >= :start_date",
            }
        },
        "sinks": {"copy": {"connection": dst, "table": f"landing.{table}", "mode": "replace"}},
        "orchestration": {"parameters": {"start_date": "2000-01-01"}},
    }
    pipeline_id = await create_pipeline(
        api, name, definition, description="first", tags=["sales", "daily"]
    )
    return Pipe(pipeline_id, name, table, src, dst)


async def wait_run(api, run_id: str, within: float = 60) -> dict:
    deadline = time.monotonic() + within
    while True:
        response = await api.get(f"/api/v1/runs/{run_id}/status")
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] in ("success", "failed", "cancelled"):
            return body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.2)


async def test_get_document(api, pipe):
    response = await api.get(f"/api/v1/pipelines/{pipe.id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == pipe.id and body["name"] == pipe.name
    assert body["status"] == "draft"
    assert body["description"] == "first"
    assert body["tags"] == ["sales", "daily"]
    assert body["configuration"]["definition"]["sinks"]["copy"]["table"] == f"landing.{pipe.table}"
    (target,) = body["configuration"]["targets"]  # seed 000: [{type, connection_id, options}]
    assert target["type"] == "postgresql" and target["options"]["table"] == f"landing.{pipe.table}"
    assert body["configuration"]["sources"][0]["connection_id"]
    assert body["schedule"] is None
    assert {"created_at", "updated_at", "project_id", "version"} <= set(body)


async def test_unknown_pipeline_is_404(api):
    for method, path in [
        ("GET", "/api/v1/pipelines/nope"),
        ("PUT", "/api/v1/pipelines/nope"),
        ("DELETE", "/api/v1/pipelines/nope"),
        ("GET", "/api/v1/pipelines/nope/versions"),
        ("GET", "/api/v1/pipelines/nope/status"),
        ("POST", "/api/v1/pipelines/nope:run"),
    ]:
        response = await api.request(method, path, json={} if method in ("PUT", "POST") else None)
        assert_error(response, 404, documented_code(path, 404, "PIPELINE_NOT_FOUND"))


async def test_list_paginates_with_per_page(api, pipe):
    tag = unique_name("t")
    for i in range(3):
        await create_pipeline(
            api,
            unique_name(f"listed{i}"),
            {
                "sources": {"r": {"connection": pipe.src, "table": f"public.{pipe.table}"}},
                "sinks": {"c": {"connection": pipe.dst, "table": f"landing.l{i}_{pipe.table}"}},
            },
            tags=[tag],
        )
    response = await api.get("/api/v1/pipelines", params={"tags": tag, "page": 2, "per_page": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 3 and body["page"] == 2 and body["per_page"] == 2
    assert len(body["pipelines"]) == 1
    assert response.headers["X-Total-Count"] == "3"
    assert response.headers["X-Page"] == "2" and response.headers["X-Per-Page"] == "2"
    assert 'rel="prev"' in response.headers["Link"] and 'rel="next"' not in response.headers["Link"]
    bad = await api.get("/api/v1/pipelines", params={"page": 0})
    assert_error(bad, 400, "VALIDATION_ERROR")


async def test_update_metadata_keeps_the_version(api, pipe):
    response = await api.put(
        f"/api/v1/pipelines/{pipe.id}",
        json={"name": pipe.name + "-x", "description": "second", "tags": ["sales", "production"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == pipe.name + "-x"
    assert body["description"] == "second"
    assert body["tags"] == ["sales", "production"]
    assert body["version_number"] == 1
    versions = (await api.get(f"/api/v1/pipelines/{pipe.id}/versions")).json()["versions"]
    assert len(versions) == 1


async def test_update_errors(api, pipe):
    other = await create_pipeline(
        api,
        unique_name("other"),
        {
            "sources": {"r": {"connection": pipe.src, "table": f"public.{pipe.table}"}},
            "sinks": {"c": {"connection": pipe.dst, "table": f"landing.o_{pipe.table}"}},
        },
    )
    taken = await api.put(f"/api/v1/pipelines/{other}", json={"name": pipe.name})
    assert_error(taken, 409, "PIPELINE_EXISTS")
    bad_status = await api.put(f"/api/v1/pipelines/{pipe.id}", json={"status": "exploded"})
    assert_error(bad_status, 400, "VALIDATION_ERROR")
    unknown_field = await api.put(f"/api/v1/pipelines/{pipe.id}", json={"configuration": {}})
    assert_error(unknown_field, 400, "VALIDATION_ERROR")


async def test_versions_newest_first(api, pipe):
    changed = await api.put(
        f"/v1/pipelines/{pipe.id}",
        json={
            "description": "now appends",
            "definition": {
                "sources": {"rows": {"connection": pipe.src, "table": f"public.{pipe.table}"}},
                "sinks": {"copy": {"connection": pipe.dst, "table": f"landing.v_{pipe.table}"}},
            },
        },
    )
    assert changed.status_code == 200, changed.text
    response = await api.get(f"/api/v1/pipelines/{pipe.id}/versions")
    assert response.status_code == 200, response.text
    versions = response.json()["versions"]
    assert [v["version"] for v in versions] == ["1.0.1", "1.0.0"]
    assert versions[0]["description"] == "now appends" and versions[0]["current"] is True
    assert versions[1]["description"] == "first" and versions[1]["current"] is False
    assert all(v["created_by"] for v in versions)
    assert versions[0]["artifacts"]["definition"]["sinks"]["copy"]["table"].startswith("landing.v_")


async def test_run_with_conf_status_and_logs(api, pipe, target):
    idle = (await api.get(f"/api/v1/pipelines/{pipe.id}/status")).json()
    assert idle["status"] == "idle" and idle["run_id"] is None
    response = await api.post(
        f"/api/v1/pipelines/{pipe.id}:run",
        json={
            "conf": {"start_date": "2026-03-01", "end_date": "2026-03-31", "full_refresh": False}
        },
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "pending"
    run_id = body["run_id"]
    done = await wait_run(api, run_id)
    assert done["status"] == "success", done
    assert done["progress"] == 100 and done["current_task"] is None
    # 2026-03-01 is day 59 after 2026-01-01: rows 59..120 pass the conf's start_date.
    assert done["rows_loaded"] == ROWS - 58
    assert await target.fetchval(f"SELECT count(*) FROM landing.{pipe.table}") == ROWS - 58
    execution = (await api.get(f"/v1/pipelines/executions/{run_id}")).json()
    assert execution["parameters"] == {
        "start_date": "2026-03-01",
        "end_date": "2026-03-31",
        "full_refresh": False,
    }
    status = (await api.get(f"/api/v1/pipelines/{pipe.id}/status")).json()
    assert status["run_id"] == run_id and status["status"] == "success"
    assert status["progress"] == 100 and status["started_at"]
    assert status["estimated_completion"] == status["finished_at"]
    logs = await api.get(f"/api/v1/runs/{run_id}/logs", params={"lines": 500})
    assert logs.status_code == 200, logs.text
    lines = logs.json()["logs"]
    assert any(line["task"] == "run" and "completed" in line["message"] for line in lines)
    only_run = (await api.get(f"/api/v1/runs/{run_id}/logs", params={"task": "run"})).json()
    assert only_run["logs"] and {line["task"] for line in only_run["logs"]} == {"run"}


async def test_estimated_completion_from_past_runs(api, pipe):
    first = (await api.post(f"/api/v1/pipelines/{pipe.id}:run", json={})).json()["run_id"]
    assert (await wait_run(api, first))["status"] == "success"
    second = (await api.post(f"/api/v1/pipelines/{pipe.id}:run", json={"params": {}})).json()
    running = (await api.get(f"/api/v1/runs/{second['run_id']}/status")).json()
    if running["started_at"] is not None and running["finished_at"] is None:
        assert running["estimated_completion"] is not None
        assert running["estimated_completion"] > running["started_at"]
    assert (await wait_run(api, second["run_id"]))["status"] == "success"


async def test_run_errors(api, pipe):
    bad_dates = await api.post(
        f"/api/v1/pipelines/{pipe.id}:run",
        json={"conf": {"start_date": "2026-02-01", "end_date": "2026-01-01"}},
    )
    assert_error(bad_dates, 400, "VALIDATION_ERROR")
    not_a_date = await api.post(
        f"/api/v1/pipelines/{pipe.id}:run", json={"conf": {"start_date": "yesterday"}}
    )
    assert_error(not_a_date, 400, "VALIDATION_ERROR")
    nested = await api.post(f"/api/v1/pipelines/{pipe.id}:run", json={"conf": {"x": {"y": 1}}})
    assert_error(nested, 400, "VALIDATION_ERROR")
    assert_error(await api.get("/api/v1/runs/nope/status"), 404, "RUN_NOT_FOUND")
    assert_error(await api.get("/api/v1/runs/nope/logs"), 404, "RUN_NOT_FOUND")


async def test_run_refused_while_running(api, pipe):
    first = await api.post(f"/api/v1/pipelines/{pipe.id}:run", json={})
    assert first.status_code == 202, first.text
    second = await api.post(f"/api/v1/pipelines/{pipe.id}:run", json={})
    if second.status_code == 202:  # the first one had already finished: nothing to refuse
        await wait_run(api, second.json()["run_id"])
    else:
        assert_error(second, 409, "PIPELINE_ALREADY_RUNNING")
    await wait_run(api, first.json()["run_id"])


async def test_soft_delete(api, pipe):
    run = (await api.post(f"/api/v1/pipelines/{pipe.id}:run", json={})).json()["run_id"]
    await wait_run(api, run)
    response = await api.delete(f"/api/v1/pipelines/{pipe.id}")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "deleted"
    assert_error(await api.get(f"/api/v1/pipelines/{pipe.id}"), 404, "PIPELINE_NOT_FOUND")
    assert_error(await api.post(f"/api/v1/pipelines/{pipe.id}:run"), 404, "PIPELINE_NOT_FOUND")
    listed = (await api.get("/api/v1/pipelines", params={"per_page": 500})).json()["pipelines"]
    assert pipe.id not in {p["id"] for p in listed}
    assert_error(await api.delete(f"/api/v1/pipelines/{pipe.id}"), 404, "PIPELINE_NOT_FOUND")
    # Its runs stay readable.
    assert (await api.get(f"/api/v1/runs/{run}/status")).status_code == 200


async def test_observability_metrics(api, pipe):
    run = (await api.post(f"/api/v1/pipelines/{pipe.id}:run", json={})).json()["run_id"]
    await wait_run(api, run)
    response = await api.get(
        "/api/v1/observability/metrics",
        params={"metric": "pipeline_executions", "pipeline_id": pipe.id},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    points = [p for p in body["metrics"] if p["labels"]["pipeline"] == pipe.name]
    assert points and sum(p["value"] for p in points) == 1
    assert points[0]["labels"]["status"] == "success"
    assert body["aggregates"]["total"] == 1 and body["aggregates"]["success_rate"] == 1.0
    assert body["aggregates"]["avg_duration_seconds"] > 0
    rows = await api.get(
        "/api/v1/observability/metrics", params={"metric": "rows_loaded", "pipeline_id": pipe.id}
    )
    assert sum(p["value"] for p in rows.json()["metrics"]) == ROWS
    assert_error(
        await api.get("/api/v1/observability/metrics", params={"metric": "nope"}),
        400,
        "VALIDATION_ERROR",
    )
    assert_error(
        await api.get(
            "/api/v1/observability/metrics",
            params={"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
        ),
        400,
        "VALIDATION_ERROR",
    )


def local_times(described) -> set[tuple[int, int]]:
    """(hour, minute) in Berlin of a schedule's next firings."""
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    return {
        (t.astimezone(berlin).hour, t.astimezone(berlin).minute)
        for t in described.info.next_action_times
    }


async def test_schedule_pause_and_delete_reach_temporal(api, pipe, client, db):
    from temporalio.service import RPCError, RPCStatusCode

    from store import schedules as schedule_store

    response = await api.put(
        f"/api/v1/pipelines/{pipe.id}",
        json={"schedule": "0 2 * * *", "timezone": "Europe/Berlin"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["schedule"] == "0 2 * * *"
    async with db.session() as session:
        own = await schedule_store.pipeline_own(session, "default", pipe.id)
    assert own is not None and own.timezone == "Europe/Berlin"
    handle = client.get_schedule_handle(own.temporal_id)
    described = await handle.describe()
    assert local_times(described) == {(2, 0)}
    assert described.schedule.state.paused is False

    paused = await api.put(f"/api/v1/pipelines/{pipe.id}", json={"status": "paused"})
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused"
    assert (await handle.describe()).schedule.state.paused is True
    resumed = await api.put(f"/api/v1/pipelines/{pipe.id}", json={"status": "active"})
    assert resumed.json()["status"] == "active"
    assert (await handle.describe()).schedule.state.paused is False

    moved = await api.put(f"/api/v1/pipelines/{pipe.id}", json={"schedule": "30 4 * * *"})
    assert moved.json()["schedule"] == "30 4 * * *"
    assert local_times(await handle.describe()) == {(4, 30)}

    deleted = await api.delete(f"/api/v1/pipelines/{pipe.id}")
    assert deleted.status_code == 200, deleted.text
    with pytest.raises(RPCError) as gone:
        await handle.describe()
    assert gone.value.status is RPCStatusCode.NOT_FOUND


async def test_seed_003_pause_and_delete_reach_the_schedules_too(api, pipe, client, db):
    from temporalio.service import RPCError, RPCStatusCode

    from store import schedules as schedule_store

    assert (
        await api.put(f"/api/v1/pipelines/{pipe.id}", json={"schedule": "0 3 * * *"})
    ).status_code == 200
    async with db.session() as session:
        own = await schedule_store.pipeline_own(session, "default", pipe.id)
    handle = client.get_schedule_handle(own.temporal_id)

    paused = await api.put(f"/v1/pipelines/{pipe.id}", json={"status": "PAUSED"})
    assert paused.status_code == 200, paused.text
    assert (await handle.describe()).schedule.state.paused is True
    resumed = await api.put(f"/v1/pipelines/{pipe.id}", json={"status": "ACTIVE"})
    assert resumed.status_code == 200, resumed.text
    assert (await handle.describe()).schedule.state.paused is False

    assert (await api.delete(f"/v1/pipelines/{pipe.id}")).status_code == 204
    with pytest.raises(RPCError) as gone:
        await handle.describe()
    assert gone.value.status is RPCStatusCode.NOT_FOUND


async def test_schedule_errors_and_removal(api, pipe):
    bad_cron = await api.put(f"/api/v1/pipelines/{pipe.id}", json={"schedule": "every day"})
    assert_error(bad_cron, 400, "VALIDATION_ERROR")
    bad_zone = await api.put(
        f"/api/v1/pipelines/{pipe.id}", json={"schedule": "0 2 * * *", "timezone": "Mars/Base"}
    )
    assert_error(bad_zone, 400, "VALIDATION_ERROR")
    zone_only = await api.put(f"/api/v1/pipelines/{pipe.id}", json={"timezone": "UTC"})
    assert_error(zone_only, 400, "VALIDATION_ERROR")
    set_ = await api.put(f"/api/v1/pipelines/{pipe.id}", json={"schedule": "@daily"})
    assert set_.status_code == 200 and set_.json()["schedule"] == "@daily"
    removed = await api.put(f"/api/v1/pipelines/{pipe.id}", json={"schedule": None})
    assert removed.status_code == 200 and removed.json()["schedule"] is None
