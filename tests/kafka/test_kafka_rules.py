"""The Kafka connector's rules: decoding, positions, definitions, connection test and topics."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from connectors import offsets
from connectors.base import TerminalError
from connectors.kafka.decode import to_batch, unify
from domain.definition import PipelineDefinition
from domain.streams import stream_problems
from tests.kafka.broker import create_kafka_connection
from tests.pipelines import create_connection, unique_name


@dataclass(frozen=True)
class Message:
    """A consumed message as confluent-kafka hands it over (its methods)."""

    offset_: int
    value_: bytes | None

    def topic(self) -> str:
        return "t"

    def partition(self) -> int:
        return self.offset_ % 2

    def offset(self) -> int:
        return self.offset_

    def key(self) -> bytes | None:
        return b"k" if self.offset_ else None

    def timestamp(self) -> tuple[int, int]:
        return (1, 1_700_000_000_000)

    def value(self) -> bytes | None:
        return self.value_


def _messages(*values: object) -> list[Message]:
    return [Message(i, _raw(v)) for i, v in enumerate(values)]


def _raw(value: object) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return json.dumps(value).encode()


def test_every_field_becomes_a_column_and_odd_values_are_kept_as_text():
    batch = to_batch(
        _messages(
            {"id": 1, "n": 1},
            {"id": 2, "n": 2.5, "nested": {"a": [1, 2]}},
            {"id": 3, "flag": True, "n": None},
            {"id": "four", "_kafka_offset": 99},  # a field named like a metadata column
            b"not json",
            [1, 2],
            None,
        )
    )
    rows = batch.to_pylist()
    assert batch.schema.names == [
        *offsets.COLUMNS,
        "id",
        "n",
        "nested",
        "flag",
        "value",
    ]
    assert [r["id"] for r in rows] == ["1", "2", "3", "four", None, None, None]  # mixed: text
    assert [r["n"] for r in rows[:3]] == [1.0, 2.5, None]
    assert rows[1]["nested"] == '{"a": [1, 2]}'
    assert [r["value"] for r in rows[4:]] == ["not json", "[1, 2]", None]
    assert [r["_kafka_offset"] for r in rows] == list(range(7))
    assert rows[0]["_kafka_key"] is None and rows[1]["_kafka_key"] == "k"


def test_objects_alone_decode_as_they_would_one_by_one():
    objects = [{"id": 1, "n": 1}, {"id": 2, "n": 2.5, "tags": ["a"], "deep": {"x": {"y": 1}}}]
    fast = to_batch(_messages(*objects)).to_pylist()
    slow = to_batch(_messages(*objects, b"not json")).to_pylist()[:2]
    assert fast == [{**row, "value": None} for row in slow] or fast == [
        {k: v for k, v in row.items() if k != "value"} for row in slow
    ]
    assert fast[1]["tags"] == '["a"]' and fast[1]["deep"] == '{"x": {"y": 1}}'
    assert [r["n"] for r in fast] == [1.0, 2.5]


def test_batches_with_different_fields_unify_without_dropping_any():
    early = to_batch(_messages({"id": 1, "a": None}))
    late = to_batch(_messages({"id": 2.5, "b": "x", "a": None}))
    schema, (first, second) = unify([early, late])
    assert schema.names == [*offsets.COLUMNS, "id", "b"]  # "a" never had a value: no column yet
    assert first.to_pylist()[0]["b"] is None
    assert [first.column(5)[0].as_py(), second.column(5)[0].as_py()] == [1.0, 2.5]


def test_a_position_moves_past_loaded_offsets_and_refuses_a_second_load():
    old = offsets.parse('{"t/0": 9}')
    new = offsets.advance(old, [("t", 0, 10, 19), ("t", 1, 0, 4)], "events")
    assert new == {"t/0": 19, "t/1": 4}
    assert offsets.parse(offsets.dump(new)) == new
    with pytest.raises(TerminalError, match="overlap"):
        offsets.advance(new, [("t", 0, 15, 25)], "events")
    with pytest.raises(TerminalError, match="position"):
        offsets.parse("2024-01-01")


def _definition(**changes: object) -> PipelineDefinition:
    body: dict = {
        "sources": {"events": {"connection": "k", "options": {"topic": "events"}}},
        "sinks": {"wh": {"connection": "pg", "table": "events"}},
        "orchestration": {"mode": "continuous"},
    }
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = body
        for key in parents:
            node = node[key]
        node[leaf] = value
    return PipelineDefinition.model_validate(body)


@pytest.mark.parametrize(
    ("changes", "types", "says"),
    [
        ({}, {"k": "kafka", "pg": "postgresql"}, None),
        ({"sinks__wh__mode": "replace"}, {"k": "kafka", "pg": "postgresql"}, "appends or merges"),
        ({}, {"k": "kafka", "pg": "kafka"}, "cannot feed a Kafka sink"),
        ({}, {"k": "postgresql", "pg": "postgresql"}, "takes no options"),
        (
            {"sources__events": {"connection": "k", "table": "events"}},
            {"k": "postgresql", "pg": "postgresql"},
            "needs a Kafka source",
        ),
        (
            {"sinks__again": {"connection": "pg", "table": "copy", "from": "events"}},
            {"k": "kafka", "pg": "postgresql"},
            "exactly one sink",
        ),
    ],
)
def test_stream_rules(changes: dict, types: dict, says: str | None):
    problems = stream_problems(_definition(**changes), types)
    if says is None:
        assert problems == []
    else:
        assert any(says in text for _, text in problems), problems


async def test_connection_test_topics_and_a_refused_definition(api, kafka, target_db):
    topic = kafka.topic(partitions=3)
    conn = await create_kafka_connection(api, kafka, unique_name("kafka"))
    tested = (await api.post(f"/v1/pipelines/connections/{conn}/test")).json()
    assert tested["connected"] is True, tested
    assert "Kafka cluster" in tested["version"]
    tables = (await api.get(f"/v1/pipelines/connections/{conn}/tables")).json()["tables"]
    listed = {t["name"]: t for t in tables}
    assert listed[topic]["partitions"] == 3
    assert [c["name"] for c in listed[topic]["columns"]] == list(offsets.COLUMNS)

    dst = await create_connection(api, target_db, unique_name("pg"))
    response = await api.post(
        "/v1/pipelines",
        json={
            "name": unique_name("refused"),
            "definition": {
                "sources": {"events": {"connection": conn, "options": {"topic": topic}}},
                "sinks": {"wh": {"connection": dst, "table": "events", "mode": "replace"}},
            },
        },
    )
    assert response.status_code == 422, response.text
    assert "appends or merges" in response.text
