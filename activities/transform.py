"""Transform: run a SELECT over staging tables in the target database (ELT pushdown)."""

from __future__ import annotations

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.runtime import ActivityDeps, closing
from connectors.postgres.sql import Relation, quote_ident
from core.transforms import SCRATCH_PREFIX, replacements
from workflows.payloads import StepResult, TransformStep


class TransformActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps

    @activity.defn(name="transform")
    async def transform(self, step: TransformStep) -> StepResult:
        async with self.deps.step(step.ref, "transform") as ctx:
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


async def _casts_in_place(conn: asyncpg.Connection, sql: str) -> str:
    """The query with each cast column (``__dw_as__<name>``) in the place of the column it
    replaces: a cast step must know the other columns, which only the database can say."""
    if SCRATCH_PREFIX not in sql:
        return sql
    names = [a.name for a in (await conn.prepare(sql)).get_attributes()]
    try:
        pairs = replacements(names)
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
