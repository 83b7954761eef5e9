"""Load a staged dataset into its target table: append, or replace by an atomic swap.

Every load is one transaction that also writes a ledger row keyed by (run, sink), so a retry
after a commit whose acknowledgement was lost finds the row and loads nothing twice.
"""

from __future__ import annotations

import contextlib

import asyncpg
from temporalio import activity

from activities.runtime import ActivityDeps, StepContext, closing
from connectors.base import TerminalError
from connectors.postgres.client import relation_exists
from connectors.postgres.copy import describe_table, ensure_schema
from connectors.postgres.sql import Relation, quote_ident
from workflows.payloads import LoadStep, StepResult


class LoadActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps

    @activity.defn(name="load")
    async def load(self, step: LoadStep) -> StepResult:
        load_id = f"{step.ref.execution_id}/{step.ref.name}"
        async with self.deps.step(step.ref, "load") as ctx:
            conn = await self.deps.connect(step.ref.tenant_id, step.connection_id)
            try:
                ledger = await _ensure_ledger(conn, self.deps.settings.staging_schema)
                target = Relation.parse(step.target_table)
                source = Relation.parse(step.input_table)
                async with conn.transaction():
                    claimed = await conn.fetchval(
                        f"INSERT INTO {ledger} (load_id, target_table) VALUES ($1, $2) "
                        "ON CONFLICT (load_id) DO NOTHING RETURNING true",
                        load_id,
                        str(target),
                    )
                    if not claimed:
                        ctx.metrics.rows = await conn.fetchval(
                            f"SELECT rows FROM {ledger} WHERE load_id = $1", load_id
                        )
                        ctx.info("already loaded by an earlier attempt", target=str(target))
                        return StepResult(step.ref.name, ctx.metrics.rows)
                    # Appending to a table that does not exist yet is a replace: the staged
                    # table moves into place instead of being copied row by row.
                    new_target = not await relation_exists(conn, target.sql)
                    if step.mode == "replace" or (new_target and step.input_is_private):
                        await _replace(conn, source, target, step, ctx)
                    else:
                        await _append(conn, source, target, ctx)
                    await conn.execute(
                        f"UPDATE {ledger} SET rows = $2 WHERE load_id = $1",
                        load_id,
                        ctx.metrics.rows,
                    )
            finally:
                await closing(conn)
        return StepResult(step.ref.name, ctx.metrics.rows, ctx.metrics.bytes)


async def _append(
    conn: asyncpg.Connection, source: Relation, target: Relation, ctx: StepContext
) -> None:
    columns = await describe_table(conn, source)
    if not await relation_exists(conn, target.sql):
        await ensure_schema(conn, target.schema)
        await conn.execute(f"CREATE TABLE {target.sql} (LIKE {source.sql})")
        ctx.info("created target table", target=str(target))
    present = {c.name for c in await describe_table(conn, target)}
    missing = [c.name for c in columns if c.name not in present]
    if missing:
        raise TerminalError(
            f"target table {target} has no column(s) {', '.join(missing)}; add them to the "
            "target or leave them out of the pipeline's output",
            error_type="SCHEMA_MISMATCH",
        )
    names = ", ".join(quote_ident(c.name) for c in columns)
    status = await conn.execute(
        f"INSERT INTO {target.sql} ({names}) SELECT {names} FROM {source.sql}"
    )
    ctx.metrics.rows = int(status.split()[-1])
    ctx.info("appended", rows=ctx.metrics.rows, target=str(target))


async def _replace(
    conn: asyncpg.Connection,
    source: Relation,
    target: Relation,
    step: LoadStep,
    ctx: StepContext,
) -> None:
    """Swap the staged table in for the target; readers see the old rows or the new, never none."""
    staging_schema = source.schema
    if not step.input_is_private:
        # Another load reads the same staged data: swap in a copy.
        copy = Relation(staging_schema, f"{source.name[:40]}_{step.ref.name[:22]}")
        await conn.execute(f"DROP TABLE IF EXISTS {copy.sql}")
        await conn.execute(f"CREATE TABLE {copy.sql} AS TABLE {source.sql}")
        source = copy
    await ensure_schema(conn, target.schema)
    if await relation_exists(conn, target.sql):
        retired = f"{source.name[:55]}_old"
        await conn.execute(f"ALTER TABLE {target.sql} RENAME TO {quote_ident(retired)}")
        retired_rel = Relation(target.schema, retired)
        await conn.execute(
            f"ALTER TABLE {retired_rel.sql} SET SCHEMA {quote_ident(staging_schema)}"
        )
        await conn.execute(f"DROP TABLE {Relation(staging_schema, retired).sql}")
    await conn.execute(f"ALTER TABLE {source.sql} SET SCHEMA {quote_ident(target.schema)}")
    moved = Relation(target.schema, source.name)
    await conn.execute(f"ALTER TABLE {moved.sql} RENAME TO {quote_ident(target.name)}")
    ctx.metrics.rows = await conn.fetchval(f"SELECT count(*) FROM {target.sql}")
    ctx.info("replaced", rows=ctx.metrics.rows, target=str(target))


async def _ensure_ledger(conn: asyncpg.Connection, schema: str) -> str:
    await ensure_schema(conn, schema)
    ledger = Relation(schema, "loads").sql
    with contextlib.suppress(asyncpg.UniqueViolationError):  # a concurrent load created it
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {ledger} ("
            "load_id text PRIMARY KEY, target_table text NOT NULL, "
            "rows bigint NOT NULL DEFAULT 0, loaded_at timestamptz NOT NULL DEFAULT now())"
        )
    return ledger
