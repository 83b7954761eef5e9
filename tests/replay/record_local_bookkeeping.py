"""Record PipelineRunWorkflow's histories with its bookkeeping in local activities (patch
``local-bookkeeping``): completed, failed and cancelled (``make record-histories``)."""

from __future__ import annotations

import uuid

from tests.pipelines import (
    create_connection,
    create_pipeline,
    execute,
    fill_mixed_table,
    run_to_end,
    wait_finished,
)
from tests.replay.record_histories import _save, pytestmark  # noqa: F401 (skipped unless recording)
from tests.workflows.test_pipeline_run import _wait_task


async def test_record_local_bookkeeping(api, client, source, source_db, target_db):
    table = f"replay_{uuid.uuid4().hex[:8]}"
    await fill_mixed_table(source, table, 1_000)
    src = await create_connection(api, source_db, f"books-src-{table}")
    dst = await create_connection(api, target_db, f"books-dst-{table}")

    def definition(query: str, checks: list) -> dict:
        return {
            "sources": {"rows": {"connection": src, "query": query}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
            "quality_checks": checks,
        }

    ok = await create_pipeline(
        api, f"{table}-ok", definition(f"SELECT * FROM {table}", [{"type": "row_count", "min": 1}])
    )
    run = await run_to_end(api, ok)
    assert run["status"] == "COMPLETED"
    await _save(client, run["executionId"], "pipeline_run_local_bookkeeping_completed")

    failing = await create_pipeline(
        api,
        f"{table}-fail",
        definition(f"SELECT * FROM {table}", [{"type": "row_count", "max": 1}]),
    )
    run = await run_to_end(api, failing)
    assert run["status"] == "FAILED"
    await _save(client, run["executionId"], "pipeline_run_local_bookkeeping_failed")

    slow = await create_pipeline(
        api, f"{table}-cancel", definition(f"SELECT t.* FROM {table} t, pg_sleep(30) s", [])
    )
    execution = await execute(api, slow)
    await _wait_task(api, execution, "extract_rows")
    await api.post(f"/v1/pipelines/executions/{execution}/cancel")
    assert (await wait_finished(api, execution))["status"] == "CANCELLED"
    await _save(client, execution, "pipeline_run_local_bookkeeping_cancelled")
