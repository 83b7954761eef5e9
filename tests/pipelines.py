"""Helpers that drive the API the way a user would: connections, pipelines, runs."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import asyncpg
import httpx

from tests.services import PG_HOST, PG_PORT, PG_USER

FINISHED = {"COMPLETED", "FAILED", "CANCELLED"}


def unique_name(prefix: str) -> str:
    """A name no other test (or test process) uses: ``prefix_<8 hex>``."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


async def create_connection(api: httpx.AsyncClient, database: str, name: str) -> str:
    body = {
        "name": name,
        "type": "postgresql",
        "host": PG_HOST,
        "port": PG_PORT,
        "database": database,
        "username": PG_USER,
        "password": "s3cret-never-echoed",
    }
    response = await api.post("/v1/pipelines/connections", json=body)
    assert response.status_code == 201, response.text
    return response.json()["connectionId"]


async def create_pipeline(
    api: httpx.AsyncClient, name: str, definition: dict[str, Any], **extra: Any
) -> str:
    response = await api.post(
        "/v1/pipelines", json={"name": name, "definition": definition, **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()["pipelineId"]


async def copy_pipeline(
    api: httpx.AsyncClient,
    source_db: str,
    target_db: str,
    source: dict[str, Any],
    *,
    label: str = "copy",
    mode: str = "replace",
) -> str:
    """A pipeline of one source (``{"table": ...}`` or ``{"query": ...}``) into one table of
    the target database, with connections of its own."""
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    return await create_pipeline(
        api,
        unique_name(label),
        {
            "sources": {"rows": {"connection": src, **source}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{unique_name(label)}", "mode": mode}},
        },
    )


async def execute(api: httpx.AsyncClient, pipeline_id: str, **parameters: Any) -> str:
    response = await api.post(
        f"/v1/pipelines/{pipeline_id}/execute", json={"parameters": parameters}
    )
    assert response.status_code == 202, response.text
    return response.json()["executionId"]


async def wait_finished(api: httpx.AsyncClient, execution_id: str, within: float = 60) -> dict:
    deadline = time.monotonic() + within
    while True:
        body = (await api.get(f"/v1/pipelines/executions/{execution_id}")).json()
        if body["status"] in FINISHED:
            return body
        if time.monotonic() > deadline:
            raise TimeoutError(f"execution {execution_id} still {body['status']}: {body}")
        await asyncio.sleep(0.2)


async def run_to_end(api: httpx.AsyncClient, pipeline_id: str, **parameters: Any) -> dict:
    return await wait_finished(api, await execute(api, pipeline_id, **parameters))


MIXED_TABLE_DDL = """
CREATE TABLE IF NOT EXISTS {table} (
    id bigint PRIMARY KEY,
    created_at timestamptz NOT NULL,
    day date,
    amount numeric(12, 2),
    note text,
    active boolean,
    ref uuid,
    score double precision
)
"""


async def fill_mixed_table(conn: asyncpg.Connection, table: str, rows: int) -> None:
    """A table of every common type, NULLs included, generated in the database."""
    await conn.execute(f"DROP TABLE IF EXISTS {table}")
    await conn.execute(MIXED_TABLE_DDL.format(table=table))
    await conn.execute(
        f"""
        INSERT INTO {table}
        SELECT g,
               timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute',
               date '2026-01-01' + (g % 365),
               round((g * 1.37)::numeric % 100000, 2),
               CASE WHEN g % 7 = 0 THEN NULL ELSE 'note ' || g || ' ünïcode ✓' END,
               CASE WHEN g % 5 = 0 THEN NULL ELSE g % 2 = 0 END,
               md5(g::text)::uuid,
               CASE WHEN g % 11 = 0 THEN NULL ELSE g / 3.0 END
        FROM generate_series(1, {rows}) AS g
        """
    )


async def table_fingerprint(conn: asyncpg.Connection, table: str) -> tuple[int, str]:
    """Row count and an order-independent checksum of every column's text form."""
    row = await conn.fetchrow(
        "SELECT count(*) AS n, coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)"
        f"::bigint)::text, '0') AS h FROM {table} t"
    )
    return row["n"], row["h"]


def decoded_history(history_json: str) -> str:
    """A workflow history with every payload decoded, so a search sees what was really sent."""
    import base64
    import json

    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "data" in node and "metadata" in node and isinstance(node["data"], str):
                parts.append(base64.b64decode(node["data"]).decode(errors="replace"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            parts.append(node)

    walk(json.loads(history_json))
    return "\n".join(parts)
