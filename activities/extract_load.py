"""Extract and load as one activity, for a fused plan (``RunPlan.fused``): the rows stream
from the source into a staged table of the target and on into the target table, all in one
target transaction.

The transaction first claims the load's ledger row, so an attempt after one that committed
finds it and does nothing again, and one cut short (failed, cancelled, its worker killed)
leaves nothing: no staged rows, no change to the target. A replace swaps the staged table in;
an append inserts its rows and drops it, or, when the target table has exactly the rows'
columns and types, takes them straight from the source (no staged copy to write and read
again). The commit point is the load's (commit_guard), and the extract and the load each keep
their step record, as when they run apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from types import TracebackType

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.commit_guard import CommitGuard
from activities.extract import connected, copy_fresh, rows_watched
from activities.load import drop_retired_target, load_staged
from activities.records import RecordActivities
from activities.runtime import ActivityDeps, StepContext
from activities.step_records import StepRecords
from connectors.base import Progress
from connectors.postgres.copy import (
    describe_query,
    ensure_schema,
    stream_copy,
    takes_as_they_are,
)
from connectors.postgres.sql import Relation
from connectors.postgres.state import TargetState
from workflows.payloads import ExtractLoadStep, StepResult


class ExtractLoadActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps
        self.records = RecordActivities(deps.db)

    @activity.defn(name="extract_load")
    async def extract_load(self, step: ExtractLoadStep) -> list[StepResult]:
        """The extract's result and the load's. A failure names its step in its details."""
        guard = CommitGuard(step.load.ref, self.deps.commit_hook)
        # The connections outlast the step records: once the run's end is recorded, the old
        # table a replace retired is dropped on the target's connection.
        async with contextlib.AsyncExitStack() as connections:
            async with self.deps.step_records() as records:
                taken, loaded, target = await self._steps(step, guard, records, connections)
            await self.records.record_completed_early(
                step.load, loaded.rows, late_cancel=guard.late_cancel
            )
            await drop_retired_target(target, step.load)
        return [
            StepResult(step.extract.ref.name, taken.rows, taken.bytes),
            StepResult(step.load.ref.name, loaded.rows, loaded.bytes),
        ]

    async def _steps(
        self,
        step: ExtractLoadStep,
        guard: CommitGuard,
        records: StepRecords,
        connections: contextlib.AsyncExitStack,
    ) -> tuple[Progress, Progress, asyncpg.Connection]:
        """Both steps, each with its record; their metrics and the target's connection."""
        extract, load = step.extract, step.load
        staged = Relation.parse(extract.staging_table)
        target_table = Relation.parse(load.target_table)
        load_id = load.ref.load_id
        with _failing_as(extract.ref.name):
            async with self.deps.step(extract.ref, "extract", records) as taken:
                source_config, target_config = await asyncio.gather(
                    self.deps.postgres_config(extract.ref.tenant_id, extract.source_connection_id),
                    self.deps.postgres_config(load.ref.tenant_id, load.connection_id),
                )
                source, target = await connections.enter_async_context(
                    connected(self.deps, extract.ref.tenant_id, source_config, target_config)
                )
                state = TargetState(target, self.deps.settings.staging_schema)
                await state.ensure()  # the staging schema too
                if staged.schema != state.schema:
                    await ensure_schema(target, staged.schema)
                transaction = target.transaction()
                await transaction.start()
                connections.push_async_exit(_rolled_back_on_error(transaction))
                claimed = await state.claim(load_id, target_table)
                direct = False  # the rows went straight into the target table
                if claimed:
                    async with rows_watched(target_config, target, taken.metrics):
                        append_to = target_table if load.mode == "append" else None
                        direct = await _copy_rows(
                            source, target, extract.query, staged, append_to, taken
                        )
                else:
                    taken.metrics.rows = await state.loaded_rows(load_id)
                    taken.info("already loaded by an earlier attempt", target=str(target_table))
        with _failing_as(load.ref.name):
            async with self.deps.step(load.ref, "load", records) as loaded:
                if not claimed:
                    loaded.metrics.rows = taken.metrics.rows
                    loaded.info("already loaded by an earlier attempt", target=str(target_table))
                    await transaction.rollback()
                else:
                    if direct:
                        rows = taken.metrics.rows
                        loaded.info("appended", rows=rows, target=str(target_table))
                    else:
                        counted = dataclasses.replace(load, input_rows=taken.metrics.rows)
                        rows = await load_staged(target, counted, staged, target_table, loaded)
                        if load.mode == "append":  # its rows are in the target: nothing stays
                            await target.execute(f"DROP TABLE IF EXISTS {staged.sql}")
                    loaded.metrics.rows = rows
                    await state.finish(load_id, rows)
                    await guard.reached()
                    await guard.commit(transaction.commit)
                if guard.late_cancel:
                    loaded.warning("the cancel arrived after the load committed: its rows stay")
        return taken.metrics, loaded.metrics, target


async def _copy_rows(
    source: asyncpg.Connection,
    target: asyncpg.Connection,
    query: str,
    staged: Relation,
    append_to: Relation | None,
    taken: StepContext,
) -> bool:
    """The rows of ``query`` into ``staged`` made anew; or, for an append (``append_to``, its
    target) to a table of exactly their columns and types, straight into it (True): no staged
    copy to write and read again."""
    columns = await describe_query(source, query)
    if append_to is not None and await takes_as_they_are(target, append_to, columns):
        taken.info("copying", columns=len(columns), into=str(append_to))
        names = [c.name for c in columns]
        await stream_copy(source, query, target, append_to, taken.metrics, names)
        return True
    taken.info("copying", columns=len(columns), into=str(staged))
    await copy_fresh(source, query, target, staged, columns, taken.metrics)
    return False


@contextlib.contextmanager
def _failing_as(step_name: str) -> Iterator[None]:
    """A failure leaves with the name of the step it failed in, as its first detail."""
    try:
        yield
    except ApplicationError as exc:
        raise ApplicationError(
            exc.message,
            step_name,
            type=exc.type,
            non_retryable=exc.non_retryable,
            next_retry_delay=exc.next_retry_delay,
        ) from exc.__cause__


def _rolled_back_on_error(
    transaction: asyncpg.transaction.Transaction,
) -> Callable[
    [type[BaseException] | None, BaseException | None, TracebackType | None], Awaitable[bool]
]:
    """An exit callback: the transaction rolls back when the activity stops before its commit
    (a connection closed inside a transaction rolls back too, should this fail)."""

    async def exit_(
        kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> bool:
        if error is not None:
            with contextlib.suppress(Exception):
                await transaction.rollback()
        return False

    return exit_
