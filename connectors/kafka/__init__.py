"""Kafka: topics as a stream source (exactly-once into transactional targets) and as a target.

Client: confluent-kafka (librdkafka). It assigns partitions explicitly at offsets we choose,
which is how a read resumes from the position committed in the target with the rows (no
consumer group, no broker-side commit to disagree with the target); it produces idempotently;
and it is the reference client of the protocol, fast in C, with TLS and SASL (PLAIN, SCRAM)
built in. aiokafka would fit the event loop but is slower and its idempotent producer and
explicit assignment are thinner. Calls are blocking and run in worker threads.

A source's ``topic`` (or ``topics``) is read from the position its target keeps
(``connectors.offsets``); a sink's ``topic`` receives each row as a JSON message.
"""

from __future__ import annotations

import asyncio
import time

from connectors.base import (
    ColumnInfo,
    ConnectionSettings,
    ConnectionTestResult,
    EgressCheck,
    TableInfo,
    elapsed_ms,
)
from connectors.kafka import brokers
from connectors.kafka.config import DEFAULT_PORT, KafkaConfig
from connectors.kafka.decode import META_SCHEMA
from connectors.kafka.errors import classify

META_COLUMNS = [ColumnInfo(f.name, str(f.type), f.nullable) for f in META_SCHEMA]


class KafkaConnector:
    type = "kafka"
    dialect = "postgres"  # no SQL of its own: transformations run where the rows are staged
    network = True
    default_port: int | None = DEFAULT_PORT
    default_schema: str | None = None
    stream = True  # read from a position, not by a query
    options = [
        "host and port of a bootstrap server, or properties.bootstrap_servers ('h1:9092,h2:9092')",
        "properties.security_protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL",
        "properties.sasl_mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (username, password)",
        "properties.ssl_ca_pem: a CA certificate (PEM)",
        "source options: topic or topics, consumer_group, start (earliest | latest)",
        "sink options: topic, key (the column whose value keys each message)",
    ]

    def config(self, settings: ConnectionSettings) -> KafkaConfig:
        egress = settings.egress
        if egress is None:
            return KafkaConfig.from_settings(settings)
        # Every broker the cluster advertises passes the egress policy, as the bootstrap did.
        return KafkaConfig.from_settings(settings, lambda host, port: _checked(egress, host, port))

    async def test_connection(self, config: KafkaConfig) -> ConnectionTestResult:
        started = time.perf_counter()
        try:
            cluster, topics = await asyncio.to_thread(_metadata, config)
        except Exception as exc:
            return ConnectionTestResult.failed(started, classify(exc).message)
        return ConnectionTestResult(
            connected=True,
            latency_ms=elapsed_ms(started),
            version=f"Kafka cluster {cluster}",
            schemas=sorted(topics),
            tables=len(topics),
        )

    async def introspect(self, config: KafkaConfig) -> list[TableInfo]:
        """Every topic (internal ones aside) with its partition count and the columns a read
        always has; the fields of its JSON values are known only once read."""
        try:
            _, topics = await asyncio.to_thread(_metadata, config)
        except Exception as exc:
            raise classify(exc) from exc
        return [
            TableInfo("", name, list(META_COLUMNS), partitions=count)
            for name, count in sorted(topics.items())
        ]

    async def table_exists(self, config: KafkaConfig, schema: str | None, name: str) -> bool:
        _, topics = await asyncio.to_thread(_metadata, config)
        return name in topics


def _checked(egress: EgressCheck, host: str, port: int) -> None:
    egress(f"kafka://{host}:{port}")


def _metadata(config: KafkaConfig) -> tuple[str, dict[str, int]]:
    """The cluster id and every topic with its partition count."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(brokers.client_config(config))
    metadata = admin.list_topics(timeout=config.timeout_s)
    config.check_brokers([(str(b.host), int(b.port)) for b in metadata.brokers.values()])
    topics = {
        name: len(t.partitions)
        for name, t in metadata.topics.items()
        if not name.startswith("__") and t.error is None
    }
    return str(metadata.cluster_id or "unnamed"), topics


CONNECTOR = KafkaConnector()

__all__ = ["CONNECTOR", "KafkaConfig", "KafkaConnector"]
