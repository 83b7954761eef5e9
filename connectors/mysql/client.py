"""Connect to MySQL/MariaDB with asyncmy: connection test, introspection, query metadata."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from connectors.base import (
    ConnectionTestResult,
    TableInfo,
    TerminalError,
    elapsed_ms,
    group_columns,
)
from connectors.mysql.config import MySQLConfig
from connectors.mysql.errors import classify
from connectors.mysql.types import ResultColumn, arrow_field

if TYPE_CHECKING:
    # asyncmy (about 10 MB resident) is imported when a MySQL connection opens, not at worker start.
    import asyncmy

SYSTEM_SCHEMAS = ("information_schema", "mysql", "performance_schema", "sys")
_NOT_SYSTEM = "NOT IN ('information_schema', 'mysql', 'performance_schema', 'sys')"
# TIMESTAMP values are instants: every session reads and compares them in UTC.
UTC_SESSION = "SET time_zone = '+00:00'"


async def connect(config: MySQLConfig) -> asyncmy.Connection:
    """Open a connection; failures come out classified (Terminal or Transient)."""
    import asyncmy

    try:
        return await asyncmy.connect(
            host=config.host,
            port=config.port,
            user=config.user,
            password=config.password or "",
            db=config.database,
            connect_timeout=config.connect_timeout_s,
            charset="utf8mb4",
            autocommit=True,
            init_command=UTC_SESSION,
        )
    except Exception as exc:
        raise classify(exc) from exc


async def fetch(config: MySQLConfig, sql: str, *args: Any) -> list[tuple]:
    conn = await connect(config)
    try:
        async with conn.cursor() as cursor:
            await cursor.execute(sql, args or None)
            return list(await cursor.fetchall())
    except Exception as exc:
        raise classify(exc) from exc
    finally:
        conn.close()


async def test_connection(config: MySQLConfig) -> ConnectionTestResult:
    started = time.perf_counter()
    try:
        conn = await connect(config)
    except Exception as exc:
        return ConnectionTestResult.failed(started, str(classify(exc)))
    try:
        async with conn.cursor() as cursor:
            await cursor.execute("SELECT VERSION()")
            (version,) = await cursor.fetchone()
            latency = elapsed_ms(started)
            await cursor.execute(
                f"SELECT schema_name FROM information_schema.schemata "
                f"WHERE schema_name {_NOT_SYSTEM} ORDER BY schema_name"
            )
            schemas = [row[0] for row in await cursor.fetchall()]
            await cursor.execute(
                f"SELECT count(*) FROM information_schema.tables WHERE table_schema {_NOT_SYSTEM}"
            )
            (tables,) = await cursor.fetchone()
    except Exception as exc:
        return ConnectionTestResult.failed(started, str(classify(exc)))
    finally:
        conn.close()
    return ConnectionTestResult(
        connected=True,
        latency_ms=latency,
        version=short_version(version),
        schemas=schemas,
        tables=int(tables),
    )


async def introspect(config: MySQLConfig) -> list[TableInfo]:
    rows = await fetch(
        config,
        "SELECT table_schema, table_name, column_name, column_type, is_nullable = 'YES' "
        f"FROM information_schema.columns WHERE table_schema {_NOT_SYSTEM} "
        "ORDER BY table_schema, table_name, ordinal_position",
    )
    return group_columns(rows)


async def table_exists(config: MySQLConfig, schema: str | None, name: str) -> bool:
    rows = await fetch(
        config,
        "SELECT 1 FROM information_schema.tables "
        "WHERE table_schema = COALESCE(%s, DATABASE()) AND table_name = %s",
        schema,
        name,
    )
    return bool(rows)


async def result_columns(config: MySQLConfig, query: str) -> list[ResultColumn]:
    """The columns ``query`` returns, from the protocol's column definitions (no rows read)."""
    conn = await connect(config)
    try:
        async with conn.cursor() as cursor:
            await cursor.execute(f"SELECT * FROM ({query}) AS _describe LIMIT 0")
            # asyncmy keeps the charset and flags (unsigned, binary) only on its result fields.
            fields = cursor._result.fields  # type: ignore[attr-defined]  # private: not in its types
            return [
                ResultColumn(f.name, f.type_code, f.flags, f.charsetnr, f.length, f.scale)
                for f in fields
            ]
    except Exception as exc:
        raise classify(exc) from exc
    finally:
        conn.close()


async def describe(config: MySQLConfig, query: str) -> pa.Schema:
    columns = await result_columns(config, query)
    try:
        return pa.schema([arrow_field(c) for c in columns])
    except ValueError as exc:
        raise TerminalError(str(exc), error_type="UNSUPPORTED_TYPE") from None


async def min_max(config: MySQLConfig, query: str, column: str) -> tuple[Any, Any]:
    name = "`" + column.replace("`", "``") + "`"
    rows = await fetch(config, f"SELECT MIN({name}), MAX({name}) FROM ({query}) AS _s")
    return rows[0][0], rows[0][1]


def short_version(version: str) -> str:
    """'10.11.19-MariaDB-0+deb12u1' -> 'MariaDB 10.11.19'; '8.0.36' -> 'MySQL 8.0.36'."""
    number = version.split("-")[0]
    return f"{'MariaDB' if 'mariadb' in version.lower() else 'MySQL'} {number}"
