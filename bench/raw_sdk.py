"""The baseline for a run's fixed cost: a plain Temporal SDK workflow that runs the same
PostgreSQL → PostgreSQL copy in one activity, on the same server as the service.

The activity does what the service's data path does for a replace, in one transaction:
describe the query, create a fresh table, stream the source's binary COPY into it, and swap
it in for the target. No store, no plan, no staging schema, no bookkeeping.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio import activity, workflow

if TYPE_CHECKING:
    from bench.stack import RunningStack

with workflow.unsafe.imports_passed_through():
    import asyncpg


@dataclass
class CopyJob:
    source_dsn: str
    target_dsn: str
    query: str
    table: str  # unqualified, in public


@activity.defn(name="bench_raw_copy")
async def raw_copy(job: CopyJob) -> int:
    from connectors.base import Progress
    from connectors.postgres.copy import create_table_sql, describe_query, stream_copy
    from connectors.postgres.sql import Relation

    source = await asyncpg.connect(job.source_dsn)
    target = await asyncpg.connect(job.target_dsn)
    try:
        columns = await describe_query(source, job.query)
        fresh = Relation("public", f"{job.table}_new")
        async with target.transaction():
            await target.execute(f"DROP TABLE IF EXISTS {fresh.sql}")
            await target.execute(create_table_sql(fresh, columns))
            rows = await stream_copy(source, job.query, target, fresh, Progress())
            await target.execute(f"DROP TABLE IF EXISTS public.{job.table}")
            await target.execute(f"ALTER TABLE {fresh.sql} RENAME TO {job.table}")
        return rows
    finally:
        await source.close()
        await target.close()


@workflow.defn(name="BenchRawCopy")
class RawCopyWorkflow:
    @workflow.run
    async def run(self, job: CopyJob) -> int:
        return await workflow.execute_activity(
            raw_copy, job, start_to_close_timeout=timedelta(minutes=10)
        )


@workflow.defn(name="BenchNoop")
class NoopWorkflow:
    """What a workflow start costs with nothing to do: for the many-runs comparison."""

    @workflow.run
    async def run(self, _: str) -> str:
        return "done"


@dataclass
class RawRun:
    seconds: float
    workflow_id: str
    started: float  # time.time() at the start call


async def raw_run(client: Any, queue: str, job: CopyJob) -> RawRun:
    wall = time.time()
    started = time.perf_counter()
    handle = await client.start_workflow(
        RawCopyWorkflow.run, job, id=f"bench-raw-{uuid.uuid4().hex}", task_queue=queue
    )
    await handle.result()
    return RawRun(time.perf_counter() - started, handle.id, wall)


@contextlib.asynccontextmanager
async def raw_worker(st: RunningStack) -> Any:
    """The baseline's worker, in this process, on its own task queue of the stack's server."""
    from temporalio.worker import Worker

    queue = f"bench-raw-{uuid.uuid4().hex[:8]}"
    async with Worker(
        st.client, task_queue=queue, workflows=[RawCopyWorkflow], activities=[raw_copy]
    ):
        yield queue
