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
    (
        "SELECT json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
        "json_execute_serialized_sql",
    ),
    ("SELECT * FROM copy_database('a', 'b')", "copy_database"),
    ("SELECT * FROM enable_profiling()", "enable_profiling"),
    ("SELECT * FROM enable_logging()", "enable_logging"),
    ("SELECT * FROM checkpoint()", "checkpoint"),
    ("SELECT write_log('x')", "write_log"),
    ("SELECT * FROM arrow_scan_dumb(1, 2, 3)", "arrow_scan_dumb"),
    ("SELECT * FROM python_map_function('t', 'f')", "python_map_function"),
    ("SELECT * FROM add_grammar_extension('x')", "add_grammar_extension"),
    ("SELECT * FROM create_external_resource('x')", "create_external_resource"),
    ("SELECT * FROM load_aws_credentials()", "load_aws_credentials"),
    ("SELECT * FROM http_get('http://169.254.169.254/')", "http_get"),
    ("SELECT table_to_xml('pg_authid', true, false, '')", "table_to_xml"),
    ("SELECT schema_to_xml('public', true, false, '')", "schema_to_xml"),
    ("SELECT database_to_xml(true, false, '')", "database_to_xml"),
    ("SELECT pg_current_logfile()", "pg_current_logfile"),
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


# --- ClickHouse: table functions and clauses that reach files, URLs, servers, programs ------

CLICKHOUSE_REFUSED = [
    ("SELECT * FROM file('/etc/passwd', 'CSV', 'a String')", "file"),
    ("SELECT * FROM FILE('/etc/passwd')", "file"),
    ("SELECT * FROM `file`('/etc/passwd')", "file"),
    ("SELECT * FROM \"file\" ('/etc/passwd')", "file"),
    ("SELECT * FROM file /* hidden */ ('/etc/passwd')", "file"),
    ("SELECT * FROM file\n\t('/etc/passwd')", "file"),
    ("SELECT file('/etc/passwd') AS x", "file"),
    ("SELECT * FROM url('http://169.254.169.254/latest/meta-data', CSV)", "url"),
    ("SELECT * FROM s3('http://127.0.0.1:9000/b/x.csv')", "s3"),
    ("SELECT * FROM s3Cluster('c', 'http://x/y.csv')", "s3cluster"),
    ("SELECT * FROM urlCluster('c', 'http://x')", "urlcluster"),
    ("SELECT * FROM fileCluster('c', '/etc/passwd')", "filecluster"),
    ("SELECT * FROM remote('10.0.0.1:9000', system.users)", "remote"),
    ("SELECT * FROM remoteSecure('10.0.0.1:9440', db.t, 'u', 'p')", "remotesecure"),
    ("SELECT * FROM cluster('c', db.t)", "cluster"),
    ("SELECT * FROM clusterAllReplicas('c', db.t)", "clusterallreplicas"),
    ("SELECT * FROM mysql('127.0.0.1:3306', 'd', 't', 'root', '')", "mysql"),
    ("SELECT * FROM postgresql('127.0.0.1:5432', 'd', 't', 'u', 'p')", "postgresql"),
    ("SELECT * FROM jdbc('jdbc:x', 'd', 't')", "jdbc"),
    ("SELECT * FROM odbc('DSN=x', 'd', 't')", "odbc"),
    ("SELECT * FROM hdfs('hdfs://h:9000/x', 'TSV', 'a String')", "hdfs"),
    ("SELECT * FROM input('a String')", "input"),
    ("SELECT * FROM executable('id', TSV, 'a String')", "executable"),
    ("SELECT * FROM azureBlobStorage('x', 'c', 'b')", "azureblobstorage"),
    ("SELECT * FROM gcs('https://storage.googleapis.com/b/x.csv')", "gcs"),
    ("SELECT * FROM mongodb('h:27017', 'd', 'c', 'u', 'p', 'a String')", "mongodb"),
    ("SELECT * FROM redis('h:6379', 'k', 'k String')", "redis"),
    ("SELECT * FROM sqlite('/var/lib/x.db', 't')", "sqlite"),
    ("SELECT * FROM dictionary('d')", "dictionary"),
    ("SELECT * FROM deltaLake('http://x/t')", "deltalake"),
    ("SELECT * FROM iceberg('http://x/t')", "iceberg"),
    ("SELECT * FROM icebergS3('http://x/t')", "icebergs3"),
    ("SELECT * FROM hudi('http://x/t')", "hudi"),
    ("SELECT * FROM merge('other_db', '.*')", "merge"),
    ("SELECT dictGet('d', 'a', toUInt64(1)) AS x", "dictget"),
    ("SELECT getSetting('max_threads') AS x", "getsetting"),
    ("SELECT getServerSetting('path') AS x", "getserversetting"),
    ("SELECT a FROM t WHERE a IN (SELECT c1 FROM url('http://x', CSV))", "url"),
    ("WITH x AS (SELECT * FROM file('/etc/passwd')) SELECT * FROM x", "file"),
    ("SELECT * FROM t JOIN s3('http://x/y.csv') AS y ON t.a = y.a", "s3"),
    ("SELECT a FROM t UNION ALL SELECT c1 FROM remote('h', db.t)", "remote"),
    ("SELECT * FROM (SELECT * FROM (SELECT * FROM mysql('h', 'd', 't', 'u', 'p')))", "mysql"),
    ("SELECT * FROM default.file('/etc/passwd')", "file"),
]


