"""Drop a run's staging tables, whatever state the run ended in."""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.engine import remove_staging_file, staged_in_duckdb, stages_in_target
from activities.runtime import ActivityDeps, application_errors, closing
from connectors.postgres.sql import Relation
from workflows.payloads import CleanupStep, StepResult


class StagingActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps

    @activity.defn(name="drop_staging")
    async def drop_staging(self, step: CleanupStep) -> StepResult:
        schema = self.deps.settings.staging_schema
        dropped = 0
        for connection_id in step.connection_ids:
            with application_errors():
                dropped += await self._drop(step, connection_id, schema)
        return StepResult(step.ref.name, detail=f"{dropped} staging tables dropped")

    async def _drop(self, step: CleanupStep, connection_id: str, schema: str) -> int:
        duck = await staged_in_duckdb(
            self.deps, step.ref.tenant_id, connection_id, step.staging_prefix
        )
        if duck is not None:
            staging, connector, _ = duck
            if stages_in_target(connector.type):
                return await asyncio.to_thread(staging.drop, step.staging_prefix)
            return await asyncio.to_thread(remove_staging_file, staging.path)
        conn = await self.deps.connect(step.ref.tenant_id, connection_id)
        try:
            names = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1 "
                "AND starts_with(tablename, $2)",
                schema,
                step.staging_prefix,
            )
            for row in names:
                await conn.execute(f"DROP TABLE IF EXISTS {Relation(schema, row[0]).sql}")
            return len(names)
        finally:
            await closing(conn)
