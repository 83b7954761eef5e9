"""HTTP JSON APIs as a source: a resource's records, page by page, as Arrow batches."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from connectors.base import ConnectionSettings, ConnectionTestResult, TableInfo
from connectors.http import client
from connectors.http.config import HttpConfig, check_base_url


class HttpConnector:
    type = "http"
    dialect = client.DIALECT  # a source query runs in DuckDB over the records
    network = True
    default_port = None
    default_schema: str | None = None
    stoppable = True  # read takes the step's stop signal: a cancel ends a Retry-After wait
    options = [
        "host (the base URL, e.g. https://api.example.com/v1)",
        "password or credentialSecretRef (the token, sent in properties.auth_header)",
        "properties: headers, auth_header, auth_scheme, record_path, pagination "
        "(none|page|offset|cursor|link), page_param, start_page, offset_param, limit_param, "
        "page_size, cursor_param, next_cursor_path, max_pages, params, test_path, resources",
    ]

    def config(self, settings: ConnectionSettings) -> HttpConfig:
        return HttpConfig.from_settings(settings)

    async def test_connection(self, config: HttpConfig) -> ConnectionTestResult:
        return await client.run(client.test_sync, config)

    async def introspect(self, config: HttpConfig) -> list[TableInfo]:
        return await client.run(client.introspect_sync, config)

    async def table_exists(self, config: HttpConfig, schema: str | None, name: str) -> bool:
        path = "/".join(p for p in (schema, name) if p)
        return await client.run(client.exists_sync, config, path)

    async def describe(self, config: HttpConfig, query: str) -> pa.Schema:
        return await client.run(client.describe_sync, config, query)

    async def min_max(self, config: HttpConfig, query: str, column: str) -> tuple[Any, Any]:
        return await client.run(client.min_max_sync, config, query, column)

    def read(
        self,
        config: HttpConfig,
        query: str,
        schema: pa.Schema,
        batch_rows: int,
        stop: threading.Event | None = None,
    ) -> Iterator[pa.RecordBatch]:
        return client.read(config, query, schema, batch_rows, stop)


CONNECTOR = HttpConnector()

__all__ = ["CONNECTOR", "HttpConfig", "HttpConnector", "check_base_url"]
