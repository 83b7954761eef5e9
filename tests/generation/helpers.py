"""Drive generation through the API and compare what a generated pipeline loaded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from tests.generation.conftest import Shop
from tests.pipelines import run_to_end
from tests.services import mysql_connect, mysql_execute, pg_dsn


async def generate(
    api: httpx.AsyncClient,
    shop: Shop,
    intent: str,
    table: str,
    *,
    source: str = "pg",
    source_table: str | None = None,
    expect: int = 200,
    **extra: Any,
) -> dict:
    spec: dict[str, Any] = {
        "type": "postgresql" if source == "pg" else "mysql",
        "connection_id": getattr(shop, source),
    }
    if source_table:
        spec["options"] = {"table": source_table}
    body = {
        "project_id": "proj-1",
        "intent": intent,
        "sources": [spec],
        "targets": [
            {"type": "postgresql", "connection_id": shop.target, "table": f"{shop.schema}.{table}"}
        ],
        **extra,
    }
    response = await api.post("/api/v1/pipelines/generate", json=body)
    assert response.status_code == expect, response.text
    return response.json()


async def run(api: httpx.AsyncClient, pipeline_id: str) -> dict:
    result = await run_to_end(api, pipeline_id)
    assert result["status"] == "COMPLETED", result
    return result


def norm(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal | float):
        return round(float(value), 2)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def rows(records: list) -> list[tuple]:
    return sorted((tuple(norm(v) for v in r) for r in records), key=repr)


async def target_rows(shop: Shop, table: str, columns: str) -> list[tuple]:
    conn = await asyncpg.connect(pg_dsn(shop.target_db))
    try:
        return rows(await conn.fetch(f"SELECT {columns} FROM {shop.schema}.{table}"))
    finally:
        await conn.close()


async def source_rows(shop: Shop, sql: str, *, source: str = "pg") -> list[tuple]:
    if source == "pg":
        conn = await asyncpg.connect(pg_dsn(shop.pg_db))
        try:
            return rows(await conn.fetch(sql))
        finally:
            await conn.close()
    conn = await mysql_connect(shop.mysql_db)
    try:
        return rows(await mysql_execute(conn, sql))
    finally:
        conn.close()
