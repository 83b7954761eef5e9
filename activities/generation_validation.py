"""Validation of a generated plan that can fail: on a PostgreSQL target the ``ddl_sql`` is executed
and every transformation planned (EXPLAIN) over tables shaped like the sources, all in one
transaction that is rolled back; on a PostgreSQL source each transformation is also planned
against the real tables. Nothing is left behind either way.
"""

from __future__ import annotations

import re
from typing import Any

from connectors.postgres import PostgresConfig
from connectors.postgres.client import connect as pg_connect
from connectors.postgres.sql import quote_ident
from domain.definition import parse_select
from domain.planner import rewrite_tables
from workflows.generation_payloads import GenerationContext

STATEMENT_TIMEOUT_MS = 10_000


def _placeholders_null(sql: str) -> str:
    """``:name`` parameters (bound at run time) as NULL, for planning only."""
    return re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", "NULL", sql)


def _message(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


async def on_target(
    config: PostgresConfig,
    context: GenerationContext,
    definition: dict[str, Any],
    ddl: str,
    columns: dict[str, dict[str, str]],
) -> list[str]:
    """Errors of the DDL and the transformations on the PostgreSQL target (rolled back)."""
    target = context.target
    errors: list[str] = []
    conn = await pg_connect(config)
    try:
        transaction = conn.transaction()
        await transaction.start()
        try:
            await conn.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
            if target is not None and target.schema:
                await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(target.schema)}")
            if ddl.strip():
                try:
                    await conn.execute(ddl)
                except Exception as exc:
                    errors.append(f"ddl_sql fails on the PostgreSQL target: {_message(exc)}")
            for name, cols in columns.items():
                if name not in {s.lower() for s in definition.get("sources", {})}:
                    continue
                listed = ", ".join(f"{quote_ident(c)} {t}" for c, t in cols.items())
                await conn.execute(f"CREATE TEMP TABLE {quote_ident(name)} ({listed})")
            for t in definition.get("transformations", []):
                sql = _placeholders_null(t["sql"])
                try:
                    await conn.execute(f"EXPLAIN {sql}")
                    await conn.execute(
                        f"CREATE TEMP TABLE {quote_ident(t['name'].lower())} AS {sql} WITH NO DATA"
                    )
                except Exception as exc:
                    errors.append(
                        f"transformation {t['name']!r} does not plan on the PostgreSQL target: "
                        f"{_message(exc)}"
                    )
                    break
        finally:
            await transaction.rollback()
    finally:
        await conn.close()
    return errors


async def on_source(
    config: PostgresConfig, context: GenerationContext, definition: dict[str, Any]
) -> list[str]:
    """Errors of planning each transformation against the real PostgreSQL source tables."""
    tables = {d.dataset.lower(): d.qualified for d in context.sources}
    mapping = {
        name.lower(): tables[name.lower()]
        for name in definition.get("sources", {})
        if name.lower() in tables
    }
    errors: list[str] = []
    conn = await pg_connect(config)
    try:
        async with conn.transaction(readonly=True):
            await conn.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
            for t in definition.get("transformations", [])[:1]:
                try:
                    sql = rewrite_tables(_placeholders_null(t["sql"]), _qualified(mapping))
                    parse_select(sql)
                    await conn.execute(f"EXPLAIN {sql}")
                except Exception as exc:
                    errors.append(
                        f"transformation {t['name']!r} does not plan on the source: {_message(exc)}"
                    )
    finally:
        await conn.close()
    return errors


def _qualified(mapping: dict[str, str]) -> dict[str, str]:
    """``rewrite_tables`` wants schema-qualified names: the default schema where none is given."""
    return {k: (v if "." in v else f"public.{v}") for k, v in mapping.items()}
