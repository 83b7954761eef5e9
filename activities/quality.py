"""Quality checks on a dataset before it is loaded.

Every failing check is reported with its name and numbers; ``warn`` raises a LOW alert (once
per run) and lets the run go on, ``fail`` stops the run, and ``approve`` pauses it before
loading until a person approves (or rejects) it.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.engine import run_staging
from activities.runtime import ActivityDeps, closing
from connectors.duckdb.staging import DuckStaging
from connectors.postgres.sql import Relation, quote_ident, quote_literal
from store.alerts import AlertKind, Severity, raise_alert
from workflows.approval import APPROVAL_REQUIRED
from workflows.payloads import CheckSpec, QualityStep, StepResult

_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class QualityActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps

    @activity.defn(name="quality_checks")
    async def check(self, step: QualityStep) -> StepResult:
        failures: list[str] = []
        to_approve: list[str] = []
        warnings: list[str] = []
        async with self.deps.step(step.ref, "quality") as ctx:
            duck = await run_staging(self.deps, step.ref, step.connection_id)
            conn: Any = (
                _DuckRows(duck[0])
                if duck is not None
                else await self.deps.connect(step.ref.tenant_id, step.connection_id)
            )
            try:
                for check in step.checks:
                    problem = await _evaluate(conn, check)
                    if problem is None:
                        ctx.info("check passed", check=check.name)
                    elif check.severity == "warn":
                        warnings.append(f"{check.name}: {problem}")
                        ctx.warning("check warned", check=check.name, problem=problem)
                    elif check.severity == "approve":
                        ctx.warning("check needs approval", check=check.name, problem=problem)
                        to_approve.append(f"{check.name}: {problem}")
                    else:
                        ctx.warning("check failed", check=check.name, problem=problem)
                        failures.append(f"{check.name}: {problem}")
            finally:
                if duck is None:
                    await closing(conn)
            if warnings:
                await self._warn(step, warnings)
            if failures:
                raise ApplicationError(
                    "quality checks failed: " + "; ".join(failures + to_approve),
                    type="QUALITY_CHECK_FAILED",
                    non_retryable=True,
                )
        if to_approve:
            # Raised once the step is recorded as done: the run pauses, it did not fail.
            raise ApplicationError(
                "quality checks need approval: " + "; ".join(to_approve),
                *to_approve,
                type=APPROVAL_REQUIRED,
                non_retryable=True,
            )
        warned = len(warnings)
        passed = len(step.checks) - warned
        detail = f"{passed} checks passed" + (f", {warned} warned" if warned else "")
        return StepResult(step.ref.name, detail=detail)

    async def _warn(self, step: QualityStep, warnings: list[str]) -> None:
        """One alert per run for its failed ``warn`` checks, however often the step is retried."""
        ref = step.ref
        async with self.deps.db.session() as session:
            await raise_alert(
                session,
                tenant_id=ref.tenant_id,
                kind=AlertKind.QUALITY_CHECK_WARNING,
                severity=Severity.LOW,
                message="quality checks warned: " + "; ".join(warnings),
                pipeline_id=ref.pipeline_id,
                execution_id=ref.execution_id,
                details={"step": ref.name, "checks": warnings},
                key=ref.execution_id,
            )


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
    if check.type == "not_null":
        nulls = " OR ".join(f"{quote_ident(c)} IS NULL" for c in check.columns)
        bad = await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {nulls}")
        return f"{bad} rows with NULL in {', '.join(check.columns)}" if bad else None
    if check.type == "unique":
        keys = ", ".join(quote_ident(c) for c in check.columns)
        dupes = await conn.fetchval(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} GROUP BY {keys} HAVING count(*) > 1) d"
        )
        return f"{dupes} duplicated values of ({', '.join(check.columns)})" if dupes else None
    if check.type == "accepted_values":
        return await _accepted_values(conn, table, check)
    if check.type == "range":
        return await _range(conn, table, check)
    if check.type == "freshness":
        return await _freshness(conn, table, check)
    if check.type == "custom_sql":
        return await _custom_sql(conn, check)
    raise ApplicationError(
        f"unknown quality check type {check.type!r}", type="INVALID_PLAN", non_retryable=True
    )


async def _accepted_values(conn: asyncpg.Connection, table: str, check: CheckSpec) -> str | None:
    # Untyped literals take the column's type, so '2026-01-01' works for a date column.
    allowed = ", ".join(_literal(v) for v in check.values)
    column = quote_ident(check.column or "")
    bad = await conn.fetchval(
        f"SELECT count(*) FROM {table} WHERE {column} IS NOT NULL AND {column} NOT IN ({allowed})"
    )
    return f"{bad} rows with {check.column} outside {check.values!r}" if bad else None


async def _range(conn: asyncpg.Connection, table: str, check: CheckSpec) -> str | None:
    column = quote_ident(check.column or "")
    outside = []
    if check.min is not None:
        outside.append(f"{column} < {_literal(check.min)}")
    if check.max is not None:
        outside.append(f"{column} > {_literal(check.max)}")
    bad = await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {' OR '.join(outside)}")
    if not bad:
        return None
    if check.min is not None and check.max is not None:
        where = f"outside [{check.min}, {check.max}]"
    elif check.min is not None:
        where = f"below the minimum {check.min}"
    else:
        where = f"above the maximum {check.max}"
    return f"{bad} rows with {check.column} {where}"


async def _freshness(conn: asyncpg.Connection, table: str, check: CheckSpec) -> str | None:
    newest = f"max({quote_ident(check.column or '')})::timestamptz"
    row = await conn.fetchrow(
        f"SELECT {newest} AS newest, "
        f"extract(epoch FROM now() - {newest})::float8 AS age FROM {table}"
    )
    if row is None:  # an aggregate without GROUP BY returns one row, always
        raise ApplicationError(
            "the freshness query returned no row", type="DATABASE_ERROR", non_retryable=True
        )
    if row["newest"] is None:
        return f"no {check.column} value (all NULL or no rows), so the data's age is unknown"
    limit = check.max_age_seconds or 0
    if row["age"] <= limit:
        return None
    unit = (check.max_age or "s")[-1]
    age = f"{row['age'] / _AGE_UNITS.get(unit, 1):.1f}{unit}"
    return (
        f"newest {check.column} is {age} old ({row['newest'].isoformat()}), "
        f"older than the maximum age {check.max_age}"
    )


async def _custom_sql(conn: asyncpg.Connection, check: CheckSpec) -> str | None:
    async with conn.transaction(readonly=True):
        row = await conn.fetchrow(check.sql or "")
    fix = "it must return the number of failing rows in its first column, e.g. SELECT count(*) …"
    if row is None or len(row) == 0:
        return f"its SQL returned no row: {fix}"
    value = row[0]
    if value is None:
        return f"its SQL returned NULL: {fix}"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        # The value's type, never the value: it may be row data, and this text enters history.
        return f"its SQL returned a {type(value).__name__}, not a number: {fix}"
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        return f"its SQL returned {value}: {fix}"
    bad = int(value)
    return f"{bad} failing rows (counted by its SQL)" if bad else None


class _DuckRow(dict):
    """A row by column name or position, as asyncpg's records are."""

    def __getitem__(self, key: Any) -> Any:
        return list(self.values())[key] if isinstance(key, int) else super().__getitem__(key)


class _DuckRows:
    """The checks' queries (the pipeline's SQL) on a DuckDB staging, asyncpg-shaped."""

    def __init__(self, staging: DuckStaging) -> None:
        self.staging = staging

    async def fetchrow(self, sql: str) -> _DuckRow | None:
        row = await asyncio.to_thread(self.staging.fetchrow, sql)
        return None if row is None else _DuckRow(row)

    async def fetchval(self, sql: str) -> Any:
        row = await self.fetchrow(sql)
        return None if row is None else row[0]

    @contextlib.asynccontextmanager
    async def transaction(self, readonly: bool = False) -> AsyncIterator[None]:
        yield  # each query is its own transaction; a check's SQL cannot write (parsed so)


def _literal(value: Any) -> str:
    """A SQL literal for a definition's value (a JSON string, number or boolean)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return quote_literal(str(value))
