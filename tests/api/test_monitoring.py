"""Monitoring from real runs: metrics, alerts raised by failed runs and checks and their
acknowledgement, cost estimates, lineage."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import pytest

from activities.records import _raise_failure_alert
from tests.api.test_errors import assert_error
from tests.pipelines import create_connection, create_pipeline, run_to_end, unique_name
from workflows.payloads import RecordRun, RunStatus

pytestmark = pytest.mark.postgres

ROWS = 200


@dataclass
class Pipe:
    id: str
    name: str
    table: str
    source_db: str
    target_db: str


@pytest.fixture
async def pipe(api, source, source_db, target_db) -> Pipe:
    table = f"mon_{uuid.uuid4().hex[:8]}"
    await source.execute(
        f"CREATE TABLE public.{table} AS SELECT g AS id, (g * 1.5)::numeric(10, 2) AS amount, "
        f"(ARRAY['EUR', 'USD'])[1 + g % 2] AS currency FROM generate_series(1, {ROWS}) AS g"
    )
    src = await create_connection(api, source_db, unique_name("mon-src"))
    dst = await create_connection(api, target_db, unique_name("mon-dst"))
    name = unique_name("monitored")
    definition = {
        "sources": {"orders": {"connection": src, "table": f"public.{table}"}},
        "transformations": [
            {"name": "kept", "type": "filter", "input": "orders", "condition": "id <= :max_id"},
            {
                "name": "per_currency",
                "sql": "SELECT currency, count(*) AS orders, sum(amount) / :divisor AS revenue "
                "FROM kept GROUP BY currency",
            },
        ],
        "sinks": {"out": {"connection": dst, "table": f"landing.{table}", "mode": "replace"}},
        "quality_checks": [{"name": "has_rows", "type": "row_count", "min": 1}],
        "orchestration": {"retries": 0, "parameters": {"max_id": ROWS, "divisor": 1}},
    }
    return Pipe(await create_pipeline(api, name, definition), name, table, source_db, target_db)


async def alerts_of(api, pipeline_id: str, **params) -> list[dict]:
    response = await api.get(
        "/v1/pipelines/monitoring/alerts", params={"pipelineId": pipeline_id, **params}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["content"] == body["alerts"]
    return body["content"]


async def raised_alerts(api, pipeline_id: str) -> list[dict]:
    """The pipeline's alerts once the failed run's record has raised one: the record commits
    the run's status a moment before its alert, and a status read may fall in between."""
    for _ in range(100):
        found = await alerts_of(api, pipeline_id)
        if found:
            return found
        await asyncio.sleep(0.1)
    return []


async def test_failed_quality_check_raises_an_alert_that_is_acknowledged_once(api, pipe):
    failed = await run_to_end(api, pipe.id, max_id=0)
    assert failed["status"] == "FAILED"
    [alert] = await raised_alerts(api, pipe.id)
    assert alert["kind"] == "QUALITY_CHECK_FAILED" and alert["severity"] == "HIGH"
    assert alert["status"] == "OPEN" and alert["executionId"] == failed["executionId"]
    assert "has_rows" in alert["message"]
    assert alert["details"]["step"] == "quality_checks"
    assert await alerts_of(api, pipe.id, severity="high", status="open") == [alert]
    assert await alerts_of(api, pipe.id, severity="CRITICAL") == []

    acked = await api.post(f"/v1/pipelines/monitoring/alerts/{alert['alertId']}/acknowledge")
    assert acked.status_code == 200, acked.text
    body = acked.json()
    assert body["status"] == "ACKNOWLEDGED"
    assert body["acknowledgedBy"] and body["acknowledgedAt"]
    again = await api.post(f"/v1/pipelines/monitoring/alerts/{alert['alertId']}/acknowledge")
    assert_error(again, 409, "ALERT_ALREADY_ACKNOWLEDGED")
    assert await alerts_of(api, pipe.id, status="OPEN") == []
    assert [a["alertId"] for a in await alerts_of(api, pipe.id, status="ACKNOWLEDGED")] == [
        alert["alertId"]
    ]


async def test_failed_run_raises_a_critical_alert(api, pipe):
    failed = await run_to_end(api, pipe.id, divisor=0)
    assert failed["status"] == "FAILED"
    [alert] = await raised_alerts(api, pipe.id)
    assert alert["kind"] == "RUN_FAILED" and alert["severity"] == "CRITICAL"
    assert alert["details"]["step"] == "transform_per_currency"
    assert "division by zero" in alert["message"]
    completed = await run_to_end(api, pipe.id)
    assert completed["status"] == "COMPLETED"
    assert len(await alerts_of(api, pipe.id)) == 1  # a good run raises nothing


async def test_alert_is_raised_once_when_the_record_is_retried(api, pipe, db):
    failed = await run_to_end(api, pipe.id, divisor=0)
    await raised_alerts(api, pipe.id)
    record = RecordRun(failed["executionId"], "default", RunStatus.FAILED, 4, "boom")
    async with db.session() as session:
        await _raise_failure_alert(session, record)
        await _raise_failure_alert(session, record)
    assert len(await alerts_of(api, pipe.id)) == 1


async def test_alert_errors(api):
    missing = await api.post("/v1/pipelines/monitoring/alerts/alert-nope/acknowledge")
    assert_error(missing, 404, "ALERT_NOT_FOUND")
    for params in ({"severity": "URGENT"}, {"status": "CLOSED"}, {"page": -1}):
        response = await api.get("/v1/pipelines/monitoring/alerts", params=params)
        assert_error(response, 400, "VALIDATION_ERROR")


