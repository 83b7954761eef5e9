"""Streaming binary COPY from one PostgreSQL connection into another.

Bytes go straight from the source's ``COPY ... TO STDOUT`` into the target's
``COPY ... FROM STDIN``: no per-row Python, memory bounded by the queue of chunks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg

from connectors.base import Progress
from connectors.postgres.sql import Relation, quote_ident

_QUEUE_CHUNKS = 16  # chunks in flight between the two connections (~64 KiB each)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as format_type() prints it, typmod included


async def describe_query(conn: asyncpg.Connection, query: str) -> list[Column]:
    """Columns of a query, with exact types (a temporary view keeps typmods).

    The view's transaction is rolled back, which drops it: no statement to drop it, and no
    commit that waits for the catalog's write-ahead log to reach the disk.
    """
    transaction = conn.transaction()
    await transaction.start()
    try:
        await conn.execute(f"CREATE TEMPORARY VIEW _ductwork_describe AS {query}")
        rows = await conn.fetch(
            "SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute "
            "WHERE attrelid = '_ductwork_describe'::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum"
        )
    finally:
        await transaction.rollback()
    return [Column(r["attname"], r["type"]) for r in rows]


async def describe_table(conn: asyncpg.Connection, relation: Relation) -> list[Column]:
    rows = await conn.fetch(
        "SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute "
        "WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        relation.sql,
    )
    return [Column(r["attname"], r["type"]) for r in rows]


def create_table_sql(relation: Relation, columns: list[Column], *, if_missing: bool = False) -> str:
    cols = ", ".join(f"{quote_ident(c.name)} {c.type}" for c in columns)
    return f"CREATE TABLE {'IF NOT EXISTS ' if if_missing else ''}{relation.sql} ({cols})"


async def stream_copy(
    source: asyncpg.Connection,
    query: str,
    target: asyncpg.Connection,
    table: Relation,
    progress: Progress,
    columns: list[str] | None = None,
) -> int:
    """Copy the rows of ``query`` into ``table`` (into its ``columns``, in the query's order,
    when given; else all of them, in the table's); returns the number of rows written."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=_QUEUE_CHUNKS)

    async def produce() -> None:
        try:
            await source.copy_from_query(query, output=queue.put, format="binary")
        finally:
            await queue.put(None)

    async def chunks() -> AsyncIterator[bytes]:
        while (chunk := await queue.get()) is not None:
            progress.bytes += len(chunk)
            yield chunk

    producer = asyncio.ensure_future(produce())
    try:
        status = await target.copy_to_table(
            table.name, schema_name=table.schema, source=chunks(), columns=columns, format="binary"
        )
        await producer
    finally:
        if not producer.done():
            producer.cancel()
            await asyncio.gather(producer, return_exceptions=True)
    rows = int(status.split()[-1])
    progress.rows = rows
    return rows


async def takes_as_they_are(
    conn: asyncpg.Connection, table: Relation, columns: list[Column]
) -> bool:
    """Whether ``table`` has exactly these columns, each of exactly this type: rows of them
    can be copied into it as they are, with nothing to add to it, cast or leave out."""
    existing = await describe_table(conn, table)
    return bool(existing) and sorted(existing, key=_by_name) == sorted(columns, key=_by_name)


def _by_name(column: Column) -> str:
    return column.name


async def copy_rows_seen(conn: asyncpg.Connection, pid: int) -> int | None:
    """Rows a running COPY on backend ``pid`` has handled so far (PostgreSQL 14+)."""
    return await conn.fetchval(
        "SELECT tuples_processed FROM pg_stat_progress_copy WHERE pid = $1", pid
    )


CONCURRENTLY_CREATED = (
    asyncpg.UniqueViolationError,
    asyncpg.DuplicateObjectError,
    asyncpg.DuplicateTableError,
    asyncpg.DuplicateSchemaError,
)
"""What ``CREATE … IF NOT EXISTS`` raises when another session creates the same object at the
same moment (its catalog rows, its row type, or the object itself)."""


async def create_once(conn: asyncpg.Connection, ddl: str) -> None:
    """A ``CREATE … IF NOT EXISTS`` that parallel steps may race to run: the loser's error is
    swallowed (the object exists), inside a savepoint when ``conn`` is in a transaction, which
    so stays usable."""
    with contextlib.suppress(*CONCURRENTLY_CREATED):
        if not conn.is_in_transaction():
            await conn.execute(ddl)
            return
        async with conn.transaction():
            await conn.execute(ddl)


async def ensure_schema(conn: asyncpg.Connection, schema: str) -> None:
    """CREATE SCHEMA IF NOT EXISTS, safe when parallel steps race to create it."""
    await create_once(conn, f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
