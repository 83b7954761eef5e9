"""The AI-ETL platform API's document (/work/shared/seeds/001_5cd13bd764e36db4.txt), example by
example: every HTTP request as written (paths under the documented base URL ``/api/v1``, a
user's Bearer token added, ids and the webhook's URL substituted), checked for status code,
field names and types, status words and error bodies.

One fresh tenant with a PostgreSQL database holding the document's ``customers``, ``orders``
and ``order_items`` tables, registered once as a source and once as a target.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from tests import auth
from tests.conformance.conftest import (
    ISO,
    Clients,
    document_clients,
    http_examples,
    poll,
    seed_text,
)
from tests.conftest import pg_connection_body, scratch_database
from tests.services import pg_dsn

pytestmark = pytest.mark.postgres

DOC = "001_"
BASE = "/api/v1"


@dataclass
class World(Clients):
    tenancy: auth.Tenancy
    source: str  # connection ids
    target: str
    pipeline: str = ""
    ids: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
async def world(app, db, settings) -> AsyncIterator[World]:
    tenancy = await auth.make_tenancy(db, settings, f"conf001-{uuid.uuid4().hex[:8]}")
    async with scratch_database("conf001") as pg_db, document_clients(app, tenancy) as clients:
        conn = await asyncpg.connect(pg_dsn(pg_db))
        try:
            await conn.execute(
                "CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, "
                "email varchar(255) NOT NULL UNIQUE, created_at timestamptz NOT NULL);"
                "CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL, "
                "created_at timestamptz NOT NULL);"
                "CREATE TABLE order_items (id integer PRIMARY KEY, order_id integer NOT NULL, "
                "amount numeric(10, 2) NOT NULL);"
                "INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com', "
                "now() - g * interval '1 day' FROM generate_series(1, 30) g;"
                "INSERT INTO orders SELECT g, 1 + g % 30, now() - g * interval '1 hour' "
                "FROM generate_series(1, 90) g;"
                "INSERT INTO order_items SELECT g, 1 + g % 90, g * 2.5 "
                "FROM generate_series(1, 200) g;"
                "CREATE SCHEMA analytics"
            )
        finally:
            await conn.close()
        ids = []
        for name in ("sales-postgresql", "analytics-postgresql"):
            response = await clients.v1.post(
                "/v1/pipelines/connections", json=pg_connection_body(pg_db, name)
            )
            assert response.status_code == 201, response.text
            ids.append(response.json()["connectionId"])
        yield World(clients.http, clients.v1, clients.anon, tenancy, *ids)


def _examples() -> dict[str, tuple[str, Any]]:
    """Each ``METHOD /path`` example of the document → (method, body)."""
    return {f"{m} {p}": (m, b) for m, p, b in http_examples(seed_text(DOC))}


def _example_body(key: str) -> Any:
    return _examples()[key][1]


async def _pipeline(world: World) -> str:
    """A pipeline of the tenant that runs (PostgreSQL to PostgreSQL)."""
    if not world.pipeline:
        response = await world.v1.post(
            "/v1/pipelines",
            json={
                "name": f"sales_sync_{uuid.uuid4().hex[:6]}",
                "definition": {
                    "sources": {"customers": {"connection": world.source, "table": "customers"}},
                    "sinks": {
                        "copy": {
                            "connection": world.target,
                            "table": "analytics.customers",
                            "mode": "replace",
                        }
                    },
                },
            },
        )
        assert response.status_code == 201, response.text
        world.pipeline = response.json()["pipelineId"]
    return world.pipeline


def test_every_request_example_is_covered():
    covered = {
        "POST /auth/login",
        "POST /pipelines:generate",
        "POST /pipelines/{pipeline_id}:deploy",
        "POST /pipelines/{pipeline_id}:run",
        "GET /pipelines/{pipeline_id}/status",
        "GET /connectors",
        "POST /connectors-ai/configure",
        "POST /data/profile",
        "GET /data/preview",
        "POST /nl-query",
        "POST /storage/recommend",
        "GET /observability/metrics",
        "GET /pipelines?page=2&per_page=50",
        "POST /webhooks",
    }
    assert set(_examples()) <= covered, set(_examples()) - covered


# --- Authentication ------------------------------------------------------------------------------


async def test_login_and_use_the_token(world):
    member = world.tenancy.members["viewer"]
    body = {**_example_body("POST /auth/login"), "email": member.email, "password": auth.PASSWORD}
    response = await world.anon.post(f"{BASE}/auth/login", json=body)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert isinstance(tokens["access_token"], str) and isinstance(tokens["refresh_token"], str)
    assert tokens["token_type"] == "bearer" and isinstance(tokens["expires_in"], int)
    listed = await world.anon.get(
        f"{BASE}/connectors", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert listed.status_code == 200, listed.text


# --- Pipelines -----------------------------------------------------------------------------------


async def test_generate_from_a_description(world):
    response = await world.http.post(
        f"{BASE}/pipelines:generate", json=_example_body("POST /pipelines:generate")
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    for key in ("pipeline_id", "name", "description", "code"):
        assert isinstance(answer[key], str) and answer[key], key
    assert isinstance(answer["dag_definition"], dict)
    # The tenant has two PostgreSQL connections and no ClickHouse one: the service chooses them
    # (a deviation kept on purpose: a chosen connection is a version to review, never a refusal)
    assert answer["validation"]["status"] in ("passed", "failed", "needs_review")
    if answer["validation"]["status"] == "needs_review":
        said = str(answer["validation"]) + str(answer.get("unresolved"))
        assert "sales-postgresql" in said and "clickhouse" in said.lower(), said
    assert isinstance(answer["validation"]["warnings"], list)


async def _post_example(world: World, action: str) -> httpx.Response:
    """``POST /pipelines/{pipeline_id}:<action>`` with the document's body, on a pipeline."""
    pipeline_id = await _pipeline(world)
    return await world.http.post(
        f"{BASE}/pipelines/{pipeline_id}:{action}",
        json=_example_body(f"POST /pipelines/{{pipeline_id}}:{action}"),
    )


