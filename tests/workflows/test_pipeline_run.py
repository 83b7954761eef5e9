"""PipelineRunWorkflow against the real Temporal dev server and PostgreSQL: failure modes."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest

from tests.pipelines import (
    create_connection,
    create_pipeline,
    execute,
    fill_mixed_table,
    run_to_end,
    table_fingerprint,
    unique_name,
    wait_finished,
)


async def _connections(api: httpx.AsyncClient, source_db: str, target_db: str) -> tuple[str, str]:
    return (
        await create_connection(api, source_db, unique_name("src")),
        await create_connection(api, target_db, unique_name("dst")),
    )


async def _staging_left(conn: asyncpg.Connection, execution_id: str) -> list[str]:
    from domain.planner import staging_prefix

    rows = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = '_ductwork' "
        "AND starts_with(tablename, $1)",
        staging_prefix(execution_id),
    )
    return [r[0] for r in rows]


async def _wait_task(api: httpx.AsyncClient, execution_id: str, task: str) -> None:
    for _ in range(300):
        body = (await api.get(f"/v1/pipelines/executions/{execution_id}")).json()
        if any(t["name"] == task and t["status"] == "RUNNING" for t in body["tasks"]):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{task} never started: {body}")


async def test_replace_twice_leaves_one_copy(api, source, target, source_db, target_db):
    table = unique_name("orders")
    await fill_mixed_table(source, table, 5_000)
    src, dst = await _connections(api, source_db, target_db)
    pipeline = await create_pipeline(
        api,
        unique_name("replace"),
        {
            "sources": {"orders": {"connection": src, "table": table}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
        },
    )
    for _ in range(2):
        run = await run_to_end(api, pipeline)
        assert run["status"] == "COMPLETED", run
    assert await table_fingerprint(target, f"wh.{table}") == await table_fingerprint(source, table)


async def test_transform_joins_two_sources(api, source, target, source_db, target_db):
    orders, customers = unique_name("orders"), unique_name("customers")
    await source.execute(f"CREATE TABLE {customers} (id int PRIMARY KEY, name text)")
    await source.execute(f"INSERT INTO {customers} VALUES (1, 'ada'), (2, 'grace')")
    await source.execute(f"CREATE TABLE {orders} (id int, customer_id int, amount numeric)")
    await source.execute(
        f"INSERT INTO {orders} VALUES (1, 1, 10), (2, 1, 5), (3, 2, -1), (4, 2, 7)"
    )
    src, dst = await _connections(api, source_db, target_db)
    pipeline = await create_pipeline(
        api,
        unique_name("join"),
        {
            "sources": {
                "orders": {"connection": src, "table": orders},
                "customers": {"connection": src, "table": customers},
            },
            "transformations": [
                {
                    "name": "revenue",
                    "sql": "SELECT c.name, sum(o.amount) AS revenue FROM orders o "
                    "JOIN customers c ON c.id = o.customer_id WHERE o.amount > 0 GROUP BY c.name",
                }
            ],
            "sinks": {"wh": {"connection": dst, "table": f"wh.{orders}_revenue"}},
            "quality_checks": [{"type": "not_null", "columns": ["name"]}],
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    assert [t["name"] for t in run["tasks"]] == [
        "extract_orders",
        "extract_customers",
        "transform_revenue",
        "quality_checks",
        "load_wh",
    ] or {t["name"] for t in run["tasks"]} == {
        "extract_orders",
        "extract_customers",
        "transform_revenue",
        "quality_checks",
        "load_wh",
    }
    rows = await target.fetch(f"SELECT name, revenue FROM wh.{orders}_revenue ORDER BY name")
    assert [(r["name"], int(r["revenue"])) for r in rows] == [("ada", 15), ("grace", 7)]


async def test_cancel_during_extract_leaves_target_untouched(
    api, source, target, source_db, target_db
):
    table = unique_name("slow")
    await fill_mixed_table(source, table, 1_000)
    await target.execute("CREATE SCHEMA IF NOT EXISTS wh")
    await target.execute(f"CREATE TABLE wh.{table} AS SELECT 42 AS id")
    before = await table_fingerprint(target, f"wh.{table}")
    src, dst = await _connections(api, source_db, target_db)
    pipeline = await create_pipeline(
        api,
        unique_name("cancel"),
        {
            "sources": {
                "slow": {"connection": src, "query": f"SELECT t.* FROM {table} t, pg_sleep(30) s"}
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
        },
    )
    execution = await execute(api, pipeline)
    await _wait_task(api, execution, "extract_slow")
    response = await api.post(f"/v1/pipelines/executions/{execution}/cancel")
    assert response.status_code == 202, response.text
    run = await wait_finished(api, execution, within=30)
    assert run["status"] == "CANCELLED", run
    assert await table_fingerprint(target, f"wh.{table}") == before
    assert await _staging_left(target, execution) == []


@pytest.mark.parametrize("straight", [True, False])
async def test_cancel_during_load_rolls_back(api, source, target, source_db, target_db, straight):
    """``straight``: the target table has exactly the rows' columns, so the append copies into
    it as it extracts; otherwise (a wider column) the load step inserts the staged rows."""
    table = unique_name("locked")
    await fill_mixed_table(source, table, 2_000)
    await fill_mixed_table(target, table, 10)  # the target already holds 10 rows
    if not straight:
        await target.execute(f"ALTER TABLE {table} ALTER COLUMN amount TYPE numeric")
    writing = "extract_rows" if straight else "load_wh"  # the step that writes to the target
    before = await table_fingerprint(target, table)
    src, dst = await _connections(api, source_db, target_db)
    pipeline = await create_pipeline(
        api,
        unique_name("cancel_load"),
        {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {"wh": {"connection": dst, "table": table, "mode": "append"}},
        },
    )
    # Hold a lock on the target so the load blocks mid-transaction, then cancel it there.
    async with target.transaction():
        await target.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        execution = await execute(api, pipeline)
        await _wait_task(api, execution, writing)
        await asyncio.sleep(0.5)  # its COPY or INSERT is now waiting on the lock
        response = await api.post(f"/v1/pipelines/executions/{execution}/cancel")
        assert response.status_code == 202, response.text
        run = await wait_finished(api, execution, within=30)
    assert run["status"] == "CANCELLED", run
    assert await table_fingerprint(target, table) == before
    assert await _staging_left(target, execution) == []


async def test_load_failing_midway_is_retried_without_duplicates(
    api, source, target, source_db, target_db
):
    """A serialization failure after 5,000 of 20,000 rows: the retry loads each row once."""
    table = unique_name("flaky")
    await fill_mixed_table(source, table, 20_000)
    await fill_mixed_table(target, table, 0)
    seq = f"{table}_calls"
    await target.execute(f"CREATE SEQUENCE {seq}")
    # Sequences ignore rollbacks, so this fails exactly once: on the first attempt's 5,000th row.
    await target.execute(
        f"""
        CREATE FUNCTION {table}_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF nextval('{seq}') = 5000 THEN
            RAISE EXCEPTION 'injected failure mid-load' USING ERRCODE = 'serialization_failure';
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER fail_once BEFORE INSERT ON {table}
          FOR EACH ROW EXECUTE FUNCTION {table}_fail_once();
        """
    )
    src, dst = await _connections(api, source_db, target_db)
    pipeline = await create_pipeline(
        api,
        unique_name("retry"),
        {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {"wh": {"connection": dst, "table": table, "mode": "append"}},
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    load = next(t for t in run["tasks"] if t["name"] == "load_wh")
    assert load["attempt"] == 2
    assert await target.fetchval(f"SELECT nextval('{seq}')") > 20_000  # the trigger really fired
    assert await table_fingerprint(target, table) == await table_fingerprint(source, table)


async def test_failed_quality_check_stops_before_load(api, source, target, source_db, target_db):
    table = unique_name("nulls")
    await fill_mixed_table(source, table, 100)  # every 7th note is NULL
    src, dst = await _connections(api, source_db, target_db)
    pipeline = await create_pipeline(
        api,
        unique_name("quality"),
        {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}"}},
            "quality_checks": [
                {"name": "notes_present", "type": "not_null", "columns": ["note"]},
                {"type": "row_count", "min": 1, "severity": "warn"},
            ],
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "FAILED", run
    assert "notes_present: 14 rows with NULL in note" in run["error"]
    assert await target.fetchval("SELECT to_regclass($1)", f"wh.{table}") is None
    logs = (await api.get(f"/v1/pipelines/executions/{run['executionId']}/logs")).json()
    assert any("check failed" in line["message"] for line in logs["lines"])


async def test_missing_source_table_fails_without_retrying(
    api, source, target, source_db, target_db
):
    table = unique_name("gone")
    await fill_mixed_table(source, table, 10)
    src, dst = await _connections(api, source_db, target_db)
    pipeline = await create_pipeline(
        api,
        unique_name("gone"),
        {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}"}},
        },
    )
    await source.execute(f"DROP TABLE {table}")
    run = await run_to_end(api, pipeline)
    assert run["status"] == "FAILED", run
    assert "does not exist" in run["error"]
    extract = next(t for t in run["tasks"] if t["name"] == "extract_rows")
    assert extract["attempt"] == 1


async def test_parameters_fill_placeholders_as_literals(api, source, target, source_db, target_db):
    table = unique_name("dated")
    await fill_mixed_table(source, table, 1_000)  # day = 2026-01-01 + (id % 365)
    src, dst = await _connections(api, source_db, target_db)
    pipeline = await create_pipeline(
        api,
        unique_name("params"),
        {
            "sources": {
                "rows": {
                    "connection": src,
                    "query": f"SELECT * FROM {table} WHERE day >= :start_date AND day < :end_date",
                }
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}"}},
            "orchestration": {"parameters": {"end_date": "2026-01-11"}},
        },
    )
    missing = await api.post(f"/v1/pipelines/{pipeline}/execute", json={"parameters": {}})
    assert missing.status_code == 400  # request validation on /v1
    assert missing.json()["detail"][0]["loc"] == ["body", "parameters", "start_date"]

    run = await run_to_end(api, pipeline, start_date="2026-01-06")
    assert run["status"] == "COMPLETED", run
    expected = await source.fetchval(
        f"SELECT count(*) FROM {table} WHERE day >= '2026-01-06' AND day < '2026-01-11'"
    )
    assert await target.fetchval(f"SELECT count(*) FROM wh.{table}") == expected > 0

    hostile = await run_to_end(api, pipeline, start_date=f"2026-01-01'; DROP TABLE {table}; --")
    assert hostile["status"] == "FAILED"
    assert "invalid input syntax for type date" in hostile["error"]
    assert await source.fetchval(f"SELECT count(*) FROM {table}") == 1_000


async def test_run_terminated_outside_ductwork_does_not_block_the_pipeline(
    api, client, source, target, source_db, target_db
):
    table = unique_name("terminated")
    await fill_mixed_table(source, table, 10)
    src, dst = await _connections(api, source_db, target_db)
    pipeline = await create_pipeline(
        api,
        unique_name("terminated"),
        {
            "sources": {
                "slow": {"connection": src, "query": f"SELECT t.* FROM {table} t, pg_sleep(30) s"}
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}"}},
        },
    )
    first = await execute(api, pipeline)
    await _wait_task(api, first, "extract_slow")
    await client.get_workflow_handle(f"default/run/{first}").terminate("operator pressed terminate")
    again = await api.post(f"/v1/pipelines/{pipeline}/execute", json={})
    assert again.status_code == 202, again.text
    settled = (await api.get(f"/v1/pipelines/executions/{first}")).json()
    assert settled["status"] == "FAILED"
    assert "TERMINATED" in settled["error"]
    await api.post(f"/v1/pipelines/executions/{again.json()['executionId']}/cancel")
    await wait_finished(api, again.json()["executionId"])
