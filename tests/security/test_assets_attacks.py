"""Attacks through asset pipelines (the named batch pipelines API, ``/api/pipeline``) as an
editor of tenant A: SQL assets and their outputs that read the server's files or run SQL no
check has seen (refused when saved), a quoted path as a table that only the engine can stop
(the run fails and no byte of the file lands in a table, an output or the run's answer);
tenant B's definitions, runs, connections and asset tables by name or id; and hostile bodies
that must get a 4xx saying what to fix, never a 500.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests import auth
from tests.asset_runs import fresh_tenant, trigger, wait_run
from tests.security.kit import (
    Canary,
    plant,
    policy_fixture,  # noqa: F401  (the fixture "policy")
    tenant_client,
    tree_bytes,
)

DEFINITIONS = "/api/pipeline/definitions"


@dataclass
class Tenants:
    a: str
    a_root: Any
    editor: httpx.AsyncClient  # A's editor
    viewer: httpx.AsyncClient  # A's viewer
    b: httpx.AsyncClient  # B's admin
    b_pipeline: str
    b_run: str
    b_batch: str
    b_connection: str
    b_connection_id: str
    b_table: str


def _pipeline(name: str, sql: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "assets": [{"name": "loot", "sql": sql, **extra}]}


@pytest.fixture(scope="module")
async def tenants(app, db, settings):  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    a, b = f"asa-{tag}", f"asb-{tag}"
    a_root = settings.data_dir / "tenants" / a
    b_root = settings.data_dir / "tenants" / b
    for root in (a_root, b_root):
        root.mkdir(parents=True, exist_ok=True)
    async with (
        tenant_client(app, await auth.make_key(db, a, "editor"), a) as editor,
        tenant_client(app, await auth.make_key(db, a, "viewer"), a) as viewer,
        tenant_client(app, await auth.make_key(db, b, "admin"), b) as victim,
    ):
        connection = f"b_store_{tag}"
        made = await victim.post(
            "/v1/pipelines/connections",
            json={"name": connection, "type": "duckdb", "database": str(b_root / "b.duckdb")},
        )
        assert made.status_code == 201, made.text
        name, table, batch = f"b_secret_{tag}", f"b_table_{tag}", f"B_BATCH_{tag}"
        secret = {
            "name": name,
            "description": "tenant B's own",
            "assets": [{"name": table, "sql": "SELECT 'B-ROW' AS note, :batch_id AS batch_id"}],
        }
        saved = await victim.post(DEFINITIONS, json=secret)
        assert saved.status_code == 201, saved.text
        run = await trigger(victim, name, batch)
        assert (await wait_run(victim, run))["status"] == "SUCCESS"
        yield Tenants(
            a,
            a_root,
            editor,
            viewer,
            victim,
            name,
            run,
            batch,
            connection,
            made.json()["connectionId"],
            table,
        )


# --- SQL refused when saved ----------------------------------------------------------------------

REFUSED_SQL = {
    "read_csv": "SELECT * FROM read_csv('/etc/passwd')",
    "read_text": "SELECT content FROM read_text('/etc/passwd')",
    "string-as-table": "SELECT * FROM '/etc/passwd'",
    "glob": "SELECT * FROM glob('/*')",
    "pg_read_file": "SELECT pg_read_file('/etc/passwd') AS x",
    "pg_read_file-qualified": "SELECT pg_catalog.\"pg_read_file\"('/etc/passwd') AS x",
    "pg_ls_dir": "SELECT pg_ls_dir('/') AS x",
    "lo_import": "SELECT lo_import('/etc/passwd') AS x",
    "query_to_xml": "SELECT query_to_xml('SELECT pg_read_file(''/etc/passwd'')', true, false, '')"
    " AS x",
    "query_to_xml_and_xmlschema": "SELECT query_to_xml_and_xmlschema('SELECT 1', true, false, '')"
    " AS x",
    "table_to_xml": "SELECT table_to_xml('pg_authid', true, false, '') AS x",
    "database_to_xml": "SELECT database_to_xml(true, false, '') AS x",
    "pg_current_logfile": "SELECT pg_current_logfile() AS x",
    "clickhouse-file": "SELECT * FROM file('/etc/passwd', 'CSV', 'a String')",
    "clickhouse-url": "SELECT * FROM url('http://169.254.169.254/latest/meta-data/', CSV)",
    "clickhouse-remote": "SELECT * FROM remote('10.0.0.1:9000', system.users)",
    "dblink": "SELECT * FROM dblink('host=127.0.0.1', 'SELECT 1') AS t(a int)",
    "current_setting": "SELECT current_setting('data_directory') AS x",
    "duckdb_settings": "SELECT * FROM duckdb_settings()",
    "sqlite_scan": "SELECT * FROM sqlite_scan('/etc/x.db', 't')",
    "attach": "ATTACH '/etc/x.db' AS x",
    "copy": "COPY (SELECT 1) TO '/tmp/x.csv'",
    "copy-from": "COPY t FROM '/etc/passwd'",
    "install": "INSTALL httpfs",
    "pragma": "PRAGMA database_list",
    "set": "SET enable_external_access = true",
    "two statements": "SELECT 1 AS x; SELECT * FROM read_csv('/etc/passwd')",
    "insert": "INSERT INTO t SELECT 1",
}


@pytest.mark.parametrize("case", sorted(REFUSED_SQL))
async def test_sql_that_reads_files_or_runs_unseen_sql_is_refused_when_saved(
    tenants: Tenants, case: str
):
    name = f"atk_{uuid.uuid4().hex[:8]}"
    response = await tenants.editor.post(DEFINITIONS, json=_pipeline(name, REFUSED_SQL[case]))
    assert response.status_code in (400, 422), (case, response.status_code, response.text)
    assert (await tenants.editor.get(f"{DEFINITIONS}/{name}")).status_code == 404


OUTPUTS = {
    "function": {"x": "MAX(LENGTH(pg_read_file('/etc/passwd')))"},
    "file-scan": {"x": "(SELECT COUNT(*) FROM read_csv('/etc/passwd'))"},
    "smuggled FROM": {"x": "1 AS y FROM read_text('/etc/passwd') --"},
    "smuggled string": {"x": "1 AS y FROM '/etc/passwd' --"},
}


@pytest.mark.parametrize("case", sorted(OUTPUTS))
async def test_outputs_that_read_files_are_refused_when_saved(tenants: Tenants, case: str):
    body = _pipeline(f"atk_{uuid.uuid4().hex[:8]}", "SELECT 1 AS x", outputs=OUTPUTS[case])
    response = await tenants.editor.post(DEFINITIONS, json=body)
    assert response.status_code in (400, 422), (case, response.status_code, response.text)


async def test_a_quoted_path_as_a_table_fails_the_run_without_a_byte_landing(
    tenants: Tenants, settings
):
    """What the parser takes for a quoted table name, DuckDB would read as a file: the locked
    engine refuses it, and the canary is nowhere: not in the answer, not in A's tables."""
    canaries: list[Canary] = [
        plant(settings.data_dir / f"canary-{uuid.uuid4().hex[:8]}.csv"),
        plant(tenants.a_root / f"own-{uuid.uuid4().hex[:8]}.csv"),  # even A's own file
    ]
    try:
        for canary in canaries:
            for sql in (
                f'SELECT * FROM "{canary.path}"',
                f"SELECT * FROM (SELECT 1 AS one) AS t, '{canary.path}'",
            ):
                name = f"atk_{uuid.uuid4().hex[:8]}"
                saved = await tenants.editor.post(
                    DEFINITIONS, json=_pipeline(name, sql, outputs={"n": "COUNT(*)"})
                )
                if saved.status_code != 201:
                    assert saved.status_code in (400, 422), saved.text
                    continue
                run = await trigger(tenants.editor, name, "BATCH_X")
                body = await wait_run(tenants.editor, run)
                assert body["status"] == "FAILURE", body
                listed = await tenants.editor.get("/api/pipeline/runs", params={"pipeline": name})
                for text in (json.dumps(body), listed.text):
                    assert not canary.found_in(text), text
        landed = tree_bytes(tenants.a_root).decode(errors="replace")
        for canary in canaries:
            rest = landed.replace(canary.path.read_text(), "")  # the planted file itself
            assert not canary.found_in(rest)
    finally:
        for canary in canaries:
            canary.path.unlink(missing_ok=True)


