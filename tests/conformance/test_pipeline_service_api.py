"""The pipeline service API's reference (/work/shared/seeds/003_*.txt), every example as written:
credentials added (a JWT and X-Tenant-ID, as the document asks), ids substituted, against the
app with a real worker, checking status codes, field names and types, status words and error
bodies. The examples are read from the document itself; the last test checks that every one
of them was run.

Deliberate differences, each asserted below: ``engine`` is ``temporal`` (the document's
``airflow`` names its own engine); the documented connection's host ``sales-db.internal`` does
not exist here, so its test answers ``connected: false`` with the reason and a second
connection (the same body on this machine's PostgreSQL) shows the documented success.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from domain import templates
from tests.auth import make_user
from tests.conformance.conftest import seed_text
from tests.conformance.service_fixtures import (
    Example,
    assert_error_body,
    assert_shape,
    fill,
    flat_examples,
    until,
)
from tests.conftest import scratch_database
from tests.services import PG_HOST, PG_PORT

pytestmark = pytest.mark.postgres

RUN_WORDS = {"QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"}
FINISHED = {"COMPLETED", "FAILED", "CANCELLED"}
SECRET_NAME = "sales-db-credentials"
CLEAN = "clean_transactions"
METRICS = "/v1/pipelines/monitoring/metrics?pipelineId={id}&period=7d"


@dataclass
class Service:
    http: httpx.AsyncClient
    tenant_id: str
    examples: dict[tuple[str, str], Example]
    schema: str
    source_db: str
    working_connection: str = ""  # id of the documented body on this machine's PostgreSQL
    target_connection: str = ""
    pipeline_id: str = ""
    execution_id: str = ""
    ran: set[tuple[str, str]] = field(default_factory=set)

    def example(self, method: str, path: str) -> Example:
        found = self.examples[(method, path)]
        self.ran.add(found.key)
        return found

    async def call(self, method: str, path: str, body: Any = None, **ids: str) -> httpx.Response:
        """Run the documented example ``method path`` with ``ids`` filled in; ``body`` replaces
        the documented request body when the document's is not usable as is."""
        example = self.example(method, path)
        payload = body if body is not None else example.request
        return await self.http.request(method, fill(path, **ids), json=payload)

    async def finished(self, execution_id: str) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            response = await self.http.get(f"/v1/pipelines/executions/{execution_id}")
            assert response.status_code == 200, response.text
            return response.json()

        return await until(read, lambda body: body["status"] in FINISHED)


def _definition(service: Service, *, check: dict | None = None, query: str | None = None) -> dict:
    source: dict[str, Any] = (
        {"connection": service.working_connection, "query": query}
        if query
        else {"connection": service.working_connection, "table": f"{service.schema}.raw_sales"}
    )
    return {
        "sources": {"raw_transactions": source},
        "transformations": [
            {
                "name": "clean_transactions",
                "sql": "SELECT id, amount, day FROM raw_transactions WHERE amount > 0",
            }
        ],
        "sinks": {
            "daily_transactions": {
                "connection": service.target_connection,
                "table": f"{service.schema}.daily_{uuid.uuid4().hex[:6]}",
                "mode": "replace",
            }
        },
        "quality_checks": [
            check
            or {"name": "has_rows", "type": "row_count", "dataset": "clean_transactions", "min": 1}
        ],
        "orchestration": {"retries": 0, "timeout_minutes": 5},
    }


@pytest.fixture(scope="module")
async def service(app, db, settings, target_db) -> AsyncIterator[Service]:
    examples = {e.key: e for e in flat_examples(seed_text("003_"))}
    tenant_id = f"ps-{uuid.uuid4().hex[:8]}"
    admin = await make_user(db, settings, tenant_id, "admin")
    # The operator's secret store holds the documented secret: a JSON credential.
    settings.secrets_dir.mkdir(parents=True, exist_ok=True)
    (settings.secrets_dir / SECRET_NAME).write_text(
        json.dumps({"username": "postgres", "password": "trust-auth-needs-none"})
    )
    schema = f"ps_{uuid.uuid4().hex[:8]}"
    async with scratch_database("ps") as source_db:
        conn = await asyncpg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{source_db}")
        try:
            await conn.execute(
                f"CREATE SCHEMA {schema}; CREATE TABLE {schema}.raw_sales AS "
                "SELECT g AS id, (g % 7) * 1.5 AS amount, date '2026-02-01' + g % 12 AS day "
                "FROM generate_series(1, 200) g"
            )
            # The fintech template's tables, where its SOURCE_SCHEMA default says.
            await conn.execute(templates.catalog()["fintech/payment_processing"].sample_sql())
        finally:
            await conn.close()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://pipeline-service.test",
            headers={"Authorization": f"Bearer {admin.token}", "X-Tenant-ID": tenant_id},
        ) as http:
            yield Service(http, tenant_id, examples, schema, source_db)


