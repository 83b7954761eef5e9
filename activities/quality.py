"""Quality checks on a dataset before it is loaded."""

from __future__ import annotations

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.runtime import ActivityDeps, closing
from connectors.postgres.sql import Relation, quote_ident
from workflows.payloads import CheckSpec, QualityStep, StepResult


class QualityActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps

    @activity.defn(name="quality_checks")
    async def check(self, step: QualityStep) -> StepResult:
        failures: list[str] = []
        async with self.deps.step(step.ref, "quality") as ctx:
            conn = await self.deps.connect(step.ref.tenant_id, step.connection_id)
            try:
                for check in step.checks:
                    problem = await _evaluate(conn, check)
                    if problem is None:
                        ctx.info("check passed", check=check.name)
                    elif check.severity == "warn":
                        ctx.warning("check warned", check=check.name, problem=problem)
                    else:
                        ctx.warning("check failed", check=check.name, problem=problem)
                        failures.append(f"{check.name}: {problem}")
            finally:
                await closing(conn)
            if failures:
                raise ApplicationError(
                    "quality checks failed: " + "; ".join(failures),
                    type="QUALITY_CHECK_FAILED",
                    non_retryable=True,
                )
        return StepResult(step.ref.name, detail=f"{len(step.checks)} checks passed")


async def _evaluate(conn: asyncpg.Connection, check: CheckSpec) -> str | None:
    """None when the check passes, else what is wrong."""
    table = Relation.parse(check.table).sql
    if check.type == "row_count":
        rows = await conn.fetchval(f"SELECT count(*) FROM {table}")
        if check.min is not None and rows < check.min:
            return f"{rows} rows, fewer than the minimum {check.min}"
        if check.max is not None and rows > check.max:
            return f"{rows} rows, more than the maximum {check.max}"
        return None
    columns = [quote_ident(c) for c in check.columns]
    if check.type == "not_null":
        nulls = " OR ".join(f"{c} IS NULL" for c in columns)
        bad = await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {nulls}")
        return f"{bad} rows with NULL in {', '.join(check.columns)}" if bad else None
    keys = ", ".join(columns)
    dupes = await conn.fetchval(
        f"SELECT count(*) FROM (SELECT 1 FROM {table} GROUP BY {keys} HAVING count(*) > 1) d"
    )
    return f"{dupes} duplicated values of ({', '.join(check.columns)})" if dupes else None
