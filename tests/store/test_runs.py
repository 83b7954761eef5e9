"""store.runs: executions, their steps and log lines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from sqlmodel import select

from store import pipelines as pipeline_store
from store import runs as run_store
from store.db import READ_NOW, get_now, read_now, read_rows
from store.errors import Conflict, NotFound
from store.models import Execution, RunLog, utcnow

T0 = datetime(2026, 2, 12, 10, 0, tzinfo=UTC)


async def _write_step(session, *args, **fields):
    """A step's state written and committed (the worker writes them in batches)."""
    await run_store.write_step(session, *args, **fields)
    await session.commit()


@pytest.fixture
async def pipeline(make, tenant):
    return await make.pipeline(tenant)


async def test_create_and_get(session, make, tenant, pipeline, database):
    created = await make.execution(tenant, pipeline.id, submitted_at=T0)
    async with database.session() as fresh:
        row = await run_store.get(fresh, tenant, created.id)
    assert (row.pipeline_id, row.status, row.engine, row.priority) == (
        pipeline.id,
        "QUEUED",
        "temporal",
        "NORMAL",
    )
    assert row.workflow_id == f"run/{created.id}"
    assert row.submitted_at == T0
    assert row.started_at is None and row.finished_at is None


async def test_get_is_scoped_to_the_tenant(session, make, tenant, pipeline):
    row = await make.execution(tenant, pipeline.id)
    with pytest.raises(NotFound) as err:
        await run_store.get(session, "another-tenant", row.id)
    assert err.value.code == "EXECUTION_NOT_FOUND"
    with pytest.raises(NotFound):
        await run_store.get(session, tenant, "exec-none")


async def test_get_with_steps_reads_the_run_and_its_steps_in_order(
    session, make, tenant, pipeline, database
):
    row = await make.execution(tenant, pipeline.id)
    async with database.session() as fresh:
        assert await run_store.get_with_steps(fresh, tenant, row.id) == (row, [])
    for name, kind in (("load_b", "load"), ("extract_a", "extract")):
        await _write_step(session, row.id, name, kind=kind, status="COMPLETED", attempt=1, rows=5)
    async with database.session() as fresh:
        found, steps = await run_store.get_with_steps(fresh, tenant, row.id)
    assert found.id == row.id
    assert [(s.name, s.kind, s.rows) for s in steps] == [
        ("load_b", "load", 5),
        ("extract_a", "extract", 5),
    ]
    for other, execution_id in (("another-tenant", row.id), (tenant, "exec-none")):
        with pytest.raises(NotFound) as err:
            await run_store.get_with_steps(session, other, execution_id)
        assert err.value.code == "EXECUTION_NOT_FOUND"


async def test_get_with_steps_puts_the_run_in_the_session_however_it_was_read(
    session, make, tenant, pipeline, database
):
    """On SQLite the read runs in the caller's thread (store.db.read_now), elsewhere through
    the session; either way the run is the session's own, so a status recorded through the
    session shows on it, and every read sees the last commit of any connection."""
    row = await make.execution(tenant, pipeline.id)
    async with database.session() as fresh:
        assert (read_now(fresh, select(Execution), {}) is not None) == (
            database.url.startswith("sqlite")
        )
        found, _ = await run_store.get_with_steps(fresh, tenant, row.id)
        assert found in fresh
        await _write_step(session, row.id, "extract_a", kind="extract", status="RUNNING", attempt=1)
        assert [s.name for s in (await run_store.get_with_steps(fresh, tenant, row.id))[1]] == [
            "extract_a"
        ]
        await run_store.set_status(session, row.id, "COMPLETED", total_tasks=1)
        assert not await run_store.set_status(fresh, row.id, "FAILED", total_tasks=1)
        assert found.status == "COMPLETED"  # re-read into the session's own copy


async def test_a_read_after_a_merge_stays_in_the_thread_and_one_after_a_change_sees_it(
    make, tenant, pipeline, database
):
    """The transaction ``get_now``'s merge begins has done nothing: the next read is still
    made in the thread (an execute call reads the pipeline, then its typical duration). Once
    the session holds a change, or has written it on its connection, reads go through the
    session and see it (on PostgreSQL every read goes through the session)."""
    in_thread = database.url.startswith("sqlite")
    row = await make.execution(tenant, pipeline.id)
    async with database.session() as fresh:
        found = await get_now(fresh, Execution, row.id)
        assert found is not None and fresh.in_transaction()
        assert (read_now(fresh, select(Execution), {}) is not None) == in_thread
        found.note = "changed"
        assert read_now(fresh, select(Execution), {}) is None
        await fresh.flush()
        assert read_now(fresh, select(Execution), {}) is None
        assert (await run_store.get(fresh, tenant, row.id)).note == "changed"
        await fresh.rollback()
        assert (read_now(fresh, select(Execution), {}) is not None) == in_thread


