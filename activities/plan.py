"""Plan a run: read the pipeline version it runs and compile its steps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from pydantic import ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.runtime import ActivityDeps, application_errors, closing
from connectors.base import ArrowSource, TerminalError
from connectors.postgres.sql import quote_ident
from connectors.registry import arrow_source, is_target
from core.settings import LifecycleSettings
from domain.definition import PipelineDefinition, Scalar
from domain.planner import compile_plan, run_values, source_query
from domain.splits import boundaries
from store import connections as connection_store
from store import runs as run_store
from store.errors import NotFound
from workflows.payloads import RunInput, RunPlan


class PlanActivities:
    def __init__(self, deps: ActivityDeps, lifecycle: LifecycleSettings | None = None) -> None:
        self.deps = deps
        self.db = deps.db
        self.settings = deps.settings
        self.lifecycle = lifecycle or LifecycleSettings()

    @activity.defn(name="plan_run")
    async def plan_run(self, run: RunInput) -> RunPlan:
        async with self.db.session() as session:
            try:
                execution, pipeline, version = await run_store.get_with_version(
                    session, run.tenant_id, run.execution_id, run.pipeline_id, run.pipeline_version
                )
            except NotFound as exc:
                raise ApplicationError(exc.message, type="NOT_FOUND", non_retryable=True) from exc
            if execution.status not in run_store.ACTIVE:
                # Settled (never started) before Temporal took its start: it must not run now.
                raise ApplicationError(
                    f"execution {execution.id} already ended ({execution.status}: "
                    f"{execution.error or 'no reason recorded'}); nothing runs",
                    type="RUN_SETTLED",
                    non_retryable=True,
                )
            try:
                definition = PipelineDefinition.model_validate(version.definition)
            except ValidationError as exc:
                raise ApplicationError(
                    f"stored definition is invalid: {exc}",
                    type="INVALID_DEFINITION",
                    non_retryable=True,
                ) from exc
            refs = sorted(definition.connection_refs())
            found = await connection_store.find_all(session, run.tenant_id, refs)
            ids: dict[str, str] = {}
            types: dict[str, str] = {}
            for ref in refs:
                row = found.get(ref)
                if row is None:
                    raise ApplicationError(
                        f"connection {ref!r} no longer exists", type="NOT_FOUND", non_retryable=True
                    )
                ids[ref], types[row.id] = row.id, row.type
        for name, sink in definition.sinks.items():
            kind = types[ids[sink.connection]]
            if not is_target(kind):
                raise ApplicationError(
                    f"sink {name!r} loads into a {kind} connection, which cannot be a target",
                    type="UNSUPPORTED_TARGET",
                    non_retryable=True,
                )
        try:
            splits = await self._splits(run, definition, ids, types, execution.parameters)
            return compile_plan(
                definition,
                run,
                ids,
                staging_schema=self.settings.staging_schema,
                pipeline_name=pipeline.name,
                parameters=execution.parameters,
                heartbeat_timeout_seconds=self.settings.heartbeat_timeout_seconds,
                splits=splits,
                connection_types=types,
                approval_timeout_seconds=self.lifecycle.run_approval_timeout_seconds,
            )
        except ValueError as exc:
            raise ApplicationError(str(exc), type="INVALID_PARAMETERS", non_retryable=True) from exc

    async def _splits(
        self,
        run: RunInput,
        definition: PipelineDefinition,
        ids: dict[str, str],
        types: dict[str, str],
        parameters: dict[str, Scalar],
    ) -> dict[str, list[str]]:
        """Range boundaries of each partitioned source, from its column's min and max."""
        values = run_values(definition, parameters)
        splits: dict[str, list[str]] = {}
        for name, source in definition.sources.items():
            if source.split_column is None:
                continue
            connection_id = ids[source.connection]
            arrow = arrow_source(types[connection_id])
            if arrow is not None:
                query = source_query(definition, name, values, types[connection_id])
                with application_errors():
                    _, config = await self.deps.source(run.tenant_id, connection_id)
                    lo, hi = await _arrow_min_max(arrow, config, query, source.split_column)
                splits[name] = boundaries(lo, hi, source.partitions)
                continue
            with application_errors():
                conn = await self.deps.connect(run.tenant_id, ids[source.connection])
                try:
                    column = quote_ident(source.split_column)
                    row = await conn.fetchrow(
                        f"SELECT min({column}) AS lo, max({column}) AS hi "
                        f"FROM ({source_query(definition, name, values)}) AS _s"
                    )
                finally:
                    await closing(conn)
                if row is None:  # an aggregate without GROUP BY returns one row, always
                    raise TerminalError(
                        f"source {name!r}: min/max of its split column returned no row",
                        error_type="DATABASE_ERROR",
                    )
            splits[name] = boundaries(row["lo"], row["hi"], source.partitions)
        return splits


async def _arrow_min_max(
    connector: ArrowSource, config: Any, query: str, column: str
) -> tuple[Any, Any]:
    """min and max of a column of another system; naive values of a column with a time zone
    are UTC (the readers' sessions are), so the ranges mean the same instants everywhere."""
    schema = await connector.describe(config, query)
    if column not in schema.names:
        raise TerminalError(
            f"split_by column {column!r} is not among the source's columns "
            f"({', '.join(schema.names)})",
            error_type="COLUMN_NOT_FOUND",
        )
    lo, hi = await connector.min_max(config, query, column)
    data_type = schema.field(column).type
    if pa.types.is_timestamp(data_type) and data_type.tz is not None:
        lo, hi = (
            v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v
            for v in (lo, hi)
        )
    return lo, hi
