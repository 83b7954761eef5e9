"""A pipeline defined over REST moves real rows between two PostgreSQL databases."""

from __future__ import annotations

import asyncpg

from tests.pipelines import (
    create_connection,
    create_pipeline,
    decoded_history,
    fill_mixed_table,
    run_to_end,
    table_fingerprint,
)


async def _staging_tables(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = '_ductwork' "
        "AND tablename NOT IN ('loads', 'cursors')"
    )
    return [r[0] for r in rows]


async def test_100k_mixed_rows_arrive_intact(api, source, target, source_db, target_db):
    await fill_mixed_table(source, "public.mixed", 100_000)
    src = await create_connection(api, source_db, "e2e-src")
    dst = await create_connection(api, target_db, "e2e-dst")
    pipeline = await create_pipeline(
        api,
        "mixed-copy",
        {
            "sources": {"mixed": {"connection": src, "table": "public.mixed"}},
            "sinks": {"copy": {"connection": dst, "table": "landing.mixed", "mode": "append"}},
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    assert await table_fingerprint(target, "landing.mixed") == await table_fingerprint(
        source, "public.mixed"
    )
    assert run["metrics"]["rowsProcessed"] == 100_000
    assert run["metrics"]["rowsLoaded"] == 100_000
    assert run["progress"] == {
        "totalTasks": 2,
        "completedTasks": 2,
        "currentTask": None,
        "percentage": 100,
    }
    assert await _staging_tables(target) == []


async def test_credentials_never_reach_workflow_history(api, client, source, source_db, target_db):
    await fill_mixed_table(source, "public.secretive", 10)
    src = await create_connection(api, source_db, "history-src")
    dst = await create_connection(api, target_db, "history-dst")
    pipeline = await create_pipeline(
        api,
        "secretive",
        {
            "sources": {"rows": {"connection": "history-src", "table": "secretive"}},
            "sinks": {"wh": {"connection": "history-dst", "table": "wh.secretive"}},
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    history = await client.get_workflow_handle(run["workflowId"]).fetch_history()
    text = decoded_history(history.to_json())
    assert src in text and dst in text  # connections travel by reference...
    assert "s3cret-never-echoed" not in text  # ...their passwords never
