"""Generation says what it understood and what it did not: the documented Basic ETL example
(/work/shared/seeds/000_c6d267b943fb7fd0.txt) gives a right pipeline, a request with words the
planner cannot place is saved as needs_review, and running or deploying that version on the
AI-ETL pipelines API asks for confirmation."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests import auth
from tests.conftest import scratch_database
from tests.generation.conftest import Shop, _pg_body
from tests.generation.helpers import generate
from tests.pipelines import wait_finished
from tests.services import mysql_connect, mysql_execute, pg_dsn

SEED = next(Path("/work/shared/seeds").glob("000_*.txt"), None)
CUSTOMERS = [
    """CREATE TABLE IF NOT EXISTS customers (
        id bigint(20) PRIMARY KEY, name varchar(100) NOT NULL, country varchar(2),
        email varchar(120), created_at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))""",
    """INSERT IGNORE INTO customers (id, name, country, email)
       SELECT seq, CONCAT('customer ', seq), ELT(1 + seq % 3, 'DE', 'FR', 'US'),
              CONCAT('c', seq, '@example.com')
       FROM seq_1_to_60""",
]


def basic_etl_body(shop: Shop) -> dict:
    """The documented Basic ETL request, its connection ids replaced by this test's."""
    if SEED is not None:
        text = SEED.read_text()
        block = text[text.index("#### Basic ETL Pipeline") :]
        body = json.loads(re.search(r"-d '(\{.*?\})'", block, re.S)[1])  # type: ignore[index]
    else:  # the same body, for a checkout without the API documents
        body = {
            "project_id": "550e8400-e29b-41d4-a716-446655440000",
            "intent": "Extract customer data from MySQL and load to PostgreSQL",
            "sources": [{"type": "mysql", "connection_id": "mysql-conn-id"}],
            "targets": [
                {
                    "type": "postgresql",
                    "database": "warehouse",
                    "table": "customers",
                    "connection_id": "pg-conn-id",
                }
            ],
        }
    body["sources"][0]["connection_id"] = shop.mysql
    body["targets"][0]["connection_id"] = shop.target
    return body


async def test_basic_etl_example_loads_every_customer_into_the_named_schema(gen_api, shop: Shop):
    conn = await mysql_connect(shop.mysql_db)
    try:
        await mysql_execute(conn, *CUSTOMERS)
    finally:
        conn.close()
    response = await gen_api.post("/api/v1/pipelines/generate", json=basic_etl_body(shop))
    assert response.status_code == 200, response.text
    answer = response.json()
    transform = answer["artifacts"]["transform_sql"]
    assert "mysql" not in transform.lower() and "postgresql" not in transform.lower()
    assert answer["status"] == "generated", answer["unresolved"]
    sink = answer["dag_definition"]["sinks"]["target"]
    assert sink["table"] == "warehouse.customers"  # the request's "database", as the schema
    ddl = answer["artifacts"]["ddl_sql"]
    assert "BIGINT(" not in ddl and "(6)" not in ddl.replace("TIMESTAMPTZ(6)", "")
    validation = answer["validation"]
    assert validation["status"] == "passed" and validation["sql"] == "passed"
    assert any("PostgreSQL target" in c for c in validation["checked_on"])
    kinds = {i["kind"] for i in answer["interpretation"]}
    assert {"source", "load"} <= kinds and answer["unresolved"] == []

    run = await gen_api.post(f"/api/v1/pipelines/{answer['id']}:run", json={})
    assert run.status_code == 202, run.text
    finished = await wait_finished(gen_api, run.json()["run_id"])
    assert finished["status"] == "COMPLETED", finished
    target = await asyncpg.connect(pg_dsn(shop.target_db))
    try:
        assert await target.fetchval("SELECT count(*) FROM warehouse.customers") == 60
    finally:
        await target.execute("DROP SCHEMA IF EXISTS warehouse CASCADE")
        await target.close()


async def test_words_not_understood_save_a_version_to_review(gen_api, shop: Shop):
    answer = await generate(
        gen_api,
        shop,
        "Load paid orders whose flux capacitor reading is nominal",
        "review_me",
    )
    assert answer["status"] == "needs_review"
    assert any("flux capacitor" in u for u in answer["unresolved"]), answer["unresolved"]
    assert answer["validation"]["status"] == "needs_review"
    assert any("flux capacitor" in w for w in answer["validation"]["warnings"])
    filters = [i for i in answer["interpretation"] if i["kind"] == "filter"]
    assert any("paid" in i["sql"] for i in filters)  # what was understood is still said

    pipeline = answer["id"]
    refused = await gen_api.post(f"/api/v1/pipelines/{pipeline}:run", json={})
    assert refused.status_code == 409, refused.text
    assert "confirm" in refused.text and "flux capacitor" in refused.text
    deploy = await gen_api.post(f"/api/v1/pipelines/{pipeline}:deploy")
    assert deploy.status_code == 409 and "confirm" in deploy.text
    confirmed = await gen_api.post(f"/api/v1/pipelines/{pipeline}:run?confirm=true", json={})
    assert confirmed.status_code == 202, confirmed.text
    assert (await wait_finished(gen_api, confirmed.json()["run_id"]))["status"] == "COMPLETED"


@pytest.fixture
async def shop_tenant(app, db, settings, shop: Shop) -> AsyncIterator[httpx.AsyncClient]:
    """A tenant of its own holding the shop's database and a target, and nothing else: what
    the service chooses from does not depend on what other tests created before."""
    tenancy = await auth.make_tenancy(db, settings, f"shop-{uuid.uuid4().hex[:8]}")
    async with (
        scratch_database("warehouse") as warehouse_db,  # empty: only the shop holds orders
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://ductwork.test",
            headers=auth.headers(tenancy.admin_key, tenancy.tenant_id),
            timeout=120,
        ) as http,
    ):
        for name, database in (("shop", shop.pg_db), ("warehouse", warehouse_db)):
            body = {**_pg_body(database), "name": name}
            response = await http.post("/v1/pipelines/connections", json=body)
            assert response.status_code == 201, response.text
        yield http


async def test_platform_generate_without_connections_chooses_them_and_says_so(shop_tenant):
    """The AI-ETL platform API's documented body (/work/shared/seeds/001_5cd13bd764e36db4.txt)
    names no connections: the service chooses among the tenant's and says which."""
    body = {
        "description": "Load shipped orders from PostgreSQL to PostgreSQL daily",
        "project_id": "proj_123",
        "options": {"optimize": True, "validate": True},
    }
    response = await shop_tenant.post("/api/v1/pipelines:generate", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    chosen = [i["text"] for i in answer["interpretation"] if i["kind"] == "connection"]
    assert any("source connection" in c for c in chosen) and any("target" in c for c in chosen)
    if answer["status"] == "needs_review":  # several connections fit: the choice is to check
        assert any("chosen by the service" in u for u in answer["unresolved"])
    assert "'shipped'" in answer["dag_definition"]["transformations"][0]["sql"]
    assert answer["dag_definition"]["orchestration"]["schedule"] == "0 2 * * *"


async def test_nl_query_without_source_finds_the_connection_holding_the_tables(gen_api, shop: Shop):
    """/work/shared/seeds/001_5cd13bd764e36db4.txt: question and schema.tables, no source."""
    response = await gen_api.post(
        "/api/v1/nl-query",
        json={"question": "How many orders per status", "schema": {"tables": ["orders"]}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "read from connection" in body["explanation"], body
    assert "count" in body["sql"].lower() and "orders" in body["sql"]