# --- Connection Management -------------------------------------------------------------------


async def test_connections_as_documented(service: Service, target_db: str):
    documented = service.examples[("POST", "/v1/pipelines/connections")].request
    assert documented["type"] == "jdbc" and documented["credentialSecretRef"] == SECRET_NAME

    created = await service.call("POST", "/v1/pipelines/connections")
    assert created.status_code == 201, created.text
    body = created.json()
    assert_shape({k: v for k, v in documented.items() if k != "type"}, body)
    assert body["type"] == "postgresql"  # a JDBC connection on PostgreSQL's port
    assert body["credentialSecretRef"] == SECRET_NAME and body["hasPassword"] is True
    assert body["properties"] == documented["properties"]

    listed = await service.call("GET", "/v1/pipelines/connections")
    assert listed.status_code == 200
    assert body["connectionId"] in {c["connectionId"] for c in listed.json()["content"]}

    test = service.examples[("POST", "/v1/pipelines/connections/{connectionId}/test")]
    # sales-db.internal does not resolve here: a failed test with its reason, not an error.
    unreachable = await service.call(test.method, test.path, connectionId=body["connectionId"])
    assert unreachable.status_code == test.status, unreachable.text
    assert unreachable.json()["connected"] is False and unreachable.json()["error"]
    # The same body on this machine's PostgreSQL: the documented success.
    here = {**documented, "name": "sales-database-here", "host": PG_HOST, "port": PG_PORT}
    here |= {"database": service.source_db, "properties": {**documented["properties"]}}
    here["properties"]["sslMode"] = "prefer"  # this server has no TLS
    working = await service.http.post("/v1/pipelines/connections", json=here)
    assert working.status_code == 201, working.text
    service.working_connection = working.json()["connectionId"]
    tested = await service.http.post(f"/v1/pipelines/connections/{service.working_connection}/test")
    assert tested.status_code == 200, tested.text
    assert_shape(test.response, tested.json())
    assert tested.json()["connected"] is True and tested.json()["version"].startswith("PostgreSQL")

    target = {**here, "name": "warehouse", "database": target_db}
    service.target_connection = (
        await service.http.post("/v1/pipelines/connections", json=target)
    ).json()["connectionId"]

    deleted = await service.call(
        "DELETE", "/v1/pipelines/connections/{connectionId}", connectionId=body["connectionId"]
    )
    assert deleted.status_code == 204, deleted.text


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"port": 9999}, ["jdbc:postgresql://", "5432", "postgresql"]),
        ({"host": "jdbc:db2://h:50000/x"}, ["db2", "jdbc:mysql://"]),
    ],
)
async def test_a_jdbc_connection_the_service_cannot_place_is_refused(service, change, words):
    body = {**service.examples[("POST", "/v1/pipelines/connections")].request, **change}
    refused = await service.http.post("/v1/pipelines/connections", json=body)
    error = assert_error_body(refused, 400)
    assert error["error_code"] == "VALIDATION_ERROR"
    assert all(word in error["error"]["message"] for word in words), error


async def test_a_jdbc_url_names_host_port_and_database(service):
    body = {**service.examples[("POST", "/v1/pipelines/connections")].request}
    body |= {"name": "by-url", "host": f"jdbc:mysql://{PG_HOST}:3306/sales", "port": None}
    created = await service.http.post("/v1/pipelines/connections", json=body)
    assert created.status_code == 201, created.text
    assert (created.json()["type"], created.json()["host"], created.json()["port"]) == (
        "mysql",
        PG_HOST,
        3306,
    )
    assert created.json()["database"] == "sales"


# --- Pipeline Management and Execution -------------------------------------------------------


