"""Extract: stream a source's rows into a staging table of the target database.

A PostgreSQL source streams binary COPY straight into the target; any other source is read as
Arrow record batches and bulk-loaded by COPY (ADBC), so every later step sees the same table.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import asyncpg
import pyarrow as pa
from temporalio import activity

from activities.engine import run_staging, stored_mark
from activities.runtime import ActivityDeps, StepContext, closing
from connectors import postgres, source_sql
from connectors.base import ArrowSource, Connector, Progress, TerminalError, read_again
from connectors.duckdb.staging import DuckStaging
from connectors.files import staged as staged_file
from connectors.postgres.arrow_ingest import ingest, staging_columns
from connectors.postgres.config import PostgresConfig
from connectors.postgres.copy import (
    Column,
    copy_rows_seen,
    create_once,
    create_table_sql,
    describe_query,
    ensure_schema,
    stream_copy,
)
from connectors.postgres.sql import Relation, quote_ident, quote_literal
from connectors.postgres.state import TargetState
from connectors.registry import arrow_reader, arrow_source, is_stream
from workflows.payloads import Cursor, ExtractStep, Partition, StepResult

T = TypeVar("T")


class ExtractActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps

    @activity.defn(name="extract")
    async def extract(self, step: ExtractStep) -> StepResult:
        async with self.deps.step(step.ref, "extract") as ctx:
            connector, config = await self.deps.source(
                step.ref.tenant_id, step.source_connection_id
            )
            arrow = arrow_source(connector.type)
            duck = await run_staging(self.deps, step.ref, step.target_connection_id)
            if is_stream(connector.type):
                from activities.stream_extract import extract_stream  # it uses run_stoppable

                detail = await extract_stream(self.deps, step, ctx, config, duck)
                return StepResult(step.ref.name, ctx.metrics.rows, ctx.metrics.bytes, detail)
            if duck is not None:
                await self._into_duckdb(step, ctx, duck, arrow_reader(connector.type), config)
            elif arrow is None:
                await self._copy(step, ctx, config)
            else:
                await self._arrow(step, ctx, arrow, config)
        return StepResult(step.ref.name, ctx.metrics.rows, ctx.metrics.bytes)

    async def _copy(
        self, step: ExtractStep, ctx: StepContext, source_config: PostgresConfig
    ) -> None:
        """PostgreSQL to PostgreSQL: the source's binary COPY streamed into the target's."""
        target_config = await self.deps.postgres_config(
            step.ref.tenant_id, step.target_connection_id
        )
        async with connected(self.deps, step.ref.tenant_id, source_config, target_config) as (
            source,
            target,
        ):
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
                await create_once(target, create_table_sql(staging, columns, if_missing=True))
            ctx.info("copying", columns=len(columns), into=str(staging), range=scope)
            # One transaction: a failed or cancelled attempt leaves nothing behind, and
            # a retry starts clean: from a fresh table, or from its own range emptied.
            async with target.transaction(), rows_watched(target_config, target, ctx.metrics):
                if scope is None:
                    await copy_fresh(source, query, target, staging, columns, ctx.metrics)
                else:
                    await target.execute(f"DELETE FROM {staging.sql} WHERE {scope}")
                    await stream_copy(source, query, target, staging, ctx.metrics)

    async def _arrow(
        self, step: ExtractStep, ctx: StepContext, connector: ArrowSource, config: Any
    ) -> None:
        """Another system: its rows as Arrow batches, bulk-loaded by COPY into staging."""
        schema = await connector.describe(config, step.query)
        columns = staging_columns(schema)
        staging = Relation.parse(step.staging_table)
        target_config = await self.deps.postgres_config(
            step.ref.tenant_id, step.target_connection_id
        )
        query, scope = step.query, None
        target = await postgres.connect(target_config)
        try:
            await ensure_schema(target, staging.schema)
            if step.cursor is not None:
                query = await _incremental_source_query(
                    step, step.cursor, columns, connector.dialect, target, self.deps, ctx
                )
            if step.partition is not None:
                scope = _range(step.partition, columns)
                query = source_sql.where(
                    query, connector.dialect, _source_range(step.partition, schema, connector)
                )
                # The ranges of a source share one staging table: made once, race-safe.
                await create_once(target, create_table_sql(staging, columns, if_missing=True))
        finally:
            await closing(target)
        batch_rows = self.deps.settings.batch_rows
        ctx.info(
            "reading",
            source=connector.type,
            columns=len(columns),
            into=str(staging),
            range=scope,
            batch_rows=batch_rows,
        )
        # One transaction in a worker thread: a failed or cancelled attempt leaves nothing.
        await run_stoppable(
            lambda stop: read_again(
                lambda batches: ingest(
                    target_config, staging, schema, batches, ctx.metrics, scope=scope, stop=stop
                ),
                _read(connector, config, query, schema, batch_rows, stop),
                ctx.info,
            )
        )

    async def _into_duckdb(
        self,
        step: ExtractStep,
        ctx: StepContext,
        duck: tuple[DuckStaging, Connector, Any],
        connector: ArrowSource,
        config: Any,
    ) -> None:
        """Into a sink staged in DuckDB: any source (PostgreSQL too) as Arrow batches."""
        staging = duck[0]
        schema = await connector.describe(config, step.query)
        staged = Relation.parse(step.staging_table)
        query, scope = step.query, None
        if step.cursor is not None:
            query = await _incremental_duckdb_query(step, step.cursor, schema, connector, duck, ctx)
        if step.partition is not None:
            split = step.partition.column
            fields = [schema.field(split)] if split in schema.names else []
            scope = _range(step.partition, staging_columns(pa.schema(fields)))
            query = source_sql.where(
                query, connector.dialect, _source_range(step.partition, schema, connector)
            )
        batch_rows = self.deps.settings.batch_rows
        # Rows a files target's load takes as they are: one Parquet file, whole or absent.
        to_file = step.to_file and _parquet_target(duck) and staged_file.writable(schema)
        path = staged_file.path_of(staging, staged)
        ctx.info(
            "reading",
            source=connector.type,
            columns=len(schema),
            into=str(path) if to_file else f"{staging.path}:{staged}",
            range=scope,
            batch_rows=batch_rows,
        )
        if to_file:
            await run_stoppable(
                lambda stop: read_again(
                    lambda batches: staged_file.write(path, schema, batches, ctx.metrics, stop),
                    _read(connector, config, query, schema, batch_rows, stop),
                    ctx.info,
                )
            )
            return
        # One DuckDB transaction in a worker thread: a failed or cancelled attempt leaves nothing.
        await run_stoppable(
            lambda stop: read_again(
                lambda batches: staging.ingest(
                    staged, schema, batches, ctx.metrics, scope=scope, stop=stop
                ),
                _read(connector, config, query, schema, batch_rows, stop),
                ctx.info,
            )
        )


@contextlib.asynccontextmanager
async def connected(
    deps: ActivityDeps,
    tenant_id: str,
    source_config: PostgresConfig,
    target_config: PostgresConfig,
) -> AsyncIterator[tuple[asyncpg.Connection, asyncpg.Connection]]:
    """A source and a target connection, taken side by side from those the worker keeps open
    (or opened); given back at the end when the work succeeded, else closed."""
    opened = await asyncio.gather(
        deps.take_postgres(tenant_id, source_config),
        deps.take_postgres(tenant_id, target_config),
        return_exceptions=True,
    )
    source, target = opened
    if isinstance(source, BaseException) or isinstance(target, BaseException):
        await closing(*(c for c in opened if not isinstance(c, BaseException)))
        raise next(c for c in opened if isinstance(c, BaseException))
    try:
        yield source, target
    except BaseException:
        await closing(source, target)
        raise
    deps.give_back_postgres(tenant_id, source_config, source)
    deps.give_back_postgres(tenant_id, target_config, target)


async def copy_fresh(
    source: asyncpg.Connection,
    query: str,
    target: asyncpg.Connection,
    staging: Relation,
    columns: list[Column],
    progress: Progress,
) -> int:
    """The rows of ``query`` into ``staging`` made anew (call inside a target transaction)."""
    await target.execute(f"DROP TABLE IF EXISTS {staging.sql}")
    await target.execute(create_table_sql(staging, columns))
    return await stream_copy(source, query, target, staging, progress)


def _parquet_target(duck: tuple[DuckStaging, Connector, Any]) -> bool:
    _, target, config = duck
    return target.type == "files" and (config.format or "parquet") == "parquet"


def _read(
    connector: ArrowSource,
    config: Any,
    query: str,
    schema: pa.Schema,
    batch_rows: int,
    stop: threading.Event,
) -> Iterator[pa.RecordBatch]:
    """The source's batches; a connector that can wait long between them (HTTP's Retry-After)
    takes the step's stop signal, so a cancel is noticed at once."""
    if getattr(connector, "stoppable", False):
        return connector.read(config, query, schema, batch_rows, stop=stop)  # type: ignore[call-arg]
    return connector.read(config, query, schema, batch_rows)


