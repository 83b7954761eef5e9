"""Attacks through Kafka connections as an editor of a tenant: bootstrap servers on metadata
addresses (in every field that names them), on networks the operator denied, on the service's
own ports; a cluster that advertises a broker on a denied address (the bootstrap is allowed, the
broker it names is not: nothing may connect there, not a connection test, not a run producing
into a topic or reading from one); and a SASL password that must never come back in a response,
an error or a log.

The lying cluster is a real Kafka-protocol broker (Tansu) that advertises 127.0.0.2, where a
listener records every connection made to it; the policy denies 127.0.0.2 alone.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.kafka.conftest import running_tansu, tansu_binary
from tests.pipelines import unique_name
from tests.security.kit import (
    CONNECTIONS,
    Attacker,
    assert_policy_denied,
    assert_refused_at_run_time,
    attacker_fixture,  # noqa: F401  (the fixture "attacker")
    attempt_run,
    error_code,
    own_lake,
    policy_fixture,  # noqa: F401  (the fixture "policy")
    post_pipeline,
)
from tests.service_processes import free_port

DENIED = "127.0.0.2"


def _kafka(**fields: object) -> dict:
    """A Kafka connection body; one naming its servers in properties has a public host too
    (the API requires a host): the properties' list is what the client would use."""
    return {"name": unique_name("kafka"), "type": "kafka", "host": "8.8.8.8", **fields}


METADATA = [
    {"host": "169.254.169.254", "port": 9092},
    {"host": "metadata.google.internal", "port": 9092},
    {"host": "fd00:ec2::254", "port": 9092},
    {"host": "8.8.8.8,169.254.169.254", "port": 9092},
    {"host": "8.8.8.8", "port": 9092, "properties": {"bootstrap_servers": "169.254.169.254:9092"}},
    {"properties": {"bootstrap_servers": "8.8.8.8:9092, 169.254.169.254:9092"}},
    {"properties": {"bootstrap_servers": "[fd00:ec2::254]:9092"}},
    {"properties": {"bootstrap_servers": "169.254.169.254"}},
]


@pytest.mark.parametrize("fields", METADATA, ids=lambda f: str(f)[:60])
async def test_a_bootstrap_server_on_a_metadata_address_is_refused(
    attacker: Attacker, policy, fields: dict
):
    response = await attacker.editor.post(CONNECTIONS, json=_kafka(**fields))
    assert_policy_denied(response, names_setting=False)


LOOPBACK = ["127.0.0.1", "localhost", "127.1", "2130706433", "0x7f000001", "::ffff:127.0.0.1"]


@pytest.mark.parametrize("host", LOOPBACK)
async def test_a_bootstrap_server_on_a_denied_network_is_refused(
    attacker: Attacker, policy, host: str
):
    policy.set(database_denied_networks=["127.0.0.0/8", "::1/128", "::ffff:127.0.0.0/104"])
    shown = f"[{host}]" if ":" in host else host
    for fields in (
        {"host": host, "port": 9092},
        {"properties": {"bootstrap_servers": f"8.8.8.8:9092,{shown}:9092"}},
    ):
        response = await attacker.editor.post(CONNECTIONS, json=_kafka(**fields))
        message = assert_policy_denied(response, names_setting=False)
        assert "DUCTWORK_CONFINEMENT__DATABASE_" in message or "POLICY" in response.text, message


@pytest.mark.parametrize("port", ["api", "temporal-frontend"])
async def test_a_bootstrap_server_on_the_services_own_port_is_refused(
    attacker: Attacker, policy, settings, port: str
):
    own = {"api": settings.api.port, "temporal-frontend": settings.temporal.port}[port]
    for fields in (
        {"host": "127.0.0.1", "port": own},
        {"properties": {"bootstrap_servers": f"127.0.0.1:{own}"}},
    ):
        response = await attacker.editor.post(CONNECTIONS, json=_kafka(**fields))
        assert_policy_denied(response, names_setting=False)


