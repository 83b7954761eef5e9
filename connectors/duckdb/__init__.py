"""DuckDB: a database file, read-only, read with DuckDB's Arrow export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from connectors.base import ConnectionSettings, ConnectionTestResult, TableInfo
from connectors.duckdb import client
from connectors.duckdb.config import DuckDBConfig


class DuckDBConnector:
    type = "duckdb"
    dialect = "duckdb"
    network = False
    default_port = None
    default_schema: str | None = "main"

    def config(self, settings: ConnectionSettings) -> DuckDBConfig:
        return DuckDBConfig.from_settings(settings)

    async def test_connection(self, config: DuckDBConfig) -> ConnectionTestResult:
        return await client.test_connection(config)

    async def introspect(self, config: DuckDBConfig) -> list[TableInfo]:
        return await client.introspect(config)

    async def table_exists(self, config: DuckDBConfig, schema: str | None, name: str) -> bool:
        return await client.table_exists(config, schema, name)

    async def describe(self, config: DuckDBConfig, query: str) -> pa.Schema:
        return await client.describe(config, query)

    async def min_max(self, config: DuckDBConfig, query: str, column: str) -> tuple[Any, Any]:
        return await client.min_max(config, query, column)

    def read(
        self, config: DuckDBConfig, query: str, schema: pa.Schema, batch_rows: int
    ) -> Iterator[pa.RecordBatch]:
        return client.read(config, query, schema, batch_rows)


CONNECTOR = DuckDBConnector()

__all__ = ["CONNECTOR", "DuckDBConfig", "DuckDBConnector"]
