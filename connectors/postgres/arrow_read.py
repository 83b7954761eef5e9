"""PostgreSQL read as Arrow record batches (ADBC), for sinks staged outside PostgreSQL.

A PostgreSQL sink takes a PostgreSQL source's binary COPY stream (``copy.py``); a sink staged
in DuckDB reads it through this module instead, as every other source is read. The Arrow
schema comes from the query's exact PostgreSQL types (``describe_query``): ``numeric(p,s)``
becomes ``decimal128(p,s)`` (ADBC sends numerics as text; Arrow parses them exactly), an
unconstrained ``numeric`` ``decimal128(38,10)``, rounded to 10 decimal places by PostgreSQL (a
value with more than 28 integer digits stops the extract), and types without an Arrow
equivalent (uuid, json, inet, ...) are read as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from connectors.base import TerminalError
from connectors.postgres import adbc_databases
from connectors.postgres.arrow_ingest import adbc_uri, classify_adbc
from connectors.postgres.client import connect
from connectors.postgres.config import PostgresConfig
from connectors.postgres.copy import Column, describe_query
from connectors.postgres.sql import quote_ident
from connectors.source_sql import conform

_SIMPLE: dict[str, pa.DataType] = {
    "smallint": pa.int16(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "real": pa.float32(),
    "double precision": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp without time zone": pa.timestamp("us"),
    "timestamp with time zone": pa.timestamp("us", tz="UTC"),
    "time without time zone": pa.time64("us"),
    "interval": pa.month_day_nano_interval(),
    "bytea": pa.binary(),
    "text": pa.string(),
}
_NUMERIC = re.compile(r"^numeric(?:\((\d+)(?:,\s*(\d+))?\))?$")
_TEXT_LIKE = re.compile(r"^(character varying|character|varchar|char)(\(\d+\))?$")
UNCONSTRAINED_NUMERIC = pa.decimal128(38, 10)


def arrow_type(pg_type: str) -> tuple[pa.DataType, bool]:
    """The Arrow type of a PostgreSQL column type, and whether it is read as its text form
    (strings and decimals are always selected as text: see ``reading_query``)."""
    if pg_type.endswith("[]"):
        item, as_text = arrow_type(pg_type[:-2])
        return (pa.string(), True) if as_text else (pa.list_(item), False)
    if pg_type in _SIMPLE:
        return _SIMPLE[pg_type], False
    if _TEXT_LIKE.match(pg_type):
        return pa.string(), False
    numeric = _NUMERIC.match(pg_type)
    if numeric:
        precision, scale = numeric.group(1), numeric.group(2)
        if precision is None:
            return UNCONSTRAINED_NUMERIC, True
        if int(precision) > 38:
            return pa.decimal256(int(precision), int(scale or 0)), True
        return pa.decimal128(int(precision), int(scale or 0)), True
    return pa.string(), True  # uuid, json(b), inet, enums, ...: their text form


def schema_of(columns: list[Column]) -> pa.Schema:
    return pa.schema([pa.field(c.name, arrow_type(c.type)[0]) for c in columns])


async def describe(config: PostgresConfig, query: str) -> pa.Schema:
    conn = await connect(config)
    try:
        columns = await describe_query(conn, query)
    finally:
        await conn.close()
    return schema_of(columns)


def reading_query(query: str, schema: pa.Schema) -> str:
    """Every column cast to text where its Arrow type is parsed from text (see module doc)."""
    items = []
    for field in schema:
        name = quote_ident(field.name)
        if pa.types.is_decimal(field.type):  # rounds an unconstrained numeric to its scale
            numeric = f"numeric({field.type.precision},{field.type.scale})"
            items.append(f"_src.{name}::{numeric}::text AS {name}")
        elif pa.types.is_string(field.type):
            items.append(f"_src.{name}::text AS {name}")
        else:
            items.append(f"_src.{name}")
    return f"SELECT {', '.join(items)} FROM ({query}) AS _src"


def read(
    config: PostgresConfig, query: str, schema: pa.Schema, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """Batches of ``schema`` (ADBC's own batch size, split to at most ``batch_rows`` rows)."""
    try:
        conn = adbc_databases.connect(adbc_uri(config))
    except Exception as exc:
        raise classify_adbc(exc) from exc
    try:
        cursor = conn.cursor()
        cursor.execute(reading_query(query, schema))
        reader = cursor.fetch_record_batch()
        for batch in reader:
            for offset in range(0, batch.num_rows, batch_rows):
                yield conform(_plain(batch.slice(offset, batch_rows)), schema)
        cursor.close()
    except Exception as exc:
        raise classify_adbc(exc) from exc
    finally:
        conn.close()


async def min_max(config: PostgresConfig, query: str, column: str) -> tuple[Any, Any]:
    conn = await connect(config)
    try:
        name = quote_ident(column)
        row = await conn.fetchrow(f"SELECT min({name}), max({name}) FROM ({query}) AS _s")
    finally:
        await conn.close()
    if row is None:  # an aggregate without GROUP BY returns one row, always
        raise TerminalError(f"min/max of {column!r} returned no row", error_type="DATABASE_ERROR")
    return row[0], row[1]


def _plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Extension types (ADBC's arrow.json, arrow.uuid) as their storage; text is asked for."""
    arrays = [a.storage if isinstance(a, pa.ExtensionArray) else a for a in batch.columns]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


class PostgresArrowReader:
    """PostgreSQL with the shape of an ``ArrowSource`` (describe, min_max, read)."""

    type = "postgresql"
    dialect = "postgres"

    async def describe(self, config: PostgresConfig, query: str) -> pa.Schema:
        return await describe(config, query)

    async def min_max(self, config: PostgresConfig, query: str, column: str) -> tuple[Any, Any]:
        return await min_max(config, query, column)

    def read(
        self, config: PostgresConfig, query: str, schema: pa.Schema, batch_rows: int
    ) -> Iterator[pa.RecordBatch]:
        return read(config, query, schema, batch_rows)


READER = PostgresArrowReader()
