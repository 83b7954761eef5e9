"""Ductwork's bookkeeping inside a target database: the load ledger and the cursors.

Both are written in the same transaction as the rows they describe, which is what makes a
load exactly-once and an incremental high-water mark exact.
"""

from __future__ import annotations

import asyncpg

from connectors import offsets
from connectors.postgres.copy import create_once, ensure_schema
from connectors.postgres.sql import Relation, quote_ident


class TargetState:
    def __init__(self, conn: asyncpg.Connection, schema: str) -> None:
        self.conn = conn
        self.ledger = Relation(schema, "loads").sql
        self.cursors = Relation(schema, "cursors").sql
        self.schema = schema

    async def ensure(self) -> None:
        exists = "SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL"
        if await self.conn.fetchval(exists, self.ledger, self.cursors):
            return  # an earlier load made them: one lookup, no DDL and its catalog locks
        await ensure_schema(self.conn, self.schema)
        for ddl in (
            f"CREATE TABLE IF NOT EXISTS {self.ledger} (load_id text PRIMARY KEY, "
            "target_table text NOT NULL, rows bigint NOT NULL DEFAULT 0, "
            "loaded_at timestamptz NOT NULL DEFAULT now())",
            f"CREATE TABLE IF NOT EXISTS {self.cursors} (pipeline_id text NOT NULL, "
            "source text NOT NULL, value text NOT NULL, updated_at timestamptz NOT NULL, "
            "PRIMARY KEY (pipeline_id, source))",
        ):
            await create_once(self.conn, ddl)

    async def claim(self, load_id: str, target: Relation) -> bool:
        """True when this load is the first to claim ``load_id`` (call inside the transaction)."""
        return bool(
            await self.conn.fetchval(
                f"INSERT INTO {self.ledger} (load_id, target_table) VALUES ($1, $2) "
                "ON CONFLICT (load_id) DO NOTHING RETURNING true",
                load_id,
                str(target),
            )
        )

    async def loaded_rows(self, load_id: str) -> int:
        return await self.conn.fetchval(
            f"SELECT rows FROM {self.ledger} WHERE load_id = $1", load_id
        )

    async def committed_rows(self, load_id: str) -> int | None:
        """The rows of a load that committed; None: it never did (read outside a load)."""
        if await self.conn.fetchval("SELECT to_regclass($1)", self.ledger) is None:
            return None
        return await self.loaded_rows(load_id)

    async def finish(self, load_id: str, rows: int) -> None:
        await self.conn.execute(
            f"UPDATE {self.ledger} SET rows = $2 WHERE load_id = $1", load_id, rows
        )

    async def cursor(self, pipeline_id: str, source: str) -> str | None:
        return await self.conn.fetchval(
            f"SELECT value FROM {self.cursors} WHERE pipeline_id = $1 AND source = $2",
            pipeline_id,
            source,
        )

    async def advance_cursor(
        self, pipeline_id: str, source: str, staged: Relation, column: str
    ) -> str | None:
        """Set the mark to the staged rows' maximum; unchanged when no rows came."""
        return await self.conn.fetchval(
            f"INSERT INTO {self.cursors} (pipeline_id, source, value, updated_at) "
            f"SELECT $1, $2, max({quote_ident(column)})::text, now() FROM {staged.sql} "
            f"HAVING max({quote_ident(column)}) IS NOT NULL "
            "ON CONFLICT (pipeline_id, source) DO UPDATE "
            "SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at RETURNING value",
            pipeline_id,
            source,
        )

    async def advance_position(self, pipeline_id: str, source: str, staged: Relation) -> str:
        """A stream source's position moves past the staged offsets (call inside the load's
        transaction: the row lock keeps a concurrent load of the same pipeline out)."""
        old = await self.conn.fetchval(
            f"SELECT value FROM {self.cursors} WHERE pipeline_id = $1 AND source = $2 FOR UPDATE",
            pipeline_id,
            source,
        )
        ranges = [tuple(r) for r in await self.conn.fetch(offsets.ranges_sql(staged.sql))]
        position = offsets.dump(offsets.advance(offsets.parse(old), ranges, source))
        await self.conn.execute(
            f"INSERT INTO {self.cursors} (pipeline_id, source, value, updated_at) "
            "VALUES ($1, $2, $3, now()) ON CONFLICT (pipeline_id, source) DO UPDATE "
            "SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
            pipeline_id,
            source,
            position,
        )
        return position