async def test_a_busy_file_is_read_through_the_session(make, tenant, pipeline, database):
    """When the in-thread read finds the SQLite file busy (a checkpoint holds it), the read
    goes through the session instead, with the same answer."""
    row = await make.execution(tenant, pipeline.id)
    async with database.session() as fresh:

        class Busy:
            def __call__(self):  # the reader's session factory
                raise OperationalError("SELECT", {}, Exception("database is locked"))

        if READ_NOW in fresh.info:
            fresh.info[READ_NOW] = Busy()
        assert read_now(fresh, select(Execution), {}) is None
        found, steps = await run_store.get_with_steps(fresh, tenant, row.id)
        assert (found.id, steps) == (row.id, [])
        statement = select(Execution.id, Execution.status).where(Execution.id == row.id)
        assert await read_rows(fresh, statement, {}) == [(row.id, row.status)]
    async with database.session() as fresh:  # in the thread, on SQLite
        assert await read_rows(fresh, statement, {}) == [(row.id, row.status)]


async def test_discard(session, make, tenant, pipeline):
    row = await make.execution(tenant, pipeline.id)
    await run_store.discard(session, row)
    with pytest.raises(NotFound):
        await run_store.get(session, tenant, row.id)


async def test_an_execution_needs_its_pipeline(session, tenant):
    row = Execution(
        id="exec-orphan",
        tenant_id=tenant,
        pipeline_id="no-such-pipeline",
        pipeline_version=1,
        workflow_id="run/exec-orphan",
        status="QUEUED",
        submitted_at=utcnow(),
    )
    with pytest.raises(IntegrityError):
        await run_store.create(session, row)


async def test_page_filters_and_orders_newest_first(session, make, tenant, pipeline):
    other = await make.pipeline(tenant)
    old = await make.execution(tenant, pipeline.id, status="COMPLETED", submitted_at=T0)
    mid = await make.execution(
        tenant, pipeline.id, status="FAILED", submitted_at=T0 + timedelta(minutes=1)
    )
    new = await make.execution(
        tenant, pipeline.id, status="COMPLETED", submitted_at=T0 + timedelta(minutes=2)
    )
    elsewhere = await make.execution(tenant, other.id, submitted_at=T0 + timedelta(minutes=3))
    foreign = await make.pipeline("another-tenant")
    await make.execution("another-tenant", foreign.id)

    async def ids(**kw):
        args = {"pipeline_id": None, "status": None, "offset": 0, "limit": 10, **kw}
        rows, total = await run_store.page(session, tenant, **args)
        return [r.id for r in rows], total

    assert await ids() == ([elsewhere.id, new.id, mid.id, old.id], 4)
    assert await ids(pipeline_id=pipeline.id) == ([new.id, mid.id, old.id], 3)
    assert await ids(pipeline_id=pipeline.id, status="COMPLETED") == ([new.id, old.id], 2)
    assert await ids(status="failed") == ([mid.id], 1)
    assert await ids(status="RUNNING") == ([], 0)
    assert await ids(pipeline_id=pipeline.id, offset=1, limit=1) == ([mid.id], 3)
    assert await ids(pipeline_id=pipeline.id, offset=3, limit=1) == ([], 3)


async def test_active_for_pipeline(session, make, tenant, pipeline):
    assert await run_store.active_for_pipeline(session, pipeline.id) is None
    await make.execution(tenant, pipeline.id, status="COMPLETED")
    await make.execution(tenant, pipeline.id, status="FAILED")
    assert await run_store.active_for_pipeline(session, pipeline.id) is None
    queued = await make.execution(tenant, pipeline.id, status="QUEUED")
    assert (await run_store.active_for_pipeline(session, pipeline.id)).id == queued.id
    await run_store.set_status(session, queued.id, "RUNNING", total_tasks=2)
    assert (await run_store.active_for_pipeline(session, pipeline.id)).id == queued.id
    await run_store.set_status(session, queued.id, "CANCELLED", total_tasks=0)
    assert await run_store.active_for_pipeline(session, pipeline.id) is None


