"""Extract: stream a source's rows into a staging table of the target database."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
from temporalio import activity

from activities.runtime import ActivityDeps, StepContext, closing
from connectors.base import Progress, TerminalError
from connectors.postgres.copy import (
    Column,
    copy_rows_seen,
    create_table_sql,
    describe_query,
    ensure_schema,
    stream_copy,
)
from connectors.postgres.sql import Relation, quote_ident
from connectors.postgres.state import TargetState
from workflows.payloads import ExtractStep, StepResult


class ExtractActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps

    @activity.defn(name="extract")
    async def extract(self, step: ExtractStep) -> StepResult:
        tenant = step.ref.tenant_id
        async with self.deps.step(step.ref, "extract") as ctx:
            source = await self.deps.connect(tenant, step.source_connection_id)
            target = await self.deps.connect(tenant, step.target_connection_id)
            watcher = await self.deps.connect(tenant, step.target_connection_id)
            try:
                columns = await describe_query(source, step.query)
                staging = Relation.parse(step.staging_table)
                await ensure_schema(target, staging.schema)
                query = step.query
                if step.cursor is not None:
                    query = await _incremental_query(step, columns, source, target, self.deps, ctx)
                ctx.info("copying", columns=len(columns), into=str(staging))
                watch = asyncio.create_task(
                    _watch_rows(watcher, target.get_server_pid(), ctx.metrics)
                )
                try:
                    # One transaction: a failed or cancelled attempt leaves no half-filled table,
                    # and a retry starts from a fresh one.
                    async with target.transaction():
                        await target.execute(f"DROP TABLE IF EXISTS {staging.sql}")
                        await target.execute(create_table_sql(staging, columns))
                        await stream_copy(source, query, target, staging, ctx.metrics)
                finally:
                    watch.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await watch
            finally:
                await closing(source, target, watcher)
        return StepResult(step.ref.name, ctx.metrics.rows, ctx.metrics.bytes)


async def _incremental_query(
    step: ExtractStep,
    columns: list[Column],
    source: asyncpg.Connection,
    target: asyncpg.Connection,
    deps: ActivityDeps,
    ctx: StepContext,
) -> str:
    """The source query limited to rows past the high-water mark kept in the target."""
    cursor = step.cursor
    assert cursor is not None
    column = next((c for c in columns if c.name == cursor.column), None)
    if column is None:
        raise TerminalError(
            f"cursor column {cursor.column!r} is not among the columns of source "
            f"{cursor.source!r} ({', '.join(c.name for c in columns)})",
            error_type="COLUMN_NOT_FOUND",
        )
    if cursor.full_refresh:
        ctx.info("full refresh: the stored high-water mark is ignored", source=cursor.source)
        return step.query
    state = TargetState(target, deps.settings.staging_schema)
    await state.ensure()
    mark = await state.cursor(step.ref.pipeline_id, cursor.source)
    if mark is None:
        ctx.info("first incremental run: extracting everything", source=cursor.source)
        return step.query
    literal = await source.fetchval("SELECT quote_literal($1::text)", mark)
    op = ">=" if cursor.inclusive else ">"
    ctx.info("incremental", source=cursor.source, column=cursor.column, after=mark)
    return (
        f"SELECT * FROM ({step.query}) AS _src "
        f"WHERE _src.{quote_ident(column.name)} {op} CAST({literal} AS {column.type})"
    )


async def _watch_rows(conn: asyncpg.Connection, pid: int, progress: Progress) -> None:
    """Live row count of the running COPY, from pg_stat_progress_copy."""
    while True:
        await asyncio.sleep(0.5)
        seen = await copy_rows_seen(conn, pid)
        if seen is not None:
            progress.rows = max(progress.rows, seen)
