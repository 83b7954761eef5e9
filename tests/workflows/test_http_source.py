"""An HTTP JSON API as a pipeline source, through the API and the real Temporal dev server."""

from __future__ import annotations

import json

import pytest

from tests.http_api import TOKEN, Api, orders, serve
from tests.pipelines import create_connection, create_pipeline, run_to_end, unique_name
from tests.sources import register


@pytest.fixture
def server():
    with serve(Api(orders(25))) as api:
        yield api


async def _http(api, server: Api, **properties) -> str:
    body = {
        "name": unique_name("rest"),
        "type": "http",
        "host": server.url,
        "password": TOKEN,
        "properties": {"auth_header": "X-Api-Key", **properties},
    }
    return await register(api, body)


async def test_paged_api_records_load_into_postgres(api, server, target, target_db):
    src = await _http(api, server, pagination="cursor", next_cursor_path="meta.next")
    dst = await create_connection(api, target_db, unique_name("dst"))
    table = unique_name("orders")
    pipeline = await create_pipeline(
        api,
        unique_name("rest"),
        {
            "sources": {"orders": {"connection": src, "table": "cursor"}},
            "sinks": {
                "wh": {"connection": dst, "table": f"wh.{table}", "mode": "merge", "keys": ["id"]}
            },
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    assert run["metrics"]["rowsLoaded"] == 25
    row = await target.fetchrow(f"SELECT * FROM wh.{table} WHERE id = 15")
    assert (row["customer"], row["amount"], row["paid"], row["note"]) == (
        "c3",
        22.5,
        False,
        "note 15",
    )
    assert json.loads(row["address"]) == {"city": "city15", "zip": "10015"}
    types = dict(
        await target.fetch(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'wh' AND table_name = $1",
            table,
        )
    )
    assert types["id"] == "bigint" and types["address"] == "text"
    assert all(h.get("X-Api-Key") == TOKEN for _, h in server.requests)
    logs = (await api.get(f"/v1/pipelines/executions/{run['executionId']}/logs")).text
    assert TOKEN not in logs and TOKEN not in json.dumps(run)


async def test_a_source_query_filters_the_records(api, server, target, target_db):
    server.rate_limited = 1  # a 429 on the way: waited out, not a failure
    src = await _http(api, server)
    dst = await create_connection(api, target_db, unique_name("dst"))
    table = unique_name("paid")
    pipeline = await create_pipeline(
        api,
        unique_name("rest-q"),
        {
            "sources": {
                "orders": {"connection": src, "query": "SELECT id, amount FROM limited WHERE paid"}
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}"}},
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    assert await target.fetchval(f"SELECT sum(id) FROM wh.{table}") == sum(range(2, 26, 2))


async def test_a_missing_resource_fails_the_run_without_retrying(api, server, target_db):
    src = await _http(api, server)
    dst = await create_connection(api, target_db, unique_name("dst"))
    pipeline = await create_pipeline(
        api,
        unique_name("rest-404"),
        {
            "sources": {"rows": {"connection": src, "table": "plain"}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{unique_name('gone')}"}},
        },
    )
    server.gone.add("plain")
    run = await run_to_end(api, pipeline)
    assert run["status"] == "FAILED", run
    assert "HTTP 404" in run["error"] and "/v1/plain" in run["error"], run["error"]
    extract = next(t for t in run["tasks"] if t["name"] == "extract_rows")
    assert extract["attempt"] == 1
