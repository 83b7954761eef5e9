"""Transform: run a SELECT over staging tables in the target database (ELT pushdown)."""

from __future__ import annotations

from temporalio import activity

from activities.runtime import ActivityDeps, closing
from connectors.postgres.sql import Relation
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
                async with conn.transaction():
                    await conn.execute(f"DROP TABLE IF EXISTS {output.sql}")
                    status = await conn.execute(f"CREATE TABLE {output.sql} AS {step.sql}")
                ctx.metrics.rows = int(status.split()[-1])
                ctx.metrics.bytes = await conn.fetchval(
                    "SELECT pg_total_relation_size(to_regclass($1))", output.sql
                )
            finally:
                await closing(conn)
        return StepResult(step.ref.name, ctx.metrics.rows, ctx.metrics.bytes)
