"""Arrow → PostgreSQL: the type mapping, and the one-transaction COPY bulk load (ADBC)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest

from connectors.base import Progress, TerminalError
from connectors.postgres import PostgresConfig
from connectors.postgres.arrow_ingest import (
    Stopped,
    UnsupportedType,
    adbc_uri,
    ingest,
    postgres_type,
    staging_columns,
)
from connectors.postgres.sql import Relation
from tests.services import PG_HOST, PG_PORT, PG_USER

# The documented mapping (README, "Sources"): Arrow type -> PostgreSQL type.
MAPPING = [
    (pa.null(), "text"),
    (pa.bool_(), "boolean"),
    (pa.int8(), "smallint"),
    (pa.uint8(), "smallint"),
    (pa.int16(), "smallint"),
    (pa.uint16(), "integer"),
    (pa.int32(), "integer"),
    (pa.uint32(), "bigint"),
    (pa.int64(), "bigint"),
    (pa.uint64(), "numeric(20,0)"),
    (pa.float16(), "real"),
    (pa.float32(), "real"),
    (pa.float64(), "double precision"),
    (pa.decimal128(12, 2), "numeric(12,2)"),
    (pa.decimal256(50, 10), "numeric(50,10)"),
    (pa.string(), "text"),
    (pa.large_string(), "text"),
    (pa.binary(), "bytea"),
    (pa.large_binary(), "bytea"),
    (pa.binary(4), "bytea"),
    (pa.date32(), "date"),
    (pa.date64(), "date"),
    (pa.timestamp("s"), "timestamp without time zone"),
    (pa.timestamp("us"), "timestamp without time zone"),
    (pa.timestamp("ns"), "timestamp without time zone"),
    (pa.timestamp("us", tz="UTC"), "timestamp with time zone"),
    (pa.timestamp("ms", tz="Europe/Paris"), "timestamp with time zone"),
    (pa.time32("s"), "time without time zone"),
    (pa.time64("us"), "time without time zone"),
    (pa.duration("us"), "interval"),
    (pa.month_day_nano_interval(), "interval"),
    (pa.list_(pa.int32()), "integer[]"),
    (pa.large_list(pa.string()), "text[]"),
    (pa.dictionary(pa.int8(), pa.string()), "text"),
]


@pytest.mark.parametrize(("arrow", "expected"), MAPPING, ids=[str(a) for a, _ in MAPPING])
def test_type_mapping(arrow, expected):
    assert postgres_type(arrow)[0] == expected


@pytest.mark.parametrize(
    "arrow",
    [
        pa.struct([("a", pa.int32())]),
        pa.map_(pa.string(), pa.int32()),
        pa.list_(pa.list_(pa.int8())),
    ],
    ids=["struct", "map", "nested-list"],
)
def test_unsupported_types_name_their_column(arrow):
    schema = pa.schema([("id", pa.int64()), ("payload", arrow)])
    with pytest.raises(UnsupportedType) as caught:
        staging_columns(schema)
    assert "'payload'" in caught.value.message
    assert caught.value.error_type == "UNSUPPORTED_TYPE" and not caught.value.retryable


def test_uri_quotes_credentials():
    config = PostgresConfig("db.internal", 6432, "my db", "etl user", "p@ss:/word", "require")
    uri = adbc_uri(config)
    assert uri.startswith("postgresql://etl%20user:p%40ss%3A%2Fword@db.internal:6432/my%20db?")
    assert "sslmode=require" in uri and "application_name=ductwork" in uri


# --- against the real PostgreSQL ---------------------------------------------------------------

ROWS = {
    "i8": (pa.int8(), [-128, None, 127]),
    "u8": (pa.uint8(), [0, None, 255]),
    "i16": (pa.int16(), [-32768, None, 32767]),
    "u16": (pa.uint16(), [0, None, 65535]),
    "i32": (pa.int32(), [-(2**31), None, 2**31 - 1]),
    "u32": (pa.uint32(), [0, None, 2**32 - 1]),
    "i64": (pa.int64(), [-(2**63), None, 2**63 - 1]),
    "u64": (pa.uint64(), [0, None, 2**64 - 1]),
    "f32": (pa.float32(), [1.5, None, -0.25]),
    "f64": (pa.float64(), [1 / 3, None, 1e300]),
    "dec": (pa.decimal128(12, 2), [Decimal("1234567890.12"), None, Decimal("-0.01")]),
    "dec256": (
        pa.decimal256(50, 10),
        [Decimal("1234567890123456789012345678901234567890.0123456789"), None, Decimal(0)],
    ),
    "txt": (pa.string(), ["héllo ✓", None, ""]),
    "ltxt": (pa.large_string(), ["large", None, "x" * 10_000]),
    "flag": (pa.bool_(), [True, None, False]),
    "day": (pa.date32(), [date(2026, 2, 28), None, date(1900, 1, 1)]),
    "ts": (
        pa.timestamp("us"),
        [datetime(2026, 2, 28, 1, 2, 3, 456789), None, datetime(1999, 12, 31)],
    ),
    # nanoseconds since the epoch: 2026-01-01 00:00:00.000001999 and 2000-01-01
    "ts_ns": (pa.timestamp("ns"), [1_767_225_600_000_001_999, None, 946_684_800_000_000_000]),
    "tstz": (
        pa.timestamp("us", tz="UTC"),
        [datetime(2026, 2, 28, 1, 2, 3, tzinfo=UTC), None, datetime(2000, 1, 1, tzinfo=UTC)],
    ),
    "bin": (pa.binary(), [b"\x00\xff", None, b""]),
    "lbin": (pa.large_binary(), [b"\xde\xad\xbe\xef", None, b"x"]),
    "clock": (pa.time64("us"), [time(12, 34, 56, 789), None, time(0)]),
    "span": (pa.duration("us"), [timedelta(days=1, seconds=2), None, timedelta(0)]),
    "tags": (pa.list_(pa.int32()), [[1, 2], None, []]),
    "kind": (pa.dictionary(pa.int8(), pa.string()), ["a", None, "b"]),
    "nothing": (pa.null(), [None, None, None]),
}


def _table() -> pa.Table:
    return pa.table({name: pa.array(values, type=t) for name, (t, values) in ROWS.items()})


def _config(database: str) -> PostgresConfig:
    return PostgresConfig(PG_HOST, PG_PORT, database, PG_USER, "trust-auth")


async def _staging(target) -> Relation:
    await target.execute("CREATE SCHEMA IF NOT EXISTS ingest")
    return Relation("ingest", f"t_{uuid.uuid4().hex[:8]}")


async def test_every_type_arrives_with_its_mapped_type_and_equal_values(target, target_db):
    staging = await _staging(target)
    table = _table()
    progress = Progress()
    batches = iter(table.to_batches(max_chunksize=1))  # three batches
    rows = await asyncio.to_thread(
        ingest, _config(target_db), staging, table.schema, batches, progress
    )
    assert rows == progress.rows == 3
    assert progress.bytes > 0

    types = dict(
        await target.fetch(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = $1::regclass AND attnum > 0 ORDER BY attnum",
            staging.sql,
        )
    )
    assert types == {name: postgres_type(t)[0] for name, (t, _) in ROWS.items()}

    got = [
        dict(r) for r in await target.fetch(f"SELECT * FROM {staging.sql} ORDER BY u8 NULLS FIRST")
    ]
    expected = {name: values for name, (_, values) in ROWS.items()}
    order = [1, 0, 2]  # NULL row first, then 0, then 255
    for name, values in expected.items():
        column = [row[name] for row in got]
        wanted = [values[i] for i in order]
        if name == "f32":
            wanted = [None if v is None else pytest.approx(v) for v in wanted]
        if name == "ts_ns":  # PostgreSQL keeps microseconds: the nanosecond is truncated
            wanted = [None, datetime(2026, 1, 1, 0, 0, 0, 1), datetime(2000, 1, 1)]
        assert column == wanted, name


async def test_a_failing_source_leaves_the_previous_staging_table(target, target_db):
    staging = await _staging(target)
    await target.execute(f"CREATE TABLE {staging.sql} (id bigint)")
    await target.execute(f"INSERT INTO {staging.sql} VALUES (42)")
    schema = pa.schema([("id", pa.int64())])

    def broken():
        yield pa.record_batch([pa.array([1, 2], pa.int64())], schema=schema)
        raise TerminalError("the source went away", error_type="SOURCE_READ_FAILED")

    with pytest.raises(TerminalError, match="the source went away"):
        await asyncio.to_thread(ingest, _config(target_db), staging, schema, broken(), Progress())
    # The drop, create and partial load rolled back together.
    assert await target.fetchval(f"SELECT array_agg(id) FROM {staging.sql}") == [42]


async def test_a_stop_request_rolls_back(target, target_db):
    staging = await _staging(target)
    schema = pa.schema([("id", pa.int64())])
    stop = threading.Event()

    def endless():
        n = 0
        while True:
            n += 1
            if n == 3:
                stop.set()
            yield pa.record_batch([pa.array([n], pa.int64())], schema=schema)

    with pytest.raises(Stopped):
        await asyncio.to_thread(
            ingest, _config(target_db), staging, schema, endless(), Progress(), stop=stop
        )
    assert await target.fetchval("SELECT to_regclass($1)", staging.sql) is None


async def test_a_range_replaces_only_its_rows(target, target_db):
    staging = await _staging(target)
    await target.execute(f"CREATE TABLE {staging.sql} (id bigint, note text)")
    await target.execute(f"INSERT INTO {staging.sql} VALUES (1, 'keep'), (15, 'stale')")
    table = pa.table({"id": pa.array([10, 11], pa.int64()), "note": ["new", "new"]})
    await asyncio.to_thread(
        ingest,
        _config(target_db),
        staging,
        table.schema,
        iter(table.to_batches()),
        Progress(),
        scope='"id" >= 10 AND "id" < 20',
    )
    rows = await target.fetch(f"SELECT id, note FROM {staging.sql} ORDER BY id")
    assert [tuple(r) for r in rows] == [(1, "keep"), (10, "new"), (11, "new")]
