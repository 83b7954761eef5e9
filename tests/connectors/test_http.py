"""HTTP JSON APIs as a source, against a loopback server: pagination styles, record paths,
auth header, 429 + Retry-After, errors, the connection test, and Arrow types."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pyarrow as pa
import pytest

from connectors.base import ConnectionSettings, TerminalError
from connectors.http.transport import retry_after_seconds
from connectors.registry import arrow_source, connector_for
from tests.http_api import TOKEN, Api, orders, serve
from tests.sources import URL, register

HTTP = connector_for("http")


@pytest.fixture
def server():
    with serve(Api(orders(25))) as api:
        yield api


def _config(api: Api, password: str | None = None, **properties):
    return HTTP.config(
        ConnectionSettings(api.url, None, "", password=password, properties=properties)
    )


async def _read(
    config, table: str, batch_rows: int = 1000
) -> tuple[pa.Schema, list[pa.RecordBatch]]:
    query = f'SELECT * FROM "{table}"'
    schema = await HTTP.describe(config, query)
    return schema, list(HTTP.read(config, query, schema, batch_rows))


def _ids(batches: list[pa.RecordBatch]) -> list[int]:
    return [i for b in batches for i in b.column("id").to_pylist()]


@pytest.mark.parametrize(
    ("table", "properties", "pages"),
    [
        ("plain", {}, 1),
        ("page", {"pagination": "page"}, 3),
        ("offset", {"pagination": "offset", "page_size": 10}, 3),
        ("cursor", {"pagination": "cursor", "next_cursor_path": "meta.next"}, 3),
        ("link", {"pagination": "link"}, 3),
        ("nested", {"record_path": "payload.rows"}, 1),
    ],
)
async def test_every_pagination_style_reads_every_record_once(server, table, properties, pages):
    _, batches = await _read(_config(server, **properties), table)
    assert _ids(batches) == list(range(1, 26))
    assert len(batches) == pages  # one batch per page: memory bounded by the page
    # describe + pages (+ the empty page after the last: asked for, or asked ahead)
    assert len(server.requests) == 1 + pages + (table in ("page", "offset"))


async def test_page_pagination_stops_on_an_empty_page(server):
    await _read(_config(server, pagination="page", page_param="page"), "page")
    assert [p for p, _ in server.requests][-1] == "/v1/page?page=4"


async def test_offset_and_cursor_send_their_parameters(server):
    await _read(_config(server, pagination="offset", page_size=10), "offset")
    assert "/v1/offset?offset=20&limit=10" in [p for p, _ in server.requests]
    server.requests.clear()
    await _read(_config(server, pagination="cursor", next_cursor_path="meta.next"), "cursor")
    assert [p for p, _ in server.requests][-2:] == ["/v1/cursor?cursor=10", "/v1/cursor?cursor=20"]


async def test_offset_pages_longer_than_asked_for_are_read_once_each():
    """Pages are asked for ahead at the offsets page_size gives; an API that answers more
    records than that sets the next offset by what it answered, as one page at a time does."""

    class Longer(Api):
        def answer(self, path: str, query: dict[str, str], port: int) -> tuple[int, dict, Any]:
            return super().answer(path, {**query, "limit": "10"}, port)

    with serve(Longer(orders(25))) as api:
        _, batches = await _read(_config(api, pagination="offset", page_size=4), "offset")
    assert _ids(batches) == list(range(1, 26))
    assert [len(b) for b in batches] == [10, 10, 5]


async def test_max_pages_caps_the_read(server):
    _, batches = await _read(_config(server, pagination="page", max_pages=2), "page")
    assert _ids(batches) == list(range(1, 21))


async def test_types_nested_values_become_json_text(server):
    schema, batches = await _read(_config(server), "plain", batch_rows=7)
    assert [b.num_rows for b in batches] == [7, 7, 7, 4]
    assert schema == pa.schema(
        [
            ("id", pa.int64()),
            ("customer", pa.string()),
            ("amount", pa.float64()),
            ("paid", pa.bool_()),
            ("address", pa.string()),
            ("tags", pa.string()),
            ("note", pa.string()),
        ]
    )
    row = pa.Table.from_batches(batches).slice(2, 1).to_pylist()[0]
    assert json.loads(row["address"]) == {"city": "city3", "zip": "10003"}
    assert json.loads(row["tags"]) == ["a", "b"]


async def test_later_pages_are_cast_to_the_first_pages_schema():
    records = [{"id": i, "v": None} for i in range(10)] + [
        {"id": 10, "v": "late", "extra": 1},
        {"id": 11, "v": {"k": 1}},
    ]
    with serve(Api(records)) as api:
        schema, batches = await _read(_config(api, pagination="page"), "page")
    assert schema.names == ["id", "v"]
    assert pa.Table.from_batches(batches).column("v").to_pylist()[-2:] == ["late", '{"k":1}']


async def test_a_page_orjson_refuses_is_read_by_the_standard_library():
    """NaN and an integer beyond 64 bits are JSON as Python writes it, not as orjson reads it."""
    records = [{"id": 1, "x": 1.5, "big": 2**70}, {"id": 2, "x": float("nan"), "big": 1}]
    with serve(Api(records)) as api:
        _, batches = await _read(_config(api), "plain")
    rows = pa.Table.from_batches(batches).to_pylist()
    assert [r["big"] for r in rows] == [str(2**70), "1"]
    assert rows[0]["x"] == 1.5 and rows[1]["x"] != rows[1]["x"]  # NaN


async def test_the_secret_goes_in_the_named_header_and_nowhere_else(server):
    config = _config(server, password=TOKEN, auth_header="X-Api-Key", headers={"X-Team": "etl"})
    assert TOKEN not in repr(config)
    _, batches = await _read(config, "secure")
    assert _ids(batches) == list(range(1, 26))
    headers = server.requests[-1][1]
    assert headers["X-Api-Key"] == TOKEN and headers["X-Team"] == "etl"
    bearer = _config(server, password="abc")
    await _read(bearer, "plain")
    assert server.requests[-1][1]["Authorization"] == "Bearer abc"
    with pytest.raises(TerminalError) as failed:
        await _read(_config(server, password="wrong", auth_header="X-Api-Key"), "secure")
    assert failed.value.error_type == "AUTHENTICATION_FAILED"
    assert "HTTP 401" in failed.value.message and "wrong" not in failed.value.message


async def test_429_with_retry_after_is_waited_out(server):
    server.rate_limited = 2
    started = time.monotonic()
    _, batches = await _read(_config(server), "limited")
    assert time.monotonic() - started >= 2
    assert _ids(batches) == list(range(1, 26))
    assert [p for p, _ in server.requests].count("/v1/limited") == 4


def test_retry_after_is_seconds_or_an_http_date():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds("3") == 3
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert retry_after_seconds("soon") is None


async def test_a_missing_resource_is_terminal_with_the_status(server):
    with pytest.raises(TerminalError) as failed:
        await _read(_config(server), "absent")
    assert failed.value.error_type == "RESOURCE_NOT_FOUND"
    assert "HTTP 404" in failed.value.message and "/v1/absent" in failed.value.message
    assert await HTTP.table_exists(_config(server), None, "absent") is False
    assert await HTTP.table_exists(_config(server), None, "plain") is True


async def test_a_query_runs_in_duckdb_over_the_records(server):
    config = _config(server, pagination="page")
    query = 'SELECT id, amount FROM "page" WHERE paid AND id > 10'
    schema = await HTTP.describe(config, query)
    assert schema.names == ["id", "amount"]
    batches = list(HTTP.read(config, query, schema, 100))
    assert _ids(batches) == list(range(12, 26, 2))
    assert await HTTP.min_max(config, 'SELECT * FROM "page"', "id") == (1, 25)


async def test_an_undetectable_record_list_is_named(server):
    with pytest.raises(TerminalError, match="record_path"):
        await _read(_config(server), "nested")


async def test_connection_test_and_validation(api, server):
    name = f"http_{uuid.uuid4().hex[:8]}"
    body = {"name": name, "type": "http", "host": server.url, "password": TOKEN}
    connection = await register(api, body)
    result = (await api.post(f"{URL}/{connection}/test")).json()
    assert result["connected"] is True and result["version"] == "TestAPI/1.0", result
    assert result["details"] == {"schemas": [], "tables": 0}
    listed = (await api.get(f"{URL}/{connection}")).text
    assert TOKEN not in listed
    bad = await api.post(URL, json={"name": name + "x", "type": "http", "host": "ftp://x"})
    assert bad.status_code == 400 and "base URL" in bad.text  # request validation on /v1
    missing = await api.post(URL, json={"name": name + "y", "type": "http"})
    assert missing.status_code == 400
    assert arrow_source("http") is HTTP
    down = _config(server, test_path="absent")
    assert (await HTTP.test_connection(down)).connected is False


async def test_the_catalog_lists_http_as_a_source_only(api):
    by_type = {c["type"]: c for c in (await api.get("/api/v1/connectors")).json()["connectors"]}
    entry = by_type["http"]
    assert (entry["source"], entry["target"], entry["network"]) == (True, False, True)
    assert any("base URL" in option for option in entry["options"])
