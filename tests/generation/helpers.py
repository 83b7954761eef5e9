"""Drive generation through the API and compare what a generated pipeline loaded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import duckdb
import httpx
import pyarrow.parquet as pq

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
    target: str = "target",
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
        "targets": [_target(shop, target, table)],
        **extra,
    }
    response = await api.post("/api/v1/pipelines/generate", json=body)
    assert response.status_code == expect, response.text
    return response.json()


def _target(shop: Shop, target: str, table: str) -> dict[str, Any]:
    if target == "duck":
        return {"type": "duckdb", "connection_id": shop.duck, "table": table}
    if target == "lake":
        return {"type": "files", "connection_id": shop.lake, "table": f"exports.{table}"}
    return {"type": "postgresql", "connection_id": shop.target, "table": f"{shop.schema}.{table}"}


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


async def target_rows(shop: Shop, table: str, columns: str, target: str = "target") -> list[tuple]:
    if target == "duck":
        conn = duckdb.connect(shop.duck_path, read_only=True)
        try:
            return rows(conn.execute(f"SELECT {columns} FROM main.{table}").fetchall())
        finally:
            conn.close()
    if target == "lake":
        data = pq.read_table(Path(shop.lake_root, "exports", table)).to_pylist()
        names = [c.strip() for c in columns.split(",")]
        return rows([[r[n] for n in names] for r in data])
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
