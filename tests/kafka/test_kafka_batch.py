"""A Kafka topic loaded by batch runs: each run reads on from the position the target keeps."""

from __future__ import annotations

from tests.kafka.broker import create_kafka_connection, events, stream_definition
from tests.pipelines import create_connection, create_pipeline, run_to_end, unique_name


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

    # Nothing new: a run loads nothing and the position stays.
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    assert await target.fetchval(f"SELECT count(*) FROM {table}") == 3600