HOSTILE_KAFKA: dict[str, dict] = {
    "port out of range": {"properties": {"bootstrap_servers": "8.8.8.8:99999"}},
    "port zero": {"properties": {"bootstrap_servers": "8.8.8.8:0"}},
    "no host": {"properties": {"bootstrap_servers": ":9092"}},
    "only commas": {"properties": {"bootstrap_servers": ",,,"}},
    "open bracket": {"properties": {"bootstrap_servers": "[::1:9092"}},
    "colons": {"properties": {"bootstrap_servers": "a:b:c"}},
    "huge": {"properties": {"bootstrap_servers": "h" * 100_000 + ":9092"}},
    "list": {"properties": {"bootstrap_servers": ["8.8.8.8:9092"]}},
    "number": {"properties": {"bootstrap_servers": 9092}},
    "nul": {"properties": {"bootstrap_servers": "8.8.8.8\u0000:9092"}},
    "protocol": {"properties": {"security_protocol": "SASL_EVERYTHING"}},
    "mechanism": {"properties": {"security_protocol": "SASL_SSL", "sasl_mechanism": "GSSAPI"}},
    "ca path": {"properties": {"ssl_ca_location": "/etc/ssl/private/key.pem"}},
    "timeout": {"properties": {"timeout_seconds": "forever"}},
    "negative timeout": {"properties": {"timeout_seconds": -1}},
    "huge timeout": {"properties": {"timeout_seconds": 1e300}},
    "object timeout": {"properties": {"timeout_seconds": {"s": 1}}},
    "host list with junk": {"host": "8.8.8.8,,:", "port": 9092},
    "unicode host": {"host": "\u202eexample\u0000.com", "port": 9092},
}


@pytest.mark.parametrize("case", sorted(HOSTILE_KAFKA))
async def test_hostile_kafka_connection_bodies_get_a_4xx_or_a_safe_save(
    attacker: Attacker, policy, case: str
):
    """Saved or refused, never a 500; a saved one's test (on a closed loopback port, so that
    nothing waits on the network) is a failed test or a refusal."""
    fields = dict(HOSTILE_KAFKA[case])
    response = await attacker.editor.post(CONNECTIONS, json=_kafka(**fields))
    assert response.status_code < 500, (case, response.status_code, response.text[:300])
    properties = dict(fields.get("properties") or {})  # type: ignore[call-overload]
    if "bootstrap_servers" not in properties and "host" not in fields:
        properties["bootstrap_servers"] = f"127.0.0.1:{free_port()}"
    properties.setdefault("timeout_seconds", 1)
    fields["properties"] = properties
    saved = await attacker.editor.post(CONNECTIONS, json=_kafka(**fields))
    if saved.status_code == 201:
        connection = saved.json()["connectionId"]
        tested = await attacker.editor.post(f"{CONNECTIONS}/{connection}/test")
        assert tested.status_code in (200, 400, 422), (case, tested.text[:300])
        if tested.status_code == 200:
            assert tested.json()["connected"] is False, tested.text


# --- the SASL password -------------------------------------------------------------------------


async def test_the_sasl_password_never_comes_back(attacker: Attacker, policy, capfd, app):
    password = "PW" + uuid.uuid4().hex
    closed = free_port()
    body = _kafka(
        host="127.0.0.1",
        port=closed,
        username="alice",
        password=password,
        properties={
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "timeout_seconds": 1,
        },
    )
    created = await attacker.admin.post(CONNECTIONS, json=body)
    assert created.status_code == 201, created.text
    connection = created.json()["connectionId"]
    await attacker.editor.get(f"{CONNECTIONS}/{connection}")
    await attacker.editor.get(CONNECTIONS)
    tested = await attacker.editor.post(f"{CONNECTIONS}/{connection}/test")
    assert tested.status_code in (200, 422), tested.text
    await attacker.editor.get(f"{CONNECTIONS}/{connection}/tables")
    await attacker.editor.put(
        f"{CONNECTIONS}/{connection}", json={**body, "properties": {"bootstrap_servers": "x"}}
    )
    captured = capfd.readouterr()
    seen = attacker.responses() + captured.out + captured.err
    assert password not in seen
    assert password[:12] not in seen


async def test_the_sasl_password_is_not_in_a_failed_runs_history_or_logs(
    attacker: Attacker, policy, client, capfd
):
    password = "PW" + uuid.uuid4().hex
    created = await attacker.admin.post(
        CONNECTIONS,
        json=_kafka(
            host="127.0.0.1",
            port=free_port(),
            username="alice",
            password=password,
            properties={
                "security_protocol": "SASL_PLAINTEXT",
                "sasl_mechanism": "PLAIN",
                "timeout_seconds": 1,
            },
        ),
    )
    assert created.status_code == 201, created.text
    lake = await own_lake(attacker)
    definition = {
        "sources": {
            "events": {
                "connection": created.json()["connectionId"],
                "options": {"topic": "events", "consumer_group": "g"},
            }
        },
        "sinks": {"out": {"connection": lake.target, "table": "t.events", "mode": "append"}},
        "orchestration": {"retries": 0},
    }
    saved = await post_pipeline(attacker.editor, definition)
    assert saved.status_code == 201, saved.text
    outcome = await attempt_run(
        attacker.editor, client, attacker.tenant_id, saved.json()["pipelineId"]
    )
    assert outcome.run is not None and outcome.run["status"] == "FAILED", outcome.text
    captured = capfd.readouterr()
    for text in (outcome.text, attacker.responses(), captured.out, captured.err, lake.landed()):
        assert password not in text and password[:12] not in text


