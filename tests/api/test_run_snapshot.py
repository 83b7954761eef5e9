"""services.runs.snapshot: the one rule for a run's status, store against live workflow.

Rows are written as a killed API or an outside terminate leaves them: no workflow answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from domain.status import RunStatus
from services import runs
from store import runs as run_store
from store.db import Database
from store.models import RunStep, utcnow
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


@dataclass
class _Described:
    status: WorkflowExecutionStatus
    workflow_type: str


class _OpenBatchRun:
    """A batch run's workflow that is open and would answer no progress query."""

    def __init__(self) -> None:
        self.queries = 0

    def get_workflow_handle(self, _workflow_id: str) -> _OpenBatchRun:
        return self

    async def describe(self) -> _Described:
        return _Described(WorkflowExecutionStatus.RUNNING, runs.BATCH_RUN)

    async def query(self, *_args: object) -> None:
        self.queries += 1
        raise AssertionError("the store has the progress: no query")


async def test_a_running_step_is_progress_enough_no_query(db, pipeline_id):
    execution_id = await _row(db, pipeline_id, RunStatus.RUNNING, timedelta(0))
    async with db.session() as session:
        await run_store.set_status(session, execution_id, "RUNNING", total_tasks=2)
        session.add(
            RunStep(
                execution_id=execution_id,
                name="extract_rows",
                kind="extract",
                status="COMPLETED",
                started_at=utcnow(),
            )
        )
        session.add(
            RunStep(
                execution_id=execution_id,
                name="load_wh",
                kind="load",
                status="RUNNING",
                started_at=utcnow(),
            )
        )
        await session.commit()
    workflow = _OpenBatchRun()
    async with db.session() as session:
        row = await run_store.get(session, DEFAULT_TENANT, execution_id)
        run = await runs.snapshot_of(session, workflow, row)  # type: ignore[arg-type]
    assert workflow.queries == 0
    assert (run.status, run.live, run.current_task) == (RunStatus.RUNNING, False, "load_wh")
    assert (run.progress.completed_tasks, run.progress.total_tasks) == (1, 2)
    assert run.progress.percentage == 50