async def test_pipelines_as_documented(service: Service):
    documented = service.examples[("POST", "/v1/pipelines")]
    request = {**_request_without_placeholders(documented), "definition": _definition(service)}
    created = await service.call("POST", "/v1/pipelines", request)
    assert created.status_code == documented.status, created.text
    assert_shape(documented.response, created.json())
    assert created.json()["status"] == "CREATED" and created.json()["version"] == "1.0.0"
    service.pipeline_id = created.json()["pipelineId"]

    listed = await service.call("GET", "/v1/pipelines?tags=sales&status=ACTIVE&page=0&size=20")
    assert listed.status_code == 200, listed.text
    assert {"content", "page", "size", "totalElements", "totalPages"} <= set(listed.json())
    # The filters filter: only ACTIVE pipelines tagged sales (the new one is CREATED).
    content = listed.json()["content"]
    assert all(p["status"] == "ACTIVE" and "sales" in p["tags"] for p in content), content
    assert service.pipeline_id not in {p["pipelineId"] for p in content}
    assert listed.json()["totalElements"] == len(content)
    every = (await service.http.get("/v1/pipelines?tags=sales&page=0&size=20")).json()
    assert service.pipeline_id in {p["pipelineId"] for p in every["content"]}

    one = await service.call("GET", "/v1/pipelines/{pipelineId}", pipelineId=service.pipeline_id)
    assert one.status_code == 200 and one.json()["name"] == "daily-sales-etl"
    updated = await service.call(
        "PUT",
        "/v1/pipelines/{pipelineId}",
        {"description": "Daily sales, cleaned", "tags": ["sales", "daily", "etl"]},
        pipelineId=service.pipeline_id,
    )
    assert updated.status_code == 200 and updated.json()["description"] == "Daily sales, cleaned"


def _request_without_placeholders(example: Example) -> dict[str, Any]:
    """The create body as documented; its definition's ``{...}`` placeholders make it not
    JSON, so the fields around it are the document's own."""
    return {
        "name": "daily-sales-etl",
        "version": "1.0.0",
        "description": "Daily sales data extraction and loading",
        "tags": ["sales", "daily", "etl"],
    }


async def test_execute_status_logs_and_list_as_documented(service: Service):
    execute = service.examples[("POST", "/v1/pipelines/{pipelineId}/execute")]
    assert execute.request["priority"] == "NORMAL" and execute.request["engine_override"] is None
    durations = []
    for _ in range(2):
        submitted = await service.call(execute.method, execute.path, pipelineId=service.pipeline_id)
        assert submitted.status_code == execute.status, submitted.text
        body = submitted.json()
        assert_shape(execute.response, body, nullable=frozenset({"estimatedDurationMs"}))
        assert body["status"] == "QUEUED" and body["engine"] == "temporal"
        durations.append(body["estimatedDurationMs"])
        service.execution_id = body["executionId"]
        status = service.examples[("GET", "/v1/pipelines/executions/{executionId}")]
        current = await service.call(status.method, status.path, executionId=body["executionId"])
        assert current.status_code == status.status
        assert_shape(
            status.response,
            current.json(),
            nullable=frozenset({"currentTask", "startedAt", "rowsProcessed", "bytesProcessed"}),
        )
        assert current.json()["status"] in RUN_WORDS
        done = await service.finished(body["executionId"])
        assert done["status"] == "COMPLETED", done
        assert done["progress"]["percentage"] == 100 and done["metrics"]["rowsProcessed"] > 0
    # Before any run there is nothing to estimate from; after one, the median of past runs.
    assert durations[0] is None and isinstance(durations[1], int), durations

    listed = await service.call(
        "GET",
        "/v1/pipelines/executions?pipelineId={id}&status=RUNNING&page=0&size=20",
        id=service.pipeline_id,
    )
    assert listed.status_code == 200 and listed.json()["content"] == []
    done_list = await service.http.get(
        f"/v1/pipelines/executions?pipelineId={service.pipeline_id}&status=COMPLETED"
    )
    assert len(done_list.json()["content"]) == 2
    logs = await service.call(
        "GET",
        "/v1/pipelines/executions/{executionId}/logs?task={taskName}&lines=100",
        executionId=service.execution_id,
        taskName="clean_transactions",
    )
    assert logs.status_code == 200, logs.text
    assert set(logs.json()) == {"executionId", "task", "lines"}  # as before the after cursor
    # Following a run: only the lines after the last one read.
    url = f"/v1/pipelines/executions/{service.execution_id}/logs"
    first = (await service.http.get(url, params={"after": 0, "lines": 2})).json()
    assert len(first["lines"]) == 2 and first["nextAfter"] == first["lines"][-1]["id"]
    rest = (await service.http.get(url, params={"after": first["nextAfter"]})).json()
    every = (await service.http.get(url, params={"lines": 10_000})).json()["lines"]
    strip = [
        {k: v for k, v in line.items() if k != "id"} for line in first["lines"] + rest["lines"]
    ]
    assert strip == every


