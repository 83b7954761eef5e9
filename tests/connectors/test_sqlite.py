"""SQLite files as a source: the connection test, introspection, and declared types arriving
in PostgreSQL as documented (values converted exactly, or refused naming the column)."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest

from connectors.base import ConnectionSettings, TerminalError
from connectors.registry import connector_for
from tests.api.test_errors import assert_error
from tests.pipelines import unique_name
from tests.sources import URL, extract_to_postgres, file_body, register, sqlite_file


def _settings(path: str) -> ConnectionSettings:
    return ConnectionSettings(None, None, path)


async def test_connection_test_reports_the_file(api, tmp_path):
    path = sqlite_file(
        str(tmp_path / "shop.sqlite"),
        "CREATE TABLE orders (id INTEGER PRIMARY KEY)",
        "CREATE TABLE customers (id INTEGER PRIMARY KEY)",
        "CREATE VIEW recent AS SELECT * FROM orders",
    )
    created = (await api.post(URL, json=file_body("sqlite", path, unique_name("lite")))).json()
    assert (created["type"], created["database"]) == ("sqlite", path)
    assert created["host"] is None and created["port"] is None
    result = (await api.post(f"{URL}/{created['connectionId']}/test")).json()
    assert result["connected"] is True, result
    assert result["version"] == f"SQLite {sqlite3.sqlite_version}"
    assert result["details"] == {"schemas": ["main"], "tables": 3}
    assert result["latencyMs"] >= 1


async def test_a_missing_file_is_reported_and_not_created(api, tmp_path):
    path = str(tmp_path / "nowhere.sqlite")
    connection = await register(api, file_body("sqlite", path, unique_name("lite")))
    result = (await api.post(f"{URL}/{connection}/test")).json()
    assert result["connected"] is False
    assert "does not exist" in result["error"] and path in result["error"]
    assert not (tmp_path / "nowhere.sqlite").exists()


async def test_a_file_that_is_not_sqlite_is_reported(api, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database, " * 100)
    connection = await register(api, file_body("sqlite", str(path), unique_name("lite")))
    result = (await api.post(f"{URL}/{connection}/test")).json()
    assert result["connected"] is False
    assert "not a database" in result["error"]


@pytest.mark.parametrize(
    ("overrides", "loc", "words"),
    [
        ({"host": "127.0.0.1"}, ["body", "host"], "database file"),
        ({"port": 5432}, ["body", "port"], "no 'port'"),
    ],
    ids=["host", "port"],
)
async def test_file_connections_refuse_server_fields(api, overrides, loc, words):
    body = {**file_body("sqlite", "/data/shop.sqlite", unique_name("lite")), **overrides}
    detail = assert_error(await api.post(URL, json=body), 400, "VALIDATION_ERROR")["detail"]
    assert [d["loc"] for d in detail] == [loc], detail
    assert words in detail[0]["msg"]


async def test_server_connections_need_a_host(api):
    body = {"name": unique_name("pg"), "type": "postgresql", "database": "sales"}
    detail = assert_error(await api.post(URL, json=body), 400, "VALIDATION_ERROR")["detail"]
    assert [d["loc"] for d in detail] == [["body", "host"]]
    assert "needs 'host'" in detail[0]["msg"]


async def test_introspection(tmp_path):
    path = sqlite_file(
        str(tmp_path / "i.sqlite"),
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, amount NUMERIC(12,2) NOT NULL, note)",
    )
    sqlite = connector_for("sqlite")
    config = sqlite.config(_settings(path))
    (orders,) = await sqlite.introspect(config)
    assert (orders.schema, orders.name) == ("main", "orders")
    assert [(c.name, c.type, c.nullable) for c in orders.columns] == [
        ("id", "INTEGER", True),
        ("amount", "NUMERIC(12,2)", False),
        ("note", "", True),
    ]
    assert await sqlite.table_exists(config, None, "orders")
    assert await sqlite.table_exists(config, "main", "ORDERS")  # SQLite names ignore case
    assert not await sqlite.table_exists(config, None, "missing")


# declared type, stored value (SQL literal), PostgreSQL type, the value read back
TYPES = [
    ("c_integer", "INTEGER", "-9223372036854775808", "bigint", -(2**63)),
    ("c_int", "INT", "42", "bigint", 42),
    ("c_real", "REAL", "1.5", "double precision", 1.5),
    ("c_double", "DOUBLE PRECISION", "0.1", "double precision", 0.1),
    ("c_numeric", "NUMERIC(12,2)", "1234.5", "numeric(12,2)", Decimal("1234.50")),
    ("c_decimal", "DECIMAL(10,3)", "'7.125'", "numeric(10,3)", Decimal("7.125")),
    ("c_numeric_free", "NUMERIC", "2.5", "double precision", 2.5),
    ("c_text", "TEXT", "'héllo ✓'", "text", "héllo ✓"),
    ("c_varchar", "VARCHAR(20)", "'short'", "text", "short"),
    ("c_blob", "BLOB", "x'00ff'", "bytea", b"\x00\xff"),
    ("c_bool", "BOOLEAN", "1", "boolean", True),
    ("c_date", "DATE", "'2026-02-28'", "date", date(2026, 2, 28)),
    (
        "c_datetime",
        "DATETIME",
        "'2026-02-28 13:14:15'",
        "timestamp without time zone",
        datetime(2026, 2, 28, 13, 14, 15),
    ),
    (
        "c_timestamp_iso",
        "TIMESTAMP",
        "'2026-02-28T13:14:15.250+02:00'",  # an offset: stored as UTC
        "timestamp without time zone",
        datetime(2026, 2, 28, 11, 14, 15, 250000),
    ),
    (
        "c_epoch",
        "TIMESTAMP",
        "1772284455",  # Unix seconds
        "timestamp without time zone",
        datetime(2026, 2, 28, 13, 14, 15),
    ),
    ("c_json", "JSON", """'{"k": 1}'""", "text", '{"k": 1}'),
]


async def test_declared_types_arrive_as_documented(tmp_path, target, target_db):
    columns = ", ".join(f"{name} {decl}" for name, decl, *_ in TYPES)
    names = ", ".join(name for name, *_ in TYPES)
    path = sqlite_file(
        str(tmp_path / "types.sqlite"),
        f"CREATE TABLE t (id INTEGER PRIMARY KEY, {columns}, untyped)",
        f"INSERT INTO t (id, {names}, untyped) "
        f"VALUES (1, {', '.join(v for _, _, v, *_ in TYPES)}, 3)",
        "INSERT INTO t (id) VALUES (2)",
    )
    await target.execute("CREATE SCHEMA IF NOT EXISTS types")
    staged = f"types.sqlite_{uuid.uuid4().hex[:8]}"
    # An expression has no declared type: its values decide (here integers).
    query = "SELECT *, id * 10 AS tenfold FROM t"
    assert await extract_to_postgres("sqlite", _settings(path), query, target_db, staged) == 2
    types = dict(
        await target.fetch(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = $1::regclass AND attnum > 1 ORDER BY attnum",
            staged,
        )
    )
    assert types == {
        **{name: pg_type for name, _, _, pg_type, _ in TYPES},
        "untyped": "bigint",
        "tenfold": "bigint",
    }
    full, empty = await target.fetch(f"SELECT * FROM {staged} ORDER BY id")
    for name, *_, expected in TYPES:
        assert full[name] == expected, name
        assert empty[name] is None, name
    assert (full["untyped"], full["tenfold"], empty["tenfold"]) == (3, 10, 20)


async def test_a_value_that_does_not_fit_its_declared_type_names_the_column(
    tmp_path, target, target_db
):
    path = sqlite_file(
        str(tmp_path / "bad.sqlite"),
        "CREATE TABLE t (id INTEGER, amount INTEGER)",
        "INSERT INTO t VALUES (1, 10), (2, 'twelve')",  # SQLite stores it anyway
    )
    await target.execute("CREATE SCHEMA IF NOT EXISTS types")
    staged = f"types.bad_{uuid.uuid4().hex[:8]}"
    with pytest.raises(TerminalError) as caught:
        await extract_to_postgres("sqlite", _settings(path), "SELECT * FROM t", target_db, staged)
    assert caught.value.error_type == "DATA_ERROR"
    assert "'amount'" in caught.value.message and "twelve" in caught.value.message
    assert await target.fetchval("SELECT to_regclass($1)", staged) is None


async def test_a_value_found_late_hands_the_read_to_the_row_path_and_loads_each_row_once(
    tmp_path, target, target_db
):
    """connectorx's batches already in the staging table when a later row holds a value it
    would read otherwise are rolled back; the row path loads every row once."""
    rows = ", ".join(f"({i}, '2026-01-02')" for i in range(1, 10))
    path = sqlite_file(
        str(tmp_path / "late.sqlite"),
        "CREATE TABLE t (id INTEGER, day DATE)",
        f"INSERT INTO t VALUES {rows}, (10, '2026-01-02 10:00')",  # a DATE with a time
    )
    await target.execute("CREATE SCHEMA IF NOT EXISTS types")
    staged = f"types.late_{uuid.uuid4().hex[:8]}"
    loaded = await extract_to_postgres(
        "sqlite", _settings(path), "SELECT * FROM t", target_db, staged
    )
    assert loaded == 10
    got = await target.fetch(f"SELECT id, day FROM {staged} ORDER BY id")
    assert [r["id"] for r in got] == list(range(1, 11))
    assert {r["day"] for r in got} == {date(2026, 1, 2)}
