"""Pipelines from MySQL/MariaDB, SQLite and DuckDB into PostgreSQL, through the API and the
real Temporal dev server: transformations, load modes, cursors and ranges work unchanged."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest

from tests.pipelines import (
    create_connection,
    create_pipeline,
    execute,
    run_to_end,
    unique_name,
    wait_finished,
)
from tests.services import mysql_execute
from tests.sources import duckdb_file, file_body, mysql_body, register, sqlite_file


async def _target(api: httpx.AsyncClient, target_db: str) -> str:
    return await create_connection(api, target_db, unique_name("dst"))


async def _customers(mysql, table: str, rows: int) -> None:
    await mysql_execute(
        mysql,
        f"CREATE TABLE `{table}` (id int PRIMARY KEY, name varchar(40), "
        "tier enum('basic','gold','vip'), balance decimal(12,2), updated_at datetime(6))",
        f"INSERT INTO `{table}` SELECT seq, concat('customer ', seq), "
        "IF(seq % 3 = 0, 'gold', 'basic'), seq * 1.25, "
        f"'2026-01-01' + INTERVAL seq MINUTE FROM seq_1_to_{rows}",
    )


async def test_mysql_with_a_transformation_merges_and_a_second_run_changes_nothing(
    api, mysql, mysql_db, target, target_db
):
    table = unique_name("customers")
    await _customers(mysql, table, 1_000)
    src = await register(api, mysql_body(mysql_db, unique_name("maria")))
    dst = await _target(api, target_db)
    pipeline = await create_pipeline(
        api,
        unique_name("maria-merge"),
        {
            "sources": {"customers": {"connection": src, "table": table}},
            "transformations": [
                {
                    "name": "active",
                    "sql": "SELECT id, upper(name) AS name, tier, balance * 2 AS doubled, "
                    "updated_at FROM customers WHERE id % 10 <> 0",
                }
            ],
            "sinks": {
                "crm": {"connection": dst, "table": f"crm.{table}", "mode": "merge", "keys": ["id"]}
            },
            "quality_checks": [{"type": "unique", "columns": ["id"]}],
        },
    )
    first = await run_to_end(api, pipeline)
    assert first["status"] == "COMPLETED", first
    assert first["metrics"]["rowsLoaded"] == 900
    row = await target.fetchrow(f"SELECT * FROM crm.{table} WHERE id = 3")
    assert (row["name"], row["tier"], row["doubled"]) == ("CUSTOMER 3", "gold", Decimal("7.50"))
    assert str(row["updated_at"]) == "2026-01-01 00:03:00"

    again = await run_to_end(api, pipeline)
    assert again["status"] == "COMPLETED", again
    assert again["metrics"]["rowsLoaded"] == 0

    await mysql_execute(
        mysql,
        f"UPDATE `{table}` SET tier = 'vip' WHERE id <= 5",
        f"INSERT INTO `{table}` VALUES (1001, 'late', 'basic', 1, '2027-01-01')",
    )
    changed = await run_to_end(api, pipeline)
    assert changed["metrics"]["rowsLoaded"] == 6
    assert await target.fetchval(f"SELECT count(*) FROM crm.{table}") == 901
    assert await target.fetchval(f"SELECT count(*) FROM crm.{table} WHERE tier = 'vip'") == 5


async def test_mysql_incremental_append_reads_only_new_rows(
    api, mysql, mysql_db, target, target_db
):
    table = unique_name("events")
    await mysql_execute(
        mysql,
        f"CREATE TABLE `{table}` (id int, seen timestamp(6) NULL, payload varchar(20))",
        f"INSERT INTO `{table}` SELECT seq, '2026-01-01' + INTERVAL seq SECOND, "
        f"concat('p', seq) FROM seq_1_to_500",
    )
    src = await register(api, mysql_body(mysql_db, unique_name("maria")))
    dst = await _target(api, target_db)
    pipeline = await create_pipeline(
        api,
        unique_name("maria-incr"),
        {
            "sources": {
                "events": {"connection": src, "table": table, "incremental": True, "cursor": "seen"}
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}"}},
        },
    )
    assert (await run_to_end(api, pipeline))["metrics"]["rowsProcessed"] == 500
    await mysql_execute(
        mysql,
        f"INSERT INTO `{table}` SELECT seq, '2027-01-01' + INTERVAL seq SECOND, 'late' "
        "FROM seq_501_to_520",
    )
    second = await run_to_end(api, pipeline)
    assert second["status"] == "COMPLETED", second
    assert second["metrics"]["rowsProcessed"] == 20
    assert (await run_to_end(api, pipeline))["metrics"]["rowsProcessed"] == 0
    stats = await target.fetchrow(f"SELECT count(*) AS n, sum(id) AS s FROM wh.{table}")
    assert (stats["n"], stats["s"]) == (520, sum(range(1, 521)))
    assert await target.fetchval(f"SELECT max(seen) FROM wh.{table}") == (
        await target.fetchval("SELECT timestamptz '2027-01-01 00:08:40+00'")
    )


async def test_mysql_partitions_split_the_extract_into_ranges(
    api, mysql, mysql_db, target, target_db
):
    table = unique_name("ranges")
    await _customers(mysql, table, 999)
    await mysql_execute(mysql, f"INSERT INTO `{table}` (id) VALUES (0)")  # NULLs elsewhere
    src = await register(api, mysql_body(mysql_db, unique_name("maria")))
    dst = await _target(api, target_db)
    pipeline = await create_pipeline(
        api,
        unique_name("maria-parts"),
        {
            "sources": {
                "rows": {"connection": src, "table": table, "partitions": 3, "split_by": "id"}
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    extracts = sorted(t["name"] for t in run["tasks"] if t["name"].startswith("extract_"))
    assert extracts == ["extract_rows_p1", "extract_rows_p2", "extract_rows_p3"]
    stats = await target.fetchrow(
        f"SELECT count(*) AS n, count(DISTINCT id) AS d, sum(balance) AS b FROM wh.{table}"
    )
    ((balance,),) = await mysql_execute(mysql, f"SELECT sum(balance) FROM `{table}`")
    assert (stats["n"], stats["d"], stats["b"]) == (1000, 1000, balance)


async def test_sqlite_file_with_a_parameterized_query(api, tmp_path, target, target_db):
    path = sqlite_file(
        str(tmp_path / "shop.sqlite"),
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, amount NUMERIC(10,2), "
        "placed_at DATETIME, note TEXT)",
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 300) "
        "INSERT INTO orders SELECT n, n * 0.5, datetime('2026-01-01', '+' || n || ' hours'), "
        "CASE WHEN n % 7 = 0 THEN NULL ELSE 'order ' || n END FROM g",
    )
    src = await register(api, file_body("sqlite", path, unique_name("lite")))
    dst = await _target(api, target_db)
    table = unique_name("orders")
    pipeline = await create_pipeline(
        api,
        unique_name("lite"),
        {
            "sources": {
                "orders": {
                    "connection": src,
                    "query": "SELECT * FROM orders WHERE amount >= :min_amount",
                }
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
            "orchestration": {"parameters": {"min_amount": 50}},
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    assert run["metrics"]["rowsLoaded"] == 201  # ids 100..300
    stats = await target.fetchrow(
        f"SELECT count(*) AS n, sum(amount) AS s, count(note) AS notes, "
        f"max(placed_at) AS last FROM wh.{table}"
    )
    assert stats["n"] == 201
    assert stats["s"] == sum(Decimal(n) / 2 for n in range(100, 301))
    assert stats["notes"] == 201 - len([n for n in range(100, 301) if n % 7 == 0])
    assert str(stats["last"]) == "2026-01-13 12:00:00"
    # Replace: a second run leaves one copy.
    assert (await run_to_end(api, pipeline))["status"] == "COMPLETED"
    assert await target.fetchval(f"SELECT count(*) FROM wh.{table}") == 201


async def test_duckdb_file_incremental_on_a_timestamptz(api, tmp_path, target, target_db):
    path = str(tmp_path / "lake.duckdb")
    duckdb_file(
        path,
        "CREATE TABLE events AS SELECT i AS id, "
        "TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * INTERVAL 1 MINUTE AS at, "
        "'e' || i AS label, [i, i + 1] AS pair FROM range(1, 1001) t(i)",
    )
    src = await register(api, file_body("duckdb", path, unique_name("duck")))
    dst = await _target(api, target_db)
    table = unique_name("events")
    pipeline = await create_pipeline(
        api,
        unique_name("duck"),
        {
            "sources": {
                "events": {
                    "connection": src,
                    "table": "events",
                    "incremental": True,
                    "cursor": "at",
                }
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "keys": ["id"]}},
        },
    )
    first = await run_to_end(api, pipeline)
    assert first["status"] == "COMPLETED", first
    assert first["metrics"]["rowsLoaded"] == 1000
    duckdb_file(
        path,
        "INSERT INTO events SELECT i, TIMESTAMPTZ '2027-01-01 00:00:00+00' + i * INTERVAL 1 "
        "SECOND, 'late', [i, i] FROM range(1001, 1011) t(i)",
    )
    second = await run_to_end(api, pipeline)
    assert second["status"] == "COMPLETED", second
    assert second["metrics"]["rowsProcessed"] == 10
    stats = await target.fetchrow(
        f"SELECT count(*) AS n, sum(id) AS s, max(pair) AS p FROM wh.{table}"
    )
    assert (stats["n"], stats["s"], stats["p"]) == (1010, sum(range(1, 1011)), [1010, 1010])


@pytest.mark.parametrize("kind", ["mariadb", "sqlite", "duckdb"])
async def test_a_missing_source_table_is_refused_at_save_time(
    api, kind, tmp_path, request, target_db
):
    if kind == "mariadb":
        body = mysql_body(request.getfixturevalue("mysql_db"), unique_name("maria"))
    elif kind == "sqlite":
        body = file_body(
            "sqlite",
            sqlite_file(str(tmp_path / "a.sqlite"), "CREATE TABLE t (i)"),
            unique_name("l"),
        )
    else:
        body = file_body(
            "duckdb",
            duckdb_file(str(tmp_path / "a.duckdb"), "CREATE TABLE t (i INT)"),
            unique_name("d"),
        )
    src = await register(api, body)
    dst = await _target(api, target_db)
    response = await api.post(
        "/v1/pipelines",
        json={
            "name": unique_name("missing"),
            "definition": {
                "sources": {"rows": {"connection": src, "table": "not_there"}},
                "sinks": {"wh": {"connection": dst, "table": "wh.not_there"}},
            },
        },
    )
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body", "definition", "sources", "rows", "table"]
    assert problem["type"] == "missing_table" and "not_there" in problem["msg"]


async def test_a_sqlite_connection_cannot_be_a_target(api, tmp_path, source_db):
    path = sqlite_file(str(tmp_path / "t.sqlite"), "CREATE TABLE t (i)")
    lite = await register(api, file_body("sqlite", path, unique_name("lite")))
    src = await create_connection(api, source_db, unique_name("src"))
    response = await api.post(
        "/v1/pipelines",
        json={
            "name": unique_name("to-sqlite"),
            "definition": {
                "sources": {"rows": {"connection": lite, "table": "t"}},
                "sinks": {"out": {"connection": lite, "table": "copy_of_t"}},
            },
        },
    )
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body", "definition", "sinks", "out", "connection"]
    assert problem["type"] == "unsupported_target" and "sqlite" in problem["msg"]
    assert src  # a PostgreSQL connection exists, the refusal is about the sink's type


async def test_cancel_during_an_arrow_extract_stops_it_and_leaves_nothing(
    api, tmp_path, target, target_db
):
    from tests.workflows.test_pipeline_run import _staging_left, _wait_task

    path = sqlite_file(str(tmp_path / "endless.sqlite"), "CREATE TABLE t (i)")
    src = await register(api, file_body("sqlite", path, unique_name("lite")))
    dst = await _target(api, target_db)
    table = unique_name("kept")
    await target.execute("CREATE SCHEMA IF NOT EXISTS wh")
    await target.execute(f"CREATE TABLE wh.{table} AS SELECT 42 AS n")
    pipeline = await create_pipeline(
        api,
        unique_name("lite-cancel"),
        {
            "sources": {
                "many": {
                    "connection": src,
                    # far more rows than the test waits for: it is cancelled while reading
                    "query": "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g "
                    "WHERE n < 100000000) SELECT n FROM g",
                }
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
        },
    )
    execution = await execute(api, pipeline)
    await _wait_task(api, execution, "extract_many")
    for _ in range(100):  # until batches are flowing into the staging table
        body = (await api.get(f"/v1/pipelines/executions/{execution}")).json()
        if body["metrics"]["rowsProcessed"] > 0:
            break
        await asyncio.sleep(0.1)
    assert body["metrics"]["rowsProcessed"] > 0, body
    response = await api.post(f"/v1/pipelines/executions/{execution}/cancel")
    assert response.status_code == 202, response.text
    # The cancellation reaches the activity with its next heartbeat that Temporal sends
    # (throttled to 0.8 x the heartbeat timeout), then the reading thread stops at its next batch.
    run = await wait_finished(api, execution, within=40)
    assert run["status"] == "CANCELLED", run
    assert await target.fetchval(f"SELECT array_agg(n) FROM wh.{table}") == [42]
    assert await _staging_left(target, execution) == []
