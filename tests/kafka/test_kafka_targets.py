"""A stream into DuckDB and into files, exactly once although every micro-batch's first load
attempt fails at its commit point (after writing, before committing) and is retried."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import duckdb
import httpx
import pytest

from activities.commit_guard import CommitGuard
from activities.runtime import ActivityDeps
from connectors.base import TransientError
from core.secrets import Cipher
from core.settings import Settings
from services import runs
from store import pipelines as pipeline_store
from tests.auth import DEFAULT_TENANT
from tests.kafka.broker import (
    Broker,
    caught_up,
    create_kafka_connection,
    events,
    stream_definition,
)
from tests.pipelines import create_pipeline, unique_name, wait_finished
from tests.replay.recording import record
from worker import build_worker

EVENTS = 3_000


@dataclass
class FailFirstCommit:
    """The commit hook of the test worker: each load's first attempt fails at its commit."""

    failed: set[str] = field(default_factory=set)

    async def __call__(self, phase: str, guard: CommitGuard) -> None:
        if phase == "commit" and guard.ref.load_id not in self.failed:
            self.failed.add(guard.ref.load_id)
            raise TransientError("the target went away at the commit", error_type="TEST")


@dataclass
class Flaky:
    settings: Settings
    hook: FailFirstCommit


@pytest.fixture
async def flaky(client, settings, db) -> AsyncIterator[Flaky]:
    queue = f"flaky-{uuid.uuid4()}"
    local = settings.model_copy(
        update={"temporal": settings.temporal.model_copy(update={"task_queue": queue})}
    )
    deps = ActivityDeps(db, Cipher.from_settings(settings), settings)
    hook = FailFirstCommit()
    deps.commit_hook = hook
    async with build_worker(client, settings, db, queue, deps):
        yield Flaky(local, hook)


async def _connection(api: httpx.AsyncClient, body: dict) -> str:
    response = await api.post("/v1/pipelines/connections", json={"name": unique_name("t"), **body})
    assert response.status_code == 201, response.text
    return response.json()["connectionId"]


async def _stream_into(
    api: httpx.AsyncClient, client, db, flaky: Flaky, kafka: Broker, sink: dict, history: str
) -> None:
    """Load EVENTS events in micro-batches of 1,000 until caught up, then cancel."""
    topic = kafka.topic(partitions=3)
    kafka.produce(topic, events(0, EVENTS))
    conn = await create_kafka_connection(api, kafka, unique_name("kafka"))
    definition = stream_definition(conn, topic, sink, continuous=True, batch_messages=1_000)
    definition["orchestration"]["retries"] = 3
    pipeline_id = await create_pipeline(api, unique_name("stream"), definition)
    async with db.session() as session:
        pipeline = await pipeline_store.get(session, DEFAULT_TENANT, pipeline_id)
        execution = await runs.submit(session, client, flaky.settings, pipeline, {})
    await caught_up(api, execution.id, EVENTS)
    await api.post(f"/v1/pipelines/executions/{execution.id}/cancel")
    assert (await wait_finished(api, execution.id, within=60))["status"] == "CANCELLED"
    await record(client.get_workflow_handle(execution.workflow_id), history)
    assert len(flaky.hook.failed) >= 3  # every batch's load failed once, then committed


def _exact(conn: duckdb.DuckDBPyConnection, rows: str) -> None:
    counts = conn.execute(
        "SELECT count(*), count(DISTINCT id), count(DISTINCT (_kafka_partition, _kafka_offset)) "
        f"FROM {rows}"
    ).fetchone()
    assert counts == (EVENTS, EVENTS, EVENTS)


async def test_duckdb_target_exactly_once(api, client, db, flaky, kafka, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    dst = await _connection(api, {"type": "duckdb", "database": str(path)})
    sink = {"connection": dst, "table": "events"}
    await _stream_into(api, client, db, flaky, kafka, sink, "stream_duckdb_retried_loads")
    with duckdb.connect(str(path), read_only=True) as conn:
        _exact(conn, "main.events")


async def test_files_target_exactly_once(api, client, db, flaky, kafka, tmp_path):
    root = tmp_path / "lake"
    root.mkdir()
    dst = await _connection(api, {"type": "files", "database": str(root)})
    sink = {"connection": dst, "table": "events"}
    await _stream_into(api, client, db, flaky, kafka, sink, "stream_files_retried_loads")
    parts = sorted((root / "events").glob("part-*.parquet"))
    assert len(parts) == EVENTS // 1_000
    with duckdb.connect() as conn:
        _exact(conn, f"read_parquet('{root}/events/part-*.parquet')")
