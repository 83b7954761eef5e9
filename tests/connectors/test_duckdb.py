"""DuckDB files as a source: the connection test, introspection, and DuckDB's types arriving
in PostgreSQL as documented through its own Arrow export."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import duckdb
import pytest

from connectors.base import ConnectionSettings, TerminalError
from connectors.registry import connector_for
from tests.pipelines import unique_name
from tests.sources import URL, duckdb_file, extract_to_postgres, file_body, register


def _settings(path: str) -> ConnectionSettings:
    return ConnectionSettings(None, None, path)


async def test_connection_test_reports_the_file(api, tmp_path):
    path = duckdb_file(
        str(tmp_path / "lake.duckdb"),
        "CREATE SCHEMA raw",
        "CREATE TABLE raw.events (id BIGINT)",
        "CREATE TABLE main.users (id BIGINT)",
    )
    connection = await register(api, file_body("duckdb", path, unique_name("duck")))
    result = (await api.post(f"{URL}/{connection}/test")).json()
    assert result["connected"] is True, result
    assert result["version"] == f"DuckDB {duckdb.__version__}"
    assert result["details"] == {"schemas": ["main", "raw"], "tables": 2}


async def test_a_missing_file_is_reported(api, tmp_path):
    connection = await register(
        api, file_body("duckdb", str(tmp_path / "absent.duckdb"), unique_name("duck"))
    )
    result = (await api.post(f"{URL}/{connection}/test")).json()
    assert result["connected"] is False and "does not exist" in result["error"]
    assert not (tmp_path / "absent.duckdb").exists()


async def test_introspection(tmp_path):
    path = duckdb_file(
        str(tmp_path / "i.duckdb"),
        "CREATE TABLE orders (id BIGINT NOT NULL, amount DECIMAL(12,2), tags VARCHAR[])",
    )
    duck = connector_for("duckdb")
    config = duck.config(_settings(path))
    (orders,) = await duck.introspect(config)
    assert (orders.schema, orders.name) == ("main", "orders")
    assert [(c.name, c.type, c.nullable) for c in orders.columns] == [
        ("id", "BIGINT", False),
        ("amount", "DECIMAL(12,2)", True),
        ("tags", "VARCHAR[]", True),
    ]
    assert await duck.table_exists(config, None, "orders")
    assert not await duck.table_exists(config, "raw", "orders")


# DuckDB type, value (SQL literal), PostgreSQL type, the value read back
TYPES = [
    ("c_tinyint", "TINYINT", "-128", "smallint", -128),
    ("c_utinyint", "UTINYINT", "255", "smallint", 255),
    ("c_smallint", "SMALLINT", "-32768", "smallint", -32768),
    ("c_usmallint", "USMALLINT", "65535", "integer", 65535),
    ("c_integer", "INTEGER", "-2147483648", "integer", -(2**31)),
    ("c_uinteger", "UINTEGER", "4294967295", "bigint", 2**32 - 1),
    ("c_bigint", "BIGINT", "-9223372036854775808", "bigint", -(2**63)),
    ("c_ubigint", "UBIGINT", "18446744073709551615", "numeric(20,0)", 2**64 - 1),
    (
        "c_hugeint",
        "HUGEINT",
        "170141183460469231731687303715884105727",
        "numeric(39,0)",
        2**127 - 1,
    ),
    ("c_float", "FLOAT", "1.5", "real", 1.5),
    ("c_double", "DOUBLE", "0.1", "double precision", 0.1),
    ("c_decimal", "DECIMAL(12,2)", "1234567890.12", "numeric(12,2)", Decimal("1234567890.12")),
    (
        "c_decimal38",
        "DECIMAL(38,10)",
        "1234567890123456789012345678.0123456789",
        "numeric(38,10)",
        Decimal("1234567890123456789012345678.0123456789"),
    ),
    ("c_varchar", "VARCHAR", "'héllo ✓'", "text", "héllo ✓"),
    ("c_bool", "BOOLEAN", "true", "boolean", True),
    ("c_date", "DATE", "'2026-02-28'", "date", date(2026, 2, 28)),
    (
        "c_timestamp",
        "TIMESTAMP",
        "'2026-02-28 01:02:03.456789'",
        "timestamp without time zone",
        datetime(2026, 2, 28, 1, 2, 3, 456789),
    ),
    (
        "c_timestamptz",
        "TIMESTAMPTZ",
        "'2026-02-28 01:02:03+02'",
        "timestamp with time zone",
        datetime(2026, 2, 27, 23, 2, 3, tzinfo=UTC),
    ),
    (
        "c_timestamp_ns",
        "TIMESTAMP_NS",
        "'2026-02-28 01:02:03.123456789'",
        "timestamp without time zone",
        datetime(2026, 2, 28, 1, 2, 3, 123456),  # PostgreSQL keeps microseconds
    ),
    ("c_time", "TIME", "'12:34:56'", "time without time zone", time(12, 34, 56)),
    ("c_blob", "BLOB", r"'\x00\xFF'::BLOB", "bytea", b"\x00\xff"),
    (
        "c_uuid",
        "UUID",
        "'0b4ec3a1-9f3c-4b8e-8a52-3f7b2f0d9d61'",
        "text",
        "0b4ec3a1-9f3c-4b8e-8a52-3f7b2f0d9d61",
    ),
    ("c_interval", "INTERVAL", "INTERVAL 3 DAY", "interval", timedelta(days=3)),
    ("c_list", "INTEGER[]", "[1, 2, 3]", "integer[]", [1, 2, 3]),
    ("c_enum", "ENUM('x', 'y')", "'y'", "text", "y"),
    ("c_json", "JSON", """'{"k": 1}'""", "text", '{"k": 1}'),
]


async def test_every_common_type_arrives_with_its_documented_type(tmp_path, target, target_db):
    columns = ", ".join(f"{name} {ddl}" for name, ddl, *_ in TYPES)
    names = ", ".join(name for name, *_ in TYPES)
    path = duckdb_file(
        str(tmp_path / "types.duckdb"),
        f"CREATE TABLE t (id INTEGER, {columns})",
        f"INSERT INTO t (id, {names}) VALUES (1, {', '.join(v for _, _, v, *_ in TYPES)})",
        "INSERT INTO t (id) VALUES (2)",
    )
    await target.execute("CREATE SCHEMA IF NOT EXISTS types")
    staged = f"types.duck_{uuid.uuid4().hex[:8]}"
    assert (
        await extract_to_postgres("duckdb", _settings(path), "SELECT * FROM t", target_db, staged)
        == 2
    )
    types = dict(
        await target.fetch(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = $1::regclass AND attnum > 1 ORDER BY attnum",
            staged,
        )
    )
    assert types == {name: pg_type for name, _, _, pg_type, _ in TYPES}
    full, empty = await target.fetch(f"SELECT * FROM {staged} ORDER BY id")
    for name, *_, expected in TYPES:
        if isinstance(expected, float):
            assert full[name] == pytest.approx(expected), name
        else:
            assert full[name] == expected, name
        assert empty[name] is None, name


async def test_a_record_column_is_refused_with_its_name(tmp_path, target, target_db):
    path = duckdb_file(
        str(tmp_path / "nested.duckdb"),
        "CREATE TABLE t AS SELECT 1 AS id, {'a': 1} AS payload",
    )
    with pytest.raises(TerminalError) as caught:
        await extract_to_postgres("duckdb", _settings(path), "SELECT * FROM t", target_db, "x.y")
    assert caught.value.error_type == "UNSUPPORTED_TYPE"
    assert "'payload'" in caught.value.message and "cast" in caught.value.message