async def test_cancel_and_conflict_as_documented(service: Service):
    slow = _definition(
        service,
        query=f"SELECT t.* FROM {service.schema}.raw_sales t, pg_sleep(30) s",
    )
    created = await service.http.post("/v1/pipelines", json={"name": "slow", "definition": slow})
    assert created.status_code == 201, created.text
    slow_id = created.json()["pipelineId"]
    started = await service.http.post(f"/v1/pipelines/{slow_id}/execute", json={})
    assert started.status_code == 202, started.text
    # 409: the pipeline is already running.
    again = await service.http.post(f"/v1/pipelines/{slow_id}/execute", json={})
    assert assert_error_body(again, 409)["error_code"] == "PIPELINE_ALREADY_RUNNING"
    cancelled = await service.call(
        "POST",
        "/v1/pipelines/executions/{executionId}/cancel",
        executionId=started.json()["executionId"],
    )
    assert cancelled.status_code in (200, 202), cancelled.text
    assert (await service.finished(started.json()["executionId"]))["status"] == "CANCELLED"


# --- Scheduling ------------------------------------------------------------------------------


async def test_schedules_as_documented(service: Service):
    created = await service.call(
        "POST",
        "/v1/pipelines/schedules",
        {**service.examples[("POST", "/v1/pipelines/schedules")].request}
        | {"pipelineId": service.pipeline_id},
    )
    assert created.status_code == 201, created.text
    schedule = created.json()
    assert schedule["cronExpression"] == "0 6 * * *" and schedule["timezone"] == "America/New_York"
    schedule_id = schedule["scheduleId"]
    listed = await service.call(
        "GET", "/v1/pipelines/schedules?pipelineId={id}", id=service.pipeline_id
    )
    assert schedule_id in {s["scheduleId"] for s in listed.json()["content"]}
    updated = await service.call(
        "PUT",
        "/v1/pipelines/schedules/{scheduleId}",
        {"cronExpression": "0 7 * * *"},
        scheduleId=schedule_id,
    )
    assert updated.status_code == 200 and updated.json()["cronExpression"] == "0 7 * * *"
    runs_before = len(await _runs(service, service.pipeline_id))
    triggered = await service.call(
        "POST", "/v1/pipelines/schedules/{scheduleId}/trigger", scheduleId=schedule_id
    )
    assert triggered.status_code in (200, 202), triggered.text
    # The schedule's workflow starts the run: it shows up, and ends.
    await until(
        lambda: _runs(service, service.pipeline_id),
        lambda runs: len(runs) > runs_before and all(r["status"] in FINISHED for r in runs),
    )
    deleted = await service.call(
        "DELETE", "/v1/pipelines/schedules/{scheduleId}", scheduleId=schedule_id
    )
    assert deleted.status_code == 204, deleted.text
    await _idle(service, service.pipeline_id)


async def _runs(service: Service, pipeline_id: str) -> list[dict[str, Any]]:
    url = f"/v1/pipelines/executions?pipelineId={pipeline_id}&page=0&size=100"
    return (await service.http.get(url)).json()["content"]


async def _idle(service: Service, pipeline_id: str) -> None:
    """Wait until the pipeline has no run in progress."""
    await until(
        lambda: _runs(service, pipeline_id),
        lambda runs: all(r["status"] in FINISHED for r in runs),
    )


# --- Airflow Management ----------------------------------------------------------------------


async def test_airflow_views_as_documented(service: Service):
    deployed = await service.http.post(
        f"/api/v1/pipelines/{service.pipeline_id}:deploy?mode=api",
        json={"environment": "staging", "schedule": "0 6 * * *"},
    )
    assert deployed.status_code == 200, deployed.text
    dags = await service.call("GET", "/v1/airflow/dags")
    assert dags.status_code == 200
    dag_id = next(d["dagId"] for d in dags.json()["dags"] if service.pipeline_id in d["dagId"])
    triggered = await service.call(
        "POST", "/v1/airflow/dags/{dagId}/trigger", dagId=dag_id
    )  # the documented conf: start_date and end_date
    assert triggered.status_code == 200, triggered.text
    run_id = triggered.json()["dagRunId"]
    await service.finished(run_id)
    runs = await service.call("GET", "/v1/airflow/dags/{dagId}/runs?limit=25", dagId=dag_id)
    assert run_id in {r["dagRunId"] for r in runs.json()["dagRuns"]}
    tasks = await service.call(
        "GET", "/v1/airflow/dags/{dagId}/runs/{runId}/tasks", dagId=dag_id, runId=run_id
    )
    task_id = tasks.json()["taskInstances"][0]["taskId"]
    logs = await service.call(
        "GET",
        "/v1/airflow/dags/{dagId}/runs/{runId}/tasks/{taskId}/logs",
        dagId=dag_id,
        runId=run_id,
        taskId=task_id,
    )
    assert logs.status_code == 200, logs.text
    paused = await service.call("POST", "/v1/airflow/dags/{dagId}/pause", dagId=dag_id)
    assert paused.json()["isPaused"] is True
    unpaused = await service.call("POST", "/v1/airflow/dags/{dagId}/unpause", dagId=dag_id)
    assert unpaused.json()["isPaused"] is False


