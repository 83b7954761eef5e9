"""Every documented list filter filters, on every surface, and an unknown value of an enumerated
filter is a 400 VALIDATION_ERROR (422 on the named batch pipelines API) in the surface's error
body: the AI-ETL pipelines API's ``status`` (the words its pipelines are shown with) and ``tags``,
the pipeline service API's pipeline ``status``/``tags`` and execution ``pipelineId``/``status``,
the named batch pipelines API's ``status`` and ``batch_id``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from domain.status import RunStatus
from tests.api.test_errors import assert_error
from tests.asset_runs import fresh_tenant
from tests.pipeline_rows import deployed_row, pipeline_row
from tests.run_rows import run_row

pytestmark = pytest.mark.postgres


@dataclass
class Store:
    http: httpx.AsyncClient
    ids: dict[str, str]  # label → pipeline id
    runs: dict[str, str]  # label → execution id


@pytest.fixture
async def store(app, db, settings) -> AsyncIterator[Store]:
    """A tenant of its own: a draft, an active, a paused, an archived and two deployed pipelines
    (one of them paused), with runs; another tenant holds lookalikes."""
    async with fresh_tenant(app, db, settings) as (http, tenant):
        ids = {}
        for label, status, tags in [
            ("draft", "CREATED", ["sales"]),
            ("active", "ACTIVE", ["sales", "daily"]),
            ("paused", "PAUSED", ["daily"]),
            ("archived", "ARCHIVED", []),
            ("deployed", "ACTIVE", ["sales"]),
            ("deployed-paused", "PAUSED", ["sales"]),
        ]:
            ids[label] = await pipeline_row(db, tenant, label, status=status, tags=tags)
        for label in ("deployed", "deployed-paused"):
            await deployed_row(db, tenant, ids[label])
        other = f"other-{uuid.uuid4().hex[:8]}"
        lookalike = await pipeline_row(db, other, "deployed", status="ACTIVE", tags=["sales"])
        await deployed_row(db, other, lookalike)
        await run_row(db, lookalike, RunStatus.FAILED, tenant=other, parameters={"batch_id": "B1"})
        runs = {
            "a-failed": await run_row(
                db, ids["active"], RunStatus.FAILED, tenant=tenant, parameters={"batch_id": "B1"}
            ),
            "a-done": await run_row(
                db, ids["active"], RunStatus.COMPLETED, tenant=tenant, parameters={"batchId": "B1"}
            ),
            "d-done": await run_row(
                db,
                ids["draft"],
                RunStatus.COMPLETED,
                tenant=tenant,
                parameters={"batch_id": "B2", "batchId": "B1"},
            ),
        }
        yield Store(http, ids, runs)


async def _ai_etl(store: Store, **params: str) -> list[str]:
    response = await store.http.get("/api/v1/pipelines", params={"per_page": 100, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    names = [p["name"] for p in body["pipelines"]]
    assert body["total"] == len(names) == int(response.headers["X-Total-Count"]), body
    return sorted(names)


async def test_ai_etl_pipelines_filter_by_the_status_they_show(store):
    assert await _ai_etl(store, status="deployed") == ["deployed"]
    assert await _ai_etl(store, status="draft") == ["draft"]
    assert await _ai_etl(store, status="active") == ["active"]
    assert await _ai_etl(store, status="paused") == ["deployed-paused", "paused"]
    assert await _ai_etl(store, status="archived") == ["archived"]
    assert await _ai_etl(store, status="DEPLOYED", tags="sales") == ["deployed"]
    assert await _ai_etl(store, tags="sales,daily") == ["active"]
    assert len(await _ai_etl(store)) == 6  # never the other tenant's
    for word in ("deployed", "paused", "draft"):
        listed = (await store.http.get("/api/v1/pipelines", params={"status": word})).json()
        assert {p["status"] for p in listed["pipelines"]} == {word}


async def test_ai_etl_unknown_status_is_a_validation_error(store):
    response = await store.http.get("/api/v1/pipelines", params={"status": "generated-ish"})
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "deployed" in body["error"]["message"]
    assert body["error"]["details"][0]["loc"] == ["query", "status"]


async def test_pipeline_service_pipelines_filter_by_status_and_tags(store):
    async def names(**params: str) -> list[str]:
        response = await store.http.get("/v1/pipelines", params={"size": 100, **params})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["totalElements"] == len(body["content"]), body
        return sorted(p["name"] for p in body["content"])

    assert await names(status="ACTIVE") == ["active", "deployed"]
    assert await names(status="PAUSED", tags="sales") == ["deployed-paused"]
    assert await names(tags="daily") == ["active", "paused"]
    response = await store.http.get("/v1/pipelines", params={"status": "SLEEPING"})
    assert_error(response, 400, "VALIDATION_ERROR")


async def test_executions_filter_by_pipeline_and_status(store):
    async def ids(**params: str) -> list[str]:
        response = await store.http.get("/v1/pipelines/executions", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["totalElements"] == len(body["content"]), body
        return sorted(e["executionId"] for e in body["content"])

    runs = store.runs
    assert await ids() == sorted(runs.values())
    assert await ids(pipelineId=store.ids["active"]) == sorted([runs["a-failed"], runs["a-done"]])
    assert await ids(status="COMPLETED") == sorted([runs["a-done"], runs["d-done"]])
    assert await ids(pipelineId=store.ids["active"], status="FAILED") == [runs["a-failed"]]
    response = await store.http.get("/v1/pipelines/executions", params={"status": "DONE"})
    assert_error(response, 400, "VALIDATION_ERROR")


async def test_batch_runs_filter_by_batch_status_and_pipeline(store):
    async def ids(**params: str) -> list[str]:
        response = await store.http.get("/api/pipeline/runs", params={"limit": 100, **params})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["runs"]), body
        return sorted(r["run_id"] for r in body["runs"])

    runs = store.runs
    # The batch a run shows: its batch_id parameter, else its batchId.
    assert await ids(batch_id="B1") == sorted([runs["a-failed"], runs["a-done"]])
    assert await ids(batch_id="B2") == [runs["d-done"]]
    assert await ids(batch_id="B1", status="SUCCESS") == [runs["a-done"]]
    assert await ids(pipeline="active", status="FAILURE") == [runs["a-failed"]]
    shown = (await store.http.get("/api/pipeline/runs", params={"batch_id": "B1"})).json()
    assert {r["batch_id"] for r in shown["runs"]} == {"B1"}
    response = await store.http.get("/api/pipeline/runs", params={"status": "EXPLODED"})
    assert_error(response, 422, "VALIDATION_ERROR")