async def test_set_status_stamps_start_and_end(session, make, tenant, pipeline, database):
    row = await make.execution(tenant, pipeline.id)
    await run_store.set_status(session, row.id, "RUNNING", total_tasks=4)
    async with database.session() as fresh:
        running = await run_store.get(fresh, tenant, row.id)
        assert (running.status, running.total_tasks) == ("RUNNING", 4)
        assert running.started_at is not None and running.finished_at is None
        started = running.started_at
    assert utcnow() - started < timedelta(seconds=30)

    # A repeated RUNNING (a retried record) keeps the first start.
    await asyncio.sleep(0.01)
    await run_store.set_status(session, row.id, "RUNNING", total_tasks=0)
    async with database.session() as fresh:
        again = await run_store.get(fresh, tenant, row.id)
        assert again.started_at == started
        assert again.total_tasks == 4  # zero means "unchanged"

    await run_store.set_status(session, row.id, "FAILED", total_tasks=0, error="extract: boom")
    async with database.session() as fresh:
        failed = await run_store.get(fresh, tenant, row.id)
        assert (failed.status, failed.error, failed.total_tasks) == ("FAILED", "extract: boom", 4)
        assert failed.finished_at >= started
        assert failed.started_at == started

    with pytest.raises(NotFound):
        await run_store.set_status(session, "exec-none", "RUNNING", total_tasks=1)


async def test_write_step_tracks_attempts(session, make, tenant, pipeline, database):
    row = await make.execution(tenant, pipeline.id)

    async def step(name="extract_orders"):
        async with database.session() as fresh:
            found = [s for s in await run_store.steps(fresh, row.id) if s.name == name]
        assert len(found) == 1
        return found[0]

    await _write_step(
        session, row.id, "extract_orders", kind="extract", status="RUNNING", attempt=1
    )
    first = await step()
    assert (first.kind, first.status, first.attempt, first.rows, first.bytes) == (
        "extract",
        "RUNNING",
        1,
        0,
        0,
    )
    assert first.finished_at is None

    # Progress of the same attempt: metrics move, the start stays.
    await _write_step(
        session,
        row.id,
        "extract_orders",
        kind="extract",
        status="RUNNING",
        attempt=1,
        rows=500,
        bytes_=4096,
    )
    progress = await step()
    assert (progress.rows, progress.bytes) == (500, 4096)
    assert progress.started_at == first.started_at
    assert progress.id == first.id

    await _write_step(
        session,
        row.id,
        "extract_orders",
        kind="extract",
        status="FAILED",
        attempt=1,
        rows=700,
        error="connection lost",
    )
    failed = await step()
    assert (failed.status, failed.error, failed.rows) == ("FAILED", "connection lost", 700)
    assert failed.finished_at is not None

    # A retry is a new attempt: new start, error cleared, still one row per step.
    await asyncio.sleep(0.01)
    await _write_step(
        session, row.id, "extract_orders", kind="extract", status="RUNNING", attempt=2
    )
    retry = await step()
    assert (retry.attempt, retry.status, retry.error, retry.rows) == (2, "RUNNING", None, 0)
    assert retry.started_at > first.started_at
    assert retry.finished_at is None

    await _write_step(
        session,
        row.id,
        "extract_orders",
        kind="extract",
        status="COMPLETED",
        attempt=2,
        rows=1000,
        bytes_=9000,
    )
    done = await step()
    assert (done.status, done.attempt, done.rows, done.bytes) == ("COMPLETED", 2, 1000, 9000)
    assert done.finished_at >= done.started_at


async def test_steps_in_the_order_they_began(session, make, tenant, pipeline):
    row = await make.execution(tenant, pipeline.id)
    other = await make.execution(tenant, pipeline.id, status="COMPLETED")
    for name in ("extract_b", "extract_a", "load_out"):
        kind = name.split("_")[0]
        await _write_step(session, row.id, name, kind=kind, status="RUNNING", attempt=1)
    await _write_step(session, other.id, "extract_x", kind="extract", status="RUNNING", attempt=1)
    await _write_step(session, row.id, "extract_b", kind="extract", status="COMPLETED", attempt=1)
    assert [s.name for s in await run_store.steps(session, row.id)] == [
        "extract_b",
        "extract_a",
        "load_out",
    ]
    assert [s.name for s in await run_store.steps(session, other.id)] == ["extract_x"]


async def test_logs_order_filter_and_limit(session, make, tenant, pipeline):
    row = await make.execution(tenant, pipeline.id)
    other = await make.execution(tenant, pipeline.id, status="COMPLETED")
    tasks = ["run", "extract_a", "extract_a", "load_out", "extract_a", "run"]
    await run_store.add_logs(
        session,
        [
            RunLog(
                execution_id=row.id,
                ts=T0 + timedelta(seconds=i),
                level="INFO",
                task=task,
                message=f"line {i}",
            )
            for i, task in enumerate(tasks)
        ],
    )
    await run_store.add_logs(
        session,
        [RunLog(execution_id=other.id, ts=T0, level="INFO", task="run", message="elsewhere")],
    )

    async def messages(**kw):
        args = {"task": None, "lines": 100, **kw}
        return [x.message for x in await run_store.logs(session, row.id, **args)]

    assert await messages() == [f"line {i}" for i in range(6)]
    assert await messages(lines=2) == ["line 4", "line 5"]
    assert await messages(task="extract_a") == ["line 1", "line 2", "line 4"]
    assert await messages(task="extract_a", lines=2) == ["line 2", "line 4"]
    assert await messages(task="nothing") == []
    lines = await run_store.logs(session, row.id, task="load_out", lines=10)
    assert lines[0].ts == T0 + timedelta(seconds=3)


