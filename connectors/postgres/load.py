"""The load modes inside one target transaction: swap in, append, merge (upsert on keys)."""

from __future__ import annotations

import asyncpg

from connectors.base import TerminalError
from connectors.postgres.client import relation_exists
from connectors.postgres.copy import Column, describe_table, ensure_schema
from connectors.postgres.sql import Relation, quote_ident


async def swap_in(
    conn: asyncpg.Connection,
    staged: Relation,
    target: Relation,
    *,
    copy: bool,
    rows: int | None = None,
) -> int:
    """Put the staged table in the target's place; readers see the old rows or the new, never
    none. With ``copy`` a copy moves, because another load still reads the staged table."""
    if copy:
        duplicate = Relation(staged.schema, f"{staged.name[:50]}_copy")
        await conn.execute(f"DROP TABLE IF EXISTS {duplicate.sql}")
        await conn.execute(f"CREATE TABLE {duplicate.sql} AS TABLE {staged.sql}")
        staged = duplicate
    await ensure_schema(conn, target.schema)
    if await relation_exists(conn, target.sql):
        retired = f"{staged.name[:55]}_old"
        await conn.execute(f"ALTER TABLE {target.sql} RENAME TO {quote_ident(retired)}")
        schema = quote_ident(staged.schema)
        await conn.execute(
            f"ALTER TABLE {Relation(target.schema, retired).sql} SET SCHEMA {schema}"
        )
        # Dropped here, so a view on the old table stops the swap instead of going stale.
        await conn.execute(f"DROP TABLE {Relation(staged.schema, retired).sql}")
    await conn.execute(f"ALTER TABLE {staged.sql} SET SCHEMA {quote_ident(target.schema)}")
    moved = Relation(target.schema, staged.name)
    await conn.execute(f"ALTER TABLE {moved.sql} RENAME TO {quote_ident(target.name)}")
    if rows is not None:
        return rows  # counted as it was staged: no scan while the target is locked
    return await conn.fetchval(f"SELECT count(*) FROM {target.sql}")


async def create_like(
    conn: asyncpg.Connection, staged: Relation, target: Relation, keys: list[str]
) -> None:
    await ensure_schema(conn, target.schema)
    await conn.execute(f"CREATE TABLE {target.sql} (LIKE {staged.sql})")
    if keys:  # merges and deduplicating appends look rows up by key
        await conn.execute(f"CREATE INDEX ON {target.sql} ({_list(keys)})")


async def append(
    conn: asyncpg.Connection,
    staged: Relation,
    target: Relation,
    columns: list[Column],
    *,
    keys: list[str],
    latest_first: str | None,
) -> int:
    """Insert the staged rows; with ``keys``, one row per key and none the target already has."""
    names = _list(c.name for c in columns)
    if not keys:
        status = await conn.execute(
            f"INSERT INTO {target.sql} ({names}) SELECT {names} FROM {staged.sql}"
        )
        return _count(status)
    await _refuse_null_keys(conn, staged, keys)
    status = await conn.execute(
        f"INSERT INTO {target.sql} ({names}) SELECT {names} "
        f"FROM {_one_per_key(staged, columns, keys, latest_first)} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {target.sql} t WHERE {_match(keys)})"
    )
    return _count(status)


async def merge(
    conn: asyncpg.Connection,
    staged: Relation,
    target: Relation,
    columns: list[Column],
    *,
    keys: list[str],
    latest_first: str | None,
) -> int:
    """Upsert on ``keys``: new keys are inserted, changed rows updated, equal rows untouched."""
    await _refuse_null_keys(conn, staged, keys)
    columns_names = [c.name for c in columns]
    values = [name for name in columns_names if name not in keys]
    names = _list(columns_names)
    update = ""
    if values:
        changed = f"({_list(values, 't.')}) IS DISTINCT FROM ({_list(values, 's.')})"
        assignments = ", ".join(f"{quote_ident(v)} = s.{quote_ident(v)}" for v in values)
        update = f"WHEN MATCHED AND {changed} THEN UPDATE SET {assignments} "
    status = await conn.execute(
        f"MERGE INTO {target.sql} AS t "
        f"USING {_one_per_key(staged, columns, keys, latest_first)} ON {_match(keys)} "
        f"{update}WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({_list(columns_names, 's.')})"
    )
    return _count(status)


async def missing_keys(conn: asyncpg.Connection, staged: Relation, keys: list[str]) -> list[str]:
    present = {c.name for c in await describe_table(conn, staged)}
    return [k for k in keys if k not in present]


async def _refuse_null_keys(conn: asyncpg.Connection, staged: Relation, keys: list[str]) -> None:
    missing = await missing_keys(conn, staged, keys)
    if missing:
        raise TerminalError(
            f"key column(s) {', '.join(missing)} are not in the data", error_type="SCHEMA_MISMATCH"
        )
    nulls = " OR ".join(f"{quote_ident(k)} IS NULL" for k in keys)
    count = await conn.fetchval(f"SELECT count(*) FROM {staged.sql} WHERE {nulls}")
    if count:
        raise TerminalError(
            f"{count} rows have a NULL in the key ({', '.join(keys)}); a NULL key matches no row, "
            "so they could be loaded twice. Filter or fill them in a transformation.",
            error_type="DATA_ERROR",
        )


def _one_per_key(
    staged: Relation, columns: list[Column], keys: list[str], latest_first: str | None
) -> str:
    """The staged rows, one per key: the latest by ``latest_first`` when given."""
    order = _list(keys) + (f", {quote_ident(latest_first)} DESC NULLS LAST" if latest_first else "")
    return (
        f"(SELECT DISTINCT ON ({_list(keys)}) {_list(c.name for c in columns)} "
        f"FROM {staged.sql} ORDER BY {order}) AS s"
    )


def _match(keys: list[str]) -> str:
    return " AND ".join(f"t.{quote_ident(k)} = s.{quote_ident(k)}" for k in keys)


def _list(names, prefix: str = "") -> str:  # type: ignore[no-untyped-def]
    return ", ".join(f"{prefix}{quote_ident(n)}" for n in names)


def _count(status: str) -> int:
    return int(status.split()[-1])
