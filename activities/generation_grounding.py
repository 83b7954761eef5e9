"""What the planner grounds an intent in, read through the source connection: each text column's
distinct values when there are few (a bounded sample), primary keys and foreign keys.

Read-only, bounded (``SAMPLE_ROWS`` rows per column, ``MAX_VALUES`` values kept), identifiers
quoted; a column with more distinct values than that (names, emails) keeps none: its values are
not categories an intent would name. PostgreSQL and MySQL/MariaDB; other sources get names only.
"""

from __future__ import annotations

from typing import Any

from connectors.mysql import MySQLConfig
from connectors.mysql import client as mysql
from connectors.postgres import PostgresConfig
from connectors.postgres.client import connect as pg_connect
from connectors.postgres.sql import quote_ident
from workflows.generation_payloads import DatasetSchema

SAMPLE_ROWS = 20_000
MAX_VALUES = 50
MAX_VALUE_LENGTH = 80
_TEXT = ("char", "text", "string", "enum", "citext")

_PG_KEYS = """
SELECT n.nspname, r.relname, c.contype::text, a.attname, fr.relname, af.attname
FROM pg_constraint c
JOIN pg_class r ON r.oid = c.conrelid
JOIN pg_namespace n ON n.oid = r.relnamespace
CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
LEFT JOIN pg_class fr ON fr.oid = c.confrelid
LEFT JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[k.n::int]
WHERE c.contype IN ('p', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
"""

_MY_KEYS = """
SELECT table_name, constraint_name, column_name, referenced_table_name, referenced_column_name
FROM information_schema.key_column_usage
WHERE table_schema = %s AND (constraint_name = 'PRIMARY' OR referenced_table_name IS NOT NULL)
"""


def _texts(d: DatasetSchema) -> list[int]:
    return [i for i, c in enumerate(d.columns) if any(t in c.type.lower() for t in _TEXT)]


def _keep(values: list[Any]) -> list[str]:
    found = [str(v) for v in values if v is not None]
    if len(found) > MAX_VALUES or any(len(v) > MAX_VALUE_LENGTH for v in found):
        return []
    return sorted(found)


async def ground(config: Any, connection_type: str, datasets: list[DatasetSchema]) -> None:
    """Fill in ``values``, ``primary_key`` and ``foreign_keys`` of ``datasets`` (one connection)."""
    if not datasets:
        return
    if isinstance(config, PostgresConfig):
        await _pg(config, datasets)
    elif isinstance(config, MySQLConfig):
        await _my(config, datasets)


async def _pg(config: PostgresConfig, datasets: list[DatasetSchema]) -> None:
    conn = await pg_connect(config)
    try:
        async with conn.transaction(readonly=True):
            await conn.execute("SET LOCAL statement_timeout = 5000")
            keys = await conn.fetch(_PG_KEYS)
            for d in datasets:
                schema = d.schema or "public"
                for row in keys:
                    if row[0] != schema or row[1] != d.table:
                        continue
                    if row[2] == "p":
                        d.primary_key.append(row[3])
                    elif row[4]:
                        d.foreign_keys.append([row[3], row[4], row[5]])
                relation = f"{quote_ident(schema)}.{quote_ident(d.table)}"
                for i in _texts(d):
                    col = quote_ident(d.columns[i].name)
                    rows = await conn.fetch(
                        f"SELECT DISTINCT {col}::text FROM (SELECT {col} FROM {relation} "
                        f"LIMIT {SAMPLE_ROWS}) AS s WHERE {col} IS NOT NULL LIMIT {MAX_VALUES + 1}"
                    )
                    d.columns[i].values = _keep([r[0] for r in rows])
    finally:
        await conn.close()


def _my_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


async def _my(config: MySQLConfig, datasets: list[DatasetSchema]) -> None:
    conn = await mysql.connect(config)
    try:
        async with conn.cursor() as cursor:
            await cursor.execute("START TRANSACTION READ ONLY")
            await cursor.execute(_MY_KEYS, (config.database,))
            keys = list(await cursor.fetchall())
            for d in datasets:
                for table, constraint, column, ref_table, ref_column in keys:
                    if table != d.table:
                        continue
                    if constraint == "PRIMARY":
                        d.primary_key.append(column)
                    else:
                        d.foreign_keys.append([column, ref_table, ref_column])
                relation = (
                    f"{_my_ident(d.schema)}.{_my_ident(d.table)}"
                    if d.schema
                    else _my_ident(d.table)
                )
                for i in _texts(d):
                    col = _my_ident(d.columns[i].name)
                    await cursor.execute(
                        f"SELECT DISTINCT {col} FROM (SELECT {col} FROM {relation} "
                        f"LIMIT {SAMPLE_ROWS}) AS s WHERE {col} IS NOT NULL LIMIT {MAX_VALUES + 1}"
                    )
                    d.columns[i].values = _keep([r[0] for r in await cursor.fetchall()])
            await cursor.execute("ROLLBACK")
    finally:
        conn.close()