async def test_typical_duration_is_the_median_of_the_last_ten_completed_runs(
    session, make, tenant, pipeline
):
    assert await run_store.typical_duration_ms(session, pipeline.id) is None

    async def finished(status, seconds, finished_at):
        await make.execution(
            tenant,
            pipeline.id,
            status=status,
            started_at=finished_at - timedelta(seconds=seconds),
            finished_at=finished_at,
        )

    # Before any completed run, the finished ones tell; once one completed, only those count.
    await finished("FAILED", 99, T0)
    await finished("CANCELLED", 1, T0 + timedelta(minutes=1))
    await finished("FAILED", 97, T0 + timedelta(minutes=2))
    assert await run_store.typical_duration_ms(session, pipeline.id) == 97000
    await finished("COMPLETED", 3, T0 + timedelta(hours=1))
    assert await run_store.typical_duration_ms(session, pipeline.id) == 3000
    await finished("COMPLETED", 1, T0 + timedelta(hours=2))
    await finished("COMPLETED", 2, T0 + timedelta(hours=3))
    assert await run_store.typical_duration_ms(session, pipeline.id) == 2000

    # Eleven older slow runs, then ten recent fast ones: only the recent ten count.
    for i in range(11):
        await finished("COMPLETED", 9, T0 - timedelta(days=1, minutes=i))
    assert await run_store.typical_duration_ms(session, pipeline.id) == 9000
    for i in range(10):
        await finished("COMPLETED", 0.5, T0 + timedelta(days=1, minutes=i))
    assert await run_store.typical_duration_ms(session, pipeline.id) == 500

    other = await make.pipeline(tenant)
    assert await run_store.typical_duration_ms(session, other.id) is None


def test_elapsed_ms():
    assert run_store.elapsed_ms(None, T0) is None
    assert run_store.elapsed_ms(T0, T0 + timedelta(seconds=1.5)) == 1500
    assert run_store.elapsed_ms(T0, T0 - timedelta(seconds=1)) == 0
    running = run_store.elapsed_ms(utcnow() - timedelta(seconds=2), None)
    assert 2000 <= running < 60_000


async def test_timestamps_come_back_aware_and_naive_ones_are_refused(session, make, tenant):
    pipeline = await make.pipeline(tenant)
    reread = await session.get(type(pipeline), pipeline.id, populate_existing=True)
    assert reread.created_at.tzinfo is not None
    reread.updated_at = datetime(2026, 2, 12, 10, 0)  # no zone: ambiguous, refused
    session.add(reread)
    with pytest.raises(StatementError, match="naive datetime"):
        await session.commit()


async def test_one_run_in_progress_per_pipeline(session, make, tenant, pipeline):
    pipeline_id = pipeline.id  # the rollback of the refused insert expires loaded rows
    await make.execution(tenant, pipeline_id)
    with pytest.raises(Conflict) as raised:
        await make.execution(tenant, pipeline_id, status="RUNNING")
    assert raised.value.code == "PIPELINE_ALREADY_RUNNING"
    finished = await make.execution(tenant, pipeline_id, status="COMPLETED")
    assert finished.status == "COMPLETED"  # finished runs are not limited


async def test_get_with_version_reads_the_run_its_pipeline_and_version_or_says_what_is_missing(
    session, make, tenant, pipeline
):
    execution = await make.execution(tenant, pipeline.id)
    got = await run_store.get_with_version(session, tenant, execution.id, pipeline.id, 1)
    assert (got[0].id, got[1].id, got[2].number) == (execution.id, pipeline.id, 1)

    async def missing(tenant_id: str, execution_id: str, pipeline_id: str, version: int) -> str:
        with pytest.raises(NotFound) as caught:
            await run_store.get_with_version(session, tenant_id, execution_id, pipeline_id, version)
        return caught.value.code

    assert await missing(tenant, execution.id, "no-such-pipeline", 1) == "PIPELINE_NOT_FOUND"
    assert await missing("another-tenant", execution.id, pipeline.id, 1) == "PIPELINE_NOT_FOUND"
    assert await missing(tenant, execution.id, pipeline.id, 9) == "NOT_FOUND"
    assert await missing(tenant, "exec-none", pipeline.id, 1) == "EXECUTION_NOT_FOUND"
    await pipeline_store.soft_delete(session, pipeline)
    assert await missing(tenant, execution.id, pipeline.id, 1) == "PIPELINE_NOT_FOUND"
