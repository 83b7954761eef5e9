"""100,000 events on 3 partitions into PostgreSQL by a continuous pipeline whose worker is
killed (SIGKILL) in the middle of a micro-batch's load: every message is loaded exactly once."""

from __future__ import annotations

import asyncio
import signal
import uuid

import pytest

from tests.e2e.test_worker_crash import _api_on, _start_worker, _worker_env
from tests.kafka.broker import create_kafka_connection, events, stream_definition
from tests.pipelines import create_connection, create_pipeline, execute, wait_finished

pytestmark = pytest.mark.e2e

EVENTS = 100_000


async def _count(target, table: str) -> int:  # type: ignore[no-untyped-def]
    return await target.fetchval(f"SELECT count(*) FROM {table}")


async def test_sigkilled_worker_loads_every_event_once(
    settings, client, temporal_env, db, kafka, target, target_db
):
    queue = f"kafka-crash-{uuid.uuid4()}"
    crash_settings = settings.model_copy(
        update={"temporal": settings.temporal.model_copy(update={"task_queue": queue})}
    )
    env = _worker_env(crash_settings, temporal_env.client.service_client.config.target_host)
    topic = kafka.topic(partitions=3)
    kafka.produce(topic, events(0, EVENTS))
    table = f"crash_{uuid.uuid4().hex[:8]}"
    # The target exists with a trigger that holds every load 1 s in its transaction: a window
    # to kill the worker in, with rows written and not yet committed.
    await target.execute(
        f"""
        CREATE TABLE {table} (_kafka_topic text, _kafka_partition integer,
          _kafka_offset bigint, _kafka_key text, _kafka_timestamp timestamptz,
          id bigint, kind text, amount bigint);
        CREATE FUNCTION {table}_pause() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$;
        CREATE TRIGGER pause AFTER INSERT ON {table}
          FOR EACH STATEMENT EXECUTE FUNCTION {table}_pause();
        """
    )
    async with _api_on(crash_settings, client) as api:
        conn = await create_kafka_connection(api, kafka, f"crash-kafka-{table}")
        dst = await create_connection(api, target_db, f"crash-pg-{table}")
        pipeline = await create_pipeline(
            api,
            f"crash-{table}",
            stream_definition(
                conn,
                topic,
                {"connection": dst, "table": table, "mode": "append"},
                continuous=True,
                batch_messages=25_000,
            ),
        )
        workers = [_start_worker(env)]
        try:
            execution = await execute(api, pipeline)
            # Killed while a later batch's load holds its rows uncommitted.
            for _ in range(600):
                if await _count(target, table) > 0:
                    break
                await asyncio.sleep(0.05)
            await _wait_load(target, table)
            workers[-1].send_signal(signal.SIGKILL)
            workers.append(_start_worker(env))
            for _ in range(1800):
                body = (await api.get(f"/v1/pipelines/executions/{execution}")).json()
                stream = body.get("stream") or {}
                if await _count(target, table) >= EVENTS and stream.get("totalLag") == 0:
                    break
                await asyncio.sleep(0.1)
            await api.post(f"/v1/pipelines/executions/{execution}/cancel")
            run = await wait_finished(api, execution, within=60)
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
    assert run["status"] == "CANCELLED", run
    counts = await target.fetchrow(
        f"SELECT count(*) AS n, count(DISTINCT id) AS ids, "
        f"count(DISTINCT (_kafka_partition, _kafka_offset)) AS places FROM {table}"
    )
    assert dict(counts) == {"n": EVENTS, "ids": EVENTS, "places": EVENTS}


async def _wait_load(target, table: str) -> None:  # type: ignore[no-untyped-def]
    """Until a load's INSERT into the table is under way (held by the trigger)."""
    for _ in range(600):
        busy = await target.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query ILIKE $1",
            f"INSERT INTO%{table}%",
        )
        if busy:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("no load of the stream began")
