"""Attacks through the SQL that DuckDB runs for a tenant: transformations staged in DuckDB (a
DuckDB sink), a DuckDB source's query and an HTTP source's query. DuckDB's file, settings and
extension functions would read the server's files; each is refused when the pipeline is saved
(422), and what validation cannot see (a path bound from a run parameter, a query inside a
string) fails the run without a byte of the file landing anywhere. ClickHouse's table functions
(files, URLs, object stores, other servers, programs) are refused the same way, in every
spelling, in the SQL of a pipeline loading into ClickHouse and in its sink's ``partition_by``
(an expression ClickHouse runs in its CREATE TABLE).

The protected file is a canary in the data directory; the attacker is an editor of a second
tenant whose own root holds the pipeline's source and its DuckDB target.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.http_api import Api, orders, serve
from tests.security.kit import (
    Attacker,
    Canary,
    OwnLake,
    assert_refused_at_run_time,
    assert_sql_refused,
    attacker_fixture,  # noqa: F401  (the fixture "attacker")
    attempt_run,
    create_connection,
    create_pipeline,
    duckdb_text,
    own_lake,
    plant,
    policy_fixture,  # noqa: F401  (the fixture "policy")
    post_pipeline,
)
from tests.sources import duckdb_file


@dataclass
class Lake(OwnLake):
    canary: Canary  # in the data directory


@pytest.fixture
async def lake(attacker: Attacker, policy, settings) -> AsyncIterator[Lake]:
    own = await own_lake(attacker)
    canary = plant(settings.data_dir / f"canary-{uuid.uuid4().hex[:8]}.csv")
    yield Lake(own.source, own.target, own.target_path, own.seed_marker, canary)
    canary.path.unlink(missing_ok=True)


def _definition(lake: Lake, sql: str, **extra) -> dict:
    return {
        "sources": {"seed": {"connection": lake.source, "table": "seed.csv"}},
        "transformations": [{"name": "loot", "sql": sql}],
        "sinks": {"out": {"connection": lake.target, "table": "loot.rows", "mode": "replace"}},
        **extra,
    }


def _paths(lake: Lake, attacker: Attacker) -> dict[str, str]:
    return {
        "absolute": str(lake.canary.path),
        # Up from the tenant's own root: tenants/<id>/../../<file> is the data directory.
        "dotdot": f"{attacker.root}/../../{lake.canary.path.name}",
        "dot-segments": f"{attacker.root}/./.././../{lake.canary.path.name}",
    }


async def test_control_a_plain_transformation_lands_in_the_target(
    attacker: Attacker,
    lake: Lake,
    client,
):
    """The harness: what a transformation selects does land where the searches look."""
    pipeline = await create_pipeline(attacker.editor, _definition(lake, "SELECT * FROM seed"))
    outcome = await attempt_run(attacker.editor, client, attacker.tenant_id, pipeline)
    assert outcome.run is not None and outcome.run["status"] == "COMPLETED", outcome.text
    assert lake.seed_marker in duckdb_text(lake.target_path)


# Each reads the canary at {p}; validation must refuse every one (the contract lists them).
LISTED = {
    "read_text": "SELECT content AS loot FROM read_text('{p}')",
    "read_csv": "SELECT * FROM read_csv('{p}')",
    "read_csv_auto": "SELECT * FROM read_csv_auto('{p}')",
    "read_blob": "SELECT content AS loot FROM read_blob('{p}')",
    "read_parquet": "SELECT * FROM read_parquet('{p}')",
    "read_json": "SELECT * FROM read_json('{p}')",
    "read_json_auto": "SELECT * FROM read_json_auto('{p}')",
    "parquet_scan": "SELECT * FROM parquet_scan('{p}')",
    "upper-case": "SELECT content AS loot FROM READ_TEXT('{p}')",
    "in-a-cte": "WITH x AS (SELECT content FROM read_text('{p}')) SELECT content AS loot FROM x",
    "scalar-subquery": "SELECT id, (SELECT content FROM read_text('{p}')) AS loot FROM seed",
    "joined": "SELECT seed.id, f.content AS loot FROM seed CROSS JOIN read_text('{p}') AS f",
    "list-argument": "SELECT content AS loot FROM read_text(['{p}'])",
    "concatenated": "SELECT content AS loot FROM read_text('{p}' || '')",
    "quoted-path-as-table": "SELECT * FROM '{p}'",
    "double-quoted-path": 'SELECT * FROM "{p}"',
    "current_setting": "SELECT current_setting('temp_directory') AS loot FROM seed",
    "duckdb_settings": "SELECT name, value AS loot FROM duckdb_settings()",
    "serialized-sql": "SELECT json_execute_serialized_sql(json_serialize_sql("
    "'SELECT content FROM read_text(''{p}'')')) AS loot",
    "copy_database": "SELECT * FROM copy_database('memory', 'stolen')",
    "enable_profiling": "SELECT * FROM enable_profiling()",
    "arrow_scan_dumb": "SELECT * FROM arrow_scan_dumb(1, 2, 3)",
    "attach": "ATTACH '{p}' AS stolen",
    "copy": "COPY (SELECT * FROM seed) TO '{p}.out.csv'",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "set": "SET enable_external_access = true",
}


SPELLINGS = ("absolute", "dotdot", "dot-segments")
LISTED_CASES = [
    pytest.param(sql, spelling, id=f"{name}-{spelling}")
    for name, sql in LISTED.items()
    # Path spellings matter to a check of paths, not to one of functions: two suffice.
    for spelling in (SPELLINGS if name in ("read_text", "quoted-path-as-table") else SPELLINGS[:1])
]


@pytest.mark.parametrize(("sql", "spelling"), LISTED_CASES)
async def test_file_functions_in_a_transformation_are_refused_when_saved(
    attacker: Attacker,
    lake: Lake,
    sql: str,
    spelling: str,
):
    path = _paths(lake, attacker)[spelling]
    response = await post_pipeline(attacker.editor, _definition(lake, sql.format(p=path)))
    assert_sql_refused(response)
    assert not lake.canary.found_in(attacker.responses())
    assert not lake.target_path.exists()


READ = "(SELECT content FROM read_text('{p}'))"
STEPS = {
    "derive": {"type": "derive", "input": "seed", "columns": {"loot": READ}},
    "filter": {"type": "filter", "input": "seed", "condition": f"{READ} LIKE '%CNRY%'"},
}


@pytest.mark.parametrize("step", STEPS.values(), ids=STEPS.keys())
async def test_file_functions_in_declarative_steps_are_refused_when_saved(
    attacker: Attacker,
    lake: Lake,
    step: dict,
):
    text = json.dumps(step).replace("{p}", str(lake.canary.path))
    definition = _definition(lake, "SELECT * FROM seed")
    definition["transformations"] = [{"name": "loot", **json.loads(text)}]
    response = await post_pipeline(attacker.editor, definition)
    assert_sql_refused(response)
    assert not lake.canary.found_in(attacker.responses())


async def test_file_functions_in_a_quality_check_are_refused_when_saved(
    attacker: Attacker,
    lake: Lake,
):
    # A failing check's message would carry the cast error, and the cast error the content.
    check = {
        "type": "custom_sql",
        "sql": f"SELECT CAST(content AS INTEGER) FROM read_text('{lake.canary.path}')",
    }
    definition = _definition(lake, "SELECT * FROM seed", quality_checks=[check])
    response = await post_pipeline(attacker.editor, definition)
    assert_sql_refused(response)
    assert not lake.canary.found_in(attacker.responses())


# What validation may not see: the run itself must fail, and nothing of the file land.
HIDDEN = {
    # The path arrives as a run parameter, bound as a literal after validation: FROM '<path>'.
    "parameter-bound-path": ("SELECT * FROM :seed", {"seed": "{p}"}),
    "query-in-a-string": (
        "SELECT * FROM query('SELECT content AS loot FROM read_text(''{p}'')')",
        {},
    ),
    "sniff_csv": ("SELECT * FROM sniff_csv('{p}')", {}),
    "query_table": ("SELECT * FROM query_table('{p}')", {}),
}


@pytest.mark.parametrize(("sql", "parameters"), HIDDEN.values(), ids=HIDDEN.keys())
async def test_file_reads_validation_cannot_see_fail_the_run(
    attacker: Attacker,
    lake: Lake,
    client,
    sql: str,
    parameters: dict,
):
    path = str(lake.canary.path)
    response = await post_pipeline(attacker.editor, _definition(lake, sql.format(p=path)))
    if response.status_code != 201:
        assert_sql_refused(response)
    else:
        outcome = await attempt_run(
            attacker.editor,
            client,
            attacker.tenant_id,
            response.json()["pipelineId"],
            **{k: v.format(p=path) for k, v in parameters.items()},
        )
        assert_refused_at_run_time(outcome, policy_type=False)
        assert not lake.canary.found_in(outcome.text)
    assert not lake.canary.found_in(attacker.responses())
    assert not lake.canary.found_in(duckdb_text(lake.target_path))


async def test_getenv_in_a_transformation_is_refused(
    attacker: Attacker,
    lake: Lake,
    client,
    monkeypatch,
):
    variable = f"DUCTWORK_TEST_ENV_{uuid.uuid4().hex[:8].upper()}"
    marker = "ENVM" + uuid.uuid4().hex
    monkeypatch.setenv(variable, marker)
    sql = f"SELECT id, getenv('{variable}') AS loot FROM seed"
    response = await post_pipeline(attacker.editor, _definition(lake, sql))
    if response.status_code != 201:
        assert_sql_refused(response)
    else:
        outcome = await attempt_run(
            attacker.editor, client, attacker.tenant_id, response.json()["pipelineId"]
        )
        assert marker not in outcome.text
    assert marker not in duckdb_text(lake.target_path)
    assert marker not in attacker.responses()


# --- a DuckDB source's query runs in DuckDB with the worker's privileges -----------------------


@pytest.fixture
async def duck_source(attacker: Attacker, lake: Lake) -> str:
    path = duckdb_file(str(attacker.root / "src.duckdb"), "CREATE TABLE t AS SELECT 1 AS id")
    return await create_connection(attacker.editor, {"type": "duckdb", "database": path})


SOURCE_QUERIES = {
    "read_text": "SELECT content AS loot FROM read_text('{p}')",
    "read_csv": "SELECT * FROM read_csv('{p}')",
    "quoted-path-as-table": "SELECT * FROM '{p}'",
    "dotdot": "SELECT content AS loot FROM read_text('{root}/../../{name}')",
    "duckdb_settings": "SELECT name, value AS loot FROM duckdb_settings()",
    "current_setting": "SELECT current_setting('temp_directory') AS loot",
}


@pytest.mark.parametrize("query", SOURCE_QUERIES.values(), ids=SOURCE_QUERIES.keys())
async def test_file_functions_in_a_duckdb_source_query_are_refused_when_saved(
    attacker: Attacker,
    lake: Lake,
    duck_source: str,
    query: str,
):
    sql = query.format(p=lake.canary.path, root=attacker.root, name=lake.canary.path.name)
    definition = {
        "sources": {"src": {"connection": duck_source, "query": sql}},
        "sinks": {"out": {"connection": lake.target, "table": "loot.rows", "mode": "replace"}},
    }
    response = await post_pipeline(attacker.editor, definition)
    assert_sql_refused(response)
    assert not lake.canary.found_in(attacker.responses())


@pytest.mark.parametrize(
    ("query", "parameters"),
    [
        ("SELECT * FROM :f", {"f": "{p}"}),  # bound after validation: FROM '<path>'
        ('SELECT * FROM "{p}"', {}),  # an identifier DuckDB resolves to the file
    ],
    ids=["parameter-bound-path", "double-quoted-path"],
)
async def test_a_path_validation_cannot_see_in_a_duckdb_source_query_fails_the_run(
    attacker: Attacker,
    lake: Lake,
    duck_source: str,
    client,
    query: str,
    parameters: dict,
):
    path = str(lake.canary.path)
    definition = {
        "sources": {"src": {"connection": duck_source, "query": query.format(p=path)}},
        "sinks": {"out": {"connection": lake.target, "table": "loot.rows", "mode": "replace"}},
    }
    response = await post_pipeline(attacker.editor, definition)
    if response.status_code != 201:
        assert_sql_refused(response)
    else:
        outcome = await attempt_run(
            attacker.editor,
            client,
            attacker.tenant_id,
            response.json()["pipelineId"],
            **{k: v.format(p=path) for k, v in parameters.items()},
        )
        assert_refused_at_run_time(outcome, policy_type=False)
        assert not lake.canary.found_in(outcome.text)
    assert not lake.canary.found_in(attacker.responses())
    assert not lake.canary.found_in(duckdb_text(lake.target_path))


# --- an HTTP source's query runs in DuckDB over the fetched records ------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT content AS loot FROM read_text('{p}')",
        "SELECT o.id, f.content AS loot FROM plain AS o CROSS JOIN read_text('{p}') AS f",
        "SELECT * FROM '{p}'",
    ],
    ids=["read_text", "joined", "quoted-path-as-table"],
)
async def test_file_functions_in_an_http_source_query_are_refused_when_saved(
    attacker: Attacker,
    lake: Lake,
    policy,
    query: str,
):
    policy.set(allowed_networks=["127.0.0.0/8"])  # the operator lets tenants reach the test API
    with serve(Api(orders(5))) as api:
        response = await attacker.editor.post(
            "/v1/pipelines/connections",
            json={"name": f"rest-{uuid.uuid4().hex[:8]}", "type": "http", "host": api.url},
        )
        assert response.status_code == 201, response.text
        rest = response.json()["connectionId"]
        definition = {
            "sources": {"src": {"connection": rest, "query": query.format(p=lake.canary.path)}},
            "sinks": {"out": {"connection": lake.target, "table": "loot.rows", "mode": "replace"}},
        }
        refused = await post_pipeline(attacker.editor, definition)
    assert_sql_refused(refused)
    assert not lake.canary.found_in(attacker.responses())


# --- ClickHouse: table functions in a pipeline loading into ClickHouse, and its partition key ----


@pytest.fixture
async def clickhouse_sink(attacker: Attacker, policy) -> str:
    """A ClickHouse connection of the attacker's (never reached: every case is refused when
    saved)."""
    body = {"type": "clickhouse", "host": "8.8.8.8", "port": 8123, "database": "analytics"}
    return await create_connection(attacker.editor, body)


CLICKHOUSE_SQL = {
    "file": "SELECT * FROM file('{p}', 'CSV', 'a String')",
    "file-upper": "SELECT * FROM FILE('{p}')",
    "file-double-quoted": "SELECT * FROM \"file\" ('{p}')",
    "file-commented": "SELECT * FROM file /* x */ ('{p}')",
    "file-scalar": "SELECT id, file('{p}') AS loot FROM seed",
    "url": "SELECT * FROM url('http://169.254.169.254/latest/meta-data/', CSV, 'a String')",
    "s3": "SELECT * FROM s3('http://127.0.0.1:9000/bucket/x.csv')",
    "remote": "SELECT * FROM remote('10.0.0.1:9000', system.users)",
    "remoteSecure": "SELECT * FROM remoteSecure('10.0.0.1:9440', db.t, 'u', 'p')",
    "cluster": "SELECT * FROM cluster('default', system.settings)",
    "mysql": "SELECT * FROM mysql('127.0.0.1:3306', 'mysql', 'user', 'root', '')",
    "postgresql": "SELECT * FROM postgresql('127.0.0.1:5432', 'postgres', 't', 'u', 'p')",
    "jdbc": "SELECT * FROM jdbc('jdbc:mysql://127.0.0.1/', 'd', 't')",
    "odbc": "SELECT * FROM odbc('DSN=x', 'd', 't')",
    "hdfs": "SELECT * FROM hdfs('hdfs://10.0.0.1:9000/x', 'TSV', 'a String')",
    "executable": "SELECT * FROM executable('id', TSV, 'a String')",
    "azureBlobStorage": "SELECT * FROM azureBlobStorage('x', 'c', 'b')",
    "gcs": "SELECT * FROM gcs('https://storage.googleapis.com/b/x.csv')",
    "mongodb": "SELECT * FROM mongodb('10.0.0.1:27017', 'd', 'c', 'u', 'p', 'a String')",
    "redis": "SELECT * FROM redis('10.0.0.1:6379', 'k', 'k String')",
    "sqlite": "SELECT * FROM sqlite('{p}', 't')",
    "dictionary": "SELECT * FROM dictionary('secrets')",
    "s3Cluster": "SELECT * FROM s3Cluster('c', 'http://x/y.csv')",
    "urlCluster": "SELECT * FROM urlCluster('c', 'http://x')",
    "fileCluster": "SELECT * FROM fileCluster('c', '{p}')",
    "deltaLake": "SELECT * FROM deltaLake('http://x/t')",
    "iceberg": "SELECT * FROM iceberg('http://x/t')",
    "hudi": "SELECT * FROM hudi('http://x/t')",
    "input": "SELECT * FROM input('a String')",
    "in-subquery": "SELECT id FROM seed WHERE id IN (SELECT c1 FROM url('http://10.0.0.1/', CSV))",
    "in-a-cte": "WITH x AS (SELECT * FROM file('{p}')) SELECT * FROM x",
    "joined": "SELECT seed.id FROM seed JOIN s3('http://x/y.csv') AS y ON seed.id = y.id",
    "union": "SELECT id FROM seed UNION ALL SELECT c1 FROM remote('10.0.0.1', db.t)",
    "settings": "SELECT * FROM seed SETTINGS readonly = 0",
    "into-outfile": "SELECT * FROM seed INTO OUTFILE '{p}.out'",
    "system": "SYSTEM RELOAD DICTIONARIES",
}


@pytest.mark.parametrize("sql", CLICKHOUSE_SQL.values(), ids=CLICKHOUSE_SQL.keys())
async def test_clickhouse_table_functions_are_refused_when_saved(
    attacker: Attacker, lake: Lake, clickhouse_sink: str, sql: str
):
    definition = {
        "sources": {"seed": {"connection": lake.source, "table": "seed.csv"}},
        "transformations": [{"name": "loot", "sql": sql.format(p=lake.canary.path)}],
        "sinks": {"out": {"connection": clickhouse_sink, "table": "loot", "mode": "replace"}},
    }
    response = await post_pipeline(attacker.editor, definition)
    assert_sql_refused(response)
    assert not lake.canary.found_in(attacker.responses())


PARTITION_KEYS = {
    "file": "length(file('{p}'))",
    "file-backquoted": "length(`file` ('{p}'))",
    "url-subquery": "(SELECT count() FROM url('http://169.254.169.254/', CSV, 'a String'))",
    "in-subquery": "id IN (SELECT 1)",
    "dictGet": "dictGet('secrets', 'value', toUInt64(id))",
    "getSetting": "getSetting('max_threads')",
    "second-statement": "id; DROP TABLE analytics.other",
    "engine": "id) ENGINE = URL('http://10.0.0.1/x', CSV",
}


@pytest.mark.parametrize("key", PARTITION_KEYS.values(), ids=PARTITION_KEYS.keys())
async def test_a_clickhouse_partition_key_that_reaches_outside_the_row_is_refused_when_saved(
    attacker: Attacker, lake: Lake, clickhouse_sink: str, key: str
):
    sink = {
        "connection": clickhouse_sink,
        "table": "loot",
        "options": {"partition_by": key.format(p=lake.canary.path)},
    }
    definition = {
        "sources": {"seed": {"connection": lake.source, "table": "seed.csv"}},
        "sinks": {"out": sink},
    }
    response = await post_pipeline(attacker.editor, definition)
    assert response.status_code == 422, response.text
    assert not lake.canary.found_in(attacker.responses())


async def test_control_an_ordinary_clickhouse_pipeline_is_saved(
    attacker: Attacker, lake: Lake, clickhouse_sink: str
):
    definition = {
        "sources": {"seed": {"connection": lake.source, "table": "seed.csv"}},
        "transformations": [{"name": "t", "sql": "SELECT id, upper(name) AS url FROM seed"}],
        "sinks": {
            "out": {
                "connection": clickhouse_sink,
                "table": "loot",
                "options": {"partition_by": "intDiv(id, 100)", "order_by": ["id"]},
            }
        },
    }
    response = await post_pipeline(attacker.editor, definition)
    assert response.status_code == 201, response.text
