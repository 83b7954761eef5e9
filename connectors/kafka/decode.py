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
from typing import Any, Protocol

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


class Message(Protocol):
    """What the decoder reads of a consumed message: confluent-kafka's ``Message`` methods."""

    def topic(self) -> str | None: ...
    def partition(self) -> int | None: ...
    def offset(self) -> int | None: ...
    def key(self) -> str | bytes | None: ...
    def timestamp(self) -> tuple[int, int]: ...  # (kind, ms); kind 0: none
    def value(self) -> str | bytes | None: ...


def to_batch(messages: Sequence[Message]) -> pa.RecordBatch:
    """One record batch of the messages: the metadata columns, then every JSON field."""
    stamps = [m.timestamp() for m in messages]
    keys = [m.key() for m in messages]
    meta: list[Any] = [
        pa.array([m.topic() for m in messages], pa.string()),
        pa.array([m.partition() for m in messages], pa.int32()),
        pa.array([m.offset() for m in messages], pa.int64()),
        pa.array(keys, pa.string()) if _all_text(keys) else _texts(keys),
        pa.array([ms if kind else None for kind, ms in stamps], pa.timestamp("ms", tz="UTC")),
    ]
    values: list[Any] = [m.value() for m in messages]
    fields = _objects(values) or _one_by_one(values)
    names = [*META_SCHEMA.names, *fields]
    return pa.RecordBatch.from_arrays([*meta, *fields.values()], names=names)


def _objects(values: list[bytes | None]) -> dict[str, pa.Array] | None:
    """The fast way, when every value is a JSON object whose fields keep one kind each: one
    parse of them all and one Arrow conversion (in C). None: take the slow way."""
    if not values or any(v is None for v in values):
        return None
    try:
        rows = json.loads(b"[" + b",".join(values) + b"]")  # type: ignore[arg-type]
        if not all(isinstance(r, dict) for r in rows):
            return None
        records = pa.array(rows)
    except (ValueError, TypeError, pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None
    if not pa.types.is_struct(records.type):
        return None
    columns: dict[str, pa.Array] = {}
    for index, field in enumerate(records.type):
        if field.name in offsets.COLUMNS:
            continue
        if pa.types.is_nested(field.type):  # objects and lists: their JSON text
            columns[field.name] = _as_json([r.get(field.name) for r in rows])
        else:
            columns[field.name] = records.field(index)
    return columns


def _one_by_one(values: list[bytes | None]) -> dict[str, pa.Array]:
    """Each value on its own: invalid JSON, values that are not objects, mixed kinds."""
    columns: dict[str, list[Any]] = {}
    for row, value in enumerate(values):
        for name, field in _fields(value).items():
            if name in offsets.COLUMNS:
                continue
            column = columns.get(name)
            if column is None:
                column = columns[name] = [None] * row
            column.append(field)
        for column in columns.values():
            if len(column) <= row:
                column.append(None)
    return {name: _array(column) for name, column in columns.items()}


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


def _text(raw: str | bytes | None) -> str | None:
    if raw is None or isinstance(raw, str):
        return raw
    return raw.decode("utf-8", errors="replace")


def _all_text(keys: list[Any]) -> bool:
    """Keys Arrow takes as UTF-8 as they are (bytes it validates; invalid ones fail)."""
    return all(k is None or isinstance(k, str) for k in keys)


def _texts(keys: list[Any]) -> pa.Array:
    try:
        return pa.array(keys, pa.binary()).cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([_text(k) for k in keys], pa.string())


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