async def test_metrics_from_real_runs(api, pipe):
    ok = await run_to_end(api, pipe.id)
    bad = await run_to_end(api, pipe.id, max_id=0)
    assert (ok["status"], bad["status"]) == ("COMPLETED", "FAILED")
    response = await api.get(
        "/v1/pipelines/monitoring/metrics", params={"pipelineId": pipe.id, "period": "7d"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["pipelineId"] == pipe.id and body["period"] == "7d"
    metrics = body["metrics"]
    assert metrics["executionCount"] == 2
    assert metrics["successRate"] == 0.5
    assert metrics["succeeded"] == 1 and metrics["failed"] == 1
    assert metrics["avgDurationMs"] > 0
    assert metrics["totalRowsProcessed"] == 2 * ROWS
    assert metrics["totalRowsLoaded"] == 2  # one row per currency, from the good run
    assert metrics["totalBytesProcessed"] > 0
    assert metrics["totalCostUsd"] > 0
    [day] = body["history"]
    assert day["executions"] == 2 and day["succeeded"] == 1 and day["failed"] == 1
    assert day["status"] == "FAILED"  # the day's last run
    assert day["rows"] == 2 * ROWS

    everything = await api.get("/v1/pipelines/monitoring/metrics", params={"period": "24h"})
    assert everything.json()["metrics"]["executionCount"] >= 2
    for params in ({"period": "7x"}, {"period": "0d"}, {"period": "400d"}):
        assert_error(
            await api.get("/v1/pipelines/monitoring/metrics", params=params),
            400,
            "VALIDATION_ERROR",
        )
    assert_error(
        await api.get("/v1/pipelines/monitoring/metrics", params={"pipelineId": "nope"}),
        404,
        "PIPELINE_NOT_FOUND",
    )


async def test_cost_estimates(api, pipe):
    first = await run_to_end(api, pipe.id)
    response = await api.get(f"/v1/pipelines/executions/{first['executionId']}/cost")
    assert response.status_code == 200, response.text
    cost = response.json()
    assert cost["estimate"] is True and "estimate" in cost["note"]
    assert cost["currency"] == "USD" and cost["final"] is True
    breakdown = cost["breakdown"]
    assert set(breakdown) == {"compute", "storage", "network", "llm"}
    assert breakdown["compute"] > 0 and breakdown["network"] > 0 and breakdown["storage"] > 0
    assert cost["totalCostUsd"] == pytest.approx(sum(breakdown.values()), abs=1e-5)
    assert cost["measured"]["rowsExtracted"] == ROWS and cost["measured"]["rowsLoaded"] == 2
    assert cost["measured"]["computeSeconds"] > 0 and cost["measured"]["bytesLoaded"] > 0
    assert cost["rates"]["computeUsdPerHour"] > 0

    second = await run_to_end(api, pipe.id)
    summary = (await api.get(f"/v1/pipelines/{pipe.id}/cost", params={"period": "30d"})).json()
    assert summary["pipelineId"] == pipe.id and summary["period"] == "30d"
    assert summary["executionCount"] == 2 and summary["estimate"] is True
    assert [e["executionId"] for e in summary["executions"]] == [
        first["executionId"],
        second["executionId"],
    ]
    assert summary["totalCostUsd"] == pytest.approx(
        sum(e["costUsd"] for e in summary["executions"]), abs=1e-5
    )
    assert summary["costPerExecution"] == pytest.approx(summary["totalCostUsd"] / 2, abs=1e-5)
    assert summary["trend"] in ("stable", "increasing", "decreasing")
    assert set(summary["breakdown"]) == {"compute", "storage", "network", "llm"}

    assert_error(await api.get("/v1/pipelines/executions/nope/cost"), 404, "EXECUTION_NOT_FOUND")
    assert_error(await api.get("/v1/pipelines/nope/cost"), 404, "PIPELINE_NOT_FOUND")
    assert_error(
        await api.get(f"/v1/pipelines/{pipe.id}/cost", params={"period": "month"}),
        400,
        "VALIDATION_ERROR",
    )


async def test_lineage(api, pipe):
    before = (await api.get(f"/v1/pipelines/{pipe.id}/lineage")).json()
    assert before["lastExecuted"] is None
    await run_to_end(api, pipe.id)
    response = await api.get(f"/v1/pipelines/{pipe.id}/lineage")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["pipelineId"] == pipe.id and body["lastExecuted"] is not None
    assert body["sources"] == [
        {
            "name": "orders",
            "connection": body["sources"][0]["connection"],
            "type": "TABLE",
            "fqn": f"{pipe.source_db}.public.{pipe.table}",
        }
    ]
    [sink] = body["sinks"]
    assert sink["fqn"] == f"{pipe.target_db}.landing.{pipe.table}" and sink["type"] == "TABLE"
    assert [(t["name"], t["type"]) for t in body["transformations"]] == [
        ("kept", "filter"),
        ("per_currency", "sql_transform"),
    ]
    assert {"from": "kept", "to": "per_currency"} in body["edges"]
    columns = {c["column"]: c for c in body["columnLineage"]}
    assert set(columns) == {"currency", "orders", "revenue"}
    source_fqn = f"{pipe.source_db}.public.{pipe.table}"
    assert columns["currency"]["sources"] == [{"fqn": source_fqn, "column": "currency"}]
    assert columns["currency"]["derived"] is False
    assert columns["revenue"]["sources"] == [{"fqn": source_fqn, "column": "amount"}]
    assert columns["revenue"]["derived"] is True
    assert_error(await api.get("/v1/pipelines/nope/lineage"), 404, "PIPELINE_NOT_FOUND")