async def test_the_scoring_connection_saved_under_a_wider_policy_is_refused_when_run(
    app, db, settings, policy, tmp_path
):
    """The built-in pipelines use the tenant's ``credit_scoring`` connection: a DuckDB file an
    operator allowance let it save outside the tenant's directory is refused once the
    allowance is gone, and nothing is written there."""
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "scores.duckdb"
    async with fresh_tenant(app, db, settings) as (api, _tenant):
        policy.set(roots=[outside])
        body = {"name": "credit_scoring", "type": "duckdb", "database": str(target)}
        created = await api.post("/v1/pipelines/connections", json=body)
        assert created.status_code == 201, created.text
        policy.strict()
        again = await api.post(
            "/v1/pipelines/connections", json={**body, "name": "credit_scoring_2"}
        )
        assert again.status_code == 422, again.text
        body = await wait_run(api, await trigger(api, "ingest_pipeline", "B1", batch_size=10))
        assert body["status"] == "FAILURE", body
        assert "DUCTWORK_CONFINEMENT__" in json.dumps(body), body
        assert not target.exists()


async def test_a_symlinked_asset_database_file_is_refused(tenants: Tenants, policy, tmp_path):
    """A link in the tenant's directory that points elsewhere (another tenant's asset file):
    the file a pipeline names is resolved before it is opened."""
    elsewhere = tmp_path / "victim-assets.duckdb"
    import duckdb

    victim = duckdb.connect(str(elsewhere))
    victim.execute("CREATE TABLE secrets AS SELECT 'VICTIM-ROW' AS note")
    victim.close()
    link = tenants.a_root / f"link_{uuid.uuid4().hex[:6]}.duckdb"
    link.symlink_to(elsewhere)
    try:
        name = f"atk_{uuid.uuid4().hex[:8]}"
        body = {**_pipeline(name, "SELECT * FROM secrets"), "database_file": link.name}
        saved = await tenants.editor.post(DEFINITIONS, json=body)
        if saved.status_code == 201:
            answer = await wait_run(tenants.editor, await trigger(tenants.editor, name, "X"))
            assert answer["status"] == "FAILURE", answer
            assert "VICTIM-ROW" not in json.dumps(answer)
            assert "DUCTWORK_CONFINEMENT__" in json.dumps(answer), answer
        else:
            assert saved.status_code in (400, 422), saved.text
        check = duckdb.connect(str(elsewhere), read_only=True)
        try:
            tables = {row[0] for row in check.execute("SHOW TABLES").fetchall()}
        finally:
            check.close()
        assert tables == {"secrets"}, tables  # nothing written into the other file
    finally:
        link.unlink(missing_ok=True)


