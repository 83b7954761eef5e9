"""services.runs.snapshot: the one rule for a run's status, store against live workflow.

Rows are written as a killed API or an outside terminate leaves them: no workflow answers.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from temporalio.client import Client

from domain.status import RunStatus
from services import runs
from store import runs as run_store
from store.db import Database
from tests.auth import DEFAULT_TENANT
from tests.pipelines import create_connection, create_pipeline, unique_name
from tests.run_rows import run_row

LONG_AGO = runs.START_WINDOW + timedelta(seconds=5)  # no start of it can still be under way


@pytest.fixture
async def pipeline_id(api: httpx.AsyncClient, source, source_db, target_db) -> str:
    table = unique_name("snapshot")
    await source.execute(f"CREATE TABLE {table} AS SELECT g AS id FROM generate_series(1, 3) g")
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    return await create_pipeline(
        api,
        unique_name("snapshot"),
        {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
        },
    )


async def _row(db: Database, pipeline_id: str, status: RunStatus, age: timedelta) -> str:
    """A run row whose workflow Temporal does not know."""
    return await run_row(db, pipeline_id, status, age)


async def _snapshot(db: Database, client: Client, execution_id: str) -> runs.RunSnapshot:
    async with db.session() as session:
        return await runs.snapshot(session, client, DEFAULT_TENANT, execution_id)


async def test_a_finished_row_is_final(db, client, pipeline_id):
    # Its workflow is gone, yet the recorded end stands: the workflow is not asked.
    execution_id = await _row(db, pipeline_id, RunStatus.COMPLETED, LONG_AGO)
    run = await _snapshot(db, client, execution_id)
    assert (run.status, run.settled, run.live) == (RunStatus.COMPLETED, None, False)
    assert run.progress.percentage == 100 and run.execution.error is None


async def test_a_gone_workflow_settles_the_row(db, client, pipeline_id):
    execution_id = await _row(db, pipeline_id, RunStatus.QUEUED, LONG_AGO)
    run = await _snapshot(db, client, execution_id)
    assert (run.status, run.settled) == (RunStatus.FAILED, RunStatus.FAILED)
    assert (run.execution.status, run.execution.error) == ("FAILED", runs.NEVER_STARTED)
    assert run.execution.finished_at is not None


@pytest.mark.parametrize("status", [RunStatus.QUEUED, RunStatus.RUNNING])
async def test_an_active_row_stands_while_its_start_may_be_under_way(
    db, client, pipeline_id, status
):
    execution_id = await _row(db, pipeline_id, status, timedelta(0))
    run = await _snapshot(db, client, execution_id)
    assert (run.status, run.settled, run.live) == (status, None, False)
    assert run.execution.finished_at is None


async def test_a_store_only_read_settles_nothing(db, client, pipeline_id):
    execution_id = await _row(db, pipeline_id, RunStatus.QUEUED, LONG_AGO)
    async with db.session() as session:
        row = await run_store.get(session, DEFAULT_TENANT, execution_id)
        run = await runs.snapshot_of(session, client, row, live=False)
    assert (run.status, run.settled) == (RunStatus.QUEUED, None)
