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
    none. With ``copy`` a copy moves, because another load still reads the staged table.

    The target's old table is retired beside the staged one (``retired``), to be dropped once
    the transaction has committed (``drop_retired``): dropping a big table inside it would
    hold its commit until the table's files are freed (about 30 ms per 130 MB here). Whether
    it can be dropped is tried here all the same, and undone, so a view or a foreign key on
    the old table stops the swap instead of going stale."""
    moving = staged
    if copy:
        moving = Relation(staged.schema, f"{staged.name[:50]}_copy")
        await conn.execute(f"DROP TABLE IF EXISTS {moving.sql}")
        await conn.execute(f"CREATE TABLE {moving.sql} AS TABLE {staged.sql}")
    await ensure_schema(conn, target.schema)
    if await relation_exists(conn, target.sql):
        old = retired(staged)
        await conn.execute(f"ALTER TABLE {target.sql} RENAME TO {quote_ident(old.name)}")
        await conn.execute(
            f"ALTER TABLE {Relation(target.schema, old.name).sql} "
            f"SET SCHEMA {quote_ident(old.schema)}"
        )
        await _refuse_dependents(conn, old, target)
    await conn.execute(f"ALTER TABLE {moving.sql} SET SCHEMA {quote_ident(target.schema)}")
    moved = Relation(target.schema, moving.name)
    await conn.execute(f"ALTER TABLE {moved.sql} RENAME TO {quote_ident(target.name)}")
    if rows is not None:
        return rows  # counted as it was staged: no scan while the target is locked
    return await conn.fetchval(f"SELECT count(*) FROM {target.sql}")


async def _refuse_dependents(conn: asyncpg.Connection, old: Relation, target: Relation) -> None:
    """Try to drop the retired table, and undo it (a savepoint): TerminalError when other
    objects (a view, a foreign key) depend on it."""
    trial = conn.transaction()
    await trial.start()
    try:
        await conn.execute(f"DROP TABLE {old.sql}")
    except asyncpg.DependentObjectsStillExistError as exc:
        dependents = (exc.detail or "").replace(old.sql, target.sql).replace(str(old), str(target))
        raise TerminalError(
            f"other objects depend on the target table {target} ({dependents}); a replace "
            "would leave them on its old rows. Drop them first, or load with mode append "
            "or merge",
            error_type="INVALID_TARGET",
        ) from None
    finally:
        await trial.rollback()


def retired(staged: Relation) -> Relation:
    """Where ``swap_in`` of ``staged`` leaves the target's old table until it is dropped."""
    return Relation(staged.schema, f"{staged.name[:55]}_old")


async def drop_retired(conn: asyncpg.Connection, staged: Relation) -> None:
    """Drop the table ``swap_in`` of ``staged`` retired, if any, in a transaction of its own:
    after the swap has committed, or by a later attempt of a load whose worker stopped first."""
    await conn.execute(f"DROP TABLE IF EXISTS {retired(staged).sql}")


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