# --- Template Management ---------------------------------------------------------------------


async def test_templates_as_documented(service: Service):
    listing = service.examples[("GET", "/v1/pipelines/templates?industry=fintech")]
    listed = await service.call(listing.method, listing.path)
    assert listed.status_code == listing.status
    assert_shape(listing.response, listed.json())
    fintech = next(t for t in listed.json()["templates"] if t["id"] == "fintech/payment_processing")
    assert {"PCI-DSS", "SOX"} <= set(fintech["compliance"])
    assert "SCHEMA_REGISTRY_URL" in {p["name"] for p in fintech["parameters"]}

    one = await service.call(
        "GET", "/v1/pipelines/templates/{templateId}", templateId="fintech/payment_processing"
    )
    assert one.status_code == 200 and one.json()["id"] == "fintech/payment_processing"
    # The documented request as written: no connection named, the tenant's are used.
    created = await service.call(
        "POST",
        "/v1/pipelines/templates/{templateId}/create",
        templateId="fintech/payment_processing",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["chosenConnections"] == {
        "SOURCE_CONNECTION": "sales-database-here",
        "TARGET_CONNECTION": "warehouse",
    }
    pipeline = (await service.http.get(f"/v1/pipelines/{body['pipelineId']}")).json()
    definition = pipeline["definition"]
    assert pipeline["name"] == "acme-payment-processing"
    assert definition["sources"]["payment_gateway"]["partitions"] == 128
    assert definition["orchestration"]["parameters"]["schema_registry_url"] == (
        "http://schema-registry:8081"
    )
    typo = await service.http.post(
        "/v1/pipelines/templates/fintech/payment_processing/create",
        json={"pipelineName": "typo", "customizations": {"sources.payment_gateway.partiton": 2}},
    )
    assert "partiton" in assert_error_body(typo, 400)["error"]["message"]


# --- Monitoring, workflows, lineage and cost -------------------------------------------------


async def test_approval_signal_and_workflow_views_as_documented(service: Service):
    review = {
        "name": "review_volume",
        "type": "row_count",
        "dataset": "clean_transactions",
        "max": 1,
        "severity": "approve",
    }
    created = await service.http.post(
        "/v1/pipelines",
        json={"name": "reviewed-sales", "definition": _definition(service, check=review)},
    )
    assert created.status_code == 201, created.text
    run = (
        await service.http.post(f"/v1/pipelines/{created.json()['pipelineId']}/execute", json={})
    ).json()
    workflow_id = run["workflowId"]

    async def status() -> dict:
        response = await service.call(
            "GET", "/v1/pipelines/workflows/{workflowId}/status", workflowId=workflow_id
        )
        assert response.status_code == 200, response.text
        return response.json()

    await until(status, lambda body: '"PENDING"' in json.dumps(body))
    signal = service.examples[("POST", "/v1/pipelines/workflows/{workflowId}/signal")]
    assert signal.request["signalName"] == "approval"
    approved = await service.call(signal.method, signal.path, workflowId=workflow_id)
    assert approved.status_code == 200, approved.text
    assert (await service.finished(run["executionId"]))["status"] == "COMPLETED"

    slow = _definition(
        service, query=f"SELECT t.* FROM {service.schema}.raw_sales t, pg_sleep(30) s"
    )
    other = await service.http.post("/v1/pipelines", json={"name": "slow-2", "definition": slow})
    started = (
        await service.http.post(f"/v1/pipelines/{other.json()['pipelineId']}/execute", json={})
    ).json()
    cancelled = await service.call(
        "POST", "/v1/pipelines/workflows/{workflowId}/cancel", workflowId=started["workflowId"]
    )
    assert cancelled.status_code == 202, cancelled.text
    assert (await service.finished(started["executionId"]))["status"] == "CANCELLED"


async def test_alerts_as_documented(service: Service):
    failing = _definition(
        service,
        query=f"SELECT id, amount / (id - id) AS amount, day FROM {service.schema}.raw_sales",
    )
    created = await service.http.post(
        "/v1/pipelines", json={"name": "failing-sales", "definition": failing}
    )
    assert created.status_code == 201, created.text
    run = (
        await service.http.post(f"/v1/pipelines/{created.json()['pipelineId']}/execute", json={})
    ).json()
    assert (await service.finished(run["executionId"]))["status"] == "FAILED"

    async def alerts() -> list:
        response = await service.call(
            "GET", "/v1/pipelines/monitoring/alerts?severity=CRITICAL&status=OPEN"
        )
        assert response.status_code == 200, response.text
        body = response.json()
        items = body["content"] if isinstance(body, dict) else body
        return [a for a in items if a.get("executionId") == run["executionId"]]

    alert = (await until(alerts, bool))[0]
    assert alert["severity"] == "CRITICAL" and alert["status"] == "OPEN"
    acknowledged = await service.call(
        "POST", "/v1/pipelines/monitoring/alerts/{alertId}/acknowledge", alertId=alert["alertId"]
    )
    assert acknowledged.status_code == 200 and acknowledged.json()["status"] == "ACKNOWLEDGED"


async def test_metrics_lineage_and_cost_as_documented(service: Service):
    await _idle(service, service.pipeline_id)
    metrics = service.examples[
        ("GET", "/v1/pipelines/monitoring/metrics?pipelineId={id}&period=7d")
    ]
    got = await service.call(metrics.method, metrics.path, id=service.pipeline_id)
    assert got.status_code == metrics.status
    assert_shape(metrics.response, got.json())
    assert got.json()["metrics"]["executionCount"] >= 2
    assert {h["status"] for h in got.json()["history"]} <= RUN_WORDS

    lineage = service.examples[("GET", "/v1/pipelines/{pipelineId}/lineage")]
    got = await service.call(lineage.method, lineage.path, pipelineId=service.pipeline_id)
    assert got.status_code == lineage.status
    assert_shape(lineage.response, got.json())
    assert got.json()["sources"][0]["fqn"].endswith(f"{service.schema}.raw_sales")

    execution_cost = await service.call(
        "GET", "/v1/pipelines/executions/{executionId}/cost", executionId=service.execution_id
    )
    assert execution_cost.status_code == 200, execution_cost.text
    cost = service.examples[("GET", "/v1/pipelines/{pipelineId}/cost?period=30d")]
    got = await service.call(cost.method, cost.path, pipelineId=service.pipeline_id)
    assert got.status_code == cost.status
    assert_shape(cost.response, got.json())
    assert got.json()["trend"] in {"stable", "increasing", "decreasing", "insufficient_data"}


# --- Common response codes, and the end of the pipeline ----------------------------------------


async def test_common_response_codes(app, service: Service):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://pipeline-service.test"
    ) as anonymous:
        assert_error_body(await anonymous.get("/v1/pipelines"), 401)
    assert_error_body(await service.http.get("/v1/pipelines/pipeline-456"), 404)
    assert_error_body(await service.http.get("/v1/pipelines/executions/exec-789"), 404)
    invalid = await service.http.post("/v1/pipelines", json={"version": "1.0.0"})
    body = assert_error_body(invalid, 400)
    assert body["error_code"] == "VALIDATION_ERROR"
    assert {tuple(d["loc"]) for d in body["detail"]} >= {("body", "name"), ("body", "definition")}
    other = await service.http.get("/v1/pipelines", headers={"X-Tenant-ID": "someone-else"})
    assert_error_body(other, 403)


async def test_delete_pipeline_as_documented(service: Service):
    await _idle(service, service.pipeline_id)
    deleted = await service.call(
        "DELETE", "/v1/pipelines/{pipelineId}", pipelineId=service.pipeline_id
    )
    assert deleted.status_code == 204, deleted.text
    assert (await service.http.get(f"/v1/pipelines/{service.pipeline_id}")).status_code == 404


def test_every_documented_example_ran(service: Service):
    assert len(service.examples) >= 38
    assert set(service.examples) == service.ran, sorted(set(service.examples) - service.ran)
