"""core.confinement.sql and domain.definition.sql: what a definition's SQL may not do."""

from __future__ import annotations

import pytest
import sqlglot

from core.confinement import sql as confinement_sql
from domain.definition.sql import bind_parameters, parse_select, referenced_tables

REFUSED_FUNCTIONS = [
    ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
    ("SELECT * FROM read_csv_auto('x.csv')", "read_csv_auto"),
    ("SELECT * FROM read_parquet('s3://b/x')", "read_parquet"),
    ("SELECT * FROM parquet_scan('x')", "parquet_scan"),
    ("SELECT * FROM sniff_csv('x')", "sniff_csv"),
    ("SELECT * FROM duckdb_settings()", "duckdb_settings"),
    ("SELECT getenv('HOME')", "getenv"),
    ("SELECT current_setting('data_directory')", "current_setting"),
    ("SELECT set_config('a', 'b', false)", "set_config"),
    ("SELECT pg_read_file('/etc/passwd')", "pg_read_file"),
    ("SELECT PG_READ_BINARY_FILE('/etc/passwd')", "pg_read_binary_file"),
    ("SELECT * FROM pg_ls_dir('.')", "pg_ls_dir"),
    ("SELECT pg_stat_file('x')", "pg_stat_file"),
    ("SELECT lo_import('/etc/passwd')", "lo_import"),
    ("SELECT * FROM dblink('host=x', 'select 1') AS t(a int)", "dblink"),
    ("SELECT pg_terminate_backend(1)", "pg_terminate_backend"),
    ("SELECT load_file('/etc/passwd')", "load_file"),
    ("SELECT sys_exec('id')", "sys_exec"),
    ("SELECT readfile('x')", "readfile"),
    ("SELECT writefile('x', 'y')", "writefile"),
    ("SELECT * FROM query('select 1')", "query"),
    ("SELECT * FROM postgres_scan('dsn', 'public', 't')", "postgres_scan"),
    ("SELECT * FROM sqlite_scan('x.db', 't')", "sqlite_scan"),
    ("SELECT load_extension('x')", "load_extension"),
    ("SELECT a FROM t WHERE a IN (SELECT getenv('HOME'))", "getenv"),
    ("WITH x AS (SELECT pg_read_file('/etc/passwd') AS a) SELECT a FROM x", "pg_read_file"),
    ("SELECT upper(Pg_Ls_Dir('.')) FROM t", "pg_ls_dir"),
]


@pytest.mark.parametrize(
    ("sql", "name"),
    REFUSED_FUNCTIONS,
    ids=[name + f"-{i}" for i, (_, name) in enumerate(REFUSED_FUNCTIONS)],
)
def test_refused_names_the_function(sql: str, name: str) -> None:
    reason = confinement_sql.refused(sqlglot.parse_one(sql, read="postgres"))
    assert reason is not None
    assert f"{name}()" in reason


ALLOWED = [
    "SELECT 1",
    "SELECT count(*), sum(amount), max(created_at) FROM orders",
    "SELECT lower(name), coalesce(a, b), date_trunc('day', ts) FROM t",
    "SELECT read_count, query_text, glob_pattern FROM stats",
    "SELECT * FROM read_csv_files",
    "SELECT 'read_csv(1)' AS s FROM t",
    "SELECT * FROM t WHERE name = 'getenv'",
    'SELECT * FROM "pg_read_file"',
    "SELECT row_number() OVER (ORDER BY id) FROM t",
    "SELECT string_agg(name, ',') FROM t GROUP BY k",
]


@pytest.mark.parametrize("sql", ALLOWED, ids=[f"allowed-{i}" for i in range(len(ALLOWED))])
def test_ordinary_queries_pass_both_checks(sql: str) -> None:
    assert confinement_sql.refused(sqlglot.parse_one(sql, read="postgres")) is None
    assert confinement_sql.refused_tokens(sql) is None


