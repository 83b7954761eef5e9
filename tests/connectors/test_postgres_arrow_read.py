"""PostgreSQL read as Arrow (ADBC), as sinks staged in DuckDB read it: the type mapping and
the values, exact."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pyarrow as pa

from connectors.postgres.arrow_read import READER, arrow_type
from connectors.postgres.config import PostgresConfig
from tests.services import PG_HOST, PG_PORT, PG_USER


def test_postgresql_types_map_to_arrow():
    assert {t: arrow_type(t)[0] for t in [
        "smallint", "integer", "bigint", "real", "double precision", "boolean", "date",
        "timestamp without time zone", "timestamp with time zone", "time without time zone",
        "bytea", "text", "character varying(20)", "numeric(12,2)", "numeric", "numeric(50,10)",
        "uuid", "jsonb", "integer[]", "uuid[]",
    ]} == {
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
        "bytea": pa.binary(),
        "text": pa.string(),
        "character varying(20)": pa.string(),
        "numeric(12,2)": pa.decimal128(12, 2),
        "numeric": pa.decimal128(38, 10),
        "numeric(50,10)": pa.decimal256(50, 10),
        "uuid": pa.string(),
        "jsonb": pa.string(),
        "integer[]": pa.list_(pa.int32()),
        "uuid[]": pa.string(),
    }  # fmt: skip


async def test_rows_read_as_arrow_batches(source, source_db):
    table = f"arrow_read_{uuid.uuid4().hex[:8]}"
    await source.execute(
        f"CREATE TABLE {table} AS SELECT g AS id, (g * 1.25)::numeric(12, 2) AS price, "
        "g::numeric / 3 AS ratio, md5(g::text)::uuid AS ref, "
        "jsonb_build_object('g', g) AS doc, ARRAY[g, g + 1] AS pair, "
        "timestamptz '2026-01-01 00:00:00+00' + g * interval '1 hour' AS at, "
        "date '2026-01-01' + g AS day, time '10:00' AS t, "
        "CASE WHEN g = 2 THEN NULL ELSE 'n' || g END AS note "
        "FROM generate_series(1, 5) g"
    )
    config = PostgresConfig(PG_HOST, PG_PORT, source_db, PG_USER, None)
    query = f"SELECT * FROM {table}"
    schema = await READER.describe(config, query)
    batches = await asyncio.to_thread(lambda: list(READER.read(config, query, schema, 2)))
    assert [b.num_rows for b in batches] == [2, 2, 1]  # at most batch_rows rows a batch
    rows = pa.Table.from_batches(batches, schema).to_pylist()
    assert rows[1] == {
        "id": 2,
        "price": Decimal("2.50"),
        "ratio": Decimal("0.6666666667"),
        "ref": "c81e728d-9d4c-2f63-6f06-7f89cc14862c",
        "doc": '{"g": 2}',
        "pair": [2, 3],
        "at": datetime(2026, 1, 1, 2, tzinfo=UTC),
        "day": date(2026, 1, 3),
        "t": time(10),
        "note": None,
    }
