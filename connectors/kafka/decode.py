"""Kafka messages into Arrow: JSON values become columns, the message's place becomes columns.

Schema inference never drops a field: the columns of a batch are every field any of its
messages has, in the order they were first seen; a field that first appears in a later batch is
a new column then, and the load adds it to the target (as for tables). A field's type is what
Arrow infers over its values (integers, floats, booleans, strings); a nested object or list is
kept as its JSON text; values of mixed kinds in one batch fall back to their JSON text. A value
that is not a JSON object is kept whole in ``value``. Topic, partition, offset, key and
timestamp are the ``_kafka_*`` columns (``connectors.offsets``); they win over a field of the
same name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from connectors import offsets

VALUE = "value"

META_SCHEMA = pa.schema(
    [  # type: ignore[arg-type]  # pyarrow-stubs: pa.field with nullable= is a Field
        pa.field(offsets.TOPIC, pa.string(), nullable=False),
        pa.field(offsets.PARTITION, pa.int32(), nullable=False),
        pa.field(offsets.OFFSET, pa.int64(), nullable=False),
        pa.field(offsets.KEY, pa.string()),
        pa.field(offsets.TIMESTAMP, pa.timestamp("ms", tz="UTC")),
    ]
)


@dataclass(frozen=True)
class Message:
    """What the decoder reads of a consumed message (plain values: no client objects)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    timestamp_ms: int | None
    value: bytes | None


def to_batch(messages: Sequence[Message]) -> pa.RecordBatch:
    """One record batch of the messages: the metadata columns, then every JSON field."""
    meta = [
        pa.array([m.topic for m in messages], pa.string()),
        pa.array([m.partition for m in messages], pa.int32()),
        pa.array([m.offset for m in messages], pa.int64()),
        pa.array([_text(m.key) for m in messages], pa.string()),
        pa.array([m.timestamp_ms for m in messages], pa.timestamp("ms", tz="UTC")),
    ]
    columns: dict[str, list[Any]] = {}
    for row, message in enumerate(messages):
        for name, value in _fields(message.value).items():
            if name in offsets.COLUMNS:
                continue
            column = columns.get(name)
            if column is None:
                column = columns[name] = [None] * row
            column.append(value)
        for column in columns.values():
            if len(column) <= row:
                column.append(None)
    arrays = [*meta, *(_array(values) for values in columns.values())]
    names = [*META_SCHEMA.names, *columns]
    return pa.RecordBatch.from_arrays(arrays, names=names)  # type: ignore[arg-type]


def _fields(value: bytes | None) -> dict[str, Any]:
    if value is None:
        return {}
    try:
        decoded = json.loads(value)
    except ValueError:
        return {VALUE: _text(value)}
    if isinstance(decoded, dict):
        return decoded
    return {VALUE: decoded if not isinstance(decoded, list) else json.dumps(decoded)}


def _array(values: list[Any]) -> pa.Array:
    if any(isinstance(v, dict | list) for v in values):
        return _as_json(values)
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return _as_json(values)


def _as_json(values: list[Any]) -> pa.Array:
    return pa.array(
        [None if v is None else v if isinstance(v, str) else json.dumps(v) for v in values],
        pa.string(),
    )


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8", errors="replace")


def unify(batches: list[pa.RecordBatch]) -> tuple[pa.Schema, list[pa.RecordBatch]]:
    """One schema over batches whose fields differ (every field kept, in first-seen order), and
    the batches conformed to it: a missing column is NULLs, a type that differs is widened
    (integers to floats) or else is text."""
    types: dict[str, pa.DataType] = {}
    for batch in batches:
        for field in batch.schema:
            seen = types.get(field.name)
            types[field.name] = field.type if seen is None else _wider(seen, field.type)
    # A field with no value in any message of the batch adds nothing: it becomes a column once
    # a value comes (a NULL-typed column would take no later type).
    schema = pa.schema([pa.field(n, t) for n, t in types.items() if not pa.types.is_null(t)])
    return schema, [_conform(b, schema) for b in batches]


def _wider(a: pa.DataType, b: pa.DataType) -> pa.DataType:
    if a.equals(b) or pa.types.is_null(b):
        return a
    if pa.types.is_null(a):
        return b
    numeric = (pa.types.is_integer, pa.types.is_floating)
    if any(t(a) for t in numeric) and any(t(b) for t in numeric):
        return pa.float64() if pa.types.is_floating(a) or pa.types.is_floating(b) else pa.int64()
    return pa.string()


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    arrays = []
    for field in schema:
        index = batch.schema.get_field_index(field.name)
        if index < 0:
            arrays.append(pa.nulls(batch.num_rows, field.type))
            continue
        array = batch.column(index)
        if not array.type.equals(field.type):
            if pa.types.is_string(field.type) and not pa.types.is_null(array.type):
                array = _as_json(array.to_pylist())
            else:
                array = array.cast(field.type)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
