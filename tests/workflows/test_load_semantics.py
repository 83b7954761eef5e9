"""Load modes, deduplication, incremental cursors and schema evolution, on real databases."""

from __future__ import annotations

import asyncpg
import httpx

from tests.pipelines import (
    create_connection,
    create_pipeline,
    fill_mixed_table,
    run_to_end,
    table_fingerprint,
    unique_name,
)


async def _pipeline(api: httpx.AsyncClient, source_db: str, target_db: str, definition) -> str:
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    return await create_pipeline(api, unique_name("p"), definition(src, dst))


async def _customers(conn: asyncpg.Connection, table: str, rows: int) -> None:
    await conn.execute(
        f"CREATE TABLE {table} (id int, name text, tier text, updated_at timestamptz NOT NULL)"
    )
    await conn.execute(
        f"INSERT INTO {table} SELECT g, 'customer ' || g, 'basic', "
        f"timestamptz '2026-01-01' + g * interval '1 hour' FROM generate_series(1, {rows}) g"
    )


async def test_merge_upserts_and_a_second_identical_run_changes_nothing(
    api, source, target, source_db, target_db
):
    table = unique_name("customers")
    await _customers(source, table, 1_000)
    pipeline = await _pipeline(
        api,
        source_db,
        target_db,
        lambda src, dst: {
            "sources": {"customers": {"connection": src, "table": table}},
            "sinks": {
                "crm": {"connection": dst, "table": f"crm.{table}", "mode": "merge", "keys": ["id"]}
            },
        },
    )
    first = await run_to_end(api, pipeline)
    assert first["status"] == "COMPLETED", first
    assert first["metrics"]["rowsLoaded"] == 1_000
    snapshot = await table_fingerprint(target, f"crm.{table}")
    ctids = await target.fetchval(f"SELECT string_agg(ctid::text, ',') FROM crm.{table}")

    again = await run_to_end(api, pipeline)
    assert again["status"] == "COMPLETED", again
    assert again["metrics"]["rowsLoaded"] == 0  # nothing changed, nothing written
    assert await table_fingerprint(target, f"crm.{table}") == snapshot
    assert await target.fetchval(f"SELECT string_agg(ctid::text, ',') FROM crm.{table}") == ctids

    await source.execute(f"UPDATE {table} SET tier = 'gold' WHERE id <= 10")
    await source.execute(f"INSERT INTO {table} VALUES (5000, 'new', 'basic', now())")
    changed = await run_to_end(api, pipeline)
    assert changed["metrics"]["rowsLoaded"] == 11
    assert await table_fingerprint(target, f"crm.{table}") == await table_fingerprint(source, table)


async def test_deduplicating_append_loads_each_key_once(api, source, target, source_db, target_db):
    table = unique_name("events")
    await source.execute(f"CREATE TABLE {table} (id int, seen timestamptz, payload text)")
    await source.execute(
        f"INSERT INTO {table} SELECT g % 100, timestamptz '2026-01-01' + g * interval '1 s', "
        f"'v' || g FROM generate_series(1, 1000) g"
    )
    pipeline = await _pipeline(
        api,
        source_db,
        target_db,
        lambda src, dst: {
            "sources": {"events": {"connection": src, "table": table}},
            "sinks": {
                "wh": {
                    "connection": dst,
                    "table": f"wh.{table}",
                    "keys": ["id"],
                    "deduplicate": True,
                }
            },
        },
    )
    for expected in (100, 0):
        run = await run_to_end(api, pipeline)
        assert run["status"] == "COMPLETED", run
        assert run["metrics"]["rowsLoaded"] == expected
    assert await target.fetchval(f"SELECT count(DISTINCT id) = count(*) FROM wh.{table}")
    assert await target.fetchval(f"SELECT count(*) FROM wh.{table}") == 100