async def _incremental_duckdb_query(
    step: ExtractStep,
    cursor: Cursor,
    schema: pa.Schema,
    connector: ArrowSource,
    duck: tuple[DuckStaging, Connector, Any],
    ctx: StepContext,
) -> str:
    """The source query past the high-water mark kept by the target (see
    ``engine.stored_mark``), in the source's dialect (the mark is text; DuckDB reads it back as
    the cursor column's type)."""
    staging, target, target_config = duck
    if cursor.column not in schema.names:
        _column([], cursor.column, "cursor")
    if cursor.full_refresh:
        ctx.info("full refresh: the stored high-water mark is ignored", source=cursor.source)
        return step.query
    mark = await asyncio.to_thread(
        stored_mark, target, target_config, staging, step.ref.pipeline_id, cursor
    )
    if mark is None:
        ctx.info("first incremental run: extracting everything", source=cursor.source)
        return step.query
    ctx.info("incremental", source=cursor.source, column=cursor.column, after=mark)
    value = await asyncio.to_thread(staging.mark_value, mark, schema.field(cursor.column).type)
    ident = source_sql.column(cursor.column)
    literal = source_sql.literal(value, connector.dialect)
    predicate = ident >= literal if cursor.inclusive else ident > literal
    return source_sql.where(step.query, connector.dialect, predicate)


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
    mark = await _stored_mark(step, cursor, target, deps, ctx)
    if mark is None:
        return step.query
    op = ">=" if cursor.inclusive else ">"
    literal = f"CAST({quote_literal(mark)} AS {column.type})"
    return (
        f"SELECT * FROM ({step.query}) AS _src WHERE _src.{quote_ident(column.name)} {op} {literal}"
    )


