"""The asset pipeline activities: plan a run, materialise one asset, record the run's end.

``materialize_asset`` records the asset's start, runs its SQL or built-in Python step into
staging tables, publishes them in one transaction and records its end with a small JSON
output. It heartbeats while it works, so a cancel reaches it; cancelled or failed, it drops its
staging tables and the asset's table stays as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from typing import Any

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.assets import steps
from activities.assets.stores import AssetStore, DuckStore, PostgresStore
from activities.runtime import ActivityDeps, to_application_error
from connectors import postgres
from connectors.base import safe_detail
from connectors.duckdb.config import classify as classify_duckdb
from connectors.postgres.errors import classify as classify_postgres
from core.confinement.paths import confine
from core.connections import connection_settings, postgres_config
from core.logging import get_logger
from domain.assets import AssetPipelineDefinition, AssetSpec
from domain.assets.definition import DEFAULT_DATABASE_FILE
from domain.definition.sql import bind_parameters
from store import asset_runs
from store import connections as connection_store
from store.models.assets import AssetRun
from workflows.asset_payloads import AssetNode, AssetOutcome, AssetPlan, AssetRunEnd, AssetRunInput
from workflows.asset_payloads import AssetStep as AssetStepInput

log = get_logger("ductwork.assets")


def staging_token(run_id: str, asset: str) -> str:
    """What makes an asset's staging tables its own: the run, and the asset within it (two
    assets of one run may stage the same table at once, e.g. a scorecard seeded while another
    asset refines it)."""
    asset_hash = hashlib.blake2s(asset.encode(), digest_size=3).hexdigest()
    return f"{run_id.removeprefix('run_')[:12]}_{asset_hash}"


class AssetActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps

    @activity.defn(name="plan_asset_run")
    async def plan_asset_run(self, run: AssetRunInput) -> AssetPlan:
        """The run's assets and their dependencies; the run is marked started."""
        async with self.deps.db.session() as session:
            row = await session.get(AssetRun, run.run_id)
            if row is None or row.tenant_id != run.tenant_id or row.status not in asset_runs.ACTIVE:
                return AssetPlan()  # given up before its workflow started, or settled
            definition = AssetPipelineDefinition.model_validate(row.definition)
            # Started when Temporal accepted it; a start the API did not see through is now.
            await asset_runs.set_run_status(session, run.run_id, "RUNNING")
        return AssetPlan(
            assets=[AssetNode(a.name, list(a.deps)) for a in definition.assets],
            heartbeat_timeout_seconds=self.deps.settings.heartbeat_timeout_seconds,
        )

    @activity.defn(name="record_asset_run")
    async def record_asset_run(self, end: AssetRunEnd) -> None:
        async with self.deps.db.session() as session:
            await asset_runs.set_run_status(
                session,
                end.run_id,
                end.status.value,
                error=end.error,
                failed_asset=end.failed_asset,
            )

    @activity.defn(name="materialize_asset")
    async def materialize(self, step: AssetStepInput) -> AssetOutcome:
        async with self.deps.db.session() as session:
            run = await asset_runs.get_run(session, step.tenant_id, step.run_id)
            await asset_runs.set_asset(session, run.id, step.asset, "RUNNING")
        definition = AssetPipelineDefinition.model_validate(run.definition)
        spec = definition.asset(step.asset)
        beat = asyncio.create_task(self._heartbeat())
        store: AssetStore | None = None
        try:
            store = await self._open(run, definition, step.asset)
            output = await _materialize(store, definition, spec, run)
            await store.publish()
        except BaseException as exc:
            error = None if isinstance(exc, asyncio.CancelledError) else _application_error(exc)
            status = "CANCELLED" if error is None else "FAILED"
            # The bookkeeping lands even while the activity is being cancelled.
            await asyncio.shield(self._abandon(store, run, step.asset, status, error))
            if error is None or error is exc:
                raise
            raise error from None  # the driver's own text stays out of history
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            if store is not None:
                await asyncio.shield(store.close())
        async with self.deps.db.session() as session:
            await asset_runs.set_asset(session, run.id, step.asset, "COMPLETED", output=output)
        log.info("asset materialised", run_id=run.id, asset=step.asset, output=output)
        return AssetOutcome(step.asset, output)

    async def _heartbeat(self) -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(min(self.deps.settings.heartbeat_seconds, 1.0))

    async def _abandon(
        self,
        store: AssetStore | None,
        run: AssetRun,
        asset: str,
        status: str,
        error: ApplicationError | None,
    ) -> None:
        if store is not None:
            await store.discard()
        async with self.deps.db.session() as session:
            await asset_runs.set_asset(
                session, run.id, asset, status, error=error.message if error else None
            )

    async def _open(
        self, run: AssetRun, definition: AssetPipelineDefinition, asset: str
    ) -> AssetStore:
        """The pipeline's store: its connection, else the tenant's own database file."""
        settings = self.deps.service_settings
        token = staging_token(run.id, asset)
        row = None
        if definition.connection is not None:
            async with self.deps.db.session() as session:
                row = await connection_store.find(session, run.tenant_id, definition.connection)
            if row is None and definition.database_file is None:
                raise ApplicationError(
                    f"connection {definition.connection!r} not found: create it or change the "
                    "pipeline's connection",
                    type="CONNECTION_NOT_FOUND",
                    non_retryable=True,
                )
        store: AssetStore
        if row is None:
            name = definition.database_file or DEFAULT_DATABASE_FILE
            # Resolved like every tenant path: a link in the tenant's directory that points
            # elsewhere is refused (PolicyDenied), never followed.
            path = confine(settings, run.tenant_id, name, "asset database file")
            store = DuckStore(path, definition.schema_name, token)
        elif row.type.lower() in ("duckdb",):
            resolved = await connection_settings(row, self.deps.cipher, settings)
            store = DuckStore(resolved.database, definition.schema_name, token)
        elif row.type.lower() in ("postgres", "postgresql"):
            config = await postgres_config(row, self.deps.cipher, settings)
            store = PostgresStore(await postgres.connect(config), definition.schema_name, token)
        else:
            raise ApplicationError(
                f"connection {row.name!r} is a {row.type} connection: asset tables go to "
                "PostgreSQL or DuckDB",
                type="UNSUPPORTED_ASSET_STORE",
                non_retryable=True,
            )
        await store.prepare()
        return store


