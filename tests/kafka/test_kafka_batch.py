"""A Kafka topic loaded by batch runs (each run reads on from the position the target keeps), and
a table produced into a topic."""

from __future__ import annotations

import json

from tests.kafka.broker import create_kafka_connection, events, stream_definition
from tests.pipelines import (
    create_connection,
    create_pipeline,
    fill_mixed_table,
    run_to_end,
    unique_name,
)


async def test_runs_read_on_and_late_fields_become_columns(api, kafka, target, target_db):
    topic = kafka.topic(partitions=3)
    kafka.produce(topic, events(0, 3000))
    conn = await create_kafka_connection(api, kafka, unique_name("kafka"))
    dst = await create_connection(api, target_db, unique_name("pg"))
    table = unique_name("events")
    pipeline = await create_pipeline(
        api,
        unique_name("stream"),
        stream_definition(conn, topic, {"connection": dst, "table": table, "mode": "append"}),
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    assert await target.fetchval(f"SELECT count(*) FROM {table}") == 3000

    # Later events carry fields never seen before: they become columns, nothing is dropped.
    kafka.produce(topic, events(3000, 600, country="NL", tags=["a", "b"]))
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    rows = await target.fetch(
        f"SELECT count(*) AS n, count(DISTINCT (_kafka_partition, _kafka_offset)) AS d, "
        f"count(country) AS c, count(tags) AS t FROM {table}"
    )
    assert dict(rows[0]) == {"n": 3600, "d": 3600, "c": 600, "t": 600}
    assert await target.fetchval(f"SELECT count(DISTINCT id) FROM {table}") == 3600
    assert await target.fetchval(f"SELECT tags FROM {table} WHERE id = 3001") == '["a", "b"]'

    # A field that changes kind (whole numbers, then a fraction and a word): the column turns
    # text, and every value keeps its text.
    kafka.produce(topic, [{"id": 3600, "amount": 2.5}, {"id": 3601, "amount": "n/a"}])
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    amounts = await target.fetch(f"SELECT amount FROM {table} WHERE id >= 3599 ORDER BY id")
    assert [r["amount"] for r in amounts] == ["99", "2.5", "n/a"]

    # Nothing new: a run loads nothing and the position stays.
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    assert await target.fetchval(f"SELECT count(*) FROM {table}") == 3602


async def test_a_table_produced_into_a_topic_keyed_by_a_column(api, kafka, source, source_db):
    table = unique_name("orders")
    await fill_mixed_table(source, table, 500)
    src = await create_connection(api, source_db, unique_name("pg"))
    conn = await create_kafka_connection(api, kafka, unique_name("kafka"))
    topic = kafka.topic(partitions=2)
    pipeline = await create_pipeline(
        api,
        unique_name("to-kafka"),
        {
            "sources": {"orders": {"connection": src, "table": table}},
            "sinks": {
                "out": {
                    "connection": conn,
                    "table": "orders_out",
                    "options": {"topic": topic, "key": "id"},
                }
            },
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    messages = kafka.read_all(topic, partitions=2)
    assert len(messages) == 500
    values = [json.loads(value) for _, value in messages]
    assert sorted(int(key or b"") for key, _ in messages) == sorted(v["id"] for v in values)
    assert {"id", "created_at", "amount", "note"} <= set(values[0])