async def _incremental_source_query(
    step: ExtractStep,
    cursor: Cursor,
    columns: list[Column],
    dialect: str,
    target: asyncpg.Connection,
    deps: ActivityDeps,
    ctx: StepContext,
) -> str:
    """The source query past the high-water mark, in the source's dialect. The mark is kept
    as text in the target; PostgreSQL reads it back as the staged column's type."""
    column = _column(columns, cursor.column, "cursor")
    mark = await _stored_mark(step, cursor, target, deps, ctx)
    if mark is None:
        return step.query
    value = await target.fetchval(f"SELECT CAST($1::text AS {column.type})", mark)
    ident, literal = source_sql.column(column.name), source_sql.literal(value, dialect)
    predicate = ident >= literal if cursor.inclusive else ident > literal
    return source_sql.where(step.query, dialect, predicate)


async def _stored_mark(
    step: ExtractStep,
    cursor: Cursor,
    target: asyncpg.Connection,
    deps: ActivityDeps,
    ctx: StepContext,
) -> str | None:
    """The high-water mark to extract past; None: everything (a first run, a full refresh)."""
    if cursor.full_refresh:
        ctx.info("full refresh: the stored high-water mark is ignored", source=cursor.source)
        return None
    state = TargetState(target, deps.settings.staging_schema)
    await state.ensure()
    mark = await state.cursor(step.ref.pipeline_id, cursor.source)
    if mark is None:
        ctx.info("first incremental run: extracting everything", source=cursor.source)
        return None
    ctx.info("incremental", source=cursor.source, column=cursor.column, after=mark)
    return mark


def _source_range(partition: Partition, schema: pa.Schema, connector: ArrowSource) -> Any:
    """The predicate of one range on the source, in its dialect (see ``_range``)."""
    data_type = schema.field(partition.column).type
    return source_sql.range_predicate(
        partition.column,
        source_sql.bound_value(partition.lower, data_type),
        source_sql.bound_value(partition.upper, data_type),
        connector.dialect,
        nulls=partition.lower is None,
    )


async def run_stoppable(work: Callable[[threading.Event], T]) -> T:
    """Run ``work`` in its own thread. On cancellation it is told to stop (at its next batch,
    rolling back) and awaited, so nothing is left running behind a cancelled step."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()
    stop = threading.Event()

    def settle(result: T | None, error: BaseException | None) -> None:
        if done.cancelled():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def body() -> None:
        try:
            result = work(stop)
        except BaseException as exc:
            loop.call_soon_threadsafe(settle, None, exc)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    threading.Thread(target=body, name="ductwork-extract", daemon=True).start()
    try:
        return await asyncio.shield(done)
    except asyncio.CancelledError:
        stop.set()
        with contextlib.suppress(BaseException):
            await done
        raise


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


@contextlib.asynccontextmanager
async def rows_watched(
    config: PostgresConfig, target: asyncpg.Connection, progress: Progress
) -> AsyncIterator[None]:
    """While inside, the rows a COPY into ``target`` has written are counted in ``progress``."""
    watch = asyncio.create_task(_watch_rows(config, target.get_server_pid(), progress))
    try:
        yield
    finally:
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch


async def _watch_rows(config: PostgresConfig, pid: int, progress: Progress) -> None:
    """Live row count of the running COPY, from pg_stat_progress_copy; its connection opens
    only once the copy has taken a while, so a short copy opens none."""
    await asyncio.sleep(0.5)
    conn = await postgres.connect(config)
    try:
        while True:
            seen = await copy_rows_seen(conn, pid)
            if seen is not None:
                progress.rows = max(progress.rows, seen)
            await asyncio.sleep(0.5)
    finally:
        await closing(conn)