# --- tenant B ------------------------------------------------------------------------------------


async def test_tenant_bs_asset_pipelines_and_runs_are_not_found(tenants: Tenants):
    for http in (tenants.editor, tenants.viewer):
        got = await http.get(f"{DEFINITIONS}/{tenants.b_pipeline}")
        assert got.status_code == 404, got.text
        status = await http.get(f"/api/pipeline/status/{tenants.b_run}")
        assert status.status_code == 404, status.text
        listed = await http.get(DEFINITIONS)
        assert tenants.b_pipeline not in listed.text
        runs = await http.get("/api/pipeline/runs", params={"limit": 500})
        assert runs.status_code == 200 and tenants.b_run not in runs.text, runs.text
        by_batch = await http.get("/api/pipeline/runs", params={"batch_id": tenants.b_batch})
        assert by_batch.status_code == 200 and by_batch.json()["runs"] == [], by_batch.text
        by_name = await http.get("/api/pipeline/runs", params={"pipeline": tenants.b_pipeline})
        assert by_name.status_code == 404 or tenants.b_run not in by_name.text, by_name.text
    editor = tenants.editor
    assert (await editor.delete(f"{DEFINITIONS}/{tenants.b_pipeline}")).status_code == 404
    triggered = await editor.post(
        f"/api/pipeline/trigger/{tenants.b_pipeline}", json={"batch_id": "X"}
    )
    assert triggered.status_code == 404, triggered.text
    cancelled = await editor.post(f"/api/pipeline/cancel/{tenants.b_run}")
    assert cancelled.status_code == 404, cancelled.text
    # A's own pipeline of the same name is A's: B's stays as it was.
    mine = _pipeline(tenants.b_pipeline, "SELECT 'A' AS note")
    replaced = await editor.put(f"{DEFINITIONS}/{tenants.b_pipeline}", json=mine)
    assert replaced.status_code in (200, 201, 404), replaced.text
    theirs = await tenants.b.get(f"{DEFINITIONS}/{tenants.b_pipeline}")
    assert theirs.status_code == 200 and "B-ROW" in theirs.text, theirs.text
    if replaced.status_code != 404:
        assert (await editor.delete(f"{DEFINITIONS}/{tenants.b_pipeline}")).status_code == 204
    assert (await tenants.b.get(f"{DEFINITIONS}/{tenants.b_pipeline}")).status_code == 200


