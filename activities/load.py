"""Load a staged dataset into its target table: append, replace or merge.

Every load is one transaction that also claims a ledger row keyed by (run, sink) and advances
the cursors of the incremental sources it covers. A retry after a lost acknowledgement finds
the ledger row and loads nothing twice; a failed load moves no cursor, so no row is skipped.
A cancel before the commit rolls the load back; one after it changes nothing (commit_guard).
``load_outcome`` reads the ledger: what a load that stopped left in its target.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
from temporalio import activity

from activities.commit_guard import CommitGuard
from activities.engine import committed_rows, loader, run_staging
from activities.records import RecordActivities
from activities.runtime import ActivityDeps, StepContext, application_errors, closing
from connectors.postgres import load as modes
from connectors.postgres.client import relation_exists
from connectors.postgres.copy import describe_table
from connectors.postgres.schema import evolve
from connectors.postgres.sql import Relation
from connectors.postgres.state import TargetState
from core.logging import get_logger
from workflows.payloads import LoadStep, StepResult

log = get_logger("ductwork.activities")


class LoadActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps
        self.records = RecordActivities(deps.db)

    @activity.defn(name="load")
    async def load(self, step: LoadStep) -> StepResult:
        load_id = step.ref.load_id
        target = Relation.parse(step.target_table)
        staged = Relation.parse(step.input_table)
        conn: asyncpg.Connection | None = None
        async with contextlib.AsyncExitStack() as held:
            async with self.deps.step(step.ref, "load") as ctx:
                guard = CommitGuard(step.ref, self.deps.commit_hook)
                duck = await run_staging(self.deps, step.ref, step.connection_id)
                if duck is not None:
                    staging, connector, config = duck
                    outcome = await guard.in_thread(
                        loader(connector.type), staging, step, load_id, config, ctx.info
                    )
                    ctx.metrics.rows = outcome.rows
                    if outcome.already_loaded:
                        ctx.info("already loaded by an earlier attempt", target=str(target))
                else:
                    conn = await self.deps.connect(step.ref.tenant_id, step.connection_id)
                    held.push_async_callback(closing, conn)
                    await self._into_postgres(conn, step, load_id, staged, target, ctx, guard)
                if guard.late_cancel:
                    ctx.warning("the cancel arrived after the load committed: its rows stay")
            await self.records.record_completed_early(
                step, ctx.metrics.rows, late_cancel=guard.late_cancel
            )
            if conn is not None:
                await drop_retired_target(conn, step)
        return StepResult(step.ref.name, ctx.metrics.rows, ctx.metrics.bytes)

    async def _into_postgres(
        self,
        conn: asyncpg.Connection,
        step: LoadStep,
        load_id: str,
        staged: Relation,
        target: Relation,
        ctx: StepContext,
        guard: CommitGuard,
    ) -> None:
        state = TargetState(conn, self.deps.settings.staging_schema)
        await state.ensure()
        transaction = conn.transaction()
        await transaction.start()
        try:
            if not await state.claim(load_id, target):
                ctx.metrics.rows = await state.loaded_rows(load_id)
                ctx.info("already loaded by an earlier attempt", target=str(target))
                await transaction.rollback()
                return
            # Marks first: a swap may move the staged table they are read from.
            for cursor in step.cursors:
                staged_rows = Relation.parse(cursor.staging_table)
                mark: str | None
                if cursor.kind == "offsets":
                    mark = await state.advance_position(
                        step.ref.pipeline_id, cursor.source, staged_rows
                    )
                else:
                    mark = await state.advance_cursor(
                        step.ref.pipeline_id, cursor.source, staged_rows, cursor.column
                    )
                ctx.info("cursor advanced", source=cursor.source, to=mark)
            ctx.metrics.rows = await load_staged(conn, step, staged, target, ctx)
            await state.finish(load_id, ctx.metrics.rows)
            await guard.reached()
        except BaseException:
            # Closing the connection (by the caller) rolls back too, should this fail.
            with contextlib.suppress(Exception):
                await transaction.rollback()
            raise
        await guard.commit(transaction.commit)

    @activity.defn(name="load_outcome")
    async def outcome(self, step: LoadStep) -> StepResult | None:
        """What a load that stopped (cancelled) left in its target: its result when it had
        committed, None when the target has nothing of it (or cannot say: ClickHouse)."""
        load_id = step.ref.load_id
        with application_errors():
            duck = await run_staging(self.deps, step.ref, step.connection_id)
            if duck is not None:
                staging, connector, config = duck
                rows = await asyncio.to_thread(
                    committed_rows, connector.type, staging, step, load_id, config
                )
            else:
                conn = await self.deps.connect(step.ref.tenant_id, step.connection_id)
                try:
                    state = TargetState(conn, self.deps.settings.staging_schema)
                    rows = await state.committed_rows(load_id)
                finally:
                    await closing(conn)
        return None if rows is None else StepResult(step.ref.name, rows)


async def load_staged(
    conn: asyncpg.Connection, step: LoadStep, staged: Relation, target: Relation, ctx: StepContext
) -> int:
    """The staged rows into the target by the step's mode, inside the load's transaction."""
    exists = await relation_exists(conn, target.sql)
    plain_append = step.mode == "append" and not step.deduplicate
    if step.mode == "replace" or (plain_append and not exists and step.input_is_private):
        # A new table by plain append is a replace too: the staged table moves into place.
        rows = await modes.swap_in(
            conn, staged, target, copy=not step.input_is_private, rows=step.input_rows
        )
        ctx.info("swapped in", rows=rows, target=str(target))
        return rows
    if not exists:
        await modes.create_like(conn, staged, target, step.keys)
        ctx.info("created target table", target=str(target))
    sparse = any(c.kind == "offsets" for c in step.cursors)  # a stream's fields come and go
    columns, added = await evolve(conn, staged, target, sparse=sparse)
    for name in added:
        ctx.info("added column to target", column=name, target=str(target))
    latest = _latest_column(step, {c.name for c in await describe_table(conn, staged)})
    if step.mode == "merge":
        rows = await modes.merge(conn, staged, target, columns, keys=step.keys, latest_first=latest)
        ctx.info("merged", rows=rows, target=str(target), keys=",".join(step.keys))
    else:
        keys = step.keys if step.deduplicate else []
        rows = await modes.append(conn, staged, target, columns, keys=keys, latest_first=latest)
        ctx.info("appended", rows=rows, target=str(target))
    return rows


async def drop_retired_target(conn: asyncpg.Connection, step: LoadStep) -> None:
    """After a replace has committed, and the run's end is recorded when the load ends it:
    drop the target's old table it retired (``swap_in``), or one an attempt before it left
    when its worker stopped first. A failure leaves the table in the staging schema, named in
    a warning, and fails nothing: the rows are in."""
    if step.mode != "replace":
        return
    try:
        await modes.drop_retired(conn, Relation.parse(step.input_table))
    except (asyncpg.PostgresError, OSError) as exc:
        log.warning(
            "the target's old table was not dropped",
            table=str(modes.retired(Relation.parse(step.input_table))),
            execution_id=step.ref.execution_id,
            error=str(exc),
        )


def _latest_column(step: LoadStep, present: set[str]) -> str | None:
    """When rows share a key, the one with the highest cursor value wins."""
    return next((c.column for c in step.cursors if c.column in present), None)