def _clickhouse_refusal(sql: str) -> str | None:
    """What the checks say of ``sql`` read as ClickHouse (text it cannot parse: its tokens)."""
    try:
        tree = sqlglot.parse_one(sql, read="clickhouse")
    except sqlglot.errors.SqlglotError:
        return confinement_sql.refused_tokens(sql, "clickhouse") or "does not parse"
    return confinement_sql.refused(tree) or confinement_sql.refused_tokens(sql, "clickhouse")


@pytest.mark.parametrize(
    ("sql", "name"),
    CLICKHOUSE_REFUSED,
    ids=[name + f"-{i}" for i, (_, name) in enumerate(CLICKHOUSE_REFUSED)],
)
def test_clickhouse_table_functions_are_refused_in_every_spelling(sql: str, name: str) -> None:
    reason = _clickhouse_refusal(sql)
    assert reason is not None and f"{name}()" in reason, reason


@pytest.mark.parametrize(
    ("sql", "name"),
    [(sql, name) for sql, name in CLICKHOUSE_REFUSED if "`" not in sql],
)
def test_clickhouse_table_functions_are_refused_in_a_definitions_sql(sql: str, name: str) -> None:
    """A definition's SQL (read as PostgreSQL's) names the function too, even where the parser
    reads ``file`` or ``dictionary`` as a table."""
    with pytest.raises(ValueError, match=rf"{name}\(\)"):
        parse_select(sql)


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("SELECT * FROM t SETTINGS readonly = 0", "SETTINGS"),
        ("SELECT * FROM t FORMAT CSV", "FORMAT"),
        ("SELECT * FROM t INTO OUTFILE '/tmp/x.csv'", "does not parse"),
        ("SELECT a FROM (SELECT a FROM t SETTINGS max_threads = 1)", "SETTINGS"),
    ],
    ids=["settings", "format", "into-outfile", "settings-in-subquery"],
)
def test_clickhouse_clauses_are_refused(sql: str, words: str) -> None:
    reason = _clickhouse_refusal(sql)
    assert reason is not None and words in reason, reason


CLICKHOUSE_ALLOWED = [
    "SELECT toYYYYMM(d), count() FROM events GROUP BY 1",
    "SELECT url, file, input FROM visits",
    "SELECT * FROM visits WHERE url = 'file(x)'",
    "SELECT format('{}', a), cutURLParameter(url, 'x') FROM visits",
    "SELECT a FROM t WHERE a IN (1, 2)",
    "SELECT * FROM `file`",
]


@pytest.mark.parametrize("sql", CLICKHOUSE_ALLOWED, ids=range(len(CLICKHOUSE_ALLOWED)))
def test_ordinary_clickhouse_queries_pass(sql: str) -> None:
    assert _clickhouse_refusal(sql) is None
