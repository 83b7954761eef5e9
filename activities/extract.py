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
from connectors.postgres.sql import Relation, quote_ident, quote_literal
from connectors.postgres.state import TargetState
from workflows.payloads import Cursor, ExtractStep, Partition, StepResult


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
                    query = await _incremental_query(
                        step, step.cursor, columns, source, target, self.deps, ctx
                    )
                scope = None
                if step.partition is not None:
                    scope = _range(step.partition, columns)
                    query = f"SELECT * FROM ({query}) AS _part WHERE {scope}"
                    # The ranges of a source share one staging table: made once, race-safe.
                    with contextlib.suppress(
                        asyncpg.DuplicateTableError, asyncpg.UniqueViolationError
                    ):
                        await target.execute(create_table_sql(staging, columns, if_missing=True))
                ctx.info("copying", columns=len(columns), into=str(staging), range=scope)
                watch = asyncio.create_task(
                    _watch_rows(watcher, target.get_server_pid(), ctx.metrics)
                )
                try:
                    # One transaction: a failed or cancelled attempt leaves nothing behind, and
                    # a retry starts clean: from a fresh table, or from its own range emptied.
                    async with target.transaction():
                        if scope is None:
                            await target.execute(f"DROP TABLE IF EXISTS {staging.sql}")
                            await target.execute(create_table_sql(staging, columns))
                        else:
                            await target.execute(f"DELETE FROM {staging.sql} WHERE {scope}")
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
    cursor: Cursor,
    columns: list[Column],
    source: asyncpg.Connection,
    target: asyncpg.Connection,
    deps: ActivityDeps,
    ctx: StepContext,
) -> str:
    """The source query limited to rows past the high-water mark kept in the target."""
    column = _column(columns, cursor.column, "cursor")
    if cursor.full_refresh:
        ctx.info("full refresh: the stored high-water mark is ignored", source=cursor.source)
        return step.query
    state = TargetState(target, deps.settings.staging_schema)
    await state.ensure()
    mark = await state.cursor(step.ref.pipeline_id, cursor.source)
    if mark is None:
        ctx.info("first incremental run: extracting everything", source=cursor.source)
        return step.query
    op = ">=" if cursor.inclusive else ">"
    ctx.info("incremental", source=cursor.source, column=cursor.column, after=mark)
    literal = f"CAST({quote_literal(mark)} AS {column.type})"
    return (
        f"SELECT * FROM ({step.query}) AS _src WHERE _src.{quote_ident(column.name)} {op} {literal}"
    )


def _range(partition: Partition, columns: list[Column]) -> str:
    """The predicate of one range; it reads the same on the source query and on staging."""
    column = _column(columns, partition.column, "split_by")
    name = quote_ident(column.name)
    bounds = [
        f"{name} {op} CAST({quote_literal(value)} AS {column.type})"
        for op, value in ((">=", partition.lower), ("<", partition.upper))
        if value is not None
    ]
    predicate = " AND ".join(bounds)
    return f"({predicate} OR {name} IS NULL)" if partition.lower is None else predicate


def _column(columns: list[Column], name: str, role: str) -> Column:
    found = next((c for c in columns if c.name == name), None)
    if found is None:
        raise TerminalError(
            f"{role} column {name!r} is not among the source's columns "
            f"({', '.join(c.name for c in columns)})",
            error_type="COLUMN_NOT_FOUND",
        )
    return found


async def _watch_rows(conn: asyncpg.Connection, pid: int, progress: Progress) -> None:
    """Live row count of the running COPY, from pg_stat_progress_copy."""
    while True:
        await asyncio.sleep(0.5)
        seen = await copy_rows_seen(conn, pid)
        if seen is not None:
            progress.rows = max(progress.rows, seen)
