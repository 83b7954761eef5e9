"""What the goal benchmarks share: databases, checksums, REST calls on the stack's API."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bench import pg_to_pg as pg


def dsn(database: str) -> str:
    return f"postgresql://{pg.PG_USER}@{pg.PG_HOST}:{pg.PG_PORT}/{database}"


async def checksum(database: str, table: str) -> tuple[int, int]:
    """Row count and an order-free checksum of every row's text."""
    conn = await asyncpg.connect(dsn(database))
    try:
        row = await conn.fetchrow(
            f"SELECT count(*) AS n, coalesce(sum(hashtext(t::text)::bigint), 0) AS h "
            f"FROM {table} AS t"
        )
        assert row is not None
        return int(row["n"]), int(row["h"])
    finally:
        await conn.close()


async def fill(database: str, rows: int, table: str = "t") -> None:
    """``table`` with ``rows`` rows of bench.pg_to_pg's 10 mixed columns."""
    conn = await asyncpg.connect(dsn(database))
    try:
        await conn.execute(f"CREATE TABLE {table} ({pg.COLUMNS_DDL.format(pk=' PRIMARY KEY')})")
        await conn.execute(pg.FILL_SQL.format(table=table, rows=rows))
        await conn.execute(f"VACUUM (FREEZE, ANALYZE) {table}")
    finally:
        await conn.close()


async def execute(conn_db: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn(conn_db))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def psql_binary_pipe(source_db: str, query: str, target_db: str, table: str) -> float:
    """``psql \\copy (query) TO STDOUT (binary) | psql \\copy table FROM STDIN (binary)``:
    seconds of the whole pipe (the target table exists, empty)."""
    env = {**os.environ, "PGCLIENTENCODING": "UTF8"}
    started = time.perf_counter()
    producer = subprocess.Popen(
        pg._psql(source_db, f"\\copy ({query}) TO STDOUT WITH (FORMAT binary)"),
        stdout=subprocess.PIPE,
        env=env,
    )
    consumer = subprocess.Popen(
        pg._psql(target_db, f"\\copy {table} FROM STDIN WITH (FORMAT binary)"),
        stdin=producer.stdout,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    assert producer.stdout is not None
    producer.stdout.close()
    rc_in, rc_out = consumer.wait(), producer.wait()
    if rc_in or rc_out:
        raise SystemExit(f"psql pipe failed (exit {rc_out} | {rc_in})")
    return time.perf_counter() - started


async def post(api: Any, path: str, body: dict, expect: int) -> dict:
    response = await api.post(path, json=body)
    if response.status_code != expect:
        raise SystemExit(f"POST {path}: {response.status_code} {response.text}")
    return dict(response.json())


async def connection(api: Any, database: str) -> str:
    body = {
        "name": f"{database}-{uuid.uuid4().hex[:6]}",
        "type": "postgresql",
        "host": pg.PG_HOST,
        "port": pg.PG_PORT,
        "database": database,
        "username": pg.PG_USER,
        "password": "unused-trust-auth",
    }
    return str((await post(api, "/v1/pipelines/connections", body, 201))["connectionId"])


async def pipeline(api: Any, name: str, definition: dict) -> str:
    body = {"name": f"{name}-{uuid.uuid4().hex[:6]}", "definition": definition}
    return str((await post(api, "/v1/pipelines", body, 201))["pipelineId"])


FINISHED = {"COMPLETED", "FAILED", "CANCELLED"}


@dataclass
class ServiceRun:
    seconds: float
    execution_id: str
    body: dict
    started: float  # time.time() at the execute call
    start_call: float  # seconds the execute call took
    gets: list[float] = field(default_factory=list)


async def run_to_end(
    api: Any, pipeline_id: str, poll: float = 0.005, expect: str = "COMPLETED"
) -> ServiceRun:
    """POST execute, GET until finished (every ``poll`` s); the run as last read."""
    wall = time.time()
    started = time.perf_counter()
    submitted = await post(api, f"/v1/pipelines/{pipeline_id}/execute", {"parameters": {}}, 202)
    start_call = time.perf_counter() - started
    execution_id = submitted["executionId"]
    gets: list[float] = []
    while True:
        asked = time.perf_counter()
        body = (await api.get(f"/v1/pipelines/executions/{execution_id}")).json()
        gets.append(time.perf_counter() - asked)
        if body.get("status") in FINISHED:
            break
        if poll:
            await asyncio.sleep(poll)
    seconds = time.perf_counter() - started
    if body["status"] != expect:
        raise SystemExit(f"{execution_id} ended {body['status']}: {body.get('error')}")
    return ServiceRun(seconds, execution_id, body, wall, start_call, gets)