async def test_incremental_append_loads_only_new_rows(api, source, target, source_db, target_db):
    table = unique_name("orders")
    await _customers(source, table, 500)
    pipeline = await _pipeline(
        api,
        source_db,
        target_db,
        lambda src, dst: {
            "sources": {
                "orders": {
                    "connection": src,
                    "table": table,
                    "incremental": True,
                    "partition_by": "updated_at",
                }
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}"}},
        },
    )
    first = await run_to_end(api, pipeline)
    assert first["metrics"]["rowsProcessed"] == 500
    await source.execute(
        f"INSERT INTO {table} SELECT g, 'late ' || g, 'basic', "
        f"timestamptz '2027-01-01' + g * interval '1 s' FROM generate_series(501, 520) g"
    )
    second = await run_to_end(api, pipeline)
    assert second["status"] == "COMPLETED", second
    assert second["metrics"]["rowsProcessed"] == 20
    assert await table_fingerprint(target, f"wh.{table}") == await table_fingerprint(source, table)
    nothing_new = await run_to_end(api, pipeline)
    assert nothing_new["metrics"]["rowsProcessed"] == 0
    assert await target.fetchval(f"SELECT count(*) FROM wh.{table}") == 520


async def test_a_failed_incremental_run_moves_no_cursor(api, source, target, source_db, target_db):
    table = unique_name("ledger")
    await _customers(source, table, 100)
    pipeline = await _pipeline(
        api,
        source_db,
        target_db,
        lambda src, dst: {
            "sources": {
                "rows": {
                    "connection": src,
                    "table": table,
                    "incremental": True,
                    "cursor": "updated_at",
                }
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}"}},
            "quality_checks": [{"type": "not_null", "columns": ["name"]}],
        },
    )
    assert (await run_to_end(api, pipeline))["status"] == "COMPLETED"
    await source.execute(
        f"INSERT INTO {table} VALUES (101, NULL, 'basic', '2027-01-01'), "
        f"(102, 'ok', 'basic', '2027-01-02')"
    )
    failed = await run_to_end(api, pipeline)
    assert failed["status"] == "FAILED", failed
    await source.execute(f"UPDATE {table} SET name = 'fixed' WHERE id = 101")
    fixed = await run_to_end(api, pipeline)
    assert fixed["status"] == "COMPLETED", fixed
    assert fixed["metrics"]["rowsProcessed"] == 2  # the rows of the failed run were not skipped
    assert await table_fingerprint(target, f"wh.{table}") == await table_fingerprint(source, table)


async def test_incremental_merge_rereads_the_mark_and_full_refresh_rereads_all(
    api, source, target, source_db, target_db
):
    table = unique_name("accounts")
    await _customers(source, table, 50)
    pipeline = await _pipeline(
        api,
        source_db,
        target_db,
        lambda src, dst: {
            "sources": {
                "rows": {
                    "connection": src,
                    "table": table,
                    "incremental": True,
                    "cursor": "updated_at",
                }
            },
            "sinks": {
                "wh": {"connection": dst, "table": f"wh.{table}", "mode": "merge", "keys": ["id"]}
            },
        },
    )
    assert (await run_to_end(api, pipeline))["metrics"]["rowsProcessed"] == 50
    # A row committed late with the same cursor value as the mark is not lost (>= for merge).
    last = await source.fetchval(f"SELECT max(updated_at) FROM {table}")
    await source.execute(f"INSERT INTO {table} VALUES (999, 'late', 'basic', $1)", last)
    again = await run_to_end(api, pipeline)
    assert again["metrics"]["rowsProcessed"] == 2
    assert again["metrics"]["rowsLoaded"] == 1
    refresh = await run_to_end(api, pipeline, full_refresh=True)
    assert refresh["metrics"]["rowsProcessed"] == 51
    assert refresh["metrics"]["rowsLoaded"] == 0
    assert await table_fingerprint(target, f"wh.{table}") == await table_fingerprint(source, table)


async def test_new_source_column_is_added_to_the_target(api, source, target, source_db, target_db):
    table = unique_name("growing")
    await _customers(source, table, 10)
    pipeline = await _pipeline(
        api,
        source_db,
        target_db,
        lambda src, dst: {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {
                "wh": {"connection": dst, "table": f"wh.{table}", "mode": "merge", "keys": ["id"]}
            },
        },
    )
    assert (await run_to_end(api, pipeline))["status"] == "COMPLETED"
    await source.execute(f"ALTER TABLE {table} ADD COLUMN score numeric(5, 1) DEFAULT 1.5")
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    assert await target.fetchval(f"SELECT sum(score) FROM wh.{table}") == 15
    logs = (await api.get(f"/v1/pipelines/executions/{run['executionId']}/logs")).json()
    assert any("added column to target column=score" in x["message"] for x in logs["lines"])