@pytest.mark.parametrize("by", ["name", "id"])
async def test_tenant_bs_connection_cannot_be_an_asset_store(tenants: Tenants, by: str):
    ref = tenants.b_connection if by == "name" else tenants.b_connection_id
    body = {**_pipeline(f"atk_{uuid.uuid4().hex[:8]}", "SELECT 1 AS x"), "connection": ref}
    response = await tenants.editor.post(DEFINITIONS, json=body)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "CONNECTION_NOT_FOUND"
    # With a database file as the fallback, the run still never opens B's connection.
    body["database_file"] = "fallback.duckdb"
    saved = await tenants.editor.post(DEFINITIONS, json=body)
    assert saved.status_code == 201, saved.text
    run = await trigger(tenants.editor, body["name"], "X")
    assert (await wait_run(tenants.editor, run))["status"] == "SUCCESS"
    assert (tenants.a_root / "fallback.duckdb").exists()


async def test_tenant_bs_asset_tables_are_not_in_tenant_as_store(tenants: Tenants):
    name = f"atk_{uuid.uuid4().hex[:8]}"
    sql = f"SELECT * FROM {tenants.b_table}"
    saved = await tenants.editor.post(DEFINITIONS, json=_pipeline(name, sql))
    assert saved.status_code == 201, saved.text
    body = await wait_run(tenants.editor, await trigger(tenants.editor, name, "X"))
    assert body["status"] == "FAILURE", body
    assert "B-ROW" not in json.dumps(body)


# --- hostile bodies ------------------------------------------------------------------------------

HOSTILE_DEFINITIONS: dict[str, Any] = {
    "null": None,
    "list": [],
    "string": "x",
    "empty": {},
    "assets null": {"name": "h1", "assets": None},
    "asset null": {"name": "h1", "assets": [None]},
    "no step": {"name": "h1", "assets": [{"name": "a"}]},
    "both steps": {"name": "h1", "assets": [{"name": "a", "sql": "SELECT 1", "python": "x"}]},
    "python builtin": {"name": "h1", "assets": [{"name": "a", "python": "__import__('os')"}]},
    "traversal name": {"name": "../../etc/passwd", "assets": [{"name": "a", "sql": "SELECT 1"}]},
    "traversal asset": {"name": "h1", "assets": [{"name": "../x", "sql": "SELECT 1"}]},
    "traversal table": {
        "name": "h1",
        "assets": [{"name": "a", "table": 'x";--', "sql": "SELECT 1"}],
    },
    "database file up": {
        "name": "h1",
        "database_file": "../other/assets.duckdb",
        "assets": [{"name": "a", "sql": "SELECT 1"}],
    },
    "database file absolute": {
        "name": "h1",
        "database_file": "/etc/x.duckdb",
        "assets": [{"name": "a", "sql": "SELECT 1"}],
    },
    "schema injection": {
        "name": "h1",
        "schema": 'x"; DROP TABLE t; --',
        "assets": [{"name": "a", "sql": "SELECT 1"}],
    },
    "huge name": {"name": "n" * 100_000, "assets": [{"name": "a", "sql": "SELECT 1"}]},
    "huge sql": {"name": "h1", "assets": [{"name": "a", "sql": "SELECT " + "1+" * 200_000 + "1"}]},
    "deep sql": {
        "name": "h1",
        "assets": [{"name": "a", "sql": "SELECT " + "(" * 5000 + "1" + ")" * 5000}],
    },
    "unicode": {"name": "名前\u202e\u0000", "assets": [{"name": "a", "sql": "SELECT 1"}]},
    "nul in sql": {"name": "h1", "assets": [{"name": "a", "sql": "SELECT '\u0000' AS x"}]},
    "wrong types": {"name": 5, "assets": [{"name": ["a"], "sql": 1, "deps": "a"}]},
    "config object": {
        "name": "h1",
        "config": {"k": {"default": {"nested": 1}}},
        "assets": [{"name": "a", "sql": "SELECT :k AS x"}],
    },
    "config huge number": {
        "name": "h1",
        "config": {"k": {"default": 1e308, "minimum": -1e309}},
        "assets": [{"name": "a", "sql": "SELECT :k AS x"}],
    },
    "many assets": {
        "name": "h1",
        "assets": [{"name": f"a{i}", "sql": "SELECT 1"} for i in range(500)],
    },
    "negative min_rows": {
        "name": "h1",
        "assets": [{"name": "a", "sql": "SELECT 1", "min_rows": -1}],
    },
    "outputs not sql": {
        "name": "h1",
        "assets": [{"name": "a", "sql": "SELECT 1", "outputs": {"x": ")("}}],
    },
}


