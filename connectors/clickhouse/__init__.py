"""ClickHouse: a target only, through clickhouse-connect (HTTP interface).

Rows arrive from the run's DuckDB staging (``target.py``); the table is made from their Arrow
schema and the sink's ``options`` (``engine``, ``order_by``, ``partition_by``, see ``ddl.py``).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from connectors.base import (
    ConnectionSettings,
    ConnectionTestResult,
    TableInfo,
    elapsed_ms,
    group_columns,
)
from connectors.clickhouse.config import DEFAULT_PORT, ClickHouseConfig
from connectors.clickhouse.ddl import quote_literal

_USER_TABLES = "database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')"


class ClickHouseConnector:
    type = "clickhouse"
    dialect = "clickhouse"
    network = True
    default_port: int | None = DEFAULT_PORT
    default_schema: str | None = None  # the connection's database
    source = False  # loaded into only
    options = [
        "host",
        "port (8123, the HTTP interface; 8443 with properties.secure)",
        "database",
        "username",
        "password",
        "sink options: engine (MergeTree family), order_by, partition_by",
    ]

    def config(self, settings: ConnectionSettings) -> ClickHouseConfig:
        return ClickHouseConfig.from_settings(settings)

    async def test_connection(self, config: ClickHouseConfig) -> ConnectionTestResult:
        started = time.perf_counter()

        def probe() -> ConnectionTestResult:
            from connectors.clickhouse.target import HttpExecutor

            executor = HttpExecutor(config)
            try:
                ((version,),) = executor.rows("SELECT version()")
                latency = elapsed_ms(started)
                databases = _USER_TABLES.replace("database", "name")
                listed = executor.rows(f"SELECT name FROM system.databases WHERE {databases}")
                schemas = sorted(r[0] for r in listed)
                ((tables,),) = executor.rows(
                    f"SELECT count() FROM system.tables WHERE {_USER_TABLES}"
                )
            finally:
                executor.close()
            return ConnectionTestResult(
                connected=True,
                latency_ms=latency,
                version=f"ClickHouse {version}",
                schemas=schemas,
                tables=int(tables),
            )

        try:
            return await asyncio.to_thread(probe)
        except Exception as exc:
            from connectors.clickhouse.target import classify

            return ConnectionTestResult.failed(started, str(classify(exc)))

    async def introspect(self, config: ClickHouseConfig) -> list[TableInfo]:
        def work() -> list[TableInfo]:
            from connectors.clickhouse.target import HttpExecutor

            executor = HttpExecutor(config)
            try:
                rows = executor.rows(
                    "SELECT database, table, name, type, startsWith(type, 'Nullable(') "
                    f"FROM system.columns WHERE {_USER_TABLES} ORDER BY database, table, position"
                )
            finally:
                executor.close()
            return group_columns(rows)

        return await asyncio.to_thread(work)

    async def table_exists(self, config: ClickHouseConfig, schema: str | None, name: str) -> bool:
        def work() -> bool:
            from connectors.clickhouse.target import HttpExecutor

            executor = HttpExecutor(config)
            try:
                return bool(
                    executor.rows(
                        "SELECT 1 FROM system.tables WHERE "
                        f"database = {quote_literal(schema or config.database)} "
                        f"AND name = {quote_literal(name)}"
                    )
                )
            finally:
                executor.close()

        return await asyncio.to_thread(work)


CONNECTOR: Any = ClickHouseConnector()

__all__ = ["CONNECTOR", "ClickHouseConfig", "ClickHouseConnector"]
