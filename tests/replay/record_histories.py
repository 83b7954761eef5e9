"""Record the histories the replay tests check (``make record-histories``; on purpose only).

One history per outcome of PipelineRunWorkflow: completed, failed, cancelled.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.pipelines import (
    create_connection,
    create_pipeline,
    execute,
    fill_mixed_table,
    run_to_end,
    wait_finished,
)
from tests.workflows.test_pipeline_run import _wait_task

HISTORIES = Path(__file__).parent / "histories"

pytestmark = pytest.mark.skipif(
    os.environ.get("RECORD_HISTORIES") != "1", reason="records only with RECORD_HISTORIES=1"
)


async def _save(client, execution_id: str, name: str) -> None:
    history = await client.get_workflow_handle(f"default/run/{execution_id}").fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / f"{name}.json").write_text(history.to_json())


async def test_record(api, client, source, source_db, target_db):
    table = f"replay_{uuid.uuid4().hex[:8]}"
    await fill_mixed_table(source, table, 1_000)
    src = await create_connection(api, source_db, f"replay-src-{table}")
    dst = await create_connection(api, target_db, f"replay-dst-{table}")

    def definition(query: str, checks: list | None = None) -> dict:
        return {
            "sources": {"rows": {"connection": src, "query": query}},
            "transformations": [{"name": "kept", "sql": "SELECT * FROM rows WHERE id % 2 = 0"}],
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
            "quality_checks": checks or [{"type": "row_count", "min": 1}],
        }

    ok = await create_pipeline(api, f"{table}-ok", definition(f"SELECT * FROM {table}"))
    run = await run_to_end(api, ok)
    await _save(client, run["executionId"], "pipeline_run_completed")

    failing = await create_pipeline(
        api,
        f"{table}-fail",
        definition(f"SELECT * FROM {table}", [{"type": "row_count", "max": 1}]),
    )
    run = await run_to_end(api, failing)
    await _save(client, run["executionId"], "pipeline_run_failed")

    slow = await create_pipeline(
        api, f"{table}-cancel", definition(f"SELECT t.* FROM {table} t, pg_sleep(30) s")
    )
    execution = await execute(api, slow)
    await _wait_task(api, execution, "extract_rows")
    await api.post(f"/v1/pipelines/executions/{execution}/cancel")
    await wait_finished(api, execution)
    await _save(client, execution, "pipeline_run_cancelled")
