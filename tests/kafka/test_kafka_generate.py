"""The AI-ETL pipelines API's streaming example ("Stream real-time events from Kafka to
ClickHouse", /work/shared/seeds/000_*.txt) generates a continuous pipeline that loads each
event once into ClickHouse (run here in chDB)."""

from __future__ import annotations

import pytest

from connectors.clickhouse import target as ch_target
from tests.kafka.broker import caught_up, create_kafka_connection, events
from tests.pipelines import execute, unique_name, wait_finished
from tests.sources import register

chdb_session = pytest.importorskip("chdb.session")

EVENTS = 2_000


@pytest.fixture
def chdb(tmp_path, monkeypatch):
    from tests.connectors.test_clickhouse import ChdbExecutor

    session = chdb_session.Session(str(tmp_path / "chdb"))
    executor = ChdbExecutor(session)
    monkeypatch.setattr(ch_target, "executor_for", lambda config: executor)
    yield executor
    session.close()


async def test_streaming_request_runs_continuously_into_clickhouse(api, kafka, chdb):
    topic = kafka.topic(partitions=3)
    kafka.produce(topic, events(0, EVENTS // 2))
    kafka_conn = await create_kafka_connection(api, kafka, unique_name("kafka"))
    ch_conn = unique_name("ch")
    await register(
        api,
        {"name": ch_conn, "type": "clickhouse", "host": "127.0.0.1", "port": 8123,
         "database": "realtime", "username": "default"},
    )  # fmt: skip
    answer = await api.post(
        "/api/v1/pipelines/generate",
        json={
            "project_id": "550e8400-e29b-41d4-a716-446655440000",
            "intent": "Stream real-time events from Kafka to ClickHouse",
            "sources": [
                {
                    "type": "kafka",
                    "connection_id": kafka_conn,
                    "options": {"topic": topic, "consumer_group": "analytics"},
                }
            ],
            "targets": [
                {
                    "type": "clickhouse",
                    "database": "realtime",
                    "table": "events",
                    "connection_id": ch_conn,
                }
            ],
            "constraints": {"load": "append", "deduplicate": True},
        },
    )
    assert answer.status_code == 200, answer.text
    generated = answer.json()
    definition = generated["configuration"]["definition"]
    assert definition["orchestration"]["mode"] == "continuous"
    (source,) = definition["sources"].values()
    assert source["options"] == {"topic": topic, "consumer_group": "analytics"}
    assert definition["transformations"] == []

    execution = await execute(api, generated["pipeline_id"])
    kafka.produce(topic, events(EVENTS // 2, EVENTS // 2, country="NL"))
    await caught_up(api, execution, EVENTS)
    await api.post(f"/v1/pipelines/executions/{execution}/cancel")
    assert (await wait_finished(api, execution, within=60))["status"] == "CANCELLED"
    counts = chdb.rows(
        "SELECT count(), uniqExact(id), uniqExact(_kafka_partition, _kafka_offset), "
        "countIf(country = 'NL') FROM realtime.events"
    )
    assert counts == [(EVENTS, EVENTS, EVENTS, EVENTS // 2)]
