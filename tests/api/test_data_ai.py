"""Seed 001's data profile and preview, storage recommendations and connectors-ai/configure,
on real PostgreSQL and MariaDB."""

from __future__ import annotations

import uuid

import pytest

from tests.api import data_ai_fixtures
from tests.api.test_errors import assert_error
from tests.replay.recording import record
from tests.services import MYSQL_HOST, MYSQL_PORT, PG_HOST, PG_PORT, PG_USER
from workflows.data_payloads import ProfileInput
from workflows.data_profile import DataProfileWorkflow

pytestmark = pytest.mark.postgres
shop_api, shop = data_ai_fixtures.shop_api, data_ai_fixtures.shop  # fixtures


async def test_profile_postgres_table(shop_api, shop):
    response = await shop_api.post(
        "/api/v1/data/profile", json={"source": shop.pg, "table": "orders", "sample_size": 1000}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["row_count"] == 310 and body["row_count_exact"] is True
    columns = {c["name"]: c for c in body["columns"]}
    assert list(columns) == ["id", "customer_id", "amount", "status", "created_at"]
    assert columns["id"]["type"] == "bigint"
    assert columns["id"]["nullable"] is False and columns["id"]["unique"] is True
    assert columns["amount"]["type"] == "numeric(12,2)"
    assert columns["status"]["unique"] is False and columns["status"]["distinct_count"] == 4
    stats = body["statistics"]
    assert stats["sample_rows"] == 310
    assert stats["duplicate_percentage"] == 0  # ids differ: no whole-row duplicates
    assert stats["size_mb"] > 0
    recs = body["recommendations"]
    assert recs["partitioning"] == "none"  # 310 rows
    assert recs["incremental_cursor"] == "created_at"
    assert "customer_id" in recs["indexing"]  # a join key without an index
    assert recs["reasons"]

    customers = (
        await shop_api.post(
            "/api/v1/data/profile", json={"source": shop.pg, "table": "public.customers"}
        )
    ).json()
    email = next(c for c in customers["columns"] if c["name"] == "email")
    assert email["unique"] is True and email["indexed"] is True  # its UNIQUE constraint
    assert email["null_percentage"] == 20.0  # every fifth is NULL
    assert "email" not in customers["recommendations"]["indexing"]


async def test_profile_mariadb_table_with_sample(shop_api, shop):
    response = await shop_api.post(
        "/api/v1/data/profile", json={"source": shop.mysql, "table": "sales", "sample_size": 100}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["row_count"] == 250
    assert body["statistics"]["sample_rows"] == 100
    columns = {c["name"]: c for c in body["columns"]}
    assert columns["id"]["type"] == "bigint(20)" or columns["id"]["type"] == "bigint"
    assert columns["id"]["unique"] is True and columns["id"]["nullable"] is False
    assert columns["amount"]["null_percentage"] == 10.0
    assert columns["product_id"]["indexed"] is True
    assert body["recommendations"]["incremental_cursor"] == "sold_at"
    assert "product_id" not in body["recommendations"]["indexing"]


async def test_profile_errors(shop_api, shop):
    missing = await shop_api.post(
        "/api/v1/data/profile", json={"source": f"nope-{uuid.uuid4().hex}", "table": "orders"}
    )
    assert_error(missing, 404, "RESOURCE_NOT_FOUND")  # the AI-ETL platform API's code
    for source in (shop.pg, shop.mysql):
        response = await shop_api.post(
            "/api/v1/data/profile", json={"source": source, "table": "no_such_table"}
        )
        body = assert_error(response, 422, "TABLE_NOT_FOUND")
        assert "no_such_table" in body["error"]["message"]
        assert body["detail"][0]["loc"] == ["body", "table"]
    bad = await shop_api.post(
        "/api/v1/data/profile", json={"source": shop.pg, "table": "orders", "sample_size": 0}
    )
    assert_error(bad, 400, "VALIDATION_ERROR")
    hostile = await shop_api.post(
        "/api/v1/data/profile",
        json={"source": shop.pg, "table": 'orders"; DROP TABLE orders; --'},
    )
    assert hostile.status_code == 422, hostile.text
    still = await shop_api.get(
        "/api/v1/data/preview", params={"source": shop.pg, "table": "orders", "limit": 1}
    )
    assert still.status_code == 200


async def test_preview_both_databases(shop_api, shop):
    response = await shop_api.get(
        "/api/v1/data/preview", params={"source": shop.pg, "table": "orders", "limit": 5}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["row_count"] == 5 and len(body["rows"]) == 5
    assert [c["name"] for c in body["columns"]][:3] == ["id", "customer_id", "amount"]
    first = body["rows"][0]
    assert isinstance(first["amount"], str)  # decimals stay exact
    assert "T" in first["created_at"]

    mysql = await shop_api.get(
        "/api/v1/data/preview", params={"source": shop.mysql, "table": "products", "limit": 3}
    )
    assert mysql.status_code == 200, mysql.text
    rows = mysql.json()["rows"]
    assert [r["id"] for r in rows] == [1, 2, 3] and rows[0]["name"] == "product 1"

    missing = await shop_api.get(
        "/api/v1/data/preview", params={"source": shop.mysql, "table": "ghosts"}
    )
    assert_error(missing, 422, "TABLE_NOT_FOUND")
    too_many = await shop_api.get(
        "/api/v1/data/preview", params={"source": shop.pg, "table": "orders", "limit": 5000}
    )
    assert_error(too_many, 400, "VALIDATION_ERROR")


async def test_storage_recommend(shop_api):
    seed = {
        "data_profile": {
            "size_gb": 100,
            "growth_rate": "10GB/month",
            "access_pattern": "write_heavy",
            "query_types": ["analytical", "time_series"],
        }
    }
    response = await shop_api.post("/api/v1/storage/recommend", json=seed)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["storage_engine"] == "clickhouse"
    assert body["partitioning"]["strategy"] == "by_month"
    assert body["retention"]["delete_after_days"] == 3 * 365  # time series
    assert body["projected_size_gb_12_months"] == 220.0
    assert len(body["reasons"]) >= 3

    small = await shop_api.post(
        "/api/v1/storage/recommend",
        json={"data_profile": {"size_mb": 450, "query_types": ["transactional"]}},
    )
    assert small.json()["storage_engine"] == "postgresql"
    assert small.json()["partitioning"]["strategy"] == "none"

    bad = await shop_api.post(
        "/api/v1/storage/recommend",
        json={"data_profile": {"size_gb": 1, "growth_rate": "lots"}},
    )
    body = assert_error(bad, 400, "VALIDATION_ERROR")
    assert body["detail"][0]["loc"][-1] == "growth_rate"
    missing = await shop_api.post("/api/v1/storage/recommend", json={"data_profile": {}})
    assert_error(missing, 400, "VALIDATION_ERROR")


async def test_configure_connector_and_test_it(shop_api, shop):
    secret = "pw-" + uuid.uuid4().hex
    response = await shop_api.post(
        "/api/v1/connectors-ai/configure",
        json={
            "description": "Connect to our PostgreSQL database",
            "type": "source",
            "hints": {
                "host": PG_HOST,
                "port": PG_PORT,
                "database": shop.pg_db,
                "username": PG_USER,
                "password": secret,
            },
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert secret not in response.text
    assert body["type"] == "postgresql" and body["test_status"] == "success"
    assert body["configuration"]["port"] == PG_PORT
    assert body["configuration"]["schema"] == "public"
    assert body["configuration"]["ssl_mode"] == "prefer"  # local database
    assert body["test"]["version"].startswith("PostgreSQL")
    # The new connection is usable right away.
    preview = await shop_api.get(
        "/api/v1/data/preview",
        params={"source": body["connector_id"], "table": "customers", "limit": 1},
    )
    assert preview.status_code == 200, preview.text

    mariadb = await shop_api.post(
        "/api/v1/connectors-ai/configure",
        json={
            "description": f"MariaDB shop database {shop.mysql_db} on {MYSQL_HOST} as root",
            "hints": {"database": shop.mysql_db},
        },
    )
    assert mariadb.status_code == 201, mariadb.text
    assert mariadb.json()["type"] == "mariadb"
    assert mariadb.json()["configuration"]["port"] == MYSQL_PORT
    assert mariadb.json()["test_status"] == "success"

    seed = await shop_api.post(
        "/api/v1/connectors-ai/configure",
        json={
            "description": "Connect to our production PostgreSQL database",
            "type": "source",
            "hints": {"host": "db.company.invalid", "database": "analytics"},
        },
    )
    assert seed.status_code == 201, seed.text
    assert seed.json()["configuration"]["ssl_mode"] == "require"
    assert seed.json()["test_status"] == "failed" and seed.json()["test"]["error"]

    vague = await shop_api.post(
        "/api/v1/connectors-ai/configure", json={"description": "connect to the thing"}
    )
    body = assert_error(vague, 400, "VALIDATION_ERROR")
    assert body["detail"][0]["loc"] == ["body", "description"]


async def test_profile_workflow(client, settings, shop):
    """The workflow on its own; its runs are the recorded replay histories."""
    for table, name in (("orders", "data_profile_completed"), ("ghosts", "data_profile_no_table")):
        handle = await client.start_workflow(
            DataProfileWorkflow.run,
            ProfileInput("default", shop.pg, table, 50),
            id=f"default/profile/test-{uuid.uuid4().hex}",
            task_queue=settings.temporal.task_queue,
        )
        result = await handle.result()
        assert (result.profile is None) == (table == "ghosts")
        await record(handle, name)
