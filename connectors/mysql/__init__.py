"""MySQL and MariaDB: asyncmy for tests, introspection and metadata, connectorx for rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from connectors.base import ConnectionSettings, ConnectionTestResult, TableInfo
from connectors.mysql import client, read
from connectors.mysql.config import DEFAULT_PORT, MySQLConfig


class MySQLConnector:
    type = "mysql"
    dialect = "mysql"
    network = True
    default_port = DEFAULT_PORT
    default_schema: str | None = None  # an unqualified table is in the connection's database

    def config(self, settings: ConnectionSettings) -> MySQLConfig:
        return MySQLConfig.from_settings(settings)

    async def test_connection(self, config: MySQLConfig) -> ConnectionTestResult:
        return await client.test_connection(config)

    async def introspect(self, config: MySQLConfig) -> list[TableInfo]:
        return await client.introspect(config)

    async def table_exists(self, config: MySQLConfig, schema: str | None, name: str) -> bool:
        return await client.table_exists(config, schema, name)

    async def describe(self, config: MySQLConfig, query: str) -> pa.Schema:
        return await client.describe(config, query)

    async def min_max(self, config: MySQLConfig, query: str, column: str) -> tuple[Any, Any]:
        return await client.min_max(config, query, column)

    def read(
        self, config: MySQLConfig, query: str, schema: pa.Schema, batch_rows: int
    ) -> Iterator[pa.RecordBatch]:
        return read.read(config, query, schema, batch_rows)


CONNECTOR = MySQLConnector()

__all__ = ["CONNECTOR", "MySQLConfig", "MySQLConnector"]
