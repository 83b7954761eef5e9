"""A Kafka topic as a target: every staged row becomes one JSON message (append only).

The producer is idempotent (``enable.idempotence``: the broker drops a retried send of the same
producer session), so a network retry inside one load never writes a message twice. A load
that is retried as a whole (the worker died mid-load) produces its rows again: Kafka as a
target is **at-least-once**, and consumers deduplicate on the key or on a column of the row.
The key of each message is the value of the sink's ``key`` column (as text), else no key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from connectors.base import TerminalError
from connectors.commit_point import CommitPoint, no_cancel
from connectors.duckdb.staging import DuckStaging
from connectors.duckdb.target import LoadOutcome
from connectors.kafka import brokers
from connectors.kafka.config import KafkaConfig
from connectors.kafka.errors import classify
from connectors.postgres.sql import Relation

BATCH_ROWS = 10_000
SINK_OPTIONS = ("topic", "key")


def topic_of(step_table: str, options: dict[str, Any]) -> str:
    return str(options.get("topic") or Relation.parse(step_table).name)


def load(
    staging: DuckStaging,
    step: Any,
    load_id: str,
    config: KafkaConfig,
    log: Callable[..., None],
    *,
    commit_point: CommitPoint = no_cancel,
) -> LoadOutcome:
    from confluent_kafka import Producer

    if step.mode != "append":
        raise TerminalError(
            f"a Kafka topic is appended to, not loaded in mode {step.mode!r}",
            error_type="UNSUPPORTED_TARGET",
        )
    options = dict(step.options or {})
    topic = topic_of(step.target_table, options)
    key_column = options.get("key")
    staged = Relation.parse(step.input_table)
    if key_column and key_column not in staging.schema_of(staged).names:
        raise TerminalError(
            f"key column {key_column!r} is not in the data loaded into topic {topic!r}",
            error_type="COLUMN_NOT_FOUND",
        )
    failures: list[Any] = []

    def delivered(error: Any, _message: Any) -> None:
        if error is not None:
            failures.append(error)

    producer = Producer(
        brokers.client_config(
            config, **{"enable.idempotence": True, "linger.ms": 20, "compression.type": "lz4"}
        )
    )
    # Nothing of a topic can be taken back once sent: the load commits from its first message.
    commit_point()
    rows = 0
    try:
        for batch in staging.batches(staged, BATCH_ROWS, ordered=True):
            for record in batch.to_pylist():
                key = record.get(key_column) if key_column else None
                value = json.dumps(record, default=_json_value, separators=(",", ":"))
                _produce(producer, topic, value, None if key is None else str(key), delivered)
                rows += 1
            producer.poll(0)
        remaining = producer.flush(config.timeout_s * 3)
    except TerminalError:
        raise
    except Exception as exc:
        raise classify(exc) from exc
    if failures:
        raise classify(failures[0])
    if remaining:
        raise classify(TimeoutError(f"{remaining} messages were not acknowledged in time"))
    log("produced", topic=topic, messages=rows, key=key_column)
    return LoadOutcome(rows)


def _produce(producer: Any, topic: str, value: str, key: str | None, on_delivery: Any) -> None:
    while True:
        try:
            producer.produce(topic, value=value, key=key, on_delivery=on_delivery)
            return
        except BufferError:  # the local queue is full: let deliveries drain it
            producer.poll(0.1)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)
