"""SQLite: a database file, read-only, with the standard library's sqlite3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from connectors.base import ConnectionSettings, ConnectionTestResult, TableInfo
from connectors.sqlite import client
from connectors.sqlite.config import SQLiteConfig


class SQLiteConnector:
    type = "sqlite"
    dialect = "sqlite"
    network = False
    default_port = None
    default_schema: str | None = "main"

    def config(self, settings: ConnectionSettings) -> SQLiteConfig:
        return SQLiteConfig.from_settings(settings)

    async def test_connection(self, config: SQLiteConfig) -> ConnectionTestResult:
        return await client.test_connection(config)

    async def introspect(self, config: SQLiteConfig) -> list[TableInfo]:
        return await client.introspect(config)

    async def table_exists(self, config: SQLiteConfig, schema: str | None, name: str) -> bool:
        return await client.table_exists(config, schema, name)

    async def describe(self, config: SQLiteConfig, query: str) -> pa.Schema:
        return await client.describe(config, query)

    async def min_max(self, config: SQLiteConfig, query: str, column: str) -> tuple[Any, Any]:
        return await client.min_max(config, query, column)

    def read(
        self, config: SQLiteConfig, query: str, schema: pa.Schema, batch_rows: int
    ) -> Iterator[pa.RecordBatch]:
        return client.read(config, query, schema, batch_rows)


CONNECTOR = SQLiteConnector()

__all__ = ["CONNECTOR", "SQLiteConfig", "SQLiteConnector"]
