"""A stream source's position: the last offset loaded of every partition, kept by the target.

A stream source (Kafka) stages each message with its topic, partition and offset in the columns
below. A load commits the new position in the same transaction as the rows (or, for ClickHouse,
the position *is* the rows: the largest offset per partition in the target table), so a retried
or restarted batch reads on from exactly where the last committed one ended. The position is
kept as JSON text, ``{"topic/partition": last_offset}``, where incremental sources keep their
high-water mark.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from connectors.base import TerminalError

TOPIC = "_kafka_topic"
PARTITION = "_kafka_partition"
OFFSET = "_kafka_offset"
KEY = "_kafka_key"
TIMESTAMP = "_kafka_timestamp"
COLUMNS = (TOPIC, PARTITION, OFFSET, KEY, TIMESTAMP)

Marks = dict[str, int]  # "topic/partition" -> the last offset loaded


def partition_key(topic: str, partition: int) -> str:
    return f"{topic}/{partition}"


def split_key(key: str) -> tuple[str, int]:
    topic, _, partition = key.rpartition("/")
    return topic, int(partition)


def parse(text: str | None) -> Marks:
    """The stored position; empty when none is stored yet."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise TerminalError(
            "the stored stream position is not a position of partitions: was the source "
            "changed from a table to a topic? Reset it with a full refresh",
            error_type="INVALID_STATE",
        )
    return {str(k): int(v) for k, v in value.items()}


def dump(marks: Marks) -> str:
    return json.dumps(dict(sorted(marks.items())), separators=(",", ":"))


def ranges_sql(table_sql: str) -> str:
    """Per partition of a staged (or loaded) table: topic, partition, first and last offset.
    The same SQL reads in PostgreSQL, DuckDB and ClickHouse."""
    return (
        f"SELECT {TOPIC}, {PARTITION}, min({OFFSET}), max({OFFSET}) FROM {table_sql} "
        f"GROUP BY {TOPIC}, {PARTITION}"
    )


def advance(old: Marks, ranges: Iterable[tuple[Any, Any, Any, Any]], source: str) -> Marks:
    """The position after loading rows with these per-partition offset ranges.

    A range that starts at or below the stored position was loaded already (by a run of the
    same pipeline that ran alongside): the load stops rather than load it twice.
    """
    new = dict(old)
    for topic, partition, first, last in ranges:
        key = partition_key(str(topic), int(partition))
        if key in old and int(first) <= old[key]:
            raise TerminalError(
                f"stream source {source!r}: offsets {first}..{last} of {key} overlap what the "
                f"target already holds (up to {old[key]}); another run of this pipeline loaded "
                "them, so this batch is not loaded again",
                error_type="OFFSETS_ALREADY_LOADED",
            )
        new[key] = max(int(last), new.get(key, -1))
    return new