async def test_deploy_to_production_waits_for_an_approval_given_here(world):
    pipeline_id = await _pipeline(world)
    response = await _post_example(world, "deploy")
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["status"] == "pending_approval"
    links = answer["details"]["approval"]
    approve = urlsplit(links["approve_url"]).path
    assert approve.startswith(f"{BASE}/approvals/") and approve.endswith(":approve")

    listing = "?".join(urlsplit(links["approvals_url"])[2:4])

    async def approvals() -> list[dict]:
        return (await world.http.get(listing)).json()["approvals"]

    # The workflow records its request as it starts waiting.
    (request,) = await poll(approvals, bool, within=30)
    assert request["status"] == "pending" and request["kind"] == "deployment"
    assert request["pipeline_id"] == pipeline_id
    everything = (await world.http.get(f"{BASE}/approvals")).json()
    assert request["request_id"] in [a["request_id"] for a in everything["approvals"]]

    viewer = {"Authorization": f"Bearer {world.tenancy.token('viewer')}"}
    refused = await world.anon.post(approve, headers=viewer)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "PERMISSION_DENIED"

    decided = await world.http.post(approve, json={"reason": "release 42"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    again = await world.http.post(approve)
    assert again.status_code == 409, again.text

    async def pipeline() -> dict:
        return (await world.http.get(f"{BASE}/pipelines/{pipeline_id}")).json()

    got = await poll(pipeline, lambda p: p["status"] == "deployed", within=30)
    assert got["schedule"] == "0 2 * * *"


async def test_execute_and_status(world):
    pipeline_id = await _pipeline(world)
    response = await _post_example(world, "run")
    assert response.status_code == 202, response.text
    assert isinstance(response.json()["run_id"], str)

    async def status() -> dict:
        response = await world.http.get(f"{BASE}/pipelines/{pipeline_id}/status")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["pipeline_id"] == pipeline_id
        fields = {"status", "current_task", "progress", "started_at", "estimated_completion"}
        assert fields <= set(body) and isinstance(body["progress"], int)
        return body

    body = await poll(status, lambda b: b["status"] in ("success", "failed", "cancelled"))
    assert body["status"] == "success", body
    assert ISO.match(body["started_at"])

    metrics = (await world.http.get(f"{BASE}/observability/metrics")).json()
    assert metrics["aggregates"]["count"] >= 1
    assert 0 < metrics["aggregates"]["success_rate"] <= 1
    for point in metrics["metrics"]:
        assert ISO.match(point["timestamp"]) and isinstance(point["value"], int | float)
        assert {"pipeline", "status"} <= set(point["labels"])


async def test_list_pipelines_pagination(world):
    await _pipeline(world)
    response = await world.http.get(f"{BASE}/pipelines?page=2&per_page=50")
    assert response.status_code == 200, response.text
    assert response.headers["X-Page"] == "2" and response.headers["X-Per-Page"] == "50"
    assert response.headers["X-Total-Count"].isdigit()
    assert "Link" in response.headers or int(response.headers["X-Total-Count"]) <= 50


# --- Connectors, data, AI services ---------------------------------------------------------------


async def test_connectors(world):
    response = await world.http.get(f"{BASE}/connectors")
    assert response.status_code == 200, response.text

    body = _example_body("POST /connectors-ai/configure")
    response = await world.http.post(f"{BASE}/connectors-ai/configure", json=body)
    assert response.status_code in (200, 201), response.text
    answer = response.json()
    assert isinstance(answer["connector_id"], str) and answer["type"] == "postgresql"
    configuration = answer["configuration"]
    assert configuration["host"] == "db.company.com" and configuration["port"] == 5432
    assert configuration["database"] == "analytics" and configuration["schema"] == "public"
    assert isinstance(configuration["ssl_mode"], str)
    assert isinstance(answer["test_status"], str)  # db.company.com is not reachable from here


async def test_profile_and_preview(world):
    body = {**_example_body("POST /data/profile"), "source": world.source}
    response = await world.http.post(f"{BASE}/data/profile", json=body)
    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["row_count"] == 30
    by_name = {c["name"]: c for c in profile["columns"]}
    assert by_name["id"]["nullable"] is False and by_name["id"]["unique"] is True
    assert by_name["email"]["type"].startswith("varchar") or "char" in by_name["email"]["type"]
    for column in profile["columns"]:
        assert {"name", "type", "nullable", "unique"} <= set(column)
    statistics = profile["statistics"]
    for key in ("null_percentage", "duplicate_percentage", "size_mb"):
        assert isinstance(statistics[key], int | float), key
    assert {"partitioning", "indexing"} <= set(profile["recommendations"])

    preview = await world.http.get(
        f"{BASE}/data/preview", params={"source": world.source, "table": "customers", "limit": 100}
    )
    assert preview.status_code == 200, preview.text


async def test_nl_query(world):
    response = await world.http.post(f"{BASE}/nl-query", json=_example_body("POST /nl-query"))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert "SELECT" in answer["sql"].upper() and isinstance(answer["explanation"], str)
    assert answer["estimated_rows"] is None or isinstance(answer["estimated_rows"], int)
    assert "estimated_time_ms" in answer


async def test_storage_recommendations(world):
    response = await world.http.post(
        f"{BASE}/storage/recommend", json=_example_body("POST /storage/recommend")
    )
    assert response.status_code == 200, response.text
    assert isinstance(response.json(), dict) and response.json()


# --- Monitoring ----------------------------------------------------------------------------------


async def test_metrics_of_a_window_without_runs_are_numbers(world):
    response = await world.http.get(
        f"{BASE}/observability/metrics",
        params={
            "start": "2024-01-26T00:00:00Z",
            "end": "2024-01-26T23:59:59Z",
            "metric": "pipeline_executions",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["metrics"] == []
    aggregates = body["aggregates"]
    assert aggregates["total"] == 0 and aggregates["count"] == 0
    assert aggregates["success_rate"] == 0 and aggregates["avg_duration_seconds"] == 0
    for value in aggregates.values():
        assert isinstance(value, int | float), aggregates


# --- Webhooks ------------------------------------------------------------------------------------


async def test_configure_webhook(world):
    body = {**_example_body("POST /webhooks"), "url": "http://127.0.0.1:9/webhook"}
    response = await world.http.post(f"{BASE}/webhooks", json=body)
    assert response.status_code in (200, 201), response.text
    answer = response.json()
    assert answer["url"] == body["url"] and answer["events"] == body["events"]
    assert "webhook_secret_key" not in response.text


# --- Error handling ------------------------------------------------------------------------------


def _assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    assert error["request_id"] == response.headers["X-Request-ID"]
    return error


async def test_error_codes(world):
    _assert_error(await world.anon.get(f"{BASE}/connectors"), 401, "AUTHENTICATION_REQUIRED")
    _assert_error(
        await world.http.post(
            f"{BASE}/data/profile", json={"source": f"conn-{uuid.uuid4().hex}", "table": "x"}
        ),
        404,
        "RESOURCE_NOT_FOUND",
    )
    error = _assert_error(
        await world.http.post(f"{BASE}/data/profile", json={"table": "customers"}),
        400,
        "VALIDATION_ERROR",
    )
    assert error["details"][0]["loc"] == ["body", "source"]
    viewer = {"Authorization": f"Bearer {world.tenancy.token('viewer')}"}
    _assert_error(
        await world.anon.post(f"{BASE}/webhooks", json={"url": "x"}, headers=viewer),
        403,
        "PERMISSION_DENIED",
    )


async def test_rate_limit_headers(world):
    response = await world.http.get(f"{BASE}/connectors")
    for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert response.headers[header].isdigit(), header
