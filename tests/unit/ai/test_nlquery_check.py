"""ai.nlquery.check: a generated query that reaches files, URLs, other servers or settings is
refused before anything runs it, in the database's own dialect."""

from __future__ import annotations

import pytest

from ai.nlquery.check import check_query
from workflows.data_payloads import SchemaSnapshot, TableSchema


def _schema(dialect: str) -> SchemaSnapshot:
    return SchemaSnapshot(
        dialect=dialect,
        connection_type=dialect,
        tables=[TableSchema("orders", [["id", "bigint"], ["url", "text"]])],
    )


@pytest.mark.parametrize(
    ("dialect", "sql", "name"),
    [
        ("postgres", "SELECT pg_read_file('/etc/passwd') FROM orders", "pg_read_file"),
        ("postgres", "SELECT * FROM dblink('host=10.0.0.1', 'SELECT 1') AS t(a int)", "dblink"),
        ("postgres", "SELECT query_to_xml('SELECT 1', true, false, '')", "query_to_xml"),
        ("mysql", "SELECT LOAD_FILE('/etc/passwd') FROM orders", "load_file"),
        ("duckdb", "SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
        ("duckdb", "SELECT * FROM orders, glob('/*')", "glob"),
        ("clickhouse", "SELECT * FROM file('/etc/passwd')", "file"),
        ("clickhouse", "SELECT * FROM `url` ('http://169.254.169.254/', CSV)", "url"),
        (
            "clickhouse",
            "SELECT id FROM orders WHERE id IN (SELECT * FROM remote('h', db.t))",
            "remote",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 14 else None,
)
def test_a_query_that_reaches_outside_its_tables_is_refused(
    dialect: str, sql: str, name: str
) -> None:
    written, errors = check_query(sql, _schema(dialect))
    assert written is None
    assert any(f"{name}()" in e["msg"] for e in errors), errors


def test_server_variables_are_refused_in_mysql() -> None:
    written, errors = check_query(
        "SELECT @@secure_file_priv AS p, @@global.datadir AS d FROM orders", _schema("mysql")
    )
    assert written is None and "@@secure_file_priv" in errors[0]["msg"], errors


def test_settings_are_refused_in_clickhouse() -> None:
    written, errors = check_query(
        "SELECT id FROM orders SETTINGS readonly = 0", _schema("clickhouse")
    )
    assert written is None and "SETTINGS" in errors[0]["msg"], errors


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "duckdb", "clickhouse"])
def test_an_ordinary_query_passes(dialect: str) -> None:
    written, errors = check_query(
        "SELECT url, count(*) AS n FROM orders GROUP BY url", _schema(dialect)
    )
    assert errors == [] and written is not None
