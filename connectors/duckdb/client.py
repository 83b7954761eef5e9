"""DuckDB: connection test, introspection, query metadata, and reading with DuckDB's own
Arrow export (a record-batch reader, memory bounded by the batch size).

duckdb is synchronous: the async functions run it in a thread; ``read`` runs in the caller's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pyarrow as pa

from connectors.base import ConnectionTestResult, TableInfo, elapsed_ms, group_columns
from connectors.duckdb.config import DuckDBConfig, classify
from connectors.source_sql import conform, reading_query, text_field

T = TypeVar("T")
_USER_SCHEMAS = (
    "table_catalog = current_database() "
    "AND table_schema NOT IN ('information_schema', 'pg_catalog')"
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _with(config: DuckDBConfig, work: Callable[[Any], T]) -> T:
    conn = config.open()
    try:
        return work(conn)
    except Exception as exc:
        raise classify(exc) from exc
    finally:
        conn.close()


async def _run(config: DuckDBConfig, work: Callable[[Any], T]) -> T:
    return await asyncio.to_thread(_with, config, work)


async def test_connection(config: DuckDBConfig) -> ConnectionTestResult:
    started = time.perf_counter()

    def probe(conn: Any) -> ConnectionTestResult:
        (version,) = conn.execute("SELECT version()").fetchone()
        latency = elapsed_ms(started)
        schemas = [
            row[0]
            for row in conn.execute(
                "SELECT schema_name FROM information_schema.schemata "
                "WHERE catalog_name = current_database() "
                "AND schema_name NOT IN ('information_schema', 'pg_catalog') ORDER BY 1"
            ).fetchall()
        ]
        (tables,) = conn.execute(
            f"SELECT count(*) FROM information_schema.tables WHERE {_USER_SCHEMAS}"
        ).fetchone()
        return ConnectionTestResult(
            connected=True,
            latency_ms=latency,
            version=f"DuckDB {version.removeprefix('v')}",
            schemas=schemas,
            tables=int(tables),
        )

    try:
        return await _run(config, probe)
    except Exception as exc:
        return ConnectionTestResult.failed(started, str(classify(exc)))


async def introspect(config: DuckDBConfig) -> list[TableInfo]:
    sql = (
        "SELECT table_schema, table_name, column_name, data_type, is_nullable = 'YES' "
        f"FROM information_schema.columns WHERE {_USER_SCHEMAS} "
        "ORDER BY table_schema, table_name, ordinal_position"
    )
    return await _run(config, lambda conn: group_columns(conn.execute(sql).fetchall()))


async def table_exists(config: DuckDBConfig, schema: str | None, name: str) -> bool:
    sql = (
        "SELECT 1 FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = coalesce(?, current_schema()) AND table_name = ?"
    )
    return await _run(config, lambda conn: bool(conn.execute(sql, [schema, name]).fetchall()))


# DuckDB exports these as decimal128(38, 0), which their largest values overflow.
_WIDE_INTEGERS = {"HUGEINT", "UHUGEINT"}


def describe_sync(conn: Any, query: str) -> pa.Schema:
    relation = conn.sql(f"SELECT * FROM ({query}) AS _describe LIMIT 0")
    schema = relation.arrow().schema
    return pa.schema(
        [
            text_field(field.name, pa.decimal256(39, 0))
            if str(duck_type) in _WIDE_INTEGERS
            else field
            for field, duck_type in zip(schema, relation.types, strict=True)
        ]
    )


async def describe(config: DuckDBConfig, query: str) -> pa.Schema:
    return await _run(config, lambda conn: describe_sync(conn, query))


async def min_max(config: DuckDBConfig, query: str, column: str) -> tuple[Any, Any]:
    sql = f"SELECT min({_quote(column)}) AS lo, max({_quote(column)}) AS hi FROM ({query}) AS _s"
    # Through Arrow: DuckDB's own conversion of a TIMESTAMPTZ needs pytz.
    (row,) = await _run(config, lambda conn: conn.sql(sql).to_arrow_table().to_pylist())
    return row["lo"], row["hi"]


def read(
    config: DuckDBConfig, query: str, schema: pa.Schema, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    conn = config.open()
    try:
        relation = conn.sql(reading_query(query, schema, "duckdb"))
        yield from relation_batches(relation, schema, batch_rows)
    except Exception as exc:
        raise classify(exc) from exc
    finally:
        conn.close()


def relation_batches(relation: Any, schema: pa.Schema, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """A DuckDB relation's rows as record batches of ``schema``, read one batch at a time."""
    # DuckDB 2 calls it to_arrow_reader; 1.x fetch_arrow_reader.
    open_reader = getattr(relation, "to_arrow_reader", None) or relation.fetch_arrow_reader
    reader = open_reader(batch_rows)
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        yield conform(batch, schema)
