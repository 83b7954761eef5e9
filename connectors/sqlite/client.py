"""SQLite: connection test, introspection, query metadata and reading, on a read-only file.

sqlite3 is synchronous: the async functions run it in a thread; ``read`` runs in the caller's.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pyarrow as pa

from connectors.base import ConnectionTestResult, TableInfo, elapsed_ms, group_columns
from connectors.sqlite import arrow_read
from connectors.sqlite.config import SQLiteConfig, classify
from connectors.sqlite.types import declared_type, inferred_type, to_array

T = TypeVar("T")
_SAMPLE_ROWS = 1000  # rows an undeclared column's type is inferred from
_USER_OBJECTS = "type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _with(config: SQLiteConfig, work: Callable[[sqlite3.Connection], T]) -> T:
    conn = config.open()
    try:
        return work(conn)
    except sqlite3.Error as exc:
        raise classify(exc) from exc
    finally:
        conn.close()


async def _run(config: SQLiteConfig, work: Callable[[sqlite3.Connection], T]) -> T:
    return await asyncio.to_thread(_with, config, work)


async def test_connection(config: SQLiteConfig) -> ConnectionTestResult:
    started = time.perf_counter()

    def probe(conn: sqlite3.Connection) -> ConnectionTestResult:
        (version,) = conn.execute("SELECT sqlite_version()").fetchone()
        latency = elapsed_ms(started)
        schemas = [row[1] for row in conn.execute("PRAGMA database_list") if row[1] != "temp"]
        count = f"SELECT count(*) FROM sqlite_master WHERE {_USER_OBJECTS}"
        (tables,) = conn.execute(count).fetchone()
        return ConnectionTestResult(
            connected=True,
            latency_ms=latency,
            version=f"SQLite {version}",
            schemas=schemas,
            tables=int(tables),
        )

    try:
        return await _run(config, probe)
    except Exception as exc:
        return ConnectionTestResult.failed(started, str(classify(exc)))


async def introspect(config: SQLiteConfig) -> list[TableInfo]:
    def columns(conn: sqlite3.Connection) -> list[TableInfo]:
        names = [
            row[0]
            for row in conn.execute(
                f"SELECT name FROM sqlite_master WHERE {_USER_OBJECTS} ORDER BY name"
            )
        ]
        rows = [
            ("main", table, col[1], col[2], not col[3])
            for table in names
            for col in conn.execute(f"PRAGMA main.table_info({_quote(table)})")
        ]
        return group_columns(rows)

    return await _run(config, columns)


async def table_exists(config: SQLiteConfig, schema: str | None, name: str) -> bool:
    if schema not in (None, "main"):
        return False

    def exists(conn: sqlite3.Connection) -> bool:
        row = conn.execute(
            f"SELECT 1 FROM sqlite_master WHERE {_USER_OBJECTS} AND name = ? COLLATE NOCASE",
            (name,),
        ).fetchone()
        return row is not None

    return await _run(config, exists)


def describe_sync(conn: sqlite3.Connection, query: str) -> pa.Schema:
    """Declared types through a temporary view; undeclared ones from a sample of values."""
    conn.execute(f"CREATE TEMP VIEW _ductwork_describe AS {query}")
    try:
        info = conn.execute("PRAGMA temp.table_info(_ductwork_describe)").fetchall()
    finally:
        conn.execute("DROP VIEW temp._ductwork_describe")
    declared = [declared_type(col[2] or "") for col in info]
    sample: list[Any] = []
    if any(t is None for t in declared):  # typed by its values, so read a sample of them
        sample = conn.execute(f"SELECT * FROM ({query}) LIMIT {_SAMPLE_ROWS}").fetchall()
    types = [
        t if t is not None else inferred_type([row[i] for row in sample])
        for i, t in enumerate(declared)
    ]
    return pa.schema([pa.field(col[1], t) for col, t in zip(info, types, strict=True)])


async def describe(config: SQLiteConfig, query: str) -> pa.Schema:
    return await _run(config, lambda conn: describe_sync(conn, query))


async def min_max(config: SQLiteConfig, query: str, column: str) -> tuple[Any, Any]:
    sql = f"SELECT min({_quote(column)}), max({_quote(column)}) FROM ({query})"
    row = await _run(config, lambda conn: conn.execute(sql).fetchone())
    return row[0], row[1]


def read(
    config: SQLiteConfig, query: str, schema: pa.Schema, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """connectorx's Arrow batches when they are exactly what converting row by row gives
    (``arrow_read`` checks each batch; a value it cannot take raises ``ReadAgain`` with the
    row path); otherwise the rows converted column by column."""
    fast = arrow_read.batches(
        config, query, schema, batch_rows, lambda: read_rows(config, query, schema, batch_rows)
    )
    if fast is not None:
        yield from fast
        return
    yield from read_rows(config, query, schema, batch_rows)


def read_rows(
    config: SQLiteConfig, query: str, schema: pa.Schema, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    conn = config.open()
    try:
        cursor = conn.execute(query)
        while rows := cursor.fetchmany(batch_rows):
            columns = list(zip(*rows, strict=True))
            yield pa.RecordBatch.from_arrays(
                [to_array(f.name, col, f.type) for f, col in zip(schema, columns, strict=True)],
                schema=schema,
            )
    except sqlite3.Error as exc:
        raise classify(exc) from exc
    finally:
        conn.close()