@pytest.mark.parametrize("case", sorted(HOSTILE_DEFINITIONS))
async def test_hostile_definitions_get_a_4xx(tenants: Tenants, case: str):
    body = HOSTILE_DEFINITIONS[case]
    response = await tenants.editor.post(DEFINITIONS, content=json.dumps(body).encode())
    assert 400 <= response.status_code < 500, (case, response.status_code, response.text[:500])
    assert response.json()["error"]["message"], response.text[:500]


HOSTILE_PATHS = [
    f"{DEFINITIONS}/..%2F..%2Fetc%2Fpasswd",
    f"{DEFINITIONS}/%00",
    f"{DEFINITIONS}/{'n' * 5000}",
    f"{DEFINITIONS}/%E2%80%AE%F0%9F%92%A5",
    "/api/pipeline/status/run_..%2F..%2F",
    f"/api/pipeline/status/run_{'x' * 5000}",
    "/api/pipeline/status/%00",
    "/api/pipeline/runs?limit=0",
    "/api/pipeline/runs?limit=-1&page=0",
    "/api/pipeline/runs?status=%00",
    f"/api/pipeline/runs?pipeline={'p' * 5000}",
    "/api/pipeline/runs?batch_id=%00",
]


async def test_hostile_paths_and_queries_get_a_4xx_or_nothing(tenants: Tenants):
    for path in HOSTILE_PATHS:
        response = await tenants.editor.get(path)
        assert response.status_code < 500, (path, response.status_code, response.text[:500])
    for path in (f"{DEFINITIONS}/..%2F..%2Fetc", f"{DEFINITIONS}/{'n' * 5000}"):
        response = await tenants.editor.delete(path)
        assert 400 <= response.status_code < 500, (path, response.text[:500])


HOSTILE_TRIGGERS: dict[str, Any] = {
    "null": None,
    "no batch": {},
    "batch null": {"batch_id": None},
    "batch huge": {"batch_id": "b" * 100_000},
    "batch object": {"batch_id": {"$gt": ""}},
    "config list": {"batch_id": "x", "config": []},
    "config nested": {"batch_id": "x", "config": {"batch_size": {"a": 1}}},
    "config unknown": {"batch_id": "x", "config": {"../../etc": 1}},
    "config wrong type": {"batch_id": "x", "config": {"batch_size": "1; DROP TABLE t"}},
    "config huge": {"batch_id": "x", "config": {"batch_size": 10**30}},
    "config negative": {"batch_id": "x", "config": {"batch_size": -5}},
    "config nan": {"batch_id": "x", "config": {"batch_size": float("inf")}},
    "extra field": {"batch_id": "x", "run_id": "run_mine"},
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TRIGGERS))
async def test_hostile_triggers_of_a_built_in_pipeline_get_a_4xx(tenants: Tenants, case: str):
    body = json.dumps(HOSTILE_TRIGGERS[case], allow_nan=True).encode()
    response = await tenants.editor.post(
        "/api/pipeline/trigger/ingest_pipeline",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500, (case, response.status_code, response.text[:500])
    assert response.json()["error"]["message"], response.text[:500]
