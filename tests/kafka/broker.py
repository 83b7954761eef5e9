"""Test helpers around a Kafka broker: topics, a producer of JSON events, and the connection
and pipeline bodies the API takes."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Broker:
    host: str
    port: int

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def topic(self, partitions: int = 3) -> str:
        """A new topic of its own for one test."""
        from confluent_kafka.admin import AdminClient, NewTopic

        name = f"events-{uuid.uuid4().hex[:8]}"
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        for future in admin.create_topics([NewTopic(name, partitions, 1)]).values():
            future.result(timeout=20)
        return name

    def produce(self, topic: str, events: Iterable[dict[str, Any]], partitions: int = 3) -> int:
        """JSON events, keyed by their ``id``, spread over the partitions in turn."""
        from confluent_kafka import Producer

        producer = Producer(
            {"bootstrap.servers": self.bootstrap, "enable.idempotence": True, "linger.ms": 5}
        )
        count = 0
        for event in events:
            producer.produce(
                topic,
                json.dumps(event).encode(),
                key=str(event.get("id", count)).encode(),
                partition=count % partitions,
            )
            count += 1
            if count % 10_000 == 0:
                producer.poll(0)
        assert producer.flush(30) == 0
        return count

    def read_all(self, topic: str, partitions: int) -> list[tuple[bytes | None, bytes]]:
        """Every message of the topic (key, value), read by explicit assignment."""
        from confluent_kafka import Consumer, KafkaError, TopicPartition

        consumer = Consumer(
            {"bootstrap.servers": self.bootstrap, "group.id": "t", "enable.partition.eof": True}
        )
        consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        messages, ended = [], set()
        try:
            while len(ended) < partitions:
                for m in consumer.consume(1000, timeout=5):
                    if m.error() is None:
                        messages.append((m.key(), m.value()))
                    elif m.error().code() == KafkaError._PARTITION_EOF:
                        ended.add(m.partition())
        finally:
            consumer.close()
        return messages


def events(start: int, count: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {"id": i, "kind": "click", "amount": i % 100, **extra} for i in range(start, start + count)
    ]


async def create_kafka_connection(api: httpx.AsyncClient, broker: Broker, name: str) -> str:
    body = {"name": name, "type": "kafka", "host": broker.host, "port": broker.port}
    response = await api.post("/v1/pipelines/connections", json=body)
    assert response.status_code == 201, response.text
    return response.json()["connectionId"]


def stream_definition(
    kafka_connection: str,
    topic: str,
    sink: dict[str, Any],
    *,
    continuous: bool = False,
    batch_messages: int = 50_000,
) -> dict[str, Any]:
    return {
        "sources": {
            "events": {
                "connection": kafka_connection,
                "options": {"topic": topic, "consumer_group": "analytics"},
            }
        },
        "sinks": {"wh": sink},
        "orchestration": {
            "mode": "continuous" if continuous else "batch",
            "retries": 5,
            "stream": {"batch_messages": batch_messages, "batch_seconds": 3, "idle_seconds": 0.3},
        },
    }


async def caught_up(
    api: httpx.AsyncClient, execution: str, messages: int, within: float = 180
) -> dict[str, Any]:
    """Wait until a continuous run has loaded ``messages`` in all and lags by none; its stream."""
    deadline = time.monotonic() + within
    stream: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = (await api.get(f"/v1/pipelines/executions/{execution}")).json()
        assert body["status"] in ("QUEUED", "RUNNING"), body
        stream = body.get("stream") or {}
        if stream.get("messagesLoaded") == messages and stream.get("totalLag") == 0:
            return stream
        await asyncio.sleep(0.1)
    raise TimeoutError(f"the stream never caught up with {messages} messages: {stream}")
