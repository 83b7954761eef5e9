"""MySQL/MariaDB as a source, against the machine's MariaDB: connection test, introspection,
and every common type arriving in PostgreSQL with its documented type and equal value."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from connectors.base import ConnectionSettings, TerminalError
from connectors.registry import connector_for
from tests.pipelines import unique_name
from tests.services import MYSQL_HOST, MYSQL_PORT, MYSQL_USER, mysql_execute
from tests.sources import URL, extract_to_postgres, mysql_body, register


def _settings(database: str, password: str | None = None) -> ConnectionSettings:
    return ConnectionSettings(MYSQL_HOST, MYSQL_PORT, database, MYSQL_USER, password)


async def test_connection_test_reports_the_server(api, mysql, mysql_db):
    table = unique_name("probe")
    await mysql_execute(mysql, f"CREATE TABLE `{table}` (id int)")
    ((expected_tables,),) = await mysql_execute(
        mysql,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN "
        "('information_schema', 'mysql', 'performance_schema', 'sys')",
    )
    ((version,),) = await mysql_execute(mysql, "SELECT VERSION()")
    connection = await register(api, mysql_body(mysql_db, unique_name("maria")))
    response = await api.post(f"{URL}/{connection}/test")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["connected"] is True, result
    assert result["error"] is None
    assert isinstance(result["latencyMs"], int) and result["latencyMs"] >= 1
    assert result["version"] == f"MariaDB {version.split('-')[0]}"
    assert mysql_db in result["details"]["schemas"]
    assert "mysql" not in result["details"]["schemas"]
    assert result["details"]["tables"] == expected_tables >= 1


async def test_port_defaults_to_3306_and_the_type_is_kept(api, mysql_db):
    body = mysql_body(mysql_db, unique_name("maria"))
    del body["port"]
    created = (await api.post(URL, json=body)).json()
    assert (created["type"], created["port"], created["host"]) == ("mariadb", 3306, MYSQL_HOST)


async def test_a_wrong_password_is_reported_not_raised(api, mysql_db):
    connection = await register(
        api, mysql_body(mysql_db, unique_name("maria"), password="wrong-pw")
    )
    response = await api.post(f"{URL}/{connection}/test")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["connected"] is False
    assert "Access denied" in result["error"] and "wrong-pw" not in response.text
    assert result["version"] is None
    assert result["details"] == {"schemas": [], "tables": 0}


async def test_a_closed_port_is_a_connection_problem(api, mysql_db):
    connection = await register(api, mysql_body(mysql_db, unique_name("maria"), port=1))
    result = (await api.post(f"{URL}/{connection}/test")).json()
    assert result["connected"] is False
    assert "connect" in result["error"].lower()


async def test_introspection_lists_tables_and_column_types(mysql, mysql_db):
    table = unique_name("shape")
    await mysql_execute(
        mysql,
        f"CREATE TABLE `{table}` (id bigint unsigned NOT NULL PRIMARY KEY, "
        "amount decimal(12,2), note varchar(40))",
    )
    tables = await connector_for("mysql").introspect(
        connector_for("mysql").config(_settings(mysql_db))
    )
    found = next(t for t in tables if t.name == table)
    assert found.schema == mysql_db
    assert [(c.name, c.type, c.nullable) for c in found.columns] == [
        ("id", "bigint(20) unsigned", False),
        ("amount", "decimal(12,2)", True),
        ("note", "varchar(40)", True),
    ]
    config = connector_for("mysql").config(_settings(mysql_db))
    assert await connector_for("mysql").table_exists(config, None, table)
    assert not await connector_for("mysql").table_exists(config, None, "no_such_table")


# column DDL, a value (SQL literal), PostgreSQL type, the value read back from PostgreSQL
TYPES = [
    ("c_tinyint", "tinyint", "-128", "smallint", -128),
    ("c_tinyint_u", "tinyint unsigned", "255", "smallint", 255),
    ("c_bool", "boolean", "true", "smallint", 1),
    ("c_smallint", "smallint", "-32768", "smallint", -32768),
    ("c_smallint_u", "smallint unsigned", "65535", "integer", 65535),
    ("c_mediumint", "mediumint", "-8388608", "integer", -8388608),
    ("c_int", "int", "-2147483648", "integer", -(2**31)),
    ("c_int_u", "int unsigned", "4294967295", "bigint", 2**32 - 1),
    ("c_bigint", "bigint", "-9223372036854775808", "bigint", -(2**63)),
    ("c_bigint_u", "bigint unsigned", "18446744073709551615", "numeric(20,0)", 2**64 - 1),
    ("c_float", "float", "1.5", "real", 1.5),
    ("c_double", "double", "0.1", "double precision", 0.1),
    ("c_decimal", "decimal(12,2)", "1234567890.12", "numeric(12,2)", Decimal("1234567890.12")),
    (
        "c_decimal_wide",
        "decimal(65,30)",
        "12345678901234567890123456789012345.123456789012345678901234567890",
        "numeric(65,30)",
        Decimal("12345678901234567890123456789012345.123456789012345678901234567890"),
    ),
    ("c_varchar", "varchar(20)", "'héllo ✓'", "text", "héllo ✓"),
    ("c_char", "char(3)", "'ab'", "text", "ab"),
    ("c_text", "text", "'long text'", "text", "long text"),
    ("c_enum", "enum('red','green')", "'green'", "text", "green"),
    ("c_set", "set('a','b')", "'a,b'", "text", "a,b"),
    ("c_json", "json", """'{"k": [1, 2]}'""", "text", '{"k": [1, 2]}'),
    ("c_blob", "blob", "x'00ff10'", "bytea", b"\x00\xff\x10"),
    ("c_varbinary", "varbinary(8)", "x'deadbeef'", "bytea", b"\xde\xad\xbe\xef"),
    ("c_bit", "bit(8)", "b'10101010'", "bytea", b"\xaa"),
    ("c_date", "date", "'2026-02-28'", "date", date(2026, 2, 28)),
    (
        "c_datetime",
        "datetime(6)",
        "'2026-02-28 13:14:15.123456'",
        "timestamp without time zone",
        datetime(2026, 2, 28, 13, 14, 15, 123456),
    ),
    (
        "c_timestamp",
        "timestamp(3) NULL",
        "'2026-02-28 13:14:15.123'",  # the session is UTC (tests.services.mysql_connect)
        "timestamp with time zone",
        datetime(2026, 2, 28, 13, 14, 15, 123000, tzinfo=UTC),
    ),
    ("c_time", "time", "'12:34:56'", "time without time zone", time(12, 34, 56)),
    ("c_year", "year", "2026", "smallint", 2026),
]


async def test_every_common_type_arrives_with_its_documented_type(
    mysql, mysql_db, target, target_db
):
    table = unique_name("types")
    columns = ", ".join(f"`{name}` {ddl}" for name, ddl, *_ in TYPES)
    await mysql_execute(
        mysql,
        f"CREATE TABLE `{table}` (id int PRIMARY KEY, {columns})",
        f"INSERT INTO `{table}` (id, {', '.join(f'`{n}`' for n, *_ in TYPES)}) "
        f"VALUES (1, {', '.join(value for _, _, value, *_ in TYPES)})",
        f"INSERT INTO `{table}` (id) VALUES (2)",  # every column NULL
    )
    await target.execute("CREATE SCHEMA IF NOT EXISTS types")
    staged = f"types.mysql_{table}"
    rows = await extract_to_postgres(
        "mariadb", _settings(mysql_db), f"SELECT * FROM `{table}`", target_db, staged
    )
    assert rows == 2
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


async def test_a_missing_table_fails_with_its_name(mysql_db, target_db):
    with pytest.raises(TerminalError) as caught:
        await extract_to_postgres(
            "mysql", _settings(mysql_db), "SELECT * FROM `gone`", target_db, "types.gone"
        )
    assert caught.value.error_type == "TABLE_NOT_FOUND"
    assert "gone" in caught.value.message
