"""Helpers for sources other than PostgreSQL: connections through the API, database files,
and a direct extract (describe, read, bulk load) for the type-mapping tests."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import httpx

from connectors.base import ConnectionSettings, Progress, read_again
from connectors.postgres import PostgresConfig
from connectors.postgres.arrow_ingest import ingest
from connectors.postgres.sql import Relation
from connectors.registry import arrow_source, connector_for
from tests.services import MYSQL_HOST, MYSQL_PORT, MYSQL_USER, PG_HOST, PG_PORT, PG_USER

URL = "/v1/pipelines/connections"


def mysql_body(database: str, name: str, **overrides: Any) -> dict:
    return {
        "name": name,
        "type": "mariadb",
        "host": MYSQL_HOST,
        "port": MYSQL_PORT,
        "database": database,
        "username": MYSQL_USER,
        **overrides,
    }


def file_body(kind: str, path: str, name: str) -> dict:
    return {"name": name, "type": kind, "database": path}


async def register(api: httpx.AsyncClient, body: dict) -> str:
    response = await api.post(URL, json=body)
    assert response.status_code == 201, response.text
    return response.json()["connectionId"]


def sqlite_file(path: str, *statements: str) -> str:
    conn = sqlite3.connect(path)
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()
    return path


def duckdb_file(path: str, *statements: str) -> str:
    import duckdb

    conn = duckdb.connect(path)
    try:
        for sql in statements:
            conn.execute(sql)
    finally:
        conn.close()  # a reader opens the file read-only: no writer may hold it
    return path


async def extract_to_postgres(
    kind: str, settings: ConnectionSettings, query: str, target_db: str, table: str
) -> int:
    """What the extract activity does for an Arrow source, without Temporal."""
    connector = arrow_source(kind)
    assert connector is not None and connector is connector_for(kind)
    config = connector.config(settings)
    schema = await connector.describe(config, query)
    target = PostgresConfig(PG_HOST, PG_PORT, target_db, PG_USER, "trust")
    batches = connector.read(config, query, schema, 2)  # tiny batches: several per table
    return await asyncio.to_thread(
        read_again,
        lambda read: ingest(target, Relation.parse(table), schema, read, Progress()),
        batches,
    )
