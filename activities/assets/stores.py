"""Where asset tables live: a DuckDB file (the tenant's own by default) or a PostgreSQL
database, behind one small interface.

An asset never writes its table in place: its rows go to staging tables named after the run,
and ``publish`` swaps them in within one transaction (the whole table, or only the partitions
the new rows hold). A cancelled or failed asset drops its staging tables, so its table is
either as it was or fully replaced, never half-written.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
import pyarrow as pa

from connectors.duckdb import sandbox
from connectors.duckdb.staging import duck_sql
from connectors.postgres.sql import quote_ident

T = TypeVar("T")


@dataclass
class Staged:
    """A table's new rows, waiting in ``staging`` to be published into ``table``."""

    table: str
    staging: str
    partition_by: list[str] = field(default_factory=list)


def _qualified(schema: str | None, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


class AssetStore(ABC):
    """One asset's connection to the store; ``token`` makes its staging names its own."""

    def __init__(self, schema: str | None, token: str) -> None:
        self.schema = schema
        self.token = token
        self.staged: dict[str, Staged] = {}

    def name(self, table: str) -> str:
        """A table of the pipeline, qualified with its schema, quoted."""
        return _qualified(self.schema, table)

    def _staging(self, table: str, partition_by: list[str]) -> Staged:
        if table not in self.staged:
            self.staged[table] = Staged(table, f"{table}__stg_{self.token}", partition_by)
        return self.staged[table]

    async def stage_select(self, table: str, sql: str, partition_by: list[str]) -> int:
        """The rows of ``sql`` (PostgreSQL's dialect) staged for ``table``; how many."""
        staged = self._staging(table, partition_by)
        await self.execute(f"DROP TABLE IF EXISTS {self.name(staged.staging)}")
        return await self._create_as(self.name(staged.staging), sql)

    async def stage_rows(
        self,
        table: str,
        columns: list[tuple[str, str]],
        rows: list[tuple],
        partition_by: list[str],
    ) -> int:
        """Append ``rows`` to ``table``'s staging (created on first use)."""
        fresh = table not in self.staged
        staged = self._staging(table, partition_by)
        target = self.name(staged.staging)
        if fresh:
            await self.execute(f"DROP TABLE IF EXISTS {target}")
            ddl = ", ".join(f"{quote_ident(c)} {t}" for c, t in columns)
            await self.execute(f"CREATE TABLE {target} ({ddl})")
        if rows:
            await self._insert(target, [c for c, _ in columns], rows)
        return len(rows)

    async def aggregate(self, table: str, expressions: dict[str, str]) -> dict[str, Any]:
        """``expressions`` (SQL aggregates) over the staged rows of ``table``."""
        staged = self.staged[table]
        select = ", ".join(f"{sql} AS {quote_ident(key)}" for key, sql in expressions.items())
        rows = await self.query(f"SELECT {select} FROM {self.name(staged.staging)}")
        return {key: _plain(value) for key, value in zip(expressions, rows[0], strict=True)}

    async def publish(self) -> None:
        """Swap every staged table in, all in one transaction."""
        statements: list[str] = []
        for staged in self.staged.values():
            target, staging = self.name(staged.table), self.name(staged.staging)
            if not await self.exists(staged.table):
                statements.append(f"ALTER TABLE {staging} RENAME TO {quote_ident(staged.table)}")
                continue
            if staged.partition_by:
                same = " AND ".join(
                    f"s.{quote_ident(k)} IS NOT DISTINCT FROM t.{quote_ident(k)}"
                    for k in staged.partition_by
                )
                columns = ", ".join(quote_ident(c) for c in await self.columns(staged.staging))
                statements += [
                    f"DELETE FROM {target} AS t WHERE EXISTS "
                    f"(SELECT 1 FROM {staging} AS s WHERE {same})",
                    f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {staging}",
                    f"DROP TABLE {staging}",
                ]
            else:
                statements += [
                    f"DROP TABLE {target}",
                    f"ALTER TABLE {staging} RENAME TO {quote_ident(staged.table)}",
                ]
        await self._transaction(statements)
        self.staged.clear()

    async def discard(self) -> None:
        """Drop whatever this asset staged."""
        for staged in list(self.staged.values()):
            with contextlib.suppress(Exception):
                await self.execute(f"DROP TABLE IF EXISTS {self.name(staged.staging)}")
        self.staged.clear()

    @abstractmethod
    async def prepare(self) -> None:
        """Create the schema if the pipeline names one."""

    @abstractmethod
    async def execute(self, sql: str) -> None: ...

    @abstractmethod
    async def query(self, sql: str) -> list[tuple]: ...

    @abstractmethod
    async def exists(self, table: str) -> bool: ...

    @abstractmethod
    async def columns(self, table: str) -> list[str]: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def _create_as(self, target: str, sql: str) -> int: ...

    @abstractmethod
    async def _insert(self, target: str, columns: list[str], rows: list[tuple]) -> None: ...

    @abstractmethod
    async def _transaction(self, statements: list[str]) -> None: ...


class DuckStore(AssetStore):
    """A DuckDB file, locked down like every DuckDB that runs tenant SQL. Its calls run in a
    thread; a cancel interrupts the statement under way and waits for it to stop."""

    def __init__(self, path: str, schema: str | None, token: str) -> None:
        super().__init__(schema, token)
        self.path = path
        self.conn: Any = None

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        future = asyncio.get_running_loop().run_in_executor(None, fn, *args)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            self.conn.interrupt()
            with contextlib.suppress(Exception):
                await future
            raise

    async def prepare(self) -> None:
        self.conn = await asyncio.to_thread(sandbox.connect, self.path)
        if self.schema:
            await self.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(self.schema)}")

    async def execute(self, sql: str) -> None:
        await self._call(lambda: self.conn.execute(sql).fetchall())

    async def query(self, sql: str) -> list[tuple]:
        return await self._call(lambda: self.conn.execute(duck_sql(sql)).fetchall())

    async def exists(self, table: str) -> bool:
        rows = await self._call(
            lambda: self.conn.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                [self.schema or "main", table],
            ).fetchall()
        )
        return bool(rows)

    async def columns(self, table: str) -> list[str]:
        rows = await self._call(
            lambda: self.conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                "AND table_name = ? ORDER BY ordinal_position",
                [self.schema or "main", table],
            ).fetchall()
        )
        return [r[0] for r in rows]

    async def close(self) -> None:
        if self.conn is not None:
            await asyncio.to_thread(self.conn.close)
            self.conn = None

    async def _create_as(self, target: str, sql: str) -> int:
        await self.execute(f"CREATE TABLE {target} AS {duck_sql(sql)}")
        ((count,),) = await self.query(f"SELECT COUNT(*) FROM {target}")
        return int(count)

    async def _insert(self, target: str, columns: list[str], rows: list[tuple]) -> None:
        batch = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})

        def insert() -> None:
            cursor = self.conn.cursor()
            try:
                cursor.register("_dw_rows", batch)
                cursor.execute(f"INSERT INTO {target} SELECT * FROM _dw_rows")
                cursor.unregister("_dw_rows")
            finally:
                cursor.close()

        await self._call(insert)

    async def _transaction(self, statements: list[str]) -> None:
        def run() -> None:
            self.conn.execute("BEGIN TRANSACTION")
            try:
                for statement in statements:
                    self.conn.execute(statement)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

        await self._call(run)