@pytest.mark.parametrize(
    ("sql", "keyword"),
    [
        ("SELECT * FROM '/etc/passwd'", "FROM"),
        ("select * from 'data.csv'", "FROM"),
        ("SELECT * FROM t JOIN '/etc/hosts' ON true", "JOIN"),
        ("SELECT * FROM t LEFT JOIN 'x.parquet' AS p ON true", "JOIN"),
        ("SELECT a FROM (SELECT * FROM 'x.json') s", "FROM"),
    ],
    ids=["from", "from-lower", "join", "left-join", "subquery"],
)
def test_a_string_where_a_table_belongs_is_refused(sql: str, keyword: str) -> None:
    reason = confinement_sql.refused_tokens(sql)
    assert reason is not None
    assert f"after {keyword}" in reason


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'from' FROM t",
        "SELECT * FROM t WHERE a = 'FROM' AND b = 'JOIN'",
        'SELECT * FROM "quoted name"',
        "SELECT extract(year FROM ts) FROM t",
        "SELECT * FROM 'unterminated",
    ],
    ids=[
        "literal-word-from",
        "literal-words",
        "quoted-identifier",
        "extract-from",
        "tokenizer-error",
    ],
)
def test_strings_elsewhere_are_not_tables(sql: str) -> None:
    assert confinement_sql.refused_tokens(sql) is None


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT pg_read_file('/etc/passwd')", "pg_read_file"),
        ("SELECT * FROM '/etc/passwd'", "is a string, not a table"),
        ("INSERT INTO t VALUES (1)", "only a SELECT"),
        ("DELETE FROM t", "only a SELECT"),
        ("DROP TABLE t", "only a SELECT"),
        ("UPDATE t SET a = 1", "only a SELECT"),
        ("TRUNCATE t", "only a SELECT"),
        ("SELECT * INTO copy FROM t", "may only read"),
        ("SELECT 1; SELECT 2", "expected one SQL statement, found 2"),
        ("", "expected one SQL statement, found 0"),
        ("SELECT * FROM t FOR UPDATE", "may only read"),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "may only read"),
        ("SELECT (", "does not parse"),
        ("SELECT 'open", "does not parse"),
    ],
    ids=[
        "refused-function",
        "string-table",
        "insert",
        "delete",
        "drop",
        "update",
        "truncate",
        "select-into",
        "two-statements",
        "empty",
        "row-lock",
        "writing-cte",
        "unbalanced",
        "unterminated-string",
    ],
)
def test_parse_select_refuses(sql: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_select(sql)


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        ("SELECT * FROM orders", {"orders"}),
        ("SELECT * FROM Orders o JOIN customers c ON o.c = c.id", {"orders", "customers"}),
        ("WITH x AS (SELECT * FROM raw) SELECT * FROM x", {"raw"}),
        ("SELECT * FROM sales.orders", {"sales.orders"}),
        ("SELECT 1 UNION SELECT a FROM b", {"b"}),
        ("SELECT 1", set()),
    ],
    ids=["one", "join-lowercased", "cte-excluded", "qualified", "union", "none"],
)
def test_referenced_tables(sql: str, tables: set[str]) -> None:
    assert referenced_tables(sql) == tables


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (None, "NULL"),
        (True, "TRUE"),
        (42, "42"),
        (1.5, "1.5"),
        ("x", "'x'"),
        ("o'brien", "'o''brien'"),
        ("1; DROP TABLE t", "'1; DROP TABLE t'"),
    ],
    ids=["null", "bool", "int", "float", "text", "quote", "injection"],
)
def test_bind_parameters_writes_literals(value: object, literal: str) -> None:
    bound = bind_parameters("SELECT * FROM t WHERE a = :v", {"v": value})  # type: ignore[dict-item]
    assert bound == f"SELECT * FROM t WHERE a = {literal}"


def test_bind_parameters_needs_every_value() -> None:
    with pytest.raises(ValueError, match=":missing"):
        bind_parameters("SELECT * FROM t WHERE a = :missing", {})
