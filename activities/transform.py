"""Transform: run a SELECT over staging tables in the target database (ELT pushdown)."""

from __future__ import annotations

import asyncio

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.engine import run_staging
from activities.runtime import ActivityDeps, StepContext, closing
from connectors.duckdb.staging import DuckStaging, duck_sql
from connectors.postgres.sql import Relation, quote_ident
from domain.transforms import SCRATCH_PREFIX, renamed_columns, replacements
from workflows.payloads import StepResult, TransformStep


class TransformActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps

    @activity.defn(name="transform")
    async def transform(self, step: TransformStep) -> StepResult:
        async with self.deps.step(step.ref, "transform") as ctx:
            duck = await run_staging(self.deps, step.ref, step.connection_id)
            if duck is not None:
                await _in_duckdb(step, ctx, duck[0])
                return StepResult(step.ref.name, ctx.metrics.rows, ctx.metrics.bytes)
            conn = await self.deps.connect(step.ref.tenant_id, step.connection_id)
            try:
                output = Relation.parse(step.output_table)
                ctx.info("running SQL", into=str(output))
                query = await _casts_in_place(conn, step.sql)
                async with conn.transaction():
                    await conn.execute(f"DROP TABLE IF EXISTS {output.sql}")
                    status = await conn.execute(f"CREATE TABLE {output.sql} AS {query}")
                ctx.metrics.rows = int(status.split()[-1])
                ctx.metrics.bytes = await conn.fetchval(
                    "SELECT pg_total_relation_size(to_regclass($1))", output.sql
                )
            finally:
                await closing(conn)
        return StepResult(step.ref.name, ctx.metrics.rows, ctx.metrics.bytes)


async def _in_duckdb(step: TransformStep, ctx: StepContext, staging: DuckStaging) -> None:
    """The same SQL run in the DuckDB staging of a sink that is not PostgreSQL."""
    output = Relation.parse(step.output_table)
    ctx.info("running SQL in DuckDB", into=f"{staging.path}:{output}")
    query = step.sql
    if SCRATCH_PREFIX in query:
        names = await asyncio.to_thread(staging.columns_of, duck_sql(query))
        query = _place_casts(query, names)
    ctx.metrics.rows, ctx.metrics.bytes = await asyncio.to_thread(
        staging.create_as, output, duck_sql(query)
    )


async def _casts_in_place(conn: asyncpg.Connection, sql: str) -> str:
    """The query with each cast or rename stand-in (``__dw_as__<name>``) in the place of the
    column it replaces: such a step must know the other columns, which only the database can
    say."""
    if SCRATCH_PREFIX not in sql:
        return sql
    return _place_casts(sql, [a.name for a in (await conn.prepare(sql)).get_attributes()])


def _place_casts(sql: str, names: list[str]) -> str:
    try:
        pairs = replacements(names, renamed_columns(sql))
    except ValueError as exc:
        raise ApplicationError(
            str(exc), type="INVALID_TRANSFORMATION", non_retryable=True
        ) from None
    if pairs is None:
        return sql
    columns = ", ".join(
        quote_ident(c) if c == name else f"{quote_ident(c)} AS {quote_ident(name)}"
        for c, name in pairs
    )
    return f"SELECT {columns} FROM ({sql}) AS _dw_step"
