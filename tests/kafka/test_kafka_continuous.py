"""A continuous pipeline keeps up with a producer, and a cancel and a restart (or a pause and a
resume) lose and repeat nothing."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx

from tests.kafka.broker import (
    Broker,
    caught_up,
    create_kafka_connection,
    events,
    stream_definition,
)
from tests.pipelines import (
    create_connection,
    create_pipeline,
    execute,
    unique_name,
    wait_finished,
)

PRODUCE_SECONDS = 30


class Producer(threading.Thread):
    """Writes JSON events in small bursts for ``seconds``; ``produced`` counts them."""

    def __init__(self, broker: Broker, topic: str, seconds: float) -> None:
        super().__init__(daemon=True)
        self.broker, self.topic, self.seconds = broker, topic, seconds
        self.produced = 0
        self.stop = threading.Event()

    def run(self) -> None:
        ends = time.monotonic() + self.seconds
        while time.monotonic() < ends and not self.stop.is_set():
            self.produced += self.broker.produce(self.topic, events(self.produced, 500))
            time.sleep(0.05)


async def _stream(api: httpx.AsyncClient, execution: str) -> dict:
    body = (await api.get(f"/v1/pipelines/executions/{execution}")).json()
    return body.get("stream") or {}


async def test_keeps_up_and_a_restart_reads_on(api, kafka, target, target_db):
    topic = kafka.topic(partitions=3)
    conn = await create_kafka_connection(api, kafka, unique_name("kafka"))
    dst = await create_connection(api, target_db, unique_name("pg"))
    table = unique_name("live")
    pipeline = await create_pipeline(
        api,
        unique_name("live"),
        stream_definition(
            conn,
            topic,
            {"connection": dst, "table": table, "mode": "append"},
            continuous=True,
            batch_messages=5_000,
        ),
    )
    producer = Producer(kafka, topic, PRODUCE_SECONDS)
    producer.start()
    try:
        first = await execute(api, pipeline)
        await asyncio.sleep(PRODUCE_SECONDS / 3)

        # Cancelled while the producer writes on: it stops after its current micro-batch.
        response = await api.post(f"/v1/pipelines/executions/{first}/cancel")
        assert response.status_code in (200, 202), response.text
        cancelled = await wait_finished(api, first, within=60)
        assert cancelled["status"] == "CANCELLED", cancelled
        loaded = await target.fetchval(f"SELECT count(*) FROM {table}")
        assert 0 < loaded < producer.produced + 500

        # Started again: it reads on from the position the target holds.
        second = await execute(api, pipeline)
        await asyncio.sleep(1)
        paused = await api.post(f"/v1/pipelines/executions/{second}/pause")
        assert paused.status_code == 202 and paused.json()["paused"] is True, paused.text
        # A batch under way when the pause came ends; none starts after it.
        for _ in range(300):
            body = (await api.get(f"/v1/pipelines/executions/{second}")).json()
            if (body.get("stream") or {}).get("paused") and not body["progress"]["currentTask"]:
                break
            await asyncio.sleep(0.05)
        paused_at = await target.fetchval(f"SELECT count(*) FROM {table}")
        await asyncio.sleep(2)
        assert await target.fetchval(f"SELECT count(*) FROM {table}") == paused_at
        resumed = await api.post(f"/v1/pipelines/executions/{second}/resume")
        assert resumed.status_code == 202 and resumed.json()["paused"] is False, resumed.text

        producer.join()
        stream = await caught_up(api, second, producer.produced - loaded)
        assert stream["committedOffsets"] and stream["messagesPerSecond"] > 0
        assert sum(stream["committedOffsets"].values()) == producer.produced
        assert await api.post(f"/v1/pipelines/executions/{second}/cancel")
        assert (await wait_finished(api, second, within=60))["status"] == "CANCELLED"
    finally:
        producer.stop.set()

    counts = await target.fetchrow(
        f"SELECT count(*) AS n, count(DISTINCT id) AS ids, "
        f"count(DISTINCT (_kafka_partition, _kafka_offset)) AS places FROM {table}"
    )
    assert dict(counts) == {
        "n": producer.produced,
        "ids": producer.produced,
        "places": producer.produced,
    }