async def test_incompatible_changes_stop_the_run_naming_the_column(
    api, source, target, source_db, target_db
):
    table = unique_name("shrinking")
    await _customers(source, table, 10)
    await target.execute("CREATE SCHEMA IF NOT EXISTS wh")
    await target.execute(
        f"CREATE TABLE wh.{table} (id smallint, name text, tier text, "
        "updated_at timestamptz, region text)"
    )
    await target.execute(f"INSERT INTO wh.{table} VALUES (1, 'kept', 'x', now(), 'eu')")
    before = await table_fingerprint(target, f"wh.{table}")
    pipeline = await _pipeline(
        api,
        source_db,
        target_db,
        lambda src, dst: {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}"}},
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "FAILED", run
    assert "column 'id' is integer in the data but smallint" in run["error"]
    assert "column 'region'" in run["error"] and "not in the data" in run["error"]
    assert await table_fingerprint(target, f"wh.{table}") == before


async def test_null_keys_are_refused_before_anything_is_loaded(
    api, source, target, source_db, target_db
):
    table = unique_name("nullkeys")
    await _customers(source, table, 5)
    await source.execute(f"UPDATE {table} SET id = NULL WHERE id = 3")
    pipeline = await _pipeline(
        api,
        source_db,
        target_db,
        lambda src, dst: {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {
                "wh": {"connection": dst, "table": f"wh.{table}", "mode": "merge", "keys": ["id"]}
            },
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "FAILED", run
    assert "1 rows have a NULL in the key (id)" in run["error"]
    assert await target.fetchval("SELECT to_regclass($1)", f"wh.{table}") is None


async def test_definition_rules_for_keys_and_incremental(api, source_db, target_db):
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    cases = {
        "merge without keys": (
            {"connection": src, "table": "t"},
            {"connection": dst, "table": "t", "mode": "merge"},
            "mode 'merge' needs 'keys'",
        ),
        "incremental into replace": (
            {"connection": src, "table": "t", "incremental": True, "cursor": "u"},
            {"connection": dst, "table": "t", "mode": "replace"},
            "use mode 'append' or 'merge'",
        ),
        "incremental without cursor": (
            {"connection": src, "table": "t", "incremental": True},
            {"connection": dst, "table": "t"},
            "needs 'cursor'",
        ),
    }
    for label, (source, sink, message) in cases.items():
        response = await api.post(
            "/v1/pipelines",
            json={
                "name": unique_name("bad"),
                "definition": {"sources": {"s": source}, "sinks": {"w": sink}},
            },
        )
        assert response.status_code == 422, label
        assert message in response.text, (label, response.text)


async def test_partitioned_extract_covers_every_row_once(api, source, target, source_db, target_db):
    table = unique_name("split")
    await fill_mixed_table(source, table, 10_000)
    await source.execute(f"ALTER TABLE {table} ALTER COLUMN created_at DROP NOT NULL")
    await source.execute(f"UPDATE {table} SET created_at = NULL WHERE id % 1000 = 0")
    pipeline = await _pipeline(
        api,
        source_db,
        target_db,
        lambda src, dst: {
            "sources": {
                "rows": {
                    "connection": src,
                    "table": table,
                    "partitions": 4,
                    "split_by": "created_at",
                }
            },
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}"}},
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    extracts = sorted(t["name"] for t in run["tasks"] if t["kind"] == "extract")
    assert extracts == [f"extract_rows_p{i}" for i in range(1, 5)]
    rows = [t["rows"] for t in run["tasks"] if t["kind"] == "extract"]
    assert sum(rows) == 10_000 and min(rows) >= 2_000  # equal-width ranges of an even column
    assert await table_fingerprint(target, f"wh.{table}") == await table_fingerprint(source, table)