# --- a cluster that advertises a denied broker ----------------------------------------------


@dataclass
class Listener:
    """Accepts connections on the denied address and counts them."""

    port: int
    hits: list[str] = field(default_factory=list)


def _listening(port: int) -> tuple[socket.socket, Listener]:
    listener = Listener(port)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((DENIED, port))
    server.listen(16)
    server.settimeout(0.1)

    def accept() -> None:
        while True:
            try:
                conn, peer = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            listener.hits.append(str(peer))
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return server, listener


@dataclass
class LyingCluster:
    port: int  # the bootstrap, on 127.0.0.1
    denied: Listener  # where it says its broker is


@pytest.fixture(scope="module")
def lying_cluster() -> Iterator[LyingCluster]:
    port, advertised = free_port(), free_port()
    tansu_binary()  # skips (or fails under CI) before anything is started
    server, listener = _listening(advertised)
    try:
        with running_tansu(port, f"tcp://{DENIED}:{advertised}"):
            yield LyingCluster(port, listener)
    finally:
        server.close()


async def _lying_connection(attacker: Attacker, cluster: LyingCluster) -> str:
    body = _kafka(host="127.0.0.1", port=cluster.port, properties={"timeout_seconds": 1})
    created = await attacker.editor.post(CONNECTIONS, json=body)
    assert created.status_code == 201, created.text
    return created.json()["connectionId"]


async def test_a_connection_test_never_reaches_an_advertised_denied_broker(
    attacker: Attacker, policy, lying_cluster: LyingCluster
):
    policy.set(database_denied_networks=[f"{DENIED}/32"])
    lying_cluster.denied.hits.clear()
    connection = await _lying_connection(attacker, lying_cluster)
    # Whether the client gets to connect before the check closes it is a race: several tries
    # (stopping at the first connection) make the answer the same on every run.
    for _ in range(8):
        tested = await attacker.editor.post(f"{CONNECTIONS}/{connection}/test")
        if tested.status_code == 200:
            assert tested.json()["connected"] is False, tested.text
        else:
            assert error_code(tested) == "POLICY_DENIED", tested.text
        await attacker.editor.get(f"{CONNECTIONS}/{connection}/tables")
        await asyncio.sleep(0.05)  # lets a connection the client opened be accepted
        if lying_cluster.denied.hits:
            break
    assert lying_cluster.denied.hits == [], "a client connected to the denied broker"


async def test_a_run_producing_into_a_topic_never_reaches_an_advertised_denied_broker(
    attacker: Attacker, policy, client, lying_cluster: LyingCluster
):
    lake = await own_lake(attacker)
    connection = await _lying_connection(attacker, lying_cluster)
    definition = {
        "sources": {"seed": {"connection": lake.source, "table": "seed.csv"}},
        "sinks": {
            "out": {
                "connection": connection,
                "table": "loot",
                "mode": "append",
                "options": {"topic": f"loot-{uuid.uuid4().hex[:6]}"},
            }
        },
        "orchestration": {"retries": 0},
    }
    saved = await post_pipeline(attacker.editor, definition)
    assert saved.status_code == 201, saved.text
    policy.set(database_denied_networks=[f"{DENIED}/32"])
    lying_cluster.denied.hits.clear()
    outcome = await attempt_run(
        attacker.editor, client, attacker.tenant_id, saved.json()["pipelineId"]
    )
    assert lying_cluster.denied.hits == [], "the producer connected to the denied broker"
    assert_refused_at_run_time(outcome)


async def test_a_run_reading_a_topic_never_reaches_an_advertised_denied_broker(
    attacker: Attacker, policy, client, lying_cluster: LyingCluster
):
    lake = await own_lake(attacker)
    connection = await _lying_connection(attacker, lying_cluster)
    definition = {
        "sources": {
            "events": {
                "connection": connection,
                "options": {"topic": f"events-{uuid.uuid4().hex[:6]}", "consumer_group": "g"},
            }
        },
        "sinks": {"out": {"connection": lake.target, "table": "t.events", "mode": "append"}},
        "orchestration": {"retries": 0},
    }
    saved = await post_pipeline(attacker.editor, definition)
    assert saved.status_code == 201, saved.text
    policy.set(database_denied_networks=[f"{DENIED}/32"])
    lying_cluster.denied.hits.clear()
    outcome = await attempt_run(
        attacker.editor, client, attacker.tenant_id, saved.json()["pipelineId"]
    )
    assert lying_cluster.denied.hits == [], "the consumer connected to the denied broker"
    assert_refused_at_run_time(outcome)