async def _materialize(
    store: AssetStore, definition: AssetPipelineDefinition, spec: AssetSpec, run: AssetRun
) -> dict[str, Any]:
    parameters = {**run.config, "batch_id": run.batch_id, "run_id": run.id}
    if spec.python is not None:
        context = steps.StepContext(store, definition, spec, run.batch_id or "", run.config)
        return await steps.STEPS[spec.python](context)
    assert spec.sql is not None
    rows = await store.stage_select(
        spec.table_name, bind_parameters(spec.sql, parameters), spec.partition_by
    )
    if spec.min_rows is not None and rows < spec.min_rows:
        raise ApplicationError(
            f"Batch {run.batch_id!r} not found: {spec.name} found no rows for it"
            if run.batch_id and rows == 0
            else f"{spec.name} produced {rows} rows, fewer than its min_rows {spec.min_rows}",
            type="TOO_FEW_ROWS",
            non_retryable=True,
        )
    return await store.aggregate(spec.table_name, spec.outputs or {"rows": "COUNT(*)"})


def _application_error(exc: BaseException) -> ApplicationError:
    """An error as the run reports it: its own message, or the driver's classified."""
    if isinstance(exc, ApplicationError):
        return exc
    if _write_conflict(exc):
        return ApplicationError(
            "another asset or reader held the same table or file at that moment; retried",
            type="WRITE_CONFLICT",
            non_retryable=False,
        )
    if isinstance(exc, ValueError):  # a definition or config the step cannot use
        return ApplicationError(safe_detail(str(exc)), type="INVALID_ASSET", non_retryable=True)
    module = type(exc).__module__
    if module.startswith("duckdb"):
        return to_application_error(classify_duckdb(exc))
    return to_application_error(classify_postgres(exc))


def _write_conflict(exc: BaseException) -> bool:
    """Two assets (or runs) creating or rewriting one table at once, or the database file open
    read-only in this process: the next attempt, which stages again from scratch, gets through."""
    import duckdb

    if isinstance(exc, duckdb.TransactionException):
        return True
    if isinstance(exc, duckdb.ConnectionException) and "different configuration" in str(exc):
        return True  # a reader (a pipeline's DuckDB source) has the file open read-only
    if isinstance(exc, duckdb.CatalogException) and "already exists" in str(exc):
        return True
    return isinstance(exc, asyncpg.DuplicateTableError | asyncpg.DuplicateSchemaError)
