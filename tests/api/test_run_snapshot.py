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
from workflows.payloads import Progress

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
    """An open batch run's workflow; its progress query says it awaits an approval."""

    def __init__(self) -> None:
        self.queries = 0

    def get_workflow_handle(self, _workflow_id: str) -> _OpenBatchRun:
        return self

    async def describe(self) -> _Described:
        return _Described(WorkflowExecutionStatus.RUNNING, runs.BATCH_RUN)

    async def query(self, *_args: object) -> Progress:
        self.queries += 1
        return Progress(RunStatus.RUNNING, 2, 1, "approval")


async def _steps(db: Database, execution_id: str, **statuses: str) -> None:
    """Steps named ``<kind>_...`` in the given statuses."""
    async with db.session() as session:
        await run_store.set_status(session, execution_id, "RUNNING", total_tasks=2)
        for name, status in statuses.items():
            kind = name.split("_")[0]
            step = RunStep(
                execution_id=execution_id, name=name, kind=kind, status=status, started_at=utcnow()
            )
            session.add(step)
        await session.commit()


async def _read(db: Database, execution_id: str) -> tuple[runs.RunSnapshot, int]:
    workflow = _OpenBatchRun()
    async with db.session() as session:
        row = await run_store.get(session, DEFAULT_TENANT, execution_id)
        run = await runs.snapshot_of(session, workflow, row)  # type: ignore[arg-type]
    return run, workflow.queries


async def test_the_store_has_a_batch_runs_progress_no_query(db, pipeline_id):
    execution_id = await _row(db, pipeline_id, RunStatus.QUEUED, timedelta(0))
    run, queries = await _read(db, execution_id)
    assert (run.status, run.live, queries) == (RunStatus.QUEUED, False, 0)

    await _steps(db, execution_id, extract_rows="COMPLETED", load_wh="RUNNING")
    run, queries = await _read(db, execution_id)
    assert (run.status, run.live, run.current_task, queries) == (
        RunStatus.RUNNING,
        False,
        "load_wh",
        0,
    )
    assert (run.progress.completed_tasks, run.progress.total_tasks) == (1, 2)
    assert run.progress.percentage == 50


@pytest.mark.parametrize(
    "steps",
    [
        {"extract_rows": "FAILED"},  # its retry is due
        {"extract_rows": "COMPLETED", "quality_checks": "COMPLETED"},  # an approval may be
    ],
)
async def test_what_the_run_awaits_the_workflow_is_asked(db, pipeline_id, steps):
    execution_id = await _row(db, pipeline_id, RunStatus.RUNNING, timedelta(0))
    await _steps(db, execution_id, **steps)
    run, queries = await _read(db, execution_id)
    assert (run.status, run.live, run.current_task, queries) == (
        RunStatus.RUNNING,
        True,
        "approval",
        1,
    )
