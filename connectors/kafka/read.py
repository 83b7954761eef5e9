"""Read a micro-batch: from the stored position on, every partition assigned explicitly.

No consumer group is joined and nothing is committed to the broker: the position lives in the
target, committed with the rows (``connectors.offsets``), so the broker's group state can never
disagree with what was loaded. A read stops when every partition is at its end, when
``max_messages`` were read, or after ``max_seconds``; what it read of each partition is a
contiguous run of offsets from the stored position, which is what makes the next read exact.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from connectors import offsets
from connectors.base import Progress, TerminalError
from connectors.kafka import brokers
from connectors.kafka.config import KafkaConfig
from connectors.kafka.decode import META_SCHEMA, to_batch, unify
from connectors.kafka.errors import classify

POLL_MESSAGES = 10_000  # messages taken from librdkafka per call
BATCH_ROWS = 50_000  # messages per Arrow record batch


@dataclass(frozen=True)
class ReadSpec:
    """What an extract of a Kafka source reads (the extract step's ``query``, as JSON)."""

    topics: list[str]
    start: str = "earliest"  # where a partition with no stored position begins: earliest | latest
    max_messages: int = 50_000
    max_seconds: float = 5.0
    commit_group: str | None = None  # opt-in: also commit the position to this consumer group

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ReadSpec:
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError) as exc:
            raise TerminalError(
                "the extract of a Kafka source is not a read of topics", error_type="INVALID_PLAN"
            ) from exc


@dataclass
class ReadOutcome:
    """What a read saw: the next offset to read and the partition's end, per partition."""

    next: dict[str, int] = field(default_factory=dict)
    high: dict[str, int] = field(default_factory=dict)

    @property
    def lag(self) -> dict[str, int]:
        return {k: max(0, self.high.get(k, v) - v) for k, v in self.next.items()}

    def detail(self, messages: int) -> str:
        return json.dumps(
            {"messages": messages, "next": self.next, "high": self.high, "lag": self.lag},
            sort_keys=True,
        )


def read(
    config: KafkaConfig,
    spec: ReadSpec,
    marks: offsets.Marks,
    progress: Progress,
    stop: threading.Event | None = None,
) -> tuple[pa.Schema, list[pa.RecordBatch], ReadOutcome]:
    """Every message past ``marks`` (up to the spec's limits) as batches of one schema."""
    from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaError, TopicPartition

    consumer = Consumer(
        brokers.client_config(
            config,
            **{
                "group.id": "ductwork-unused",  # required by the client; never joined
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "enable.partition.eof": True,
                "auto.offset.reset": "earliest" if spec.start == "earliest" else "latest",
                "fetch.max.bytes": 64 * 1024 * 1024,
            },
        )
    )
    outcome = ReadOutcome()
    batches: list[pa.RecordBatch] = []
    try:
        metadata = consumer.list_topics(timeout=config.timeout_s)
        config.check_brokers(_brokers(metadata))
        assignment = []
        for topic in spec.topics:
            described = metadata.topics.get(topic)
            if described is None or described.error is not None or not described.partitions:
                raise TerminalError(
                    f"topic {topic!r} does not exist on the cluster", error_type="TABLE_NOT_FOUND"
                )
            for partition in sorted(described.partitions):
                key = offsets.partition_key(topic, partition)
                if key in marks:
                    start = marks[key] + 1
                    outcome.next[key] = start
                else:
                    start = OFFSET_BEGINNING if spec.start == "earliest" else OFFSET_END
                assignment.append(TopicPartition(topic, partition, start))
        consumer.assign(assignment)
        pending = {(tp.topic, tp.partition) for tp in assignment}
        buffer: list[Any] = []  # the client's messages: decoded a batch at a time
        read_count = 0
        deadline = time.monotonic() + spec.max_seconds
        while pending and read_count < spec.max_messages and time.monotonic() < deadline:
            if stop is not None and stop.is_set():
                raise InterruptedError("the extract was stopped")
            wanted = min(POLL_MESSAGES, spec.max_messages - read_count)
            received: list[Any] = consumer.consume(wanted, timeout=0.2)
            for message in received:
                error = message.error()
                if error is None:
                    buffer.append(message)
                    read_count += 1
                    continue
                if error.code() != KafkaError._PARTITION_EOF:
                    raise classify(error)
                pending.discard((message.topic(), message.partition()))
                key = offsets.partition_key(message.topic(), message.partition())
                outcome.next.setdefault(key, message.offset())
            if len(buffer) >= BATCH_ROWS or (buffer and not received):
                batches.append(_decoded(buffer, outcome, progress))
                buffer = []
        if buffer:
            batches.append(_decoded(buffer, outcome, progress))
        for tp in assignment:
            key = offsets.partition_key(tp.topic, tp.partition)
            low, high = consumer.get_watermark_offsets(tp, cached=True)
            if high is not None and high >= 0:
                outcome.high[key] = high
                outcome.next.setdefault(key, low if key in pending else high)
    except TerminalError:
        raise
    except Exception as exc:
        raise classify(exc) from exc
    finally:
        consumer.close()
    if not batches:
        return META_SCHEMA, [], outcome
    schema, conformed = unify(batches)
    return schema, conformed, outcome


def _decoded(messages: list[Any], outcome: ReadOutcome, progress: Progress) -> pa.RecordBatch:
    """A record batch of the messages; each partition's next offset moves past them (the
    messages of one partition arrive in offset order)."""
    last: dict[tuple[str, int], int] = {}
    for message in messages:
        last[(message.topic(), message.partition())] = message.offset()
    for (topic, partition), offset in last.items():
        outcome.next[offsets.partition_key(topic, partition)] = offset + 1
    batch = to_batch(messages)
    progress.rows += batch.num_rows
    progress.bytes += batch.nbytes
    return batch


def commit_to_group(config: KafkaConfig, group: str, marks: offsets.Marks) -> str | None:
    """Commit the target's position to a consumer group, for monitoring tools that read lag
    from the broker; the problem, if it failed (it never decides what is read)."""
    from confluent_kafka import Consumer, TopicPartition

    settings = {"group.id": group, "enable.auto.commit": False}
    try:
        consumer = Consumer(brokers.client_config(config, **settings))
    except Exception as exc:  # a broker the policy denies, or none that answers
        return classify(exc).message
    try:
        positions = [
            TopicPartition(*offsets.split_key(key), last + 1) for key, last in marks.items()
        ]
        consumer.commit(offsets=positions, asynchronous=False)
    except Exception as exc:
        return classify(exc).message
    finally:
        consumer.close()
    return None


def _brokers(metadata: Any) -> list[tuple[str, int]]:
    return [(b.host, int(b.port)) for b in metadata.brokers.values()]