class PostgresStore(AssetStore):
    """A PostgreSQL database through asyncpg; a cancel cancels the statement on the server."""

    def __init__(self, conn: asyncpg.Connection, schema: str | None, token: str) -> None:
        super().__init__(schema, token)
        self.conn = conn

    async def prepare(self) -> None:
        if self.schema:
            await self.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(self.schema)}")

    async def execute(self, sql: str) -> None:
        await self.conn.execute(sql)

    async def query(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in await self.conn.fetch(sql)]

    async def exists(self, table: str) -> bool:
        found = await self.conn.fetchval(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
            self.schema or "public",
            table,
        )
        return found is not None

    async def columns(self, table: str) -> list[str]:
        rows = await self.conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 "
            "AND table_name = $2 ORDER BY ordinal_position",
            self.schema or "public",
            table,
        )
        return [r[0] for r in rows]

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.conn.close(timeout=5)

    async def _create_as(self, target: str, sql: str) -> int:
        status = await self.conn.execute(f"CREATE TABLE {target} AS {sql}")
        return int(status.split()[-1])

    async def _insert(self, target: str, columns: list[str], rows: list[tuple]) -> None:
        schema, _, table = target.rpartition(".")
        await self.conn.copy_records_to_table(
            _unquote(table),
            records=rows,
            columns=columns,
            schema_name=_unquote(schema) if schema else None,
        )

    async def _transaction(self, statements: list[str]) -> None:
        async with self.conn.transaction():
            for statement in statements:
                await self.conn.execute(statement)


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _plain(value: Any) -> Any:
    """A JSON-friendly value: numbers as int or float, the rest as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round(value, 6)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return int(number) if number.is_integer() else round(number, 6)
